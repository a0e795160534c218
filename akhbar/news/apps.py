from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "akhbar.news"
    label = "news"
    verbose_name = "News"

    def ready(self) -> None:
        from akhbar.news import signals

        signals.connect()
        # A changed article makes the pages of the topics it names stale (akhbar/news/topics.py).
        from akhbar.news.topics import topic_tags_listener
        from akhbar.web.cache import on_pages_changed

        on_pages_changed(topic_tags_listener)
