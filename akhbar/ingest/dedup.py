"""Syndicated-copy detection: text fingerprints (exact hash + MinHash) and a near-duplicate index.

A wire dispatch (MAP, APS, TAP, AFP…) republished by several outlets, possibly under another
headline, with a paragraph added or light edits, is recognised as a copy of the earliest published
version. Text is folded with :func:`akhbar.ingest.normalize.fold_text` (accents, Arabic spelling
variants, digits, punctuation) before shingling, so spelling variants do not count as edits.

Semantics, shared by the online :class:`CopyIndex` and the batch :func:`assign_originals`:
two articles are *near-duplicates* when :func:`is_copy` says so; an article's *direct original*
is the earliest (by published date, undated last, then key) among itself and its near-duplicates;
its *original* follows direct originals down to one that is its own (an original maps to None).
The result depends only on the set of articles, never on the order they arrived in.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

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


@dataclass(frozen=True)
class CopyMatch:
    """An article's original (or one near-duplicate) and how close the two texts are."""

    key: str
    similarity: float  # estimated Jaccard of the shingle sets (1.0 for an exact copy)
    containment: float  # estimated share of the shorter text's shingles found in the longer
    exact: bool


def _words(text: str) -> list[bytes]:
    # UTF-8 words: crc32 wants bytes, and encoding once is cheaper than once per word (a UTF-8
    # multi-byte sequence never contains a space byte, so splitting the bytes is the same split).
    return fold_text(text).encode("utf-8").split()


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
        self._permutations = MinHash(
            num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME
        ).permutations

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
        sketch = MinHash(
            self.num_perm,
            seed=MINHASH_SEED,
            scheme=MINHASH_SCHEME,
            permutations=self._permutations,
            hashfunc=int,  # values are already 32-bit hashes
        )
        sketch.update_batch(hashes.tolist())
        return Fingerprint(
            exact=exact,
            minhash=tuple(int(v) for v in sketch.hashvalues),
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


def _order(published: datetime | None, key: str) -> tuple[int, float, str]:
    """Sort key: earliest first, undated last, ties by key (so results are deterministic)."""
    if published is None:
        return (1, 0.0, key)
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)  # naive dates are read as UTC
    return (0, published.timestamp(), key)


@dataclass(frozen=True)
class _Entry:
    fp: Fingerprint
    published: datetime | None
    values: np.ndarray | None  # the MinHash as an array, for fast comparisons


class CopyIndex:
    """In-memory near-duplicate index (MinHash LSH + exact hashes) over recent articles."""

    def __init__(self, *, num_perm: int = NUM_PERM, lsh_threshold: float = LSH_THRESHOLD) -> None:
        self.num_perm = num_perm
        if num_perm == NUM_PERM and lsh_threshold == LSH_THRESHOLD:
            self._lsh = MinHashLSH(num_perm=num_perm, params=LSH_PARAMS)
        else:
            self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
        self._entries: dict[str, _Entry] = {}
        self._by_exact: dict[str, set[str]] = {}

    @classmethod
    def rebuild(
        cls,
        items: Iterable[tuple[str, Fingerprint, datetime | None]],
        *,
        num_perm: int = NUM_PERM,
        lsh_threshold: float = LSH_THRESHOLD,
    ) -> CopyIndex:
        """An index holding ``items`` (key, fingerprint, published), e.g. from stored rows."""
        index = cls(num_perm=num_perm, lsh_threshold=lsh_threshold)
        for key, fp, published in items:
            index.add(key, fp, published)
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def _lean(self, values: np.ndarray) -> LeanMinHash:
        return LeanMinHash(seed=MINHASH_SEED, hashvalues=values, scheme=MINHASH_SCHEME)

    def _values(self, fp: Fingerprint) -> np.ndarray | None:
        if not fp.minhash:
            return None
        if len(fp.minhash) != self.num_perm:
            raise ValueError(
                f"fingerprint has {len(fp.minhash)} values, index expects {self.num_perm}"
            )
        return np.asarray(fp.minhash, dtype=np.uint32)

    def add(self, key: str, fp: Fingerprint, published: datetime | None) -> None:
        """Index an article (replacing what was indexed under the same key)."""
        if key in self._entries:
            self.remove(key)
        values = self._values(fp)
        self._entries[key] = _Entry(fp, published, values)
        if fp.length > 0:
            self._by_exact.setdefault(fp.exact, set()).add(key)
        if values is not None:
            self._lsh.insert(key, self._lean(values), check_duplication=False)

    def remove(self, key: str) -> bool:
        """Forget an article; False when it was not indexed."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return False
        bucket = self._by_exact.get(entry.fp.exact)
        if bucket is not None:
            bucket.discard(key)
            if not bucket:
                del self._by_exact[entry.fp.exact]
        if entry.values is not None:
            self._lsh.remove(key)
        return True

    def candidates(self, fp: Fingerprint) -> list[str]:
        """Keys that may be near-duplicates of ``fp`` (LSH buckets and exact hash), unverified."""
        found: set[str] = set()
        if fp.length > 0:
            found |= self._by_exact.get(fp.exact, set())
        values = self._values(fp)
        if values is not None:
            found.update(self._lsh.query(self._lean(values)))
        return sorted(found)

    def _compare(
        self, fp: Fingerprint, values: np.ndarray | None, other: _Entry
    ) -> tuple[float, float, bool] | None:
        """(Jaccard, containment, exact) between a text and an indexed one; None if no copy."""
        if fp.length == 0 or other.fp.length == 0:
            return None
        if fp.exact == other.fp.exact:
            return (1.0, 1.0, True)
        if values is None or other.values is None:
            return None
        j = float(np.count_nonzero(values == other.values)) / len(values)
        if not _decide(fp, other.fp, j):
            return None
        return (j, _containment_from(j, fp.shingles, other.fp.shingles), False)

    def matches(self, fp: Fingerprint, *, exclude: Iterable[str] = ()) -> list[CopyMatch]:
        """The indexed near-duplicates of ``fp``, verified, earliest published first."""
        skip = {exclude} if isinstance(exclude, str) else set(exclude)
        values = self._values(fp)
        found: list[tuple[tuple[int, float, str], CopyMatch]] = []
        for key in self.candidates(fp):
            if key in skip:
                continue
            other = self._entries[key]
            m = self._compare(fp, values, other)
            if m is not None:
                found.append((_order(other.published, key), CopyMatch(key, *m)))
        found.sort(key=lambda pair: pair[0])
        return [m for _, m in found]

    def find_original(
        self, key: str, fp: Fingerprint, published: datetime | None
    ) -> CopyMatch | None:
        """The original this article republishes (the earliest of its near-duplicates, followed
        down to an article that is its own original), or None when it is itself an original.

        The article need not be indexed; if it is, the ``fp`` and ``published`` given here win.
        """
        current, current_fp, current_order = key, fp, _order(published, key)
        while True:
            # Each step goes strictly earlier, so the query article itself is never met again.
            earlier = [
                m
                for m in self.matches(current_fp, exclude=(key, current))
                if _order(self._entries[m.key].published, m.key) < current_order
            ]
            if not earlier:
                break
            current = earlier[0].key
            entry = self._entries[current]
            current_fp, current_order = entry.fp, _order(entry.published, current)
        if current == key:
            return None
        original = self._entries[current].fp
        return CopyMatch(
            current,
            similarity(fp, original),
            containment(fp, original),
            fp.length > 0 and fp.exact == original.exact,
        )

    def group(self, key: str, *, limit: int = 10_000) -> list[str]:
        """Keys connected to an indexed article by near-duplicate links, earliest first."""
        if key not in self._entries:
            raise KeyError(key)
        seen = {key}
        todo = [key]
        while todo and len(seen) < limit:
            current = todo.pop()
            for m in self.matches(self._entries[current].fp, exclude=current):
                if m.key not in seen:
                    seen.add(m.key)
                    todo.append(m.key)
        return sorted(seen, key=lambda k: _order(self._entries[k].published, k))

    def relink(self, key: str) -> dict[str, str | None]:
        """The original of every article in an indexed article's group, to store after ``add``
        (an earlier article arriving late becomes the original of copies already stored)."""
        out: dict[str, str | None] = {}
        for k in self.group(key):
            entry = self._entries[k]
            m = self.find_original(k, entry.fp, entry.published)
            out[k] = None if m is None else m.key
        return out


def assign_originals(
    items: Sequence[tuple[str, Fingerprint, datetime | None]],
    *,
    index_factory: Callable[[], CopyIndex] = CopyIndex,
) -> dict[str, str | None]:
    """Each article's original among ``items`` (None for an original); independent of order."""
    keys = [key for key, _, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate keys in items")
    index = index_factory()
    for key, fp, published in items:
        index.add(key, fp, published)
    out: dict[str, str | None] = {}
    for key, fp, published in sorted(items, key=lambda it: _order(it[2], it[0])):
        m = index.find_original(key, fp, published)
        out[key] = None if m is None else m.key
    return out
