"""XML sitemaps: Google News sitemaps and plain urlsets become entries; indexes list children."""

from __future__ import annotations

from lxml import etree

from akhbar.ingest.errors import ParseError
from akhbar.ingest.feeds.common import (
    EntryContext,
    absolute,
    dedupe,
    normal_language,
    parse_date,
)
from akhbar.ingest.feeds.common import make_entry as _make_entry
from akhbar.ingest.types import FeedEntry, ParsedFeed


def _local(tag: object) -> str:
    """The local name of an lxml tag (namespace dropped); "" for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for sub in el:
        if _local(sub.tag) == name:
            return sub
    return None


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def sitemap_root(content: bytes) -> etree._Element:
    """The root element of sitemap XML (recovering from small breakage); ParseError if none."""
    # No DTDs, no entities, no network: sitemaps are untrusted input.
    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"unreadable sitemap: {exc}", kind="malformed") from exc
    if root is None:
        raise ParseError("unreadable sitemap", kind="malformed")
    return root


def parse_sitemap(content: bytes, ctx: EntryContext) -> ParsedFeed:
    """A <urlset> (news or plain) or <sitemapindex> document as a ParsedFeed."""
    root = sitemap_root(content)
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children: list[str] = []
        for sm in root:
            if _local(sm.tag) != "sitemap":
                continue
            loc = absolute(_text(_child(sm, "loc")), ctx.base_url)
            if loc and loc not in children:
                children.append(loc)
        return ParsedFeed(
            format="sitemap_index", entries=(), sitemaps=tuple(children), parser="sitemap"
        )
    if kind != "urlset":
        raise ParseError(f"not a sitemap root: <{kind}>", kind="not_a_feed")
    entries: list[FeedEntry] = []
    for url_el in root:
        if _local(url_el.tag) != "url":
            continue
        entry = _url_entry(url_el, ctx)
        if entry is not None:
            entries.append(entry)
    return ParsedFeed(format="sitemap", entries=dedupe(entries), parser="sitemap")


def _url_entry(url_el: etree._Element, ctx: EntryContext) -> FeedEntry | None:
    """One <url> element as a FeedEntry (title, date, language from news:news when present)."""
    loc = _text(_child(url_el, "loc"))
    if not loc:
        return None
    lastmod = parse_date(_text(_child(url_el, "lastmod")), ctx.default_tz)
    title = ""
    published = None
    language = None
    keywords: list[str] = []
    news = _child(url_el, "news")
    if news is not None:
        title = _text(_child(news, "title"))
        published = parse_date(_text(_child(news, "publication_date")), ctx.default_tz)
        publication = _child(news, "publication")
        if publication is not None:
            language = normal_language(_text(_child(publication, "language")))
        raw_keywords = _text(_child(news, "keywords"))
        keywords = [k.strip() for k in raw_keywords.split(",") if k.strip()]
    image = None
    image_el = _child(url_el, "image")
    if image_el is not None:
        image = _text(_child(image_el, "loc")) or None
    return _make_entry(
        ctx,
        title=title,
        link=loc,
        guid=None,
        published=published or lastmod,
        updated=lastmod,
        categories=keywords,
        image_url=image,
        language=language,
    )
