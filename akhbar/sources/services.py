"""Use cases of the sources app: importing the registry, refreshing a feed (the one ingestion path)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akhbar.ingest.errors import ExtractError, FetchError, ParseError
from akhbar.ingest.extract.article import draft_from_feed, extract_article
from akhbar.ingest.feeds.parse import parse_feed
from akhbar.ingest.fetch.caching import backoff_delay, cache_max_age, next_poll_interval
from akhbar.ingest.fetch.client import Fetcher
from akhbar.ingest.registry import SourceSpec
from akhbar.ingest.types import FeedEntry, FetchResult
from akhbar.news.models import Article
from akhbar.news.services import StoreResult, cache_image, entry_hash, store_article
from akhbar.sources.models import Feed, FetchLog, Source

log = logging.getLogger(__name__)

# How many child sitemaps of a sitemap index are read per refresh (the newest come first).
MAX_CHILD_SITEMAPS = 3
# A failed extraction is retried on later polls, this many times in all.
MAX_EXTRACT_ATTEMPTS = 3
# A feed with no new article for this long may be polled as slowly as the configured maximum;
# a live one is polled at least every 15 minutes so a new article shows within 15 minutes.
DORMANT_AFTER = timedelta(hours=24)
LIVE_MAX_INTERVAL = timedelta(minutes=15)


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def import_sources(specs: Iterable[SourceSpec]) -> ImportResult:
    """Create or update sources and their feeds from registry entries (idempotent)."""
    result = ImportResult()
    for spec in specs:
        values = {
            "name": spec.name,
            "homepage": spec.homepage,
            "languages": list(spec.languages),
            "country": spec.country,
            "timezone": spec.timezone,
            "display": spec.display,
            "editions": list(spec.editions),
            "sections": {k: list(v) for k, v in spec.sections.items()},
            "verified": spec.verified,
            "notes": spec.notes,
        }
        wanted = [(u, Feed.Kind.FEED) for u in spec.feeds] + [
            (u, Feed.Kind.SITEMAP) for u in spec.sitemaps
        ]
        with transaction.atomic():
            source = Source.objects.filter(slug=spec.slug).first()
            changed = False
            if source is None:
                source = Source.objects.create(slug=spec.slug, **values)
                result.created.append(spec.slug)
            else:
                for key, value in values.items():
                    if getattr(source, key) != value:
                        setattr(source, key, value)
                        changed = True
                if changed:
                    source.save()
            for url, kind in wanted:
                feed = Feed.objects.filter(url=url).first()
                if feed is None:
                    Feed.objects.create(source=source, url=url, kind=kind)
                    changed = True
                elif feed.source_id != source.pk or feed.kind != kind or not feed.active:
                    feed.source, feed.kind, feed.active = source, kind, True
                    feed.save(update_fields=["source", "kind", "active"])
                    changed = True
            # Feeds dropped from the registry stop being polled; their articles stay.
            stale = source.feeds.filter(active=True, discovered=False).exclude(
                url__in=[u for u, _ in wanted]
            )
            if stale.update(active=False):
                changed = True
        if spec.slug not in result.created:
            (result.updated if changed else result.unchanged).append(spec.slug)
    return result


@dataclass
class RefreshOutcome:
    """What one refresh of one feed did."""

    feed_id: int
    source_slug: str
    status: str  # "ok" | "not_modified" | "error"
    error_kind: str = ""
    error_message: str = ""
    entries: int = 0
    new: int = 0
    revised: int = 0
    skipped: int = 0
    failed: int = 0
    duration_ms: int = 0


def _needs_page(article: Article | None, entry: FeedEntry, now: datetime) -> bool:
    """Whether an entry's page must be fetched: new, corrected recently, or not yet extracted."""
    if article is None:
        return True
    window = timedelta(hours=settings.CONFIG.revision_window_hours)
    if now - article.first_seen_at > window:
        return False
    if article.entry_hash != entry_hash(entry):
        return True
    return not article.extracted and article.extract_attempts < MAX_EXTRACT_ATTEMPTS


def ingest_entry(
    source: Source, feed: Feed | None, entry: FeedEntry, fetcher: Fetcher, now: datetime
) -> StoreResult | None:
    """Fetch, extract and store one feed entry; None when it is skipped (unchanged, disallowed)."""
    article = (
        Article.objects.filter(source=source, identity=entry.identity[:500]).first()
        or Article.objects.filter(url=entry.url).first()
    )
    if article is not None and feed is not None and article.feed_id not in (None, feed.pk):
        # Already ingested through another feed of the outlet (its RSS and its news sitemap
        # list the same articles): only the feed that brought it drives its revisions.
        return None
    if not _needs_page(article, entry, now):
        return None
    page: FetchResult | None = None
    try:
        page = fetcher.fetch(entry.url, max_bytes=settings.CONFIG.max_page_bytes)
    except FetchError as exc:
        if exc.kind in ("robots_disallowed", "robots_unreachable"):
            # The outlet does not want this page crawled (or its robots.txt is failing, so we
            # cannot know yet): neither fetched nor stored; a later poll tries it again.
            return None
        draft = draft_from_feed(entry, error=exc.kind, languages=tuple(source.languages))
    else:
        try:
            draft = extract_article(
                page.content,
                url=entry.url,
                encoding=page.encoding,
                source_timezone=source.timezone,
                languages=tuple(source.languages),
                now=now,
                fallback=entry,
                final_url=page.final_url,
                fetched_at=page.fetched_at,
            )
        except ExtractError as exc:
            draft = draft_from_feed(entry, error=exc.kind, languages=tuple(source.languages),
                                    final_url=page.final_url, fetched_at=page.fetched_at)
    result, stored = store_article(source=source, feed=feed, entry=entry, draft=draft, now=now)
    if stored is not None and stored.image_id and result is not StoreResult.UNCHANGED:
        # After the article's transaction: the image is fetched through the same polite
        # client, once; a failure leaves the article without a picture, never without text.
        cache_image(stored.image_id, fetcher=fetcher)
    return result


def _entries(feed: Feed, fetcher: Fetcher, result: FetchResult, now: datetime) -> tuple[FeedEntry, ...]:
    parsed = parse_feed(
        result.content,
        url=result.final_url,
        content_type=result.headers.get("content-type"),
        encoding=result.encoding,
        default_tz=feed.source.timezone,
        now=now,
    )
    entries = list(parsed.entries)
    for child_url in parsed.sitemaps[:MAX_CHILD_SITEMAPS]:
        try:
            child = fetcher.fetch(child_url, max_bytes=settings.CONFIG.max_feed_bytes)
            entries.extend(
                parse_feed(
                    child.content,
                    url=child.final_url,
                    content_type=child.headers.get("content-type"),
                    encoding=child.encoding,
                    default_tz=feed.source.timezone,
                    now=now,
                ).entries
            )
        except (FetchError, ParseError) as exc:
            log.warning("child sitemap %s of %s: %s", child_url, feed.url, exc)
    return tuple(entries)


def _next_success_interval(feed: Feed, changed: bool, headers: dict[str, str], now: datetime) -> timedelta:
    cfg = settings.CONFIG
    maximum = timedelta(seconds=cfg.poll_max)
    last_new = now if changed else feed.last_new_at
    if last_new is None or now - last_new < DORMANT_AFTER:
        maximum = min(maximum, max(LIVE_MAX_INTERVAL, timedelta(seconds=cfg.poll_min)))
    return next_poll_interval(
        previous=timedelta(seconds=feed.poll_interval),
        changed=changed,
        cache_max_age=cache_max_age(headers),
        minimum=timedelta(seconds=cfg.poll_min),
        maximum=maximum,
        default=timedelta(seconds=cfg.poll_interval),
    )


def refresh_feed(feed_id: int, *, fetcher: Fetcher, now: datetime | None = None) -> RefreshOutcome:
    """Fetch one feed, store its new and corrected articles, and record its health and schedule.

    The single ingestion path: the scheduler's tasks, ``akhbar crawl`` and the admin's
    "refresh now" all call it. No transaction is held across network I/O.
    """
    started = time.monotonic()
    now = now or timezone.now()
    feed = Feed.objects.select_related("source").get(pk=feed_id)
    source = feed.source
    outcome = RefreshOutcome(feed_id=feed.pk, source_slug=source.slug, status="ok")
    headers: dict[str, str] = {}
    try:
        result = fetcher.fetch(
            feed.url,
            etag=feed.etag or None,
            last_modified=feed.last_modified or None,
            max_bytes=settings.CONFIG.max_feed_bytes,
        )
        headers = result.headers
        outcome.status = "not_modified" if result.not_modified else "ok"
        entries = () if result.not_modified else _entries(feed, fetcher, result, now)
    except (FetchError, ParseError) as exc:
        outcome.status, outcome.error_kind, outcome.error_message = "error", exc.kind, str(exc)
        _record_failure(feed, exc, now, outcome, started)
        return outcome

    outcome.entries = len(entries)
    for entry in entries:
        try:
            stored = ingest_entry(source, feed, entry, fetcher, now)
        except Exception:  # one bad item never stops the batch
            log.exception("entry %s of %s failed", entry.url, feed.url)
            outcome.failed += 1
            continue
        if stored is StoreResult.NEW:
            outcome.new += 1
        elif stored is StoreResult.REVISED:
            outcome.revised += 1
        else:
            outcome.skipped += 1

    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    changed = outcome.new > 0 or outcome.revised > 0
    interval = _next_success_interval(feed, changed, headers, now)
    with transaction.atomic():
        fields = {
            "last_fetched_at": now,
            "last_success_at": now,
            "last_status": result.status,
            "error_kind": "",
            "error_message": "",
            "error_count": 0,
            "poll_interval": int(interval.total_seconds()),
            "next_poll_at": now + interval,
            "enqueued_at": None,
        }
        if not result.not_modified:
            fields["etag"] = (result.etag or "")[:500]
            fields["last_modified"] = (result.last_modified or "")[:100]
        if outcome.new:
            fields["last_new_at"] = now
        Feed.objects.filter(pk=feed.pk).update(**fields)
        FetchLog.objects.create(
            feed=feed,
            started_at=now,
            duration_ms=outcome.duration_ms,
            status=result.status,
            entries=outcome.entries,
            new_articles=outcome.new,
            updated_articles=outcome.revised,
            skipped=outcome.skipped,
        )
    return outcome


def _record_failure(
    feed: Feed, exc: FetchError | ParseError, now: datetime, outcome: RefreshOutcome, started: float
) -> None:
    """Record a failed fetch on the feed: error kind, count, and a backed-off next poll."""
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    error_count = feed.error_count + 1
    delay = backoff_delay(error_count, rng=random.Random())
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        delay = max(delay, timedelta(seconds=min(retry_after, 24 * 3600)))
    status = getattr(exc, "status", None)
    with transaction.atomic():
        Feed.objects.filter(pk=feed.pk).update(
            last_fetched_at=now,
            last_status=status,
            error_kind=exc.kind[:50],
            error_message=str(exc)[:2000],
            error_count=error_count,
            next_poll_at=now + delay,
            enqueued_at=None,
        )
        FetchLog.objects.create(
            feed=feed,
            started_at=now,
            duration_ms=outcome.duration_ms,
            status=status,
            error_kind=exc.kind[:50],
            error_message=str(exc)[:2000],
        )


def discover_source_feeds(source: Source, *, fetcher: Fetcher) -> list[str]:
    """Find a feedless source's feeds on its homepage and record them (discovered=True)."""
    from akhbar.ingest.feeds.discover import discover_feeds

    Source.objects.filter(pk=source.pk).update(discovery_attempted_at=timezone.now())
    try:
        page = fetcher.fetch(source.homepage, max_bytes=settings.CONFIG.max_page_bytes)
    except FetchError as exc:
        log.warning("discovery on %s failed: %s", source.homepage, exc)
        return []
    urls = discover_feeds(page.text(), page.final_url)
    found = []
    for url in urls[:3]:
        _, created = Feed.objects.get_or_create(
            url=url, defaults={"source": source, "kind": Feed.Kind.FEED, "discovered": True}
        )
        if created:
            found.append(url)
    return found
