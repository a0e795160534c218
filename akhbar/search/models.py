"""The search index's own rows: one per indexed article, one per outlet's indexed state.

The full-text part lives beside them, per engine: an FTS5 table ``search_fts`` on SQLite,
a ``document`` tsvector column with a GIN index on PostgreSQL (see the migration).
"""

from __future__ import annotations

from django.db import models


class SearchDoc(models.Model):
    """An indexed article: what the filters read, and a digest of what was indexed."""

    # No foreign key: the index is written inside the article's transaction by akhbar code,
    # and a deleted article's row is removed by the same code (an FTS5 table cannot cascade).
    article_id = models.BigIntegerField(primary_key=True)
    source_id = models.BigIntegerField(db_index=True)
    language = models.CharField(max_length=8)
    section = models.CharField(max_length=16, blank=True)
    published = models.DateTimeField(db_index=True)
    # sha1 of everything indexed: a save that changed none of it writes nothing.
    digest = models.CharField(max_length=40)


class SearchSource(models.Model):
    """What the index holds of an outlet (name, editions): a source save that changed
    neither (a fetch, a pause) touches none of its articles' rows."""

    source_id = models.BigIntegerField(primary_key=True)
    state = models.CharField(max_length=40)


class SearchIndexState(models.Model):
    """One row: the analysis version (akhbar.ingest.textsearch.ANALYSIS_VERSION) the whole
    index was last rebuilt with, and when."""

    analysis_version = models.PositiveIntegerField()
    rebuilt_at = models.DateTimeField(null=True)
