"""The publication date of an article page, in UTC, from every clue the page gives.

Sources, from the most to the least trusted (measured on the shared benchmark sets):

1. the outlet's own date selector (registry ``[source.extract] date``), when it has one;
2. the markup's timestamp (JSON-LD ``datePublished``, meta tags, ``<time>``), kept when the day
   printed on the page or htmldate's day agrees with it;
3. a printed line that says it is the publication ("Publié le 17/12/2020 à 10h30",
   "نشر في 17 دجنبر 2020"), read in the outlet's time zone;
4. htmldate's day (markup, URL and text patterns);
5. the first date printed near the article.

The feed's date cross-checks the result: a bare day that the feed's timestamp falls on takes the
feed's time, and a weak page date (4–5) far from the feed's is replaced by the feed's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

from akhbar.ingest.extract.dates import PrintedDate, printed_date
from akhbar.ingest.extract.metadata import PageMetadata, parse_date
from akhbar.ingest.normalize import aware_utc, not_in_future

# Elements whose class or id says they hold a date line, and text that introduces one.
_DATE_ATTR = re.compile(r"date|time|publi|meta|byline|posted|info")
_DATE_CUE = re.compile(r"publi|mis en ligne|نشر|بتاريخ|posted", re.IGNORECASE)
# A line saying the printed date is not the first publication ("Cet article, initialement
# publié en avril 2017, a fait l'objet d'une mise à jour").
_ORIGINALLY = re.compile(
    r"initialement publi|publiée? initialement|originally published|first published|"
    r"نشر لأول مرة|نشر في الأصل|نُشر لأول مرة", re.IGNORECASE)
LINE_MAX_CHARS = 160
DATE_LINES_READ = 400
_SKIPPED = frozenset({"html", "body", "head", "script", "style", "meta", "link", "noscript"})
# A feed timestamp this far from a weak page date wins over it (days).
FEED_AGREEMENT_DAYS = 2


def date_lines(tree: HtmlElement) -> Iterator[tuple[str, bool]]:
    """Texts of the page's likely date lines in page order, each with whether it comes after
    the first <h1> (one pass over the elements)."""
    after = False
    for element in tree.iter(tag=etree.Element):
        tag = element.tag
        if tag == "h1":
            after = True
        if tag in _SKIPPED:
            continue
        attrs = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
        if tag == "time" or (len(attrs) > 1 and _DATE_ATTR.search(attrs)) or (
            element.text and _DATE_CUE.search(element.text)
        ):
            text = _short_text(element)
            if text:
                yield text, after


def _short_text(element: HtmlElement, limit: int = LINE_MAX_CHARS) -> str | None:
    """The element's text when it is short enough to be a date line (stops reading past it)."""
    size, parts = 0, []
    for part in element.itertext():
        size += len(part)
        if size > limit * 2:  # white space counts here, not after folding
            return None
        parts.append(part)
    # Parts joined by a space: "<span>By Sarah Holder</span><time>December 22, 2023" is two
    # words, not "HolderDecember".
    return " ".join(" ".join(parts).split()) or None


def _local(value: datetime, zone: str | None) -> datetime:
    """``value`` on the outlet's clock (naive values are already on it)."""
    if zone and value.tzinfo is not None:
        return value.astimezone(ZoneInfo(zone))
    return value


def _htmldate_day(tree: HtmlElement, url: str, now: datetime) -> datetime | None:
    try:
        day = find_date(tree, extensive_search=True, original_date=True, url=url,
                        max_date=now.strftime("%Y-%m-%d"))
    except (ValueError, TypeError):  # htmldate's rare failures on odd markup
        return None
    return parse_date(day)


def _printed_value(printed: PrintedDate) -> datetime:
    # A bare day is taken at noon on the outlet's clock, so no display zone moves its date.
    return printed.value if printed.has_time else printed.value.replace(hour=12)


def publication_date(
    tree: HtmlElement,
    page: PageMetadata,
    url: str,
    zone: str | None,
    now: datetime,
    feed_date: datetime | None = None,
    rule_lines: Sequence[str] | None = None,
) -> datetime | None:
    """The page's publication date as aware UTC, never in the future (None when it gives none)."""
    value, weak = _choose(tree, page, url, zone, now, rule_lines)
    feed = aware_utc(feed_date, zone) if feed_date is not None else None
    if value is not None and feed is not None and feed <= now:
        page_day = _local(aware_utc(value, zone) or value, zone).date()
        feed_day = _local(feed, zone).date()
        if value.tzinfo is None and value.hour == 12 and value.minute == 0 and page_day == feed_day:
            value = feed  # the same day: the feed knows the time
        elif weak and abs((page_day - feed_day).days) > FEED_AGREEMENT_DAYS:
            value = feed
    if value is None:
        return None
    return not_in_future(aware_utc(value, zone), now)


def _choose(
    tree: HtmlElement,
    page: PageMetadata,
    url: str,
    zone: str | None,
    now: datetime,
    rule_lines: Sequence[str] | None,
) -> tuple[datetime | None, bool]:
    """(the date, whether it is a weak guess) before the feed cross-check."""
    if rule_lines:
        for line in rule_lines:
            if (parsed := parse_date(line)) is not None:
                return parsed, False
        ruled = printed_date(rule_lines)
        if ruled is not None:
            return _printed_value(ruled), False
    stamp = page.published
    # A future timestamp is the page's only claim: it is clamped later, not replaced.
    if stamp is not None and (aware_utc(stamp, zone) or now) > now:
        return stamp, False
    # As many lines as printed_date reads (it stops there): the rest of the page is not walked.
    lines = list(islice(date_lines(tree), DATE_LINES_READ))
    printed = printed_date(lines, max_lines=DATE_LINES_READ)
    if stamp is not None:
        local = _local(stamp, zone).date()
        offset = stamp.utcoffset()
        if printed is None:
            return stamp, False
        gap = abs((local - printed.value.date()).days)
        if gap == 0:
            return stamp, False
        # Written in UTC, a timestamp may have crossed the outlet's midnight: the printed
        # day is the one readers saw.
        if printed.cued or (gap == 1 and offset == timedelta(0)):
            return _printed_value(printed), False
        # The page dates itself by its last change: the one date it prints, unlabelled, is the
        # markup's modification day (evergreen guides re-dated by their outlet). Readers of the
        # source see that date, so it is the one we credit; an "Updated …" line is not taken.
        if (page.modified is not None and not printed.updated
                and _local(page.modified, zone).date() == printed.value.date()
                and not any(_ORIGINALLY.search(line) for line, _ in lines)):
            return (_printed_value(printed) if printed.has_time else page.modified), False
        # The markup and the printed line disagree: htmldate's full search decides (it costs
        # tens of milliseconds, so only here).
        day = _htmldate_day(tree, url, now)
        if day is None:
            return stamp, False
        gap = abs((local - day.date()).days)
        if gap == 0 or (gap == 1 and offset is not None and offset != timedelta(0)):
            return stamp, False
        return day.replace(hour=12), True
    # A date printed after the headline is the article's own (htmldate's full search may read
    # another, and on Arabic text its dateparser fallback costs seconds).
    if printed is not None and (printed.cued or printed.after):
        return _printed_value(printed), False
    day = _htmldate_day(tree, url, now)
    if printed is not None and day is not None and printed.value.date() == day.date():
        return _printed_value(printed), False
    if day is not None:
        return day.replace(hour=12), True
    if printed is not None:
        return _printed_value(printed), True
    return None, False
