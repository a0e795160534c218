"""``akhbar classify INPUT.jsonl``: a section for each article, offline (no database, no network).

Input: the JSON Lines of ``akhbar cluster`` (``id`` required; ``title``, ``text``, ``language``
optional; other fields ignored). Output: ``id<TAB>section`` per input line, in input order, the
section slug empty when the model is unsure. The articles are embedded as the story clusterer
embeds them (title and lead), so the live pipeline's stored vectors and this command agree.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from akhbar.ingest.cluster.clusterer import StoryClusterer
from akhbar.ingest.cluster.command import read_input, stream_config
from akhbar.ingest.cluster.config import ClusterConfig, ClusterDoc
from akhbar.ingest.cluster.embed import Embedder, make_embedder
from akhbar.ingest.sections_model import (
    DEFAULT_MODEL_PATH,
    Matrix,
    Prediction,
    SectionModel,
    SectionModelError,
    load_section_model,
    story_average,
)


def embed_docs(embedder: Embedder, docs: Sequence[ClusterDoc],
               config: ClusterConfig | None = None) -> Matrix:
    """The story clusterer's vectors of docs (title then lead, the clusterer's query kind)."""
    config = config or ClusterConfig()
    clusterer = StoryClusterer(embedder, config)
    if not docs:
        return np.zeros((0, 0), dtype=np.float32)
    rows = [embedder.embed([clusterer.embedding_text(doc)], kind=config.embed_kind)[0]
            for doc in docs]
    return np.asarray(np.stack(rows), dtype=np.float32)


def classify_docs(model: SectionModel, embedder: Embedder, docs: Sequence[ClusterDoc], *,
                  stories: bool = False, threshold: float | None = None) -> list[Prediction]:
    """The model's answer for each doc (its story's with ``stories``)."""
    if not docs:
        return []
    titles = [doc.title for doc in docs]
    limit = model.limit(titles) if threshold is None else threshold
    if not stories:
        return model.predict(embed_docs(embedder, docs), limit, titles)
    clusterer = StoryClusterer(embedder, stream_config(docs, ClusterConfig()))
    members = clusterer.features(docs)
    probabilities = model.probabilities(np.stack([m.vector for m in members]), titles)
    keys = clusterer.place_stream(members)
    return model.decide(story_average(probabilities, [keys[doc.id] for doc in docs]), limit)


def run_classify(
    input_path: str,
    *,
    out: TextIO,
    err: TextIO | None = None,
    embedder: Embedder | None = None,
    model: SectionModel | None = None,
    model_path: str | Path = DEFAULT_MODEL_PATH,
    stories: bool = False,
) -> int:
    """Print ``id<TAB>section-slug-or-empty`` for each article of input_path ("-": stdin);
    returns the exit status (0, or 2 with a message on err for unusable input or model)."""
    err = err if err is not None else sys.stderr
    docs = read_input(input_path, "classify", err)
    if docs is None:
        return 2
    try:
        model = model or load_section_model(model_path)
    except SectionModelError as exc:
        print(f"akhbar classify: {exc}", file=err)
        return 2
    if embedder is None:
        try:
            # The model's own embedder: its weights only make sense on those vectors.
            embedder = make_embedder(model.embedder)
        except (ImportError, ValueError, OSError) as exc:
            print(f"akhbar classify: cannot load the embedder: {exc}", file=err)
            return 2
    predictions = classify_docs(model, embedder, docs, stories=stories)
    for doc, prediction in zip(docs, predictions, strict=True):
        out.write(f"{doc.id}\t{prediction.section or ''}\n")
    out.flush()
    return 0
