"""Picks the feeds that are due and enqueues one refresh task per feed, politely."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from akhbar.sources.models import Feed

log = logging.getLogger(__name__)

# A queued task that has not started after this long is assumed lost and enqueued again (a
# running refresh holds a lease of its own, extended while it works: it is never re-enqueued,
# and a second task for the same poll finds the feed no longer due and does nothing).
LEASE = timedelta(minutes=30)
# At most this many feeds of one host are enqueued per tick, so one outlet with many feeds
# never monopolises the workers (the fetcher also spaces requests per host).
PER_HOST_PER_TICK = 2


def due_feeds(now: datetime, limit: int = 200,
              per_host_cap: int | None = PER_HOST_PER_TICK) -> list[Feed]:
    """Active feeds of unpaused sources whose next poll has come and that are not in flight."""
    qs = (
        Feed.objects.select_related("source")
        .filter(active=True, source__paused=False, next_poll_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - LEASE))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
        .order_by("next_poll_at")
    )
    picked: list[Feed] = []
    per_host: Counter[str] = Counter()
    for feed in qs[: limit * 4]:
        host = urlsplit(feed.url).hostname or ""
        if per_host_cap is not None and per_host[host] >= per_host_cap:
            continue
        per_host[host] += 1
        picked.append(feed)
        if len(picked) >= limit:
            break
    return picked


def enqueue_due_feeds(now: datetime | None = None, *, every: bool = False) -> int:
    """Enqueue a refresh task for each due feed; returns how many were enqueued."""
    from akhbar.pipeline.tasks import refresh_feed_task

    now = now or timezone.now()
    count = 0
    # ``every``: `akhbar scheduler --once` enqueues every due feed (workers keep per-host
    # politeness through the host gate); a loop's tick spreads one host's feeds over ticks.
    for feed in (due_feeds(now, limit=100_000, per_host_cap=None) if every else due_feeds(now)):
        # Claim the feed before enqueueing so a second scheduler tick never enqueues it twice.
        with transaction.atomic():
            claimed = (
                Feed.objects.filter(pk=feed.pk)
                .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - LEASE))
                .update(enqueued_at=now)
            )
        if not claimed:
            continue
        refresh_feed_task.enqueue(feed.pk)
        count += 1
    if count:
        log.debug("enqueued %d due feeds", count)  # the round's line says it (RoundLog)
    return count


# A feedless source's homepage is searched for feeds at most this often.
DISCOVERY_PERIOD = timedelta(hours=24)


def enqueue_discovery(now: datetime | None = None) -> int:
    """Enqueue feed discovery for unpaused sources without an active feed, once a day at most."""
    from akhbar.pipeline.tasks import discover_feeds_task
    from akhbar.sources.models import Source

    now = now or timezone.now()
    due = (
        Source.objects.filter(paused=False)
        .exclude(feeds__active=True)
        .filter(Q(discovery_attempted_at__isnull=True)
                | Q(discovery_attempted_at__lt=now - DISCOVERY_PERIOD))
    )
    count = 0
    for source in due:
        # Claim first, as for feeds, so two ticks never enqueue it twice.
        if Source.objects.filter(pk=source.pk, discovery_attempted_at=source.discovery_attempted_at
                                 ).update(discovery_attempted_at=now):
            discover_feeds_task.enqueue(source.pk)
            count += 1
    return count


# Interrupted or failed image fetches are looked for this often.
IMAGE_RETRY_PERIOD = timedelta(minutes=5)
_last_image_retry: datetime | None = None


def enqueue_image_retry(now: datetime | None = None) -> bool:
    """Enqueue one image-retry task when images wait for one (at most every few minutes)."""
    from akhbar.pipeline.images import images_to_retry
    from akhbar.pipeline.tasks import retry_images_task

    global _last_image_retry
    now = now or timezone.now()
    if _last_image_retry is not None and now - _last_image_retry < IMAGE_RETRY_PERIOD:
        return False
    _last_image_retry = now
    if not images_to_retry(now, limit=1):
        return False
    retry_images_task.enqueue()
    return True


def release_dead_leases() -> int:
    """Free the feeds whose refresh's process died on this machine (no wait for expiry)."""
    from akhbar.pipeline.leases import holder_is_gone

    freed = 0
    live = Feed.objects.filter(lease_until__gte=timezone.now()).exclude(lease_owner="")
    for pk, owner in live.values_list("pk", "lease_owner"):
        if holder_is_gone(owner):
            freed += Feed.objects.filter(pk=pk, lease_owner=owner).update(
                lease_owner="", lease_until=None, enqueued_at=None)
    return freed


# Story work is enqueued at most this often by a standalone scheduler (`akhbar scheduler`).
STORY_PERIOD = timedelta(seconds=30)
_last_story_enqueue: datetime | None = None


def enqueue_story_work(now: datetime | None = None) -> bool:
    """Enqueue one story-assignment task when articles wait for a story (throttled)."""
    from akhbar.pipeline.stories import articles_awaiting_story
    from akhbar.pipeline.tasks import assign_stories_task

    global _last_story_enqueue
    now = now or timezone.now()
    if _last_story_enqueue is not None and now - _last_story_enqueue < STORY_PERIOD:
        return False
    if not articles_awaiting_story():
        return False
    _last_story_enqueue = now
    assign_stories_task.enqueue()
    return True


def tick(*, stories_inline: bool | None, every_due_feed: bool = False) -> dict[str, int]:
    """One scheduler tick: free dead leases, enqueue discovery, due feeds and image retries,
    then story work — placed here and now, enqueued for a worker (``akhbar scheduler``), or
    left to the caller (None: ``akhbar run``'s story thread, the one assigner of its machine).
    Returns what it did, for the log."""
    from django.db import close_old_connections

    from akhbar.pipeline.stories import assign_stories

    close_old_connections()
    done = {"freed": release_dead_leases(), "discovery": enqueue_discovery(),
            "feeds": enqueue_due_feeds(every=every_due_feed), "images": int(enqueue_image_retry())}
    if stories_inline:
        done["stories"] = assign_stories(limit=100)
    elif stories_inline is not None:
        done["stories"] = int(enqueue_story_work())
    return done


class RoundLog:
    """One log line per scheduler round: what it enqueued, what the workers did since the last
    round (feeds refreshed, articles stored) and the feeds failing now by error kind, e.g.
    ``round: 0 feeds enqueued; 0 feeds refreshed, 0 articles stored, 54 feeds failing: dns (of 60)``."""

    def __init__(self) -> None:
        from akhbar.sources.queries import latest_fetch_log_id

        self.after = latest_fetch_log_id()

    def line(self, done: dict[str, int]) -> str:
        from akhbar.sources.queries import crawl_summary

        summary = crawl_summary(after_log_id=self.after)
        self.after = summary.last_log_id
        enqueued = done.get("feeds", 0)
        return (f"round: {enqueued} feed{'' if enqueued == 1 else 's'} enqueued; "
                f"{summary.line()}")

    def log(self, done: dict[str, int]) -> None:
        log.info("%s", self.line(done))
