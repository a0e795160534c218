from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PipelineConfig(AppConfig):
    name = "akhbar.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline"

    def ready(self) -> None:
        from django.apps import apps
        from django_tasks.signals import task_finished, task_started

        from akhbar.metrics import observe_task_start
        from akhbar.pipeline.maintenance import after_migrate
        from akhbar.pipeline.worker import release_memory

        # Queue latency, on either backend: both send task_started when a worker takes a task.
        task_started.connect(observe_task_start, dispatch_uid="akhbar-task-wait")
        # A worker's heap after a task (extraction's parse trees) goes back to the system.
        task_finished.connect(release_memory, dispatch_uid="akhbar-release-memory")

        # post_migrate is sent per app with models (this one has none): once, after the news app.
        post_migrate.connect(after_migrate, sender=apps.get_app_config("news"),
                             dispatch_uid="akhbar-analyze")
