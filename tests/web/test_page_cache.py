"""The page cache: hits cost one query, and every visible change invalidates it at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def get(client, path):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(path)
    return resp, len(ctx.captured_queries)


def test_second_view_is_a_cache_hit_with_one_query(client):
    make_article(make_source(), title="Premier titre")
    first, _ = get(client, "/fr/")
    second, queries = get(client, "/fr/")
    assert first["X-Akhbar-Cache"] == "miss" and second["X-Akhbar-Cache"] == "hit"
    assert queries == 1 and second.content == first.content
    assert not second.cookies  # nothing per session in cached pages


@pytest.mark.parametrize("change", ["new_article", "hide", "block_image", "edit_source"])
def test_visible_changes_invalidate_cached_pages(client, change):
    source = make_source("lematin", "Le Matin")
    article = make_article(source, title="Titre visible", image_url="https://x.example/a.jpg")
    article.image.local_path, article.image.widths = "images/001/1", [320]
    article.image.save()
    page = f"/fr/articles/{article.pk}/"
    for path in ("/fr/", page):
        assert client.get(path)["X-Akhbar-Cache"] == "miss"
        assert client.get(path)["X-Akhbar-Cache"] == "hit"
    if change == "new_article":
        make_article(source, title="Nouveau titre")
        assert "Nouveau titre" in client.get("/fr/").content.decode()
    elif change == "hide":
        article.hidden = True
        article.save()
        assert "Titre visible" not in client.get("/fr/").content.decode()
        assert client.get(page).status_code == 404
    elif change == "block_image":
        assert f"/images/{article.image_id}/" in client.get(page).content.decode()
        article.image.status = "blocked"
        article.image.save()
        assert f"/images/{article.image_id}/" not in client.get(page).content.decode()
    else:
        source.name = "Le Matin du Sahara"
        source.save()
        assert "Le Matin du Sahara" in client.get(page).content.decode()


def test_cache_hits_are_served_early_with_security_headers(client):
    make_article(make_source(), title="Titre en cache")
    miss = client.get("/fr/")
    hit = client.get("/fr/")
    assert miss["X-Akhbar-Cache"] == "miss" and hit["X-Akhbar-Cache"] == "hit"
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert hit[header] == miss[header], header
    assert hit["Content-Language"] == "fr" and hit.content == miss.content
    # The Arabic edition is another page, never the French one from the cache.
    ar = client.get("/ar/")
    assert ar["X-Akhbar-Cache"] == "miss" and 'dir="rtl"' in ar.content.decode()
    api_miss, api_hit = client.get("/api/v1/articles"), client.get("/api/v1/articles")
    assert api_hit["X-Akhbar-Cache"] == "hit" and api_hit.content == api_miss.content


# --- the key: scheme and host count, junk query strings do not grow the cache -------------------

def _entries() -> int:
    from django.core.cache import caches

    return len(caches["pages"]._cache)  # LocMemCache's store: what the worker's memory holds


def test_cached_pages_are_kept_per_host_and_scheme(client):
    article = make_article(make_source(), title="Titre absolu")
    api = "/api/v1/articles"
    page = f"/fr/articles/{article.pk}/"
    assert client.get(api, HTTP_HOST="localhost")["X-Akhbar-Cache"] == "miss"
    for host, secure in (("127.0.0.1", False), ("localhost", True), ("localhost", False)):
        scheme = "https" if secure else "http"
        data = client.get(api, HTTP_HOST=host, secure=secure).json()
        assert data["items"][0]["page_url"] == f"{scheme}://{host}{page}"
        html = client.get(page, HTTP_HOST=host, secure=secure).content.decode()
        assert f"{scheme}://{host}{page}" in html
    assert client.get(api, HTTP_HOST="localhost", secure=True)["X-Akhbar-Cache"] == "hit"


def test_junk_query_strings_do_not_grow_the_cache(client):
    source = make_source("lematin")
    make_article(source, title="Titre")
    paths = ("/fr/", "/fr/sources/lematin/", "/fr/search/?q=titre&", "/api/v1/sources")
    for path in paths:
        client.get(path)
    before = _entries()
    for n in range(50):
        for path in paths:
            sep = "&" if "?" in path else "?"
            resp = client.get(f"{path}{sep}utm_source=x{n}")
            assert resp.status_code == 200 and resp["X-Akhbar-Cache"] == "bypass"
        client.get(f"/fr/sources/lematin/?page={10**9 + n}")  # pagers answer the last page
        client.get(f"/fr/?page={n}")  # the home page has no pages
    assert _entries() == before
    # The parameters a page reads still get their cached copy, whatever their order.
    assert client.get("/fr/search/?page=1&q=titre")["X-Akhbar-Cache"] == "miss"
    assert client.get("/fr/search/?q=titre&page=1")["X-Akhbar-Cache"] == "hit"
    assert client.get("/fr/sources/lematin/?page=1")["X-Akhbar-Cache"] == "miss"
    assert client.get("/fr/sources/lematin/?page=1")["X-Akhbar-Cache"] == "hit"
