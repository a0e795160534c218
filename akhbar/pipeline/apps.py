from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "akhbar.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline"
