"""The page cache's change feed under a stream of log rows: what it keeps in memory per read."""

from __future__ import annotations

import pytest
from django.db import connection

from akhbar.web import cache
from akhbar.web.models import PageChange

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stream_of_rows_is_taken_in_and_only_a_late_row_scan_keeps_their_ids(monkeypatch):
    feed = cache.ChangeFeed()
    start = feed.read()  # starts from the newest row
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    for n in range(50):
        PageChange.objects.create(tag=f"article:{n}")
        PageChange.objects.create(tag="front")
        clock[0] += 0.01
        feed.read()
    assert feed.epoch == start + 50
    assert not feed.fresh(["article:49"], start + 49) and feed.fresh(["article:3"], start + 49)
    if connection.vendor == "sqlite":
        # One writer at a time: rows commit in id order, no late scan, nothing to remember.
        assert feed._seen == {}
    else:
        assert len(feed._seen) == 100
        # Pruned once a scan period, of the ids seen more than twice the late window ago.
        clock[0] += 2 * cache.LATE_WINDOW.total_seconds() + 1
        PageChange.objects.create(tag="front")
        feed.read()
        assert len(feed._seen) == 1
