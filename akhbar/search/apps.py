"""The search app: one interface over SQLite FTS5 and PostgreSQL full-text search."""

from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "akhbar.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The index follows every write that readers can see: every write already says so
        # through pages_changed(), inside its transaction, so the index changes in that same
        # transaction. Subscribing here keeps the layers: news and sources never import search.
        from akhbar.search.services import follow_changes
        from akhbar.web.cache import on_pages_changed

        on_pages_changed(follow_changes)
