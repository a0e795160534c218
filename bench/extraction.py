"""Benchmark: akhbar's extract_article against plain trafilatura.extract on stored news pages.

Data: ../shared/bench/extraction (relative to the repository root), two datasets:

- newspaper4k: 421 English pages with ground-truth body, title and date. Body score: word 4-gram
  shingle precision / recall / F1 per page (multiset overlap, lower-cased word tokens), macro
  means over pages.
- multilingual: 120 fr/ar/en pages from trafilatura's test corpus; 105 carry snippet annotations
  ("with": must appear, "without": must not). Body scores: share of "with" snippets found and of
  "without" snippets absent (macro over pages), and trafilatura's own snippet F1 (global counts:
  a found "with" is a TP, a missing one a FN, a found "without" a FP; matching is
  whitespace-normalised, case-sensitive substring), searched in each extractor's title + body.

Both: title accuracy (normalised exact match, pages with a truth title), date accuracy (same
calendar day, pages with a truth date; our ``published`` is a UTC instant, read in the UTC
offset the page's own timestamp declares, since the truth is the day printed on the page),
ms per page (extraction only).

Usage: .venv/bin/python -m bench.extraction [--dataset newspaper4k|multilingual] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path

import trafilatura
from trafilatura.utils import load_html

from akhbar.ingest.charset import decode
from akhbar.ingest.errors import ExtractError
from akhbar.ingest.extract.article import extract_article
from akhbar.ingest.extract.metadata import read_page_metadata

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "extraction"
DATASETS = ("newspaper4k", "multilingual")
SHINGLE = 4


@dataclass(frozen=True)
class Page:
    """One benchmark page and what is known to be true about it."""

    name: str
    html: bytes
    url: str
    title: str | None
    date: str | None  # YYYY-MM-DD
    body: str | None = None  # newspaper4k
    with_: tuple[str, ...] = ()  # multilingual snippets
    without: tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    """What one extractor produced for one page."""

    title: str
    text: str
    date: str | None
    ms: float


def load_newspaper4k(root: Path) -> Iterator[Page]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in truth.items():
        path = root / "html" / f"{key}.html"
        if not path.exists():
            continue
        date = item.get("date") or None
        yield Page(
            name=key,
            html=path.read_bytes(),
            url=item.get("url") or "",
            title=item.get("title") or None,
            date=date if date and date != "NaT" else None,
            body=item.get("articleBody") or "",
        )


def load_multilingual(root: Path) -> Iterator[Page]:
    annotations = json.loads((root / "annotations.json").read_text(encoding="utf-8"))
    with (root / "index.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        note = annotations.get(row["file"])
        if note is None:  # pages without annotations have nothing to score
            continue
        yield Page(
            name=row["file"],
            html=(root / row["file"]).read_bytes(),
            url=row["url"],
            title=note.get("title") or None,
            date=note.get("date") or None,
            with_=tuple(note.get("with") or ()),
            without=tuple(note.get("without") or ()),
        )


def _page_zone(html: bytes) -> tzinfo:
    """The UTC offset the page's own timestamp is written in (UTC when it gives none)."""
    tree = load_html(decode(html))
    stamp = read_page_metadata(tree).published if tree is not None else None
    return stamp.tzinfo if stamp is not None and stamp.tzinfo is not None else UTC


def run_ours(page: Page) -> Output:
    start = time.perf_counter()
    try:
        draft = extract_article(page.html, url=page.url)
    except ExtractError:
        return Output("", "", None, (time.perf_counter() - start) * 1000)
    ms = (time.perf_counter() - start) * 1000
    # ``published`` is an instant in UTC; the truth is the calendar day printed on the page, so
    # the instant is read in the page's own offset (not timed: only the benchmark needs it).
    date = draft.published.astimezone(_page_zone(page.html)).date().isoformat() if draft.published else None
    return Output(draft.title, draft.text, date, ms)


def run_trafilatura(page: Page) -> Output:
    start = time.perf_counter()
    raw = trafilatura.extract(
        page.html, url=page.url, include_comments=False, with_metadata=True, output_format="json"
    )
    ms = (time.perf_counter() - start) * 1000
    data = json.loads(raw) if raw else {}
    return Output(data.get("title") or "", data.get("text") or "", (data.get("date") or "")[:10] or None, ms)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def shingles(text: str) -> Counter[tuple[str, ...]]:
    words = _words(text)
    size = min(SHINGLE, len(words)) or 1
    return Counter(tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 0)))


def prf(predicted: str, truth: str) -> tuple[float, float, float]:
    pred, gold = shingles(predicted), shingles(truth)
    common = sum((pred & gold).values())
    p = common / sum(pred.values()) if pred else 0.0
    r = common / sum(gold.values()) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _norm_title(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).casefold()
    value = value.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(value.split())


def _ws(value: str) -> str:
    return " ".join(value.split())


def score(pages: list[Page], outputs: list[Output]) -> dict[str, float]:
    """The headline metrics of one extractor over one dataset."""
    result: dict[str, float] = {}
    if any(p.body is not None for p in pages):
        scores = [prf(o.text, p.body or "") for p, o in zip(pages, outputs, strict=True)]
        result["body precision"] = sum(s[0] for s in scores) / len(scores)
        result["body recall"] = sum(s[1] for s in scores) / len(scores)
        result["body F1"] = sum(s[2] for s in scores) / len(scores)
    else:
        found, absent, tp, fn, fp = [], [], 0, 0, 0
        for page, out in zip(pages, outputs, strict=True):
            # Both extractors output a title beside the body (ours removes it from the body), and
            # some "with" snippets are the headline: snippets are looked for in title + body.
            text = _ws(f"{out.title}\n{out.text}")
            hits = [_ws(s) in text for s in page.with_]
            leaks = [_ws(s) in text for s in page.without]
            tp, fn, fp = tp + sum(hits), fn + len(hits) - sum(hits), fp + sum(leaks)
            if hits:
                found.append(sum(hits) / len(hits))
            if leaks:
                absent.append(1 - sum(leaks) / len(leaks))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        result["must-contain found"] = sum(found) / len(found) if found else 0.0
        result["must-not-contain absent"] = sum(absent) / len(absent) if absent else 0.0
        result["snippet F1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    titled = [(p, o) for p, o in zip(pages, outputs, strict=True) if p.title]
    result["title accuracy"] = sum(_norm_title(o.title) == _norm_title(p.title or "") for p, o in titled) / max(len(titled), 1)
    dated = [(p, o) for p, o in zip(pages, outputs, strict=True) if p.date]
    result["date accuracy"] = sum(o.date == p.date for p, o in dated) / max(len(dated), 1)
    result["ms per page"] = sum(o.ms for o in outputs) / max(len(outputs), 1)
    return result


def evaluate(name: str, limit: int | None) -> str:
    root = DATA / name
    loader = load_newspaper4k if name == "newspaper4k" else load_multilingual
    pages = list(loader(root))[:limit] if limit else list(loader(root))
    runners: dict[str, Callable[[Page], Output]] = {
        "akhbar extract_article": run_ours,
        "trafilatura.extract": run_trafilatura,
    }
    # Warm both up (py3langid model, trafilatura lazy imports) so the first page is not charged.
    for runner in runners.values():
        runner(pages[0])
    scores = {label: score(pages, [run(p) for p in pages]) for label, run in runners.items()}
    labels = list(runners)
    lines = [f"### {name} ({len(pages)} pages)", "", "| metric | " + " | ".join(labels) + " |",
             "|---|" + "---:|" * len(labels)]
    for metric in scores[labels[0]]:
        cells = [f"{scores[label][metric]:.1f}" if metric == "ms per page" else f"{scores[label][metric]:.3f}"
                 for label in labels]
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, help="run one dataset only")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each dataset")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"benchmark data not found at {DATA}: nothing to do")
        return 0
    for name in [args.dataset] if args.dataset else DATASETS:
        if not (DATA / name).is_dir():
            print(f"dataset {name} not found under {DATA}: skipped")
            continue
        print(evaluate(name, args.limit))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
