"""What an article gets once its story features are computed: a section from the section model
when the rules gave none, and the topics it names (akhbar/news/topics.py)."""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from akhbar.ingest.sections_model import SectionModel, SectionModelError, load_section_model
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
    if model is None or features.get("embedder") != model.embedder or "vector" not in features:
        return None
    vector = np.frombuffer(base64.b64decode(features["vector"]), dtype="<f4")
    if vector.shape[0] != model.dim:
        return None
    return model.predict(vector[None, :], titles=None if title is None else [title])[0].section


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
