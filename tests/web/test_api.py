"""The JSON API checked against its own OpenAPI document, with cursor pagination and filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from referencing import Registry, Resource

from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def validator(client, name: str) -> jsonschema.Draft202012Validator:
    doc = json.loads(client.get("/api/v1/openapi.json").content)
    registry = Registry().with_resource("urn:akhbar", Resource.from_contents(
        {**doc, "$schema": "https://json-schema.org/draft/2020-12/schema"}))
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:akhbar#/components/schemas/{name}"}, registry=registry,
        format_checker=jsonschema.FormatChecker())


def get(client, url: str):
    resp = client.get(url)
    return resp.status_code, json.loads(resp.content)


@pytest.fixture
def corpus():
    fr = make_source("hespress-fr", "Hespress FR")
    ar = make_source("hespress-ar", "هسبريس", languages=("ar",))
    base = datetime(2024, 9, 8, 12, 0, tzinfo=UTC)
    made = []
    for i in range(23):
        # Several articles share a timestamp: the cursor must still neither repeat nor skip.
        made.append(make_article(fr if i % 3 else ar, title=f"Titre {i}",
                                 language="fr" if i % 3 else "ar",
                                 published=base - timedelta(minutes=(i // 2) * 10),
                                 image_url=f"https://img.example/{i}.jpg" if i % 4 == 0 else None))
    return made


def test_openapi_document_is_served(client):
    status, doc = get(client, "/api/v1/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    assert {"/api/v1/articles", "/api/v1/sources"} <= set(doc["paths"])
    jsonschema.Draft202012Validator.check_schema(doc["components"]["schemas"]["Article"])


def test_cursor_pagination_walks_everything_once_newest_first(client, corpus):
    page_schema = validator(client, "ArticlePage")
    seen, url, pages = [], "/api/v1/articles?limit=5", 0
    while url:
        status, data = get(client, url)
        assert status == 200
        page_schema.validate(data)
        seen.extend(data["items"])
        url = data["next"]
        pages += 1
    assert pages == 5 and len(seen) == 23 and len({i["id"] for i in seen}) == 23
    keys = [(i["published"], i["id"]) for i in seen]
    assert keys == sorted(keys, reverse=True)
    item = next(i for i in seen if i["image"])
    assert item["image"]["status"] == "visible" and item["image"]["url"] is None
    ar = next(i for i in seen if i["language"] == "ar")
    assert ar["page_url"] == f"http://testserver/ar/articles/{ar['id']}/"


def test_filters_and_errors(client, corpus):
    status, data = get(client, "/api/v1/articles?language=ar&limit=200")
    assert status == 200 and data["items"] and {i["language"] for i in data["items"]} == {"ar"}
    assert data["next"] is None
    status, data = get(client, "/api/v1/articles?source=hespress-fr&limit=200")
    assert {i["source"]["slug"] for i in data["items"]} == {"hespress-fr"}
    status, data = get(client, "/api/v1/articles?since=2024-09-08T11:45:00%2B00:00&limit=200")
    assert data["items"] and all(i["published"] >= "2024-09-08T11:45:00+00:00" for i in data["items"])
    tagged = corpus[3]
    tagged.section = "sports"
    tagged.save()
    status, data = get(client, "/api/v1/articles?section=sports")
    assert [i["id"] for i in data["items"]] == [tagged.pk] and data["items"][0]["section"] == "sports"
    from akhbar.news.models import Story

    story = Story.objects.create(key="k", title="t")
    for a in corpus[:2]:
        a.story = story
        a.save()
    status, data = get(client, f"/api/v1/articles?story={story.pk}")
    assert {i["id"] for i in data["items"]} == {corpus[0].pk, corpus[1].pk}
    assert {i["story"] for i in data["items"]} == {story.pk}
    error = validator(client, "Error")
    for bad in ("section=weather", "story=abc", "limit=0", "limit=201", "limit=abc", "since=yesterday", "since=2024-09-08T10:00:00",
                "cursor=%%%", "language=fra"):
        status, data = get(client, f"/api/v1/articles?{bad}")
        assert status == 400, bad
        error.validate(data)
    assert get(client, "/api/v1/articles?source=nope")[0] == 404


def test_sources_endpoint(client, corpus):
    status, data = get(client, "/api/v1/sources")
    assert status == 200
    validator(client, "SourceList").validate(data)
    by_slug = {s["slug"]: s for s in data["items"]}
    assert by_slug["hespress-ar"]["editions"] == ["ar"]
    assert by_slug["hespress-fr"]["health"] == "no-feed" and by_slug["hespress-fr"]["articles_24h"] >= 0
