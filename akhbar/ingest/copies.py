"""Syndicated copies: text fingerprints (exact hash + MinHash), LSH band keys, the copy
decision, and the linking of a copy group to its original — one implementation, run by the
database-backed index of :mod:`akhbar.news.copies` and by the in-memory one here.

A wire dispatch (MAP, APS, TAP, AFP…) republished by several outlets, possibly under another
headline, with a paragraph added or light edits, is recognised as a copy of the earliest published
version. Text is folded with :func:`akhbar.ingest.normalize.fold_text` (accents, Arabic spelling
variants, digits, punctuation) before shingling, so spelling variants do not count as edits.

Two articles are copies when :func:`is_copy` says so. When an article is stored,
:func:`link_copies` finds the stored articles it copies (same exact hash, or a shared LSH band
and :func:`is_copy`), takes their originals and those originals' copies as its group, and makes
the group's earliest article (published, undated last, then key) the original of all the
others: an earlier article that arrives late takes the group over.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import numpy as np

from akhbar.ingest.normalize import fold_text

# Sketch parameters. Stored fingerprints are only comparable with ones made with the same
# values: changing any of them means re-fingerprinting what is stored.
NUM_PERM = 128
# Word 3-grams: bench/dedup.py measured F1 0.96-0.97 with 3 against 0.93-0.94 with 5 (at each
# one's best thresholds): a sub-editor's changed word breaks 3 shingles instead of 5, while real
# same-story articles from different outlets stayed far below the threshold either way.
SHINGLE = 3
MINHASH_SEED = 1
# datasketch >= 2.0 scheme (32-bit values, collision-free permutations); pinned because its
# default could change and the hash values carry no trace of the scheme.
MINHASH_SCHEME = "affine32"

# Below this many words a text gets no MinHash: a 30-word brief shares most of its shingles with
# any other brief built on the same formula, so only an exact (folded) copy counts.
MIN_WORDS = 40

# Decision thresholds, chosen with bench/dedup.py (run it for the tables): a pair is a copy
# when its estimated Jaccard reaches JACCARD_THRESHOLD, or when the smaller text is almost
# entirely contained in the larger (a copy with paragraphs added: Jaccard falls, containment
# does not) and the two are of comparable size (a long feature quoting a whole dispatch is not
# a republication of it). Measured: containment adds ~3 points of F1 over Jaccard alone.
JACCARD_THRESHOLD = 0.6
CONTAINMENT_THRESHOLD = 0.9
MIN_SIZE_RATIO = 0.5
# LSH recall threshold: pairs passing the containment rule can have a Jaccard as low as
# c*r / (1 + r - c*r) = 0.43 (c = 0.9, r = 0.5). For 0.25 and 128 permutations datasketch picks
# 42 bands of 3 rows (LSH_PARAMS, fixed here because deriving them integrates numerically, ~80 ms
# per index), which makes a pair a candidate with probability 0.97 at Jaccard 0.43, 0.996 at 0.5,
# 0.29 at 0.2 and 0.04 at 0.1 (candidates are then verified, so this costs time, not precision).
LSH_THRESHOLD = 0.25
LSH_PARAMS = (42, 3)  # (bands, rows) for NUM_PERM and LSH_THRESHOLD

# Multiplier for combining word hashes into a shingle hash (FNV prime; odd, so order matters
# and no information is lost mod 2**32). datasketch mixes the result again (murmur finalizer).
_SHINGLE_MULT = np.uint32(0x01000193)


@dataclass(frozen=True)
class Fingerprint:
    """What dedup needs to know about one article's text; storable as JSON and rebuilt as is."""

    exact: str  # sha256 hex of the folded body text
    minhash: tuple[int, ...]  # MinHash values of the body's word shingles; () when too short
    shingles: int  # number of distinct shingles (for containment estimates)
    length: int  # number of words of the folded body

    @property
    def near_matchable(self) -> bool:
        """Whether this text is long enough for near-duplicate (MinHash) matching."""
        return bool(self.minhash)


def _words(text: str) -> list[bytes]:
    # UTF-8 words: crc32 wants bytes, and encoding once is cheaper than once per word (a UTF-8
    # multi-byte sequence never contains a space byte, so splitting the bytes is the same split).
    return fold_text(text).encode("utf-8").split()


# datasketch's MinHash, scheme "affine32" (MINHASH_SCHEME), written out here: importing
# datasketch loads scipy and its whole package (LSH, HNSW, ...), ~30 MB in every task worker,
# for two lines of numpy. Same values, bit for bit (tests/ingest/test_copies.py checks it
# against datasketch): stored fingerprints stay comparable.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35),
           np.uint32(16))


def _affine32_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The affine maps h -> a*h + b mod 2^32 (odd a) of datasketch's ``affine32`` scheme."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _affine32_minhash(hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash values of a set of 32-bit hashes: MurmurHash3's finaliser, then each affine
    map's minimum (datasketch's ``update_batch``, CPU path)."""
    s1, m1, s2, m2, s3 = _FMIX32
    hv = np.asarray(hashes, dtype=np.uint32).reshape(-1, 1)
    with np.errstate(over="ignore"):  # the arithmetic wraps modulo 2^32, as intended
        hv = hv ^ (hv >> s1)
        hv = hv * m1
        hv = hv ^ (hv >> s2)
        hv = hv * m2
        hv = hv ^ (hv >> s3)
        values: np.ndarray = (hv * a + b).min(axis=0)
    return np.minimum(np.full(len(a), np.uint32(0xFFFFFFFF), dtype=np.uint32), values)


class Fingerprinter:
    """Fingerprints texts with fixed sketch parameters (holds the MinHash permutations)."""

    def __init__(
        self, *, num_perm: int = NUM_PERM, shingle: int = SHINGLE, min_words: int = MIN_WORDS
    ) -> None:
        if num_perm < 1 or shingle < 1:
            raise ValueError("num_perm and shingle must be positive")
        self.num_perm = num_perm
        self.shingle = shingle
        self.min_words = max(min_words, shingle)
        # Generating permutations costs ~0.2 ms; done once per instance, not per text.
        self._permutations = _affine32_permutations(num_perm, MINHASH_SEED)

    def shingle_hashes(self, words: Sequence[bytes]) -> np.ndarray:
        """Distinct 32-bit hashes of the word ``shingle``-grams of ``words``."""
        n = len(words) - self.shingle + 1
        if n <= 0:
            return np.empty(0, dtype=np.uint32)
        # Hash each word once (crc32: deterministic across processes, unlike hash()), then
        # combine k consecutive word hashes with vector arithmetic instead of joining strings.
        w = np.array(list(map(zlib.crc32, words)), dtype=np.uint32)
        h = np.zeros(n, dtype=np.uint32)
        for i in range(self.shingle):
            h = h * _SHINGLE_MULT + w[i : i + n]
        return np.unique(h)

    def fingerprint(self, title: str, text: str) -> Fingerprint:
        """The fingerprint of an article's body text (the title is not used, see module notes)."""
        # Titles are left out: republishers often rewrite the headline, and bench/dedup.py
        # measured lower recall with the title prepended and no precision gained.
        del title
        words = _words(text)
        exact = hashlib.sha256(b" ".join(words)).hexdigest()
        if len(words) < self.min_words:
            count = len(self.shingle_hashes(words))
            return Fingerprint(exact=exact, minhash=(), shingles=count, length=len(words))
        hashes = self.shingle_hashes(words)
        values = _affine32_minhash(hashes, *self._permutations)
        return Fingerprint(
            exact=exact,
            minhash=tuple(int(v) for v in values),
            shingles=len(hashes),
            length=len(words),
        )


def fingerprint(
    title: str,
    text: str,
    *,
    num_perm: int = NUM_PERM,
    shingle: int = SHINGLE,
    min_words: int = MIN_WORDS,
) -> Fingerprint:
    """The fingerprint of one article (use a :class:`Fingerprinter` for many: it is faster)."""
    return Fingerprinter(num_perm=num_perm, shingle=shingle, min_words=min_words).fingerprint(
        title, text
    )


def _jaccard(a: Fingerprint, b: Fingerprint) -> float:
    if len(a.minhash) != len(b.minhash):
        raise ValueError("fingerprints made with different num_perm cannot be compared")
    same = sum(1 for x, y in zip(a.minhash, b.minhash, strict=True) if x == y)
    return same / len(a.minhash)


def _containment_from(j: float, na: int, nb: int) -> float:
    # |A∩B| = J(|A|+|B|)/(1+J); divided by the smaller set's size.
    small = min(na, nb)
    if small <= 0:
        return 0.0
    return min(1.0, j * (na + nb) / (1.0 + j) / small)


def _compare(a: Fingerprint, b: Fingerprint) -> float | None:
    """1.0 for the same text, None when the two cannot be compared (no body, or too short
    for MinHash and not identical), else the estimated Jaccard of their shingle sets."""
    if a.length == 0 or b.length == 0:
        return None  # an article without a body is nobody's copy
    if a.exact == b.exact:
        return 1.0
    if not a.minhash or not b.minhash:
        return None
    return _jaccard(a, b)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets (1.0 for an exact copy)."""
    j = _compare(a, b)
    return 0.0 if j is None else j


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the smaller text's shingles that also occur in the larger one."""
    j = _compare(a, b)
    if j is None:
        return 0.0
    return 1.0 if a.exact == b.exact else _containment_from(j, a.shingles, b.shingles)


def _decide(a: Fingerprint, b: Fingerprint, j: float) -> bool:
    if j >= JACCARD_THRESHOLD:
        return True
    small, large = sorted((a.shingles, b.shingles))
    if large <= 0 or small / large < MIN_SIZE_RATIO:
        return False
    return _containment_from(j, a.shingles, b.shingles) >= CONTAINMENT_THRESHOLD


def is_copy(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether one text republishes the other (same text, or near-duplicate by the thresholds)."""
    j = _compare(a, b)
    if j is None:
        return False
    return a.exact == b.exact or _decide(a, b, j)


def fingerprint_to_json(fp: Fingerprint) -> dict[str, object]:
    """The fingerprint as stored next to its exact hash (see fingerprint_from_json)."""
    return {"minhash": list(fp.minhash), "shingles": fp.shingles, "length": fp.length}


def fingerprint_from_json(exact: str, data: dict[str, Any] | None) -> Fingerprint | None:
    """A stored fingerprint (None when none was stored)."""
    if not data:
        return None
    return Fingerprint(exact=exact, minhash=tuple(data["minhash"]),
                       shingles=int(data["shingles"]), length=int(data["length"]))


def band_keys(fp: Fingerprint) -> list[int]:
    """The text's LSH band keys: (band number, its rows) hashed to a signed 64-bit integer
    (stored as ArticleBand rows: changing this means re-banding what is stored)."""
    if not fp.minhash:
        return []
    bands, rows = LSH_PARAMS
    out = []
    for b in range(bands):
        chunk = fp.minhash[b * rows:(b + 1) * rows]
        digest = hashlib.blake2b(struct.pack(f"<I{len(chunk)}Q", b, *chunk), digest_size=8).digest()
        out.append(struct.unpack("<q", digest)[0])
    return out


_UNDATED = datetime.min.replace(tzinfo=UTC)


def order_key(published: datetime | None, key: Any) -> tuple[bool, datetime, Any]:
    """Sort key of a copy group's members: earliest first, undated last, ties by key."""
    if published is None:
        return (True, _UNDATED, key)
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)  # naive dates are read as UTC
    return (False, published, key)


K = TypeVar("K", bound=Hashable)


class CopyStore(Protocol[K]):
    """Where fingerprints, band keys and originals are kept: database tables in production
    (akhbar.news.copies), dictionaries in benchmarks and tests (MemoryCopyStore)."""

    def save(self, key: K, fp: Fingerprint, published: datetime | None, bands: list[int]) -> None:
        """Record an article's fingerprint and band keys (replacing earlier ones)."""
        ...

    def candidates(self, key: K, fp: Fingerprint, bands: list[int]) -> set[K]:
        """The other articles with the same exact hash or sharing a band key."""
        ...

    def stored(self, keys: set[K]) -> Iterable[tuple[K, Fingerprint | None, K | None]]:
        """Each of these articles' fingerprint and current original."""
        ...

    def group(self, roots: set[K]) -> Iterable[tuple[K, datetime | None, K | None]]:
        """The articles in roots or whose original is in roots: published, current original."""
        ...

    def set_original(self, key: K, original: K | None) -> None:
        """Make original the article's original (None: it is an original)."""
        ...


def link_copies(store: CopyStore[K], key: K, fp: Fingerprint, published: datetime | None,
                original: K | None = None) -> K | None:
    """Record an article's fingerprint and relink its copy group; its original, or None.

    original is the article's current original as the caller knows it (None for a new one).
    The group is the article, the stored articles whose text it copies, their originals and
    those originals' copies; its earliest member is the original of all the others.
    """
    bands = band_keys(fp)
    store.save(key, fp, published, bands)
    if fp.length == 0:
        return None
    candidates = store.candidates(key, fp, bands)
    if not candidates:
        return None
    matched = [(k, o) for k, cfp, o in store.stored(candidates)
               if cfp is not None and is_copy(fp, cfp)]
    if not matched:
        return None
    roots = {key} | {k for k, _ in matched} | {o for _, o in matched if o is not None}
    members = {k: (when, o) for k, when, o in store.group(roots)}
    members[key] = (published, original)
    first = min(members, key=lambda k: order_key(members[k][0], k))
    for member, (_, current) in members.items():
        wanted = None if member == first else first
        if current != wanted:
            store.set_original(member, wanted)
    return None if first == key else first


class MemoryCopyStore:
    """A CopyStore in dictionaries, for benchmarks and tests: with :func:`link_copies`, the
    code production runs, without the database."""

    def __init__(self) -> None:
        self.fingerprints: dict[str, Fingerprint] = {}
        self.published: dict[str, datetime | None] = {}
        self.originals: dict[str, str | None] = {}
        self._bands: dict[str, list[int]] = {}
        self._by_band: defaultdict[int, set[str]] = defaultdict(set)
        self._by_exact: defaultdict[str, set[str]] = defaultdict(set)
        self._copies: defaultdict[str, set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self.fingerprints)

    def add(self, key: str, fp: Fingerprint, published: datetime | None) -> str | None:
        """Store an article as production does (link_copies); its original or None."""
        return link_copies(self, key, fp, published, self.originals.get(key))

    def save(self, key: str, fp: Fingerprint, published: datetime | None, bands: list[int]) -> None:
        for band in self._bands.pop(key, []):
            self._by_band[band].discard(key)
        old = self.fingerprints.get(key)
        if old is not None:
            self._by_exact[old.exact].discard(key)
        self.fingerprints[key] = fp
        self.published[key] = published
        self.originals.setdefault(key, None)
        self._bands[key] = bands
        for band in bands:
            self._by_band[band].add(key)
        self._by_exact[fp.exact].add(key)

    def candidates(self, key: str, fp: Fingerprint, bands: list[int]) -> set[str]:
        found = set(self._by_exact.get(fp.exact, ()))
        for band in bands:
            found |= self._by_band.get(band, set())
        found.discard(key)
        return found

    def stored(self, keys: set[str]) -> list[tuple[str, Fingerprint | None, str | None]]:
        return [(k, self.fingerprints.get(k), self.originals.get(k)) for k in keys]

    def group(self, roots: set[str]) -> list[tuple[str, datetime | None, str | None]]:
        keys = {k for k in roots if k in self.fingerprints}
        for root in roots:
            keys |= self._copies.get(root, set())
        return [(k, self.published[k], self.originals[k]) for k in keys]

    def set_original(self, key: str, original: str | None) -> None:
        current = self.originals.get(key)
        if current is not None:
            self._copies[current].discard(key)
        self.originals[key] = original
        if original is not None:
            self._copies[original].add(key)


def assign_originals(
    items: Sequence[tuple[str, Fingerprint, datetime | None]],
) -> dict[str, str | None]:
    """Each article's original among items (None for an original), stored one by one in the
    given order as production stores them."""
    keys = [key for key, _, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate keys in items")
    store = MemoryCopyStore()
    for key, fp, published in items:
        store.add(key, fp, published)
    return {key: store.originals[key] for key in keys}
