"""Politeness: robots.txt rules (RFC 9309, via protego) and a per-host request clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from protego import Protego

from akhbar.ingest.errors import FetchError

# Google reads the first 500 KiB of a robots.txt; so do we.
ROBOTS_MAX_BYTES = 500 * 1024


def robots_url(url: str) -> str:
    """The robots.txt URL governing ``url`` (same scheme, host and port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/robots.txt"


@dataclass(frozen=True)
class _Rules:
    parser: Protego | None  # None: no usable file
    allow_all: bool
    expires: float  # monotonic time
    # The HTTP status of a robots.txt that could not be read (5xx…): everything is disallowed
    # until ``expires``, and reported as the server failing, not as the site forbidding us.
    unreachable_status: int | None = None


class RobotsRules:
    """A per-instance robots.txt cache: fetches each site's file once per TTL, thread-safe.

    ``fetch_robots(url) -> (status, body)`` does the HTTP (through the guarded client) and may
    raise FetchError: errors with an HTTP status are read as that status, others (timeout,
    connection, private_address…) propagate to the caller and are not cached.
    """

    def __init__(
        self,
        fetch_robots: Callable[[str], tuple[int, bytes]],
        *,
        user_agent: str,
        ttl: float = 3600.0,
        error_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch_robots
        self._agent = user_agent
        self._ttl = ttl
        # 5xx → "disallow all" (RFC 9309 §2.3.1.4), but only briefly: a server hiccup must not
        # stall a source for an hour.
        self._error_ttl = min(error_ttl, ttl)
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, _Rules] = {}
        self._site_locks: dict[str, threading.Lock] = {}

    def _rules(self, url: str) -> _Rules:
        key = robots_url(url)
        with self._lock:
            rules = self._cache.get(key)
            if rules is not None and rules.expires > self._clock():
                return rules
            site_lock = self._site_locks.setdefault(key, threading.Lock())
        # One fetch per site even when several threads ask at once.
        with site_lock:
            with self._lock:
                rules = self._cache.get(key)
                if rules is not None and rules.expires > self._clock():
                    return rules
            rules = self._load(key)
            with self._lock:
                self._cache[key] = rules
            return rules

    def _load(self, key: str) -> _Rules:
        try:
            status, body = self._fetch(key)
        except FetchError as exc:
            if exc.status is None:
                raise
            status, body = exc.status, b""
        now = self._clock()
        if 200 <= status < 300:
            parser = Protego.parse(body.decode("utf-8", errors="replace"))
            return _Rules(parser, allow_all=False, expires=now + self._ttl)
        if 400 <= status < 500:
            # 4xx (404, 410, even 401/403): "unavailable" → crawl freely (RFC 9309 §2.3.1.3).
            return _Rules(None, allow_all=True, expires=now + self._ttl)
        # 5xx (and odd statuses): "unreachable" → disallow everything for a short while.
        return _Rules(None, allow_all=False, expires=now + self._error_ttl, unreachable_status=status)

    def allowed(self, url: str) -> bool:
        """Whether our user agent may fetch ``url``."""
        rules = self._rules(url)
        if rules.parser is None:
            return rules.allow_all
        if urlsplit(url).path == "/robots.txt":
            return True
        return bool(rules.parser.can_fetch(url, self._agent))

    def refusal(self, url: str) -> FetchError | None:
        """Why ``url`` may not be fetched (``robots_disallowed`` or ``robots_unreachable``), or None."""
        rules = self._rules(url)
        if rules.unreachable_status is not None:
            return FetchError(
                f"robots.txt answered HTTP {rules.unreachable_status}: crawling the site waits "
                f"{self._error_ttl:.0f} s (RFC 9309)",
                kind="robots_unreachable", url=url, status=rules.unreachable_status,
            )
        if self.allowed(url):
            return None
        return FetchError("disallowed by robots.txt", kind="robots_disallowed", url=url)

    def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay (seconds) the site asks of our user agent, if any."""
        rules = self._rules(url)
        if rules.parser is None:
            return None
        delay = rules.parser.crawl_delay(self._agent)
        return float(delay) if delay is not None else None


class HostGate(Protocol):
    """Per-host politeness shared beyond one process (other workers, other machines).

    ``slot(host, spacing)`` waits until this process may start a request to ``host`` (at most
    the host's concurrency in flight everywhere, starts ``spacing`` seconds apart everywhere)
    and yields the seconds waited; the request runs inside it.
    """

    def slot(self, host: str, spacing: float) -> AbstractContextManager[float]: ...


@dataclass
class _HostState:
    active: int = 0
    last_start: float = float("-inf")


class HostClock:
    """Spaces request starts to one host by a minimum delay and caps concurrent requests."""

    def __init__(
        self,
        *,
        min_delay: float,
        max_per_host: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._min_delay = min_delay
        self._max = max(1, max_per_host)
        self._clock = clock
        self._cond = threading.Condition()
        self._hosts: dict[str, _HostState] = {}

    def _prune(self, now: float) -> None:
        # Keeps the table small for long-running workers that see thousands of hosts.
        if len(self._hosts) > 1024:
            idle = now - 3600.0  # crawl delays are capped far below an hour
            for host in [h for h, s in self._hosts.items() if not s.active and s.last_start < idle]:
                del self._hosts[host]

    @contextmanager
    def slot(self, host: str, delay: float | None = None) -> Iterator[float]:
        """Wait for a turn on ``host`` (spacing ``max(min_delay, delay)``); yields seconds waited."""
        spacing = max(self._min_delay, delay or 0.0)
        host = host.lower()
        started = self._clock()
        with self._cond:
            while True:
                now = self._clock()
                state = self._hosts.setdefault(host, _HostState())
                timeout: float | None = None
                if state.active < self._max:
                    # Spacing is measured from the previous start with the delay known *now*, so
                    # the page right after robots.txt already honours its Crawl-delay.
                    timeout = state.last_start + spacing - now
                    if timeout <= 0:
                        state.active += 1
                        state.last_start = now
                        break
                self._cond.wait(timeout)
            self._prune(now)
        try:
            yield now - started
        finally:
            with self._cond:
                state.active -= 1
                self._cond.notify_all()
