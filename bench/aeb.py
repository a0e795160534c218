"""The Zyte (scrapinghub) article-extraction benchmark (AEB): its pages and its scoring.

181 news and blog pages with an annotated ``articleBody``, MIT-licensed, *not* stored in this
repository. Get it once with::

    git clone https://github.com/scrapinghub/article-extraction-benchmark

and point the benchmark at the clone (a directory holding ``ground-truth.json`` and
``html/*.html.gz``): ``--aeb-dir PATH``, or the environment variable ``AKHBAR_AEB_DIR``, or a
clone named ``article-extraction-benchmark`` beside the shared data (``../shared/bench/``).

The scoring is the benchmark's own ``evaluate.py``, rewritten here: per page, the multiset of word
4-gram shingles of the prediction against the truth's (tokens are ``\\w+``, case kept), TP / FP /
FN normalised by their sum; precision and recall averaged over the pages where they are defined
(a page with nothing predicted is left out of the precision mean and counts 0 in recall), F1 of
the two means; "accuracy" is the share of pages whose token list equals the truth's. Each
figure gets a bootstrap standard deviation (1,000 resamples of the pages, seeded so that runs
repeat). ``check_published`` scores the benchmark's stored outputs (``output/*.json``): it gives
the figures of its README to the third decimal, which is how this scoring was checked.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ENV = "AKHBAR_AEB_DIR"
BOOTSTRAP = 1000
_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)

TpFpFn = tuple[float, float, float]


def default_dir(shared: Path) -> Path:
    """Where the benchmark is looked for when ``--aeb-dir`` is not given."""
    return Path(os.environ[ENV]) if os.environ.get(ENV) else shared.parent / "article-extraction-benchmark"


def load_items(root: Path) -> Iterator[tuple[str, bytes, str, str]]:
    """(page id, HTML bytes, URL, true article body) for every annotated page."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in truth.items():
        path = root / "html" / f"{key}.html.gz"
        if path.exists():
            yield key, gzip.decompress(path.read_bytes()), item.get("url") or "", item.get("articleBody") or ""


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _tokens(text)
    grams = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(gram for gram in grams if gram)


def tp_fp_fn(true: str, pred: str) -> TpFpFn:
    """One page's shingle counts, normalised so that long pages weigh as much as short ones."""
    gold, got = _shingles(true), _shingles(pred)
    tp = fp = fn = 0.0
    for key in set(gold) | set(got):
        t, p = gold.get(key, 0), got.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total > 0 else (tp, fp, fn)


def _share(tp: float, wrong: float, fp: float, fn: float) -> float:
    """tp / (tp + wrong), with evaluate.py's cases: 1 when nothing is wrong either way, 0 when
    there is nothing to count."""
    if fp == fn == 0:
        return 1.0
    if tp == wrong == 0:
        return 0.0
    return tp / (tp + wrong)


def _precision(tp: float, fp: float, fn: float) -> float:
    return _share(tp, fp, fp, fn)


def _recall(tp: float, fp: float, fn: float) -> float:
    return _share(tp, fn, fp, fn)


def page_scores(true: str, pred: str) -> tuple[float, float]:
    """(precision, recall) of one page as the benchmark counts them."""
    counts = tp_fp_fn(true, pred)
    return _precision(*counts), _recall(*counts)


def _means(counts: list[TpFpFn]) -> dict[str, float]:
    precision = statistics.mean([_precision(*c) for c in counts if c[0] + c[1] > 0])
    recall = statistics.mean([_recall(*c) for c in counts if c[0] + c[2] > 0])
    return {"F1": 2 * precision * recall / (precision + recall), "precision": precision, "recall": recall}


def evaluate(truths: list[str], predictions: list[str], seed: int = 0) -> dict[str, tuple[float, float]]:
    """F1, precision, recall and accuracy, each as (value, bootstrap standard deviation)."""
    counts = [tp_fp_fn(t, p) for t, p in zip(truths, predictions, strict=True)]
    exact = [float(_tokens(t) == _tokens(p)) for t, p in zip(truths, predictions, strict=True)]
    metrics = {**_means(counts), "accuracy": statistics.mean(exact)}
    draws: dict[str, list[float]] = {key: [] for key in metrics}
    rng = random.Random(seed)
    n = len(counts)
    for _ in range(BOOTSTRAP):
        picks = [rng.randint(0, n - 1) for _ in range(n)]
        for key, value in _means([counts[i] for i in picks]).items():
            draws[key].append(value)
        draws["accuracy"].append(statistics.mean(exact[i] for i in picks))
    return {key: (value, statistics.stdev(draws[key])) for key, value in metrics.items()}


def check_published(root: Path, name: str = "trafilatura") -> dict[str, tuple[float, float]] | None:
    """Our scoring of the benchmark's own stored output of one extractor (``output/NAME.json``)."""
    path = root / "output" / f"{name}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    output = data["output"] if set(data) == {"version", "output"} else data
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    keys = list(truth)
    return evaluate([truth[k].get("articleBody", "") for k in keys],
                    [output[k].get("articleBody", "") or "" for k in keys])
