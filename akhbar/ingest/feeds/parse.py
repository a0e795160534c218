"""Feed parsing: detect the format of fetched bytes and turn them into normalised entries.

Routing (measured in bench/feeds.py, recorded in docs/BENCHMARKS.md):

* JSON Feed is read with :mod:`json` directly (the format is a plain JSON object).
* XML sitemaps (news, plain, index) go to :mod:`akhbar.ingest.feeds.sitemaps` (lxml).
* Well-formed RSS 2.0 / 0.9x / 1.0 goes to fastfeedparser (tens of times faster).
* feedparser takes the rest, where fastfeedparser is measurably wrong: XML that is not
  well-formed (fastfeedparser's repair drops text and entries), Atom (it ignores xml:base and
  keeps only the first author), feeds with zone-less dates when the source's zone is known
  (it reads them as UTC and keeps no raw string), and whenever fastfeedparser raises or
  returns fewer entries than the document has items.

Every text field is sanitized here whichever library produced it: neither is trusted.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import fastfeedparser
import feedparser
from lxml import etree

from akhbar.ingest.charset import detect_encoding
from akhbar.ingest.errors import ParseError
from akhbar.ingest.feeds.common import (
    EntryContext,
    absolute,
    dedupe,
    first_image,
    is_naive_date,
    make_entry,
    normal_language,
    one_line,
    parse_date,
)
from akhbar.ingest.feeds.sitemaps import parse_sitemap
from akhbar.ingest.normalize import is_placeholder_date, plausible_date
from akhbar.ingest.types import FeedEntry, ParsedFeed

_XML_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""", re.I)
_FEED_ROOTS = {"rss": "rss", "rdf": "rdf", "feed": "atom", "channel": "rss"}
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
# Where a feed root may start after junk (PHP warnings, stray text) that some CMSs print first.
_LATE_ROOT = re.compile(r"<\?xml\b|<rss\b|<rdf:RDF\b|<feed\b", re.I)
_ITEM_TAG = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]")
_DATE_VALUE = re.compile(
    r"<(?:[\w-]+:)?(?:pubDate|date|published|updated|modified|issued|created)\b[^>]*>"
    r"\s*([^<]{6,64}?)\s*</",
)
_CHANNEL_LANGUAGE = re.compile(r"<(?:dc:)?language>\s*([A-Za-z_-]{2,20})\s*</", re.I)
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")


def parse_feed(
    content: bytes,
    *,
    url: str,
    content_type: str | None = None,
    encoding: str | None = None,
    default_tz: str | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse RSS, Atom, RDF, JSON Feed or sitemap bytes fetched from ``url``.

    ``encoding`` overrides charset detection (when the bytes decode under it); naive dates are
    read in ``default_tz`` (the source's zone); no date is later than ``now`` (default: now).
    Raises ParseError with kind ``empty``, ``not_a_feed`` or ``malformed``.
    """
    if not content or not content.strip():
        raise ParseError("empty body", kind="empty", url=url)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    text = _decode(content, encoding, content_type)
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise ParseError("empty body", kind="empty", url=url)
    ctx = EntryContext(base_url=url, now=now, default_tz=default_tz)
    if text[0] in "{[" or _is_json_type(content_type):
        return _parse_json_feed(text, ctx, url)
    root, text = _sniff_root(text)
    if root is None:
        raise ParseError("neither XML nor JSON", kind="not_a_feed", url=url)
    if root == "html":
        raise ParseError("an HTML page, not a feed", kind="not_a_feed", url=url)
    xml = _as_utf8_xml(text)
    if root in _SITEMAP_ROOTS:
        try:
            return parse_sitemap(xml, ctx)
        except ParseError as exc:
            exc.url = url
            raise
    fmt = _FEED_ROOTS.get(root)
    if fmt is None:
        raise ParseError(f"unknown XML root <{root}>", kind="not_a_feed", url=url)
    return _parse_xml_feed(xml, text, fmt, ctx, url)


def _decode(content: bytes, encoding: str | None, content_type: str | None) -> str:
    """The body as text: the caller's encoding when it fits, else our detection."""
    if encoding:
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong hint: detect instead of returning mojibake
    return content.decode(detect_encoding(content, content_type), errors="replace")


def _is_json_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";")[0].strip().lower()
    return mime in ("application/json", "application/feed+json")


def _sniff_root(text: str) -> tuple[str | None, str]:
    """The local name of the document's root element (lower-cased) and the text from it."""
    name = _first_element(text[:8192])
    if name is not None and name != "html" and name not in _FEED_ROOTS and name not in _SITEMAP_ROOTS:
        # Junk before the feed (e.g. "<br /><b>Warning</b>: ..." from PHP): skip to the feed.
        m = _LATE_ROOT.search(text, 0, 8192)
        if m:
            text = text[m.start():]
            name = _first_element(text[:8192])
    return name, text


def _first_element(head: str) -> str | None:
    """The local name of the first element in ``head`` (skipping prolog, comments, DOCTYPE)."""
    pos = 0
    while True:
        start = head.find("<", pos)
        if start < 0:
            return None
        if start > 0 and pos == 0 and head[:start].strip():
            return None  # text before any markup: not XML
        if head.startswith("<?", start):
            pos = head.find("?>", start)
        elif head.startswith("<!--", start):
            pos = head.find("-->", start)
        elif head.startswith("<!", start):
            if head[start:start + 14].lower().startswith("<!doctype html"):
                return "html"
            pos = head.find(">", start)
        else:
            m = re.match(r"<([A-Za-z_][\w.:-]*)", head[start:])
            return m.group(1).split(":")[-1].lower() if m else None
        if pos < 0:
            return None
        pos += 1


def _as_utf8_xml(text: str) -> bytes:
    """``text`` as UTF-8 bytes whose XML declaration (if any) says so."""
    return _XML_DECL_ENCODING.sub(r"\1\2utf-8\2", text, count=1).encode("utf-8")


def _well_formed(xml: bytes) -> bool:
    """True when a strict XML parser accepts the document (no DTD, entities or network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        return False
    return True


def _has_naive_dates(text: str) -> bool:
    return any(is_naive_date(m.group(1)) for m in _DATE_VALUE.finditer(text))


def _has_placeholder_dates(text: str) -> bool:
    return any(is_placeholder_date(m.group(1)) for m in _DATE_VALUE.finditer(text))


def _parse_xml_feed(xml: bytes, text: str, fmt: str, ctx: EntryContext, url: str) -> ParsedFeed:
    """RSS / RDF / Atom through fastfeedparser or feedparser (see the module docstring)."""
    well_formed = _well_formed(xml)
    use_fast = (
        well_formed
        and fmt != "atom"
        and not (ctx.default_tz and _has_naive_dates(text))
        # fastfeedparser hands back "0001" as 2001 with no trace of the string it read.
        and not _has_placeholder_dates(text)
    )
    items = len(_ITEM_TAG.findall(xml))
    if use_fast:
        try:
            fast = fastfeedparser.parse(xml)
        except Exception:  # noqa: BLE001 - any failure of the fast path means: use feedparser
            fast = None
        if fast is not None and len(fast.get("entries", [])) >= items:
            return _from_library(fast, fmt, ctx, text, "fastfeedparser")
    slow = feedparser.parse(
        io.BytesIO(xml),  # a stream: feedparser reads a str or bytes argument as a path or URL
        response_headers={"content-location": url, "content-type": "application/xml; charset=utf-8"},
    )
    version = str(slow.get("version") or "")
    if not slow.entries and not slow.feed.get("title"):
        kind = "malformed" if not well_formed or slow.get("bozo") else "not_a_feed"
        raise ParseError("no feed could be read from the document", kind=kind, url=url)
    if version.startswith("atom"):
        fmt = "atom"
    elif version in ("rss10", "rss090"):
        fmt = "rdf"
    return _from_library(slow, fmt, ctx, text, "feedparser")


def _from_library(result: Mapping[str, Any], fmt: str, ctx: EntryContext, text: str, parser: str) -> ParsedFeed:
    """A feedparser-shaped result (both libraries share the shape) as a ParsedFeed."""
    feed = result.get("feed") or {}
    language = normal_language(feed.get("language"))
    if language is None:
        # fastfeedparser only reads xml:lang; RSS says it in <language>/<dc:language>.
        m = _CHANNEL_LANGUAGE.search(text, 0, text.find("<item") if "<item" in text else 8192)
        language = normal_language(m.group(1)) if m else None
    feed_link = absolute(feed.get("link"), ctx.base_url)
    ctx = EntryContext(base_url=ctx.base_url, now=ctx.now, default_tz=ctx.default_tz, language=language)
    raw_entries = list(result.get("entries") or [])
    junk = _junk_guids(raw_entries, {ctx.base_url, feed_link})
    entries = []
    for raw in raw_entries:
        entry = _entry_from_mapping(raw, ctx, parser, junk)
        if entry is not None:
            entries.append(entry)
    return ParsedFeed(
        format=fmt,
        entries=dedupe(entries),
        title=one_line(feed.get("title")),
        link=feed_link,
        language=language,
        parser=parser,
    )


def _junk_guids(raw_entries: list[Mapping[str, Any]], feed_urls: set[str]) -> frozenset[str]:
    """GUIDs that cannot identify an entry: the feed's own URL, or one shared by different links."""
    links_by_guid: dict[str, set[str]] = {}
    for raw in raw_entries:
        guid = (raw.get("id") or "").strip()
        if guid:
            links_by_guid.setdefault(guid, set()).add(raw.get("link") or "")
    junk = {g for g, links in links_by_guid.items() if len(links) > 1}
    counts = Counter((raw.get("id") or "").strip() for raw in raw_entries)
    junk.update(g for g in feed_urls if g and counts.get(g))
    return frozenset(junk)


def _entry_from_mapping(
    raw: Mapping[str, Any], ctx: EntryContext, parser: str, junk: frozenset[str]
) -> FeedEntry | None:
    """One library entry (feedparser-shaped dict) as a FeedEntry."""
    link = raw.get("link") or _alternate_link(raw.get("links") or [])
    content_html = ""
    for part in raw.get("content") or []:
        if part.get("value"):
            content_html = part["value"]
            break
    summary_html = raw.get("summary") or raw.get("description") or content_html
    if parser == "feedparser":
        # feedparser keeps the raw date string: parse it ourselves so naive dates get the
        # source's zone; its own *_parsed value (naive → UTC) is only a fallback.
        published = _feedparser_date(raw.get("published"), raw.get("published_parsed"), ctx)
        # dict.get: feedparser's own get() answers "updated" with the published date.
        plain = dict(raw)
        updated = _feedparser_date(plain.get("updated"), plain.get("updated_parsed"), ctx)
    else:
        published = parse_date(raw.get("published"))
        updated = parse_date(raw.get("updated"))
    authors = [a.get("name") or "" for a in raw.get("authors") or [] if isinstance(a, Mapping)]
    if not any(authors) and raw.get("author"):
        authors = [raw["author"]]
    categories = [t.get("term") or t.get("label") or "" for t in raw.get("tags") or [] if isinstance(t, Mapping)]
    language = None
    for key in ("title_detail", "summary_detail"):
        detail = raw.get(key)
        if isinstance(detail, Mapping) and detail.get("language"):
            language = detail["language"]
            break
    if language is None:
        for part in raw.get("content") or []:
            if part.get("language"):
                language = part["language"]
                break
    image = _media_image(raw) or first_image(content_html, ctx.base_url)
    return make_entry(
        ctx,
        title=raw.get("title"),
        link=link,
        guid=raw.get("id"),
        summary_html=summary_html,
        published=published,
        updated=updated,
        authors=authors,
        categories=categories,
        image_url=image,
        language=language,
        junk_guids=junk,
    )


def _alternate_link(links: list[Mapping[str, Any]]) -> str:
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return ""


def _feedparser_date(raw: Any, parsed: Any, ctx: EntryContext) -> datetime | None:
    """Our reading of feedparser's raw date string; its own parse only for forms we cannot read.

    A placeholder string ("0001", 1970) is no date: feedparser's parse of it (2001) is not used.
    """
    if isinstance(raw, str) and is_placeholder_date(" ".join(raw.split())):
        return None
    return parse_date(raw, ctx.default_tz) or plausible_date(_struct_utc(parsed))


def _struct_utc(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _looks_like_image(item: Mapping[str, Any]) -> bool:
    medium = (item.get("medium") or "").lower()
    mime = (item.get("type") or "").lower()
    if medium == "image" or mime.startswith("image/"):
        return True
    if medium or mime:
        return False
    url = (item.get("url") or item.get("href") or "").lower().split("?")[0]
    return url.endswith(_IMAGE_EXTENSIONS)


def _media_image(raw: Mapping[str, Any]) -> str | None:
    """The entry's image from media:content, media:thumbnail or an image enclosure."""
    for item in raw.get("media_content") or []:
        if item.get("url") and _looks_like_image(item):
            return str(item["url"])
    for item in raw.get("media_thumbnail") or []:
        if item.get("url"):
            return str(item["url"])
    for item in list(raw.get("enclosures") or []) + [
        link for link in raw.get("links") or [] if link.get("rel") == "enclosure"
    ]:
        url = item.get("url") or item.get("href")
        if url and _looks_like_image(item):
            return str(url)
    return None


def _parse_json_feed(text: str, ctx: EntryContext, url: str) -> ParsedFeed:
    """A JSON Feed (1.0 or 1.1) document as a ParsedFeed."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        if text.lstrip().startswith("<"):
            raise ParseError("not JSON", kind="not_a_feed", url=url) from exc
        raise ParseError(f"invalid JSON: {exc}", kind="malformed", url=url) from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError("JSON without a JSON Feed items list", kind="not_a_feed", url=url)
    language = normal_language(_str(data.get("language")))
    ctx = EntryContext(base_url=url, now=ctx.now, default_tz=ctx.default_tz, language=language)
    feed_authors = _json_authors(data)
    entries: list[FeedEntry] = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue  # one bad item never stops the feed
        summary = _str(item.get("summary"))
        content_html = _str(item.get("content_html"))
        content_text = _str(item.get("content_text"))
        summary_html = html.escape(summary) if summary else content_html or html.escape(content_text)
        identity = item.get("id")
        image = _str(item.get("image")) or _str(item.get("banner_image")) or first_image(content_html, url)
        raw_tags = item.get("tags")
        tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
        entry = make_entry(
            ctx,
            title=_str(item.get("title")),
            link=_str(item.get("url")) or _str(item.get("external_url")),
            guid=str(identity) if isinstance(identity, (str, int)) else None,
            summary_html=summary_html,
            published=parse_date(_str(item.get("date_published")), ctx.default_tz),
            updated=parse_date(_str(item.get("date_modified")), ctx.default_tz),
            authors=_json_authors(item) or feed_authors,
            categories=[t for t in tags if isinstance(t, str)],
            image_url=image or None,
            language=_str(item.get("language")) or None,
        )
        if entry is not None:
            entries.append(entry)
    return ParsedFeed(
        format="json",
        entries=dedupe(entries),
        title=one_line(_str(data.get("title"))),
        link=absolute(_str(data.get("home_page_url")), url),
        language=language,
        parser="json",
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_authors(obj: Mapping[str, Any]) -> list[str]:
    """Author names of a JSON Feed object: 1.1 ``authors`` list or 1.0 ``author`` object."""
    authors = obj.get("authors")
    if not isinstance(authors, list):
        single = obj.get("author")
        authors = [single] if isinstance(single, dict) else []
    return [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
