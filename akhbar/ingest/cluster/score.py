"""How well an article fits another and a story: cosine of embeddings, raised by shared
title words (weighted by rarity) and anchors, lowered by conflicting years or scores and by
time apart."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

from akhbar.ingest.cluster.config import ClusterConfig
from akhbar.ingest.cluster.memory import Member, Story, StoryMemory
from akhbar.ingest.cluster.terms import TERM_BUCKETS


def _of_kind(values: Collection[str], prefix: str) -> set[str]:
    return {v for v in values if v.startswith(prefix)}


def conflicts(a: Collection[str], b: Collection[str]) -> tuple[bool, bool]:
    """Whether two anchor sets (two articles', or the union of two stories' members') both
    give years and share none, and the same for match scores."""

    def conflict(prefix: str) -> bool:
        mine, theirs = _of_kind(a, prefix), _of_kind(b, prefix)
        return bool(mine and theirs and not mine & theirs)

    return conflict("year:"), conflict("score:")


def _relation(x: set[str], y: set[str], countries: bool) -> int:
    """How two titles' anchors of one kind relate: 0 when one is empty; places: 1 when they
    share one, -1 when none; countries: 1 when one set holds the other, -1 when they share
    an actor but each names another counterpart, 0 when they share none (the two sides of
    one bilateral event, "le Maroc" / "la France", each named alone)."""
    if not x or not y:
        return 0
    if not countries:
        return 1 if x & y else -1
    if x <= y or y <= x:
        return 1
    return -1 if x & y else 0


def counterpart_conflicts(a: Collection[str], b: Collection[str]) -> tuple[bool, bool]:
    """Whether two titles' anchors name one country and each a different other one (one
    actor, two counterparts: "le Maroc et le Nigeria" / "le Maroc et le Rwanda"), and whether
    they name places and none in common."""
    countries_a, countries_b = _of_kind(a, "country:"), _of_kind(b, "country:")
    return (_relation(countries_a, countries_b, True) < 0,
            not (countries_a or countries_b)
            and _relation(_of_kind(a, "place:"), _of_kind(b, "place:"), False) < 0)


def counterparts_conflict(a: Sequence[Member], b: Sequence[Member]) -> bool:
    """Whether the titles of a's and b's members conflict on countries (or places): some
    pair conflicts and no pair agrees. Pairs, not the union: a story's members name more
    countries the bigger it grows, so the union would block every large merge."""
    titles_a = [m.title_anchors for m in a if m.title_anchors is not None]
    titles_b = [m.title_anchors for m in b if m.title_anchors is not None]
    for kind, countries in (("country:", True), ("place:", False)):
        relations = {_relation(_of_kind(x, kind), _of_kind(y, kind), countries)
                     for x in titles_a for y in titles_b
                     if countries or not (_of_kind(x, "country:") or _of_kind(y, "country:"))}
        if -1 in relations and 1 not in relations:
            return True
    return False


def stories_conflict(a: Sequence[Member], b: Sequence[Member]) -> bool:
    """Whether two stories (their members) may not merge: their years or match scores
    conflict (over the union of their members' anchors), or their counterparts do."""
    if any(conflicts([x for m in a for x in m.anchors], [x for m in b for x in m.anchors])):
        return True
    return counterparts_conflict(a, b)


class Scorer:
    """Scores articles against stories with the rarity weights of the memory's articles."""

    def __init__(self, config: ClusterConfig, memory: StoryMemory) -> None:
        self.config = config
        self.memory = memory
        # Scratch: the article being scored, its squared term weights spread out by bucket.
        self._query: npt.NDArray[np.float32] = np.zeros(TERM_BUCKETS, dtype=np.float32)

    def lexical(self, member: Member, stories: Sequence[Story]) -> npt.NDArray[np.float64]:
        """IDF-weighted cosine between member's terms and every member of stories, in order
        (stories' members end to end)."""
        idf = self.memory.idf
        flats = [s.flat_terms() for s in stories]
        sizes = [len(s.members) for s in stories]
        total = sum(sizes)
        if not len(member.terms) or total == 0:
            return np.zeros(total)
        terms = np.concatenate([f[0] for f in flats])
        shifts = np.repeat(np.cumsum([0] + [len(f[0]) for f in flats[:-1]]), sizes)
        starts = np.concatenate([f[1] for f in flats]) + shifts
        ends = np.append(starts[1:], len(terms))
        weights = idf(member.terms)
        self._query[member.terms] = weights * weights
        try:
            dots = np.concatenate([[0.0], np.cumsum(self._query[terms], dtype=np.float64)])
        finally:
            self._query[member.terms] = 0.0
        term_idf = idf(terms)
        squares = np.concatenate([[0.0], np.cumsum(term_idf * term_idf, dtype=np.float64)])
        norms = np.sqrt((squares[ends] - squares[starts]) * float(weights @ weights))
        dot = dots[ends] - dots[starts]
        return np.divide(dot, norms, out=np.zeros(total), where=norms > 1e-12)

    def pair_lexical(self, a: Member, b: Member) -> float:
        """IDF-weighted cosine of two members' terms (see lexical)."""
        probe = Story(key="", order=-1)
        probe.members.append(b)
        return float(self.lexical(a, [probe])[0])

    def pair_adjustment(self, a: Member, b: Member, lexical: float | None = None) -> float:
        """Lexical and anchor bonuses, conflict penalties and time penalty between two
        articles (a is the one being placed; lexical is their lexical similarity if known)."""
        cfg = self.config
        shared = len(a.anchors & b.anchors)
        adjust = cfg.anchor_bonus * min(shared, cfg.max_shared)
        if lexical is None:
            lexical = self.pair_lexical(a, b)
        if a.language and b.language and a.language != b.language:
            lexical = max(lexical, cfg.cross_language_lexical)
        adjust += cfg.lexical_weight * lexical
        years, scores = conflicts(a.anchors, b.anchors)
        if years:
            adjust -= cfg.year_conflict
        if scores:
            adjust -= cfg.score_conflict
        countries, places = (
            (False, False) if a.title_anchors is None or b.title_anchors is None
            else counterpart_conflicts(a.title_anchors, b.title_anchors))
        if countries:
            adjust -= cfg.country_conflict
        if places:
            adjust -= cfg.place_conflict
        if a.published is not None and b.published is not None and cfg.window_hours > 0:
            hours = abs((a.published - b.published).total_seconds()) / 3600.0
            adjust -= cfg.time_penalty * min(1.0, hours / cfg.window_hours)
        return adjust

    def story_score(self, member: Member, story: Story,
                    lexical: npt.NDArray[np.float64] | None = None) -> float:
        """How well an article fits a story (higher is closer); lexical holds its lexical
        similarity to each member when already computed."""
        cfg = self.config
        assert story.matrix is not None
        if lexical is None:
            lexical = self.lexical(member, [story])
        cosines = story.matrix @ member.vector
        adjustments = [self.pair_adjustment(member, m, float(x))
                       for m, x in zip(story.members, lexical, strict=True)]
        best_member = max(float(c) + a for c, a in zip(cosines, adjustments, strict=True))
        if cfg.member_weight >= 1.0 or len(story.members) == 1:
            return best_member
        centroid = float(story.centroid() @ member.vector)
        # The centroid gets the adjustment of the best-matching member.
        centroid += adjustments[int(np.argmax(cosines))]
        return cfg.member_weight * best_member + (1.0 - cfg.member_weight) * centroid

    def reachable(
        self, member: Member, stories: Sequence[Story], threshold: float
    ) -> list[tuple[Story, npt.NDArray[np.float64]]]:
        """The stories whose score for member may reach threshold, each with member's lexical
        similarity to its members: one matrix product for all members' cosines and one pass
        for their lexical similarities give a bound per story; only anchors (at most
        anchor_bonus * max_shared) can add to it, and they are scored later, for these only."""
        if not stories:
            return []
        cfg = self.config
        sizes = [len(s.members) for s in stories]
        cosines = np.concatenate([s.matrix for s in stories]) @ member.vector
        similar = self.lexical(member, stories)
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
