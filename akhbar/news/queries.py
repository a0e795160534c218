"""Reads of the news app: what pages and the API show."""

from __future__ import annotations

from django.db.models import QuerySet

from akhbar.news.models import Article

# Which article languages each edition lists (the Maghress French edition carries French- and
# English-language outlets; the registry's per-source editions come with the portal issue).
EDITION_LANGUAGES = {"fr": ("fr", "en"), "ar": ("ar",), "en": ("en",)}
EXCERPT_CHARS = 300


def visible_articles() -> QuerySet[Article]:
    """Articles readers may see, with what listings show, newest first."""
    return (
        Article.objects.filter(hidden=False)
        .select_related("source", "image")
        .order_by("-published", "-id")
    )


def edition_articles(edition: str) -> QuerySet[Article]:
    """Visible articles of an edition's languages."""
    langs = EDITION_LANGUAGES.get(edition, EDITION_LANGUAGES["fr"])
    return visible_articles().filter(language__in=langs)


def latest_headlines(edition: str, limit: int = 50) -> list[Article]:
    """The ticker: the latest headlines of the edition, with outlet and time."""
    return list(edition_articles(edition).only(
        "id", "title", "published", "language", "url", "source__slug", "source__name",
        "source__display", "image__id", "image__status", "image__local_path", "image__source_url",
    )[:limit])


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first paragraph, at most ``limit`` characters, cut on a word with an ellipsis."""
    first = next((p.strip() for p in text.split("\n") if p.strip()), "")
    if len(first) <= limit:
        return first
    cut = first[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.") + "…"


def display_paragraphs(article: Article) -> list[str]:
    """The paragraphs an article page shows: all, or the excerpt when the source asks for it."""
    if article.source.display == "excerpt":
        ex = excerpt(article.text or article.summary)
        return [ex] if ex else []
    return [p.strip() for p in (article.text or article.summary).split("\n") if p.strip()]
