"""Background tasks (DEP-14 task API): thin wrappers around the services."""

from __future__ import annotations

from django_tasks import task

from akhbar.sources import services
from akhbar.sources.fetching import shared_fetcher


@task(queue_name="ingest")
def refresh_feed_task(feed_id: int) -> dict[str, object]:
    """Refresh one feed in a worker (the same service the CLI and the admin call)."""
    outcome = services.refresh_feed(feed_id, fetcher=shared_fetcher())
    return {"status": outcome.status, "new": outcome.new, "error_kind": outcome.error_kind}


@task(queue_name="ingest")
def discover_feeds_task(source_id: int) -> list[str]:
    """Look for the feeds of a source that lists none, on its homepage."""
    from akhbar.sources.models import Source

    source = Source.objects.get(pk=source_id)
    return services.discover_source_feeds(source, fetcher=shared_fetcher())
