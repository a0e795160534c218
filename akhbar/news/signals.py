"""Every saved change that shows on pages says what changed (see akhbar.web.cache)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from akhbar.news.models import Article, ArticleRevision, Image
from akhbar.sources.models import Source
from akhbar.web.cache import pages_changed

# Article fields that no page shows: saving only these changes nothing for readers.
UNSEEN_FIELDS = frozenset({"extract_attempts", "entry_hash", "feed_updated", "fp_exact",
                           "fingerprint", "cluster_features", "cluster_seq", "fetched_at"})


def article_pages_changed(article: Article, *, news: bool = False) -> None:
    """The pages showing ``article``: its own, its outlet's, section's and story's, the lists
    (``news``: a new article, see ``pages_changed``)."""
    pages_changed(articles=[article.pk], sources=[article.source_id], sections=[article.section],
                  stories=[article.story_id], news=news)


def image_pages_changed(image_id: int, *, news: bool = False) -> None:
    """The pages showing an image: its articles' pages and the lists around them (``news``: a
    picture just fetched for them; blocking one is not news)."""
    rows = list(Article.objects.filter(image_id=image_id).values_list(
        "pk", "source_id", "section", "story_id"))
    pages_changed(images=[image_id], articles=[r[0] for r in rows], sources=[r[1] for r in rows],
                  sections=[r[2] for r in rows], stories=[r[3] for r in rows], news=news)


def _changed(sender: type, **kwargs: Any) -> None:
    # In the same transaction as the change: the change is logged when the content commits.
    instance = kwargs["instance"]
    if isinstance(instance, Article):
        fields = kwargs.get("update_fields")
        if fields is not None and set(fields) <= UNSEEN_FIELDS:
            return
        # A new article is news arriving; any later save (a correction, hiding it) is not.
        article_pages_changed(instance, news=bool(kwargs.get("created")))
    elif isinstance(instance, ArticleRevision):
        pages_changed(articles=[instance.article_id])
    elif isinstance(instance, Image):
        if kwargs.get("created"):
            return  # a picture just recorded shows on no page yet: its article comes next
        image_pages_changed(instance.pk)
    else:
        # An outlet's name and pause show on every page that lists its articles.
        pages_changed(sources=[instance.pk], everything=True)


def connect() -> None:
    for model in (Article, ArticleRevision, Image, Source):
        post_save.connect(_changed, sender=model, dispatch_uid=f"bump-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
