"""Reads of the sources app: health of each source for the operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from akhbar.sources.models import Feed, FetchLog, Source


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
    articles_24h: int  # published in the last 24 hours
    last_success: datetime | None
    paused: bool
    stored_24h: int = 0  # stored in the last 24 hours, whenever published

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
        last = (timezone.localtime(self.last_success).strftime("%Y-%m-%d %H:%M")
                if self.last_success else "never")
        errs = ",".join(self.errors) if self.errors else "-"
        return (
            f"{self.slug:<24} {self.state:<8} {self.country} {'/'.join(self.languages):<6} "
            f"feeds={self.feeds} failing={self.failing} errors={errs} "
            f"articles={self.articles} 24h={self.articles_24h} stored_24h={self.stored_24h} "
            f"last_ok={last}"
        )


def health_legend(now: datetime) -> list[str]:
    """What each column of ``akhbar sources list`` counts (lines starting with ``#``)."""
    local = timezone.localtime(now)
    return [
        f"# {local:%Y-%m-%d %H:%M} {timezone.get_current_timezone_name()} (AKHBAR_TIME_ZONE); "
        "every time below is in this zone",
        "# state: ok | new (never fetched) | degraded (some feeds failing) | failing (all) | "
        "paused | no-feed",
        "# feeds: active feeds; failing: feeds whose last fetch failed; errors: their error kinds",
        "# articles: stored, all time; 24h: published in the last 24 h; "
        "stored_24h: stored in the last 24 h, whenever published",
        "# last_ok: the last successful fetch of any of its feeds",
    ]


def source_health(now: datetime) -> list[SourceHealth]:
    """One health row per source, in two queries."""
    sources = Source.objects.annotate(
        n_articles=Count("articles", distinct=True),
        n_recent=Count("articles", filter=Q(articles__published__gte=now - timedelta(hours=24)),
                       distinct=True),
        n_stored=Count("articles", filter=Q(articles__first_seen_at__gte=now - timedelta(hours=24)),
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
                stored_24h=s.n_stored,
                last_success=max(successes) if successes else None,
                paused=s.paused,
            )
        )
    return rows


def last_successful_crawl() -> datetime | None:
    """When a feed was last fetched successfully, by any worker (None: never)."""
    return Feed.objects.aggregate(last=Max("last_success_at"))["last"]


@dataclass(frozen=True)
class CrawlSummary:
    """What the crawler did since a moment, and which feeds fail now (by error kind)."""

    refreshed: int  # feeds fetched in the window (each counted once)
    stored: int  # new articles those fetches stored
    failing: tuple[tuple[str, int], ...]  # (error kind, feeds), most first
    feeds: int  # active feeds of unpaused sources
    last_success: datetime | None
    last_log_id: int = 0  # the newest fetch log row counted: the next round starts after it

    @property
    def failing_total(self) -> int:
        return sum(n for _, n in self.failing)

    def failing_text(self) -> str:
        """``54 feeds failing: dns`` or ``56 feeds failing: 54 dns, 2 timeout``."""
        total = self.failing_total
        if not total:
            return "no feed failing"
        noun = "feed" if total == 1 else "feeds"
        if len(self.failing) == 1:
            return f"{total} {noun} failing: {self.failing[0][0]}"
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.failing)
        return f"{total} {noun} failing: {kinds}"

    def line(self) -> str:
        """The scheduler round's log line (and the admin's front page summary)."""
        return (f"{self.refreshed} feed{'' if self.refreshed == 1 else 's'} refreshed, "
                f"{self.stored} article{'' if self.stored == 1 else 's'} stored, "
                f"{self.failing_text()} (of {self.feeds})")


def latest_fetch_log_id() -> int:
    """The newest fetch log row's id (0 when none): where a scheduler's first round starts."""
    return FetchLog.objects.aggregate(last=Max("id"))["last"] or 0


def crawl_summary(*, since: datetime | None = None, after_log_id: int | None = None) -> CrawlSummary:
    """Feeds refreshed and articles stored (the fetch log) since a time, or after a fetch log row
    (a scheduler round: a refresh that started before the last round and ended after it is
    counted once, when it ends), and the feeds failing now, by error kind."""
    window = FetchLog.objects.all()
    if after_log_id is not None:
        window = window.filter(pk__gt=after_log_id)
    if since is not None:
        window = window.filter(started_at__gte=since)
    logs = window.aggregate(feeds=Count("feed", distinct=True), new=Sum("new_articles"),
                            last=Max("id"))
    live = Feed.objects.filter(active=True, source__paused=False)
    failing = (live.exclude(error_kind="").values("error_kind").annotate(n=Count("id"))
               .order_by("-n", "error_kind"))
    return CrawlSummary(
        refreshed=logs["feeds"] or 0, stored=logs["new"] or 0,
        failing=tuple((row["error_kind"], row["n"]) for row in failing),
        feeds=live.count(), last_success=last_successful_crawl(),
        last_log_id=logs["last"] or after_log_id or 0)
