from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "akhbar.news"
    label = "news"
    verbose_name = "News"

    def ready(self) -> None:
        from akhbar.news import signals

        signals.connect()
