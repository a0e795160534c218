"""Authors: the people a byline, a meta tag or a closing signature names, never the newsroom,
an agency desk, a date or the outlet itself."""

from __future__ import annotations

import html
import re

from lxml.html import HtmlElement

from akhbar.ingest.extract.dates import dates_in

# Bylines in the markup, for pages whose metadata names no author.
_BYLINE_PATHS = (
    '//*[@rel="author" or @itemprop="author"]',
    '//*[contains(@class, "author-name") or contains(@class, "byline__name") or '
    'contains(@class, "author__name") or contains(@class, "c-byline__author")]',
    '//*[not(self::body or self::article or self::html)][contains(@class, "byline") or '
    'contains(@class, "author") or contains(@class, "auteur") or contains(@class, "signature")]',
    # A link to the writer's page ("/author/…", "/auteur/…", a newsroom's "/newsteam/…").
    '//a[contains(@href, "/author/") or contains(@href, "/auteur/") or contains(@href, "/authors/") '
    'or contains(@href, "/auteurs/") or contains(@href, "/newsteam/") or contains(@href, "/journaliste/") '
    'or contains(@href, "/staff/")]',
)
# A byline is short: a longer block is an author's biography or a list of articles.
BYLINE_MAX_CHARS = 100
# Not a person: the newsroom, an agency desk or a placeholder ("Par la rédaction", "هيئة التحرير").
_NOT_A_NAME = re.compile(
    r"r[ée]daction|editorial|newsroom|staff|admin|webmaster|contributor|desk|correspondant|"
    r"envoy[ée]|agences?\b|agencies|no author|^author$|@|www\.|\.(?:com|net|org|fr|ma|dz|tn)\b|\(|^(?:afp|ap|aps|map|tap|reuters|mena|qna|wafa)$|التحرير|الهيئة|"
    r"المحرر|هيئة|وكالات|مراسل|\d|\s(?:says|said|writes|wrote|explique|déclare|affirme)$|"
    # Sponsors, a title in place of a name ("Money Reporter"), an outlet ("The Jersey Journal").
    r"^(?:updated|published|posted|publi[ée]e?|mis à jour|modifi[ée]e?)\b|^(?:auteure?s?|authors?|par|by)$|"
    r"sponsor|collecti(?:f|ve)\b|^the\s|associated press|^[A-Z]{2,4}$|\b(?:times|news|network|press|media|online|reports?)\b|\b(?:reporter|correspondent|officer|editor|writer|columnist|"
    r"producer|director|chief|head of|journaliste|r[ée]dact(?:eur|rice)|chroniqueu(?:r|se))\b",
    re.IGNORECASE,
)
# A dangling conjunction ("Travis Andersen and": the second name is in another element).
_TRAILING = re.compile(r"\s+(?:and|et|و)$")
# Credentials after a name ("Lauren Manaker MS", "Jane Doe, PhD" is split at its comma).
_CREDENTIALS = re.compile(r"(?:\s+(?:MS|MSc|MD|PhD|Ph\.D\.|RD|RDN|LD|MPH|MBA|RN|CPT|CSCS|JD)\.?)+$")
_BY_PREFIX = re.compile(
    r"^(?:par|by|written by|écrit par|r[ée]dig[ée] par|auteure?s?|authors?|بقلم|كتب|كتبت|إعداد|اعداد|"
    r"الكاتبة?|المؤلف)\s*:?\s+", re.IGNORECASE)

# A date after the name on the byline's line: "Par Matthieu Hy le 07 Mai 2020", "par Didier Roy,
# 21 juin 2018", "By Jane Doe on March 3, 2020".
_DATE_TAIL = re.compile(
    r"(?:\s+(?:le|on|du)|\s*[,|·•–—-])?\s+(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|may|jun|jul|aug|"
    r"sep|oct|nov|dec)\w*\.?,?\s+)?\d.*$", re.IGNORECASE)


def person_names(value: str | None) -> list[str]:
    """The people named in a byline ("Par Salma Bennani et Karim Alami", "By A, B"), else []."""
    value = " ".join(value.split()) if isinstance(value, str) else None
    if not value or value.startswith("http"):
        return []
    # "James O&#39;Neil" is one name, not "James O" and "Neil".
    value = _BY_PREFIX.sub("", html.unescape(value))
    if (tail := _DATE_TAIL.search(value)) and dates_in(tail.group()):
        value = value[:tail.start()]  # only a tail that is a whole date: "juillet 2018" is not
    names = []
    for part in re.split(r"\s*(?:[,;|/&\u060c]|\s+(?:et|and|و)\s+)\s*", value):
        part = _BY_PREFIX.sub("", part.strip(" -–—·•:").lstrip(".")).strip()
        part = _CREDENTIALS.sub("", _TRAILING.sub("", part))
        words = part.split()
        # A name is 1–5 words, without digits (a date), not a newsroom or an agency desk.
        if part and 1 <= len(words) <= 5 and len(part) <= 60 and not _NOT_A_NAME.search(part):
            names.append(part)
    return names


# A signature closing the text: "Auteur : Kossivi Tiassou", "Par Salma Bennani", "بقلم يوسف العلوي".
_SIGNATURE = re.compile(r"^(?:par|by|written by|auteure?s?\s*:|authors?\s*:|بقلم|الكاتبة?\s*:?)\s", re.IGNORECASE)
SIGNATURE_MAX_CHARS = 60


def signature_authors(text: str) -> list[str]:
    """The people a text's last two paragraphs sign it with, when one is a short line that
    starts with a byline word and names people whose names are capitalised (Latin script) or
    Arabic: "Par ailleurs" or "By then" are not signatures."""
    for paragraph in reversed(text.strip().split("\n\n")[-2:]):
        line = " ".join(paragraph.split())
        if len(line) > SIGNATURE_MAX_CHARS or not _SIGNATURE.match(line):
            continue
        names = person_names(line)
        if names and all(len(n.split()) >= 2 and all(w[0].isalpha() and not w[0].islower()
                                                      for w in n.split()) for n in names):
            return names
    return []


def byline_authors(tree: HtmlElement, sitename: str | None = None) -> list[str]:
    # "Sarah Barnacle Worcester Telegram & Gazette": the outlet's name after the writer's.
    site = re.sub(r"^the\s+", "", (sitename or "").strip(), flags=re.IGNORECASE)
    outlet = re.compile(r"(?:\bthe\s+)?" + re.escape(site), re.IGNORECASE) if len(site) >= 4 else None
    for path in _BYLINE_PATHS:
        found = tree.xpath(path)
        # A byline block holds the name's element and the outlet's or the date's ("Jim Walsh"
        # and "Cherry Hill Courier-Post"): the innermost matches are read first.
        matched = set(found)
        inner = [e for e in found if not any(d in matched for d in e.iterdescendants())]
        for element in (inner + [e for e in found if e not in inner])[:4]:
            text = element.get("content") or element.text_content()
            if outlet is not None:
                text = outlet.sub(",", text)
            if len(text) <= BYLINE_MAX_CHARS and (names := person_names(text)):
                return names
    return []
