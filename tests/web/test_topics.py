"""Sections from the model, topic pages and their feeds, "Trending" and "Most read"."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from akhbar.news.models import Article, ArticleTopic, ReadCount, Story
from akhbar.news.topics import record_article_topics, trending_topics
from akhbar.pipeline.stories import assign_stories
from akhbar.web.cache import pages_changed
from tests.web.factories import make_article, make_source

BROWSER = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Safari/537.36")


@pytest.mark.django_db
def test_the_pipeline_gives_a_model_section_when_rules_are_silent_and_records_topics(client):
    now = timezone.now()
    source = make_source("lematin", "Le Matin")
    derby = make_article(source, title="Le Raja bat le Wydad 2-1 dans le derby de Casablanca",
                         text="Le Raja s'est imposé dimanche soir face au Wydad au stade "
                              "Mohammed V, devant 45 000 spectateurs.",
                         published=now - timedelta(hours=2))
    # The rules said economy: the model, which would say sports, never overrides them.
    ruled = make_article(source, title="Le Wydad inaugure un centre de formation à Casablanca",
                         text="Le club a investi 80 millions de dirhams.",
                         published=now - timedelta(days=6))
    Article.objects.filter(pk=ruled.pk).update(section="economy", section_source="rules")
    assert assign_stories() == 2
    derby.refresh_from_db()
    ruled.refresh_from_db()
    assert (derby.section, derby.section_source) == ("sports", "model")
    assert (ruled.section, ruled.section_source) == ("economy", "rules")
    assert set(ArticleTopic.objects.filter(article=derby).values_list("topic", flat=True)) >= {
        "raja", "wydad", "casablanca"}
    items = {i["id"]: i for i in json.loads(client.get("/api/v1/articles")
                                            .content)["items"]}
    assert (items[derby.pk]["section"], items[derby.pk]["section_source"]) == ("sports", "model")
    assert items[ruled.pk]["section_source"] == "rules"
    assert "Le Raja bat le Wydad" in client.get("/fr/sections/sports/").content.decode()

    # Topic pages: the stories naming it, newest first, linked from article and story pages.
    assert derby.story_id != ruled.story_id
    page = client.get("/fr/topics/wydad/").content.decode()
    assert page.index("Le Raja bat le Wydad") < page.index("Le Wydad inaugure")
    assert 'href="/fr/topics/wydad/feed.rss"' in page
    topic = client.get("/fr/topics/raja/").content.decode()
    # The headline ticker above <main> lists every outlet's latest; the topic is in <main>.
    assert "Le Wydad inaugure" not in topic.split("<main>", 1)[1]
    assert 'href="/fr/topics/raja/"' in client.get(f"/fr/articles/{derby.pk}/").content.decode()
    story_page = client.get(f"/fr/stories/{derby.story_id}/").content.decode()
    assert 'href="/fr/topics/casablanca/"' in story_page
    feed = ET.fromstring(client.get("/fr/topics/wydad/feed.rss").content)
    titles = [t.text for t in feed.iter("title")]
    assert "Le Raja bat le Wydad 2-1 dans le derby de Casablanca" in titles
    assert client.get("/fr/topics/atlantide/").status_code == 404
    assert client.get("/fr/topics/al-hoceima/").status_code == 200  # known, no story yet
    # The Arabic edition names the topic in Arabic; a French outlet's story is not in it.
    arabic = client.get("/ar/topics/raja/").content.decode()
    assert "<h1 dir=\"auto\">الرجاء</h1>" in arabic and "Le Raja bat" not in arabic


def _story_naming(source, topic: str, title: str, when) -> Article:
    story = Story.objects.create(key=f"k{Story.objects.count()}-{title[:20]}", title=title,
                                 last_published=when, outlet_count=1)
    article = make_article(source, title=title, published=when)
    Article.objects.filter(pk=article.pk).update(story=story)
    ArticleTopic.objects.create(article=article, topic=topic, published=when)
    return article


@pytest.mark.django_db
def test_trending_ranks_topics_by_new_stories_against_their_usual_rate(client):
    now = timezone.now()
    source = make_source("lematin", "Le Matin")
    for i in range(3):  # Regragui: three stories today, none before
        _story_naming(source, "regragui", f"Regragui annonce sa liste {i}",
                      now - timedelta(hours=i + 1))
    for i in range(4):  # Morocco: four today, but about two a day usually
        _story_naming(source, "maroc", f"Le Maroc aujourd'hui {i}", now - timedelta(hours=i + 1))
    for day in range(1, 15):
        for i in range(2):
            _story_naming(source, "maroc", f"Le Maroc jour {day} {i}", now - timedelta(days=day,
                                                                                   hours=i + 1))
    _story_naming(source, "fmi", "Le FMI publie ses prévisions", now - timedelta(hours=3))
    trends = trending_topics("fr", now=now)
    assert [t.topic.key for t in trends] == ["regragui", "maroc"]  # one story is not a trend
    assert trends[0].recent == 3 and trends[1].usual == pytest.approx(2.0)
    assert trending_topics("ar", now=now) == []  # a French outlet is not in the Arabic edition
    home = client.get("/fr/").content.decode()
    assert "Tendances" in home
    assert home.index('href="/fr/topics/regragui/"') < home.index('href="/fr/topics/maroc/"')


@pytest.mark.django_db
def test_clicks_on_the_source_link_are_counted_per_hour_without_cookies(client):
    source = make_source("lematin", "Le Matin")
    read = make_article(source, title="Article très lu", url="https://lematin.example/lu.html",
                        published=timezone.now() - timedelta(hours=1))
    other = make_article(source, title="Article moins lu", published=timezone.now())
    page = client.get(f"/fr/articles/{read.pk}/").content.decode()
    # A plain link to the source (it works without script), which pings the counter.
    assert (f'<a href="https://lematin.example/lu.html" rel="noopener" target="_blank" '
            f'ping="/read/{read.pk}" data-read="/read/{read.pk}">') in page
    for _ in range(3):
        response = client.post(f"/read/{read.pk}", "PING", content_type="text/ping",
                               HTTP_USER_AGENT=BROWSER, HTTP_SEC_FETCH_SITE="same-origin")
        assert response.status_code == 204 and not response.cookies
    client.post(f"/read/{other.pk}", HTTP_USER_AGENT=BROWSER)
    # Not counted: robots, requests from other sites, unknown articles; GET is refused.
    client.post(f"/read/{other.pk}", HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot)")
    client.post(f"/read/{other.pk}", HTTP_USER_AGENT="")
    client.post(f"/read/{other.pk}", HTTP_USER_AGENT=BROWSER, HTTP_SEC_FETCH_SITE="cross-site")
    assert client.post("/read/999999", HTTP_USER_AGENT=BROWSER).status_code == 204
    assert client.get(f"/read/{read.pk}").status_code == 405
    counts = dict(ReadCount.objects.values_list("article_id", "count"))
    assert counts == {read.pk: 3, other.pk: 1}
    assert ReadCount.objects.get(article=read).hour.minute == 0
    home = client.get("/fr/").content.decode()
    block = home[home.index("Les plus lus"):]
    assert block.index("Article très lu") < block.index("Article moins lu")


@pytest.mark.django_db
def test_a_new_story_naming_a_topic_drops_that_topic_page_only(client):
    source = make_source("lematin", "Le Matin")
    now = timezone.now()
    _story_naming(source, "raja", "Le Raja en finale", now - timedelta(hours=3))
    _story_naming(source, "tebboune", "Tebboune reçoit un émissaire", now - timedelta(hours=3))
    for path in ("/fr/topics/raja/", "/fr/topics/tebboune/"):
        client.get(path)
        assert client.get(path)["X-Akhbar-Cache"] == "hit"
    # As the pipeline does: topics recorded with the features, then the story placement says
    # which articles changed.
    new = make_article(source, title="Le Raja recrute un attaquant", published=now)
    assert record_article_topics(new) == {"raja"}
    story = Story.objects.create(key="new", title=new.title, last_published=now)
    Article.objects.filter(pk=new.pk).update(story=story)
    pages_changed(stories=[story.pk], articles=[new.pk])
    assert "Le Raja recrute un attaquant" in client.get("/fr/topics/raja/").content.decode()
    assert client.get("/fr/topics/tebboune/")["X-Akhbar-Cache"] == "hit"


@pytest.mark.django_db
def test_annotate_backfills_articles_stored_before_topics(client):
    source = make_source("lematin", "Le Matin")
    old = make_article(source, title="Tebboune reçoit le ministre tunisien des Affaires "
                                     "étrangères", published=timezone.now() - timedelta(days=2))
    # Features as stored by an earlier release (any vector: the model is not asked here, the
    # article has its rules section).
    Article.objects.filter(pk=old.pk).update(cluster_features={"anchors": []}, section="politics")
    out = io.StringIO()
    call_command("annotate", "--days", "7", stdout=out)
    assert out.getvalue().strip() == "annotated 1 articles"
    assert set(ArticleTopic.objects.filter(article=old).values_list("topic", flat=True)) == {
        "tebboune", "tunisie"}
    call_command("annotate", stdout=io.StringIO())  # idempotent
    assert ArticleTopic.objects.filter(article=old).count() == 2
