"""Per-host politeness shared by every worker process and machine, kept in the database.

Each process's Fetcher already spaces its own requests to a host (``HostClock``). Workers are
separate processes (and, scaled out, separate machines), so without a shared record two of them
ask one outlet at once and under its delay. Two small tables hold what they must agree on:

- ``HostState.next_start``: a request reserves the next free start time of its host with one
  compare-and-set UPDATE and moves it on by the spacing, then sleeps until its turn. No lock is
  held while waiting, and processes need no clock but the wall clock.
- ``HostSlot``: ``max_per_host`` rows per host; a request holds one (compare-and-set on
  ``busy_until``) while it runs. A holder that dies frees its slot when ``busy_until`` passes.

The same statements run on SQLite and PostgreSQL, so the database task queue and a distributed
engine share one politeness.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import IntegrityError, OperationalError, transaction

from akhbar.pipeline.leases import holder_is_gone, new_owner
from akhbar.sources.models import HostSlot, HostState

log = logging.getLogger(__name__)
T = TypeVar("T")


class DatabaseHostGate:
    """A HostGate (akhbar.ingest.fetch.politeness) over the database."""

    def __init__(
        self,
        *,
        max_per_host: int,
        hold_seconds: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._max = max(1, max_per_host)
        # How long a slot stays taken when its holder never gives it back (killed mid-request):
        # longer than any one request may last.
        self._hold = hold_seconds
        self._clock = clock
        self._sleep = sleep

    @contextmanager
    def slot(self, host: str, spacing: float) -> Iterator[float]:
        started = self._clock()
        # "host:pid:…" like a lease owner: a slot whose process died on this machine is taken
        # over at once instead of blocking its host until ``busy_until``.
        owner = new_owner()
        number = self._take_slot(host, owner)
        try:
            if spacing > 0:
                self._wait_turn(host, spacing)
            yield self._clock() - started
        finally:
            self._retry(self._release, host, number, owner)

    @staticmethod
    def _release(host: str, number: int, owner: str) -> int:
        return HostSlot.objects.filter(host=host, slot=number, owner=owner).update(
            owner="", busy_until=0.0)

    def _claim(self, host: str, number: int, owner: str, now: float) -> int:
        taken = HostSlot.objects.filter(host=host, slot=number, busy_until__lt=now).update(
            owner=owner, busy_until=now + self._hold)
        if taken:
            return taken
        holder = HostSlot.objects.filter(host=host, slot=number).values_list(
            "owner", flat=True).first()
        if holder and holder_is_gone(holder):
            return HostSlot.objects.filter(host=host, slot=number, owner=holder).update(
                owner=owner, busy_until=now + self._hold)
        return 0

    @staticmethod
    def _has_rows(host: str) -> bool:
        return HostSlot.objects.filter(host=host).exists()

    @staticmethod
    def _next_start(host: str) -> float | None:
        return HostState.objects.filter(host=host).values_list("next_start", flat=True).first()

    @staticmethod
    def _reserve(host: str, seen: float, start: float, spacing: float) -> int:
        return HostState.objects.filter(host=host, next_start=seen).update(
            next_start=start + spacing)

    def _take_slot(self, host: str, owner: str) -> int:
        pause = 0.02
        while True:
            now = self._clock()
            for number in range(self._max):
                if self._retry(self._claim, host, number, owner, now):
                    return number
            if not self._retry(self._has_rows, host):
                self._create_rows(host)
                continue
            # Every slot is busy somewhere: wait a little (growing) and look again.
            self._sleep(pause)
            pause = min(pause * 2, 0.5)

    def _create_rows(self, host: str) -> None:
        for number in range(self._max):
            try:
                with transaction.atomic():
                    HostSlot.objects.get_or_create(host=host, slot=number)
            except IntegrityError:
                pass  # another process created it first
        try:
            with transaction.atomic():
                HostState.objects.get_or_create(host=host)
        except IntegrityError:
            pass

    def _wait_turn(self, host: str, spacing: float) -> None:
        while True:
            seen = self._retry(self._next_start, host)
            if seen is None:
                self._create_rows(host)
                continue
            now = self._clock()
            start = max(now, seen)
            if self._retry(self._reserve, host, seen, start, spacing):
                if start > now:
                    self._sleep(start - now)
                return

    def _retry(self, op: Callable[..., T], *args: Any) -> T:
        # SQLite answers "database is locked" past its busy timeout when writers pile up; the
        # gate waits and asks again rather than failing the fetch.
        for attempt in range(20):
            try:
                return op(*args)
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == 19:
                    raise
                self._sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")
