"""Every write service that changes what a page shows makes a cached copy of that page stale at
once (issue 11: one call for "pages changed", ``.update()`` writes included)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User

from akhbar.ingest.types import ArticleDraft, FeedEntry
from akhbar.moderation.services import block_image, restore_image
from akhbar.news.models import Article
from akhbar.news.services import store_article
from akhbar.pipeline import stories
from akhbar.pipeline.stories import assign_stories
from akhbar.sources.admin import SourceAdmin
from akhbar.sources.models import Source
from tests.web.factories import make_article, make_source
from tests.web.test_stories import EVENT, seed

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def main_of(html: str) -> str:
    """A page's own content: the headline ticker above <main> lists every outlet's latest."""
    return html.split("<main>", 1)[1].split("</main>", 1)[0] if "<main>" in html else html


def warm(client, path: str) -> str:
    """Render ``path`` and check that the next view is served from the cache (its content)."""
    body = client.get(path).content.decode()
    assert client.get(path)["X-Akhbar-Cache"] == "hit"
    return main_of(body)


def fresh(client, path: str) -> str:
    resp = client.get(path)
    assert resp["X-Akhbar-Cache"] == "miss", f"{path} served stale from the cache"
    return main_of(resp.content.decode())


def store(source: Source, identity: str, title: str, text: str, *, published=NOW):
    entry = FeedEntry(identity=identity, url=f"https://{source.slug}.example/{identity}",
                      title=title, published=published)
    draft = ArticleDraft(url=entry.url, title=title, text=text, html=f"<p>{text}</p>",
                         published=published)
    return store_article(source=source, feed=None, entry=entry, draft=draft, now=NOW)


def test_store_and_revise(client):
    source = make_source("lematin", "Le Matin")
    _, article = store(source, "a1", "Le budget adopté", "Le conseil a adopté le budget.")
    page = f"/fr/articles/{article.pk}/"
    warm(client, "/fr/")
    store(source, "a2", "Un nouveau port ouvre", "Le port ouvre ses portes aux navires.")
    assert "Un nouveau port ouvre" in fresh(client, "/fr/")
    assert "Le budget adopté" in warm(client, page)
    store(source, "a1", "Le budget adopté après débat", "Le conseil a adopté le budget mardi.")
    assert "Le budget adopté après débat" in fresh(client, page)


def test_hide(client):
    article = make_article(make_source(), title="Titre à masquer")
    warm(client, "/fr/")
    article.hidden = True
    article.save()
    assert "Titre à masquer" not in fresh(client, "/fr/")


def test_block_and_restore_image(client):
    article = make_article(make_source(), title="Photo", image_url="https://x.example/a.jpg")
    article.image.local_path, article.image.widths = "images/001/1", [320]
    article.image.save()
    page = f"/fr/articles/{article.pk}/"
    moderator = User.objects.create_user("mod", password="x", is_staff=True)
    assert f"/images/{article.image_id}/" in warm(client, page)
    block_image(article.image, action="manual_block", moderator=moderator)
    assert f"/images/{article.image_id}/" not in fresh(client, page)
    warm(client, page)
    restore_image(article.image, moderator=moderator)
    assert f"/images/{article.image_id}/" in fresh(client, page)


def test_assign_story(client):
    fr, ar, en = seed(EVENT, datetime(2023, 9, 8, 23, 30, tzinfo=UTC))
    page = f"/fr/articles/{fr.pk}/"
    assert ar.title not in warm(client, page)
    assert assign_stories() == 3
    assert ar.title in fresh(client, page)  # "the same story elsewhere" appeared


def test_merge_stories(client, monkeypatch):
    from akhbar.ingest.cluster import ClusterConfig, StoryClusterer

    config = dataclasses.replace(ClusterConfig(), threshold=1.5, merge_threshold=0.87)
    monkeypatch.setattr(stories, "_new_clusterer",
                        lambda: StoryClusterer(stories._embedder(), config))
    monkeypatch.setattr(stories, "_state", None)
    fr, ar, en = seed(EVENT, datetime.now(UTC) - timedelta(days=1))
    assign_stories()
    fr.refresh_from_db()
    page = f"/fr/stories/{fr.story_id}/"
    assert en.title not in warm(client, page)
    monkeypatch.setattr(stories, "MERGE_AT_LEAST_EVERY", 0)
    assign_stories()  # nothing new to place: only the merge pass writes
    assert en.title in fresh(client, page)


def test_relink_copies(client):
    wire = ("La banque centrale a maintenu son taux directeur à 2,75 % lors de sa réunion "
            "trimestrielle, citant une inflation revenue sous les deux pour cent et une "
            "croissance attendue de trois pour cent cette année selon le communiqué publié.")
    agency = make_source("map", "MAP")
    paper = make_source("h24", "H24info")
    _, first = store(paper, "c1", "Taux directeur inchangé", wire, published=NOW)
    page = f"/fr/articles/{first.pk}/"
    assert "MAP" not in warm(client, page)
    # The agency's dispatch, published earlier, arrives later: it becomes the original.
    store(agency, "c2", "Taux directeur inchangé à 2,75 %", wire, published=NOW - timedelta(hours=2))
    first.refresh_from_db()
    assert first.copy_of is not None
    assert "MAP" in fresh(client, page)


def test_source_edit_and_pause(client, rf):
    source = make_source("lematin", "Le Matin")
    make_article(source, title="Un titre du Matin")
    page = "/fr/sources/lematin/"
    warm(client, page)
    source.name = "Le Matin du Sahara"
    source.save()
    assert "Le Matin du Sahara" in fresh(client, page)
    warm(client, page)
    SourceAdmin(Source, None).pause(rf.get("/"), Source.objects.filter(pk=source.pk))
    assert Article.objects.exists()
    fresh(client, page)
