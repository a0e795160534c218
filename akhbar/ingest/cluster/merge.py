"""The merge pass: joins stories that converged after their first articles were placed.

First, stories whose members all score high against an older story (the score used for
assignment); then the neighbourhood pass, which joins stories whose members have the same
nearest neighbours (second-order similarity, average linkage).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from akhbar.ingest.cluster.memory import Story, StoryMemory, age_key
from akhbar.ingest.cluster.score import Scorer, counterparts_conflict, stories_conflict
from akhbar.ingest.cluster.terms import TERM_BUCKETS


def _joins(scorer: Scorer, probe: Story, target: Story, threshold: float,
           lexical: npt.NDArray[np.float64] | None = None) -> bool:
    """Whether every member of probe scores at least threshold against target (lexical:
    probe's first member's lexical similarity to target's members, when known)."""
    if counterparts_conflict(probe.members, target.members):
        return False
    first, *rest = probe.members
    if scorer.story_score(first, target, lexical) < threshold:
        return False
    return all(scorer.story_score(m, target) >= threshold for m in rest)


def _may_join(scorer: Scorer, smaller: list[Story], target: Story, threshold: float
              ) -> list[Story]:
    """The stories of smaller whose first member's score against target may reach threshold
    (Scorer.reachable turned around: target's members against smaller's first members, the
    cosine and the lexical similarity being symmetric), in order."""
    if not smaller:
        return []
    cfg = scorer.config
    # The first members as one probe story: one lexical pass per target member.
    probe = Story(key="", order=-1, members=[s.members[0] for s in smaller])
    firsts = np.stack([m.vector for m in probe.members])
    cosines = firsts @ target.matrix.T  # type: ignore[union-attr]
    lexical = np.stack([scorer.lexical(m, [probe]) for m in target.members], axis=1)
    tops = (cosines + cfg.lexical_weight * lexical).max(axis=1)
    assert target.total is not None
    norm = float(np.linalg.norm(target.total))
    centroids = firsts @ (target.total / (norm or 1.0)) + cfg.lexical_weight * lexical.max(axis=1)
    weight = cfg.member_weight
    bounds = np.maximum(tops, weight * tops + (1 - weight) * centroids)
    bounds += cfg.anchor_bonus * cfg.max_shared + cfg.lexical_weight * cfg.cross_language_lexical
    return [smaller[int(k)] for k in np.flatnonzero(bounds >= threshold)]


def converged(memory: StoryMemory, scorer: Scorer, changed: set[str]) -> list[tuple[str, str]]:
    """The first part of the merge pass: two stories converge when every member of the
    smaller one scores at least merge_threshold against the larger (the younger against the
    older when they are of a size), comparing only pairs with a changed story; the older
    survives. A story's score is steadier the more members it has: an article that came first
    and stayed alone is tested against the story that grew after it, not the other way round.
    (absorbed, survivor) pairs."""
    cfg = memory.config
    merges: list[tuple[str, str]] = []
    # Stories of passive articles only are never compared (see adopt_waiting).
    stories = [s for s in memory.by_age() if s.members]
    absorbed: set[str] = set()
    for j, younger in enumerate(stories):
        older = [
            s for s in stories[:j]
            if s.key not in absorbed
            and (younger.key in changed or s.key in changed)
            and not memory.apart(s, younger)
        ]
        size = len(younger.members)
        survivor: Story | None = None
        # Every member must reach the threshold, so the first must: one vectorised pass
        # for it leaves few stories to score in full.
        for story, lexical in scorer.reachable(
            younger.members[0], [s for s in older if len(s.members) >= size], cfg.merge_threshold
        ):
            if _joins(scorer, younger, story, cfg.merge_threshold, lexical):
                survivor = story
                break
        if survivor is None:
            for story in _may_join(scorer, [s for s in older if len(s.members) < size],
                                   younger, cfg.merge_threshold):
                if _joins(scorer, story, younger, cfg.merge_threshold):
                    survivor = story
                    break
        if survivor is not None:
            memory.absorb(younger, survivor)
            absorbed.add(younger.key)
            merges.append((younger.key, survivor.key))
    return merges


def _recent_stories(memory: StoryMemory) -> list[Story]:
    """The stories the neighbourhood pass looks at, oldest first: the newest created
    (those in memory are recent) up to neighbour_members articles."""
    cfg = memory.config
    stories = sorted((s for s in memory.stories.values() if s.members),
                     key=lambda s: s.order, reverse=True)
    kept: list[Story] = []
    total = 0
    for story in stories:
        total += len(story.members)
        if total > cfg.neighbour_members and kept:
            break
        kept.append(story)
    return sorted(kept, key=age_key)


def _similarities(memory: StoryMemory, stories: Sequence[Story]) -> npt.NDArray[np.float32]:
    """Similarity (cosine + lexical_weight * lexical, with the cross-language credit) of
    every pair of the stories' members (end to end); pairs further apart in time than
    the window, and each article with itself, get -inf. The lexical part is the same
    IDF-weighted cosine as Scorer.lexical, for all pairs at once (one sparse product). In
    float32 and in place, to keep the pass's memory small at the neighbour_members cap."""
    cfg = memory.config
    members = [m for s in stories for m in s.members]
    n = len(members)
    vectors = np.stack([m.vector for m in members]).astype(np.float32)
    columns = np.concatenate([m.terms for m in members]).astype(np.uint32)
    weights = memory.idf(columns).astype(np.float32)
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


def _may_merge(memory: StoryMemory, older: Story, younger: Story) -> bool:
    """Whether two stories are close enough in time and agree on years and scores."""
    if memory.apart(older, younger):
        return False
    return not stories_conflict(older.members, younger.members)


def neighbour_pass(memory: StoryMemory) -> list[tuple[str, str]]:
    """Merge stories whose members have the same nearest neighbours.

    Each recent article's profile holds its similarity to its ``neighbours`` nearest
    articles (those reaching ``neighbour_floor``) and 1 for itself; two stories' affinity
    is the mean cosine of their members' profiles (average linkage on second-order
    similarity). The pair with the highest affinity merges first, the older surviving,
    while it reaches ``neighbour_threshold``; stories whose members are not alike enough
    on average (``neighbour_min_similarity``), too far apart in time, or whose years or
    match scores conflict never merge.
    """
    cfg = memory.config
    stories = _recent_stories(memory)
    sizes = np.array([len(s.members) for s in stories], dtype=np.float64)
    n = int(sizes.sum())
    if len(stories) < 2 or cfg.neighbours < 1:
        return []
    similar = _similarities(memory, stories)
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
                or not _may_merge(memory, stories[older], stories[younger])):
            affinity[older, younger] = affinity[younger, older] = -np.inf
            continue
        memory.absorb(stories[younger], stories[older])
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


def adopt_waiting(memory: StoryMemory, scorer: Scorer, changed: set[str]
                  ) -> list[tuple[str, str]]:
    """The last part of the merge pass: a passive (undated) article that found no story when
    it arrived waits alone; it joins the best story that now scores at least the assignment
    threshold plus ``adopt_margin``. Only it moves: it never joins two stories.
    A waiting article new since the last pass is compared with every story, the others only
    with the stories that changed."""
    cfg = memory.config
    merges: list[tuple[str, str]] = []
    active = memory.candidates(None)
    fresh = [s for s in active if s.key in changed]
    for waiting in sorted((s for s in memory.stories.values() if not s.members),
                          key=lambda s: s.order):
        if len(waiting.passive) != 1:
            continue
        member = waiting.passive[0]
        threshold = (cfg.title_threshold if member.title_only else cfg.threshold) + cfg.adopt_margin
        best: Story | None = None
        best_score = float("-inf")
        new = waiting.key in memory.waiting
        for story, lexical in scorer.reachable(member, active if new else fresh, threshold):
            if counterparts_conflict([member], story.members):
                continue
            score = scorer.story_score(member, story, lexical)
            if score > best_score:
                best, best_score = story, score
        if best is not None and best_score >= threshold:
            memory.absorb(waiting, best)
            merges.append((waiting.key, best.key))
    memory.waiting = set()
    return merges


def merge_pass(memory: StoryMemory, scorer: Scorer, *, force: bool = False) -> list[tuple[str, str]]:
    """Merge stories that converged; returns (absorbed, survivor) pairs, the older survives.

    Periodic: it does nothing until ``merge_every`` articles have been placed (or restored)
    since the last pass, so callers may call it after every article or every batch and get
    the same merges (force: now, if any article arrived). Merging early, while stories are one
    or two articles, joins too much.

    First, two stories converge when every member of the younger one scores at least
    ``merge_threshold`` against the older story, and their time spans are within the window
    of each other; only pairs with a story that gained members since the last pass are
    compared (a survivor counts as changed for the next pass). Then the neighbourhood pass.
    """
    if not memory.since_merge or (memory.since_merge < memory.config.merge_every and not force):
        # Only passive articles arrived: nothing else changed, but they may find a story.
        return adopt_waiting(memory, scorer, set()) if force and memory.waiting else []
    memory.since_merge = 0
    changed = memory.dirty & set(memory.stories)
    memory.dirty = set()
    merges = converged(memory, scorer, changed) if changed else []
    merges += neighbour_pass(memory)
    memory.dirty = {survivor for _, survivor in merges if survivor in memory.stories}
    changed |= memory.dirty
    # Adoptions change no story for the others (a passive member is never compared).
    return merges + adopt_waiting(memory, scorer, changed)
