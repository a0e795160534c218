"""Syndicated copies through the store path: one original, its copies, whatever the order."""

from __future__ import annotations

import itertools
import random
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils.html import escape

from akhbar.ingest.types import ArticleDraft, FeedEntry
from akhbar.news.models import Article
from akhbar.news.services import store_article
from akhbar.sources.models import Source
from tests.web.factories import make_source

pytestmark = pytest.mark.django_db

DISPATCHES = Path(__file__).resolve().parents[1] / "fixtures" / "dispatches"


def load(name: str) -> list[dict]:
    return tomllib.loads((DISPATCHES / name).read_text(encoding="utf-8"))["article"]


def store(item: dict, sources: dict[str, object], now: datetime) -> Article:
    if item["outlet"] not in sources:
        sources[item["outlet"]] = make_source(f"s{len(sources)}", item["outlet"],
                                              languages=("fr", "ar", "en"))
    source = sources[item["outlet"]]
    url = f"https://{source.slug}.example/{item['key']}"
    published = item.get("published")
    entry = FeedEntry(identity=url, url=url, title=item["title"], published=published)
    draft = ArticleDraft(url=url, title=item["title"], text=item["text"].strip(), html="",
                         published=published)
    result, article = store_article(source=source, feed=None, entry=entry, draft=draft, now=now)
    assert article is not None
    return article


@pytest.mark.parametrize("fixture", ["fr_tanger_port.toml", "ar_civil_protection_fires.toml",
                                     "en_central_bank.toml"])
def test_one_original_and_its_copies_whatever_the_arrival_order(fixture):
    items = load(fixture)
    expected = {}
    for _dispatch, group in itertools.groupby(sorted(items, key=lambda i: i["dispatch"]),
                                             key=lambda i: i["dispatch"]):
        # Undated articles are stored at "now" (first seen): after every dated one.
        members = sorted(group, key=lambda i: (i.get("published") is None,
                                               i.get("published") or datetime.max.replace(tzinfo=UTC)))
        for m in members:
            expected[m["key"]] = None if m is members[0] else members[0]["key"]
    orders = [items, list(reversed(items))] + [random.Random(s).sample(items, len(items))
                                               for s in range(2)]
    for order in orders:
        Article.objects.all().delete()
        Source.objects.all().delete()
        sources: dict[str, object] = {}
        by_key = {i["key"]: store(i, sources, datetime(2026, 1, 1, tzinfo=UTC)) for i in order}
        got = {}
        for key, article in by_key.items():
            article.refresh_from_db()
            original = next((k for k, a in by_key.items() if a.pk == article.copy_of_id), None)
            got[key] = original
        assert got == expected, [i["key"] for i in order]


def test_copies_are_folded_under_their_original_in_listings(client):
    items = load("fr_tanger_port.toml")
    sources: dict[str, object] = {}
    for item in items:
        store(item, sources, datetime(2026, 1, 1, tzinfo=UTC))
    original = Article.objects.get(copy_of__isnull=True, identity__endswith="fr-port-map")
    copies = list(Article.objects.filter(copy_of=original))
    assert len(copies) >= 2
    home = client.get("/fr/").content.decode()
    ticker = home.split("data-ticker>")[1].split("</ol>")[0]
    assert ticker.count(f'href="/fr/articles/{original.pk}/"') == 1  # the dispatch, once
    for copy in copies:
        assert f"/fr/articles/{copy.pk}/" not in ticker
    page = client.get(f"/fr/articles/{original.pk}/").content.decode()
    for copy in copies:
        assert escape(copy.source.name) in page and f"/fr/articles/{copy.pk}/" in page
    copy_page = client.get(f"/fr/articles/{copies[0].pk}/").content.decode()
    assert f'href="/fr/articles/{original.pk}/"' in copy_page and "Reprise" in copy_page
    import json

    items_json = json.loads(client.get("/api/v1/articles?limit=50").content)["items"]
    by_id = {i["id"]: i for i in items_json}
    assert by_id[copies[0].pk]["copy_of"] == original.pk and by_id[original.pk]["copy_of"] is None


def test_copy_lookup_reads_the_fingerprint_index_whatever_the_statistics():
    """An archive stored before fingerprints (fp_exact all '') makes SQLite's statistics say
    the fp_exact index is unselective: the copy lookup must still search that index, not scan
    every article in published order (what the articles' default ordering led it to)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query planner")
    source = make_source("old", "Old")
    Article.objects.bulk_create([
        Article(source=source, url=f"https://old.example/{n}", identity=str(n), title=f"T {n}",
                text=f"Texte {n}", published=datetime(2026, 1, 1, tzinfo=UTC))
        for n in range(200)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    item = load("fr_tanger_port.toml")[0]
    with CaptureQueriesContext(connection) as queries:
        store(item, {}, datetime(2026, 1, 2, tzinfo=UTC))
    lookups = [q["sql"] for q in queries.captured_queries if '"fp_exact" =' in q["sql"]
               and q["sql"].lstrip().startswith("SELECT")]
    assert lookups
    with connection.cursor() as cursor:
        for sql in lookups:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            steps = [row[-1] for row in cursor.fetchall()]
            assert not any(step.startswith("SCAN") for step in steps), steps


def test_an_articles_band_rows_are_its_band_keys():
    from akhbar.ingest.copies import band_keys
    from akhbar.news.copies import fingerprint_of
    from akhbar.news.models import ArticleBand

    item = next(i for i in load("fr_tanger_port.toml") if len(i["text"].split()) >= 60)
    article = store(item, {}, datetime(2026, 1, 2, tzinfo=UTC))
    keys = band_keys(fingerprint_of(article.title, article.text))
    assert len(keys) == 42
    rows = sorted(ArticleBand.objects.filter(article=article).values_list("band", flat=True))
    assert rows == sorted(keys)
