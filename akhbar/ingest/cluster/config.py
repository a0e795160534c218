"""What story clustering is given: its settings and its articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from akhbar.ingest.cluster.embed import EmbeddingKind


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
    """Settings shared by the live pipeline and ``akhbar cluster``, tuned on the dev set and
    half of the gnews stories (the measurements: docs/BENCHMARKS.md, "Tuning history")."""

    # Stories with no member within this many hours of the article are not candidates.
    window_hours: float = 72.0
    # Content tokens embedded per article: the title, then the start of the text. The lead
    # adds accuracy at a cost in speed; this keeps a margin over 15 articles/s on one core.
    lead_tokens: int = 20
    # Characters of text looked at for the lead and the anchors (before token truncation).
    lead_chars: int = 600
    # e5's prefix: "query: " is the model card's advice for symmetric tasks (similarity,
    # clustering).
    embed_kind: EmbeddingKind = "query"
    # Join the best story when its score reaches this; else start a story. Kept above the
    # dev set's best value so busy days do not pile unrelated articles into one story.
    threshold: float = 0.86
    # The same for an article without text: title-only e5 embeddings of unrelated French
    # headlines already score ~0.85, and shared title words add up to lexical_weight. Strict,
    # since the neighbourhood pass later joins what shares neighbours.
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
    # IDF = log((articles in memory + idf_prior) / (articles with the term + 1)).
    idf_prior: float = 20.0
    # Title words cannot meet across languages (only anchors do): a pair in two languages is
    # credited this lexical similarity instead, about the mean of same-story pairs written in
    # one language, so a translation is not handicapped against a same-language rewrite.
    cross_language_lexical: float = 0.15
    # Penalty when both articles give years (or match scores) and none agree.
    year_conflict: float = 0.04
    score_conflict: float = 0.06
    # Penalty when both articles name countries (or places) and each names one the other
    # does not: "le Maroc signe avec le Nigeria" / "... avec le Rwanda" the next day. The
    # shared actor (Morocco) agrees, the counterparts conflict.
    country_conflict: float = 0.04
    place_conflict: float = 0.04
    # Penalty growing linearly with the time gap, reaching this value at window_hours.
    time_penalty: float = 0.01
    # merge_pass joins two stories when every member of the younger scores at least this
    # against the older.
    merge_threshold: float = 0.97
    # merge_pass runs once this many articles have been placed since the last one: merging
    # while stories are one or two articles joins too much.
    merge_every: int = 25
    # The neighbourhood pass (the second part of merge_pass) joins two
    # stories whose members have the same nearest neighbours: each recent article's profile is
    # its similarity (cosine + lexical_weight * lexical) to its `neighbours` nearest articles
    # scoring at least neighbour_floor, and two stories merge when the mean cosine of their
    # members' profiles reaches neighbour_threshold. Headlines of one event that share few
    # words ("Jony Ive quitte Apple" / "une page se tourne chez Apple") meet through the
    # articles both resemble. A lower floor joins stories whose members are only somewhat
    # alike — the kind of merge that joined an olive-oil headline to an earthquake when only
    # four articles were in memory.
    neighbours: int = 3
    neighbour_floor: float = 0.85
    neighbour_threshold: float = 0.5
    # ...and when their members' mean similarity reaches this: shared neighbours alone could
    # join unrelated articles when few are in memory (each one's 3 nearest are everyone).
    # The middle of the plateau where every set scores alike (0.85-0.88), on the strict side.
    neighbour_min_similarity: float = 0.87
    # The pass looks at most at this many recent articles (its cost grows with their square).
    neighbour_members: int = 2000
    # Stories whose newest member is older than this (relative to the newest article seen)
    # are forgotten; undated stories beyond max_undated are forgotten oldest first.
    retention_hours: float = 24.0 * 7
    max_undated: int = 2000
    # No article of the stream has a time (``akhbar cluster`` on an input where no line
    # carries ``published`` or ``seen``): the whole stream is one time window and undated
    # articles are compared like any other. Otherwise an undated article is passive: it may
    # join a story, but it is never compared with later articles nor used to merge stories,
    # so it cannot glue two events together (see StoryMemory.is_passive).
    timeless: bool = False
    # A passive article that found no story on arrival is adopted later (merge.adopt_waiting)
    # only by a story scoring this much above the assignment threshold: with no time of its
    # own, the look-alike events of other days that grew since it arrived are as close to it
    # as its own. Dev set half undated 0.804 -> 0.808, actors half undated 0.864 -> 0.884, flat
    # from 0.04 to 0.08; no adoption at all gives 0.808 / 0.863.
    adopt_margin: float = 0.06
