"""Reads for the reader's pages: the headline ticker, the outlet directory, story summaries
and reprints folded under their original. Each is a fixed number of queries, never one per card.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, TypeVar

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from akhbar.news.models import Article, Story
from akhbar.news.queries import (
    attach_outlets,
    edition_articles,
    source_editions,
    visible_articles,
)
from akhbar.sources.models import Source

TICKER_ITEMS = 20
# The ticker shows "every outlet": one prolific outlet may not fill it.
TICKER_PER_OUTLET = 2

# Country names for the directory (ISO 3166-1 codes of the registry); others show their code.
COUNTRIES = {
    "MA": _("Morocco"), "DZ": _("Algeria"), "TN": _("Tunisia"), "LY": _("Libya"),
    "MR": _("Mauritania"), "EG": _("Egypt"), "FR": _("France"), "ES": _("Spain"),
    "GB": _("United Kingdom"), "US": _("United States"), "QA": _("Qatar"),
    "SA": _("Saudi Arabia"), "AE": _("United Arab Emirates"),
}

LIGHT = ("text", "html", "summary", "fingerprint", "cluster_features")


def country_name(code: str) -> str:
    return str(COUNTRIES.get(code.upper(), code.upper()))


def language_name(code: str) -> str:
    """A language's own name ("Français", "العربية"), its code when Django does not know it."""
    try:
        return str(get_language_info(code)["name_local"]).capitalize()
    except KeyError:
        return code


# In the model's field order (Article.from_db takes the values in that order).
TICKER_FIELDS = ("id", "source_id", "title", "language", "published")


class _TickerRow(NamedTuple):
    id: int
    source_id: int
    title: str
    language: str
    published: datetime


def ticker_headlines(edition: str, limit: int = TICKER_ITEMS,
                     per_outlet: int = TICKER_PER_OUTLET) -> list[Article]:
    """The headline ticker: the latest originals (no syndicated copies), at most ``per_outlet``
    per outlet, newest first. Three queries (the edition's outlets, the articles, the outlets
    of those picked); the candidates are read as rows and only those picked become articles
    (building all of them was a third of the strip's cost on an uncached page)."""
    rows = (edition_articles(edition, outlets=False).filter(copy_of__isnull=True)
            .select_related(None).values_list(*TICKER_FIELDS)[: limit * 4])
    picked = [Article.from_db(rows.db, TICKER_FIELDS, tuple(row)) for row in
              pick_ticker([_TickerRow(*row) for row in rows], limit, per_outlet)]
    attach_outlets(picked)
    return picked


Headline = TypeVar("Headline", Article, _TickerRow)


def pick_ticker(latest: list[Headline], limit: int = TICKER_ITEMS,
                per_outlet: int = TICKER_PER_OUTLET) -> list[Headline]:
    """The ticker's choice among the latest originals (newest first): ``per_outlet`` each."""
    picked: list[Headline] = []
    seen: dict[int, int] = defaultdict(int)
    for a in latest:
        if seen[a.source_id] < per_outlet:
            seen[a.source_id] += 1
            picked.append(a)
            if len(picked) >= limit:
                break
    return picked


@dataclass
class OutletEntry:
    """One outlet in the directory."""

    source: Source
    count: int
    latest: Article | None
    languages: list[tuple[str, str]]  # (code, own name)


@dataclass
class CountryGroup:
    """The directory's outlets of one country, by language."""

    code: str
    name: str
    by_language: list[tuple[str, str, list[OutletEntry]]] = field(default_factory=list)


def outlet_directory(edition: str) -> list[CountryGroup]:
    """The edition's outlets by country and language, each with its latest original headline and
    its count of visible articles: three queries whatever the number of outlets."""
    latest_sub = (Article.objects.filter(source=OuterRef("pk"), hidden=False,
                                         copy_of__isnull=True)
                  .order_by("-published", "-id").values("id")[:1])
    sources = [s for s in Source.objects.annotate(latest_id=Subquery(latest_sub))
               if edition in source_editions(s.languages or [], s.editions or [])]
    ids = [s.pk for s in sources]
    counts = dict(Article.objects.filter(source_id__in=ids, hidden=False).order_by()
                  .values_list("source_id").annotate(n=Count("id")).values_list("source_id", "n"))
    latest_ids = [s.latest_id for s in sources if s.latest_id]
    latest = {a.pk: a for a in Article.objects.filter(pk__in=latest_ids).only(
        "id", "title", "published", "language", "source_id")}
    groups: dict[str, dict[str, list[OutletEntry]]] = defaultdict(lambda: defaultdict(list))
    for s in sources:
        langs = [(c, language_name(c)) for c in (s.languages or [])]
        entry = OutletEntry(s, counts.get(s.pk, 0), latest.get(s.latest_id), langs)
        groups[s.country.upper()][(s.languages or ["?"])[0]].append(entry)
    # The edition's own country first (Morocco for every edition today), then by name; in a
    # country, the edition's language first, then by number of outlets.
    out = []
    for code in sorted(groups, key=lambda c: (c != "MA", country_name(c))):
        group = CountryGroup(code, country_name(code))
        for lang in sorted(groups[code], key=lambda lg: (lg != edition, -len(groups[code][lg]))):
            entries = sorted(groups[code][lang], key=lambda e: e.source.name.casefold())
            group.by_language.append((lang, language_name(lang), entries))
        out.append(group)
    return out


@dataclass(frozen=True)
class StorySummary:
    """The story page's summary line."""

    outlets: int
    articles: int
    languages: list[tuple[str, str]]
    first: datetime
    last: datetime


def story_summary(articles: list[Article], edition: str) -> StorySummary:
    langs = sorted({a.language for a in articles if a.language},
                   key=lambda lg: (lg != edition, lg))
    return StorySummary(
        outlets=len({a.source_id for a in articles}), articles=len(articles),
        languages=[(lg, language_name(lg)) for lg in langs],
        first=min(a.published for a in articles), last=max(a.published for a in articles))


def story_pictures(articles: list[Article], limit: int = 4) -> list[Article]:
    """Articles of a story whose pictures the page shows: one per distinct image, originals
    first, newest first."""
    seen: set[int] = set()
    out: list[Article] = []
    for a in sorted(articles, key=lambda a: (a.copy_of_id is not None, -a.published.timestamp())):
        if a.image_id and a.image_id not in seen and a.image and a.image.display_url:
            seen.add(a.image_id)
            out.append(a)
            if len(out) >= limit:
                break
    return out


def originals(qs: QuerySet[Article]) -> QuerySet[Article]:
    """A list without syndicated copies: each copy is folded under its original."""
    return qs.filter(copy_of__isnull=True)


def fold_copies(articles: list[Article]) -> list[Article]:
    """Give each listed original ``reprints``, the outlets that republished it (one query for
    the whole page), so a list says "also published by …" under it."""
    ids = [a.pk for a in articles]
    by_original: dict[int, list[str]] = defaultdict(list)
    if ids:
        for original_id, name in (Article.objects.filter(copy_of_id__in=ids, hidden=False)
                                  .order_by("published", "id")
                                  .values_list("copy_of_id", "source__name")):
            if name not in by_original[original_id]:
                by_original[original_id].append(name)
    for a in articles:
        a.reprints = by_original.get(a.pk, [])  # type: ignore[attr-defined]
    return articles


def fold_story_copies(articles: list[Article]) -> list[Article]:
    """A story's originals (and copies whose original it does not show), each with
    ``reprints``: the outlets of its copies in the story."""
    shown = {a.pk for a in articles}
    by_original: dict[int, list[str]] = defaultdict(list)
    for a in articles:
        if a.copy_of_id in shown and a.source.name not in by_original[a.copy_of_id]:
            by_original[a.copy_of_id].append(a.source.name)
    out = [a for a in articles if a.copy_of_id not in shown]
    for a in out:
        a.reprints = by_original.get(a.pk, [])  # type: ignore[attr-defined]
    return out


def story_articles(story: Story) -> list[Article]:
    """A story's visible articles, oldest first, with outlet and image (one query)."""
    return list(visible_articles().filter(story=story).defer(*LIGHT[:2], *LIGHT[3:])
                .order_by("published", "id"))
