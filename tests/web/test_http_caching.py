"""HTTP caching a front can use: ETag and 304, Cache-Control, gzip, hashed static names."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from akhbar.news.models import Story
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db

HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def pages() -> dict[str, str]:
    """One URL of every kind of cached page."""
    source = make_source("le-matin", "Le Matin")
    article = make_article(source, title="Le Parlement adopte la loi de finances",
                           image_url="https://le-matin.example/p.jpg")
    other = make_article(make_source("hespress", "Hespress"), title="Loi de finances adoptée")
    story = Story.objects.create(key="s1", title="Loi de finances", outlet_count=2)
    for a in (article, other):
        a.story = story
        a.save()
    return {"home": "/fr/", "article": f"/fr/articles/{article.pk}/",
            "outlet": "/fr/sources/le-matin/", "story": f"/fr/stories/{story.pk}/",
            "search": "/fr/search/?q=finances", "api": "/api/v1/articles?limit=5",
            "api-story": f"/api/v1/stories/{story.pk}", "ticker": "/fr/ticker/"}


def returning_reader() -> Client:
    """A reader who already holds the CSRF cookie: misses set no cookie, so they are shared."""
    reader = Client()
    assert reader.get("/csrf-cookie").status_code == 204
    return reader


def test_if_none_match_gets_304_on_a_miss_and_on_an_early_hit(pages):
    client = returning_reader()
    for path in pages.values():
        miss = client.get(path)
        assert not miss.cookies
        assert miss.status_code == 200 and miss["X-Akhbar-Cache"] == "miss", path
        etag = miss["ETag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag), etag
        # A fresh reader (no cookie): the page comes from early_hits, before the session, CSRF
        # and auth middleware; the ETag is the same since the bytes are.
        hit = Client().get(path)
        assert hit["X-Akhbar-Cache"] == "hit" and hit["ETag"] == etag, path
        revalidated = Client().get(path, HTTP_IF_NONE_MATCH=etag)
        assert revalidated.status_code == 304 and revalidated.content == b"", path
        assert revalidated["ETag"] == etag
        assert revalidated["Cache-Control"].startswith("public"), path
        # A weak form of the tag (what a gzipped copy carries) matches too; another does not.
        assert Client().get(path, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
        assert Client().get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # A change gives the page new bytes, hence a new tag: the old one gets the whole page.
    home_etag = Client().get("/fr/")["ETag"]
    make_article(make_source("alyaoum24", "Alyaoum 24"), title="Nouvelle dépêche")
    fresh = returning_reader().get("/fr/", HTTP_IF_NONE_MATCH=home_etag)
    assert fresh.status_code == 200 and "Nouvelle dépêche" in fresh.content.decode()
    assert fresh["ETag"] != home_etag


def test_anonymous_pages_are_shared_cacheable_with_a_short_lifetime(client, settings, pages):
    for path in pages.values():
        client.get(path)  # the miss: it may set the CSRF cookie (below)
        hit = Client().get(path)
        assert hit["Cache-Control"] == (
            "public, max-age=5, s-maxage=5, stale-while-revalidate=30"), path
    from dataclasses import replace

    settings.CONFIG = replace(settings.CONFIG, http_max_age=0, http_stale_seconds=0)
    assert Client().get("/fr/")["Cache-Control"] == "public, no-cache"


def _shared(response) -> bool:
    value = response.get("Cache-Control", "").lower()
    return "public" in value or "s-maxage" in value or (
        "max-age" in value and "private" not in value and "no-store" not in value)


def test_no_response_that_sets_a_cookie_is_shared_cacheable(client, pages, django_user_model):
    """Every page kind, as a new reader (cookies set) and as a returning one."""
    seen = 0
    for name, path in pages.items():
        for reader in (Client(), Client(enforce_csrf_checks=True)):
            for _ in range(2):  # miss then hit
                response = reader.get(path, HTTP_ACCEPT=HTML_ACCEPT)
                if response.cookies:
                    seen += 1
                    assert not _shared(response), (name, response["Cache-Control"])
                    assert "no-store" in response["Cache-Control"]
    assert seen  # the HTML misses of new readers set the CSRF cookie
    # The CSRF cookie endpoint, the admin login (a token in its form), the report endpoint's
    # confirmation page (a token) and its JSON answer (the reporter cookie).
    given = Client().get("/csrf-cookie")
    assert given.cookies and not _shared(given)
    login = Client().get("/admin/login/")
    assert login.cookies and b"csrfmiddlewaretoken" in login.content and not _shared(login)
    assert "no-store" in login["Cache-Control"] and login.get("Content-Encoding") is None
    from tests.web.test_moderation import shown_image

    article = make_article(make_source("barlamane", "Barlamane"), title="Photo",
                           image_url="https://barlamane.example/x.jpg")
    image = shown_image(article)
    confirm = Client(enforce_csrf_checks=True).post(
        f"/images/{image.pk}/report", {"reason": "violent", "lang": "fr"},
        HTTP_ACCEPT=HTML_ACCEPT, HTTP_ACCEPT_ENCODING="gzip")
    assert b"csrfmiddlewaretoken" in confirm.content and not _shared(confirm)
    # BREACH: a body holding a token is never compressed.
    assert confirm.get("Content-Encoding") is None
    reported = Client().post(f"/images/{image.pk}/report", {"reason": "violent", "lang": "fr"})
    assert reported.status_code == 200 and reported.cookies and not _shared(reported)
    # A signed-in moderator: session cookie, admin pages private.
    staff = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")
    admin = Client()
    admin.force_login(staff)
    page = admin.get("/admin/")
    assert page.status_code == 200 and not _shared(page) and "private" in page["Cache-Control"]


def test_html_and_json_are_gzipped_when_asked(client, pages):
    for path in (pages["home"], pages["article"], pages["api"]):
        for reader in (returning_reader(), Client()):  # a miss, then an early hit
            plain = reader.get(path)
            packed = reader.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
            assert "Accept-Encoding" in packed["Vary"], path
            assert packed["Content-Encoding"] == "gzip", path
            assert gzip.decompress(packed.content) == plain.content
            assert len(packed.content) < len(plain.content) / 2
            assert int(packed["Content-Length"]) == len(packed.content)
            # The tag names the plain bytes: the compressed copy's is its weak form.
            assert packed["ETag"] == f"W/{plain['ETag']}"
            assert reader.get(path, HTTP_ACCEPT_ENCODING="gzip",
                              HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 304
    assert client.get("/fr/").get("Content-Encoding") is None  # not asked: not compressed


def test_pages_name_static_files_by_content_hash_once_collected(client, settings, tmp_path):

    make_article(make_source(), title="Titre")
    # Before any collectstatic: plain names, served from the source folders.
    before = client.get("/fr/").content.decode()
    assert '/static/akhbar/akhbar.css"' in before
    # Changing STATIC_ROOT makes Django drop its storage: the next one reads the new manifest.
    settings.STATIC_ROOT = str(tmp_path / "static")
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.core.cache import caches

    caches["pages"].clear()
    response = Client().get("/fr/")
    html = response.content.decode()
    names = re.findall(r'/static/akhbar/([\w.]+\.(?:css|js))"', html)
    assert names and all(re.fullmatch(r"\w+\.[0-9a-f]{12}\.(css|js)", n) for n in names), names
    root = Path(settings.STATIC_ROOT) / "akhbar"
    for name in names:
        assert (root / name).exists() and (root / f"{name}.gz").exists()
        # WhiteNoise: far-future and immutable for a hashed name, the gzip copy when asked.
        static = Client().get(f"/static/akhbar/{name}", HTTP_ACCEPT_ENCODING="gzip")
        assert static.status_code == 200 and static["Content-Encoding"] == "gzip"
        assert static["Cache-Control"] == "max-age=315360000, public, immutable"
        static.close()
