"""What an article gets once its story features are computed: a section from the section model
when the rules gave none, and the topics it names (akhbar/news/topics.py); and, once articles are
placed in stories, the section of their story (``annotate_stories``: each member's section is the
model's decision on the mean of its story's probabilities, as ``akhbar classify --stories``)."""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from akhbar.ingest.sections_model import (
    SectionModel,
    SectionModelError,
    load_section_model,
    story_average,
)
from akhbar.news.models import Article
from akhbar.news.topics import record_article_topics
from akhbar.web.cache import pages_changed

log = logging.getLogger(__name__)


@functools.cache
def section_model() -> SectionModel | None:
    """The shipped section model, read once per process (None when it cannot be read)."""
    try:
        return load_section_model()
    except SectionModelError as exc:
        log.error("no section model: %s", exc)
        return None


def model_section(features: Mapping[str, Any], title: str | None = None) -> str | None:
    """The model's section for stored story features (and the title, which the model's lexical
    half reads), or None (unsure, no model, or vectors from an embedder the model was not
    trained on)."""
    model = section_model()
    vector = None if model is None else _vector(model, features)
    if model is None or vector is None:
        return None
    return model.predict(vector[None, :], titles=None if title is None else [title])[0].section


def _vector(model: SectionModel, features: Mapping[str, Any] | None) -> np.ndarray | None:
    """The stored story vector when the model can read it (same embedder, same size)."""
    if not features or features.get("embedder") != model.embedder or "vector" not in features:
        return None
    vector = np.frombuffer(base64.b64decode(features["vector"]), dtype="<f4")
    return vector if vector.shape[0] == model.dim else None


def annotate_article(article: Article, features: Mapping[str, Any]) -> None:
    """Give a section-less article the model's section (rules always win: an article with a
    section keeps it) and record the topics it names."""
    if not article.section:
        section = model_section(features, article.title)
        if section:
            updated = Article.objects.filter(pk=article.pk, section="").update(
                section=section, section_source="model")
            if updated:
                article.section, article.section_source = section, "model"
                pages_changed(articles=[article.pk], sections=[section], news=True)
    record_article_topics(article)


#: A story's section is decided on its newest members (bounded work for big stories); older
#: members keep the section they were given when the story was smaller.
STORY_MEMBERS = 50


def annotate_stories(story_ids: Iterable[int], members: int = STORY_MEMBERS) -> int:
    """Give the members of these stories their story's section: the model's decision on the mean
    of the newest members' probabilities (title and stored vector), with the model's threshold;
    below it, no section. Only members whose section did not come from the rules are changed (a
    section without a source is the rules', as the API says). Pages of changed articles and of
    their old and new sections are told. Returns how many articles changed."""
    model = section_model()
    story_ids = sorted(set(story_ids))
    if model is None or not story_ids:
        return 0
    rows = list(
        Article.objects.filter(story_id__in=story_ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("story_id")],
                              order_by=[F("published").desc(nulls_last=True), F("id").desc()]))
        .filter(rank__lte=members)
        .values_list("id", "story_id", "title", "section", "section_source", "cluster_features")
    )
    by_story: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_story.setdefault(row[1], []).append(row)
    articles: list[int] = []
    sections: set[str] = set()
    with transaction.atomic():
        for story_rows in by_story.values():
            articles += _decide_story(model, story_rows, sections)
        if articles:
            pages_changed(articles=articles, sections=sorted(sections), news=True)
    return len(articles)


def _decide_story(model: SectionModel, rows: list[tuple[Any, ...]],
                  sections: set[str]) -> list[int]:
    """The ids of the story's members whose section changed (old and new sections into
    ``sections``)."""
    read = [(row, vector) for row in rows if (vector := _vector(model, row[5])) is not None]
    if not read:  # no member the model can read (e.g. re-embedding after an embedder change)
        return []
    titles = [row[2] for row, _ in read]
    probabilities = model.probabilities(np.stack([vector for _, vector in read]), titles)
    mean = story_average(probabilities, ["story"] * len(read))[:1]
    section = model.decide(mean, model.limit(titles))[0].section or ""
    source = "model" if section else ""
    # Rules win: only members without a section or with the model's may change.
    stale = [row for row in rows if (not row[3] or row[4] == "model")
             and (row[3], row[4]) != (section, source)]
    if not stale:
        return []
    ids = [row[0] for row in stale]
    Article.objects.filter(pk__in=ids).filter(Q(section="") | Q(section_source="model")).update(
        section=section, section_source=source)
    sections |= {row[3] for row in stale if row[3]} | ({section} - {""})
    return ids
