"""Helpers shared by the feed adapters: dates, plain-text fields, identities, entry assembly."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from akhbar.ingest.normalize import (
    aware_utc,
    canonical_url,
    clean_text,
    is_placeholder_date,
    not_in_future,
    plausible_date,
)
from akhbar.ingest.sanitize import html_to_text, sanitize_html
from akhbar.ingest.types import FeedEntry

# A time-zone designator at the end of an ISO 8601 / W3C date: Z, +01:00, +0100, +01.
_ISO_TZ = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")
# Named zones that RFC 822 dates use; parsedate_to_datetime knows them but a string carrying
# none of them (nor a numeric offset) is naive and must be read in the source's zone.
_RFC822_ZONE = re.compile(
    r"(?:[+-]\d{4}|\b(?:UT|UTC|GMT|Z|[ECMP][SD]T)\b)\s*$", re.IGNORECASE
)
_FIRST_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SCRIPT_BLOCK = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|tr|figcaption)\s*>", re.I)
# GUIDs that CMSs emit when they have nothing to say; they identify nothing.
_JUNK_GUIDS = frozenset({"", "0", "-1", "null", "none", "undefined", "nil", "guid", "id"})


@dataclass(frozen=True)
class EntryContext:
    """What every adapter needs to normalise one entry: where the feed came from and when."""

    base_url: str
    now: datetime  # aware UTC
    default_tz: str | None = None
    language: str | None = None  # the feed's language, the default for its entries


def parse_date(raw: str | None, default_tz: str | None = None) -> datetime | None:
    """A feed date string (ISO 8601 / W3C or RFC 822) as aware UTC; naive ones in ``default_tz``.

    None when it cannot be read or is a placeholder (year 0001, 1970…: see plausible_date).
    """
    if not raw:
        return None
    text = " ".join(raw.split())
    if not text:
        return None
    if is_placeholder_date(text):
        return None  # before parsedate_to_datetime reads "0001" as 2001
    value: datetime | None = None
    if len(text) >= 10 and text[:4].isdigit() and text[4] == "-":
        iso = text
        if iso[-1] in "zZ":
            iso = iso[:-1] + "+00:00"
        elif re.search(r"\s(?:UTC|GMT)$", iso, re.IGNORECASE):
            iso = iso[:-4].rstrip() + "+00:00"
        try:
            value = datetime.fromisoformat(iso)
        except ValueError:
            value = None
    if value is None:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            value = None
        # parsedate_to_datetime reads "-0000" and a missing zone alike as naive: only the
        # latter is "no zone given"; "-0000" means UTC by RFC 5322.
        if value is not None and value.tzinfo is None and _RFC822_ZONE.search(text):
            value = value.replace(tzinfo=UTC)
    if value is None:
        return None
    try:
        return plausible_date(aware_utc(value, default_tz))
    except (ValueError, OverflowError):
        return None


def is_naive_date(raw: str) -> bool:
    """True when a date string carries no time zone (so a library would guess UTC)."""
    text = " ".join(raw.split())
    if not text:
        return False
    if len(text) >= 10 and text[:4].isdigit() and text[4] == "-":
        return len(text) > 10 and not _ISO_TZ.search(text) and not re.search(
            r"\s(?:UTC|GMT)$", text, re.IGNORECASE
        )
    return not _RFC822_ZONE.search(text)


def plain_text(value: str | None) -> str:
    """Untrusted (possibly HTML) text as clean plain text: tags stripped, entities decoded."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        return clean_text(value)  # most titles and names: no markup to strip (nh3 is the cost)
    # Block ends become line breaks so "…Agadir.</p><a>Lire</a>" does not read "Agadir.Lire".
    return clean_text(html_to_text(_BLOCK_END.sub("\n", value)))


def one_line(value: str | None) -> str:
    """Plain text on one line (titles, names)."""
    return " ".join(plain_text(value).split())


def first_image(html: str | None, base_url: str) -> str | None:
    """The first <img src> of an HTML fragment (outside scripts), made absolute."""
    if not html:
        return None
    m = _FIRST_IMG.search(_SCRIPT_BLOCK.sub("", html))
    if not m:
        return None
    return absolute(m.group(1), base_url)


def absolute(url: str | None, base_url: str) -> str:
    """``url`` resolved against ``base_url`` (empty when ``url`` is empty)."""
    url = (url or "").strip()
    if not url:
        return ""
    if base_url and not is_http_url(url):
        try:
            return urljoin(base_url, url)
        except ValueError:
            return url
    return url


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL."""
    return value.lower().startswith(("http://", "https://"))


def usable_guid(guid: str | None, junk: frozenset[str] = frozenset()) -> str | None:
    """The guid if it can identify an entry; None for junk values."""
    if guid is None:
        return None
    guid = guid.strip()
    if guid.lower() in _JUNK_GUIDS or guid in junk:
        return None
    return guid


def entry_identity(guid: str | None, url: str, title: str, published: datetime | None) -> str:
    """Stable identity: guid (canonicalised when it is a URL) → canonical URL → sha1(title|date)."""
    if guid:
        return canonical_url(guid) if is_http_url(guid) else guid
    if url:
        return url
    stamp = published.isoformat() if published else ""
    return "sha1:" + hashlib.sha1(f"{title}|{stamp}".encode()).hexdigest()


def make_entry(
    ctx: EntryContext,
    *,
    title: str | None,
    link: str | None,
    guid: str | None,
    summary_html: str | None = None,
    published: datetime | None = None,
    updated: datetime | None = None,
    authors: list[str] | tuple[str, ...] = (),
    categories: list[str] | tuple[str, ...] = (),
    image_url: str | None = None,
    language: str | None = None,
    junk_guids: frozenset[str] = frozenset(),
) -> FeedEntry | None:
    """One normalised FeedEntry from raw adapter values; None when it has neither link nor title."""
    clean_title = one_line(title)
    raw_link = (link or "").strip()
    abs_link = absolute(raw_link, ctx.base_url)
    url = canonical_url(abs_link) if is_http_url(abs_link) else ""
    guid_value = usable_guid(guid, junk_guids)
    if guid_value and not is_http_url(guid_value) and guid_value.startswith("/"):
        # A root-relative guid is a permalink path: resolve it so it matches the full URL.
        guid_value = absolute(guid_value, ctx.base_url)
    if not url and guid_value and is_http_url(guid_value):
        # No usable link (none, mailto:, javascript:…) but an http(s) guid: RSS reads a guid as
        # the item's permalink unless told otherwise.
        url = canonical_url(guid_value)
    if not clean_title and not url:
        return None
    # Adapters parse with parse_date, which drops placeholders; these guard any other path.
    published = plausible_date(not_in_future(published, ctx.now))
    updated = plausible_date(not_in_future(updated, ctx.now))
    if published is None and updated is not None:
        published = updated
    html = summary_html or ""
    image = absolute(image_url, ctx.base_url) if image_url else first_image(html, ctx.base_url)
    seen_authors: list[str] = []
    for name in authors:
        clean = one_line(name)
        if clean and clean not in seen_authors:
            seen_authors.append(clean)
    seen_categories: list[str] = []
    for name in categories:
        clean = one_line(name)
        if clean and clean not in seen_categories:
            seen_categories.append(clean)
    return FeedEntry(
        identity=entry_identity(guid_value, url, clean_title, published),
        url=url,
        title=clean_title,
        link=raw_link,
        guid=guid_value,
        summary=plain_text(html),
        summary_html=sanitize_html(html),
        published=published,
        updated=updated,
        authors=tuple(seen_authors),
        categories=tuple(seen_categories),
        image_url=image or None,
        language=normal_language(language) or ctx.language,
    )


def normal_language(value: str | None) -> str | None:
    """The primary subtag of a language tag, lower-cased ("fr-FR" → "fr"); None when empty."""
    if not value:
        return None
    # Editions are per language, not per region: "fr-DZ" and "fr-MA" both belong to /fr/.
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def dedupe(entries: list[FeedEntry]) -> tuple[FeedEntry, ...]:
    """Entries with duplicate identities dropped (the first one wins)."""
    seen: set[str] = set()
    kept: list[FeedEntry] = []
    for entry in entries:
        if entry.identity in seen:
            continue
        seen.add(entry.identity)
        kept.append(entry)
    return tuple(kept)
