"""Syndicated-copy detection: precision/recall over thresholds, and speed.

Run: ``.venv/bin/python bench/dedup.py [--quick]``. Prints markdown:

1. pairwise precision / recall / F1 of copy detection on the dispatch fixtures
   (tests/fixtures/dispatches) plus synthetic variants of their long dispatches (a paragraph
   added, two added, one removed, sentences shuffled, 3/6/10 % of words edited, combinations),
   with synthetic "same boilerplate, different news" negatives, for a Jaccard-only rule and for
   Jaccard-or-containment rules over a range of thresholds; title prepended vs body only;
2. the module's own decision (``is_copy``) and ``assign_originals`` (articles stored one by one
   through ``link_copies``, as production stores them) on the same set, over shuffles;
3. documents per second to fingerprint, and µs per stored article (``link_copies``: band keys,
   candidates, verification, relinking — the code production runs, on the in-memory store
   instead of the database tables) and per ``candidates`` query with 10k and 100k synthetic
   documents stored.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from akhbar.ingest import copies as dedup  # noqa: E402
from akhbar.ingest.copies import (  # noqa: E402
    Fingerprint,
    Fingerprinter,
    MemoryCopyStore,
    assign_originals,
    band_keys,
    containment,
    is_copy,
    similarity,
)

FIXTURES = ROOT / "tests" / "fixtures" / "dispatches"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Doc:
    key: str
    group: str  # documents with the same group are copies of one another
    title: str
    text: str
    published: datetime | None
    kind: str = ""  # for synthetic variants: the edit applied


def load_fixtures() -> list[Doc]:
    docs = []
    for path in sorted(FIXTURES.glob("*.toml")):
        for a in tomllib.loads(path.read_text("utf-8"))["article"]:
            docs.append(Doc(a["key"], a["dispatch"], a["title"], a["text"], a.get("published")))
    return docs


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?؟])\s+", text.replace("\n\n", " ")) if s]


def _edit_words(text: str, share: float, rng: random.Random, pool: list[str]) -> str:
    """Replace, delete or insert about ``share`` of the words (a rewriting sub-editor)."""
    out = []
    for w in text.split(" "):
        if rng.random() < share:
            op = rng.choice(("replace", "delete", "insert"))
            if op == "replace":
                out.append(rng.choice(pool))
            elif op == "insert":
                out.extend((w, rng.choice(pool)))
            continue
        out.append(w)
    return " ".join(out)


def variants(doc: Doc, others: list[Doc], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) synthetic republications of ``doc``."""
    paras = _paragraphs(doc.text)
    # Added paragraphs come from other dispatches in the same script: realistic, and a hard case
    # (the variant then shares a paragraph with another dispatch, which must stay apart).
    same_script = [
        p
        for o in others
        if o.group != doc.group and _is_arabic(o.text) == _is_arabic(doc.text)
        for p in _paragraphs(o.text)
    ]
    pool = [w for o in others for w in o.text.split() if _is_arabic(o.text) == _is_arabic(doc.text)]

    def add(n: int) -> str:
        ps = list(paras)
        for _ in range(n):
            ps.insert(rng.randrange(len(ps) + 1), rng.choice(same_script))
        return "\n\n".join(ps)

    def remove() -> str:
        ps = list(paras)
        del ps[rng.randrange(1, len(ps))]  # keep the lead: republishers cut the tail
        return "\n\n".join(ps)

    def shuffle() -> str:
        ss = _sentences(doc.text)
        rng.shuffle(ss)
        return " ".join(ss)

    return [
        ("add 1 paragraph", add(1)),
        ("add 2 paragraphs", add(2)),
        ("add 3 paragraphs", add(3)),
        ("remove 1 paragraph", remove()),
        ("shuffle sentences", shuffle()),
        ("edit 3% words", _edit_words(doc.text, 0.03, rng, pool)),
        ("edit 6% words", _edit_words(doc.text, 0.06, rng, pool)),
        ("edit 10% words", _edit_words(doc.text, 0.10, rng, pool)),
        ("add 1 + edit 3%", _edit_words(add(1), 0.03, rng, pool)),
        ("remove 1 + edit 3%", _edit_words(remove(), 0.03, rng, pool)),
    ]


def _is_arabic(text: str) -> bool:
    return sum("\u0600" <= c <= "\u06ff" for c in text) > len(text) / 4


def boilerplate_negatives(firsts: list[Doc], rng: random.Random) -> list[Doc]:
    """Statements sharing boilerplate (the first and last paragraphs of a dispatch) around
    different news: the middle is fresh text (another dispatch's words, shuffled) sized so the
    boilerplate is a share ``s`` of the words. None is a copy of anything."""
    out = []
    for d in firsts:
        paras = _paragraphs(d.text)
        donors = [
            o for o in firsts if o.group != d.group and _is_arabic(o.text) == _is_arabic(d.text)
        ]
        if len(paras) < 3 or not donors:
            continue
        boiler = [paras[0], paras[-1]]
        nb = sum(len(p.split()) for p in boiler)
        for share in (0.3, 0.5, 0.6):
            for rep in range(2):
                words = [w for o in donors for w in o.text.split()]
                rng.shuffle(words)
                middle = " ".join(words[: max(1, round(nb * (1 - share) / share))])
                text = "\n\n".join([boiler[0], middle, boiler[1]])
                key = f"boiler-{d.key}-{share}-{rep}"
                when = (d.published or T0) + timedelta(days=7 + rep)
                out.append(Doc(key, key, d.title, text, when, f"boilerplate {share:.0%}"))
    return out


def build_set(rng: random.Random) -> list[Doc]:
    fixtures = load_fixtures()
    docs = list(fixtures)
    firsts: dict[str, Doc] = {}
    for d in sorted(fixtures, key=lambda d: dedup.order_key(d.published, d.key)):
        firsts.setdefault(d.group, d)
    titles: dict[str, list[str]] = {}
    for d in fixtures:
        titles.setdefault(d.group, []).append(d.title)
    longs = [d for d in firsts.values() if len(d.text.split()) >= dedup.MIN_WORDS]
    # Three rounds of random variants per long dispatch.
    for _round in range(3):
        for d in longs:
            for n, (kind, text) in enumerate(variants(d, fixtures, rng)):
                # Half the republications get another headline (one a real republisher used,
                # or the words of the original's reordered).
                title = d.title
                if rng.random() < 0.5:
                    alt = [t for t in titles[d.group] if t != d.title]
                    if alt:
                        title = rng.choice(alt)
                    else:
                        ws = d.title.split()
                        rng.shuffle(ws)
                        title = " ".join(ws)
                when = (d.published or T0) + timedelta(days=1, minutes=n)
                key = f"{d.key}~{n}~{len(docs)}"
                docs.append(Doc(key, d.group, title, text, when, kind))
    docs.extend(boilerplate_negatives(longs, rng))
    return docs


@dataclass(frozen=True)
class Pair:
    same: bool
    vs_original: bool  # a copy paired with its group's original (what link_copies must link)
    j: float
    c: float
    ratio: float
    exact: bool
    short: bool


def originals_of(docs: list[Doc]) -> dict[str, str]:
    """Each group's original key: its earliest document."""
    out: dict[str, str] = {}
    for d in sorted(docs, key=lambda d: dedup.order_key(d.published, d.key)):
        out.setdefault(d.group, d.key)
    return out


def pairs(fps: dict[str, Fingerprint], docs: list[Doc]) -> list[Pair]:
    first = originals_of(docs)
    out = []
    for a, b in itertools.combinations(docs, 2):
        fa, fb = fps[a.key], fps[b.key]
        small, large = sorted((fa.shingles, fb.shingles))
        out.append(
            Pair(
                a.group == b.group,
                a.group == b.group and first[a.group] in (a.key, b.key),
                similarity(fa, fb),
                containment(fa, fb),
                small / large if large else 0.0,
                fa.length > 0 and fa.exact == fb.exact,
                not fa.minhash or not fb.minhash,
            )
        )
    return out


def prf(
    ps: list[Pair], rule: Callable[[Pair], bool], *, all_pairs: bool = False
) -> tuple[float, float, float, int, int]:
    """Precision, recall, F1, false positives, misses; positives are copy-original pairs unless
    ``all_pairs`` (then copy-copy pairs count too), negatives are every cross-group pair."""
    pos = [p for p in ps if p.same and (all_pairs or p.vs_original)]
    tp = sum(1 for p in pos if rule(p))
    fn = len(pos) - tp
    fp = sum(1 for p in ps if not p.same and rule(p))
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, fp, fn


def jaccard_rule(t: float) -> Callable[[Pair], bool]:
    return lambda p: p.exact or (not p.short and p.j >= t)


def combined_rule(t: float, c: float, ratio: float) -> Callable[[Pair], bool]:
    return lambda p: p.exact or (not p.short and (p.j >= t or (p.ratio >= ratio and p.c >= c)))


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells) + " |"


def quality(quick: bool) -> None:
    rng = random.Random(7)
    docs = build_set(rng)
    fpr = Fingerprinter()
    body = {d.key: fpr.fingerprint(d.title, d.text) for d in docs}
    ps = pairs(body, docs)
    npos = sum(p.vs_original for p in ps)
    nneg = sum(not p.same for p in ps)
    print(
        f"## Copy detection: {len(docs)} documents ({len(load_fixtures())} fixtures, synthetic "
        f"variants, boilerplate negatives); {npos} copy–original pairs, {nneg} non-copy pairs\n"
    )
    print("Positives: each copy paired with its original; negatives: every pair of documents from")
    print("different dispatches (including the fixtures' same-ministry statements and synthetic")
    print("boilerplate-sharing statements). Exact copies always count.\n")
    print("### Jaccard only\n")
    print("| Jaccard ≥ | precision | recall | F1 | false pos. | missed |")
    print("|---|---|---|---|---|---|")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        print(_row([f"{t:.1f}", *prf(ps, jaccard_rule(t))]))

    print(
        "\n### Jaccard, or containment of the smaller text when sizes are within 2× (ratio ≥ 0.5)\n"
    )
    print("| Jaccard ≥ | containment ≥ | precision | recall | F1 | false pos. | missed |")
    print("|---|---|---|---|---|---|---|")
    for t in (0.4, 0.5, 0.6, 0.7):
        for c in (0.6, 0.7, 0.8, 0.9):
            print(_row([f"{t:.1f}", f"{c:.1f}", *prf(ps, combined_rule(t, c, 0.5))]))

    chosen = combined_rule(
        dedup.JACCARD_THRESHOLD, dedup.CONTAINMENT_THRESHOLD, dedup.MIN_SIZE_RATIO
    )
    print("\n### Variants of the chosen rule\n")
    print("| setting | precision | recall | F1 | false pos. | missed |")
    print("|---|---|---|---|---|---|")
    print(_row([f"chosen (body only, shingle {dedup.SHINGLE})", *prf(ps, chosen)]))
    print(_row(["chosen, copy–copy pairs counted too", *prf(ps, chosen, all_pairs=True)]))
    with_title = {d.key: fpr.fingerprint("", d.title + "\n\n" + d.text) for d in docs}
    print(_row(["title prepended to the body", *prf(pairs(with_title, docs), chosen)]))
    for k in sorted({3, 4, 5, 7} - {dedup.SHINGLE}):
        other = Fingerprinter(shingle=k)
        fps = {d.key: other.fingerprint(d.title, d.text) for d in docs}
        kp = pairs(fps, docs)
        best = max(
            (prf(kp, combined_rule(t, c, 0.5))[2], t, c)
            for t in (0.4, 0.5, 0.6, 0.7, 0.8)
            for c in (0.6, 0.7, 0.8, 0.9)
        )
        print(_row([f"shingle {k} (chosen thresholds)", *prf(kp, chosen)]))
        print(
            _row(
                [
                    f"shingle {k} (its best: J ≥ {best[1]}, c ≥ {best[2]})",
                    *prf(kp, combined_rule(best[1], best[2], 0.5)),
                ]
            )
        )

    print("\n### Per kind of edit: variant vs its original (chosen rule)\n")
    print("| edit | pairs | Jaccard (median) | containment (median) | detected |")
    print("|---|---|---|---|---|")
    first = originals_of(docs)
    kinds: dict[str, list[tuple[float, float, bool]]] = {}
    for d in docs:
        if not d.kind or d.kind.startswith("boilerplate"):
            continue
        fa, fb = body[d.key], body[first[d.group]]
        kinds.setdefault(d.kind, []).append(
            (similarity(fa, fb), containment(fa, fb), is_copy(fa, fb))
        )
    for kind, rows in kinds.items():
        print(
            f"| {kind} | {len(rows)} | {statistics.median(r[0] for r in rows):.2f} | "
            f"{statistics.median(r[1] for r in rows):.2f} | {sum(r[2] for r in rows)}/{len(rows)} |"
        )
    print("\n### Boilerplate-sharing statements vs the dispatch they share it with (chosen rule)\n")
    print("| boilerplate share | pairs | Jaccard (median) | containment (median) | called a copy |")
    print("|---|---|---|---|---|")
    by_key = {d.key: d for d in docs}
    boil: dict[str, list[tuple[float, float, bool]]] = {}
    for d in docs:
        if d.kind.startswith("boilerplate"):
            src = by_key[d.key.split("-", 1)[1].rsplit("-", 2)[0]]
            fa, fb = body[d.key], body[src.key]
            boil.setdefault(d.kind, []).append(
                (similarity(fa, fb), containment(fa, fb), is_copy(fa, fb))
            )
    for kind, rows in sorted(boil.items()):
        print(
            f"| {kind.split()[1]} | {len(rows)} | {statistics.median(r[0] for r in rows):.2f} | "
            f"{statistics.median(r[1] for r in rows):.2f} | {sum(r[2] for r in rows)}/{len(rows)} |"
        )

    print("\n### Closest non-copy pairs\n")
    print("| a | b | Jaccard | containment | size ratio | called a copy |")
    print("|---|---|---|---|---|---|")
    neg = []
    for a, b in itertools.combinations(docs, 2):
        if a.group != b.group:
            fa, fb = body[a.key], body[b.key]
            neg.append((max(similarity(fa, fb), containment(fa, fb)), a.key, b.key, fa, fb))
    neg.sort(key=lambda x: -x[0])
    for _, ka, kb, fa, fb in neg[:8]:
        small, large = sorted((fa.shingles, fb.shingles))
        print(
            _row([ka, kb, similarity(fa, fb), containment(fa, fb), small / large, is_copy(fa, fb)])
        )

    # LSH recall: pairs that the rule calls copies but the index never offers as candidates.
    store = MemoryCopyStore()
    for d in docs:
        store.add(d.key, body[d.key], d.published)
    rule_pairs = lost = 0
    for a, b in itertools.combinations(docs, 2):
        if is_copy(body[a.key], body[b.key]):
            rule_pairs += 1
            lost += b.key not in store.candidates(a.key, body[a.key], band_keys(body[a.key]))
    print(
        f"\nLSH (threshold {dedup.LSH_THRESHOLD}): {lost} of {rule_pairs} pairs that `is_copy` accepts "
        "were not offered as candidates by the index."
    )

    # The module's own decision end to end: originals over shuffled arrival orders.
    items = [(d.key, body[d.key], d.published) for d in docs]
    expected = {d.key: (None if first[d.group] == d.key else first[d.group]) for d in docs}
    shuffles = 5 if quick else 20
    correct, results = 0, set()
    for s in range(shuffles):
        order = list(items)
        random.Random(s).shuffle(order)
        got = assign_originals(order)
        results.add(tuple(sorted(got.items(), key=lambda kv: kv[0])))
        correct += sum(got[k] == v for k, v in expected.items())
    wrong_fix = sum(
        1 for d in docs if "~" not in d.key and not d.kind and got[d.key] != expected[d.key]
    )
    print(
        f"\n`assign_originals`: {correct / (shuffles * len(items)):.3f} of articles get the expected "
        f"original (fixtures alone: {wrong_fix} wrong); {len(results)} distinct result(s) over "
        f"{shuffles} shuffled arrival orders.\n"
    )


def real_pairs() -> None:
    """Same-language fr/ar article pairs from SemEval-2022 Task 8 (../shared/bench), rated by
    people from 1 (same story) to 4: different outlets' articles, so none should be a copy."""
    folder = ROOT.parent / "shared" / "bench" / "clustering" / "semeval2022_pairs"
    print("## Real article pairs (SemEval-2022 Task 8, fr-fr and ar-ar, not augmented)\n")
    if not folder.exists():
        print(f"{folder} not found: skipped.\n")
        return
    rows: dict[str, dict] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            r = json.loads(line)
            if r["lang1"] == r["lang2"] and r["lang1"] in ("fr", "ar") and not r["augmented_id"]:
                rows.setdefault(r["pair_id"], r)
    fpr = Fingerprinter()
    print("| overall score | pairs | Jaccard (max) | containment (max) | called a copy |")
    print("|---|---|---|---|---|")
    bands: dict[str, list[tuple[float, float, bool]]] = {}
    for r in rows.values():
        a, b = fpr.fingerprint("", r["text1"]), fpr.fingerprint("", r["text2"])
        band = (
            "1–1.5 (same story)"
            if r["overall"] <= 1.5
            else "1.5–2.5"
            if r["overall"] <= 2.5
            else "2.5–4"
        )
        bands.setdefault(band, []).append((similarity(a, b), containment(a, b), is_copy(a, b)))
    for band, vals in sorted(bands.items()):
        print(
            f"| {band} | {len(vals)} | {max(v[0] for v in vals):.2f} | "
            f"{max(v[1] for v in vals):.2f} | {sum(v[2] for v in vals)} |"
        )
    print()


def synthetic_corpus(n: int, words: int, seed: int) -> list[str]:
    """``n`` texts of ``words`` words drawn from a Zipf-distributed 50k-word vocabulary."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"m{i:x}ot" for i in range(50_000)])
    ranks = np.minimum(rng.zipf(1.15, size=(n, words)) - 1, len(vocab) - 1)
    return [" ".join(row) for row in vocab[ranks]]


def speed(quick: bool) -> None:
    fpr = Fingerprinter()
    sizes = (10_000,) if quick else (10_000, 100_000)
    texts = synthetic_corpus(max(sizes) + 1_000, 300, seed=1)
    t = time.perf_counter()
    sample = texts[:2_000]
    for text in sample:
        fpr.fingerprint("", text)
    per_doc = (time.perf_counter() - t) / len(sample)
    t = time.perf_counter()
    for text in sample[:200]:
        dedup.fingerprint("", text)
    per_doc_fn = (time.perf_counter() - t) / 200
    print("## Speed (one core, synthetic 300-word texts)\n")
    print(
        f"- fingerprint with a `Fingerprinter`: {1 / per_doc:,.0f} docs/s "
        f"({per_doc * 1e6:,.0f} µs/doc, folding included)"
    )
    print(
        f"- module function `fingerprint()` (new permutations each call): {1 / per_doc_fn:,.0f} docs/s\n"
    )
    print(
        "| stored docs | build (s) | link_copies, new text (µs) | link_copies, a copy (µs) | candidates (µs) | candidates per query |"
    )
    print("|---|---|---|---|---|---|")
    fps = [fpr.fingerprint("", text) for text in texts[: max(sizes)]]
    queries = [fpr.fingerprint("", text) for text in texts[max(sizes) : max(sizes) + 500]]
    rng = random.Random(3)
    for size in sizes:
        t = time.perf_counter()
        store = MemoryCopyStore()
        for i, fp in enumerate(fps[:size]):
            store.add(f"d{i}", fp, T0 + timedelta(minutes=i))
        build = time.perf_counter() - t
        t = time.perf_counter()
        ncand = 0
        for q in queries:
            ncand += len(store.candidates("query", q, band_keys(q)))
        per_cand = (time.perf_counter() - t) / len(queries)
        t = time.perf_counter()
        for j, q in enumerate(queries):
            store.add(f"new{j}", q, T0 + timedelta(days=400))
        per_new = (time.perf_counter() - t) / len(queries)
        # Copies of indexed texts (6% of words edited) must find their original.
        copies = []
        for _ in range(200):
            i = rng.randrange(size)
            copies.append(
                (i, fpr.fingerprint("", _edit_words(texts[i], 0.06, rng, ["x", "y", "z"])))
            )
        t = time.perf_counter()
        found = 0
        for j, (i, q) in enumerate(copies):
            original = store.add(f"copy{j}", q, T0 + timedelta(days=400))
            found += original == f"d{i}"
        per_copy = (time.perf_counter() - t) / len(copies)
        print(
            f"| {size:,} | {build:.1f} | {per_new * 1e6:,.0f} | {per_copy * 1e6:,.0f} "
            f"(found {found}/{len(copies)}) | {per_cand * 1e6:,.0f} | {ncand / len(queries):.2f} |"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k docs only, fewer shuffles")
    args = parser.parse_args()
    print(
        f"# Syndicated-copy detection (num_perm={dedup.NUM_PERM}, shingle={dedup.SHINGLE} words, "
        f"min words={dedup.MIN_WORDS}; chosen: Jaccard ≥ {dedup.JACCARD_THRESHOLD} or containment ≥ "
        f"{dedup.CONTAINMENT_THRESHOLD} with size ratio ≥ {dedup.MIN_SIZE_RATIO}; LSH threshold "
        f"{dedup.LSH_THRESHOLD})\n"
    )
    quality(args.quick)
    real_pairs()
    speed(args.quick)


if __name__ == "__main__":
    main()
