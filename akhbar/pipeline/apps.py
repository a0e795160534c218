from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PipelineConfig(AppConfig):
    name = "akhbar.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline"

    def ready(self) -> None:
        from django.apps import apps

        from akhbar.pipeline.maintenance import after_migrate

        # post_migrate is sent per app with models (this one has none): once, after the news app.
        post_migrate.connect(after_migrate, sender=apps.get_app_config("news"),
                             dispatch_uid="akhbar-analyze")
