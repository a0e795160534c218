"""The section model's lexical half: a naive Bayes over hashed words and letter grams of the title.

The embedding half (``akhbar.ingest.sections_model``) reads a title's meaning through
multilingual-e5 vectors; on short French headlines it misses the words that name a section
outright ("Bourse", "smartphone", "mercato", "série"). This half counts, per section, the titles of
the training headlines that contain each folded word and each 3–5 letter gram of a word (hashed
into ``buckets`` with CRC-32, so the file holds no vocabulary), and scores a title by the mean log
probability of its features under each section. The model file stores the counts (uint8, zlib,
base64): small, and the same counts give the same scores on every machine.
"""

from __future__ import annotations

import base64
import functools
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"\w+")
GRAMS = (3, 4, 5)


def fold(text: str) -> str:
    """Lower case without accents (Arabic letters are kept as they are, minus diacritics)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def title_features(title: str) -> set[str]:
    """The words of a title (digits left out) and the 3–5 letter grams of each, folded."""
    out = set()
    for word in _WORD.findall(fold(title)):
        if word.isdigit():
            continue
        out.add("w:" + word)
        padded = f"<{word}>"
        for size in GRAMS:
            out.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return out


@dataclass(frozen=True)
class LexicalModel:
    """Per-section counts of hashed title features; ``scores`` gives mean log probabilities."""

    counts: npt.NDArray[np.uint8]  # (sections, buckets): titles of a section with the feature
    alpha: float = 0.1

    @property
    def buckets(self) -> int:
        return int(self.counts.shape[1])

    def indices(self, title: str) -> list[int]:
        return sorted({zlib.crc32(f.encode("utf-8")) % self.buckets for f in title_features(title)})

    @functools.cached_property
    def log_probs(self) -> npt.NDArray[np.float64]:
        """log p(feature | section), computed once (the live pipeline asks per article)."""
        counts = self.counts.astype(np.float64) + self.alpha
        return np.log(counts / counts.sum(axis=1, keepdims=True))

    def scores(self, titles: Sequence[str]) -> npt.NDArray[np.float64]:
        """(n, sections): the mean log probability of each title's features per section
        (zeros for a title without features: no opinion)."""
        log_probs = self.log_probs
        out = np.zeros((len(titles), self.counts.shape[0]))
        for row, title in enumerate(titles):
            index = self.indices(title)
            if index:
                out[row] = log_probs[:, index].mean(axis=1)
        return out

    def to_json(self) -> dict[str, Any]:
        raw = zlib.compress(np.ascontiguousarray(self.counts, dtype=np.uint8).tobytes(), 9)
        return {"buckets": self.buckets, "alpha": self.alpha,
                "counts": base64.b64encode(raw).decode("ascii")}

    @classmethod
    def from_json(cls, data: dict[str, Any], sections: int) -> LexicalModel:
        buckets = int(data["buckets"])
        raw = zlib.decompress(base64.b64decode(data["counts"]))
        counts = np.frombuffer(raw, dtype=np.uint8)
        if counts.size != sections * buckets:
            raise ValueError(f"lexical counts do not match {sections} x {buckets}")
        return cls(counts.reshape(sections, buckets).copy(), float(data.get("alpha", 0.1)))


def train_lexical(titles: Sequence[str], labels: Sequence[str], sections: Sequence[str],
                  buckets: int = 32768, alpha: float = 0.1) -> LexicalModel:
    """Count, per section, the titles holding each hashed feature (capped at 255)."""
    index = {s: i for i, s in enumerate(sections)}
    counts = np.zeros((len(sections), buckets), dtype=np.int64)
    probe = LexicalModel(np.zeros((1, buckets), dtype=np.uint8), alpha)
    for title, label in zip(titles, labels, strict=True):
        counts[index[label], probe.indices(title)] += 1
    return LexicalModel(np.minimum(counts, 255).astype(np.uint8), alpha)
