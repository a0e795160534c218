"""Author pages read the author credits' index (news.ArticleAuthor), kept with the articles."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from akhbar.news.models import ArticleAuthor
from tests.web.factories import make_article, make_source
from tests.web.test_pages import main_of

pytestmark = pytest.mark.django_db

PAGE = "/fr/sources/lematin/authors/Salma%20Idrissi/"


def credited(article_title: str, *authors: str, slug: str = "lematin"):  # type: ignore[no-untyped-def]
    from akhbar.sources.models import Source

    source = Source.objects.filter(slug=slug).first() or make_source(slug, slug.title())
    article = make_article(source, title=article_title)
    article.authors = list(authors)
    article.save()
    return article


def test_a_revised_author_list_moves_the_article_between_author_pages(client):
    a = credited("Chronique économique", "Salma  Idrissi", "Youssef Alami", "Salma Idrissi")
    assert sorted(ArticleAuthor.objects.filter(article=a).values_list("name", flat=True)) == [
        "Salma Idrissi", "Youssef Alami"]  # whitespace folded, each name once
    assert "Chronique économique" in main_of(client.get(PAGE).content.decode())
    a.authors = ["Youssef Alami"]
    a.save(update_fields=["authors"])
    assert client.get(PAGE).status_code == 404
    assert "Chronique" in client.get("/fr/sources/lematin/authors/Youssef%20Alami/").content.decode()
    a.delete()
    assert not ArticleAuthor.objects.exists()


def test_the_author_page_is_an_index_search_not_a_scan_of_the_outlet(client):
    credited("Chronique économique", "Salma Idrissi")
    for n in range(3):
        credited(f"Autre article {n}", "Karim Benali")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(PAGE).content.decode()
    assert "Chronique économique" in html and "Autre article" not in main_of(html)
    sql = [q["sql"] for q in ctx.captured_queries if "news_article" in q["sql"]]
    assert any("news_articleauthor" in s for s in sql), sql
    if connection.vendor == "sqlite":
        listing = next(s for s in sql if "news_articleauthor" in s and "LIMIT" in s.upper())
        with connection.cursor() as cursor:
            plan = " ".join(str(row) for row in cursor.execute(f"EXPLAIN QUERY PLAN {listing}"))
        assert "author_source_name" in plan, plan


def test_the_migration_fills_credits_for_articles_stored_before_it():
    a = credited("Chronique économique", "Salma Idrissi", "Youssef Alami")
    b = credited("Sans signature")
    ArticleAuthor.objects.all().delete()
    import_module("akhbar.news.migrations.0018_article_authors").fill(apps, None)
    rows = sorted(ArticleAuthor.objects.values_list("article_id", "source_id", "name"))
    assert rows == [(a.pk, a.source_id, "Salma Idrissi"), (a.pk, a.source_id, "Youssef Alami")]
    assert not ArticleAuthor.objects.filter(article=b).exists()
