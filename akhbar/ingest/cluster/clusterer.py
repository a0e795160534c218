"""Online story clustering: each new article joins the most similar recent story or starts one.

The similarity of an article to a story member is the cosine of their multilingual embeddings
(title + start of the text, truncated), raised by the words of their titles they share, each
weighted by its rarity among the articles in memory (IDF), and by the anchors they share
(entities and numbers across scripts, see :mod:`akhbar.ingest.cluster.entities`), lowered when
their years or match scores conflict and as their times drift apart (:mod:`.score`). A story's
score is the best score over its members blended with the score against its centroid. Only
stories with a member inside the time window around the article are candidates (all recent
stories for an undated article), and not those whose titles name other counterparts (countries
or places, :func:`.score.counterparts_conflict`). In a stream that has times, an undated
article is passive: it may join a story but is never compared nor merged (:mod:`.memory`).

Every ``merge_every`` articles, a merge pass joins stories that converged (:mod:`.merge`).

Everything is a pure function of the configuration, the order in which articles arrive and
the points where a merge pass is forced: the same stream gives the same story keys. A story's
key is the id of the article that started it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from akhbar.ingest.cluster.config import ClusterConfig, ClusterDoc
from akhbar.ingest.cluster.embed import Embedder
from akhbar.ingest.cluster.entities import AnchorExtractor
from akhbar.ingest.cluster.memory import Member, Story, StoryMemory, member_from_json, member_json
from akhbar.ingest.cluster.merge import merge_pass
from akhbar.ingest.cluster.score import Scorer, counterparts_conflict
from akhbar.ingest.cluster.terms import lexical_terms


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
        self.memory = StoryMemory(self.config)
        self.scorer = Scorer(self.config, self.memory)

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

    def features(self, docs: Sequence[ClusterDoc]) -> list[Member]:
        """Vectors and anchors of docs (one embedding call per doc, as online)."""
        members = []
        for doc in docs:
            vector = self.embedder.embed([self.embedding_text(doc)], kind=self.config.embed_kind)[0]
            anchors = self.extractor.anchors(doc.title, doc.text, doc.language)
            terms = lexical_terms(doc.title, doc.text[: self.config.lead_chars], anchors)
            title_anchors = self.extractor.anchors(doc.title, "", doc.language)
            members.append(
                Member(doc.id, vector, anchors, doc.published, not doc.text.strip(),
                       terms, doc.language or None, title_anchors)
            )
        return members

    def lexical_similarity(self, a: ClusterDoc, b: ClusterDoc) -> float:
        """IDF-weighted cosine of two articles' lexical terms, with the rarity weights of the
        articles in memory now (1.0: same terms; 0.0: none shared)."""
        first, second = self.features([a, b])
        return self.scorer.pair_lexical(first, second)

    def story_score(self, member: Member, story: Story,
                    lexical: npt.NDArray[np.float64] | None = None) -> float:
        """How well an article fits a story (higher is closer); see Scorer.story_score."""
        return self.scorer.story_score(member, story, lexical)

    # --- assignment -----------------------------------------------------------------------

    def assign(self, doc: ClusterDoc) -> str:
        """The story key for doc (its own id when it starts a story); doc is remembered."""
        if doc.id in self.memory.doc_story:
            return self.story_of(doc.id)
        (member,) = self.features([doc])
        return self.assign_member(member)

    def assign_stream(self, docs: Iterable[ClusterDoc]) -> dict[str, str]:
        """Place docs in stream order as the live pipeline does (a merge pass is due every
        ``merge_every`` articles, one is forced at the end); each doc's final story key."""
        return self.place_stream(self.features([doc])[0] for doc in docs)

    def place_stream(self, members: Iterable[Member]) -> dict[str, str]:
        """assign_stream for embedded articles (benchmarks reuse features)."""
        keys = {}
        for member in members:
            keys[member.id] = (self.story_of(member.id) if member.id in self.memory.doc_story
                               else self.assign_member(member))
            self.merge_pass()
        self.merge_pass(force=True)
        return {doc_id: self.resolve(key) for doc_id, key in keys.items()}

    def assign_member(self, member: Member) -> str:
        """Place an embedded article in the best story or a new one."""
        cfg = self.config
        memory = self.memory
        threshold = cfg.title_threshold if member.title_only else cfg.threshold
        best: Story | None = None
        best_score = float("-inf")
        for story, story_lexical in self.scorer.reachable(
            member, memory.candidates(member.published), threshold
        ):
            if counterparts_conflict([member], story.members):
                continue
            score = self.scorer.story_score(member, story, story_lexical)
            # Strictly greater: on a tie the older story (lower order) wins, deterministically.
            if score > best_score:
                best, best_score = story, score
        if best is None or best_score < threshold:
            best = memory.new_story(member.id)
        memory.place(member, best)
        memory.prune()
        return best.key

    def story_of(self, doc_id: str) -> str:
        """The current story key of a remembered article (following merges)."""
        return self.memory.story_of(doc_id)

    def resolve(self, key: str) -> str:
        """The surviving key for a story key that may have been merged away."""
        return self.memory.resolve(key)

    # --- merging --------------------------------------------------------------------------

    def merge_pass(self, *, force: bool = False) -> list[tuple[str, str]]:
        """Merge stories that converged; (absorbed, survivor) pairs, the older survives.
        Periodic: see :func:`akhbar.ingest.cluster.merge.merge_pass`."""
        return merge_pass(self.memory, self.scorer, force=force)

    @property
    def articles_since_merge(self) -> int:
        """Articles placed or restored since the last merge pass ran."""
        return self.memory.since_merge

    @property
    def story_keys(self) -> list[str]:
        """Keys of the stories in memory, oldest created first."""
        return [s.key for s in self.memory.by_creation()]

    def members(self, key: str) -> list[str]:
        """Ids of a story's articles in memory, in arrival order (passive ones last)."""
        return [m.id for m in self.memory.stories[self.resolve(key)].everyone()]

    # --- features stored elsewhere (one clusterer per process, features in a database) ---

    def member_features(self, doc: ClusterDoc) -> dict[str, Any]:
        """JSON-safe features of doc (vector, anchors…), to store once and reuse anywhere."""
        (member,) = self.features([doc])
        return member_json(member) | {"embedder": self.embedder.name}

    def assign_features(
        self, doc_id: str, features: Mapping[str, Any], published: datetime | None
    ) -> str:
        """Like assign, from stored features (no embedding): the story key for the doc."""
        if doc_id in self.memory.doc_story:
            return self.story_of(doc_id)
        return self.assign_member(member_from_json(doc_id, features, published))

    def restore(
        self, doc_id: str, features: Mapping[str, Any], published: datetime | None, key: str
    ) -> None:
        """Add an article already placed (by this or another process) to story key.

        An article already in memory under another story was moved by a merge made in
        another process: its story in memory follows it (absorbed into key's story, or
        renamed key)."""
        if doc_id in self.memory.doc_story:
            current, target = self.story_of(doc_id), self.resolve(key)
            if current != target:
                self.memory.follow(current, target)
            return
        self.memory.restore(member_from_json(doc_id, features, published), self.resolve(key))

    def rebuild(self, docs_with_story_keys: Iterable[tuple[ClusterDoc, str]]) -> None:
        """Load recent articles with their known story keys (e.g. from the database), in
        publication order, without reassigning them."""
        for doc, key in docs_with_story_keys:
            (member,) = self.features([doc])
            self.memory.restore(member, key)

    def export_state(self) -> dict[str, Any]:
        """JSON-serialisable snapshot of the stories in memory (vectors included)."""
        stories = [
            {
                "key": story.key,
                "members": [
                    member_json(m)
                    | {"id": m.id, "published": m.published.isoformat() if m.published else None}
                    for m in story.everyone()
                ],
            }
            for story in self.memory.by_creation()
        ]
        return {
            "version": 1,
            "embedder": self.embedder.name,
            "stories": stories,
            "merged": dict(self.memory.merged),
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
                self.memory.restore(member_from_json(m["id"], m, published), story["key"])
        self.memory.merged.update(state.get("merged", {}))
