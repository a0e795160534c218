"""Writes of the search index: follow every visible change, rebuild everything on demand."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from akhbar.ingest.textsearch import ANALYSIS_VERSION, analyze_with_prefixes
from akhbar.news import queries as news_queries
from akhbar.news.models import Article
from akhbar.search.engines import IndexedText, engine, month_tag
from akhbar.search.models import SearchDoc, SearchIndexState, SearchSource
from akhbar.sources.models import Source

BATCH = 500


def _body(article: Article) -> str:
    # An excerpt-only outlet is searched in what readers see of it, not in the full text we
    # never show (its snippets could otherwise quote what the outlet asked us not to).
    if article.source.display == "excerpt":
        return news_queries.excerpt(article.text or article.summary)
    return article.text or article.summary


def _editions(source: Source) -> list[str]:
    return sorted(news_queries.source_editions(list(source.languages or []),
                                               list(source.editions or [])))


def _tags(article: Article, section: str | None = None) -> list[str]:
    """The document's filter tags (with ``section`` instead of the article's when given)."""
    section = article.section if section is None else section
    tags = [*(f"e{e}" for e in _editions(article.source)), f"l{article.language or 'xx'}",
            f"s{article.source_id}", month_tag(article.published)]
    if section:
        tags.append(f"c{section}")
    return tags


def _digest(article: Article, body: str, extra: str, tags: list[str],
            section: str | None = None) -> str:
    section = article.section if section is None else section
    raw = "\x00".join([article.title, body, extra, article.language or "", section or "",
                       article.published.isoformat(), *tags])
    return hashlib.sha1(raw.encode()).hexdigest()


def _extra(article: Article) -> str:
    return " ".join([article.source.name, *(a for a in article.authors if isinstance(a, str))])


def document(article: Article) -> tuple[IndexedText, str]:
    """An article's indexed text and the digest of everything it was made from."""
    body, extra, tags = _body(article), _extra(article), _tags(article)
    return _analysed(article, body, extra, tags), _digest(article, body, extra, tags)


def _analysed(article: Article, body: str, extra: str, tags: list[str]) -> IndexedText:
    lang = article.language or ""
    title_stems, title_words, title_articles = analyze_with_prefixes(article.title, lang)
    body_stems, body_words, body_articles = analyze_with_prefixes(body, lang)
    extra_stems, extra_words, extra_articles = analyze_with_prefixes(extra, lang)
    return IndexedText(article.pk, title_stems, body_stems, extra_stems,
                       title_words + extra_words + body_words + title_articles + extra_articles
                       + body_articles, tags)


def index_articles(article_ids: Iterable[int], *, force: bool = False) -> int:
    """Bring the index up to date for these articles (inside the caller's transaction):
    visible ones indexed, hidden or deleted ones removed. Returns how many rows were written."""
    ids = sorted({int(i) for i in article_ids if i is not None})
    written = 0
    eng = engine()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        articles = {a.pk: a for a in news_queries.visible_articles().filter(pk__in=chunk)
                    .order_by("pk").select_related(None)
                    .select_related("source").only(
                        "id", "title", "text", "summary", "language", "section", "authors",
                        "published", "source_id", "source__name", "source__display",
                        "source__languages", "source__editions")}
        gone = [i for i in chunk if i not in articles]
        if gone:
            eng.delete(gone)
            SearchDoc.objects.filter(article_id__in=gone).delete()
        known = {a: (digest, section) for a, digest, section in SearchDoc.objects.filter(
            article_id__in=list(articles)).values_list("article_id", "digest", "section")}
        docs, retagged, rows = [], [], []
        for article in articles.values():
            # The digest first: the analysis (stemming title and text) is most of the cost, and
            # most calls change nothing indexed (an article placed in a story, its picture).
            body, extra, tags = _body(article), _extra(article), _tags(article)
            digest = _digest(article, body, extra, tags)
            stored, stored_section = known.get(article.pk, ("", ""))
            if not force and stored == digest:
                continue  # a save that changed nothing searchable (image, story, cluster)
            before = (_tags(article, stored_section)
                      if not force and stored_section != (article.section or "") else None)
            if before is not None and stored == _digest(article, body, extra, before,
                                                        stored_section):
                # Only the section changed (the story thread's section model gives most new
                # articles theirs): the analysed text stays, the filter tags are rewritten.
                retagged.append((article.pk, before, tags))
            else:
                docs.append(_analysed(article, body, extra, tags))
            rows.append(SearchDoc(article_id=article.pk, source_id=article.source_id,
                                  language=article.language or "", section=article.section or "",
                                  published=article.published, digest=digest))
        if rows:
            SearchDoc.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["article_id"],
                update_fields=["source_id", "language", "section", "published", "digest"])
            eng.write(docs)
            eng.retag(retagged)
            written += len(rows)
    return written


def _source_state(source: Source) -> str:
    raw = "\x00".join([source.name, source.display, *_editions(source)])
    return hashlib.sha1(raw.encode()).hexdigest()


def index_sources(source_ids: Iterable[int]) -> int:
    """Re-index the articles of outlets whose indexed state (name, display, editions) changed.

    A source is saved on every fetch and on a pause: those change nothing indexed, and cost
    one small read here.
    """
    written = 0
    for source in Source.objects.filter(pk__in=list(source_ids)):
        state = _source_state(source)
        current = SearchSource.objects.filter(source_id=source.pk).values_list("state", flat=True).first()
        if current == state:
            continue
        if current is not None:
            ids = list(Article.objects.filter(source=source).values_list("pk", flat=True))
            written += index_articles(ids)
        SearchSource.objects.update_or_create(source_id=source.pk, defaults={"state": state})
    return written


def follow_changes(*, articles: Sequence[int] = (), stories: Sequence[int] = (),
                   sources: Sequence[int] = (), images: Sequence[int] = (),
                   everything: bool = False) -> None:
    """The index's side of ``pages_changed``: same call, same transaction.

    Stories and images are not indexed: results read them live (a blocked image is never
    shown, a story merge is seen at once), so they need nothing here. Outlets are looked at
    only when they changed themselves (``everything``: a rename, a display change); a stored
    article names its outlet too, and costs no outlet query for that.
    """
    del stories, images
    if articles:
        index_articles(articles)
    if sources and everything:
        index_sources(sources)


def reindex_all(progress: Callable[[int], Any] | None = None) -> int:
    """Rebuild the whole index from the articles (``akhbar search --reindex``).

    The index is emptied first, then filled batch by batch, each batch its own transaction (a
    million articles in one transaction would hold SQLite's write lock for minutes): searches
    during a rebuild find the part already rebuilt. A write during the rebuild indexes its
    article itself.
    """
    clear_index()
    total = index_ids(
        list(Article.objects.filter(hidden=False).order_by("pk").values_list("pk", flat=True)),
        progress)
    record_rebuilt()
    return total


def clear_index() -> None:
    """Empty the index (the first step of a rebuild)."""
    with transaction.atomic():
        SearchDoc.objects.all().delete()
        SearchSource.objects.all().delete()
        if engine().vendor == "sqlite":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_fts")
        for source in Source.objects.all():
            SearchSource.objects.create(source_id=source.pk, state=_source_state(source))


def index_ids(ids: Sequence[int], progress: Callable[[int], Any] | None = None) -> int:
    """Index these articles (ascending ids) batch by batch, a transaction per batch."""
    total = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        with transaction.atomic():
            total += index_articles(chunk, force=True)
        if progress:
            progress(len(chunk))
    return total


def record_rebuilt() -> None:
    """Recorded once the whole index is rebuilt: an interrupted rebuild stays "stale"."""
    SearchIndexState.objects.update_or_create(
        pk=1, defaults={"analysis_version": ANALYSIS_VERSION, "rebuilt_at": timezone.now()})


def index_state() -> dict[str, object]:
    """For /healthz: the analysis version the index was built with, and whether it is stale
    (built by another version of the analysis: run ``akhbar search --reindex``)."""
    built = SearchIndexState.objects.filter(pk=1).values_list("analysis_version", flat=True).first()
    return {"analysis_version": built, "current_analysis_version": ANALYSIS_VERSION,
            "stale": built != ANALYSIS_VERSION}


def article_count() -> int:
    """How many articles a rebuild will index (for its progress bar)."""
    return Article.objects.filter(hidden=False).count()
