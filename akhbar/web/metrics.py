"""Observability over HTTP: ``/metrics`` (Prometheus text, loopback by default) and ``/healthz``;
the middleware that times pages by route and counts page-cache hits."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from ipaddress import ip_address

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from akhbar import metrics

log = logging.getLogger(__name__)


def _route(request: HttpRequest) -> str:
    # A page answered from the cache never reached the URL resolver: resolve it here, so hits
    # and misses of one page share its route label (bounded by the URL patterns).
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.route or match.view_name or "unknown"


def observe_pages(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Time every request by route; count the page cache's hits and misses."""

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = get_response(request)
        metrics.PAGE_SECONDS.labels(route=_route(request)).observe(time.perf_counter() - started)
        cache = response.headers.get("X-Akhbar-Cache")
        if cache in ("hit", "miss"):
            metrics.PAGE_CACHE.labels(result=cache).inc()
        return response

    return middleware


def queue_depths() -> dict[str, int]:
    """Jobs waiting in each task queue of the configured backend (deferred ones included)."""
    depths = {name: 0 for name in settings.TASK_QUEUES}
    if settings.CONFIG.task_backend == "rq":
        import django_rq
        from rq.registry import ScheduledJobRegistry

        for name in depths:
            queue = django_rq.get_queue(name)
            depths[name] = queue.count + len(ScheduledJobRegistry(queue=queue))
    else:
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        rows = (DBTaskResult.objects.filter(status="READY").values("queue_name")
                .annotate(n=Count("id")))
        for row in rows:
            depths[row["queue_name"]] = row["n"]
    return depths


class _StateCollector:
    """Values read at scrape time: queue depth, last crawl's age, the page-cache hit ratio."""

    def __init__(self, counters: CollectorRegistry) -> None:
        self._counters = counters

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("akhbar_queue_depth", "Jobs waiting per task queue", labels=["queue"])
        try:
            for name, n in queue_depths().items():
                depth.add_metric([name], n)
        except Exception:  # an unreachable Redis must not hide the other metrics
            log.warning("queue depth unavailable", exc_info=True)
        yield depth
        from akhbar.sources.queries import last_successful_crawl

        last = last_successful_crawl()
        age = GaugeMetricFamily("akhbar_last_crawl_age_seconds",
                                "Seconds since a feed was last fetched successfully (-1: never)")
        age.add_metric([], (timezone.now() - last).total_seconds() if last else -1.0)
        yield age
        hits = total = 0.0
        for family in self._counters.collect():
            if family.name == "akhbar_page_cache":
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        total += sample.value
                        hits += sample.value if sample.labels.get("result") == "hit" else 0.0
        ratio = GaugeMetricFamily("akhbar_page_cache_hit_ratio",
                                  "Share of cacheable page requests answered from the cache")
        ratio.add_metric([], hits / total if total else 0.0)
        yield ratio


def _allowed(request: HttpRequest) -> bool:
    # REMOTE_ADDR, never X-Forwarded-For: behind the nginx front, /metrics is for the machine.
    try:
        addr = ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(addr in net for net in settings.CONFIG.metrics_allow)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text for every akhbar process on this machine; 403 outside AKHBAR_METRICS_ALLOW."""
    if not _allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path and os.path.isdir(path):
        counters = CollectorRegistry()
        MultiProcessCollector(counters, path=path)
    else:
        counters = REGISTRY
    registry = CollectorRegistry()
    registry.register(_Forward(counters))
    registry.register(_StateCollector(counters))
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


class _Forward:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


def healthz(request: HttpRequest) -> HttpResponse:
    """The database, the task backend and the age of the last successful crawl, as JSON.

    200 when the database and the task backend answer, 503 otherwise; an old crawl is reported,
    not an error (a portal serving only is healthy).
    """
    report: dict[str, object] = {"status": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception as exc:
        report["database"], report["status"] = f"error: {type(exc).__name__}", "error"
    try:
        depths = queue_depths()
        report["tasks"] = {"backend": settings.CONFIG.task_backend, "status": "ok",
                           "queued": sum(depths.values())}
    except Exception as exc:
        report["tasks"] = {"backend": settings.CONFIG.task_backend,
                           "status": f"error: {type(exc).__name__}"}
        report["status"] = "error"
    if report["database"] == "ok":
        from akhbar.sources.queries import last_successful_crawl

        last = last_successful_crawl()
        report["last_crawl_age_seconds"] = (
            round((timezone.now() - last).total_seconds()) if last else None)
        from akhbar.search.services import index_state

        # Reported, not an error: a stale index still answers, but misses words that the
        # current analysis spells differently until `akhbar search --reindex` has run.
        try:
            report["search_index"] = index_state()
        except Exception as exc:  # not migrated yet: still healthy
            report["search_index"] = {"status": f"error: {type(exc).__name__}"}
    response = HttpResponse(json.dumps(report), content_type="application/json",
                            status=200 if report["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response
