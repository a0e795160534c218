"""Section model on the Google News FR shared set: ``python -m bench.sections``.

``../shared/bench/clustering/gnews_fr_2019/dev.jsonl`` carries Google News's section of each
headline; five of them are portal sections (sports, science_tech → tech, economie → economy,
divertissements → culture, international → world). Each headline goes through ``akhbar
classify``'s code path (title only: the set has no text) with the shipped model; reports the
accuracy on the headlines the model answers, the coverage (share answered), per section, and the
same at other thresholds. The model is never trained on this set (scripts/train_sections.py
reads the project's own headlines).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from akhbar.ingest.classify import embed_docs  # noqa: E402
from akhbar.ingest.cluster.config import ClusterDoc  # noqa: E402
from akhbar.ingest.cluster.embed import make_embedder  # noqa: E402
from akhbar.ingest.sections_model import DEFAULT_MODEL_PATH, load_section_model  # noqa: E402

GNEWS = ROOT.parent / "shared" / "bench" / "clustering" / "gnews_fr_2019" / "dev.jsonl"
LABELS = {"sports": "sports", "science_tech": "tech", "economie": "economy",
          "divertissements": "culture", "international": "world"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    parser.add_argument("--data", default=str(GNEWS))
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"bench.sections: {args.data} is missing (the shared benchmark data); skipped")
        return 0
    rows = [json.loads(line) for line in open(args.data, encoding="utf-8") if line.strip()]
    rows = [r for r in rows if r["section"] in LABELS]
    model = load_section_model(args.model)
    embedder = make_embedder(model.embedder, threads=1)
    docs = [ClusterDoc(id=r["id"], title=r["title"], text="", language="fr", published=None,
                       source=None) for r in rows]
    started = time.perf_counter()
    vectors = embed_docs(embedder, docs)
    elapsed = time.perf_counter() - started
    gold = [LABELS[r["section"]] for r in rows]
    probs = model.probabilities(vectors)
    best = [model.sections[i] for i in probs.argmax(axis=1)]
    confidence = probs.max(axis=1)
    print(f"{len(rows)} headlines (five labelled sections), model threshold {model.threshold}, "
          f"embedded at {len(rows) / elapsed:.1f} titles/s")
    for threshold in sorted({model.threshold, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}):
        covered = confidence >= threshold
        right = np.array([b == g for b, g in zip(best, gold, strict=True)])
        mark = "  <- shipped" if threshold == model.threshold else ""
        print(f"threshold {threshold:.2f}: accuracy {right[covered].mean():.3f} "
              f"coverage {covered.mean():.3f} (all answered: {right.mean():.3f}){mark}")
    covered = confidence >= model.threshold
    print("per section (accuracy on answered / coverage):")
    for section in sorted(set(gold)):
        idx = [i for i, g in enumerate(gold) if g == section]
        ans = [i for i in idx if covered[i]]
        acc = sum(best[i] == section for i in ans) / max(len(ans), 1)
        wrong = Counter(best[i] for i in ans if best[i] != section).most_common(2)
        print(f"  {section:8s} n={len(idx):3d} accuracy {acc:.3f} coverage "
              f"{len(ans) / len(idx):.3f}  mistaken for {wrong}")
    print("confusion at the shipped threshold (rows: Google's section; columns: the model's answer):")
    answers = [*model.sections, "(none)"]
    print("  " + " " * 8 + " ".join(f"{a[:8]:>8s}" for a in answers))
    for section in sorted(set(gold)):
        counts = Counter(best[i] if covered[i] else "(none)" for i, g in enumerate(gold) if g == section)
        print(f"  {section:8s}" + " ".join(f"{counts.get(a, 0):8d}" for a in answers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
