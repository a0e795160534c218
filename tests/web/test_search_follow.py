"""The search index follows writes without redoing work: an article placed in a story (stories
are not part of the search document) is not analysed again; a change to what is indexed
(title, hidden, section) is. On the database in use (SQLite FTS5, or PostgreSQL when
AKHBAR_DATABASE_URL names one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from akhbar.news.models import Article, Story
from akhbar.search import queries, services
from akhbar.search.models import SearchDoc
from akhbar.web.cache import pages_changed
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the index analyses (the real analyser runs; the calls are only counted)."""
    texts: list[str] = []
    real = services.analyze_with_prefixes

    def counting(text: str, lang: str):  # type: ignore[no-untyped-def]
        texts.append(text)
        return real(text, lang)

    monkeypatch.setattr(services, "analyze_with_prefixes", counting)
    return texts


def found(q: str, **filters: object) -> set[int]:
    results = queries.search(q, queries.Filters(**filters), limit=50)  # type: ignore[arg-type]
    return {h.article.pk for h in results.hits}


def indexed(article_id: int) -> tuple[object, ...]:
    """What the index holds for an article (its FTS5 row, or its PostgreSQL tsvector)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT title, body, extra, surface, tags FROM search_fts "
                           "WHERE rowid = %s", [article_id])
        else:
            cursor.execute("SELECT CAST(document AS text) FROM search_searchdoc "
                           "WHERE article_id = %s", [article_id])
        return tuple(cursor.fetchone())


def _place_in_story(article: Article, key: str) -> Story:
    """As the story thread does: ``update()`` then one ``pages_changed`` for the batch."""
    story = Story.objects.create(key=key, title=article.title, article_count=1, outlet_count=1)
    Article.objects.filter(pk=article.pk).update(story=story)
    pages_changed(stories=[story.pk], articles=[article.pk], news=True)
    return story


def test_placing_an_article_in_a_story_does_not_reindex_it(analysed: list[str]) -> None:
    source = make_source("lematin", "Le Matin")
    article = make_article(source, title="Le Maroc plaide pour le climat à Bakou",
                           text="La délégation marocaine a défendu l'adaptation.", published=NOW)
    assert analysed  # stored: indexed
    digest = SearchDoc.objects.get(article_id=article.pk).digest
    analysed.clear()
    _place_in_story(article, "story-climat")
    assert analysed == []
    assert SearchDoc.objects.get(article_id=article.pk).digest == digest
    assert found("climat") == {article.pk}
    # A second placement (a merge moving it) neither.
    _place_in_story(article, "story-climat-2")
    assert analysed == []


def test_changing_what_is_indexed_still_reindexes(analysed: list[str]) -> None:
    source = make_source("lematin", "Le Matin")
    article = make_article(source, title="Le Maroc plaide pour le climat à Bakou",
                           text="La délégation marocaine a défendu l'adaptation.", published=NOW)
    _place_in_story(article, "story-climat")
    analysed.clear()
    article.refresh_from_db()
    article.title = "Sécheresse : le gouvernement soutient les agriculteurs"
    article.save()
    assert "Sécheresse : le gouvernement soutient les agriculteurs" in analysed
    assert found("agriculteurs") == {article.pk} and found("Bakou") == set()

    analysed.clear()
    article.section = "economy"
    article.save()
    # The section is a filter of the search document: its tags are rewritten, its analysed
    # text is not (the section model gives most articles theirs after they are indexed).
    assert analysed == []
    assert found("agriculteurs", section="economy") == {article.pk}
    assert found("agriculteurs", section="sports") == set()
    assert SearchDoc.objects.get(article_id=article.pk).section == "economy"
    retagged, digest = indexed(article.pk), SearchDoc.objects.get(article_id=article.pk).digest
    assert services.index_articles([article.pk], force=True) == 1
    assert (indexed(article.pk), SearchDoc.objects.get(article_id=article.pk).digest) == (
        retagged, digest)  # what a whole rewrite gives
    article.section = "sports"
    article.title = "Sécheresse : le gouvernement soutient les agriculteurs et les éleveurs"
    article.save()
    assert "Sécheresse : le gouvernement soutient les agriculteurs et les éleveurs" in analysed
    assert found("éleveurs", section="sports") == {article.pk}
    assert found("agriculteurs", section="economy") == set()
    article.section = ""
    article.save()
    assert found("éleveurs") == {article.pk} and found("éleveurs", section="sports") == set()

    article.hidden = True
    article.save()
    assert found("agriculteurs") == set()
    assert not SearchDoc.objects.filter(article_id=article.pk).exists()
    article.hidden = False
    article.save()
    assert found("agriculteurs") == {article.pk}


def test_document_and_its_digest_are_those_the_index_writes() -> None:
    source = make_source("lematin", "Le Matin")
    article = make_article(source, title="الانتخابات الرئاسية في موعدها", language="ar",
                           text="أكدت الهيئة أن الانتخابات ستجري في موعدها.", published=NOW)
    article = Article.objects.select_related("source").get(pk=article.pk)
    doc, digest = services.document(article)
    assert SearchDoc.objects.get(article_id=article.pk).digest == digest
    assert doc.article_id == article.pk and doc.title and f"s{source.pk}" in doc.tags
    assert services.index_articles([article.pk]) == 0  # nothing changed
    assert services.index_articles([article.pk], force=True) == 1
