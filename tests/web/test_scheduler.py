"""Scheduling: due feeds, per-host caps, adaptive intervals, and tasks through the DEP-14 API."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from akhbar.news.models import Article
from akhbar.pipeline.scheduler import LEASE, PER_HOST_PER_TICK, due_feeds, enqueue_due_feeds
from akhbar.sources.models import Feed, Source
from tests.press import FixturePress
from tests.web.press_site import build_site

pytestmark = pytest.mark.django_db(transaction=True)


def make_feeds(host: str, n: int, source: Source | None = None, **kw) -> list[Feed]:
    source = source or Source.objects.create(slug=host.replace(".", "-"), name=host,
                                             homepage=f"https://{host}/", languages=["fr"],
                                             country="MA")
    return [Feed.objects.create(source=source, url=f"https://{host}/feed{i}.xml", **kw)
            for i in range(n)]


def test_due_feeds_respects_schedule_pause_lease_and_host_cap():
    now = timezone.now()
    busy = make_feeds("busy.example", 5, next_poll_at=now - timedelta(minutes=1))
    later = make_feeds("later.example", 1, next_poll_at=now + timedelta(minutes=5))
    paused = make_feeds("paused.example", 1, next_poll_at=now - timedelta(minutes=1))
    paused[0].source.paused = True
    paused[0].source.save()
    inflight = make_feeds("inflight.example", 2, next_poll_at=now - timedelta(minutes=1),
                          enqueued_at=now - timedelta(minutes=1))
    inflight[1].enqueued_at = now - LEASE - timedelta(minutes=1)  # lost task: due again
    inflight[1].save()
    picked = {f.pk for f in due_feeds(now)}
    assert len(picked & {f.pk for f in busy}) == PER_HOST_PER_TICK
    assert later[0].pk not in picked and paused[0].pk not in picked
    assert inflight[0].pk not in picked and inflight[1].pk in picked


@pytest.fixture
def site(tmp_path):
    with FixturePress() as press:
        site = build_site(press, tmp_path)
        call_command("sources", "import", site.registry, stdout=io.StringIO())
        yield site


def test_enqueue_runs_refresh_tasks_and_schedules_next_poll(site):
    # The test settings use the immediate backend: each enqueued task runs at once.
    Feed.objects.exclude(url=site.feeds["fr"]).update(active=False)
    before = timezone.now()
    assert enqueue_due_feeds() == 1
    feed = Feed.objects.get(url=site.feeds["fr"])
    assert Article.objects.filter(source=feed.source).count() == 2
    assert feed.enqueued_at is None and feed.last_success_at is not None
    # New articles arrived: the feed is polled sooner than the default, and within 15 minutes.
    assert feed.next_poll_at - before <= timedelta(minutes=15)
    assert timedelta(minutes=5) <= timedelta(seconds=feed.poll_interval) <= timedelta(minutes=10)
    assert enqueue_due_feeds() == 0  # nothing is due any more


def test_a_new_feed_follows_the_configured_poll_interval(site, settings):
    # AKHBAR_POLL_INTERVAL_SECONDS / AKHBAR_POLL_MIN_SECONDS: a feed that brought news on its
    # first fetch is polled again after half the configured interval (floored at the minimum),
    # not after half the column's own default of 600 s.
    import dataclasses

    from akhbar.pipeline.fetching import make_fetcher
    from akhbar.pipeline.refresh import refresh_feed

    settings.CONFIG = dataclasses.replace(settings.CONFIG, poll_min=10, poll_interval=40)
    feed = Feed.objects.get(url=site.feeds["fr"])
    with make_fetcher() as fetcher:
        refresh_feed(feed.pk, fetcher=fetcher)
    assert Feed.objects.get(pk=feed.pk).poll_interval == 20


def test_unchanged_feed_is_polled_less_often_but_within_15_minutes_while_live(site):
    from akhbar.pipeline.fetching import make_fetcher
    from akhbar.pipeline.refresh import refresh_feed

    feed = Feed.objects.get(url=site.feeds["fr"])
    with make_fetcher() as fetcher:
        refresh_feed(feed.pk, fetcher=fetcher)
        intervals = []
        for _ in range(4):
            refresh_feed(feed.pk, fetcher=fetcher)  # 304 each time
            intervals.append(Feed.objects.get(pk=feed.pk).poll_interval)
    assert intervals == sorted(intervals) and intervals[0] < intervals[-1]
    assert intervals[-1] == 15 * 60  # capped while the feed had news in the last 24 hours
    # A dormant feed (no news for days) may slow down to the configured maximum.
    Feed.objects.filter(pk=feed.pk).update(last_new_at=timezone.now() - timedelta(days=3))
    with make_fetcher() as fetcher:
        for _ in range(6):
            refresh_feed(feed.pk, fetcher=fetcher)
    assert Feed.objects.get(pk=feed.pk).poll_interval == 60 * 60


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "ingest"]}}


def test_database_backend_worker_runs_enqueued_refreshes(site):
    from django_tasks_db.models import DBTaskResult

    Feed.objects.exclude(url__in=[site.feeds["fr"], site.feeds["en"]]).update(active=False)
    # The settings signal makes django-tasks rebuild its backends for the override.
    with override_settings(TASKS=DB_TASKS):
        assert enqueue_due_feeds() == 2
        assert DBTaskResult.objects.count() == 2 and Article.objects.count() == 0
        call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay",
                     "--no-reload", verbosity=0, stdout=io.StringIO())
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert Article.objects.count() == 3


def test_feedless_source_gets_its_feed_discovered_then_polled(tmp_path):
    from akhbar.pipeline.scheduler import enqueue_discovery
    from tests.web.press_site import rss

    with FixturePress() as press:
        press.route("/", """<html><head><title>El Watan Test</title>
<link rel="alternate" type="application/rss+xml" title="À la une" href="/rss/une.xml">
</head><body><p>Accueil</p></body></html>""", content_type="text/html")
        press.route("/rss/une.xml", rss([], title="El Watan Test", link=press.url("/"), lang="fr"),
                    content_type="application/rss+xml")
        source = Source.objects.create(slug="elwatan-test", name="El Watan Test",
                                       homepage=press.url("/"), languages=["fr"], country="DZ",
                                       timezone="Africa/Algiers")
        assert enqueue_discovery() == 1
        feed = Feed.objects.get(source=source)
        assert feed.url == press.url("/rss/une.xml") and feed.discovered
        assert enqueue_discovery() == 0  # it has a feed now
        assert enqueue_due_feeds() == 1
        assert Feed.objects.get(pk=feed.pk).last_status == 200
