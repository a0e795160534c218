"""Publication dates printed on the page: Arabic, French and English date lines.

htmldate reads markup and numeric dates well but not "الخميس 17 دجنبر 2020" (Moroccan month
names), "17 جانفي 2021" (Algerian / Tunisian), "Publié le 17/12/2020 à 10h30" (day first) or
Arabic-Indic digits. This module reads them, preferring a line that says it is the publication
("Publié le", "نشر في", "Published") over a bare date, and gives a naive local datetime (the page
prints the outlet's own clock), with the time when one is printed, else None for the time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

# Month names → number. Arabic covers the Mashreq (Syriac) names, the Egyptian / Gulf names,
# the Moroccan names (يوليوز, غشت, شتنبر, نونبر, دجنبر) and the Algerian / Tunisian names
# (جانفي, فيفري, أفريل, ماي, جوان, جويلية, أوت), with and without hamza.
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "janvier janv jan january يناير جانفي كانون الثاني",
        "février fevrier févr fevr fév fev february feb فبراير فيفري شباط",
        "mars mar march مارس آذار اذار",
        "avril avr april apr أبريل ابريل إبريل أفريل افريل نيسان",
        "mai may ماي مايو أيار ايار",
        "juin jun june يونيو يونيه جوان حزيران",
        "juillet juil jul july يوليوز يوليو يوليه جويلية جويليه تموز",
        "août aout aug august غشت أغسطس اغسطس أوت اوت آب",
        "septembre sept sep september شتنبر سبتمبر أيلول ايلول",
        "octobre oct october أكتوبر اكتوبر تشرين الأول",
        "novembre nov november نونبر نوفمبر تشرين الثاني",
        "décembre decembre déc dec december دجنبر ديسمبر كانون الأول",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)
# Two-word Syriac names ("كانون الثاني") are matched whole before their first word.
_MONTHS.update({"كانون الثاني": 1, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12})
for _single in ("كانون", "تشرين", "الثاني", "الأول"):
    _MONTHS.pop(_single, None)

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MONTH_RE = "|".join(sorted((re.escape(name) for name in _MONTHS), key=len, reverse=True))
# "17 دجنبر 2020", "17 décembre 2020", "1er mars 2021", "December 17, 2020", then an optional
# time "à 10h30", "- 10:30", "الساعة 10:30".
# "7:00 p.m. EST", "12:16PM EST": a 12-hour clock and a printed zone (US and European).
_ZONES = {"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
          "gmt": 0, "utc": 0, "bst": 1, "cet": 1, "cest": 2}
_TIME = (r"(?:\s*(?:à|a|at|-|–|,|الساعة|على الساعة|—|\|)?\s*(?P<h>\d{1,2})\s*(?:h|:|H)\s*(?P<mi>\d{2})"
         r"(?::\d{2})?(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?(?:\s*(?P<zone>" + "|".join(_ZONES) + r")\b)?)?")
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})(?:er|ᵉʳ)?\s*(?:\.|-)?\s*(?P<m>{_MONTH_RE})\.?\s*,?\s*(?P<y>(?:19|20)\d\d)(?!\d){_TIME}",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![\w])(?P<m>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)(?!\d){_TIME}",
    re.IGNORECASE,
)
# "17/12/2020", "17.12.2020", "17-12-2020" (day first, as printed in French and Arabic).
_NUMERIC = re.compile(
    rf"(?<![\d/.-])(?P<d>\d{{1,2}})[/.-](?P<m>\d{{1,2}})[/.-](?P<y>(?:19|20)\d\d)(?![\d/.-]){_TIME}"
)
# "mardi 10.12.19", "Publié le 10/12/19 à 06h00": a two-digit year, read only when the date is the
# whole line (a weekday, a cue and a time around it at most): anywhere else "1.2.19" is as likely
# a version, a score or a reference. Day first; the year is 20yy.
_WEEKDAYS = ("lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|"
             "thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|"
             "الاثنين|الإثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة|السبت|الأحد|الاحد")
_NUMERIC_SHORT_YEAR = re.compile(
    rf"^(?:(?:{_WEEKDAYS}),?\s+)?(?:(?:publi[ée] le|mis en ligne le|posted|published|نشر في)\s*:?\s*)?"
    rf"(?P<d>\d{{1,2}})[/.-](?P<m>\d{{1,2}})[/.-](?P<y>\d\d){_TIME}\s*$",
    re.IGNORECASE,
)
# "2023-11-07 15:03:30", "2023-11-07T15:03".
_ISO = re.compile(
    r"(?<![\d/.-])(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d/-])"
    r"(?:(?:T|\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2})?)?(?P<ampm>)(?P<zone>)"
)
# Words that introduce the publication date (the update date is read only when nothing else is).
_PUBLISHED_CUE = re.compile(
    r"publi[ée]|mis en ligne|écrit le|posted|published|written|نشر|تاريخ النشر|بتاريخ|created",
    re.IGNORECASE,
)
_UPDATED_CUE = re.compile(r"mis à jour|mise à jour|modifi|updated|corrected|تحديث|تعديل", re.IGNORECASE)


@dataclass(frozen=True)
class PrintedDate:
    """A date read from a line of the page."""

    value: datetime  # naive, in the outlet's clock (aware when a zone is printed); midnight when no time is printed
    has_time: bool
    cued: bool  # the line says it is the publication date
    after: bool = True  # printed after the headline
    updated: bool = False  # the line says it is the date of an update


def _build(match: Mapping[str, str | None], month: int) -> tuple[datetime, bool] | None:
    try:
        day, year = int(match["d"] or 0), int(match["y"] or 0)
        hour = int(match["h"]) if match["h"] is not None else None
        minute = int(match["mi"]) if match["mi"] is not None else 0
        if hour is not None and match["ampm"]:
            if hour > 12:
                hour = None
            elif match["ampm"].lower() == "p":
                hour = hour % 12 + 12
            else:
                hour = hour % 12
        if hour is not None and hour > 23:
            hour = None
        value = datetime(year, month, day, hour or 0, minute if hour is not None else 0)
        if hour is not None and match["zone"]:
            value = value.replace(tzinfo=timezone(timedelta(hours=_ZONES[match["zone"].lower()])))
        return value, hour is not None
    except ValueError:
        return None


def dates_in(line: str) -> list[tuple[datetime, bool]]:
    """Every date written in ``line`` (digits of any script), with whether a time came with it."""
    return [value for _, value in _dates_at(" ".join(line.translate(_DIGITS).split()))]


def _dates_at(text: str) -> list[tuple[int, tuple[datetime, bool]]]:
    """The dates written in ``text`` with where each starts."""
    found: list[tuple[int, tuple[datetime, bool]]] = []
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        for match in pattern.finditer(text):
            month = _MONTHS.get(match["m"].casefold()) or _MONTHS.get(match["m"])
            if month and (built := _build(match.groupdict(), month)):
                found.append((match.start(), built))
    if not found:
        for match in _ISO.finditer(text):
            if 1 <= int(match["m"]) <= 12 and (built := _build(match.groupdict(), int(match["m"]))):
                found.append((match.start(), built))
    if not found:
        for match in _NUMERIC.finditer(text):
            first, second = int(match["d"]), int(match["m"])
            # Day first as in French and Arabic; "04/21/2022" can only be month first (US).
            if 1 <= second <= 12:
                built = _build(match.groupdict(), second)
            elif 1 <= first <= 12:
                built = _build({**match.groupdict(), "d": match["m"]}, first)
            else:
                built = None
            if built:
                found.append((match.start(), built))
    short = None if found else _NUMERIC_SHORT_YEAR.match(text)
    if short is not None and 1 <= int(short["m"]) <= 12:
        if built := _build({**short.groupdict(), "y": f"20{short['y']}"}, int(short["m"])):
            found.append((short.start(), built))
    return sorted(found, key=lambda item: item[0])


def printed_date(lines: Iterable[str | tuple[str, bool]], *, max_lines: int = 400) -> PrintedDate | None:
    """The publication date printed in ``lines`` (short text lines in page order).

    A line may come with whether it follows the headline: a bare date printed before the
    headline is often today's date in the site's top bar, so one after it is preferred. A cued
    line ("Publié le …", "نشر في …") wins over bare dates; an "updated" line is used only when
    nothing else is found.
    """
    first: PrintedDate | None = None
    before: PrintedDate | None = None
    updated: PrintedDate | None = None
    for count, item in enumerate(lines):
        if count >= max_lines:
            break
        line, after = (item, True) if isinstance(item, str) else item
        if len(line) > 160 or not any(ch.isdigit() for ch in line):
            continue
        text = " ".join(line.translate(_DIGITS).split())
        found = _dates_at(text)
        if not found:
            continue
        value, has_time = found[0][1]
        published = _PUBLISHED_CUE.search(text)
        if published:
            # "Updated Dec. 23 / Published Dec. 22": the date after the cue.
            value, has_time = next((v for at, v in found if at >= published.start()), found[0][1])
            return PrintedDate(value, has_time, True)
        if change := _UPDATED_CUE.search(text):
            # "Dec 22, 2023 at 8:00 AM Corrected Dec 28, 2023": the date after the cue is the
            # change; one before it is the article's own.
            later = [v for at, v in found if at >= change.start()]
            updated = updated or PrintedDate(*(later or [found[0][1]])[0], False, updated=True)
            if found[0][0] >= change.start():
                continue
        if after:
            first = first or PrintedDate(value, has_time, False)
        else:
            before = before or PrintedDate(value, has_time, False, after=False)
    chosen = first or before
    if chosen is not None and updated is not None and chosen.value.date() == updated.value.date():
        # The bare date repeats the one an "Updated …" line labels: it is that update.
        return replace(chosen, updated=True)
    return chosen or updated
