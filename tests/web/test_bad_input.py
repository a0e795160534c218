"""Bad input answers 400/404 (JSON under /api/), never 500; server errors are logged with their
traceback and the API answers them in JSON too."""

from __future__ import annotations

import base64
import io
import json
import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from akhbar.urls import handler400, handler403, handler404, handler500  # noqa: F401
from akhbar.urls import urlpatterns as akhbar_urlpatterns
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db

BIG = "9" * 20  # 20 digits: beyond any 64-bit id


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


PAGES = [
    "/fr/sources/le-matin/9999/12/31/", "/fr/sources/le-matin/0/1/1/",
    f"/fr/sources/le-matin/{BIG}/1/1/", "/fr/sources/le-matin/2020/13/1/",
    f"/fr/sources/le-matin/2020/{BIG}/1/", f"/fr/articles/{BIG}/", f"/fr/stories/{BIG}/",
    "/fr/search/?q=%00",
    f"/fr/sections/politique/?page={BIG}", "/fr/sources/le-matin/authors/%00/",
    "/fr/sources/le-matin/authors/a%00b/", f"/images/{BIG}/640.jpg", f"/images/1/{BIG}.jpg",
    "/fr/feed.rss?x=%00",
]
API = [
    f"/api/v1/articles?story={BIG}", "/api/v1/articles?story=0", "/api/v1/articles?story=-5",
    "/api/v1/articles?story=abc", f"/api/v1/articles?limit={BIG}", "/api/v1/articles?limit=x",
    "/api/v1/articles?since=2020-13-01T00:00:00Z", "/api/v1/articles?since=2020-01-01",
    "/api/v1/articles?since=0001-01-01T00:00:00%2B14:00",
    "/api/v1/articles?cursor=" + _cursor(f"2020-01-01T00:00:00+00:00|{BIG}"),
    "/api/v1/articles?cursor=" + _cursor("0001-01-01T00:00:00+14:00|1"),
    "/api/v1/articles?cursor=" + _cursor("2020-01-01T00:00:00|1"),
    "/api/v1/articles?cursor=%%%", "/api/v1/articles?source=%00", "/api/v1/articles?source=nope",
    "/api/v1/articles?section=%00", "/api/v1/articles?language=%00%00",
    f"/api/v1/stories/{BIG}", "/api/v1/stories/0", "/api/v1/nothing", "/api/v1/stories/abc",
]


@pytest.fixture
def site() -> None:
    make_article(make_source("le-matin"), title="Titre")


@pytest.mark.parametrize("url", PAGES)
def test_bad_page_input_is_a_client_error(site, url):
    resp = Client(raise_request_exception=False).get(url)
    assert 400 <= resp.status_code < 500, (url, resp.status_code)


# Paginators answer the nearest page for an out-of-range or malformed number: fine, not a 500.
@pytest.mark.parametrize("url", [f"/fr/sources/le-matin/?page={BIG}", "/fr/sources/le-matin/?page=-1",
                                 "/fr/sources/le-matin/?page=abc", f"/fr/search/?q=titre&page={BIG}",
                                 f"/fr/search/?q={'x' * 5000}"])
def test_odd_page_numbers_are_not_errors(site, url):
    assert Client(raise_request_exception=False).get(url).status_code == 200


@pytest.mark.parametrize("url", API)
def test_bad_api_input_is_a_json_client_error(site, url):
    resp = Client(raise_request_exception=False).get(url)
    assert 400 <= resp.status_code < 500, (url, resp.status_code)
    assert resp["Content-Type"] == "application/json"
    assert isinstance(json.loads(resp.content)["error"], str)


@override_settings(TIME_ZONE="Etc/GMT-14")  # UTC+14: year 1's first day starts in year 0
def test_first_day_of_year_one_east_of_utc_is_not_an_error(site):
    # SQLite cannot hold its start (404); PostgreSQL can (an empty day).
    assert Client(raise_request_exception=False).get(
        "/fr/sources/le-matin/1/1/1/").status_code in (200, 404)


def test_api_refuses_other_methods_in_json(site):
    resp = Client(enforce_csrf_checks=True).post("/api/v1/articles")
    assert resp.status_code == 405 and resp["Allow"] == "GET, HEAD"
    assert json.loads(resp.content) == {"error": "method POST is not allowed"}


def test_api_bad_host_is_a_json_400():
    resp = Client(raise_request_exception=False).get("/api/v1/sources", HTTP_HOST="evil.example")
    assert resp.status_code == 400 and resp["Content-Type"] == "application/json"


# --- server errors: logged with their traceback, JSON in the API --------------------------------

def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("kaboom-for-the-log")


urlpatterns = [path("api/v1/boom", _boom), path("boom/", _boom), *akhbar_urlpatterns]


@pytest.fixture
def console() -> io.StringIO:
    """What the console handler (stderr) receives from django.request during the test."""
    handlers = [h for h in logging.getLogger("django.request").handlers
                if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]
    assert handlers, "django.request errors reach no console handler"
    out = io.StringIO()
    saved = [h.setStream(out) for h in handlers]
    yield out
    for h, stream in zip(handlers, saved, strict=True):
        h.setStream(stream)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize(("url", "json_body"), [("/api/v1/boom", True), ("/boom/", False)])
def test_server_errors_are_logged_with_their_traceback(console, url, json_body):
    resp = Client(raise_request_exception=False).get(url)
    assert resp.status_code == 500
    if json_body:
        assert resp["Content-Type"] == "application/json"
        assert json.loads(resp.content) == {"error": "internal server error"}
    else:
        assert resp["Content-Type"].startswith("text/html")
    logged = console.getvalue()
    assert "Internal Server Error: " + url in logged
    assert "Traceback (most recent call last)" in logged and "kaboom-for-the-log" in logged


def test_author_names_with_a_slash_or_blank_do_not_break_the_article_page():
    article = make_article(make_source("le-matin"), title="Titre")
    article.authors = ["Rédaction/AFP", " ", "Ali <b>"]
    article.save()
    client = Client(raise_request_exception=False)
    html = client.get(f"/fr/articles/{article.pk}/").content.decode()
    assert 'href="/fr/sources/le-matin/authors/R%C3%A9daction/AFP/"' in html
    resp = client.get("/fr/sources/le-matin/authors/R%C3%A9daction/AFP/")
    assert resp.status_code == 200 and "Titre" in resp.content.decode()


def test_outlet_links_are_http_only():
    source = make_source("le-matin")
    source.homepage = "javascript:alert(1)"
    source.save()
    article = make_article(source, url="javascript:alert(2)")
    client = Client()
    assert "javascript:" not in client.get("/fr/sources/le-matin/").content.decode()
    assert "javascript:" not in client.get(f"/fr/articles/{article.pk}/").content.decode()
