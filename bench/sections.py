"""Section model on the Google News FR shared set: ``python -m bench.sections``.

``../shared/bench/clustering/gnews_fr_2019/dev.jsonl`` carries Google News's section of each
headline; five of them are portal sections (sports, science_tech → tech, economie → economy,
divertissements → culture, international → world). Each headline goes through ``akhbar
classify``'s code path (title only: the set has no text) with the shipped model; reports the
accuracy on the headlines the model answers, the coverage (share answered), per section, and the
same at other thresholds, then the same again with each headline given its story's section
(``akhbar classify --stories``: the set grouped by our story clusterer, never by Google's
stories; the mean of the members' probabilities). The model is never trained on this set
(scripts/train_sections.py reads the project's own headlines).
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

from akhbar.ingest.cluster.clusterer import StoryClusterer  # noqa: E402
from akhbar.ingest.cluster.command import stream_config  # noqa: E402
from akhbar.ingest.cluster.config import ClusterConfig, ClusterDoc  # noqa: E402
from akhbar.ingest.cluster.embed import make_embedder  # noqa: E402
from akhbar.ingest.sections_model import (  # noqa: E402
    DEFAULT_MODEL_PATH,
    load_section_model,
    story_average,
)

GNEWS = ROOT.parent / "shared" / "bench" / "clustering" / "gnews_fr_2019" / "dev.jsonl"
LABELS = {"sports": "sports", "science_tech": "tech", "economie": "economy",
          "divertissements": "culture", "international": "world"}


def report(sections: tuple[str, ...], probs: np.ndarray, gold: list[str], limit: float,
           title: str) -> None:
    """Accuracy and coverage at several thresholds, per section, and the confusion."""
    best = [sections[i] for i in probs.argmax(axis=1)]
    confidence = probs.max(axis=1)
    right = np.array([b == g for b, g in zip(best, gold, strict=True)])
    print(f"{title}:")
    for threshold in sorted({limit, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}):
        covered = confidence >= threshold
        mark = "  <- the model's" if threshold == limit else ""
        print(f"threshold {threshold:.2f}: accuracy {right[covered].mean():.3f} "
              f"coverage {covered.mean():.3f} (all answered: {right.mean():.3f}){mark}")
    covered = confidence >= limit
    print("per section (accuracy on answered / coverage):")
    for section in sorted(set(gold)):
        idx = [i for i, g in enumerate(gold) if g == section]
        ans = [i for i in idx if covered[i]]
        acc = sum(best[i] == section for i in ans) / max(len(ans), 1)
        wrong = Counter(best[i] for i in ans if best[i] != section).most_common(2)
        print(f"  {section:8s} n={len(idx):3d} accuracy {acc:.3f} coverage "
              f"{len(ans) / len(idx):.3f}  mistaken for {wrong}")
    print("confusion at the model's threshold (rows: Google's section; columns: the answer):")
    answers = [*sections, "(none)"]
    print("  " + " " * 8 + " ".join(f"{a[:8]:>8s}" for a in answers))
    for section in sorted(set(gold)):
        counts = Counter(best[i] if covered[i] else "(none)" for i, g in enumerate(gold)
                         if g == section)
        print(f"  {section:8s}" + " ".join(f"{counts.get(a, 0):8d}" for a in answers))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    parser.add_argument("--data", default=str(GNEWS))
    parser.add_argument("--vector-only", action="store_true",
                        help="leave out the model's lexical half (titles not given)")
    args = parser.parse_args()
    if not Path(args.data).exists():
        print(f"bench.sections: {args.data} is missing (the shared benchmark data); skipped")
        return 0
    every = [json.loads(line) for line in open(args.data, encoding="utf-8") if line.strip()]
    # The whole input is embedded and grouped into stories, as `akhbar classify --stories`
    # would; the scores count the headlines with one of the five sections.
    keep = [i for i, r in enumerate(every) if r["section"] in LABELS]
    rows = [every[i] for i in keep]
    model = load_section_model(args.model)
    embedder = make_embedder(model.embedder, threads=1)
    docs = [ClusterDoc(id=r["id"], title=r["title"], text="", language="fr", published=None,
                       source=None) for r in every]
    started = time.perf_counter()
    clusterer = StoryClusterer(embedder, stream_config(docs, ClusterConfig()))
    members = clusterer.features(docs)
    elapsed = time.perf_counter() - started
    gold = [LABELS[r["section"]] for r in rows]
    titles = None if args.vector_only else [doc.title for doc in docs]
    probs = model.probabilities(np.stack([m.vector for m in members]), titles)
    limit = model.limit(titles)
    print(f"{len(every)} headlines embedded, {len(rows)} of the five labelled sections")
    print(f"model threshold {limit}"
          f"{' (vector half alone)' if titles is None and model.lexical else ''}, "
          f"embedded at {len(every) / elapsed:.1f} titles/s")
    report(model.sections, probs[keep], gold, limit, "each headline alone (akhbar classify)")
    keys = clusterer.place_stream(members)
    stories = [keys[doc.id] for doc in docs]
    print(f"\n{len(set(stories))} stories by our clusterer (Google: "
          f"{len({r['story_id'] for r in every})})")
    report(model.sections, story_average(probs, stories)[keep], gold, limit,
           "each headline its story's section (akhbar classify --stories)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
