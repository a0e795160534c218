"""The database host gate: spacing and concurrency per host shared by every process (here
threads with their own database connections, on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from akhbar.pipeline.hostgate import DatabaseHostGate
from akhbar.sources.models import HostSlot

pytestmark = pytest.mark.django_db(transaction=True)


def test_requests_to_one_host_are_spaced_and_never_overlap_across_connections():
    spacing, work = 0.1, 0.15
    starts: list[float] = []
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def worker() -> None:
        # Each thread is its own gate, like a separate process: only the database is shared.
        gate = DatabaseHostGate(max_per_host=1, hold_seconds=30)
        try:
            for _ in range(3):
                with gate.slot("press.example", spacing):
                    with lock:
                        starts.append(time.time())
                        in_flight["now"] += 1
                        in_flight["max"] = max(in_flight["max"], in_flight["now"])
                    time.sleep(work)
                    with lock:
                        in_flight["now"] -= 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    starts.sort()
    assert len(starts) == 9 and in_flight["max"] == 1
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= spacing - 0.01


def test_two_slots_allow_two_requests_at_once_and_other_hosts_do_not_wait():
    gate = DatabaseHostGate(max_per_host=2, hold_seconds=30)
    with gate.slot("a.example", 0.0), gate.slot("a.example", 0.0):
        started = time.monotonic()
        with gate.slot("b.example", 0.0) as waited:
            assert waited < 0.5
        assert time.monotonic() - started < 0.5
        assert HostSlot.objects.filter(host="a.example").exclude(owner="").count() == 2


def test_a_slot_whose_holder_died_frees_itself_after_its_hold():
    gate = DatabaseHostGate(max_per_host=1, hold_seconds=0.5)
    holder = gate.slot("a.example", 0.0)
    holder.__enter__()  # taken and never given back, as by a killed process
    started = time.monotonic()
    with gate.slot("a.example", 0.0):
        waited = time.monotonic() - started
    assert 0.3 <= waited < 3.0
