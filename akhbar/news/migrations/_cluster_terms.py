"""Shared by the migrations that (re)write the lexical terms of stored clustering features
(the loader skips modules whose name starts with "_")."""

from __future__ import annotations

from typing import Any

BATCH = 500


def rewrite_terms(apps: Any, *, only_missing: bool) -> None:
    """Compute each stored feature set's terms from its article's title and lead (all of
    them, or only_missing those without), with its language; no embedding is recomputed."""
    from akhbar.ingest.cluster import ClusterConfig, encode_terms, lexical_terms

    Article = apps.get_model("news", "Article")
    lead_chars = ClusterConfig().lead_chars
    stored = Article.objects.filter(cluster_features__isnull=False).only(
        "id", "title", "text", "summary", "language", "cluster_features"
    )
    changed = []
    for article in stored.iterator(chunk_size=BATCH):
        features = dict(article.cluster_features)
        if only_missing and features.get("terms"):
            continue
        text = (article.text or article.summary or "")[:lead_chars]
        updated = features | {
            "terms": encode_terms(lexical_terms(article.title, text, features.get("anchors", ())))
        }
        updated.setdefault("language", article.language or None)
        updated.pop("stems", None)
        if updated == features:
            continue
        article.cluster_features = updated
        changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["cluster_features"])
            changed = []
    if changed:
        Article.objects.bulk_update(changed, ["cluster_features"])
