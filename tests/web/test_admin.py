"""The operator's view: feed health in the admin, translated, and "refresh now"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from akhbar.news.models import Article
from akhbar.sources.models import Feed, Source
from tests.press import FixturePress
from tests.web.press_site import FR_ARTICLES, article_page, rss

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_client(client):
    user = User.objects.create_superuser("ops", "ops@example.org", "pw")
    client.force_login(user)
    return client


def test_failing_feed_shows_its_error_translated(staff_client):
    source = Source.objects.create(slug="tsa", name="TSA", homepage="https://tsa.example/",
                                   languages=["fr"], country="DZ")
    Feed.objects.create(source=source, url="https://tsa.example/feed", error_kind="timeout",
                        error_count=3)
    Feed.objects.create(source=source, url="https://tsa.example/feed2", error_kind="http_503")
    html = staff_client.get("/admin/sources/feed/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "le serveur n&#x27;a pas répondu à temps" in html
    assert "[timeout]" in html and "HTTP 503" in html
    en = staff_client.get("/admin/sources/feed/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the server did not answer in time" in en


def test_refresh_now_goes_through_the_ingestion_path(staff_client):
    with FixturePress() as press:
        a = FR_ARTICLES[0]
        press.route("/feed.xml", rss([{"title": a["title"], "link": press.url("/a.html"),
                                       "date": a["date"], "summary": a["paras"][0]}],
                                     title="T", link=press.url("/"), lang="fr"),
                    content_type="application/rss+xml")
        press.route("/a.html", article_page(a["title"], a["paras"], lang="fr", iso=a["iso"]),
                    content_type="text/html")
        source = Source.objects.create(slug="t", name="T", homepage=press.url("/"),
                                       languages=["fr"], country="MA")
        feed = Feed.objects.create(source=source, url=press.url("/feed.xml"))
        resp = staff_client.post("/admin/sources/feed/", {
            "action": "refresh_now", "_selected_action": [feed.pk]}, follow=True)
    assert resp.status_code == 200
    assert Article.objects.filter(source=source, title=a["title"]).exists()
    assert Feed.objects.get(pk=feed.pk).last_success_at is not None


def test_staff_can_hide_an_article_and_it_leaves_the_cached_home(staff_client):
    from django.test import Client

    from tests.web.factories import make_article, make_source

    client = Client()  # an anonymous reader
    article = make_article(make_source(), title="Article à retirer")
    assert "Article à retirer" in client.get("/fr/").content.decode()
    staff_client.post("/admin/news/article/", {"action": "hide", "_selected_action": [article.pk]})
    assert Article.objects.get(pk=article.pk).hidden
    assert "Article à retirer" not in client.get("/fr/").content.decode()
    staff_client.post("/admin/news/article/", {"action": "unhide", "_selected_action": [article.pk]})
    assert "Article à retirer" in client.get("/fr/").content.decode()


def test_source_list_shows_health_and_articles_per_day(staff_client):
    from tests.web.factories import make_article, make_source

    ok = make_source("ok-src", "Source saine")
    Feed.objects.create(source=ok, url="https://ok.example/feed")
    make_article(ok)
    bad = make_source("bad-src", "Source en panne")
    Feed.objects.create(source=bad, url="https://bad.example/feed", error_kind="http_500")
    Feed.objects.create(source=bad, url="https://bad.example/feed2")
    html = staff_client.get("/admin/sources/source/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 2 feeds failing" in html
    row = next(r for r in html.split("<tr") if "Source saine" in r)
    assert 'class="field-articles_24h">1<' in row  # one article in the last 24 hours
