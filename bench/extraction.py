"""Benchmark: akhbar's extract_article against the public extractors on stored news pages.

Columns, all in one run: akhbar, trafilatura (default, ``favor_precision``, ``favor_recall``, each
with its own metadata), readability-lxml and newspaper4k (dev dependencies; a column is skipped
when its library is missing).

Data: ../shared/bench/extraction (relative to the repository root), two datasets, and a third
one kept outside the repository:

- newspaper4k: 421 English pages with ground-truth body, title and date. Body score: word 4-gram
  shingle precision / recall / F1 per page (multiset overlap, lower-cased word tokens), macro
  means over pages.
- multilingual: 120 fr/ar/en pages from trafilatura's test corpus; 105 carry snippet annotations
  ("with": must appear, "without": must not). Body scores: share of "with" snippets found and of
  "without" snippets absent (macro over pages), and trafilatura's own snippet F1 (global counts:
  a found "with" is a TP, a missing one a FN, a found "without" a FP; matching is
  whitespace-normalised, case-sensitive substring), searched in each extractor's title + body.
- aeb: the Zyte / scrapinghub article-extraction benchmark, 181 news and blog pages with their
  annotated body (no title, date or author truth). Not stored here: ``git clone
  https://github.com/scrapinghub/article-extraction-benchmark`` and give the clone with
  ``--aeb-dir PATH`` or ``AKHBAR_AEB_DIR`` (see ``bench/aeb.py``). Scored exactly as its
  ``evaluate.py`` does ("AEB F1 / precision / recall / accuracy", with bootstrap ± — F1 of the mean
  precision and mean recall over pages, on word 4-gram shingles with case kept), beside the
  newspaper4k-style body rows. Its own runners differ a little from ours: trafilatura.extract on
  the decoded text without the URL, readability's summary through html-text.

Both: title accuracy (normalised exact match, pages with a truth title), date accuracy (same
calendar day, pages with a truth date; our ``published`` is a UTC instant, read in the zone
the page prints its date in, else the UTC offset its own timestamp declares, since the truth is
the day printed on the page),
author accuracy (the set of names, case-folded, pages with truth authors), ms per page
(extraction only). newspaper4k also gets "body F1 of means": F1 of the mean precision and the
mean recall, the scoring of the public article-extraction benchmarks.

``--speed`` times whole processes instead (start-up included): ``akhbar extract --json`` over N
files against one Python process running ``trafilatura.extract(html, favor_precision=True)`` on
the same files, interleaved and repeated; CPU time (user + system, less sensitive to the other
jobs on a shared machine) and wall time, medians and their ratio.

Usage: .venv/bin/python -m bench.extraction [--dataset newspaper4k|multilingual|aeb] [--limit N]
       [--aeb-dir PATH] [--only COLUMN] [--dump FILE] [--misses FIELD] | --speed [--files N] [--repeat R]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import trafilatura
from lxml import html as lxml_html
from trafilatura.utils import load_html

from akhbar.ingest.charset import decode
from akhbar.ingest.errors import ExtractError
from akhbar.ingest.extract.article import extract_article
from akhbar.ingest.extract.dates import dates_in, printed_date
from akhbar.ingest.extract.metadata import read_page_metadata
from akhbar.ingest.extract.published import date_lines
from bench import aeb

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "extraction"
DATASETS = ("newspaper4k", "multilingual", "aeb")
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
    authors: tuple[str, ...] = ()


def _split_names(value: str) -> tuple[str, ...]:
    parts = re.split(r"\s*(?:[,;|&]|\band\b)\s*", value)
    return tuple(part.strip() for part in parts if part.strip())


@dataclass(frozen=True)
class Output:
    """What one extractor produced for one page."""

    title: str
    text: str
    date: str | None
    ms: float
    authors: tuple[str, ...] = ()


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
            authors=_split_names(item.get("authors") or ""),
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
            authors=_split_names(note.get("author") or ""),
        )


def load_aeb(root: Path) -> Iterator[Page]:
    for key, html, url, body in aeb.load_items(root):
        yield Page(name=key, html=html, url=url, title=None, date=None, body=body)


def _page_zone(html: bytes) -> tzinfo:
    """The zone the page prints its date in ("Dec 22, 2023, 10:22 PM EST"), else the UTC offset
    its own timestamp is written in (UTC when it gives neither)."""
    tree = load_html(decode(html))
    if tree is None:
        return UTC
    printed = printed_date(date_lines(tree))
    if printed is not None and printed.value.tzinfo is not None:
        return printed.value.tzinfo
    stamp = read_page_metadata(tree).published
    return stamp.tzinfo if stamp is not None and stamp.tzinfo is not None else UTC


_STAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?")
_TRUTH_ON_PAGE: dict[str, bool] = {}


def _page_days(html: bytes, url: str) -> set[str]:
    """Every calendar day a page carries: the days its timestamps fall on in any zone (UTC−12 to
    UTC+14), every date printed in its text (any form ``dates_in`` reads), and its URL's date."""
    text = decode(html)
    days: set[str] = set()
    for match in _STAMP.finditer(text):
        year, month, day, hour, minute, zone = match.groups()
        try:
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute))
        except ValueError:
            continue
        if not 1900 < moment.year < 2100:
            continue
        if zone and zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:]))
        days.update((moment + timedelta(hours=h)).date().isoformat() for h in range(-12, 15))
    tree = load_html(text)
    if tree is not None:
        for node in tree.iter():
            for part in (node.text, node.tail):
                if part and len(part) < 400 and any(ch.isdigit() for ch in part):
                    days.update(value.date().isoformat() for value, _ in dates_in(part))
    if found := re.search(r"/(20\d\d)/(\d\d?)/(\d\d?)/", url):
        with contextlib.suppress(ValueError):
            year, month, day = map(int, found.groups())
            days.add(datetime(year, month, day).date().isoformat())
    return days


def _truth_day_on_page(page: Page) -> bool:
    """Whether the page carries its truth date anywhere (cached: the same for every column)."""
    if page.name not in _TRUTH_ON_PAGE:
        _TRUTH_ON_PAGE[page.name] = page.date in _page_days(page.html, page.url)
    return _TRUTH_ON_PAGE[page.name]


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
    return Output(draft.title, draft.text, date, ms, draft.authors)


def _trafilatura_runner(**flags: Any) -> Callable[[Page], Output]:
    def run(page: Page) -> Output:
        start = time.perf_counter()
        doc = trafilatura.bare_extraction(
            page.html, url=page.url, include_comments=False, with_metadata=True, **flags
        )
        ms = (time.perf_counter() - start) * 1000
        if doc is None or isinstance(doc, dict):
            return Output("", "", None, ms)
        text = trafilatura.xml.xmltotxt(doc.body, include_formatting=False) if doc.body is not None else ""
        authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
        return Output(doc.title or "", text or "", (doc.date or "")[:10] or None, ms, authors)

    return run


def run_readability(page: Page) -> Output:
    from readability import Document

    start = time.perf_counter()
    try:
        doc = Document(decode(page.html))
        summary = doc.summary(html_partial=True)
        title = doc.short_title()
        root = lxml_html.fromstring(summary) if summary.strip() else None
        blocks = root.xpath("//p|//li|//h2|//h3|//h4|//blockquote|//pre") if root is not None else []
        text = "\n".join(" ".join(b.text_content().split()) for b in blocks) or (
            root.text_content() if root is not None else "")
    except Exception:  # noqa: BLE001 — a failing page scores zero, as for the others
        title, text = "", ""
    return Output(title or "", text, None, (time.perf_counter() - start) * 1000)


def run_newspaper(page: Page) -> Output:
    from newspaper import Article

    start = time.perf_counter()
    try:
        article = Article(page.url or "http://example.invalid/", fetch_images=False)
        article.download(input_html=decode(page.html))
        article.parse()
        date = article.publish_date.date().isoformat() if article.publish_date else None
        out = Output(article.title or "", article.text or "", date, 0.0, tuple(article.authors))
    except Exception:  # noqa: BLE001
        out = Output("", "", None, 0.0)
    return Output(out.title, out.text, out.date, (time.perf_counter() - start) * 1000, out.authors)


def runners() -> dict[str, Callable[[Page], Output]]:
    found: dict[str, Callable[[Page], Output]] = {
        "akhbar": run_ours,
        "trafilatura": _trafilatura_runner(),
        "traf. precision": _trafilatura_runner(favor_precision=True),
        "traf. recall": _trafilatura_runner(favor_recall=True),
    }
    for label, module, run in (("readability-lxml", "readability", run_readability),
                               ("newspaper4k", "newspaper", run_newspaper)):
        try:
            __import__(module)
        except ImportError:
            continue
        found[label] = run
    return found


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


def _names(values: tuple[str, ...]) -> set[str]:
    return {" ".join(v.casefold().split()) for value in values for v in _split_names(value)}


def score(pages: list[Page], outputs: list[Output]) -> dict[str, float]:
    """The headline metrics of one extractor over one dataset."""
    result: dict[str, float] = {}
    if any(p.body is not None for p in pages):
        scores = [prf(o.text, p.body or "") for p, o in zip(pages, outputs, strict=True)]
        precision = sum(s[0] for s in scores) / len(scores)
        recall = sum(s[1] for s in scores) / len(scores)
        result["body precision"] = precision
        result["body recall"] = recall
        result["body F1"] = sum(s[2] for s in scores) / len(scores)
        result["body F1 of means"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
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
    dated = [(p, o) for p, o in zip(pages, outputs, strict=True) if p.date]
    authored = [(p, o) for p, o in zip(pages, outputs, strict=True) if p.authors]
    if titled:
        result["title accuracy"] = sum(_norm_title(o.title) == _norm_title(p.title or "") for p, o in titled) / len(titled)
    if dated:
        result["date accuracy"] = sum(o.date == p.date for p, o in dated) / len(dated)
        # Truth days the page carries nowhere cannot be read from it by any extractor: the
        # share that it does carry is the ceiling of "date accuracy", and the accuracy on
        # those pages is read beside it.
        supported = [(p, o) for p, o in dated if _truth_day_on_page(p)]
        result["date truth on page"] = len(supported) / len(dated)
        if supported:
            result["date accuracy, truth on page"] = sum(o.date == p.date for p, o in supported) / len(supported)
    if authored:
        result["author accuracy"] = sum(_names(o.authors) == _names(p.authors) for p, o in authored) / len(authored)
    result["ms per page"] = sum(o.ms for o in outputs) / max(len(outputs), 1)
    return result


def data_root(name: str, aeb_dir: Path | None = None) -> Path:
    return (aeb_dir or aeb.default_dir(DATA)) if name == "aeb" else DATA / name


def load(name: str, limit: int | None, aeb_dir: Path | None = None) -> list[Page]:
    root = data_root(name, aeb_dir)
    loader = {"newspaper4k": load_newspaper4k, "aeb": load_aeb}.get(name, load_multilingual)
    pages = list(loader(root))
    return pages[:limit] if limit else pages


def _aeb_rows(pages: list[Page], outputs: dict[str, list[Output]]) -> dict[str, dict[str, str]]:
    """The benchmark's own figures per column, "value ± bootstrap standard deviation"."""
    truths = [p.body or "" for p in pages]
    rows: dict[str, dict[str, str]] = {}
    for label, outs in outputs.items():
        for metric, (value, std) in aeb.evaluate(truths, [o.text for o in outs]).items():
            rows.setdefault(f"AEB {metric}", {})[label] = f"{value:.3f} ± {std:.3f}"
    return rows


def evaluate(name: str, limit: int | None, only: str | None = None, dump: str | None = None,
             aeb_dir: Path | None = None) -> str:
    pages = load(name, limit, aeb_dir)
    columns = runners()
    if only:
        columns = {label: run for label, run in columns.items() if label in {"akhbar", only}}
    # Warm each up (py3langid model, lazy imports) so the first page is not charged.
    for runner in columns.values():
        runner(pages[0])
    outputs = {label: [run(p) for p in pages] for label, run in columns.items()}
    scores = {label: score(pages, outs) for label, outs in outputs.items()}
    if dump:
        rows = [{"page": p.name, "truth": {"title": p.title, "date": p.date, "authors": p.authors,
                                           "with": p.with_, "without": p.without},
                 "got": {"title": o.title, "date": o.date, "authors": o.authors, "text": o.text},
                 "prf": prf(o.text, p.body) if p.body is not None else None,
                 "aeb": aeb.page_scores(p.body, o.text) if name == "aeb" and p.body is not None else None}
                for p, o in zip(pages, outputs["akhbar"], strict=True)]
        Path(dump).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    labels = list(columns)
    lines = [f"### {name} ({len(pages)} pages)", "", "| metric | " + " | ".join(labels) + " |",
             "|---|" + "---:|" * len(labels)]
    for metric in scores[labels[0]]:
        cells = [f"{scores[label][metric]:.1f}" if metric == "ms per page" else f"{scores[label][metric]:.3f}"
                 for label in labels]
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    if name == "aeb":
        lines[4:4] = [f"| {metric} | " + " | ".join(cells[label] for label in labels) + " |"
                      for metric, cells in _aeb_rows(pages, outputs).items()]
    return "\n".join(lines)


def misses(name: str, limit: int | None, field: str, aeb_dir: Path | None = None) -> str:
    """akhbar's wrong answers for one field (title, date, authors, body), for development."""
    lines = []
    for page in load(name, limit, aeb_dir):
        out = run_ours(page)
        if field == "body":
            if page.body is not None:
                p, r, f = prf(out.text, page.body)
                if f < 0.9:
                    lines.append(f"{page.name}\tP={p:.2f} R={r:.2f}")
            else:
                text = _ws(f"{out.title}\n{out.text}")
                lost = [s for s in page.with_ if _ws(s) not in text]
                leaked = [s for s in page.without if _ws(s) in text]
                if lost or leaked:
                    lines.append(f"{page.name}\tlost={lost} leaked={leaked}")
            continue
        truth: Any = {"title": page.title, "date": page.date, "authors": page.authors}[field]
        got: Any = {"title": out.title, "date": out.date, "authors": out.authors}[field]
        if not truth:
            continue
        ok = (_norm_title(got) == _norm_title(truth) if field == "title"
              else _names(got) == _names(truth) if field == "authors" else got == truth)
        if not ok:
            lines.append(f"{page.name}\ttruth={truth!r}\tgot={got!r}")
    return "\n".join(lines) + f"\n{len(lines)} misses"


BASELINE = (
    "import sys, trafilatura\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, 'rb') as handle:\n"
    "        trafilatura.extract(handle.read(), favor_precision=True)\n"
)


def _timed(command: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process, its output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def speed(files: int, repeat: int) -> str:
    """Whole-process time of ``akhbar extract --json`` against trafilatura.extract(favor_precision)."""
    names = sorted((DATA / "newspaper4k" / "html").glob("*.html"))[: files // 2]
    names += sorted(p for p in (DATA / "multilingual").glob("*/*.html"))[: files - len(names)]
    paths = [str(p) for p in names]
    python = sys.executable
    akhbar = str(Path(python).with_name("akhbar"))
    ours_cmd = [akhbar, "extract", "--json", *paths]
    base_cmd = [python, "-c", BASELINE, *paths]
    runs: dict[str, list[tuple[float, float]]] = {"ours": [], "base": []}
    _timed(base_cmd)  # warm the file cache and the interpreter's bytecode
    for _ in range(repeat):
        runs["base"].append(_timed(base_cmd))
        runs["ours"].append(_timed(ours_cmd))
    cpu = {k: statistics.median(c for c, _ in v) for k, v in runs.items()}
    wall = {k: statistics.median(w for _, w in v) for k, v in runs.items()}
    ratios = sorted(o[0] / b[0] for o, b in zip(runs["ours"], runs["base"], strict=True))
    load_avg = os.getloadavg()[0]
    return "\n".join([
        f"### whole runs over {len(paths)} files, {repeat} interleaved repeats (load {load_avg:.1f})", "",
        "| process | CPU s (median) | wall s (median) |", "|---|---:|---:|",
        f"| trafilatura.extract(favor_precision=True), one process | {cpu['base']:.2f} | {wall['base']:.2f} |",
        f"| akhbar extract --json | {cpu['ours']:.2f} | {wall['ours']:.2f} |",
        "", f"CPU ratio akhbar / trafilatura: median {statistics.median(ratios):.2f} "
        f"(runs {', '.join(f'{r:.2f}' for r in ratios)}); wall ratio {wall['ours'] / wall['base']:.2f}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, help="run one dataset only")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each dataset")
    parser.add_argument("--only", help="akhbar and this one column only")
    parser.add_argument("--misses", choices=("title", "date", "authors", "body"),
                        help="list akhbar's wrong answers for one field instead")
    parser.add_argument("--dump", help="write akhbar's output per page to this JSON file")
    parser.add_argument("--aeb-dir", type=Path, default=None,
                        help=f"clone of the article-extraction benchmark (default: ${aeb.ENV}, or "
                        "../shared/bench/article-extraction-benchmark)")
    parser.add_argument("--speed", action="store_true", help="whole-process timing instead")
    parser.add_argument("--files", type=int, default=120, help="--speed: number of files")
    parser.add_argument("--repeat", type=int, default=5, help="--speed: interleaved repeats")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"benchmark data not found at {DATA}: nothing to do")
        return 0
    # The libraries' own warnings ("discarding data", missing nltk) are not results.
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    if args.speed:
        print(speed(args.files, args.repeat))
        return 0
    for name in [args.dataset] if args.dataset else DATASETS:
        root = data_root(name, args.aeb_dir)
        if not (root / ("ground-truth.json" if name != "multilingual" else "annotations.json")).is_file():
            print(f"dataset {name} not found at {root}: skipped")
            continue
        print(misses(name, args.limit, args.misses, args.aeb_dir) if args.misses
              else evaluate(name, args.limit, args.only, args.dump, args.aeb_dir))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
