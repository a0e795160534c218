"""Prometheus metrics of every akhbar process (definitions only; no Django).

Each process writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` (the settings point it at
``$AKHBAR_DATA_DIR/metrics`` unless the environment names another), so ``GET /metrics`` served by
any web process adds up the web workers, the task workers, the scheduler and one-off commands.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram

FETCHES = Counter(
    "akhbar_fetches_total",
    "HTTP fetches by what was fetched (feed, page, warc), HTTP status and error kind",
    ["what", "status", "error_kind"],
)
ARTICLES_INGESTED = Counter(
    "akhbar_articles_ingested_total", "New articles stored (feeds, admin, WARC import)")
TASK_SECONDS = Histogram(
    "akhbar_task_seconds", "Time a background task ran, by task and outcome",
    ["task", "outcome"], buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900))
TASK_WAIT_SECONDS = Histogram(
    "akhbar_task_wait_seconds",
    "Time a background task waited in its queue, from its enqueueing (or the later time it was "
    "deferred to) to its start, by task", ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
PAGE_SECONDS = Histogram(
    "akhbar_page_seconds", "Time to answer a web request, by route",
    ["route"], buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
PAGE_CACHE = Counter(
    "akhbar_page_cache_total", "Cacheable page requests answered from the page cache or rendered",
    ["result"])


def count_fetch(what: str, status: int | None, error_kind: str = "") -> None:
    """One fetch done (or failed: status 0 when no HTTP answer came)."""
    FETCHES.labels(what=what, status=str(status or 0), error_kind=error_kind or "").inc()


def observe_task_start(sender: object, task_result: Any, **kwargs: Any) -> None:
    """Queue latency: from enqueue (or the deferred start) to now, when a worker of either
    backend starts the task (django-tasks' ``task_started`` signal, sent by both)."""
    start = max((t for t in (task_result.enqueued_at, task_result.task.run_after) if t),
                key=_aware, default=None)
    if start is not None:
        waited = (datetime.now(UTC) - _aware(start)).total_seconds()
        TASK_WAIT_SECONDS.labels(task=task_result.task.name).observe(max(waited, 0.0))


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # RQ's times may be naive UTC
