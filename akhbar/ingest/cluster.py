"""Online story clustering: each new article joins the most similar recent story or starts one.

The similarity of an article to a story member is the cosine of their multilingual embeddings
(title + start of the text, truncated), raised by the words of their titles they share, each
weighted by its rarity among the articles in memory (IDF), and by the anchors they share
(entities and numbers across scripts, see :mod:`akhbar.ingest.entities`), lowered when their
years or match scores conflict and as their times drift apart. A story's score is the best score over its members
blended with the score against its centroid. Only stories with a member inside the time window
around the article are candidates (all recent stories for an undated article).

Every ``merge_every`` articles, a merge pass joins stories that converged: those whose members
all score high against an older story, then those whose members have the same nearest
neighbours (second-order similarity, average linkage; see ``_neighbour_pass``).

Everything is a pure function of the configuration, the order in which articles arrive and
the points where a merge pass is forced: the same stream gives the same story keys. A story's key is the id of the article that started it.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from akhbar.ingest.embed import Embedder, EmbeddingKind, Vectors
from akhbar.ingest.entities import AnchorExtractor
from akhbar.ingest.normalize import fold_text

# Function words of French, English and Arabic (folded), left out of the lexical overlap.
_STOPWORDS = frozenset(
    fold_text(
        "le la les l de des du d un une et à au aux en pour par sur dans avec sans son sa ses "
        "leur leurs est sont été être a ont avait qui que qu ce cet cette ces il elle ils elles on "
        "nous vous ne pas plus se s y ou où après avant contre entre selon lors depuis comme mais "
        "tout tous the of and to in on for with at by from as is are was were be been has have "
        "had it its this that these those an or not after before over into about than new says "
        "في من على إلى الى عن مع أن ان إن هذا هذه التي الذي الذين و ثم قد لا لم لن ما كما بعد قبل "
        "بين حول خلال عند كان كانت يوم أمس اليوم"
    ).split()
)
_ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
# Days and months (French, English, Arabic with the Maghreb's month names), folded: they say
# when, not what (time is compared through the publication dates), and left in they joined
# "Horoscope du jeudi 27 juin" to "Canicule : les prévisions pour ce jeudi 27 juin". March
# (mars, march, مارس) stays: a planet, a protest, a verb.
_DATE_WORDS = frozenset(
    fold_text(
        "lundi mardi mercredi jeudi vendredi samedi dimanche janvier février avril mai "
        "juin juillet août septembre octobre novembre décembre monday tuesday wednesday "
        "thursday friday saturday sunday january february april may june july august "
        "september october november december الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة "
        "السبت الأحد يناير فبراير أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر "
        "ديسمبر جانفي فيفري أفريل ماي جوان جويلية أوت"
    ).split()
)


def _topic_words(text: str, max_words: int) -> list[str]:
    """Folded words of text, without days, months and day numbers (at most max_words read)."""
    return [w for w in fold_text(text).split()[:max_words]
            if w not in _DATE_WORDS and not (w.isdigit() and len(w) <= 2)]

_NO_TERMS: npt.NDArray[np.uint32] = np.zeros(0, dtype=np.uint32)
# Lexical terms are hashed into this many buckets (document frequencies are an array of it).
TERM_BUCKETS = 1 << 20


@dataclass(frozen=True)
class ClusterDoc:
    """One article as the clusterer sees it."""

    id: str
    title: str = ""
    text: str = ""
    language: str | None = None
    published: datetime | None = None
    source: str | None = None


@dataclass(frozen=True)
class ClusterConfig:
    """Settings shared by the live pipeline and ``akhbar cluster`` (tuned on the dev set)."""

    # Stories with no member within this many hours of the article are not candidates.
    window_hours: float = 72.0
    # Content tokens embedded per article: the title, then the start of the text. Measured on
    # the dev set (one core, with the lexical similarity): 12 tokens 30 articles/s BCubed F1
    # 0.930, 16 → 25/s 0.913, 20 → 18.5/s 0.928, 24 → 17/s 0.933, 32 → 14/s 0.954: the
    # lead adds some accuracy at a cost; 20 keeps a margin over 15 articles/s on one core.
    lead_tokens: int = 20
    # Characters of text looked at for the lead and the anchors (before token truncation).
    lead_chars: int = 600
    # e5's prefix: "query: " is the model card's advice for symmetric tasks (similarity,
    # clustering); measured BCubed F1 +0.04 on gnews titles, same on the dev set.
    embed_kind: EmbeddingKind = "query"
    # Join the best story when its score reaches this; else start a story (tuned on the dev
    # set with lexical_weight 0.35: BCubed F1 0.952 at 0.84, 0.933 at 0.86, 0.900 at 0.88;
    # kept high for busy days).
    threshold: float = 0.86
    # The same for an article without text: title-only e5 embeddings of unrelated French
    # headlines already score ~0.85, and shared title words now add up to lexical_weight
    # (tuned on half of the gnews stories, reported on the rest: docs/BENCHMARKS.md). 0.98
    # before the neighbourhood pass; with it, 1.0 (a stricter first placement, since the pass
    # joins what shares neighbours): gnews 0.885 at 0.98, 0.892 at 1.0, 0.890 at 1.02.
    title_threshold: float = 1.0
    # Story score = member_weight * best member score + (1 - member_weight) * centroid score.
    member_weight: float = 0.5
    # Bonus per shared anchor (entities, numbers, names), up to max_shared anchors.
    anchor_bonus: float = 0.012
    max_shared: int = 3
    # Bonus times the lexical similarity of the titles: the cosine of their terms (content
    # words cut to 6 letters, 3- and 4-letter character grams, cross-script anchors), each
    # weighted by its rarity (IDF) among the articles in memory, so "canicule" on a heatwave
    # day counts for little and "Excalibur" for much.
    lexical_weight: float = 0.35
    # Measured on the gnews tuning half: 0.15 → BCubed F1 0.892, 0.25 → 0.903, 0.35 → 0.908
    # (each at its best title_threshold); the dev set: 0.924, 0.927, 0.933.
    # IDF = log((articles in memory + idf_prior) / (articles with the term + 1)).
    idf_prior: float = 20.0
    # Title words cannot meet across languages (only anchors do): a pair in two languages is
    # credited this lexical similarity instead, the mean of same-story pairs written in one
    # language in the dev set (0.151; gnews titles 0.34). Dev set BCubed F1 at threshold 0.86:
    # 0.933 without, 0.970 with 0.1 or 0.15 (precision unchanged, 0.969), 0.961 with 0.2
    # (precision 0.947).
    cross_language_lexical: float = 0.15
    # Penalty when both articles give years (or match scores) and none agree.
    year_conflict: float = 0.04
    score_conflict: float = 0.06
    # Penalty growing linearly with the time gap, reaching this value at window_hours.
    time_penalty: float = 0.01
    # merge_pass joins two stories when every member of the younger scores at least this
    # against the older. With one pass at the end (gnews tuning half): 0.894 at 0.98, 0.908
    # at 0.96, 0.903 at 0.94. With periodic passes and the neighbourhood pass, 0.97 and
    # merge_every 25 (grid in docs/BENCHMARKS.md: 0.939 → 0.945 on the tuning half).
    merge_threshold: float = 0.97
    # merge_pass runs once this many articles have been placed since the last one.
    merge_every: int = 25
    # The neighbourhood pass (the second part of merge_pass) joins two
    # stories whose members have the same nearest neighbours: each recent article's profile is
    # its similarity (cosine + lexical_weight * lexical) to its `neighbours` nearest articles
    # scoring at least neighbour_floor, and two stories merge when the mean cosine of their
    # members' profiles reaches neighbour_threshold. Headlines of one event that share few
    # words ("Jony Ive quitte Apple" / "une page se tourne chez Apple") meet through the
    # articles both resemble. Tuned on the gnews even half (docs/BENCHMARKS.md), where floors
    # 0.75-0.88 score alike. A floor of 0.8 lifted the dev set (0.961 -> 0.965) by joining
    # stories whose members are only 0.80-0.85 alike — the same kind of merge that joined an
    # olive-oil headline to an earthquake when only four articles were in memory: not kept.
    neighbours: int = 3
    neighbour_floor: float = 0.85
    neighbour_threshold: float = 0.5
    # ...and when their members' mean similarity reaches this: shared neighbours alone could
    # join unrelated articles when few are in memory (each one's 3 nearest are everyone).
    # No effect on the dev set or gnews at the floor above; a guard for small memories.
    neighbour_min_similarity: float = 0.85
    # The pass looks at most at this many recent articles (its cost grows with their square).
    neighbour_members: int = 2000
    # Stories whose newest member is older than this (relative to the newest article seen)
    # are forgotten; undated stories beyond max_undated are forgotten oldest first.
    retention_hours: float = 24.0 * 7
    max_undated: int = 2000


@dataclass
class _Member:
    """A stored article: its vector, anchors and time."""

    id: str
    vector: Vectors
    anchors: frozenset[str]
    published: datetime | None
    title_only: bool = False
    # Hashed lexical terms (sorted, unique uint32), see lexical_terms.
    terms: npt.NDArray[np.uint32] = field(default_factory=lambda: _NO_TERMS)
    language: str | None = None


@dataclass
class _Story:
    """A story under construction: members and the running sum of their vectors."""

    key: str
    order: int
    members: list[_Member] = field(default_factory=list)
    total: Vectors | None = None
    # Members' vectors stacked (one row each), kept in step with members.
    matrix: Vectors | None = None
    first: datetime | None = None
    last: datetime | None = None
    # Members' terms end to end, and where each member's start (rebuilt lazily).
    _flat: tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]] | None = None

    def add(self, member: _Member) -> None:
        """Add a member and update the centroid sum and time span."""
        self.members.append(member)
        self._flat = None
        self.total = member.vector.copy() if self.total is None else self.total + member.vector
        row = member.vector[None, :]
        self.matrix = row.copy() if self.matrix is None else np.vstack([self.matrix, row])
        if member.published is not None:
            if self.first is None or member.published < self.first:
                self.first = member.published
            if self.last is None or member.published > self.last:
                self.last = member.published

    def flat_terms(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
        """All members' terms concatenated, and each member's offset into them."""
        if self._flat is None:
            sizes = [len(m.terms) for m in self.members]
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
            self._flat = (np.concatenate([m.terms for m in self.members]).astype(np.uint32),
                          offsets)
        return self._flat

    def centroid(self) -> Vectors:
        """Unit-length mean of the members' vectors."""
        assert self.total is not None
        norm = float(np.linalg.norm(self.total))
        return (self.total / norm) if norm else self.total


def content_stems(title: str, text: str = "", *, max_words: int = 30) -> frozenset[str]:
    """Folded content words of the title (or the start of the text when there is no title),
    cut to 6 letters so that inflections of one word meet (démission / démissionne)."""
    source = title if title.strip() else text
    stems = set()
    for word in _topic_words(source, max_words):
        if word in _STOPWORDS or len(word) < 3:
            continue
        for prefix in _ARTICLE_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix) :]
                break
        stems.add(word[:6])
    return frozenset(stems)


def lexical_terms(title: str, text: str = "", anchors: Iterable[str] = (), *,
                  max_words: int = 30) -> npt.NDArray[np.uint32]:
    """Hashed lexical terms of an article: the content stems and the 3- and 4-letter
    character grams of its folded title (of the start of its text when it has no title), and
    its anchors other than plain numbers (which carry across scripts)."""
    source = title if title.strip() else text
    words = _topic_words(source, max_words)
    terms = {f"w:{stem}" for stem in content_stems(title, text, max_words=max_words)}
    for word in words:
        padded = f" {word} "
        for n in (3, 4):
            terms.update(f"g:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    terms.update(f"a:{a}" for a in anchors if not a.startswith("num:"))
    hashed = {zlib.crc32(t.encode("utf-8")) % TERM_BUCKETS for t in terms}
    return np.array(sorted(hashed), dtype=np.uint32)


def encode_terms(terms: npt.NDArray[np.uint32]) -> str:
    """Terms as stored in JSON features (base64 of little-endian uint32)."""
    return base64.b64encode(np.asarray(terms, dtype="<u4").tobytes()).decode("ascii")


def _decode_terms(data: Mapping[str, Any]) -> npt.NDArray[np.uint32]:
    raw = data.get("terms")
    if not raw:
        return _NO_TERMS
    return np.frombuffer(base64.b64decode(raw), dtype="<u4").astype(np.uint32)


def _conflicts(a: Collection[str], b: Collection[str]) -> tuple[bool, bool]:
    """Whether two anchor sets (two articles', or the union of two stories' members') both
    give years and share none, and the same for match scores."""

    def conflict(prefix: str) -> bool:
        mine = {v for v in a if v.startswith(prefix)}
        theirs = {v for v in b if v.startswith(prefix)}
        return bool(mine and theirs and not mine & theirs)

    return conflict("year:"), conflict("score:")


def _member_json(member: _Member) -> dict[str, Any]:
    return {
        "vector": base64.b64encode(np.asarray(member.vector, dtype="<f4").tobytes()).decode("ascii"),
        "anchors": sorted(member.anchors),
        "title_only": member.title_only,
        "terms": encode_terms(member.terms),
        "language": member.language,
    }


def _member_from_json(doc_id: str, data: Mapping[str, Any], published: datetime | None) -> _Member:
    vector: npt.NDArray[np.float32] = np.frombuffer(
        base64.b64decode(data["vector"]), dtype="<f4"
    ).astype(np.float32)
    return _Member(doc_id, vector, frozenset(data["anchors"]), published,
                   bool(data.get("title_only", False)),
                   _decode_terms(data), data.get("language") or None)


class StoryClusterer:
    """Assigns articles to stories one at a time, keeping the recent stories in memory.

    Not thread-safe: call it from one thread at a time (the caller serialises assignment).
    """

    def __init__(
        self,
        embedder: Embedder,
        config: ClusterConfig | None = None,
        *,
        extractor: AnchorExtractor | None = None,
    ) -> None:
        self.embedder = embedder
        self.config = config or ClusterConfig()
        self.extractor = extractor or AnchorExtractor(lead_chars=self.config.lead_chars)
        self._stories: dict[str, _Story] = {}
        self._doc_story: dict[str, str] = {}
        self._merged: dict[str, str] = {}
        self._order = 0
        self._newest: datetime | None = None
        # Stories that gained members since the last merge pass: only they can newly converge.
        self._dirty: set[str] = set()
        # Articles placed or restored since the last merge pass.
        self._since_merge = 0
        # Document frequencies of the lexical terms over the articles in memory, and their
        # number: the rarity weights follow what is in the news now.
        self._df: npt.NDArray[np.int32] = np.zeros(TERM_BUCKETS, dtype=np.int32)
        self._counted = 0
        # log(1 + df), kept in step with _df so that scoring only gathers (no logarithms).
        self._log_df: npt.NDArray[np.float32] = np.zeros(TERM_BUCKETS, dtype=np.float32)
        # Scratch: the article being scored, its squared term weights spread out by bucket.
        self._query: npt.NDArray[np.float32] = np.zeros(TERM_BUCKETS, dtype=np.float32)

    # --- features -------------------------------------------------------------------------

    def embedding_text(self, doc: ClusterDoc) -> str:
        """The text embedded for doc: title then the start of its text, truncated."""
        lead = " ".join(doc.text[: self.config.lead_chars].split())
        title = " ".join(doc.title.split())
        text = f"{title}. {lead}" if title and lead else (title or lead)
        truncate = getattr(self.embedder, "truncate", None)
        if callable(truncate):
            return str(truncate(text, self.config.lead_tokens))
        # Without a tokeniser, about 0.75 words per subword token in fr/ar/en news.
        return " ".join(text.split()[: max(1, int(self.config.lead_tokens * 0.75))])

    def features(self, docs: Sequence[ClusterDoc]) -> list[_Member]:
        """Vectors and anchors of docs (one embedding call per doc, as online)."""
        members = []
        for doc in docs:
            vector = self.embedder.embed([self.embedding_text(doc)], kind=self.config.embed_kind)[0]
            anchors = self.extractor.anchors(doc.title, doc.text, doc.language)
            terms = lexical_terms(doc.title, doc.text[: self.config.lead_chars], anchors)
            members.append(
                _Member(doc.id, vector, anchors, doc.published, not doc.text.strip(),
                        terms, doc.language or None)
            )
        return members

    # --- scoring --------------------------------------------------------------------------

    def _count(self, member: _Member, sign: int) -> None:
        """Add (+1) or remove (-1) a member's terms to or from the document frequencies."""
        self._df[member.terms] += sign  # terms are unique per member
        self._log_df[member.terms] = np.log1p(self._df[member.terms])
        self._counted += sign

    def _idf(self, terms: npt.NDArray[np.uint32]) -> npt.NDArray[np.float32]:
        """Rarity weight of each term among the articles in memory (never negative)."""
        top = np.float32(math.log(self._counted + self.config.idf_prior))
        return np.maximum(top - self._log_df[terms], np.float32(0.0))

    def _lexical(self, member: _Member, stories: Sequence[_Story]) -> npt.NDArray[np.float64]:
        """IDF-weighted cosine between member's terms and every member of stories, in order
        (stories' members end to end)."""
        flats = [s.flat_terms() for s in stories]
        sizes = [len(s.members) for s in stories]
        total = sum(sizes)
        if not len(member.terms) or total == 0:
            return np.zeros(total)
        terms = np.concatenate([f[0] for f in flats])
        shifts = np.repeat(np.cumsum([0] + [len(f[0]) for f in flats[:-1]]), sizes)
        starts = np.concatenate([f[1] for f in flats]) + shifts
        ends = np.append(starts[1:], len(terms))
        weights = self._idf(member.terms)
        self._query[member.terms] = weights * weights
        try:
            dots = np.concatenate([[0.0], np.cumsum(self._query[terms], dtype=np.float64)])
        finally:
            self._query[member.terms] = 0.0
        idf = self._idf(terms)
        squares = np.concatenate([[0.0], np.cumsum(idf * idf, dtype=np.float64)])
        norms = np.sqrt((squares[ends] - squares[starts]) * float(weights @ weights))
        dot = dots[ends] - dots[starts]
        return np.divide(dot, norms, out=np.zeros(total), where=norms > 1e-12)

    def lexical_similarity(self, a: ClusterDoc, b: ClusterDoc) -> float:
        """IDF-weighted cosine of two articles' lexical terms, with the rarity weights of the
        articles in memory now (1.0: same terms; 0.0: none shared)."""
        first, second = self.features([a, b])
        return self._pair_lexical(first, second)

    def _pair_lexical(self, a: _Member, b: _Member) -> float:
        """IDF-weighted cosine of two members' terms (see _lexical)."""
        probe = _Story(key="", order=-1)
        probe.members.append(b)
        return float(self._lexical(a, [probe])[0])

    def _pair_adjustment(self, a: _Member, b: _Member, lexical: float | None = None) -> float:
        """Lexical and anchor bonuses, conflict penalties and time penalty between two
        articles (a is the one being placed; lexical is their lexical similarity if known)."""
        cfg = self.config
        shared = len(a.anchors & b.anchors)
        adjust = cfg.anchor_bonus * min(shared, cfg.max_shared)
        if lexical is None:
            lexical = self._pair_lexical(a, b)
        if a.language and b.language and a.language != b.language:
            lexical = max(lexical, cfg.cross_language_lexical)
        adjust += cfg.lexical_weight * lexical
        years, scores = _conflicts(a.anchors, b.anchors)
        if years:
            adjust -= cfg.year_conflict
        if scores:
            adjust -= cfg.score_conflict
        if a.published is not None and b.published is not None and cfg.window_hours > 0:
            hours = abs((a.published - b.published).total_seconds()) / 3600.0
            adjust -= cfg.time_penalty * min(1.0, hours / cfg.window_hours)
        return adjust

    def _candidates(self, published: datetime | None) -> list[_Story]:
        """Stories with a member inside the window around published (all for undated)."""
        stories = sorted(self._stories.values(), key=lambda s: s.order)
        if published is None:
            return stories
        window = timedelta(hours=self.config.window_hours)
        return [
            s
            for s in stories
            # An undated story cannot be placed in time: always a candidate.
            if s.first is None
            or (s.first - window <= published <= s.last + window)  # type: ignore[operator]
        ]

    def story_score(self, member: _Member, story: _Story,
                    lexical: npt.NDArray[np.float64] | None = None) -> float:
        """How well an article fits a story (higher is closer); lexical holds its lexical
        similarity to each member when already computed."""
        cfg = self.config
        assert story.matrix is not None
        if lexical is None:
            lexical = self._lexical(member, [story])
        cosines = story.matrix @ member.vector
        adjustments = [self._pair_adjustment(member, m, float(x))
                       for m, x in zip(story.members, lexical, strict=True)]
        best_member = max(float(c) + a for c, a in zip(cosines, adjustments, strict=True))
        if cfg.member_weight >= 1.0 or len(story.members) == 1:
            return best_member
        centroid = float(story.centroid() @ member.vector)
        # The centroid gets the adjustment of the best-matching member.
        centroid += adjustments[int(np.argmax(cosines))]
        return cfg.member_weight * best_member + (1.0 - cfg.member_weight) * centroid

    # --- assignment -----------------------------------------------------------------------

    def assign(self, doc: ClusterDoc) -> str:
        """The story key for doc (its own id when it starts a story); doc is remembered."""
        if doc.id in self._doc_story:
            return self.story_of(doc.id)
        (member,) = self.features([doc])
        return self._assign_member(member)

    def assign_stream(self, docs: Iterable[ClusterDoc]) -> dict[str, str]:
        """Place docs in stream order as the live pipeline does (a merge pass is due every
        ``merge_every`` articles, one is forced at the end); each doc's final story key."""
        return self._place_stream(self.features([doc])[0] for doc in docs)

    def _place_stream(self, members: Iterable[_Member]) -> dict[str, str]:
        """assign_stream for embedded articles (benchmarks reuse features)."""
        keys = {}
        for member in members:
            keys[member.id] = (self.story_of(member.id) if member.id in self._doc_story
                               else self._assign_member(member))
            self.merge_pass()
        self.merge_pass(force=True)
        return {doc_id: self.resolve(key) for doc_id, key in keys.items()}

    def _reachable(
        self, member: _Member, stories: Sequence[_Story], threshold: float
    ) -> list[tuple[_Story, npt.NDArray[np.float64]]]:
        """The stories whose score for member may reach threshold, each with member's lexical
        similarity to its members: one matrix product for all members' cosines and one pass
        for their lexical similarities give a bound per story; only anchors (at most
        anchor_bonus * max_shared) can add to it, and they are scored later, for these only."""
        if not stories:
            return []
        cfg = self.config
        sizes = [len(s.members) for s in stories]
        cosines = np.concatenate([s.matrix for s in stories]) @ member.vector
        similar = self._lexical(member, stories)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        tops = np.maximum.reduceat(cosines + cfg.lexical_weight * similar, starts)
        lexical_tops = np.maximum.reduceat(similar, starts)
        totals = np.stack([s.total for s in stories])  # type: ignore[misc]
        norms = np.linalg.norm(totals, axis=1)
        centroids = (totals @ member.vector) / np.where(norms > 0, norms, 1.0)
        centroids += cfg.lexical_weight * lexical_tops
        weight = cfg.member_weight
        bounds = np.maximum(tops, weight * tops + (1 - weight) * centroids)
        # What only the exact score adds: anchors, and the lexical credit of a pair in two
        # languages.
        bounds += cfg.anchor_bonus * cfg.max_shared + cfg.lexical_weight * cfg.cross_language_lexical
        return [(stories[int(k)], similar[starts[k]: starts[k] + sizes[k]])
                for k in np.flatnonzero(bounds >= threshold)]

    def _assign_member(self, member: _Member) -> str:
        """Place an embedded article in the best story or a new one."""
        cfg = self.config
        threshold = cfg.title_threshold if member.title_only else cfg.threshold
        best: _Story | None = None
        best_score = float("-inf")
        for story, story_lexical in self._reachable(
            member, self._candidates(member.published), threshold
        ):
            score = self.story_score(member, story, story_lexical)
            # Strictly greater: on a tie the older story (lower order) wins, deterministically.
            if score > best_score:
                best, best_score = story, score
        if best is None or best_score < threshold:
            best = self._new_story(member.id)
        best.add(member)
        self._count(member, +1)
        self._since_merge += 1
        self._dirty.add(best.key)
        self._doc_story[member.id] = best.key
        if member.published is not None and (self._newest is None or member.published > self._newest):
            self._newest = member.published
        self._prune()
        return best.key

    def _new_story(self, key: str) -> _Story:
        """An empty story with the next creation number."""
        story = _Story(key=key, order=self._order)
        self._order += 1
        self._stories[key] = story
        return story

    def story_of(self, doc_id: str) -> str:
        """The current story key of a remembered article (following merges)."""
        return self.resolve(self._doc_story[doc_id])

    def resolve(self, key: str) -> str:
        """The surviving key for a story key that may have been merged away."""
        while key in self._merged:
            key = self._merged[key]
        return key

    # --- merging --------------------------------------------------------------------------

    def merge_pass(self, *, force: bool = False) -> list[tuple[str, str]]:
        """Merge stories that converged; returns (absorbed, survivor) pairs, the older survives.

        Periodic: it does nothing until ``merge_every`` articles have been placed (or restored)
        since the last pass, so callers may call it after every article or every batch and
        get the same merges (force: now, if any article arrived).

        First, two stories converge when every member of the younger one scores at least
        ``merge_threshold`` against the older story (the score used for assignment), and their
        time spans are within the window of each other; only pairs with a story that gained
        members since the last pass are compared (a survivor counts as changed for the next
        pass). Then the neighbourhood pass (_neighbour_pass).
        Merging early, when stories are one or two articles, joins too much (gnews:
        BCubed F1 0.871 with a pass after every article, 0.893 every 50, 0.903 every 25
        with merge_threshold 0.97).
        """
        if not self._since_merge or (self._since_merge < self.config.merge_every and not force):
            return []
        self._since_merge = 0
        changed = self._dirty & set(self._stories)
        self._dirty = set()
        merges = self._converged(changed) if changed else []
        merges += self._neighbour_pass()
        self._dirty = {survivor for _, survivor in merges if survivor in self._stories}
        return merges

    def _converged(self, changed: set[str]) -> list[tuple[str, str]]:
        """The first part of merge_pass: stories whose members all score high against an
        older story, comparing only pairs with a changed story."""
        cfg = self.config
        merges: list[tuple[str, str]] = []
        stories = sorted(self._stories.values(), key=self._age_key)
        absorbed: set[str] = set()
        for j, younger in enumerate(stories):
            older = [
                s for s in stories[:j]
                if s.key not in absorbed
                and (younger.key in changed or s.key in changed)
                and not self._apart(s, younger)
            ]
            # Every member must reach the threshold, so the first must: one vectorised pass
            # for it leaves few stories to score in full.
            for survivor, lexical in self._reachable(younger.members[0], older, cfg.merge_threshold):
                if self.story_score(younger.members[0], survivor, lexical) < cfg.merge_threshold:
                    continue
                if any(self.story_score(m, survivor) < cfg.merge_threshold
                       for m in younger.members[1:]):
                    continue
                self._absorb(younger, survivor)
                absorbed.add(younger.key)
                merges.append((younger.key, survivor.key))
                break
        return merges

    def _recent_stories(self) -> list[_Story]:
        """The stories the neighbourhood pass looks at, oldest first: the newest created
        (those in memory are recent) up to neighbour_members articles."""
        cfg = self.config
        stories = sorted(self._stories.values(), key=lambda s: s.order, reverse=True)
        kept: list[_Story] = []
        total = 0
        for story in stories:
            total += len(story.members)
            if total > cfg.neighbour_members and kept:
                break
            kept.append(story)
        return sorted(kept, key=self._age_key)

    def _similarities(self, stories: Sequence[_Story]) -> npt.NDArray[np.float32]:
        """Similarity (cosine + lexical_weight * lexical, with the cross-language credit) of
        every pair of the stories' members (end to end); pairs further apart in time than
        the window, and each article with itself, get -inf. The lexical part is the same
        IDF-weighted cosine as _lexical, for all pairs at once (one sparse product). In
        float32, in place: about 100 MB at the 2,000-article cap (twice that in float64)."""
        cfg = self.config
        members = [m for s in stories for m in s.members]
        n = len(members)
        vectors = np.stack([m.vector for m in members]).astype(np.float32)
        columns = np.concatenate([m.terms for m in members]).astype(np.uint32)
        weights = self._idf(columns).astype(np.float32)
        rows = np.repeat(np.arange(n), [len(m.terms) for m in members])
        terms = sparse.csr_matrix((weights, (rows, columns)), shape=(n, TERM_BUCKETS))
        lexical = np.asarray((terms @ terms.T).toarray(), dtype=np.float32)
        del terms
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=n))
        # An article without terms shares none: dividing by inf leaves 0.
        inverse = np.where(norms > 1e-6, 1.0 / np.maximum(norms, 1e-6), 0.0).astype(np.float32)
        lexical *= inverse[:, None]
        lexical *= inverse[None, :]
        languages = np.array([m.language or "" for m in members])
        two = ((languages[:, None] != languages[None, :])
               & (languages[:, None] != "") & (languages[None, :] != ""))
        np.maximum(lexical, np.float32(cfg.cross_language_lexical), out=lexical, where=two)
        del two
        similar = vectors @ vectors.T
        similar += np.float32(cfg.lexical_weight) * lexical
        del lexical
        hours = np.array([m.published.timestamp() / 3600.0 if m.published else np.nan
                          for m in members])
        with np.errstate(invalid="ignore"):
            far = np.abs(hours[:, None] - hours[None, :]) > cfg.window_hours
        similar[far] = -np.inf
        np.fill_diagonal(similar, -np.inf)
        return similar

    def _neighbour_pass(self) -> list[tuple[str, str]]:
        """Merge stories whose members have the same nearest neighbours.

        Each recent article's profile holds its similarity to its ``neighbours`` nearest
        articles (those reaching ``neighbour_floor``) and 1 for itself; two stories' affinity
        is the mean cosine of their members' profiles (average linkage on second-order
        similarity). The pair with the highest affinity merges first, the older surviving,
        while it reaches ``neighbour_threshold``; stories whose members are not alike enough
        on average (``neighbour_min_similarity``), too far apart in time, or whose years or
        match scores conflict never merge.
        """
        cfg = self.config
        stories = self._recent_stories()
        sizes = np.array([len(s.members) for s in stories], dtype=np.float64)
        n = int(sizes.sum())
        if len(stories) < 2 or cfg.neighbours < 1:
            return []
        similar = self._similarities(stories)
        k = min(cfg.neighbours, n - 1)
        rows = np.arange(n)[:, None]
        nearest = np.argpartition(-similar, k - 1, axis=1)[:, :k]
        values = similar[rows, nearest]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        # First-order similarity summed per pair of stories (pairs out of the window count 0).
        finite = np.where(np.isfinite(similar), similar, np.float32(0.0))
        direct = np.add.reduceat(np.add.reduceat(finite, starts, axis=0, dtype=np.float64),
                                 starts, axis=1)
        del finite, similar
        profiles = np.zeros((n, n), dtype=np.float32)
        profiles[rows, nearest] = np.where(values >= cfg.neighbour_floor, values, 0.0)
        profiles[np.arange(n), np.arange(n)] = 1.0
        profiles /= np.linalg.norm(profiles, axis=1, keepdims=True)
        story_profiles = np.add.reduceat(profiles, starts, axis=0, dtype=np.float64)
        del profiles
        sums = story_profiles @ story_profiles.T
        affinity = sums / np.outer(sizes, sizes)
        np.fill_diagonal(affinity, -np.inf)
        merges: list[tuple[str, str]] = []
        gone = np.zeros(len(stories), dtype=bool)
        while True:
            a, b = np.unravel_index(int(np.argmax(affinity)), affinity.shape)
            if affinity[a, b] < cfg.neighbour_threshold:
                break
            older, younger = (int(a), int(b)) if a < b else (int(b), int(a))
            mean_direct = direct[older, younger] / (sizes[older] * sizes[younger])
            if (mean_direct < cfg.neighbour_min_similarity
                    or not self._may_merge(stories[older], stories[younger])):
                affinity[older, younger] = affinity[younger, older] = -np.inf
                continue
            self._absorb(stories[younger], stories[older])
            merges.append((stories[younger].key, stories[older].key))
            sums[older] += sums[younger]
            sums[:, older] += sums[:, younger]
            direct[older] += direct[younger]
            direct[:, older] += direct[:, younger]
            sizes[older] += sizes[younger]
            gone[younger] = True
            # The merged story is compared afresh (a longer span or more years may now agree).
            affinity[older] = affinity[:, older] = sums[older] / (sizes[older] * sizes)
            affinity[gone, :] = -np.inf
            affinity[:, gone] = -np.inf
            affinity[older, older] = -np.inf
        return merges

    def _apart(self, a: _Story, b: _Story) -> bool:
        """Whether two dated stories' spans are further apart than the window."""
        window = timedelta(hours=self.config.window_hours)
        return (a.first is not None and b.first is not None
                and (b.first - window > a.last or a.first - window > b.last))  # type: ignore[operator]

    def _may_merge(self, older: _Story, younger: _Story) -> bool:
        """Whether two stories are close enough in time and agree on years and scores."""
        if self._apart(older, younger):
            return False
        return not any(_conflicts([a for m in older.members for a in m.anchors],
                                  [a for m in younger.members for a in m.anchors]))

    @staticmethod
    def _age_key(story: _Story) -> tuple[int, datetime | int, int]:
        """Older first: dated stories by first time, then undated by creation."""
        if story.first is None:
            return (1, 0, story.order)
        return (0, story.first, story.order)

    def _absorb(self, absorbed: _Story, survivor: _Story) -> None:
        """Move absorbed's members into survivor and record the redirect."""
        for member in absorbed.members:
            survivor.add(member)
            self._doc_story[member.id] = survivor.key
        del self._stories[absorbed.key]
        self._dirty.discard(absorbed.key)
        self._merged[absorbed.key] = survivor.key

    # --- memory ---------------------------------------------------------------------------

    def _prune(self) -> None:
        """Forget stories too old to receive new articles, and the oldest undated ones."""
        cfg = self.config
        if self._newest is not None:
            horizon = self._newest - timedelta(hours=cfg.retention_hours)
            for key in [k for k, s in self._stories.items() if s.last is not None and s.last < horizon]:
                self._forget(key)
        undated = [s for s in self._stories.values() if s.first is None]
        if len(undated) > cfg.max_undated:
            undated.sort(key=lambda s: s.order)
            for story in undated[: len(undated) - cfg.max_undated]:
                self._forget(story.key)

    def _forget(self, key: str) -> None:
        """Drop a story and its members from memory."""
        story = self._stories.pop(key)
        self._dirty.discard(key)
        for member in story.members:
            self._doc_story.pop(member.id, None)
            self._count(member, -1)

    @property
    def articles_since_merge(self) -> int:
        """Articles placed or restored since the last merge pass ran."""
        return self._since_merge

    @property
    def story_keys(self) -> list[str]:
        """Keys of the stories in memory, oldest created first."""
        return [s.key for s in sorted(self._stories.values(), key=lambda s: s.order)]

    def members(self, key: str) -> list[str]:
        """Ids of a story's articles in memory, in arrival order."""
        return [m.id for m in self._stories[self.resolve(key)].members]

    # --- restore after a restart ----------------------------------------------------------

    # --- features stored elsewhere (one clusterer per process, features in a database) ---

    def member_features(self, doc: ClusterDoc) -> dict[str, Any]:
        """JSON-safe features of doc (vector, anchors…), to store once and reuse anywhere."""
        (member,) = self.features([doc])
        return _member_json(member) | {"embedder": self.embedder.name}

    def assign_features(
        self, doc_id: str, features: Mapping[str, Any], published: datetime | None
    ) -> str:
        """Like assign, from stored features (no embedding): the story key for the doc."""
        if doc_id in self._doc_story:
            return self.story_of(doc_id)
        return self._assign_member(_member_from_json(doc_id, features, published))

    def restore(
        self, doc_id: str, features: Mapping[str, Any], published: datetime | None, key: str
    ) -> None:
        """Add an article already placed (by this or another process) to story key.

        An article already in memory under another story was moved by a merge made in
        another process: its story in memory follows it (absorbed into key's story, or
        renamed key)."""
        if doc_id in self._doc_story:
            current, target = self.story_of(doc_id), self.resolve(key)
            if current != target:
                self._follow(current, target)
            return
        self._restore_member(_member_from_json(doc_id, features, published), self.resolve(key))

    def rebuild(self, docs_with_story_keys: Iterable[tuple[ClusterDoc, str]]) -> None:
        """Load recent articles with their known story keys (e.g. from the database), in
        publication order, without reassigning them."""
        for doc, key in docs_with_story_keys:
            (member,) = self.features([doc])
            self._restore_member(member, key)

    def _follow(self, key: str, target: str) -> None:
        """Story key was merged into target elsewhere: do the same in memory."""
        story = self._stories[key]
        if target in self._stories:
            self._absorb(story, self._stories[target])
            return
        # The survivor is not in memory (forgotten here): the story takes its key.
        del self._stories[key]
        self._dirty.discard(key)
        story.key = target
        self._stories[target] = story
        for member in story.members:
            self._doc_story[member.id] = target
        self._merged[key] = target

    def _restore_member(self, member: _Member, key: str) -> None:
        """Add a member to story key, creating it if needed."""
        story = self._stories.get(key) or self._new_story(key)
        story.add(member)
        self._count(member, +1)
        self._since_merge += 1
        self._dirty.add(key)
        self._doc_story[member.id] = key
        if member.published is not None and (self._newest is None or member.published > self._newest):
            self._newest = member.published

    def export_state(self) -> dict[str, Any]:
        """JSON-serialisable snapshot of the stories in memory (vectors included)."""
        stories = [
            {
                "key": story.key,
                "members": [
                    _member_json(m)
                    | {"id": m.id, "published": m.published.isoformat() if m.published else None}
                    for m in story.members
                ],
            }
            for story in sorted(self._stories.values(), key=lambda s: s.order)
        ]
        return {
            "version": 1,
            "embedder": self.embedder.name,
            "stories": stories,
            "merged": dict(self._merged),
        }

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Restore a snapshot from export_state (made with the same embedder)."""
        if state.get("embedder") != self.embedder.name:
            raise ValueError(
                f"state was made with embedder {state.get('embedder')!r}, not {self.embedder.name!r}"
            )
        for story in state["stories"]:
            for m in story["members"]:
                published = datetime.fromisoformat(m["published"]) if m["published"] else None
                self._restore_member(_member_from_json(m["id"], m, published), story["key"])
        self._merged.update(state.get("merged", {}))
