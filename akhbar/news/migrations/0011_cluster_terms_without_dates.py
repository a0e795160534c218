"""Recompute the lexical terms of stored clustering features: days, months and day numbers
are no longer terms (see akhbar.ingest.cluster._DATE_WORDS), so articles stored before weigh
title words as new ones do. No embedding is recomputed."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from akhbar.news.migrations._cluster_terms import rewrite_terms


def recompute_terms(apps: Any, schema_editor: Any) -> None:
    del schema_editor
    rewrite_terms(apps, only_missing=False)


class Migration(migrations.Migration):
    dependencies = [("news", "0010_clusterstate_embedder")]

    operations = [migrations.RunPython(recompute_terms, migrations.RunPython.noop)]
