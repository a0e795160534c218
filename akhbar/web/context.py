"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

# Each edition named in its own language, whatever the page's language.
EDITIONS = (("fr", "Français"), ("ar", "العربية"), ("en", "English"))


def editions(request: HttpRequest) -> dict[str, object]:
    from akhbar.news.queries import SECTIONS

    return {"EDITIONS": EDITIONS, "SECTIONS": SECTIONS}
