"""Turn an article page into an ArticleDraft: our metadata and dates, trafilatura for the body."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element, tostring
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura import external as trafilatura_external
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Document, use_config
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from akhbar.ingest.charset import detect_encoding
from akhbar.ingest.errors import ExtractError
from akhbar.ingest.extract.authors import signature_authors
from akhbar.ingest.extract.body import (
    REFERENCE_MIN_CHARS,
    add_standfirst,
    check_with_reference,
    coverage,
    drop_boilerplate_blocks,
    find_standfirst,
    is_teaser,
    prune_boilerplate,
)
from akhbar.ingest.extract.chunks import join_chunks, split_body, stopped_at_first
from akhbar.ingest.extract.language import detect_language
from akhbar.ingest.extract.metadata import (
    PageMetadata,
    choose_title,
    read_page_metadata,
    strip_site_name,
)
from akhbar.ingest.extract.published import publication_date
from akhbar.ingest.extract.rules import ExtractRules
from akhbar.ingest.normalize import aware_utc, canonical_url, clean_text
from akhbar.ingest.sanitize import sanitize_html
from akhbar.ingest.types import ArticleDraft, FeedEntry

# Below this many characters the "article" is a caption or a teaser: not worth keeping as text.
MIN_TEXT_CHARS = 120
# A precision pass shorter than this is checked against the balanced pass, which wins when it
# finds this many times more text.
SHORT_BODY_CHARS = 1000
RECALL_GAIN = 1.5
# ... and when it holds this share of the precision pass's word trigrams (checked when that
# pass found this many characters: a shorter one is often a teaser with a byline).
RECALL_HOLDS = 0.5
HOLD_MIN_CHARS = 500
# A precision pass with more than this share of its text in quotations is checked the same way.
QUOTES_SHARE = 0.5
# A precision pass holding less than this share of the JSON-LD articleBody's trigrams is checked
# against the balanced pass, which wins when it holds this much more.
REFERENCE_WHOLE = 0.9
REFERENCE_GAIN = 0.05
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


def _key(value: str | None) -> str:
    return "".join(ch for ch in (value or "").casefold() if ch.isalnum())


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


def _paragraphs(raw: str) -> str:
    """trafilatura's one-line-per-block text as paragraphs separated by blank lines."""
    lines = (line.strip() for line in clean_text(raw).split("\n"))
    return "\n\n".join(line for line in lines if line)


def _body_html(body: _Element | None) -> str:
    if body is None:
        return ""
    return sanitize_html(tostring(convert_to_html(body), encoding="unicode"))


def _title(page: PageMetadata, url: str) -> str:
    """The visible headline, or the metadata title without the site name around it."""
    # Some JSON-LD blocks give the site's name as the headline.
    headline = page.title if page.title and _key(page.title) != _key(page.sitename) else None
    references = []
    for candidate in (headline, page.meta_title):
        if not candidate:
            continue
        candidate = strip_site_name(candidate, page.sitename, urlsplit(url).hostname)
        # "Politics | Headline": the section's name in front.
        for section in page.categories:
            for separator in (" | ", " - ", " : "):
                if candidate.casefold().startswith(f"{section.casefold()}{separator}"):
                    candidate = candidate[len(section) + len(separator):]
        references.append(candidate)
    # The JSON-LD headline first; the <h1> is confirmed by either (one of them is often an
    # SEO rewrite of the printed headline).
    return clean_text(choose_title(references[0] if references else None, page.headings, page.sitename,
                                   references[1:]))


def _language(text: str, html_lang: str | None, allowed: Sequence[str]) -> str | None:
    """The detected language; the page's <html lang> wins when it agrees or the text is too short."""
    detected = detect_language(text, allowed)
    html_ok = html_lang is not None and (not allowed or html_lang in {a.lower() for a in allowed})
    if html_ok and (detected == html_lang or len(text) < SHORT_TEXT_CHARS):
        return html_lang
    return detected


class _QuietDiscards(logging.Filter):
    """trafilatura's "discarding data" warning means "no text found": the caller is told so."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("discarding data", "empty HTML tree"))


logging.getLogger("trafilatura.core").addFilter(_QuietDiscards())


# Our own configuration, built once and never changed (trafilatura's module default is shared).
_CONFIG = use_config()


class _EveryStoplist:
    """jusText's stop words of every language, read when first needed (the balanced pass on a
    page of no stated language). trafilatura kept them as a tuple of 154,000 words (14 MB)
    beside the lower-cased set jusText makes of it and keeps (20 MB), for the life of each
    task worker; this key yields the same words to jusText (its cached set is the same) and
    holds none. Its hash is its identity, so jusText's cache finds the set at once instead of
    hashing 154,000 words a call."""

    def __iter__(self) -> Iterator[str]:
        from justext import get_stoplist, get_stoplists

        for language in sorted(get_stoplists()):
            yield from get_stoplist(language)


trafilatura_external.JT_STOPLIST = _EveryStoplist()  # type: ignore[assignment]


def _trafilatura(tree: HtmlElement, url: str, *, precision: bool = True, fast: bool | None = None) -> Document | None:
    """One pass over the already parsed page (metadata is read by us).

    The precision pass runs in trafilatura's fast mode (no readability / jusText comparison):
    measured on the shared sets, it is as good or better on every page where it finds more than
    a teaser, and the balanced pass (with the comparisons) is run when it does not.
    """
    result = bare_extraction(
        tree,
        url=url,
        fast=precision if fast is None else fast,
        favor_precision=precision,
        include_comments=False,
        with_metadata=False,
        include_tables=True,
        config=_CONFIG,
    )
    return result if isinstance(result, Document) else None


def _mostly_quotes(document: Document) -> bool:
    """True when most of a pass's text is in quotations: pull quotes beside the article, not it."""
    if document.body is None:
        return False
    chars = quoted = 0
    for element in document.body:
        size = len("".join(element.itertext()))
        chars += size
        if element.tag == "quote":
            quoted += size
    return chars > 0 and quoted > QUOTES_SHARE * chars


def _retry(source: HtmlElement, url: str, document: Document | None) -> Document | None:
    """The fast precision pass found a teaser or pull quotes: the precision pass with
    trafilatura's comparisons (readability, jusText) is asked, then, when that is still short,
    the balanced pass. Each is kept when it finds much more and holds what the fast pass found
    (a longer block elsewhere, a donation appeal or a list of other articles, is not the article)."""
    first_text = (document.text or "") if document is not None else ""
    for precision in (True, False):
        retry = _trafilatura(source, url, precision=precision, fast=False)
        if (retry is not None and len(retry.text or "") > RECALL_GAIN * len(first_text)
                and (len(first_text) < HOLD_MIN_CHARS or coverage(retry.text or "", first_text) >= RECALL_HOLDS)):
            document = retry
            if len(retry.text or "") >= SHORT_BODY_CHARS:
                break
    return document


def _body(tree: HtmlElement, page: PageMetadata, url: str, rules: ExtractRules | None,
          title: str) -> _Element | None:
    """The article's blocks: trafilatura's precision pass, boilerplate dropped, checked
    against the JSON-LD articleBody when the page has one."""
    source = rules.content_tree(tree) if rules else None
    source = tree if source is None else source
    standfirst = find_standfirst(source, page.description)
    # In place: the metadata and the dates have been read from the tree already.
    prune_boilerplate(source, rules.drop_xpaths() if rules else ())
    document = _trafilatura(source, url)
    # An article cut into chunks of one kind: the pass may stop at the first.
    if document is not None and (chunks := split_body(source)) and stopped_at_first(chunks, document.text or ""):
        join_chunks(chunks)
        joined = _trafilatura(source, url)
        if joined is not None and len(joined.text or "") > len(document.text or ""):
            document = joined
    # The precision pass sometimes keeps only a teaser of a short or oddly built page.
    if document is None or len(document.text or "") < SHORT_BODY_CHARS or _mostly_quotes(document):
        document = _retry(source, url, document)
    elif page.article_body and len(page.article_body) >= REFERENCE_MIN_CHARS:
        # The publisher's articleBody says what the text is: when the precision pass misses
        # part of it, the balanced pass is asked too and kept when it holds more of it (the
        # blocks absent from the reference are dropped after).
        held = coverage(document.text or "", page.article_body)
        if held < REFERENCE_WHOLE:
            balanced = _trafilatura(source, url, precision=False)
            if balanced is not None and coverage(balanced.text or "", page.article_body) >= held + REFERENCE_GAIN:
                document = balanced
    body = document.body if document is not None else None
    if body is None:
        return None
    first = body[0] if len(body) else None
    # The body's leading heading repeats the title (stored apart), sometimes with a kicker; a
    # leading block of another kind when it is the title exactly.
    if first is not None and title and (
            _fold(title) in _fold("".join(first.itertext())) if first.tag == "head"
            else _fold(title) == _fold("".join(first.itertext()))):
        body.remove(first)
    drop_boilerplate_blocks(body)
    text = document.text or "" if document else ""
    if page.article_body and not is_teaser(page.article_body, text):
        body = check_with_reference(body, text, page.article_body)
    add_standfirst(body, standfirst)
    return body


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
    rules: ExtractRules | None = None,
) -> ArticleDraft:
    """Extract title, text, sanitized HTML, date, authors, image and language from an article page.

    ``rules`` are the outlet's own selectors (registry ``[source.extract]``), when it has any.
    Raises ExtractError (``empty``, ``not_html``) when nothing usable comes out and no feed entry
    is given as ``fallback``; with one, returns a draft built from it with ``extracted=False``.
    """
    now = aware_utc(now) or datetime.now(UTC)
    page_url = final_url or url
    try:
        html = decode_page(content, encoding, url=page_url)
        # Parsed once: our metadata, the date search and trafilatura share this tree.
        tree = load_html(html)
        if tree is None:
            raise ExtractError("the page could not be parsed as HTML", kind="not_html", url=page_url)
    except ExtractError as error:
        if fallback is None:
            raise
        return _from_feed(fallback, error.kind, PageMetadata(), None, url, final_url, fetched_at,
                          languages)

    page = read_page_metadata(tree)
    if rules is not None:
        page = rules.apply_metadata(tree, page)
    feed_date = fallback.published if fallback is not None else None
    published = publication_date(tree, page, page_url, source_timezone, now, feed_date,
                                 rules.date_lines(tree) if rules else None)
    title = _title(page, page_url)
    body = _body(tree, page, page_url, rules, title)
    text = _paragraphs(xmltotxt(body, include_formatting=False)) if body is not None else ""

    if body is None or len(text) < MIN_TEXT_CHARS:
        if fallback is None:
            raise ExtractError("no article text found in the page", kind="empty", url=page_url)
        return _from_feed(fallback, "empty", page, published, url, final_url, fetched_at,
                          languages)

    return ArticleDraft(
        url=canonical_url(url),
        title=title,
        text=text,
        html=_body_html(body),
        published=published,
        authors=page.authors or tuple(signature_authors(text)),
        image_url=urljoin(page_url, page.image) if page.image else None,
        language=_language(text, page.html_lang, languages),
        sitename=page.sitename or None,
        description=clean_text(page.description or ""),
        categories=page.categories,
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
