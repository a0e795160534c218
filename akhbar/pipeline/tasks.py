"""Background tasks (DEP-14 task API): thin wrappers around the services.

The same tasks run on every backend (the database queue, or RQ on Redis). They are idempotent:
a refresh runs only while its feed is due and under the feed's lease, articles are stored once
by URL and identity, a WARC file's stored pages are skipped. Retries with backoff are akhbar's,
not the engine's, so they behave alike on both: a failed refresh records its error and schedules
the feed's next poll with exponential backoff (``refresh._record_failure``); a task lost with
its worker is enqueued again by the scheduler once the feed's lease is free.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django_tasks import task

from akhbar import metrics

# The ingestion stack (akhbar.pipeline.refresh: trafilatura, lxml, httpx, feedparser, PIL) is
# imported inside the tasks that run it: a process that only enqueues them (the scheduler of
# `akhbar run`, the admin in a web worker) never loads it.

log = logging.getLogger(__name__)


class FeedRefreshFailed(Exception):
    """A feed refresh failed (recorded on the feed, retried later): the task log says FAILED.

    The refresh logged it already (a warning naming the source and the error kind): the task
    engine's traceback of it is debug-level noise (akhbar.logs)."""

    already_logged = True


@contextmanager
def _timed(name: str) -> Iterator[Callable[[str], None]]:
    started = time.perf_counter()
    outcome = ["ok"]
    try:
        yield lambda value: outcome.__setitem__(0, value)
    except BaseException:
        outcome[0] = "error"
        raise
    finally:
        metrics.TASK_SECONDS.labels(task=name, outcome=outcome[0]).observe(
            time.perf_counter() - started)


@task(queue_name="ingest")
def refresh_feed_task(feed_id: int, force: bool = False) -> dict[str, object]:
    """Refresh one feed in a worker (the same service the CLI and the admin call).

    A scheduled refresh runs only while the feed is due (a duplicate task does nothing);
    ``force`` (the admin's "refresh now") runs it whatever its schedule. A failed refresh raises
    after it is recorded, so both backends' task logs show it as failed, not successful.
    """
    from akhbar.pipeline import refresh as services
    from akhbar.pipeline.fetching import shared_fetcher

    with _timed("refresh_feed") as outcome_is:
        outcome = services.refresh_feed(feed_id, fetcher=shared_fetcher(), only_if_due=not force)
        outcome_is(outcome.status)
        if outcome.status == "error":
            raise FeedRefreshFailed(
                f"feed {feed_id} ({outcome.source_slug}): {outcome.error_kind}: "
                f"{outcome.error_message}"[:1000])
    return {"status": outcome.status, "new": outcome.new, "error_kind": outcome.error_kind,
            "deferred": outcome.deferred}


@task(queue_name="ingest")
def discover_feeds_task(source_id: int) -> list[str]:
    """Look for the feeds of a source that lists none, on its homepage."""
    from akhbar.pipeline import refresh as services
    from akhbar.pipeline.fetching import shared_fetcher
    from akhbar.sources.models import Source

    with _timed("discover_feeds"):
        source = Source.objects.get(pk=source_id)
        return services.discover_source_feeds(source, fetcher=shared_fetcher())


@task(queue_name="ingest")
def retry_images_task() -> int:
    """Fetch again the pictures an interrupted or failed attempt left uncached."""
    from akhbar.pipeline.fetching import shared_fetcher
    from akhbar.pipeline.images import retry_images

    with _timed("retry_images"):
        return retry_images(fetcher=shared_fetcher())


@task(queue_name="default")
def assign_stories_task(limit: int = 200) -> int:
    """Place new articles in stories (one assigner at a time: the clustering lock)."""
    from akhbar.pipeline.stories import assign_stories

    with _timed("assign_stories"):
        return assign_stories(limit=limit)


@task(queue_name="default")
def import_warc_task(path: str) -> dict[str, int]:
    """Import one WARC file (``akhbar import-warc --enqueue``: one task per file)."""
    from akhbar.pipeline.warc import import_warc_file

    with _timed("import_warc"):
        return import_warc_file(path).as_dict()
