"""Reads of the news app: what pages and the API show."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from akhbar.news.models import Article
from akhbar.sources.models import Source

# Which outlet languages each edition lists (the Maghress French edition carries French- and
# English-language outlets); a source's registry ``editions`` adds it to more.
EDITION_LANGUAGES = {"fr": ("fr", "en"), "ar": ("ar",), "en": ("en",)}
EXCERPT_CHARS = 300

# Section keys (akhbar.ingest.sections.SECTION_KEYS) with their translated labels, in menu order.
SECTIONS = {
    "politics": _("Politics"),
    "economy": _("Economy"),
    "society": _("Society"),
    "sports": _("Sports"),
    "culture": _("Culture"),
    "world": _("World"),
    "tech": _("Tech"),
}


def visible_articles() -> QuerySet[Article]:
    """Articles readers may see, with what listings show, newest first."""
    return (
        Article.objects.filter(hidden=False)
        .select_related("source", "image")
        .order_by("-published", "-id")
    )


def source_editions(languages: list[str], editions: list[str]) -> set[str]:
    """The editions that list a source: its registry ``editions``, plus those of its languages."""
    shown = {e for e in editions if e in EDITION_LANGUAGES}
    for edition, langs in EDITION_LANGUAGES.items():
        if any(lang in langs for lang in languages):
            shown.add(edition)
    return shown


def edition_source_ids(edition: str) -> list[int]:
    """Ids of the sources an edition lists (one small query; sources number in the hundreds)."""
    return [
        pk
        for pk, languages, editions in Source.objects.values_list("pk", "languages", "editions")
        if edition in source_editions(languages or [], editions or [])
    ]


def edition_articles(edition: str) -> QuerySet[Article]:
    """Visible articles of the sources an edition lists."""
    if edition not in EDITION_LANGUAGES:
        edition = "fr"
    return visible_articles().filter(source_id__in=edition_source_ids(edition))


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
