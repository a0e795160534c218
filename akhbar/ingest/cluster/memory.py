"""What the clusterer remembers: the recent stories, their members, where each article went,
which stories were merged into which, and the document frequencies of the lexical terms."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from akhbar.ingest.cluster.config import ClusterConfig, ClusterDoc
from akhbar.ingest.cluster.embed import Vectors
from akhbar.ingest.cluster.entities import AnchorExtractor, entity_table_version
from akhbar.ingest.cluster.terms import (
    NO_TERMS,
    TERM_BUCKETS,
    TERMS_VERSION,
    decode_terms,
    encode_terms,
    lexical_terms,
)


@dataclass
class Member:
    """A stored article: its vector, anchors and time."""

    id: str
    vector: Vectors
    anchors: frozenset[str]
    published: datetime | None
    title_only: bool = False
    # Hashed lexical terms (sorted, unique uint32), see terms.lexical_terms.
    terms: npt.NDArray[np.uint32] = field(default_factory=lambda: NO_TERMS)
    language: str | None = None
    # The anchors of the title alone: the countries and places it names are what it is about
    # (a lead names many more), compared for counterpart conflicts. None: features stored
    # before they were kept (no conflict is assumed).
    title_anchors: frozenset[str] | None = None


@dataclass
class Story:
    """A story under construction: members and the running sum of their vectors.

    ``members`` are the articles that are compared (all scoring reads them); ``passive`` are
    the undated articles that joined it in a stream that has times (see
    :meth:`StoryMemory.is_passive`): they belong to the story but are never evidence for
    placing or merging anything, so they cannot bridge two stories."""

    key: str
    order: int
    members: list[Member] = field(default_factory=list)
    passive: list[Member] = field(default_factory=list)
    total: Vectors | None = None
    # Members' vectors stacked (one row each), kept in step with members.
    matrix: Vectors | None = None
    first: datetime | None = None
    last: datetime | None = None
    # Members' terms end to end, and where each member's start (rebuilt lazily).
    _flat: tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]] | None = None

    def add(self, member: Member, *, passive: bool = False) -> None:
        """Add a member and update the centroid sum and time span (a passive member is only
        kept)."""
        if passive:
            self.passive.append(member)
            return
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

    def everyone(self) -> list[Member]:
        """Compared members, then passive ones."""
        return self.members + self.passive

    def centroid(self) -> Vectors:
        """Unit-length mean of the members' vectors."""
        assert self.total is not None
        norm = float(np.linalg.norm(self.total))
        return (self.total / norm) if norm else self.total


def member_json(member: Member) -> dict[str, Any]:
    """A member's features as stored (JSON-safe), with the version of the term rules."""
    return {
        "vector": base64.b64encode(np.asarray(member.vector, dtype="<f4").tobytes()).decode("ascii"),
        "anchors": sorted(member.anchors),
        "title_only": member.title_only,
        "terms": encode_terms(member.terms),
        "terms_version": TERMS_VERSION,
        "entities_version": entity_table_version(),
        "language": member.language,
    } | ({} if member.title_anchors is None else {"title_anchors": sorted(member.title_anchors)})


def member_from_json(doc_id: str, data: Mapping[str, Any], published: datetime | None) -> Member:
    """A member from stored features (see member_json)."""
    vector: npt.NDArray[np.float32] = np.frombuffer(
        base64.b64decode(data["vector"]), dtype="<f4"
    ).astype(np.float32)
    title_anchors = data.get("title_anchors")
    return Member(doc_id, vector, frozenset(data["anchors"]), published,
                  bool(data.get("title_only", False)),
                  decode_terms(data), data.get("language") or None,
                  None if title_anchors is None else frozenset(title_anchors))


def terms_are_current(features: Mapping[str, Any]) -> bool:
    """Whether stored features were made under the current term rules (TERMS_VERSION) and
    the current entity table."""
    return (features.get("terms_version") == TERMS_VERSION
            and features.get("entities_version") == entity_table_version())


def with_current_terms(
    features: Mapping[str, Any], doc: ClusterDoc, config: ClusterConfig,
    extractor: AnchorExtractor | None = None,
) -> dict[str, Any]:
    """Stored features with their lexical terms recomputed under the current rules from doc
    (the article they were made from), as StoryClusterer.features computes them; the vector
    is kept (no re-embedding). With an extractor, the anchors are recomputed too (the entity
    table changed); without, they are kept."""
    anchors: Any = features.get("anchors", ())
    anchor_fields: dict[str, Any] = {}
    if extractor is not None:
        anchors = extractor.anchors(doc.title, doc.text, doc.language)
        anchor_fields = {"anchors": sorted(anchors),
                         "title_anchors": sorted(extractor.anchors(doc.title, "", doc.language)),
                         "entities_version": entity_table_version()}
    terms = lexical_terms(doc.title, doc.text[: config.lead_chars], anchors)
    updated = (dict(features) | anchor_fields
               | {"terms": encode_terms(terms), "terms_version": TERMS_VERSION})
    updated.setdefault("language", doc.language or None)
    # Features stored before the lexical terms existed held title stems instead.
    updated.pop("stems", None)
    return updated


def age_key(story: Story) -> tuple[int, datetime | int, int]:
    """Older first: dated stories by first time, then undated by creation."""
    if story.first is None:
        return (1, 0, story.order)
    return (0, story.first, story.order)


class StoryMemory:
    """The recent stories and everything kept about them between two articles."""

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self.stories: dict[str, Story] = {}
        self.doc_story: dict[str, str] = {}
        self.merged: dict[str, str] = {}
        self.order = 0
        self.newest: datetime | None = None
        # Stories that gained members since the last merge pass: only they can newly converge.
        self.dirty: set[str] = set()
        # Articles placed or restored since the last merge pass.
        self.since_merge = 0
        # Stories of one passive article started since the last merge pass.
        self.waiting: set[str] = set()
        # Document frequencies of the lexical terms over the articles in memory, and their
        # number: the rarity weights follow what is in the news now.
        self.df: npt.NDArray[np.int32] = np.zeros(TERM_BUCKETS, dtype=np.int32)
        self.counted = 0
        # log(1 + df), kept in step with df so that scoring only gathers (no logarithms).
        self.log_df: npt.NDArray[np.float32] = np.zeros(TERM_BUCKETS, dtype=np.float32)

    # --- term rarity ----------------------------------------------------------------------

    def count(self, member: Member, sign: int) -> None:
        """Add (+1) or remove (-1) a member's terms to or from the document frequencies."""
        self.df[member.terms] += sign  # terms are unique per member
        self.log_df[member.terms] = np.log1p(self.df[member.terms])
        self.counted += sign

    def idf(self, terms: npt.NDArray[np.uint32]) -> npt.NDArray[np.float32]:
        """Rarity weight of each term among the articles in memory (never negative)."""
        top = np.float32(math.log(self.counted + self.config.idf_prior))
        return np.maximum(top - self.log_df[terms], np.float32(0.0))

    # --- stories --------------------------------------------------------------------------

    def new_story(self, key: str) -> Story:
        """An empty story with the next creation number."""
        story = Story(key=key, order=self.order)
        self.order += 1
        self.stories[key] = story
        return story

    def is_passive(self, member: Member) -> bool:
        """An undated article in a stream that has times: it may join a story but is never
        compared with later articles nor used to merge (unless config.timeless: no article of
        the stream has a time, all of it is one window)."""
        return member.published is None and not self.config.timeless

    def place(self, member: Member, story: Story) -> None:
        """Add a member to a story and count it (a new article or a restored one).

        A passive member changes nothing the other articles are placed or merged by: not
        the term rarity, not the count towards the next merge pass, not which stories
        changed; only a story it starts alone waits for adoption (merge.adopt_waiting)."""
        self.doc_story[member.id] = story.key
        if self.is_passive(member):
            story.add(member, passive=True)
            if not story.members:
                self.waiting.add(story.key)
            return
        story.add(member)
        self.count(member, +1)
        self.since_merge += 1
        self.dirty.add(story.key)
        if member.published is not None and (self.newest is None or member.published > self.newest):
            self.newest = member.published

    def restore(self, member: Member, key: str) -> None:
        """Add a member to story key, creating it if needed."""
        self.place(member, self.stories.get(key) or self.new_story(key))

    def candidates(self, published: datetime | None) -> list[Story]:
        """Stories with a member inside the window around published (all for undated);
        stories of passive articles only are never candidates."""
        stories = sorted((s for s in self.stories.values() if s.members), key=lambda s: s.order)
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

    def story_of(self, doc_id: str) -> str:
        """The current story key of a remembered article (following merges)."""
        return self.resolve(self.doc_story[doc_id])

    def resolve(self, key: str) -> str:
        """The surviving key for a story key that may have been merged away."""
        while key in self.merged:
            key = self.merged[key]
        return key

    def by_age(self) -> list[Story]:
        """The stories, older first (see age_key)."""
        return sorted(self.stories.values(), key=age_key)

    def by_creation(self) -> list[Story]:
        """The stories, first created first."""
        return sorted(self.stories.values(), key=lambda s: s.order)

    def apart(self, a: Story, b: Story) -> bool:
        """Whether two dated stories' spans are further apart than the window."""
        window = timedelta(hours=self.config.window_hours)
        return (a.first is not None and b.first is not None
                and (b.first - window > a.last or a.first - window > b.last))  # type: ignore[operator]

    # --- merges ---------------------------------------------------------------------------

    def absorb(self, absorbed: Story, survivor: Story) -> None:
        """Move absorbed's members into survivor and record the redirect."""
        for member in absorbed.everyone():
            survivor.add(member, passive=self.is_passive(member))
            self.doc_story[member.id] = survivor.key
        del self.stories[absorbed.key]
        self.dirty.discard(absorbed.key)
        self.waiting.discard(absorbed.key)
        self.merged[absorbed.key] = survivor.key

    def follow(self, key: str, target: str) -> None:
        """Story key was merged into target elsewhere: do the same in memory."""
        story = self.stories[key]
        if target in self.stories:
            self.absorb(story, self.stories[target])
            return
        # The survivor is not in memory (forgotten here): the story takes its key.
        del self.stories[key]
        self.dirty.discard(key)
        story.key = target
        self.stories[target] = story
        for member in story.everyone():
            self.doc_story[member.id] = target
        self.merged[key] = target

    # --- forgetting -----------------------------------------------------------------------

    def prune(self) -> None:
        """Forget stories too old to receive new articles, and the oldest undated ones."""
        cfg = self.config
        if self.newest is not None:
            horizon = self.newest - timedelta(hours=cfg.retention_hours)
            for key in [k for k, s in self.stories.items() if s.last is not None and s.last < horizon]:
                self.forget(key)
        undated = [s for s in self.stories.values() if s.first is None]
        if len(undated) > cfg.max_undated:
            undated.sort(key=lambda s: s.order)
            for story in undated[: len(undated) - cfg.max_undated]:
                self.forget(story.key)

    def forget(self, key: str) -> None:
        """Drop a story and its members from memory."""
        story = self.stories.pop(key)
        self.dirty.discard(key)
        self.waiting.discard(key)
        for member in story.passive:
            self.doc_story.pop(member.id, None)
        for member in story.members:
            self.doc_story.pop(member.id, None)
            self.count(member, -1)
