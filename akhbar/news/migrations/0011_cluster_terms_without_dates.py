"""Recompute the lexical terms of stored clustering features: days, months and day numbers
are no longer terms (see akhbar.ingest.cluster._DATE_WORDS), so articles stored before weigh
title words as new ones do. No embedding is recomputed."""

from __future__ import annotations

from typing import Any

from django.db import migrations

BATCH = 500


def recompute_terms(apps: Any, schema_editor: Any) -> None:
    from akhbar.ingest.cluster import ClusterConfig, encode_terms, lexical_terms

    del schema_editor
    Article = apps.get_model("news", "Article")
    lead_chars = ClusterConfig().lead_chars
    stored = Article.objects.filter(cluster_features__isnull=False).only(
        "id", "title", "text", "summary", "cluster_features"
    )
    changed = []
    for article in stored.iterator(chunk_size=BATCH):
        features = dict(article.cluster_features)
        text = (article.text or article.summary or "")[:lead_chars]
        terms = encode_terms(lexical_terms(article.title, text, features.get("anchors", ())))
        if features.get("terms") == terms:
            continue
        features["terms"] = terms
        article.cluster_features = features
        changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["cluster_features"])
            changed = []
    if changed:
        Article.objects.bulk_update(changed, ["cluster_features"])


class Migration(migrations.Migration):
    dependencies = [("news", "0010_clusterstate_embedder")]

    operations = [migrations.RunPython(recompute_terms, migrations.RunPython.noop)]
