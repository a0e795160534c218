"""Add the lexical terms (hashed title words, character grams and anchors) and the language to
the clustering features stored before they existed, so stories in memory weigh shared title
words at once instead of after a retention period. No embedding is recomputed."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from akhbar.news.migrations._cluster_terms import rewrite_terms


def add_terms(apps: Any, schema_editor: Any) -> None:
    del schema_editor
    rewrite_terms(apps, only_missing=True)


class Migration(migrations.Migration):
    dependencies = [("news", "0008_title_folded")]

    operations = [migrations.RunPython(add_terms, migrations.RunPython.noop)]
