"""One big or slow outlet never takes ingestion over (issue 10, item 2): each refresh has a budget
of pages and seconds and the rest waits for the next poll; one worker at a time refreshes a feed
(a lease with a heartbeat); a task queued twice for one poll runs once."""

from __future__ import annotations

import threading
import time
import tracemalloc
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from akhbar.news.models import Article
from akhbar.pipeline import refresh as services
from akhbar.pipeline.fetching import make_fetcher
from akhbar.pipeline.refresh import refresh_feed
from akhbar.pipeline.scheduler import due_feeds
from akhbar.sources.models import Feed
from tests.hostile.hostile_press import add_source, config, dated, item, page, rss
from tests.press import FixturePress, RecordedRequest

pytestmark = pytest.mark.django_db(transaction=True)


def article_handler(request: RecordedRequest) -> str:
    return page("Dépêche " + request.path.rsplit("/", 1)[-1])


def test_ten_thousand_item_feed_is_ingested_newest_first_within_budget_and_resumed():
    n = 10_000
    with FixturePress() as press:
        items = [item(f"Dépêche {i}", link=press.url(f"/big/{i}.html"), date=dated(i))
                 for i in range(n)]
        press.route("/big.xml", rss(items), content_type="application/rss+xml")
        press.route_prefix("/big/", handler=article_handler)
        press.route("/small.xml", rss([item("Une autre nouvelle", link=press.url("/small/1.html"),
                                            date=dated(0))]), content_type="application/rss+xml")
        press.route("/small/1.html", page("Une autre nouvelle"))
        big = add_source(press, "big", "/big.xml")
        small = add_source(press, "small", "/small.xml")
        tracemalloc.start()
        started = time.monotonic()
        with config(refresh_max_pages=25), make_fetcher() as fetcher:
            first = refresh_feed(big.pk, fetcher=fetcher)
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            other = refresh_feed(small.pk, fetcher=fetcher)
            big.refresh_from_db()
            assert first.new == 25 and first.deferred == n - 25
            assert big.backlog == n - 25
            # Continued soon, and the next poll gets the whole feed again (no validators kept).
            assert big.next_poll_at - timezone.now() <= timedelta(seconds=61)
            assert big.etag == "" and big.last_modified == ""
            second = refresh_feed(big.pk, fetcher=fetcher, now=timezone.now() + timedelta(minutes=2))
    assert other.new == 1
    # 25 pages, not 10,000 (which would take many minutes); generous for a loaded machine.
    assert elapsed < 90 and peak < 300 * 1024 * 1024
    assert second.new == 25 and second.deferred == n - 50
    titles = set(Article.objects.filter(source__slug="big").values_list("title", flat=True))
    assert titles == {f"Dépêche {i}.html" for i in range(50)}  # the newest fifty, each once
    pages = [r.path for r in press.requests if r.path.startswith("/big/")]
    assert len(pages) == len(set(pages)) == 50


def test_slow_pages_are_cut_by_the_seconds_budget():
    with FixturePress() as press:
        items = [item(f"Lent {i}", link=press.url(f"/slow/{i}.html"), date=dated(i))
                 for i in range(10)]
        press.route("/slow.xml", rss(items), content_type="application/rss+xml")
        press.route_prefix("/slow/", handler=article_handler, delay=0.4)
        feed = add_source(press, "slow", "/slow.xml")
        started = time.monotonic()
        with config(refresh_max_seconds=1.0), make_fetcher() as fetcher:
            outcome = refresh_feed(feed.pk, fetcher=fetcher)
        elapsed = time.monotonic() - started
    assert 1 <= outcome.new <= 4 and outcome.deferred == 10 - outcome.new
    assert elapsed < 1.0 + 2 * 0.4 + 1.0


def test_one_worker_at_a_time_and_the_heartbeat_keeps_the_lease(monkeypatch):
    # A lease of 3 s, extended every 0.1 s (between entries): without the heartbeat a 6 s
    # refresh would lose its feed to the second worker after 3 s.
    monkeypatch.setattr(services, "LEASE", timedelta(seconds=3))
    # The first extraction of a process loads trafilatura (seconds on a busy machine): done
    # before, so each entry of the refresh takes about its page's delay.
    from akhbar.ingest.extract.article import extract_article

    extract_article(page("Échauffement").encode(), url="https://example.org/a")
    monkeypatch.setattr(services, "HEARTBEAT_EVERY", 0.1)
    with FixturePress() as press:
        items = [item(f"Lent {i}", link=press.url(f"/slow/{i}.html"), date=dated(i))
                 for i in range(12)]
        press.route("/slow.xml", rss(items), content_type="application/rss+xml")
        press.route_prefix("/slow/", handler=article_handler, delay=0.5)
        feed = add_source(press, "slow", "/slow.xml")
        results: list[str] = []

        def first_worker() -> None:
            try:
                with make_fetcher() as fetcher:
                    results.append(refresh_feed(feed.pk, fetcher=fetcher).status)
            finally:
                connections.close_all()

        worker = threading.Thread(target=first_worker)
        worker.start()
        others: list[str] = []
        with make_fetcher() as fetcher:
            time.sleep(0.3)
            while worker.is_alive():
                # Only while due, as a queued task would: once the first refresh has ended
                # (its lease given back a moment before its thread does), the feed is no
                # longer due, and a call in that moment says "not_due", not "ok".
                others.append(refresh_feed(feed.pk, fetcher=fetcher, only_if_due=True).status)
                time.sleep(0.2)
        worker.join()
    assert results == ["ok"]
    assert others.count("busy") >= 5 and set(others) <= {"busy", "not_due"}
    pages = [r.path for r in press.requests if r.path.startswith("/slow/")]
    assert len(pages) == len(set(pages)) == 12  # no page fetched twice
    feed.refresh_from_db()
    assert feed.lease_owner == "" and feed.lease_until is None


def test_a_task_queued_twice_for_one_poll_runs_once():
    with FixturePress() as press:
        press.route("/a.xml", rss([item("Une nouvelle", link=press.url("/a/1.html"), date=dated(0))]),
                    content_type="application/rss+xml")
        press.route("/a/1.html", page("Une nouvelle"))
        feed = add_source(press, "alpha", "/a.xml")
        with make_fetcher() as fetcher:
            first = refresh_feed(feed.pk, fetcher=fetcher, only_if_due=True)
            second = refresh_feed(feed.pk, fetcher=fetcher, only_if_due=True)
    assert (first.status, second.status) == ("ok", "not_due")
    assert len(press.requests_for("/a.xml")) == 1


def test_scheduler_never_requeues_a_feed_whose_refresh_is_alive_and_frees_a_dead_ones():
    with FixturePress() as press:
        live = add_source(press, "live", "/live.xml")
        dead = add_source(press, "dead", "/dead.xml")
    now = timezone.now()
    long_ago = now - timedelta(hours=2)  # queued long before: past the queue lease
    Feed.objects.filter(pk=live.pk).update(next_poll_at=long_ago, enqueued_at=long_ago,
                                           lease_owner="elsewhere:1:x",
                                           lease_until=now + timedelta(minutes=3))
    Feed.objects.filter(pk=dead.pk).update(next_poll_at=long_ago, enqueued_at=long_ago,
                                           lease_owner="elsewhere:1:y",
                                           lease_until=now - timedelta(seconds=1))
    picked = {f.pk for f in due_feeds(now)}
    assert live.pk not in picked and dead.pk in picked
