"""Refreshing a feed: the one ingestion path (fetch, parse, per-entry decision, extract, store),
with its budget, its lease and the feed's health and schedule; feed discovery."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from akhbar.ingest.errors import ExtractError, FetchError, ParseError
from akhbar.ingest.extract.article import draft_from_feed, extract_article
from akhbar.ingest.feeds.parse import parse_feed
from akhbar.ingest.fetch.caching import backoff_delay, cache_max_age, next_poll_interval
from akhbar.ingest.fetch.client import Fetcher
from akhbar.ingest.normalize import url_variant_key
from akhbar.ingest.registry import extract_rules
from akhbar.ingest.types import FeedEntry, FetchResult
from akhbar.metrics import ARTICLES_INGESTED, count_fetch
from akhbar.news.models import Article
from akhbar.news.services import StoreResult, entry_hash, existing_article, store_article
from akhbar.pipeline.images import cache_image
from akhbar.pipeline.leases import holder_is_gone, new_owner
from akhbar.pipeline.pages import keep_page
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
class RefreshOutcome:
    """What one refresh of one feed did."""

    feed_id: int
    source_slug: str
    status: str  # "ok" | "not_modified" | "error" | "busy" (another worker has it) | "not_due"
    error_kind: str = ""
    error_message: str = ""
    entries: int = 0
    new: int = 0
    revised: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0  # entries left for the next poll (budget spent)
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
    if not entry.url:
        return False  # nothing more to extract: the feed's text is all there is
    return not article.extracted and article.extract_attempts < MAX_EXTRACT_ATTEMPTS


def ingest_entry(
    source: Source, feed: Feed | None, entry: FeedEntry, fetcher: Fetcher, now: datetime
) -> StoreResult | None:
    """Fetch, extract and store one feed entry; None when it is skipped (unchanged, disallowed)."""
    article = existing_article(source, entry)
    if article is not None and feed is not None and article.feed_id not in (None, feed.pk):
        # Already ingested through another feed of the outlet (its RSS and its news sitemap
        # list the same articles): only the feed that brought it drives its revisions.
        return None
    if not _needs_page(article, entry, now):
        return None
    page: FetchResult | None = None
    if not entry.url:
        # No page to fetch (no usable link): the feed's own text is the article, without a
        # link back, under the entry's own identity.
        draft = draft_from_feed(entry, error="no_link", languages=tuple(source.languages))
        result, _ = store_article(source=source, feed=feed, entry=entry, draft=draft, now=now)
        return result
    try:
        page = fetcher.fetch(entry.url, max_bytes=settings.CONFIG.max_page_bytes)
        count_fetch("page", page.status)
    except FetchError as exc:
        count_fetch("page", getattr(exc, "status", None), exc.kind)
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
                rules=extract_rules(source.slug),
            )
        except ExtractError as exc:
            draft = draft_from_feed(entry, error=exc.kind, languages=tuple(source.languages),
                                    final_url=page.final_url, fetched_at=page.fetched_at)
    result, stored = store_article(source=source, feed=feed, entry=entry, draft=draft, now=now)
    if result is StoreResult.NEW:
        ARTICLES_INGESTED.inc()
    if page is not None and stored is not None and result is not StoreResult.UNCHANGED:
        keep_page(source, page)
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
    # A feed never fetched successfully starts from the configured interval, not the column's
    # default (600 s), which would make AKHBAR_POLL_INTERVAL_SECONDS apply to no feed at all.
    previous = feed.poll_interval if feed.last_success_at else cfg.poll_interval
    return next_poll_interval(
        previous=timedelta(seconds=previous),
        changed=changed,
        cache_max_age=cache_max_age(headers),
        minimum=timedelta(seconds=cfg.poll_min),
        maximum=maximum,
        default=timedelta(seconds=cfg.poll_interval),
    )


# A running refresh holds its feed for this long past its last heartbeat; a worker killed
# mid-refresh thus delays the feed's next poll by at most this.
LEASE = timedelta(minutes=5)
HEARTBEAT_EVERY = 20.0  # seconds between lease extensions
# A refresh that stopped at its budget is continued this soon (behind other feeds' tasks).
CONTINUE_AFTER = timedelta(seconds=60)


class LeaseLost(Exception):
    """Another worker took the feed over (our lease expired): stop without recording."""


class _Lease:
    """The running refresh's hold on its feed, extended by heartbeats."""

    def __init__(self, feed_id: int) -> None:
        self.feed_id = feed_id
        self.owner = new_owner()
        self._beat = 0.0

    def take(self, *, only_if_due_at: datetime | None = None) -> bool:
        now = timezone.now()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        holder = Feed.objects.filter(pk=self.feed_id).values_list("lease_owner", flat=True).first()
        if holder and holder_is_gone(holder):
            free |= Q(lease_owner=holder)  # its process died on this machine: no need to wait
        qs = Feed.objects.filter(free, pk=self.feed_id)
        if only_if_due_at is not None:
            qs = qs.filter(next_poll_at__lte=only_if_due_at)
        taken = qs.update(lease_owner=self.owner, lease_until=now + LEASE)
        self._beat = time.monotonic()
        return bool(taken)

    def heartbeat(self) -> None:
        if time.monotonic() - self._beat < HEARTBEAT_EVERY:
            return
        self._beat = time.monotonic()
        if not Feed.objects.filter(pk=self.feed_id, lease_owner=self.owner).update(
            lease_until=timezone.now() + LEASE
        ):
            raise LeaseLost(f"feed {self.feed_id} was taken over by another worker")

    def release(self) -> None:
        Feed.objects.filter(pk=self.feed_id, lease_owner=self.owner).update(
            lease_owner="", lease_until=None
        )


def refresh_feed(
    feed_id: int, *, fetcher: Fetcher, now: datetime | None = None, only_if_due: bool = False
) -> RefreshOutcome:
    """Fetch one feed, store its new and corrected articles, and record its health and schedule.

    The single ingestion path: the scheduler's tasks, ``akhbar crawl`` and the admin's
    "refresh now" all call it. No transaction is held across network I/O. One worker at a time
    refreshes a feed (a lease, extended while it works); another caller gets status "busy".
    ``only_if_due``: do nothing ("not_due") when the feed is not due any more — a task queued
    twice for one poll runs once.
    """
    now = now or timezone.now()
    lease = _Lease(feed_id)
    if not lease.take(only_if_due_at=now if only_if_due else None):
        feed = Feed.objects.select_related("source").get(pk=feed_id)
        busy = feed.lease_until is not None and feed.lease_until >= timezone.now()
        return RefreshOutcome(feed_id=feed_id, source_slug=feed.source.slug,
                              status="busy" if busy else "not_due")
    try:
        return _refresh(feed_id, fetcher=fetcher, now=now, lease=lease)
    except LeaseLost as exc:
        log.warning("%s", exc)
        feed = Feed.objects.select_related("source").get(pk=feed_id)
        return RefreshOutcome(feed_id=feed_id, source_slug=feed.source.slug, status="busy")
    except (SystemExit, KeyboardInterrupt):
        # The worker is being stopped mid-refresh: the feed is enqueued again at the next
        # scheduler tick instead of waiting for its queue claim to expire (what was stored
        # stays stored; the rest is done then).
        Feed.objects.filter(pk=feed_id, lease_owner=lease.owner).update(enqueued_at=None)
        raise
    finally:
        lease.release()


def _prior_articles(source: Source, entries: tuple[FeedEntry, ...]) -> dict[str, Article]:
    """The stored articles of a feed's entries, by entry identity, in a few queries."""
    fields = ("id", "identity", "url", "url_key", "feed_id", "first_seen_at", "entry_hash",
              "extracted", "extract_attempts")
    by_identity: dict[str, Article] = {}
    by_url: dict[str, Article] = {}
    by_key: dict[str, Article] = {}
    identities = [e.identity[:500] for e in entries]
    urls = [e.url for e in entries if e.url]
    keys = [k for k in (url_variant_key(u) for u in urls) if k]
    step = 500
    for i in range(0, len(identities), step):
        for a in Article.objects.filter(source=source, identity__in=identities[i:i + step]).only(*fields):
            by_identity[a.identity] = a
    for i in range(0, len(urls), step):
        for a in Article.objects.filter(url__in=urls[i:i + step]).only(*fields):
            by_url[a.url or ""] = a
    for i in range(0, len(keys), step):
        for a in Article.objects.filter(source=source, url_key__in=keys[i:i + step]).only(*fields):
            by_key.setdefault(a.url_key, a)
    found: dict[str, Article] = {}
    for e in entries:
        match = by_identity.get(e.identity[:500])
        if match is None and e.url:
            match = by_url.get(e.url) or by_key.get(url_variant_key(e.url))
        if match is not None:
            found[e.identity] = match
    return found


def _newest_first(entry: FeedEntry) -> float:
    return -(entry.published.timestamp() if entry.published else float("-inf"))


def _refresh(feed_id: int, *, fetcher: Fetcher, now: datetime, lease: _Lease) -> RefreshOutcome:
    started = time.monotonic()
    cfg = settings.CONFIG
    feed = Feed.objects.select_related("source").get(pk=feed_id)
    source = feed.source
    outcome = RefreshOutcome(feed_id=feed.pk, source_slug=source.slug, status="ok")
    headers: dict[str, str] = {}
    try:
        result = fetcher.fetch(
            feed.url,
            etag=feed.etag or None,
            last_modified=feed.last_modified or None,
            max_bytes=cfg.max_feed_bytes,
        )
        headers = result.headers
        count_fetch("feed", result.status)
        outcome.status = "not_modified" if result.not_modified else "ok"
        entries = () if result.not_modified else _entries(feed, fetcher, result, now)
    except (FetchError, ParseError) as exc:
        outcome.status, outcome.error_kind, outcome.error_message = "error", exc.kind, str(exc)
        count_fetch("feed", getattr(exc, "status", None), exc.kind)
        _record_failure(feed, exc, now, outcome, started)
        log.warning("refresh failed source=%s source_id=%d feed_id=%d kind=%s: %s", source.slug,
                    source.pk, feed.pk, exc.kind, str(exc)[:300])
        return outcome

    outcome.entries = len(entries)
    prior = _prior_articles(source, entries)
    # Entries that cost a page fetch, newest first: when the budget runs out, the backlog
    # left for the next poll is the oldest news.
    todo: list[FeedEntry] = []
    for entry in entries:
        article = prior.get(entry.identity)
        if article is not None and article.feed_id not in (None, feed.pk):
            outcome.skipped += 1  # ingested through another feed of the outlet
        elif _needs_page(article, entry, now):
            todo.append(entry)
        else:
            outcome.skipped += 1
    todo.sort(key=_newest_first)
    deadline = started + cfg.refresh_max_seconds
    for done, entry in enumerate(todo):
        if done >= cfg.refresh_max_pages or time.monotonic() >= deadline:
            outcome.deferred = len(todo) - done
            break
        lease.heartbeat()
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
    lease.heartbeat()

    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    changed = outcome.new > 0 or outcome.revised > 0
    interval = _next_success_interval(feed, changed, headers, now)
    if outcome.deferred:
        interval = min(interval, CONTINUE_AFTER)
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
            "backlog": outcome.deferred,
        }
        if not result.not_modified:
            # With a backlog, the next poll must get the whole feed again (not a 304): the
            # validators are forgotten until every entry is in.
            fields["etag"] = "" if outcome.deferred else (result.etag or "")[:500]
            fields["last_modified"] = "" if outcome.deferred else (result.last_modified or "")[:100]
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
            deferred=outcome.deferred,
        )
    log.info("refreshed source=%s source_id=%d feed_id=%d status=%s entries=%d new=%d revised=%d "
             "failed=%d deferred=%d ms=%d", source.slug, source.pk, feed.pk, outcome.status,
             outcome.entries, outcome.new, outcome.revised, outcome.failed, outcome.deferred,
             outcome.duration_ms)
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
