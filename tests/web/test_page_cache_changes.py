"""The page cache under ingestion: a change drops only the pages that show it, a page is
rendered once however many readers miss it, and readers get the previous copy while it renders."""

from __future__ import annotations

import threading
import time
import urllib.request
from datetime import UTC, datetime

import pytest
from django.db import connection

from akhbar.news import views
from akhbar.news.models import Article, Story
from akhbar.web import cache
from akhbar.web.models import PageChange
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db(transaction=True)


def state(client, path: str) -> str:
    return client.get(path)["X-Akhbar-Cache"]


def warm(client, *paths: str) -> None:
    for path in paths:
        client.get(path)
        assert state(client, path) == "hit", path


def test_a_new_article_drops_its_outlet_story_and_fronts_but_not_other_articles(client):
    lematin, h24 = make_source("lematin", "Le Matin"), make_source("h24", "H24")
    story = Story.objects.create(key="s1", title="Le port")
    old = make_article(lematin, title="Ancien titre du Matin")
    Article.objects.filter(pk=old.pk).update(story=story)
    others = [make_article(h24, title=f"Autre article {i}") for i in range(3)]
    pages = {
        "home": "/fr/", "outlet": "/fr/sources/lematin/", "story": f"/fr/stories/{story.pk}/",
        "other_outlet": "/fr/sources/h24/",
        **{f"other_{i}": f"/fr/articles/{a.pk}/" for i, a in enumerate(others)},
    }
    warm(client, *pages.values())
    new = make_article(lematin, title="Nouveau titre du Matin")
    new.story = story
    new.save()
    assert "Nouveau titre du Matin" in client.get(pages["home"]).content.decode()
    assert "Nouveau titre du Matin" in client.get(pages["outlet"]).content.decode()
    assert "Nouveau titre du Matin" in client.get(pages["story"]).content.decode()
    for name in ("other_outlet", "other_0", "other_1", "other_2"):
        assert state(client, pages[name]) == "hit", name


def test_a_blocked_image_disappears_at_once_from_every_page_that_showed_it(client):
    source = make_source("lematin", "Le Matin")
    story = Story.objects.create(key="s1", title="Photo")
    article = make_article(source, title="Avec photo", image_url="https://x.example/a.jpg")
    Article.objects.filter(pk=article.pk).update(story=story)
    article.image.local_path, article.image.widths = "images/001/1", [320, 640]
    article.image.save()
    bystander = make_article(make_source("h24", "H24"), title="Sans rapport")
    img = f"/images/{article.image_id}/"
    paths = ["/fr/", "/fr/sources/lematin/", f"/fr/articles/{article.pk}/",
             f"/fr/stories/{story.pk}/"]
    showing = [p for p in paths if img in client.get(p).content.decode()]
    assert f"/fr/articles/{article.pk}/" in showing and len(showing) >= 2
    warm(client, *showing, f"/fr/articles/{bystander.pk}/")
    article.image.status = "blocked"
    article.image.save()
    for path in showing:
        assert img not in client.get(path).content.decode(), path
    assert state(client, f"/fr/articles/{bystander.pk}/") == "hit"


def test_ten_concurrent_misses_render_a_page_once(live_server, monkeypatch):
    make_article(make_source(), title="Un titre")
    renders = []
    real = views.render

    def slow_render(*args, **kwargs):
        renders.append(args[1])
        time.sleep(0.5)  # long enough for every reader to arrive while it renders
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "render", slow_render)
    results: list[tuple[str, bytes]] = []

    def read() -> None:
        with urllib.request.urlopen(live_server.url + "/fr/", timeout=30) as resp:
            results.append((resp.headers["X-Akhbar-Cache"], resp.read()))

    threads = [threading.Thread(target=read) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert renders.count("news/home.html") == 1
    assert len(results) == 10 and len({body for _, body in results}) == 1
    assert sorted(s for s, _ in results).count("miss") == 1


def test_readers_get_the_previous_copy_while_one_request_renders_the_new_one(live_server, monkeypatch):
    source = make_source()
    make_article(source, title="Premier titre")
    url = live_server.url + "/fr/"
    urllib.request.urlopen(url, timeout=30).read()
    real = views.render
    rendering = threading.Event()

    def slow_render(*args, **kwargs):
        rendering.set()
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "render", slow_render)
    make_article(source, title="Second titre")  # the home page is stale now
    renderer = threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=30).read())
    renderer.start()
    assert rendering.wait(10)
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=30) as resp:
        stale = (resp.headers["X-Akhbar-Cache"], resp.read().decode())
    waited = time.monotonic() - started
    renderer.join()
    assert stale[0] == "stale" and "Premier titre" in stale[1] and "Second titre" not in stale[1]
    assert waited < 0.5  # not held behind the render
    with urllib.request.urlopen(url, timeout=30) as resp:
        fresh = (resp.headers["X-Akhbar-Cache"], resp.read().decode())
    assert fresh[0] == "hit" and "Second titre" in fresh[1]


def test_under_a_stream_of_news_a_page_is_rendered_again_once_per_period(client, monkeypatch):
    """A crawl storing articles every fraction of a second: the home page shows the first
    changes at once, then (rendered again twice in quick succession) is served as it is until
    its period is over; a change that is not news (hiding an article) shows at once anyway."""
    monkeypatch.setattr(cache, "RENDER_EVERY", 60.0)  # the period never ends during the test
    source = make_source()
    make_article(source, title="Titre de départ")
    renders = []
    real = views.render

    def counting_render(*args, **kwargs):
        renders.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "render", counting_render)
    warm(client, "/fr/")
    seen = []
    for i in range(6):
        make_article(source, title=f"Dépêche numéro {i}")
        response = client.get("/fr/")
        seen.append((response["X-Akhbar-Cache"], f"Dépêche numéro {i}" in response.content.decode()))
    # The first two arrivals after a quiet spell show at once; then the page lags.
    assert seen[:2] == [("miss", True), ("miss", True)], seen
    assert seen[2:] == [("stale", False)] * 4, seen
    assert renders.count("news/home.html") == 3  # warm + 2, not 7
    # Hiding an article is not news: it disappears on the next request, stream or not.
    hidden = Article.objects.get(title="Dépêche numéro 1")
    hidden.hidden = True
    hidden.save()
    response = client.get("/fr/")
    body = response.content.decode()
    assert response["X-Akhbar-Cache"] == "miss"
    assert "Dépêche numéro 1" not in body and "Dépêche numéro 5" in body
    # The period over, the next request renders the news that arrived meanwhile.
    make_article(source, title="Dépêche tardive")
    assert state(client, "/fr/") == "stale"
    monkeypatch.setattr(cache, "RENDER_EVERY", 0.0)
    response = client.get("/fr/")
    assert response["X-Akhbar-Cache"] == "miss" and "Dépêche tardive" in response.content.decode()


def test_after_a_quiet_spell_news_shows_at_once_again(client, monkeypatch):
    monkeypatch.setattr(cache, "RENDER_EVERY", 0.5)
    source = make_source()
    make_article(source, title="Titre de départ")
    warm(client, "/fr/")
    for i in range(3):
        make_article(source, title=f"Rafale {i}")
        client.get("/fr/")
    time.sleep(2 * 0.5 + 0.05)  # quiet for two periods: the streak is over
    # The next two arrivals show at once again, the second within the period of the first.
    for title in ("Après le calme", "Juste après"):
        make_article(source, title=title)
        response = client.get("/fr/")
        assert response["X-Akhbar-Cache"] == "miss" and title in response.content.decode()


def test_a_change_committed_out_of_id_order_is_still_seen(client, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite commits rows in id order (one writer); this is PostgreSQL's case")
    monkeypatch.setattr(cache, "LATE_SCAN_EVERY", 0.0)
    article = make_article(make_source(), title="Titre initial")
    page = f"/fr/articles/{article.pk}/"
    warm(client, page)
    newest = PageChange.objects.create(tag="front")
    # A transaction that took its id earlier commits now: a lower id than one already read.
    client.get(page)
    Article.objects.filter(pk=article.pk).update(title="Titre corrigé")
    PageChange.objects.create(id=newest.pk - 1_000_000, tag=f"article:{article.pk}",
                              at=datetime.now(UTC))
    assert "Titre corrigé" in client.get(page).content.decode()


def test_log_rows_are_pruned_after_an_hour():
    from datetime import timedelta

    from django.utils import timezone

    PageChange.objects.create(tag="front", at=timezone.now() - timedelta(hours=2))
    PageChange.objects.create(tag="front")
    assert cache.prune_page_changes() == 1 and PageChange.objects.count() == 1


def test_the_hourly_sweep_prunes_the_log_and_clears_expired_sessions():
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from akhbar.pipeline.maintenance import sweep

    PageChange.objects.create(tag="front", at=timezone.now() - timedelta(hours=2))
    Session.objects.create(session_key="old", session_data="x",
                           expire_date=timezone.now() - timedelta(days=1))
    sweep()  # run by akhbar run and by akhbar scheduler, hourly
    assert not PageChange.objects.exists() and not Session.objects.exists()
