"""Topic pages are paginated like the other listings; clicks on source links are rate-limited
per client network."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from akhbar.news import reads
from akhbar.news.models import Article, ArticleTopic, ReadBudget, ReadCount, Story
from tests.web.factories import make_article, make_source

BROWSER = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Safari/537.36")


def _main(html: str) -> str:
    """The page's <main> (the headline ticker above it lists every outlet's latest)."""
    return html.split("<main>", 1)[1]


@pytest.mark.django_db
def test_topic_pages_are_paginated_newest_story_first(client):
    source = make_source("lematin", "Le Matin")
    now = timezone.now()
    for n in range(33):  # story 0 is the newest
        when = now - timedelta(hours=n)
        story = Story.objects.create(key=f"k{n}", title=f"Wydad {n}", last_published=when,
                                     outlet_count=1)
        article = make_article(source, title=f"Le Wydad, épisode {n:02d}", published=when)
        Article.objects.filter(pk=article.pk).update(story=story)
        ArticleTopic.objects.create(article=article, topic="wydad", published=when)
    # A story named twice is listed once, at its latest mention: story 32 comes first.
    late = make_article(source, title="Le Wydad, épisode 32 (suite)", published=now)
    Article.objects.filter(pk=late.pk).update(story=Story.objects.get(key="k32"))
    ArticleTopic.objects.create(article=late, topic="wydad", published=now + timedelta(minutes=1))

    first = _main(client.get("/fr/topics/wydad/").content.decode())
    assert first.count('class="title"') == 30
    assert first.index("épisode 32 (suite)") < first.index("épisode 00") < first.index("épisode 28")
    assert "épisode 29" not in first and "épisode 31" not in first
    assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first
    second = _main(client.get("/fr/topics/wydad/?page=2").content.decode())
    assert second.count('class="title"') == 3
    assert second.index("épisode 29") < second.index("épisode 30") < second.index("épisode 31")
    assert "épisode 00" not in second and "épisode 32" not in second
    assert 'rel="prev" href="?page=1"' in second and 'rel="next"' not in second
    # Pages are cached by their number; a bad number gives the first page, a large one the last.
    assert client.get("/fr/topics/wydad/?page=2")["X-Akhbar-Cache"] == "hit"
    assert "épisode 00" in _main(client.get("/fr/topics/wydad/?page=x").content.decode())
    assert "épisode 31" in _main(client.get("/fr/topics/wydad/?page=9").content.decode())


@pytest.mark.django_db
def test_clicks_beyond_a_client_networks_hourly_limits_are_not_counted(client, monkeypatch):
    source = make_source("lematin", "Le Matin")
    articles = [make_article(source, title=f"Article {n}", published=timezone.now())
                for n in range(4)]

    def click(article, addr):
        response = client.post(f"/read/{article.pk}", HTTP_USER_AGENT=BROWSER,
                               REMOTE_ADDR=addr)
        assert response.status_code == 204 and not response.cookies

    def counts():
        return dict(ReadCount.objects.values_list("article_id", "count"))

    first, second, third, fourth = articles
    for _ in range(reads.READS_PER_ARTICLE + 4):
        click(first, "198.51.100.7")
    assert counts() == {first.pk: reads.READS_PER_ARTICLE}
    # Another address of the same /24 is the same client network; another network counts.
    click(first, "198.51.100.8")
    click(first, "203.0.113.5")
    assert counts() == {first.pk: reads.READS_PER_ARTICLE + 1}
    # All articles together: READS_PER_CLIENT per network and hour (lowered here to see it).
    monkeypatch.setattr(reads, "READS_PER_CLIENT", reads.READS_PER_ARTICLE + 3)
    for article in (second, third, fourth):
        click(article, "192.0.2.10")
        click(article, "192.0.2.10")
    assert counts() == {first.pk: reads.READS_PER_ARTICLE + 1, second.pk: 2, third.pk: 2,
                        fourth.pk: 2}
    # ...but the first network's budget counted its 7 clicks: a 4th article's click is refused
    # even though that article got none from it.
    click(second, "198.51.100.7")
    assert counts()[second.pk] == 2


@pytest.mark.django_db
def test_the_rate_limit_keeps_no_address_and_starts_over_every_hour():
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for _ in range(reads.READS_PER_ARTICLE):
        assert reads.within_rate("198.51.100.0", 7, hour + timedelta(minutes=5))
    assert not reads.within_rate("198.51.100.0", 7, hour + timedelta(minutes=50))
    # Another article of the same network still has its budget; the network's total counted.
    assert reads.within_rate("198.51.100.0", 8, hour + timedelta(minutes=51))
    assert dict(ReadBudget.objects.filter(hour=hour).values_list("article_id", "count")) == {
        0: reads.READS_PER_ARTICLE + 2, 7: reads.READS_PER_ARTICLE, 8: 1}
    assert reads.within_rate("198.51.100.0", 7, hour + timedelta(hours=1, minutes=1))
    clients = set(ReadBudget.objects.values_list("client", flat=True))
    # One hashed client per hour: nothing reads back into the address, nor links the hours.
    assert len(clients) == 2 and not any("198.51.100" in c for c in clients)
    # The hourly upkeep deletes the budgets of past hours and keeps the current hour's.
    reads.prune_read_counts(now=hour + timedelta(hours=1, minutes=30))
    assert set(ReadBudget.objects.values_list("hour", flat=True)) == {hour + timedelta(hours=1)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_never_overspend_a_budget():
    """Eight web threads clicking at once for one network and article: exactly the budget
    is granted. (On SQLite the test database is shared in memory, where concurrent writers
    fail instead of waiting; separate processes on a database file are in
    tests/scale/test_shared_limits.py.)"""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor == "sqlite":
        pytest.skip("threads on the in-memory SQLite test database: see test_shared_limits")
    when = timezone.now()
    # Several bursts: the rows are created under contention each time (the race is there).
    for burst in range(6):
        network, start = f"203.0.113.{burst}", threading.Barrier(8)

        def clicks(_: int, network: str = network, start: threading.Barrier = start) -> list[bool]:
            try:
                start.wait()
                return [reads.within_rate(network, 11, when) for _ in range(3)]
            finally:
                connections.close_all()

        with ThreadPoolExecutor(8) as pool:
            granted = [ok for batch in pool.map(clicks, range(8)) for ok in batch]
        assert granted.count(True) == reads.READS_PER_ARTICLE, burst
    # Every click counted towards its network's total (24 each), none lost to the race that
    # creates the row; each article budget exactly spent.
    assert sorted(ReadBudget.objects.filter(article_id=0).values_list("count", flat=True)) == [24] * 6
    assert sorted(ReadBudget.objects.filter(article_id=11).values_list("count", flat=True)) == (
        [reads.READS_PER_ARTICLE] * 6)
