"""Feeds out: RSS 2.0 and Atom per edition and per outlet (django.contrib.syndication).

Syndicated copies are folded under their original: a feed lists each dispatch once (the
original), never a copy's title; the API still lists copies, with ``copy_of``.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from akhbar.ingest.sanitize import plain_text, text_as_html
from akhbar.news import queries
from akhbar.news.models import Article
from akhbar.sources.models import Source

FEED_ITEMS = 50


def _edition() -> str:
    lang = (get_language() or "fr")[:2]
    return lang if lang in queries.EDITION_LANGUAGES else "fr"


def _http_url(url: str) -> str | None:
    """``url`` when it is http(s), else none (a javascript: link must not reach a reader)."""
    return url if url.lower().startswith(("http://", "https://")) else None


class _ArticleItems:
    """Item fields shared by every feed: akhbar's page, the excerpt, the outlet as author.

    Everything in a feed comes from outlets and is rendered by subscribers' readers, many of
    which treat titles and descriptions as HTML: titles and names go out as plain text with any
    markup stripped, descriptions as HTML sanitized by nh3 that shows the excerpt's text.
    """

    def item_title(self, item: Article) -> str:
        return plain_text(item.title)

    def item_description(self, item: Article) -> str:
        # Feeds carry the excerpt, whatever the source's policy: the full text stays on the
        # outlet's site and on akhbar's page for outlets that allow it.
        return text_as_html(plain_text(queries.excerpt(item.text or item.summary)))

    def item_link(self, item: Article) -> str:
        return reverse("article", args=[item.pk])

    def item_guid(self, item: Article) -> str:
        return item.url or f"akhbar:article:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Article) -> datetime:
        return item.published

    def item_author_name(self, item: Article) -> str:
        return plain_text(item.source.name)

    def item_author_link(self, item: Article) -> str | None:
        return _http_url(item.source.homepage)


class EditionFeed(_ArticleItems, Feed):
    """The latest articles of an edition."""

    def get_object(self, request: HttpRequest) -> str:
        return _edition()

    def title(self, edition: str) -> str:
        return _("akhbar — Latest news")

    def link(self, edition: str) -> str:
        return reverse("home")

    def description(self, edition: str) -> str:
        return _("The latest headlines from every outlet akhbar follows.")

    def items(self, edition: str) -> list[Article]:
        return list(queries.edition_articles(edition).filter(copy_of__isnull=True)[:FEED_ITEMS])


class EditionAtomFeed(EditionFeed):
    feed_type = Atom1Feed
    subtitle = EditionFeed.description


class SourceFeed(_ArticleItems, Feed):
    """The latest articles of one outlet."""

    def get_object(self, request: HttpRequest, slug: str) -> Source:
        return get_object_or_404(Source, slug=slug)

    def title(self, source: Source) -> str:
        return _("%(name)s on akhbar") % {"name": plain_text(source.name)}

    def link(self, source: Source) -> str:
        return reverse("source", args=[source.slug])

    def description(self, source: Source) -> str:
        return _("The latest articles of %(name)s.") % {"name": plain_text(source.name)}

    def items(self, source: Source) -> list[Article]:
        return list(queries.visible_articles().filter(source=source, copy_of__isnull=True)
                    [:FEED_ITEMS])


class SourceAtomFeed(SourceFeed):
    feed_type = Atom1Feed
    subtitle = SourceFeed.description


class SectionFeed(_ArticleItems, Feed):
    """The latest articles of one section of the edition."""

    def get_object(self, request: HttpRequest, key: str) -> str:
        if key not in queries.SECTIONS:
            raise Http404("no such section")
        return key

    def title(self, key: str) -> str:
        return _("akhbar — %(section)s") % {"section": queries.SECTIONS[key]}

    def link(self, key: str) -> str:
        return reverse("section", args=[key])

    def description(self, key: str) -> str:
        return _("The latest articles in %(section)s.") % {"section": queries.SECTIONS[key]}

    def items(self, key: str) -> list[Article]:
        return list(queries.edition_articles(_edition()).filter(section=key, copy_of__isnull=True)
                    [:FEED_ITEMS])


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed
    subtitle = SectionFeed.description
