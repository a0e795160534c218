"""Frozen dataclasses that cross module borders in the ingestion core.

They record provenance (requested URL, final URL, fetch time) so that every stored article can
say where and when it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchResult:
    """One HTTP response as the fetcher returns it (after redirects, charset detection)."""

    requested_url: str
    final_url: str
    status: int  # 200… or 304 (not modified; content is empty)
    content: bytes
    fetched_at: datetime  # aware UTC
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    encoding: str | None = None  # detected charset of ``content`` when it is text
    etag: str | None = None
    last_modified: str | None = None
    elapsed_ms: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        """The body decoded with the detected charset (replacement on undecodable bytes)."""
        return self.content.decode(self.encoding or "utf-8", errors="replace")


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, normalised: stable identity, canonical URL, aware UTC dates."""

    identity: str  # guid → canonical URL → "title|date": stable across polls
    url: str  # canonical URL of the article (tracking parameters removed)
    title: str
    link: str = ""  # the link exactly as the feed gave it
    guid: str | None = None
    summary: str = ""  # plain text
    summary_html: str = ""  # sanitized HTML
    published: datetime | None = None  # aware UTC, never in the future
    updated: datetime | None = None  # aware UTC
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    image_url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed document (RSS, Atom, JSON Feed or news sitemap)."""

    format: str  # "rss" | "atom" | "rdf" | "json" | "sitemap" | "sitemap_index"
    entries: tuple[FeedEntry, ...]
    title: str = ""
    link: str = ""
    language: str | None = None
    # For sitemap indexes: the child sitemaps to fetch.
    sitemaps: tuple[str, ...] = ()
    parser: str = ""  # which library produced it ("fastfeedparser", "feedparser", "sitemap"…)


@dataclass(frozen=True)
class ArticleDraft:
    """What extraction made of one article page, ready to be stored."""

    url: str  # canonical URL
    title: str
    text: str  # plain text, paragraphs separated by blank lines
    html: str  # sanitized paragraph HTML
    published: datetime | None  # page date, aware UTC, never in the future
    authors: tuple[str, ...] = ()
    image_url: str | None = None
    language: str | None = None
    sitename: str | None = None
    description: str = ""
    categories: tuple[str, ...] = ()
    extracted: bool = True  # False: extraction failed, title/text come from the feed
    error: str | None = None  # the ExtractError kind when extracted is False
    requested_url: str = ""
    final_url: str = ""
    fetched_at: datetime | None = None
