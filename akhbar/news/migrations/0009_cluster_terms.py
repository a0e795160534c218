"""Add the lexical terms (hashed title words, character grams and anchors) and the language to
the clustering features stored before they existed, so stories in memory weigh shared title
words at once instead of after a retention period. No embedding is recomputed."""

from __future__ import annotations

from typing import Any

from django.db import migrations

BATCH = 500


def add_terms(apps: Any, schema_editor: Any) -> None:
    from akhbar.ingest.cluster import ClusterConfig, encode_terms, lexical_terms

    del schema_editor
    Article = apps.get_model("news", "Article")
    lead_chars = ClusterConfig().lead_chars
    pending = Article.objects.filter(cluster_features__isnull=False).only(
        "id", "title", "text", "summary", "language", "cluster_features"
    )
    changed = []
    for article in pending.iterator(chunk_size=BATCH):
        features = dict(article.cluster_features)
        if features.get("terms"):
            continue
        text = (article.text or article.summary or "")[:lead_chars]
        features["terms"] = encode_terms(
            lexical_terms(article.title, text, features.get("anchors", ()))
        )
        features.setdefault("language", article.language or None)
        features.pop("stems", None)
        article.cluster_features = features
        changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["cluster_features"])
            changed = []
    if changed:
        Article.objects.bulk_update(changed, ["cluster_features"])


class Migration(migrations.Migration):
    dependencies = [("news", "0008_title_folded")]

    operations = [migrations.RunPython(add_terms, migrations.RunPython.noop)]
