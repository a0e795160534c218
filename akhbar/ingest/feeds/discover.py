"""Feed discovery: the feeds a page advertises, and the usual places to try when it does not."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from akhbar.ingest.feeds.common import is_http_url

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
    }
)
# Paths that feed software uses by default (WordPress, Hugo, Jekyll, Ghost, Drupal…), in the
# order worth trying: the most common first.
COMMON_FEED_PATHS = ("/feed", "/feed/", "/rss", "/rss.xml", "/index.xml", "/atom.xml", "/feed.xml", "/?feed=rss2")


class _LinkCollector(HTMLParser):
    """Collects <link rel="alternate" type=feed> hrefs and the <base href> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            mime = values.get("type", "").split(";")[0].strip().lower()
            href = values.get("href", "").strip()
            if "alternate" in rels and mime in FEED_TYPES and href:
                self.hrefs.append(href)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Absolute URLs of the feeds a page advertises with <link rel="alternate">, in page order."""
    collector = _LinkCollector()
    try:
        collector.feed(html)
        collector.close()
    except Exception:  # noqa: BLE001 - a broken page yields the links read so far
        pass
    base = urljoin(base_url, collector.base) if collector.base else base_url
    found: list[str] = []
    for href in collector.hrefs:
        url = urljoin(base, href)
        if is_http_url(url) and url not in found:
            found.append(url)
    return found


def candidate_feed_urls(base_url: str) -> list[str]:
    """Common feed locations on the site of ``base_url`` for the caller to try in order."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    candidates: list[str] = []
    for path in COMMON_FEED_PATHS:
        url = urljoin(root, path)
        if url not in candidates:
            candidates.append(url)
    return candidates
