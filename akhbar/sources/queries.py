"""Reads of the sources app: health of each source for the operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q

from akhbar.sources.models import Feed, Source


@dataclass(frozen=True)
class SourceHealth:
    slug: str
    name: str
    country: str
    languages: tuple[str, ...]
    feeds: int
    failing: int
    errors: tuple[str, ...]
    articles: int
    articles_24h: int
    last_success: datetime | None
    paused: bool

    @property
    def state(self) -> str:
        if self.paused:
            return "paused"
        if self.feeds == 0:
            return "no-feed"
        if self.last_success is None and not self.failing:
            return "new"
        if self.failing == self.feeds:
            return "failing"
        if self.failing:
            return "degraded"
        return "ok"

    def line(self) -> str:
        last = self.last_success.strftime("%Y-%m-%d %H:%M") if self.last_success else "never"
        errs = ",".join(self.errors) if self.errors else "-"
        return (
            f"{self.slug:<24} {self.state:<8} {self.country} {'/'.join(self.languages):<6} "
            f"feeds={self.feeds} failing={self.failing} errors={errs} "
            f"articles={self.articles} 24h={self.articles_24h} last_ok={last}"
        )


def source_health(now: datetime) -> list[SourceHealth]:
    """One health row per source, in two queries."""
    sources = Source.objects.annotate(
        n_articles=Count("articles", distinct=True),
        n_recent=Count("articles", filter=Q(articles__first_seen_at__gte=now - timedelta(hours=24)),
                       distinct=True),
    ).order_by("slug")
    feeds: dict[int, list[Feed]] = {}
    for feed in Feed.objects.filter(active=True):
        feeds.setdefault(feed.source_id, []).append(feed)
    rows = []
    for s in sources:
        fs = feeds.get(s.pk, [])
        successes = [f.last_success_at for f in fs if f.last_success_at]
        rows.append(
            SourceHealth(
                slug=s.slug,
                name=s.name,
                country=s.country,
                languages=tuple(s.languages),
                feeds=len(fs),
                failing=sum(1 for f in fs if f.error_kind),
                errors=tuple(sorted({f.error_kind for f in fs if f.error_kind})),
                articles=s.n_articles,
                articles_24h=s.n_recent,
                last_success=max(successes) if successes else None,
                paused=s.paused,
            )
        )
    return rows


def last_successful_crawl() -> datetime | None:
    """When a feed was last fetched successfully, by any worker (None: never)."""
    return Feed.objects.aggregate(last=Max("last_success_at"))["last"]
