"""Property tests (hypothesis) for the three parsers that read untrusted bytes.

Arbitrary bytes and structured-but-hostile documents go through the feed parser, the charset
detection and the extractor. Each may only fail with its documented error (ParseError,
ExtractError), within a bounded time per example (hypothesis' deadline; pytest-timeout stops a
real hang), and what comes out keeps the invariants the rest of akhbar relies on: aware dates,
never in the future nor placeholders, sanitized HTML without scripts or event handlers,
non-empty identities that are distinct within a feed.

Bounded for CI: profile ``akhbar-fuzz`` (a few tens of examples per test, derandomized, no
example database). For a longer hunt: ``AKHBAR_FUZZ_PROFILE=akhbar-fuzz-deep pytest
tests/hostile/test_fuzz.py`` (random, thousands of examples).
"""

from __future__ import annotations

import codecs
import json
import os
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from akhbar.ingest.charset import decode, detect_encoding
from akhbar.ingest.errors import ExtractError, ParseError
from akhbar.ingest.extract.article import extract_article
from akhbar.ingest.feeds.parse import parse_feed
from akhbar.ingest.normalize import FUTURE_TOLERANCE, MIN_PLAUSIBLE_YEAR
from akhbar.ingest.types import FeedEntry

settings.register_profile(
    "akhbar-fuzz", max_examples=40, deadline=5000, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "akhbar-fuzz-deep", parent=settings.get_profile("akhbar-fuzz"), max_examples=3000,
    derandomize=False,
)
FUZZ = settings.get_profile(os.environ.get("AKHBAR_FUZZ_PROFILE", "akhbar-fuzz"))

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
URL = "https://hostile.example/feed"

# --- hostile pieces ------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))" onclick="x()">y</div>',
    "<scr<script>ipt>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<![CDATA[<script>alert(1)</script>]]>", '<object data="x.swf"></object>',
    "<body onload=alert(1)>", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<form action=javascript:alert(1)><button>x</button></form>", "<style>*{x:y}</style>",
]
DATES = [
    "Mon, 01 Jan 0001 00:00:00 +0000", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
    "Thu, 01 Jan 1970 00:00:00 GMT", "9999-12-31T23:59:59Z", "Fri, 31 Dec 9999 23:59:59 GMT",
    "2025-02-30T10:00:00Z", "2025-03-11T25:61:61+14:00", "yesterday", "", "-1", "2025-03-11",
    "Tue, 11 Mar 2025 10:00:00 +2400", "2025-03-11T10:00:00-23:59", "1e308", "2038-01-19T03:14:08Z",
    "Wed, 12 Mar 2025 12:04:00 +0000", "2100-01-01T00:00:00Z",
]
LINKS = [
    "https://hostile.example/a", "/relative/path", "mailto:x@y.example", "javascript:alert(1)",
    "ftp://files.example/x", "", " ", "https://[::1]:99999/x", "http://", "//evil.example/x",
    "https://hostile.example/a?utm_source=x#frag", "data:text/html,<script>alert(1)</script>",
    "https://hostile.example/" + "a" * 3000, "https://xn--80ak6aa92e.com/", "https://exa mple.com/",
]
text = st.text(max_size=60)
piece = st.one_of(st.sampled_from(XSS), text, st.sampled_from(DATES), st.sampled_from(LINKS))
charsets = st.sampled_from(["utf-8", "windows-1256", "windows-1252", "iso-8859-1", "utf-16",
                            "utf-7", "x-nonsense", "shift_jis", "ascii"])


def xml_escape(value: str, raw: bool) -> str:
    # Half the time the hostile text goes in as markup (what a careless CMS does), half escaped.
    if raw:
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def rss_or_atom(draw: st.DrawFn) -> bytes:
    atom = draw(st.booleans())
    items = []
    for _ in range(draw(st.integers(0, 6))):
        raw = draw(st.booleans())
        title, link, guid = draw(piece), draw(st.sampled_from(LINKS)), draw(piece)
        date, summary = draw(st.sampled_from(DATES)), draw(piece)
        if atom:
            items.append(
                f"<entry><title type='html'>{xml_escape(title, raw)}</title>"
                f"<link href='{xml_escape(link, False)}'/><id>{xml_escape(guid, raw)}</id>"
                f"<updated>{date}</updated><published>{draw(st.sampled_from(DATES))}</published>"
                f"<content type='html'>{xml_escape(summary, raw)}</content></entry>"
            )
        else:
            items.append(
                f"<item><title>{xml_escape(title, raw)}</title><link>{xml_escape(link, raw)}</link>"
                f"<guid>{xml_escape(guid, raw)}</guid><pubDate>{date}</pubDate>"
                f"<description>{xml_escape(summary, raw)}</description></item>"
            )
    body = "".join(items)
    if atom:
        doc = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>{draw(text)}</title>{body}</feed>"
    else:
        doc = f"<rss version='2.0'><channel><title>{draw(text)}</title>{body}</channel></rss>"
    charset = draw(charsets)
    prolog = f'<?xml version="1.0" encoding="{charset}"?>' if draw(st.booleans()) else ""
    encoding = charset if charset not in ("x-nonsense", "utf-7") else "utf-8"
    if draw(st.booleans()):
        # Entities: internal ones (billion laughs), external ones (XXE).
        prolog += ('<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">'
                   '<!ENTITY x SYSTEM "file:///etc/passwd">]>')
        doc = doc.replace("</title>", "&b;&x;</title>", 1)
    content = (prolog + doc).encode(encoding, errors="replace")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(content)))
        content = content[:cut] + draw(st.binary(max_size=8)) + content[cut:]
    return content


@st.composite
def json_feed(draw: st.DrawFn) -> bytes:
    items = [
        {"id": draw(st.one_of(piece, st.integers(), st.none())),
         "url": draw(st.one_of(st.sampled_from(LINKS), st.integers(), st.none())),
         "title": draw(st.one_of(piece, st.lists(text, max_size=2))),
         "content_html": draw(piece), "date_published": draw(st.sampled_from(DATES)),
         "authors": draw(st.one_of(st.lists(st.fixed_dictionaries({"name": piece}), max_size=2),
                                   st.just("x"), st.none()))}
        for _ in range(draw(st.integers(0, 5)))
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": draw(text), "items": items}
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode()


@st.composite
def hostile_page(draw: st.DrawFn) -> bytes:
    parts = [f"<p>{draw(piece)} {draw(text)}</p>" for _ in range(draw(st.integers(0, 8)))]
    paragraph = "<p>" + "Le conseil a voté le budget après un long débat sur l'eau. " * 4 + "</p>"
    parts += [paragraph] * draw(st.integers(0, 4))
    depth = draw(st.sampled_from([0, 3, 300, 3000]))  # deep nesting: recursion limits
    body = "<div>" * depth + "".join(parts) + "</div>" * draw(st.integers(0, depth))
    date = draw(st.sampled_from(DATES))
    head = (
        f"<title>{draw(piece)}</title><meta charset='{draw(charsets)}'>"
        f"<meta property='article:published_time' content='{date}'>"
        '<script type="application/ld+json">'
        + draw(st.sampled_from([
            json.dumps({"@type": "NewsArticle", "headline": draw(text), "datePublished": date,
                        "author": draw(st.one_of(text, st.lists(text, max_size=3)))}),
            "{not json", "[" * 500, '{"@graph": [{"@type": ["NewsArticle"], "author": {"name": 3}}]}',
        ]))
        + "</script>"
    )
    doc = f"<html lang='{draw(st.sampled_from(['fr', 'ar', 'xx', '']))}'><head>{head}</head><body>{body}</body></html>"
    return doc.encode(draw(st.sampled_from(["utf-8", "cp1256", "cp1252"])), errors="replace")


# --- invariants ----------------------------------------------------------------------------

_EVENT_ATTR = re.compile(r"^on", re.I)


def assert_sanitized(fragment: str) -> None:
    if not fragment.strip():
        return
    for element in lxml_html.fragments_fromstring(fragment) if "<" in fragment else []:
        if not hasattr(element, "iter"):
            continue
        for node in element.iter():
            tag = str(node.tag).lower()
            assert tag not in ("script", "iframe", "object", "embed", "style", "form"), fragment
            for name, value in node.attrib.items():
                assert not _EVENT_ATTR.match(name), fragment
                assert not value.strip().lower().startswith(("javascript:", "data:text")), fragment


def assert_date(value: datetime | None) -> None:
    if value is None:
        return
    assert value.tzinfo is not None and value.utcoffset() is not None
    assert value <= NOW + FUTURE_TOLERANCE
    assert value.year >= MIN_PLAUSIBLE_YEAR


def check_feed(content: bytes, content_type: str | None = None) -> None:
    try:
        feed = parse_feed(content, url=URL, content_type=content_type, now=NOW)
    except ParseError:
        return
    identities = [e.identity for e in feed.entries]
    assert all(identities) and len(set(identities)) == len(identities), identities
    for entry in feed.entries:
        assert_date(entry.published)
        assert_date(entry.updated)
        assert_sanitized(entry.summary_html)
        assert entry.url == "" or entry.url.startswith(("http://", "https://")), entry.url
        assert "\x00" not in entry.title


# --- the properties ------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from([None, "application/rss+xml", "application/json",
                                                   "text/html; charset=utf-7", "text/xml; charset=x"]))
def test_feed_parser_on_arbitrary_bytes(content: bytes, content_type: str | None) -> None:
    check_feed(content, content_type)


@FUZZ
@given(st.one_of(rss_or_atom(), json_feed()))
def test_feed_parser_on_hostile_feeds(content: bytes) -> None:
    check_feed(content)


@FUZZ
@given(st.binary(max_size=4096), st.one_of(st.none(), st.text(max_size=40).map(lambda s: f"text/html; charset={s}")))
@example(b"<p>+ADw-script+AD4-alert(1)+ADw-/script+AD4-</p>", "text/html; charset=utf-7")
def test_charset_detection_on_arbitrary_bytes(content: bytes, content_type: str | None) -> None:
    encoding = detect_encoding(content, content_type)
    codecs.lookup(encoding)  # a real codec
    # UTF-7 hides markup from the sanitizer's eyes ("+ADw-script+AD4-"); browsers dropped it.
    assert codecs.lookup(encoding).name != "utf-7"
    assert isinstance(decode(content, content_type), str)


@FUZZ
@given(st.text(max_size=400), st.sampled_from(["utf-8", "cp1256", "cp1252"]), st.booleans())
def test_charset_round_trip_of_declared_text(value: str, encoding: str, declared: bool) -> None:
    try:
        content = value.encode(encoding)
    except UnicodeEncodeError:
        content = value.encode("utf-8")
        encoding = "utf-8"
    ctype = f"text/html; charset={encoding}" if declared else None
    if encoding == "utf-8" or declared:
        # Valid UTF-8, or a declaration the bytes agree with: the text comes back whole (a
        # leading BOM is read as a BOM).
        expected = value[1:] if value.startswith("\ufeff") and encoding == "utf-8" else value
        if encoding != "utf-8" and not content.isascii() and _valid_utf8(content):
            return  # single-byte text that happens to be valid UTF-8 is read as UTF-8, by design
        assert decode(content, ctype) == expected


def _valid_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@FUZZ
@given(st.binary(max_size=2048))
def test_extractor_on_arbitrary_bytes(content: bytes) -> None:
    try:
        draft = extract_article(content, url="https://hostile.example/a", now=NOW)
    except ExtractError:
        return
    assert_sanitized(draft.html)
    assert_date(draft.published)


@FUZZ
@given(hostile_page(), st.booleans())
def test_extractor_on_hostile_pages(content: bytes, with_fallback: bool) -> None:
    fallback = FeedEntry(identity="urn:x", url="https://hostile.example/a", title="Titre",
                         summary="Résumé", summary_html="<p>Résumé</p>") if with_fallback else None
    try:
        draft = extract_article(content, url="https://hostile.example/a", now=NOW, fallback=fallback,
                                languages=("fr", "ar", "en"))
    except ExtractError:
        assert fallback is None  # with a feed entry to fall back on, it never raises
        return
    assert_sanitized(draft.html)
    assert_date(draft.published)
    assert isinstance(draft.title, str) and isinstance(draft.text, str)
