"""Background tasks (DEP-14 task API): thin wrappers around the services."""

from __future__ import annotations

from django_tasks import task

from akhbar.pipeline import refresh as services
from akhbar.pipeline.fetching import shared_fetcher


@task(queue_name="ingest")
def refresh_feed_task(feed_id: int, force: bool = False) -> dict[str, object]:
    """Refresh one feed in a worker (the same service the CLI and the admin call).

    A scheduled refresh runs only while the feed is due (a duplicate task does nothing);
    ``force`` (the admin's "refresh now") runs it whatever its schedule.
    """
    outcome = services.refresh_feed(feed_id, fetcher=shared_fetcher(), only_if_due=not force)
    return {"status": outcome.status, "new": outcome.new, "error_kind": outcome.error_kind,
            "deferred": outcome.deferred}


@task(queue_name="ingest")
def discover_feeds_task(source_id: int) -> list[str]:
    """Look for the feeds of a source that lists none, on its homepage."""
    from akhbar.sources.models import Source

    source = Source.objects.get(pk=source_id)
    return services.discover_source_feeds(source, fetcher=shared_fetcher())


@task(queue_name="ingest")
def retry_images_task() -> int:
    """Fetch again the pictures an interrupted or failed attempt left uncached."""
    from akhbar.pipeline.images import retry_images

    return retry_images(fetcher=shared_fetcher())
