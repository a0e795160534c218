"""Pages that must not cost more as the archive grows (issue 14, bench/scale.py): an outlet's
list of days and the paginated lists (outlet, section, author) read a bounded number of rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from akhbar.news import queries, reads
from akhbar.news.models import Article, ReadCount, Story
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def test_archive_days_lists_the_latest_days_one_seek_each():
    source = make_source("lakome", "Lakome")
    other = make_source("yabiladi", "Yabiladi")
    base = datetime(2021, 3, 1, 10, 0, tzinfo=UTC)
    for d in range(20):  # 20 days, three articles on each, one other outlet's on each
        for h in range(3):
            make_article(source, title=f"Jour {d} n°{h}", published=base + timedelta(days=d, hours=h))
        make_article(other, published=base + timedelta(days=d, hours=5))
    # The latest day's only article hidden: that day is not listed.
    make_article(source, published=base + timedelta(days=25))
    Article.objects.filter(published=base + timedelta(days=25)).update(hidden=True)

    with CaptureQueriesContext(connection) as ctx:
        days = queries.archive_days(source, limit=14)
    assert days == [date(2021, 3, 20) - timedelta(days=i) for i in range(14)]
    # One query per day, each a LIMIT 1 seek on the outlet's date index: no DISTINCT or
    # GROUP BY over the outlet's whole archive.
    assert len(ctx.captured_queries) == 14
    for query in ctx.captured_queries:
        sql = query["sql"].upper()
        assert "DISTINCT" not in sql and "GROUP BY" not in sql and "LIMIT 1" in sql

    assert queries.archive_days(source, limit=50)[-1] == date(2021, 3, 1)
    assert len(queries.archive_days(source, limit=50)) == 20
    assert queries.archive_days(make_source("vide", "Vide")) == []


def test_archive_days_follow_the_display_time_zone():
    source = make_source("tsa", "TSA", country="DZ")
    # 23:30 UTC on 16/12 is 00:30 on 17/12 in Africa/Casablanca; 22:30 UTC is still the 16th.
    make_article(source, published=datetime(2020, 12, 16, 23, 30, tzinfo=UTC))
    make_article(source, published=datetime(2020, 12, 16, 22, 30, tzinfo=UTC))
    make_article(source, published=datetime(2020, 12, 15, 0, 10, tzinfo=UTC))
    assert queries.archive_days(source) == [date(2020, 12, 17), date(2020, 12, 16),
                                            date(2020, 12, 15)]


def test_bounded_paginator_counts_at_most_its_pages():
    source = make_source("hespress", "Hespress")
    for i in range(10):
        make_article(source, published=datetime(2021, 1, 1, tzinfo=UTC) + timedelta(hours=i))
    qs = Article.objects.filter(source=source).order_by("-published", "-id")

    capped = queries.BoundedPaginator(qs, 3, max_pages=2)
    with CaptureQueriesContext(connection) as ctx:
        assert capped.count == 6
    assert "LIMIT 7" in ctx.captured_queries[0]["sql"].upper()
    assert capped.truncated and capped.num_pages == 2 and capped.total_label == "2+"
    # A page past those counted is the last counted, as for any number past the end.
    assert capped.get_page(5).number == 2
    assert [a.pk for a in capped.get_page(2).object_list] == [a.pk for a in qs[3:6]]

    whole = queries.BoundedPaginator(qs, 3, max_pages=4)
    assert whole.count == 10 and not whole.truncated and whole.total_label == "4"
    exact = queries.BoundedPaginator(qs, 5, max_pages=2)
    assert exact.count == 10 and not exact.truncated and exact.total_label == "2"


def test_outlet_page_past_the_pages_counted_leads_to_the_day_archive(client, monkeypatch):
    monkeypatch.setattr(queries, "MAX_PAGES", 2)
    source = make_source("le360", "Le360")
    base = datetime(2021, 5, 10, 9, 0, tzinfo=UTC)
    for i in range(65):  # 60 on the two pages counted, the 61st and older on earlier days
        make_article(source, title=f"Dépêche {i}.", published=base - timedelta(hours=6 * i))
    first = client.get("/fr/sources/le360/").content.decode()
    assert "Page 1 sur 2+" in first and "Plus anciens</a></p>" not in first
    page = client.get("/fr/sources/le360/?page=2").content.decode()
    assert "Dépêche 30." in page and "Dépêche 59." in page and "Dépêche 60." not in page
    assert "Page 2 sur 2+" in page
    # The page's last article, the 60th, was published on 25 April (local time): the day
    # archive from there on has the older ones, with its "previous day" link.
    assert timezone.localtime(base - timedelta(hours=6 * 59)).date() == date(2021, 4, 25)
    assert 'href="/fr/sources/le360/2021/4/25/">Plus anciens</a></p>' in page

    monkeypatch.setattr(queries, "MAX_PAGES", 100)
    page = client.get("/fr/sources/le360/?page=3").content.decode()
    assert "Page 3 sur 3" in page and "Dépêche 64." in page and "Plus anciens</a></p>" not in page


def test_section_page_counts_a_bounded_number_of_rows(client, monkeypatch):
    monkeypatch.setattr(queries, "MAX_PAGES", 2)
    source = make_source("medias24", "Médias24")
    for i in range(61):
        make_article(source, title=f"Économie {i}.",
                     published=datetime(2021, 6, 1, tzinfo=UTC) - timedelta(hours=i))
    Article.objects.update(section="economy")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/fr/sections/economy/").content.decode()
    assert "Économie 0." in page and "Économie 29." in page and "Économie 30." not in page
    assert "Page 1 sur 2+" in page
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()
              and "news_article" in q["sql"]]
    assert counts and all("LIMIT 61" in sql.upper() for sql in counts)


def test_most_read_starts_from_the_window_clicks_not_the_editions_articles():
    fr, ar = make_source("lematin", "Le Matin"), make_source("assabah", "Assabah", languages=("ar",))
    now = datetime(2021, 7, 1, 12, 30, tzinfo=UTC)
    story = Story.objects.create(key="k", title="Histoire", last_published=now)
    a, b = make_article(fr, title="A"), make_article(fr, title="B")
    alone, hidden, other = make_article(fr, title="Seul"), make_article(fr), make_article(ar)
    old = make_article(fr, title="Ancien")
    Article.objects.filter(pk__in=[a.pk, b.pk]).update(story=story)
    Article.objects.filter(pk=hidden.pk).update(hidden=True)
    hour = now.replace(minute=0)
    for article, count in ((a, 2), (b, 4), (alone, 5), (hidden, 50), (other, 50)):
        ReadCount.objects.create(article=article, hour=hour, count=count)
    ReadCount.objects.create(article=a, hour=hour - timedelta(hours=1), count=1)
    ReadCount.objects.create(article=old, hour=hour - timedelta(hours=30), count=99)

    with CaptureQueriesContext(connection) as ctx:
        ranked = reads.most_read("fr", now=now)
    # The story's two articles add up (2 + 1 + 4 = 7), shown as its most clicked one (b);
    # hidden articles, other editions' outlets and clicks older than 24 hours do not count.
    assert [(x.title, n) for x, n in ranked] == [("B", 7), ("Seul", 5)]
    # The clicks are read on their own (by hour), never joined to the edition's articles.
    clicks = [q["sql"] for q in ctx.captured_queries if "news_readcount" in q["sql"]]
    assert len(clicks) == 1 and "JOIN" not in clicks[0].upper()
    if connection.vendor == "sqlite":  # by the hour index, not every row in article order
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + clicks[0])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "read_count_hour" in plan, plan


def test_the_hourly_sweep_drops_read_counters_older_than_a_month():
    from akhbar.pipeline.maintenance import sweep

    article = make_article(make_source("lematin", "Le Matin"), title="Lu")
    now = timezone.now()
    kept = reads.hour_of(now - reads.READS_KEPT + timedelta(hours=1))
    for hour in (reads.hour_of(now), kept, reads.hour_of(now - reads.READS_KEPT - timedelta(hours=1)),
                 reads.hour_of(now - timedelta(days=400))):
        ReadCount.objects.create(article=article, hour=hour, count=3)
    sweep()  # hourly, in akhbar run and akhbar scheduler
    assert sorted(ReadCount.objects.values_list("hour", flat=True)) == [kept, reads.hour_of(now)]
    assert reads.prune_read_counts() == 0  # nothing more to drop


def test_top_stories_walk_the_last_48_hours_not_every_story_covered_twice():
    source, other = make_source("lematin", "Le Matin"), make_source("tel-quel", "TelQuel")
    now = datetime(2021, 8, 1, 12, 0, tzinfo=UTC)
    for i in range(40):  # old stories covered by many outlets: outside the window
        Story.objects.create(key=f"old{i}", title=f"Ancienne {i}", outlet_count=9,
                             last_published=now - timedelta(days=3 + i))
    fresh = []
    for i, outlets in enumerate((2, 3, 1)):
        story = Story.objects.create(key=f"new{i}", title=f"Récente {i}", outlet_count=outlets,
                                     last_published=now - timedelta(hours=i))
        for s in (source, other):
            a = make_article(s, title=f"Récente {i} ({s.slug})", published=now - timedelta(hours=i))
            Article.objects.filter(pk=a.pk).update(story=story)
        fresh.append(story)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as ctx:
        picked = queries.top_stories("fr", limit=3)
    # Most outlets first among the window's stories covered twice or more, then the latest.
    assert [a.story_id for a in picked[:2]] == [fresh[1].pk, fresh[0].pk]
    sql = next(q["sql"] for q in ctx.captured_queries if 'FROM "news_story"' in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "last_published" in plan and "outlet_count" not in plan, plan
        else:
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "news_story_outlet_count" not in plan, plan
