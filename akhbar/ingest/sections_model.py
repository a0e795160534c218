"""A section for articles the rules leave without one: a small linear model over the story
embeddings (multilingual-e5 vectors of title and lead, as ``akhbar.ingest.cluster`` computes them).

The model (``data/sections_model.json``) is a softmax regression, one weight row per section,
optionally fused with a naive Bayes over the title's words and letter grams
(``akhbar.ingest.sections_lexical``: format ``/2``), trained by ``scripts/train_sections.py`` on headlines the project wrote itself
(``data/sections_train.tsv``) and, optionally, on the embeddings of articles whose section the
rules decided. It answers a section with its probability; below the model's threshold it answers
nothing, rather than a wrong section. The rules (``akhbar.ingest.sections``) always win: callers ask
the model only when the rules are silent.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from akhbar.ingest.sections import SECTION_KEYS
from akhbar.ingest.sections_lexical import LexicalModel

#: Where the model shipped with the project lives (a source checkout).
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "sections_model.json"
#: Where the project's own training headlines live.
DEFAULT_TRAINING_PATH = Path(__file__).resolve().parents[2] / "data" / "sections_train.tsv"

FORMAT = "akhbar-sections-softmax/1"
#: With a lexical half: p ∝ p_vector^(1 - weight) · exp(weight · lexical score / temperature).
FORMAT_LEXICAL = "akhbar-sections-softmax/2"

Matrix = npt.NDArray[np.float32]


class SectionModelError(ValueError):
    """The model file is unreadable or invalid; the message names the file and the problem."""


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one article: a section key (None when unsure) and how sure."""

    section: str | None
    confidence: float
    best: str  # the most likely section, even below the threshold


@dataclass(frozen=True)
class SectionModel:
    """Softmax regression over unit embeddings: p(section | v) = softmax(W v + b)."""

    sections: tuple[str, ...]
    weights: Matrix  # (len(sections), dim)
    bias: Matrix  # (len(sections),)
    threshold: float
    embedder: str  # the embedder whose vectors it was trained on (AKHBAR_EMBEDDER's value)
    info: dict[str, Any]
    lexical: LexicalModel | None = None
    lexical_weight: float = 0.0
    lexical_temperature: float = 0.1
    # The threshold of the vector half alone, for callers without the title.
    vector_threshold: float | None = None

    @property
    def dim(self) -> int:
        return int(self.weights.shape[1])

    def probabilities(self, vectors: Matrix, titles: Sequence[str] | None = None) -> Matrix:
        """Row-wise section probabilities of unit vectors (n, dim), fused with the lexical
        half's scores of the titles when the model has one and titles are given."""
        logits = np.asarray(vectors, dtype=np.float32) @ self.weights.T + self.bias
        probs = _softmax(logits)
        if self.lexical is None or titles is None:
            return probs
        fused = ((1.0 - self.lexical_weight) * np.log(probs.astype(np.float64) + 1e-9)
                 + self.lexical_weight * self.lexical.scores(titles) / self.lexical_temperature)
        return _softmax(fused)

    def limit(self, titles: Sequence[str] | None) -> float:
        """The model's threshold for these inputs (the vector half's alone without titles)."""
        if self.lexical is not None and titles is None and self.vector_threshold is not None:
            return self.vector_threshold
        return self.threshold

    def predict(self, vectors: Matrix, threshold: float | None = None,
                titles: Sequence[str] | None = None) -> list[Prediction]:
        """One prediction per row: the likeliest section when its probability reaches the
        threshold (the model's own unless given), else no section. Give the titles: with a
        lexical half the model reads them too (without them, the vector half answers alone
        at its own threshold)."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if vectors.shape[1] != self.dim:
            raise SectionModelError(
                f"vectors have {vectors.shape[1]} dimensions, the model {self.dim} "
                f"(trained on {self.embedder}'s vectors)")
        return self.decide(self.probabilities(vectors, titles),
                           self.limit(titles) if threshold is None else threshold)

    def decide(self, probabilities: Matrix, limit: float) -> list[Prediction]:
        """Predictions from rows of probabilities (e.g. averaged over a story)."""
        out = []
        for row in np.atleast_2d(probabilities):
            index = int(row.argmax())
            confidence = float(row[index])
            best = self.sections[index]
            out.append(Prediction(best if confidence >= limit else None, confidence, best))
        return out

    def to_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.lexical is not None:
            extra = {"lexical": {**self.lexical.to_json(), "weight": self.lexical_weight,
                                 "temperature": self.lexical_temperature},
                     "vector_threshold": self.vector_threshold}
        return {
            "format": FORMAT_LEXICAL if self.lexical is not None else FORMAT,
            "sections": list(self.sections),
            "dim": self.dim,
            "threshold": self.threshold,
            "embedder": self.embedder,
            "weights": _b64(self.weights),
            "bias": _b64(self.bias),
            "info": self.info,
            **extra,
        }


def story_average(probabilities: Matrix, stories: Sequence[str]) -> Matrix:
    """Each row replaced by the mean of its story's rows: the members of a story share one
    section, and members that disagree lower the story's confidence (the mean probability)."""
    out = np.array(probabilities, dtype=np.float32, copy=True)
    groups: dict[str, list[int]] = {}
    for row, story in enumerate(stories):
        groups.setdefault(story, []).append(row)
    for rows in groups.values():
        if len(rows) > 1:
            out[rows] = out[rows].mean(axis=0)
    return out


def _softmax(logits: npt.NDArray[Any]) -> Matrix:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def _b64(array: npt.NDArray[Any]) -> str:
    return base64.b64encode(np.asarray(array, dtype="<f4").tobytes()).decode("ascii")


def save_section_model(model: SectionModel, path: str | Path) -> None:
    """Write the model as JSON (weights as little-endian float32, base64)."""
    Path(path).write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")


def load_section_model(path: str | Path = DEFAULT_MODEL_PATH) -> SectionModel:
    """Read and validate a model file (``data/sections_model.json`` by default)."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SectionModelError(f"{file}: cannot read ({exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SectionModelError(f"{file}: invalid JSON ({exc})") from exc
    try:
        if data["format"] not in (FORMAT, FORMAT_LEXICAL):
            raise SectionModelError(f"{file}: unknown format {data['format']!r}")
        sections = tuple(data["sections"])
        if not sections or set(sections) - set(SECTION_KEYS):
            raise SectionModelError(f"{file}: sections must be among {', '.join(SECTION_KEYS)}")
        dim = int(data["dim"])
        weights = np.frombuffer(base64.b64decode(data["weights"]), dtype="<f4").astype(np.float32)
        bias = np.frombuffer(base64.b64decode(data["bias"]), dtype="<f4").astype(np.float32)
        if weights.size != dim * len(sections) or bias.size != len(sections):
            raise SectionModelError(f"{file}: weights do not match {len(sections)} x {dim}")
        threshold = float(data["threshold"])
        lexical, weight, temperature, vector_threshold = None, 0.0, 0.1, None
        if data["format"] == FORMAT_LEXICAL:
            part = data["lexical"]
            lexical = LexicalModel.from_json(part, len(sections))
            weight, temperature = float(part["weight"]), float(part["temperature"])
            if data.get("vector_threshold") is not None:
                vector_threshold = float(data["vector_threshold"])
        return SectionModel(sections, weights.reshape(len(sections), dim), bias, threshold,
                            str(data["embedder"]), dict(data.get("info") or {}), lexical,
                            weight, temperature, vector_threshold)
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        if isinstance(exc, SectionModelError):
            raise
        raise SectionModelError(f"{file}: invalid model ({exc!r})") from exc


def train_softmax(
    vectors: Matrix,
    labels: Sequence[str],
    sections: Sequence[str] = SECTION_KEYS,
    *,
    l2: float = 1e-3,
    steps: int = 600,
    learning_rate: float = 2.0,
    scale: float = 20.0,
) -> tuple[Matrix, Matrix]:
    """Weights and bias of a softmax regression (full-batch gradient descent, deterministic).

    The unit vectors are multiplied by ``scale`` first (cosines between e5 vectors span a
    narrow band), which the returned weights include. Classes are weighted equally.
    """
    index = {s: i for i, s in enumerate(sections)}
    x = np.asarray(vectors, dtype=np.float64) * scale
    y = np.array([index[label] for label in labels])
    n, dim = x.shape
    k = len(sections)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    counts = onehot.sum(axis=0)
    sample_weight = (n / (k * np.maximum(counts, 1.0)))[y]
    w = np.zeros((k, dim))
    b = np.zeros(k)
    for _ in range(steps):
        logits = x @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = (p - onehot) * sample_weight[:, None] / n
        w -= learning_rate * (grad.T @ x + l2 * w)
        b -= learning_rate * grad.sum(axis=0)
    return (w * scale).astype(np.float32), b.astype(np.float32)


def read_training_file(path: str | Path = DEFAULT_TRAINING_PATH) -> list[tuple[str, str, str]]:
    """(section, language, headline) rows of a training TSV (``#`` lines are comments)."""
    rows = []
    file = Path(path)
    for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in SECTION_KEYS or not parts[2].strip():
            raise SectionModelError(f"{file}:{lineno}: expected section<TAB>language<TAB>text")
        rows.append((parts[0], parts[1], parts[2].strip()))
    return rows
