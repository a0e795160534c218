"""Syndicated-copy detection on fixture dispatches (fr/ar/en): fingerprints, band keys,
originals (through link_copies on the in-memory store: the code production runs)."""

from __future__ import annotations

import json
import random
import tomllib
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from akhbar.ingest import copies
from akhbar.ingest.copies import (
    Fingerprint,
    Fingerprinter,
    MemoryCopyStore,
    assign_originals,
    band_keys,
    containment,
    fingerprint,
    is_copy,
    similarity,
)
from akhbar.ingest.normalize import fold_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dispatches"


def _load() -> dict[str, dict]:
    articles: dict[str, dict] = {}
    for path in sorted(FIXTURES.glob("*.toml")):
        for a in tomllib.loads(path.read_text("utf-8"))["article"]:
            articles[a["key"]] = a
    return articles


ARTICLES = _load()
FPR = Fingerprinter()
FPS = {k: FPR.fingerprint(a["title"], a["text"]) for k, a in ARTICLES.items()}


def _store(items: list[tuple[str, Fingerprint, datetime | None]]) -> MemoryCopyStore:
    store = MemoryCopyStore()
    for key, fp, published in items:
        store.add(key, fp, published)
    return store


def _candidates(store: MemoryCopyStore, fp: Fingerprint) -> list[str]:
    return sorted(store.candidates("query", fp, band_keys(fp)))


def _items(keys: list[str]) -> list[tuple[str, Fingerprint, datetime | None]]:
    return [(k, FPS[k], ARTICLES[k].get("published")) for k in keys]


def _expected(keys: list[str]) -> dict[str, str | None]:
    """Each article's original by the fixtures' labels: the earliest dated of its dispatch."""
    out: dict[str, str | None] = {}
    for k in keys:
        group = [o for o in keys if ARTICLES[o]["dispatch"] == ARTICLES[k]["dispatch"]]
        group.sort(
            key=lambda o: (
                ARTICLES[o].get("published") is None,
                ARTICLES[o].get("published") or datetime.min.replace(tzinfo=UTC),
                o,
            )
        )
        out[k] = None if group[0] == k else group[0]
    return out


PORT = ["fr-port-map", "fr-port-matin", "fr-port-rifinfo", "fr-port-sahel"]
DECREE = ["ar-decree-map", "ar-decree-hespress", "ar-decree-oriental", "ar-decree-variants"]
GAS = ["en-gas-aps", "en-gas-northafrica", "en-gas-maghrebwire", "en-gas-tunisianews"]


def test_fingerprint_shape_and_json_round_trip() -> None:
    fp = FPS["fr-port-map"]
    assert len(fp.exact) == 64 and len(fp.minhash) == copies.NUM_PERM
    assert fp.length == len(fold_text(ARTICLES["fr-port-map"]["text"]).split())
    assert 0 < fp.shingles <= fp.length
    assert all(isinstance(v, int) and 0 <= v < 2**32 for v in fp.minhash)
    # Stored as JSON in the database and rebuilt: the same value, and a working index.
    stored = json.loads(json.dumps(asdict(fp)))
    back = Fingerprint(**{**stored, "minhash": tuple(stored["minhash"])})
    assert back == fp
    store = _store([("a", back, None)])
    assert _candidates(store, FPS["fr-port-matin"]) == ["a"]


def test_fingerprint_is_deterministic_and_ignores_title() -> None:
    text = ARTICLES["en-gas-aps"]["text"]
    assert fingerprint("Headline A", text) == fingerprint("Another headline", text)
    assert fingerprint("", text) == FPS["en-gas-aps"]  # module function == Fingerprinter
    assert len(fingerprint("", text, num_perm=64).minhash) == 64


def test_folded_exact_hash_ignores_quotes_accents_and_arabic_spelling() -> None:
    assert FPS["fr-brief-incendie"].exact == FPS["fr-brief-incendie-copie"].exact  # ’ vs '
    assert (
        FPS["ar-brief-zilzal"].exact == FPS["ar-brief-zilzal-copie"].exact
    )  # hamza, ة, tashkeel, ٤
    assert FPS["fr-brief-incendie"].exact != FPS["fr-brief-incendie-bilan"].exact


@pytest.mark.parametrize("group", [PORT, DECREE, GAS], ids=["fr", "ar", "en"])
def test_every_republication_is_a_copy_of_the_dispatch(group: list[str]) -> None:
    for k in group[1:]:
        assert is_copy(FPS[group[0]], FPS[k]), k
        assert similarity(FPS[group[0]], FPS[k]) >= 0.5


def test_containment_stays_high_when_a_paragraph_is_added() -> None:
    a, b = FPS["fr-port-map"], FPS["fr-port-rifinfo"]  # rifinfo adds a closing paragraph
    assert containment(a, b) > similarity(a, b) + 0.1
    assert containment(a, b) >= copies.CONTAINMENT_THRESHOLD
    assert containment(a, b) == containment(b, a)


def test_arabic_spelling_variants_are_near_identical() -> None:
    # Bare alef, final ha, tashkeel, tatweel, Arabic-Indic digits: only "المئة" and spacing differ.
    assert similarity(FPS["ar-decree-map"], FPS["ar-decree-variants"]) >= 0.9
    raw = Fingerprinter()
    # Without folding the same two texts would be far apart (the variants are real differences).
    unfolded_a = set(ARTICLES["ar-decree-map"]["text"].split())
    unfolded_b = set(ARTICLES["ar-decree-variants"]["text"].split())
    assert len(unfolded_a & unfolded_b) / len(unfolded_a | unfolded_b) < 0.5
    assert raw.fingerprint("", ARTICLES["ar-decree-variants"]["text"]) == FPS["ar-decree-variants"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("fr-rougeole-lancement", "fr-rougeole-prolongation"),
        ("fr-rougeole-lancement", "fr-rougeole-prolongation-copie"),
        ("en-bct-january", "en-bct-march"),
        ("ar-feux-mardi", "ar-feux-mercredi"),
    ],
)
def test_statements_sharing_boilerplate_are_not_copies(a: str, b: str) -> None:
    assert similarity(FPS[a], FPS[b]) > 0.1  # they do share boilerplate...
    assert not is_copy(FPS[a], FPS[b])  # ...but are different news


def test_short_brief_matches_only_exactly() -> None:
    brief, copy, bilan = (
        FPS[k] for k in ("fr-brief-incendie", "fr-brief-incendie-copie", "fr-brief-incendie-bilan")
    )
    assert brief.length < copies.MIN_WORDS and brief.minhash == ()
    assert is_copy(brief, copy) and similarity(brief, copy) == 1.0
    # One figure changed in a 30-word brief: most shingles still shared, yet not a copy.
    assert not is_copy(brief, bilan) and similarity(brief, bilan) == 0.0
    store = _store(_items(["fr-brief-incendie", "fr-brief-incendie-bilan"]))
    assert _candidates(store, copy) == ["fr-brief-incendie"]


def test_empty_body_is_nobodys_copy() -> None:
    empty = fingerprint("Le même titre", "")
    assert empty.length == 0 and not is_copy(empty, fingerprint("Le même titre", "  "))
    store = _store([("x", empty, None)])
    assert store.add("y", empty, None) is None and store.originals == {"x": None, "y": None}


def test_assign_originals_on_all_fixtures_whatever_the_order() -> None:
    keys = sorted(ARTICLES)
    expected = _expected(keys)
    assert expected["fr-port-sahel"] == "fr-port-map"  # undated copy → the dated original
    for seed in range(10):
        shuffled = list(keys)
        random.Random(seed).shuffle(shuffled)
        assert assign_originals(_items(shuffled)) == expected


def test_assign_originals_ties_broken_by_key_and_duplicates_refused() -> None:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    items = [("b", FPS["en-gas-aps"], when), ("a", FPS["en-gas-northafrica"], when)]
    assert assign_originals(items) == {"a": None, "b": "a"}
    assert assign_originals(items[::-1]) == {"a": None, "b": "a"}
    with pytest.raises(ValueError):
        assign_originals(items + items[:1])


@pytest.mark.parametrize("group", [PORT, DECREE, GAS], ids=["fr", "ar", "en"])
def test_index_online_arrival_relinks_to_earlier_original(group: list[str]) -> None:
    """Copies arrive before the original: each is linked to the earliest seen so far, and when
    the original arrives, it takes the whole group over."""
    store = MemoryCopyStore()
    noise = ["fr-rougeole-lancement", "en-bct-january", "ar-feux-mardi", "fr-brief-incendie"]
    for k in noise:
        store.add(k, FPS[k], ARTICLES[k].get("published"))
    late_first = [*group[1:], group[0]]
    for i, k in enumerate(late_first):
        match = store.add(k, FPS[k], ARTICLES[k].get("published"))
        if i == 0 or k == group[0]:
            # The first arrival has nothing to copy; the true original, arriving last, is earlier
            # than everything it matches.
            assert match is None
        else:
            assert match is not None and match in late_first[:i]
    links = {k: store.originals[k] for k in group}
    assert links == {k: (None if k == group[0] else group[0]) for k in group}
    for k in group[1:]:
        assert store.originals[k] == group[0] and similarity(FPS[k], FPS[group[0]]) >= 0.5
    assert sorted(k for k, o in store.originals.items() if group[0] in (k, o)) == sorted(group)
    assert all(store.originals[k] is None for k in noise)


def test_index_add_replace() -> None:
    store = MemoryCopyStore()
    t = datetime(2025, 1, 15, 10, tzinfo=UTC)
    store.add("orig", FPS["fr-port-map"], t)
    assert store.add("copy", FPS["fr-port-matin"], t + timedelta(hours=1)) == "orig"
    assert len(store) == 2 and store.originals == {"orig": None, "copy": "orig"}
    # Storing a key again replaces it: "orig" now dated later, so "copy" becomes the original.
    assert store.add("orig", FPS["fr-port-map"], t + timedelta(hours=2)) == "copy"
    assert len(store) == 2 and store.originals == {"orig": "copy", "copy": None}
    assert _candidates(store, FPS["fr-port-map"]) == ["copy", "orig"]


def test_fixed_lsh_params_are_what_datasketch_derives_for_the_threshold() -> None:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=copies.LSH_THRESHOLD, num_perm=copies.NUM_PERM)
    assert (lsh.b, lsh.r) == copies.LSH_PARAMS


def test_minhash_values_are_datasketchs_bit_for_bit() -> None:
    """akhbar's MinHash (written out to keep datasketch and scipy out of task workers) gives
    datasketch's affine32 values, so fingerprints stored before stay comparable."""
    from datasketch import MinHash

    fingerprinter = copies.Fingerprinter()
    perms = MinHash(copies.NUM_PERM, seed=copies.MINHASH_SEED,
                    scheme=copies.MINHASH_SCHEME).permutations
    rng = random.Random(7)
    words = ("le port de Tanger a reçu hier un navire chargé de blé venu du Brésil selon "
             "المكتب الوطني للموانئ وقال المدير إن الشحنة وصلت في الموعد").split()
    for length in (copies.MIN_WORDS, 80, 600):
        text = " ".join(rng.choice(words) for _ in range(length))
        got = fingerprinter.fingerprint("", text)
        sketch = MinHash(copies.NUM_PERM, seed=copies.MINHASH_SEED, scheme=copies.MINHASH_SCHEME,
                         permutations=perms, hashfunc=int)
        sketch.update_batch(fingerprinter.shingle_hashes(copies._words(text)).tolist())
        assert got.minhash == tuple(int(v) for v in sketch.hashvalues)
        assert len(set(got.minhash)) > copies.NUM_PERM // 2  # a real sketch, not a constant
