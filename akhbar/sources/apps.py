from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "akhbar.sources"
    label = "sources"
    verbose_name = "Sources"
