"""Every change that shows on pages bumps the content version (see akhbar.web.cache)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from akhbar.news.models import Article, ArticleRevision, Image
from akhbar.sources.models import Source
from akhbar.web.cache import pages_changed


def _changed(sender: type, **kwargs: Any) -> None:
    # In the same transaction as the change: readers see the old version with the old content
    # until commit, then the new version with the new content, never a new key on old content.
    instance = kwargs["instance"]
    if isinstance(instance, Article):
        pages_changed(articles=[instance.pk], stories=[instance.story_id] if instance.story_id else ())
    elif isinstance(instance, ArticleRevision):
        pages_changed(articles=[instance.article_id])
    elif isinstance(instance, Image):
        pages_changed(images=[instance.pk])
    else:
        pages_changed(sources=[instance.pk])


def connect() -> None:
    for model in (Article, ArticleRevision, Image, Source):
        post_save.connect(_changed, sender=model, dispatch_uid=f"bump-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
