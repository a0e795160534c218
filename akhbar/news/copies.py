"""Syndicated copies: link a republished dispatch to the earliest article of its group.

Fingerprints, band keys, the copy decision and the relinking of a group all come from
``akhbar.ingest.copies``; this module is where they are kept: the LSH index lives in the
database (``ArticleBand``) so that every worker process finds the same candidates without a
rebuild.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection

from akhbar.ingest import copies
from akhbar.ingest.copies import Fingerprint, Fingerprinter, fingerprint_from_json
from akhbar.news.models import Article, ArticleBand
from akhbar.web.cache import pages_changed


@functools.cache
def fingerprinter() -> Fingerprinter:
    """One Fingerprinter per process (it holds the MinHash permutations)."""
    return Fingerprinter()


def fingerprint_of(title: str, text: str) -> Fingerprint:
    return fingerprinter().fingerprint(title, text)


class ArticleCopyStore:
    """The copy index in the database: fingerprints on Article rows, band keys as
    ArticleBand rows, originals as Article.copy_of."""

    def __init__(self, created: int | None = None) -> None:
        # The originals this store changed (the caller's instance is kept in step with them).
        self.changed: dict[int, int | None] = {}
        # An article inserted with its fingerprint already (store_article): no row to update,
        # no old band to delete.
        self.created = created

    def save(self, key: int, fp: Fingerprint, published: datetime | None, bands: list[int]) -> None:
        del published  # already on the row
        if key != self.created:
            Article.objects.filter(pk=key).update(fp_exact=fp.exact,
                                                  fingerprint=copies.fingerprint_to_json(fp))
            ArticleBand.objects.filter(article_id=key).delete()
        _insert_bands(key, bands)

    def candidates(self, key: int, fp: Fingerprint, bands: list[int]) -> set[int]:
        # No ORDER BY (a set is wanted): with the articles' default ordering, SQLite scanned
        # the whole table in published order whenever its statistics said fp_exact was not
        # selective (an archive stored before fingerprints, all ''), 7 ms at 2,500 articles
        # instead of an index lookup (docs/BENCHMARKS.md, "ingestion CPU per article, third cut").
        found = set(
            Article.objects.filter(fp_exact=fp.exact).exclude(pk=key).order_by()
            .values_list("pk", flat=True)
        )
        if bands:
            found |= set(
                ArticleBand.objects.filter(band__in=bands).exclude(article_id=key)
                .values_list("article_id", flat=True)
            )
        return found

    def stored(self, keys: set[int]) -> Iterable[tuple[int, Fingerprint | None, int | None]]:
        rows = Article.objects.filter(pk__in=keys).only("id", "fp_exact", "fingerprint", "copy_of")
        return [(a.pk, fingerprint_from_json(a.fp_exact, a.fingerprint), a.copy_of_id)
                for a in rows]

    def group(self, roots: set[int]) -> Iterable[tuple[int, datetime | None, int | None]]:
        rows = (Article.objects.filter(pk__in=roots).only("id", "published", "copy_of")
                | Article.objects.filter(copy_of_id__in=roots).only("id", "published", "copy_of"))
        return [(a.pk, a.published, a.copy_of_id) for a in rows]

    def set_original(self, key: int, original: int | None) -> None:
        Article.objects.filter(pk=key).update(copy_of_id=original)
        self.changed[key] = original


def _insert_bands(key: int, bands: list[int]) -> None:
    """An article's band rows in one INSERT. The same rows as ``bulk_create``, which built and
    compiled a model instance per band: 0.45 CPU ms for an article's 42 rows against 0.08 here,
    on every stored article (docs/BENCHMARKS.md, "ingestion CPU per article, third cut")."""
    if not bands:
        return
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(ArticleBand._meta.db_table)} ({qn('article_id')}, {qn('band')}) "
           f"VALUES {', '.join(['(%s, %s)'] * len(bands))}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for band in bands for value in (key, band)])


def fingerprint_fields(fp: Fingerprint) -> dict[str, Any]:
    """The article fields that hold a fingerprint, to insert a new article with (then
    ``link_copies(article, fp, created=True)`` writes only its band keys)."""
    return {"fp_exact": fp.exact, "fingerprint": copies.fingerprint_to_json(fp)}


def link_copies(article: Article, fp: Fingerprint, *, created: bool = False) -> Article | None:
    """Record ``article``'s fingerprint and relink its copy group; returns its original or None.

    The group is the article, the stored articles whose text it near-duplicates, their
    originals and those originals' copies; its earliest member (published, then id) is the
    original of all the others, so an earlier article that arrives late takes over the group.
    Call inside the transaction that stores the article; ``created``: the article was just
    inserted with ``fingerprint_fields(fp)``.
    """
    store = ArticleCopyStore(created=article.pk if created else None)
    original_id = copies.link_copies(store, article.pk, fp, article.published, article.copy_of_id)
    if store.changed:
        # Other articles' "reprise" links changed (update() sends no signal).
        # The originals list their copies ("also published by") and lists fold them.
        originals = [o for o in store.changed.values() if o is not None]
        pages_changed(articles=[*store.changed, *originals], news=True)
    if article.pk in store.changed:
        article.copy_of_id = store.changed[article.pk]
    return None if original_id is None else Article.objects.get(pk=original_id)
