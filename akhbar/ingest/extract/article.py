"""Turn an article page into an ArticleDraft: trafilatura for the body, page metadata as fallback."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from lxml.etree import _Element, tostring
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Document, use_config
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from akhbar.ingest.charset import detect_encoding
from akhbar.ingest.errors import ExtractError
from akhbar.ingest.extract.language import detect_language
from akhbar.ingest.extract.metadata import (
    PageMetadata,
    choose_title,
    parse_date,
    read_page_metadata,
    strip_site_name,
)
from akhbar.ingest.normalize import aware_utc, canonical_url, clean_text, not_in_future
from akhbar.ingest.sanitize import sanitize_html
from akhbar.ingest.types import ArticleDraft, FeedEntry

# Below this many characters the "article" is a caption or a teaser: not worth keeping as text.
MIN_TEXT_CHARS = 120
# A text this short is too little for the language detector to overrule <html lang>.
SHORT_TEXT_CHARS = 200


def decode_page(content: bytes | str, encoding: str | None = None, *, url: str = "") -> str:
    """The page as text, decoded with ``encoding`` or the detected charset; ExtractError if not HTML."""
    if isinstance(content, bytes):
        if not content.strip():
            raise ExtractError("the page is empty", kind="empty", url=url)
        head = content[:2048]
        # NUL bytes mean binary data (image, PDF, archive) unless the page is UTF-16.
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ExtractError("binary content, not an HTML page", kind="not_html", url=url)
        try:
            text = content.decode(encoding or detect_encoding(content), errors="replace")
        except LookupError:
            text = content.decode(detect_encoding(content), errors="replace")
    else:
        text = content
    if not text.strip():
        raise ExtractError("the page is empty", kind="empty", url=url)
    if "<" not in text[:65536]:
        raise ExtractError("no markup: not an HTML page", kind="not_html", url=url)
    return text


def _drop_title_heading(body: _Element, title: str) -> None:
    """Remove the body's leading heading when it repeats the title (it is stored apart)."""
    first = body[0] if len(body) else None
    if first is not None and first.tag == "head" and _fold("".join(first.itertext())) == _fold(title):
        body.remove(first)


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


def _paragraphs(raw: str) -> str:
    """trafilatura's one-line-per-block text as paragraphs separated by blank lines."""
    lines = (line.strip() for line in clean_text(raw).split("\n"))
    return "\n\n".join(line for line in lines if line)


def _body_html(document: Document) -> str:
    if document.body is None:
        return ""
    return sanitize_html(tostring(convert_to_html(document.body), encoding="unicode"))


def _published(
    page: PageMetadata, htmldate_day: str | None, source_timezone: str | None, now: datetime
) -> datetime | None:
    """The page's publication date as aware UTC, never in the future.

    htmldate (through trafilatura) picks the printed day more often than the first timestamp in
    the markup, but gives only a day; the markup's timestamp (JSON-LD, meta, <time>) is kept
    when it falls on that day in the source's zone. Measured on the benchmark pages: when they
    differ by one day, a timestamp written with a local offset was right more often than
    htmldate, while one written in UTC had only crossed the publisher's midnight. A value without
    a zone is read in the source's zone; a bare day is taken at noon there, so that no display
    zone moves it to another date.
    """
    day = parse_date(htmldate_day)
    stamp = page.published
    # htmldate skips dates after ``now``: a future timestamp is then the page's only claim, and
    # it is clamped below rather than replaced by whatever older date htmldate found instead.
    future = stamp is not None and (aware_utc(stamp, source_timezone) or now) > now
    if stamp is not None and day is not None and not future:
        local = stamp
        if source_timezone and stamp.tzinfo is not None:
            local = stamp.astimezone(ZoneInfo(source_timezone))
        gap = abs((local.date() - day.date()).days)
        offset = local.utcoffset()
        if not (gap == 0 or (gap == 1 and offset is not None and offset != timedelta(0))):
            stamp = None
    if stamp is not None:
        value = stamp
    elif day is not None:
        value = day.replace(hour=12)
    else:
        return None
    return not_in_future(aware_utc(value, source_timezone), now)


def _title(document: Document, page: PageMetadata, url: str) -> str:
    """The visible headline, or the metadata title without the site name around it."""
    meta_title = page.title or (unescape(document.title) if document.title else None)
    if meta_title:
        meta_title = strip_site_name(meta_title, document.sitename, urlsplit(url).hostname)
    return clean_text(choose_title(meta_title, page.headings))


def _authors(document: Document, page: PageMetadata) -> tuple[str, ...]:
    if document.author:
        names = [name.strip() for name in document.author.split(";")]
        return tuple(dict.fromkeys(name for name in names if name))
    return page.authors


def _language(text: str, html_lang: str | None, allowed: Sequence[str]) -> str | None:
    """The detected language; the page's <html lang> wins when it agrees or the text is too short."""
    detected = detect_language(text, allowed)
    html_ok = html_lang is not None and (not allowed or html_lang in {a.lower() for a in allowed})
    if html_ok and (detected == html_lang or len(text) < SHORT_TEXT_CHARS):
        return html_lang
    return detected


def _trafilatura(tree: HtmlElement, url: str, now: datetime) -> Document | None:
    # Config is built per call and passed explicitly: trafilatura's module default is shared.
    config = use_config()
    date_params: dict[str, Any] = {
        "original_date": True,
        "extensive_search": True,
        "max_date": now.strftime("%Y-%m-%d"),
    }
    result = bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=True,
        include_tables=True,
        date_extraction_params=date_params,
        config=config,
    )
    return result if isinstance(result, Document) else None


def extract_article(
    content: bytes | str,
    *,
    url: str,
    encoding: str | None = None,
    source_timezone: str | None = None,
    languages: Sequence[str] = (),
    now: datetime | None = None,
    fallback: FeedEntry | None = None,
    final_url: str | None = None,
    fetched_at: datetime | None = None,
) -> ArticleDraft:
    """Extract title, text, sanitized HTML, date, authors, image and language from an article page.

    Raises ExtractError (``empty``, ``not_html``) when nothing usable comes out and no feed entry
    is given as ``fallback``; with one, returns a draft built from it with ``extracted=False``.
    """
    now = aware_utc(now) or datetime.now(UTC)
    page_url = final_url or url
    try:
        html = decode_page(content, encoding, url=page_url)
        tree = load_html(html)
        if tree is None:
            raise ExtractError("the page could not be parsed as HTML", kind="not_html", url=page_url)
    except ExtractError as error:
        if fallback is None:
            raise
        return _from_feed(fallback, error.kind, PageMetadata(), None, url, final_url, fetched_at,
                          languages)

    page = read_page_metadata(tree)
    document = _trafilatura(tree, page_url, now)
    title = _title(document, page, page_url) if document is not None else ""
    text = ""
    if document is not None and document.body is not None:
        _drop_title_heading(document.body, title)
        text = _paragraphs(xmltotxt(document.body, include_formatting=False))
    published = _published(page, document.date if document else None, source_timezone, now)

    if document is None or len(text) < MIN_TEXT_CHARS:
        if fallback is None:
            raise ExtractError("no article text found in the page", kind="empty", url=page_url)
        return _from_feed(fallback, "empty", page, published, url, final_url, fetched_at,
                          languages)

    image = document.image or page.image
    return ArticleDraft(
        url=canonical_url(url),
        title=title,
        text=text,
        html=_body_html(document),
        published=published,
        authors=_authors(document, page),
        image_url=urljoin(page_url, image) if image else None,
        language=_language(text, page.html_lang, languages),
        sitename=document.sitename or None,
        description=clean_text(document.description or page.description or ""),
        categories=tuple(document.categories or ()),
        requested_url=url,
        final_url=page_url,
        fetched_at=fetched_at,
    )


def draft_from_feed(
    entry: FeedEntry,
    *,
    error: str,
    languages: Sequence[str] = (),
    final_url: str | None = None,
    fetched_at: datetime | None = None,
) -> ArticleDraft:
    """A draft made of the feed entry alone, for a page that could not be fetched or read."""
    return _from_feed(entry, error, PageMetadata(), None, entry.url, final_url, fetched_at,
                      languages)


def _from_feed(
    entry: FeedEntry,
    kind: str,
    page: PageMetadata,
    published: datetime | None,
    url: str,
    final_url: str | None,
    fetched_at: datetime | None,
    languages: Sequence[str],
) -> ArticleDraft:
    """A draft made of the feed entry when the page gave no text (the page's date is still kept)."""
    text = clean_text(entry.summary)
    title = clean_text(entry.title or page.title or "")
    image = page.image or entry.image_url
    page_url = final_url or url
    return ArticleDraft(
        url=canonical_url(url),
        title=title,
        text=text,
        html=sanitize_html(entry.summary_html) if entry.summary_html else "",
        published=published,
        authors=entry.authors or page.authors,
        image_url=urljoin(page_url, image) if image else None,
        language=_language(f"{title}\n{text}", page.html_lang or entry.language, languages),
        description=text,
        categories=entry.categories,
        extracted=False,
        error=kind,
        requested_url=url,
        final_url=page_url,
        fetched_at=fetched_at,
    )
