"""What the home and article pages show, built with fewer queries and no reverse() per link
(issue 12, cheaper renders: bench/render.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from akhbar.news import queries
from akhbar.news.models import Article
from akhbar.news.templatetags.akhbar_links import article_path, source_path
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def test_section_fronts_latest_originals_of_the_edition_in_one_statement():
    fr, ar = make_source("lematin", "Le Matin"), make_source("assabah", "Assabah", languages=("ar",))
    base = datetime(2021, 3, 1, 12, 0, tzinfo=UTC)
    made = {}
    for i in range(6):  # six sports articles, newest first by i; two at the same instant
        made[i] = make_article(fr, title=f"Sport {i}",
                               published=base - timedelta(hours=i if i != 5 else 4))
    hidden = make_article(fr, title="Caché", published=base + timedelta(hours=1))
    copy = make_article(fr, title="Reprise", published=base + timedelta(hours=2))
    other = make_article(ar, title="رياضة", language="ar", published=base + timedelta(hours=3))
    culture = make_article(fr, title="Culture 0", published=base - timedelta(days=9))
    Article.objects.filter(title__startswith="Sport").update(section="sports")
    Article.objects.filter(pk__in=[hidden.pk, copy.pk, other.pk]).update(section="sports")
    Article.objects.filter(pk=hidden.pk).update(hidden=True)
    Article.objects.filter(pk=copy.pk).update(copy_of=made[0])
    Article.objects.filter(pk=culture.pk).update(section="culture")

    with CaptureQueriesContext(connection) as ctx:
        fronts = queries.section_fronts("fr")
    # Menu order, only sections with articles; four each, newest first, ties by the higher id
    # (the index order); no hidden article, no copy, no other edition's outlet.
    assert [(key, [a.title for a in items]) for key, _label, items in fronts] == [
        ("sports", ["Sport 0", "Sport 1", "Sport 2", "Sport 3"]),
        ("culture", ["Culture 0"]),
    ]
    assert [a.source.name for a in fronts[0][2]] == ["Le Matin"] * 4
    # The edition's outlets, the fronts' ids (all sections in one statement), their articles,
    # their outlets: a constant, not one query or two per section.
    assert len(ctx.captured_queries) == 4, [q["sql"][:80] for q in ctx.captured_queries]
    assert ctx.captured_queries[1]["sql"].count("UNION ALL") == len(queries.SECTIONS) - 1
    # Sport 4 and Sport 5 at the same instant: the later id first, as the index gives them.
    Article.objects.filter(pk=made[3].pk).update(published=base - timedelta(hours=10))
    assert [a.title for a in queries.section_fronts("fr")[0][2]] == [
        "Sport 0", "Sport 1", "Sport 2", "Sport 5"]
    assert [(key, [a.title for a in items]) for key, _label, items
            in queries.section_fronts("ar")] == [("sports", ["رياضة"])]
    assert queries.section_fronts("fr", source_ids=[]) == []


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_article_and_outlet_paths_are_those_reverse_gives(lang):
    with translation.override(lang):
        for pk in (1, 42, 10**12):
            assert article_path(pk) == reverse("article", args=[pk])
        for slug in ("lematin", "le-360", "al_3omk"):
            assert source_path(slug) == reverse("source", args=[slug])
        with override_settings(FORCE_SCRIPT_NAME="/sous/"):
            from django.urls import set_script_prefix

            set_script_prefix("/sous/")
            try:
                assert article_path(7) == reverse("article", args=[7]) == f"/sous/{lang}/articles/7/"
            finally:
                set_script_prefix("/")
    # Not a key or a slug: as the {% url %} tag, reverse() refuses it.
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        source_path("pas un slug")
    with pytest.raises(NoReverseMatch):
        article_path(-3)


def _archive(stories: int) -> list[Article]:
    """Articles with pictures, in sections and in stories two outlets cover, one a copy."""
    from akhbar.news.models import Image, Story

    a_src, b_src = make_source("lematin", "Le Matin"), make_source("telquel", "TelQuel")
    now = datetime(2021, 5, 1, 12, 0, tzinfo=UTC)
    made = []
    for i in range(stories):
        story = Story.objects.create(key=f"k{i}", title=f"Histoire {i}", outlet_count=2,
                                     last_published=now - timedelta(hours=i))
        for source in (a_src, b_src):
            a = make_article(source, title=f"Histoire {i} ({source.slug})",
                             published=now - timedelta(hours=i, minutes=len(made)),
                             image_url=f"https://{source.slug}.example/{i}.jpg")
            Image.objects.filter(pk=a.image_id).update(local_path=f"images/{a.pk}", widths=[320],
                                                       width=640, height=400)
            Article.objects.filter(pk=a.pk).update(story=story, section=("sports", "tech")[i % 2])
            made.append(a)
    Article.objects.filter(pk=made[1].pk).update(copy_of=made[0])
    return made


@pytest.mark.parametrize("stories", [3, 9])
def test_home_and_article_lists_load_no_field_lazily(client, stories):
    made = _archive(stories)
    with CaptureQueriesContext(connection) as home:
        html = client.get("/fr/").content.decode()
    # Pictures on the top stories' cards, and a constant number of queries (no column of a
    # listed article or picture loaded one by one).
    assert html.count('srcset="/images/') >= 2 * min(stories, 7) - 2
    assert "Histoire 0 (lematin)" in html.split('id="front-sports"')[1].split("</section>")[0]
    assert len(home.captured_queries) <= 14, [q["sql"][:90] for q in home.captured_queries]
    with CaptureQueriesContext(connection) as page:
        html = client.get(f"/fr/articles/{made[0].pk}/").content.decode()
    assert 'class="copies"' in html and "TelQuel" in html.split('class="copies"')[1]
    assert 'class="related"' in html and "Histoire 2 (" in html.split('class="related"')[1]
    assert len(page.captured_queries) <= 10, [q["sql"][:90] for q in page.captured_queries]
    # What Django runs to load a deferred column: one column of one row.
    lazy = re.compile(r'SELECT "news_(article|image)"\."id", "news_\1"\."\w+" FROM "news_\1" '
                      r'WHERE "news_\1"\."id" = \d+ LIMIT 21')
    assert [q["sql"] for q in home.captured_queries + page.captured_queries
            if lazy.fullmatch(q["sql"])] == []


@pytest.mark.parametrize("zone", ["Africa/Casablanca", "UTC", "America/Sao_Paulo"])
def test_list_date_filters_write_what_the_date_filter_writes(zone):
    from datetime import date

    from django.template import Context, Template
    from django.utils import timezone

    fast = Template("{% load akhbar_dates %}{{ v|date_iso }}|{{ v|date_short }}|{{ v|date_long }}")
    # date_short gives the year instead of the time for another year than this one.
    this_year = Template("{{ v|date:'c' }}|{{ v|date:\"d/m H:i\" }}|{{ v|date:\"d/m/Y H:i\" }}")
    other_year = Template("{{ v|date:'c' }}|{{ v|date:\"d/m/Y\" }}|{{ v|date:\"d/m/Y H:i\" }}")
    now = timezone.now()
    values = [datetime(2020, 12, 17, 23, 30, tzinfo=UTC), datetime(2021, 3, 28, 1, 59, 59, 7, tzinfo=UTC),
              datetime(2024, 1, 1, 0, 0, tzinfo=UTC), datetime(2019, 6, 5, 8, 4), date(2020, 2, 29),
              datetime(987, 3, 4, 5, 6, tzinfo=UTC), now, now.replace(month=1, day=1, hour=0),
              now.replace(month=12, day=31, hour=23, minute=30),
              None, "", "pas une date"]
    def written(template: Template, v: object) -> str:
        try:
            return template.render(Context({"v": v}))
        except TypeError as exc:  # a date has no hours: both refuse it alike
            return repr(exc)

    with timezone.override(zone):
        for v in values:
            local = (timezone.localtime(v) if isinstance(v, datetime) and timezone.is_aware(v)
                     else v)
            same_year = isinstance(local, datetime) and local.year == timezone.localdate().year
            django = this_year if same_year or not isinstance(v, datetime) else other_year
            assert written(fast, v) == written(django, v), v


def test_story_coverage_newest_article_of_each_other_outlet_without_building_them_all():
    from akhbar.news.models import Story

    story = Story.objects.create(key="big", title="Grande histoire", outlet_count=11)
    outlets = [make_source(f"media{i}", f"Média {i}") for i in range(11)]
    base = datetime(2022, 2, 1, 12, 0, tzinfo=UTC)
    made = []
    for n in range(60):  # many articles from few outlets, then the other outlets once each
        made.append(make_article(outlets[n % 3], title=f"Suite {n}",
                                 published=base - timedelta(minutes=n)))
    for i in range(3, 11):
        made.append(make_article(outlets[i], title=f"Vue de {i}",
                                 published=base - timedelta(hours=2, minutes=i)))
    Article.objects.filter(pk__in=[a.pk for a in made]).update(story=story)
    Article.objects.filter(pk=made[1].pk).update(hidden=True)  # Média 1's newest: not shown
    Article.objects.filter(pk=made[5].pk).update(copy_of=made[0])
    page = Article.objects.get(pk=made[0].pk)  # Média 0's own: its outlet is left out

    with CaptureQueriesContext(connection) as ctx:
        got = queries.story_coverage(page)
    assert [a.title for a in got] == ["Suite 2", "Suite 4", "Vue de 3", "Vue de 4", "Vue de 5",
                                      "Vue de 6", "Vue de 7", "Vue de 8"]
    assert [a.source.name for a in got][:2] == ["Média 2", "Média 1"]
    # The sixteen newest built, the others read as (id, outlet) pairs, then the six chosen
    # among them built: not sixty articles.
    assert len(ctx.captured_queries) == 3
    assert "LIMIT 16" in ctx.captured_queries[0]["sql"]
    assert '"news_article"."title"' not in ctx.captured_queries[1]["sql"]
    assert queries.story_coverage(page, limit=3)[-1].title == "Vue de 3"
    assert [a.title for a in queries.story_coverage(page, limit=2)] == ["Suite 2", "Suite 4"]
    # A small story: one query.
    Article.objects.filter(title__startswith="Suite").exclude(pk=page.pk).update(story=None)
    with CaptureQueriesContext(connection) as ctx:
        small = queries.story_coverage(page)
    assert [a.title for a in small] == [f"Vue de {i}" for i in range(3, 11)]
    assert len(ctx.captured_queries) == 1
    alone = make_article(outlets[0], title="Seule")
    assert queries.story_coverage(alone) == []


def test_top_story_leads_chosen_from_plain_rows_then_built_alone():
    from akhbar.news.models import Image, Story

    fr, en = make_source("lematin", "Le Matin"), make_source("mwn", "MWN", languages=("en",))
    now = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)
    story = Story.objects.create(key="s", title="Histoire", outlet_count=2, last_published=now)
    other = Story.objects.create(key="t", title="Autre", outlet_count=3, last_published=now)
    made = {}
    for name, source, language, minutes, picture in (
            ("newest", fr, "fr", 0, None), ("pictured", fr, "fr", 5, "visible"),
            ("blocked", fr, "fr", 1, "blocked"), ("english", en, "en", 0, "visible"),
            ("older", fr, "fr", 30, None)):
        a = make_article(source, title=name, language=language, published=now - timedelta(
            minutes=minutes), image_url=f"https://x.example/{name}.jpg" if picture else None)
        if picture:
            Image.objects.filter(pk=a.image_id).update(local_path=f"i/{a.pk}", widths=[320],
                                                       status=picture)
        made[name] = a
    Article.objects.filter(pk__in=[made[n].pk for n in ("newest", "pictured", "blocked",
                                                        "english")]).update(story=story)
    for i in range(40):  # a story of many articles from one outlet: only its lead is built
        a = make_article(en, title=f"Many {i}", language="en", published=now - timedelta(hours=i))
        Article.objects.filter(pk=a.pk).update(story=other)

    with CaptureQueriesContext(connection) as ctx:
        top = queries.top_stories("fr", limit=3)
    # The most covered story first; its lead: the edition's language, then a picture shown (a
    # blocked one is none), then the newest; a story without a French article leads in English.
    assert [a.title for a in top] == ["Many 0", "pictured", "older"]
    assert top[1].image.display_url
    built = [q["sql"] for q in ctx.captured_queries if '"news_article"."title"' in q["sql"]]
    # Built as articles: the leads by key, then the latest to fill in; the stories' 44 members
    # are read as rows without their titles.
    assert len(built) == 2 and '"news_article"."id" IN (' in built[0]


def test_ticker_builds_only_the_headlines_it_picks():
    from akhbar.news import reader

    assert [f.attname for f in Article._meta.concrete_fields
            if f.attname in reader.TICKER_FIELDS] == list(reader.TICKER_FIELDS)
    busy, calm = make_source("busy", "Busy"), make_source("calm", "Calm")
    base = datetime(2022, 4, 1, 12, 0, tzinfo=UTC)
    for i in range(10):
        make_article(busy, title=f"Busy {i}", published=base - timedelta(minutes=i))
    make_article(calm, title="Calm 0", published=base - timedelta(hours=1))
    with CaptureQueriesContext(connection) as ctx:
        picked = reader.ticker_headlines("fr", limit=3, per_outlet=2)
        shown = [(a.title, a.source.name, a.language, a.published, a.pk > 0) for a in picked]
    assert shown == [("Busy 0", "Busy", "fr", base, True),
                     ("Busy 1", "Busy", "fr", base - timedelta(minutes=1), True),
                     ("Calm 0", "Calm", "fr", base - timedelta(hours=1), True)]
    assert len(ctx.captured_queries) == 3  # outlets of the edition, the rows, the picked's outlets
