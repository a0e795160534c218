"""The Fetcher that the Django side uses, built from settings (one per process for workers)."""

from __future__ import annotations

import threading

from django.conf import settings

from akhbar.ingest.fetch.client import FetchConfig, Fetcher

_lock = threading.Lock()
_shared: Fetcher | None = None


def fetch_config() -> FetchConfig:
    """FetchConfig from akhbar's validated settings."""
    cfg = settings.CONFIG
    return FetchConfig(
        user_agent=cfg.user_agent,
        contact_url=cfg.contact_url,
        connect_timeout=min(10.0, cfg.fetch_timeout),
        read_timeout=cfg.fetch_timeout,
        total_timeout=cfg.fetch_timeout * 3,
        max_bytes=cfg.max_page_bytes,
        allow_private_networks=cfg.allow_private_networks,
        min_host_delay=cfg.host_delay,
        max_per_host=cfg.host_concurrency,
    )


def make_fetcher() -> Fetcher:
    """A new Fetcher (its own connection pool and robots cache), whose per-host delay and
    concurrency are shared with every other process through the database."""
    from akhbar.pipeline.hostgate import DatabaseHostGate

    cfg = fetch_config()
    # A request lasts at most total_timeout (plus politeness waits, not spent in the slot).
    gate = DatabaseHostGate(max_per_host=cfg.max_per_host, hold_seconds=cfg.total_timeout + 30.0)
    return Fetcher(cfg, gate=gate)


def shared_fetcher() -> Fetcher:
    """The process's Fetcher, so robots.txt and per-host delays carry across worker tasks."""
    # A module-level instance is fine here (the Django side), unlike in akhbar.ingest: one
    # worker process is one polite client.
    global _shared
    with _lock:
        if _shared is None:
            _shared = make_fetcher()
        return _shared
