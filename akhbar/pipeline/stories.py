"""Story assignment on the Django side: one clusterer per process, kept in step through the
database, and every assignment serialised under a lock so no two workers create twin stories.

Features (embedding, anchors) are computed per article outside the lock, stored on the article
(``cluster_features``), and reused by every process; the lock is held only for the fast part:
catching up with assignments made elsewhere, then placing each pending article.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Value
from django.utils import timezone

from akhbar.ingest.cluster import (
    TERMS_VERSION,
    ClusterConfig,
    ClusterDoc,
    StoryClusterer,
    with_current_terms,
)
from akhbar.ingest.cluster.embed import make_embedder
from akhbar.ingest.cluster.entities import AnchorExtractor, entity_table_version
from akhbar.news.annotate import annotate_article, annotate_stories
from akhbar.news.models import EMBEDDED, Article, ClusterState, Story, _new_epoch
from akhbar.web.cache import pages_changed

log = logging.getLogger(__name__)

# Articles embedded per batch outside the lock, and placed per batch under it.
BATCH = 64
# The merge pass runs every ClusterConfig.merge_every articles, and at least this often (in
# seconds) when articles trickle in, so stories still converge on a quiet night.
MERGE_AT_LEAST_EVERY = 30 * 60


@functools.cache
def _load_embedder(name: str) -> Any:
    # One intra-op thread: articles are embedded one at a time, and a second OpenMP thread
    # (woken per layer, passive waiting) costs CPU without saving wall time; the vectors are
    # bit-identical (docs/BENCHMARKS.md, "Story embedder threads").
    return make_embedder(name, threads=1)


def _embedder() -> Any:
    # One model per process and name (AKHBAR_EMBEDDER), loaded on first use (the web server
    # never needs it).
    return _load_embedder(settings.CONFIG.embedder)


@dataclass
class _ProcessClusterer:
    clusterer: StoryClusterer
    epoch: str
    seq: int = 0  # the highest cluster_seq this process has seen
    last_merge: float = field(default_factory=time.monotonic)  # when it last ran a merge pass


_lock = threading.Lock()
_state: _ProcessClusterer | None = None


def _switch_embedder(cluster_state: ClusterState, name: str) -> None:
    """The configured embedder changed: vectors of two models cannot be compared, so every
    article's features are dropped (they are recomputed in the background, newest stories'
    articles included) and every process starts its memory over. Stories are kept."""
    log.warning("story embedder changed from %s to %s: re-embedding articles",
                cluster_state.embedder, name)
    Article.objects.filter(cluster_features__isnull=False).update(cluster_features=None,
                                                                  cluster_seq=None)
    cluster_state.embedder = name
    cluster_state.epoch = _new_epoch()
    cluster_state.save(update_fields=["embedder", "epoch"])


def _reseat(state: _ProcessClusterer, seq: int) -> int:
    """Put back in memory the articles re-embedded after an embedder change (they keep their
    story); each gets a new sequence number so other processes load them too."""
    # "embedded" is cluster_features IS NOT NULL in the form the article_reseat index serves.
    rows = (
        Article.objects.alias(embedded=EMBEDDED)
        .filter(embedded=Value(True), story__isnull=False, cluster_seq__isnull=True)
        .select_related("story").order_by("published", "id")
        .only("id", "published", "cluster_features", "story__key")
    )
    for article in rows.iterator():
        assert article.cluster_features is not None and article.story is not None
        seq += 1
        Article.objects.filter(pk=article.pk).update(cluster_seq=seq)
        state.clusterer.restore(str(article.pk), article.cluster_features, article.published,
                                article.story.key)
    return seq


def _recompute_terms(config: ClusterConfig, now: datetime) -> int:
    """Recompute the lexical terms of features stored under other term rules (another
    ``terms_version``, or none), keeping vectors and stories: the terms only, no re-embedding.
    Limited, like re-embedding after an embedder change, to the articles a clusterer still
    reads (not placed yet, or recent enough to be in memory); run before a process builds its
    memory, so that it never loads stale terms. Returns how many were recomputed."""
    stale = (
        Article.objects.filter(cluster_features__isnull=False)
        .filter(Q(story__isnull=True)
                | Q(published__gte=now - timedelta(hours=config.retention_hours)))
        # A missing key compares as NULL, which a plain exclude() would keep out.
        .filter(~Q(cluster_features__has_key="terms_version")
                | ~Q(cluster_features__terms_version=TERMS_VERSION)
                | ~Q(cluster_features__has_key="entities_version")
                | ~Q(cluster_features__entities_version=entity_table_version()))
        .select_related("source")
        .only("id", "title", "text", "summary", "language", "published", "cluster_features",
              "source__slug")
    )
    changed: list[Article] = []
    count = 0
    extractor: AnchorExtractor | None = None
    for article in stale.iterator(chunk_size=BATCH):
        assert article.cluster_features is not None
        if extractor is None:
            extractor = AnchorExtractor(lead_chars=config.lead_chars)
        article.cluster_features = with_current_terms(article.cluster_features, _doc(article),
                                                      config, extractor)
        changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["cluster_features"])
            count += len(changed)
            changed = []
    Article.objects.bulk_update(changed, ["cluster_features"])
    count += len(changed)
    if count:
        log.info("recomputed the lexical terms of %d articles (terms version %d)",
                 count, TERMS_VERSION)
    return count


def _new_clusterer() -> StoryClusterer:
    return StoryClusterer(_embedder(), ClusterConfig())


def _doc(article: Article) -> ClusterDoc:
    return ClusterDoc(
        id=str(article.pk),
        title=article.title,
        text=article.text or article.summary,
        language=article.language or None,
        published=article.published,
        source=article.source.slug if article.source_id else None,
    )


def compute_features(limit: int = BATCH) -> int:
    """Embed articles that have no clustering features yet (no lock: pure per article).

    New articles (no story yet) first, in arrival order; then articles that already have a
    story and lost their features to an embedder change, newest first, and only those recent
    enough to be in the clusterers' memory (older ones would never be compared again).
    """
    current = _state is not None and _state.clusterer.embedder.name == _embedder().name
    clusterer = _state.clusterer if _state is not None and current else _new_clusterer()
    missing = Article.objects.filter(cluster_features__isnull=True, copy_of__isnull=True)
    pending = list(missing.filter(story__isnull=True).select_related("source")
                   .order_by("first_seen_at", "id")[:limit])
    if len(pending) < limit:
        horizon = timezone.now() - timedelta(hours=clusterer.config.retention_hours)
        pending += list(
            # published is never NULL (NOT NULL column): a plain range, one index search.
            missing.filter(story__isnull=False, published__gte=horizon)
            .select_related("source")
            .order_by(F("published").desc(nulls_last=True), "-id")[: limit - len(pending)]
        )
    for article in pending:
        features = clusterer.member_features(_doc(article))
        Article.objects.filter(pk=article.pk).update(cluster_features=features)
        # The section model (when the rules gave no section) and the topics it names.
        annotate_article(article, features)
    return len(pending)


def _catch_up(state: _ProcessClusterer, last_seq: int, now: datetime) -> None:
    """Load into this process's clusterer the assignments made since it last looked."""
    if state.seq >= last_seq:
        return
    window = timedelta(hours=state.clusterer.config.retention_hours)
    rows = (
        Article.objects.filter(cluster_seq__gt=state.seq, story__isnull=False,
                               published__gte=now - window)
        .select_related("story").order_by("cluster_seq")
        .only("id", "published", "cluster_features", "cluster_seq", "story__key")
    )
    for article in rows.iterator():
        if article.cluster_features is not None and article.story is not None:
            state.clusterer.restore(str(article.pk), article.cluster_features,
                                    article.published, article.story.key)
    state.seq = last_seq


def _refresh_story(story: Story) -> None:
    agg = story.articles.aggregate(
        n=Count("id"), outlets=Count("source", distinct=True),
        first=Min("published"), last=Max("published"),
    )
    langs = sorted(set(story.articles.exclude(language="").values_list("language", flat=True)))
    founder = story.articles.order_by("published", "id").only("title").first()
    Story.objects.filter(pk=story.pk).update(
        article_count=agg["n"], outlet_count=agg["outlets"], first_published=agg["first"],
        last_published=agg["last"], languages=langs, updated_at=timezone.now(),
        title=founder.title if founder else story.title,
    )


def _merge(state: _ProcessClusterer, seq: int, touched: dict[str, Story], *,
           force: bool = False, merged: list[int] | None = None) -> int:
    """Run the clusterer's merge pass (when due, or forced) and apply its merges to the
    database; returns the last sequence number used."""
    merges = state.clusterer.merge_pass(force=force)
    if state.clusterer.articles_since_merge == 0:
        state.last_merge = time.monotonic()
    for absorbed_key, survivor_key in merges:
        absorbed = Story.objects.filter(key=absorbed_key).first()
        survivor = Story.objects.filter(key=survivor_key).first()
        if absorbed and survivor and absorbed.pk != survivor.pk:
            # A new sequence number: other processes load the move and merge too.
            seq += 1
            absorbed.articles.update(story=survivor, cluster_seq=seq)
            Story.objects.filter(pk=absorbed.pk).update(merged_into=survivor)
            Story.objects.filter(merged_into=absorbed).update(merged_into=survivor)
            touched[survivor_key] = survivor
            if merged is not None:
                merged.append(absorbed.pk)
    return seq


def assign_stories(limit: int = 500) -> int:
    """Place every article that has features but no story yet; returns how many were placed.

    Syndicated copies join their original's story without being compared.
    """
    global _state
    # Before embedding anything: features made by another embedder are dropped first. The
    # model is loaded before the transaction (on SQLite it holds the write lock).
    name = _embedder().name
    with transaction.atomic():
        cluster_state, _ = ClusterState.objects.select_for_update().get_or_create(pk=1)
        if cluster_state.embedder != name:
            _switch_embedder(cluster_state, name)
    # Embed at most ``limit`` articles per call, so a first crawl's backlog is spread over
    # several scheduler ticks instead of stalling one for minutes.
    embedded = 0
    while embedded < limit and (n := compute_features(min(BATCH, limit - embedded))):
        embedded += n
    placed = 0
    with _lock, transaction.atomic():
        # The row lock serialises assignment across processes (SQLite: the write lock).
        cluster_state, _ = ClusterState.objects.select_for_update().get_or_create(pk=1)
        now = timezone.now()
        if (_state is None or _state.epoch != cluster_state.epoch
                or _state.seq > cluster_state.last_seq):
            # First use, or the database is not the one this process's memory came from.
            _state = _ProcessClusterer(_new_clusterer(), cluster_state.epoch)
            _recompute_terms(_state.clusterer.config, now)
        _catch_up(_state, cluster_state.last_seq, now)
        seq = _reseat(_state, cluster_state.last_seq)
        touched: dict[str, Story] = {}
        merged: list[int] = []  # absorbed stories: their pages now redirect
        moved: list[int] = []  # articles placed in a story by this call
        pending = (
            Article.objects.filter(story__isnull=True, cluster_features__isnull=False,
                                   copy_of__isnull=True)
            .order_by("published", "id")[:limit]
        )
        for article in pending:
            assert article.cluster_features is not None
            # published is never empty: when neither the feed nor the page gave a date it is
            # the time the article was first seen (news.services.store_article), so no live
            # article is undated (undated ones are only passive, see ClusterConfig.timeless).
            key = _state.clusterer.assign_features(str(article.pk), article.cluster_features,
                                                   article.published)
            story = touched.get(key) or Story.objects.filter(key=key).first()
            while story is not None and story.merged_into_id is not None:
                # Merged by a process whose merge this one has not loaded yet.
                story = story.merged_into
            if story is None:
                story = Story.objects.create(key=key, title=article.title)
            seq += 1
            Article.objects.filter(pk=article.pk).update(story=story, cluster_seq=seq)
            # Copies follow their original.
            copies = Article.objects.filter(copy_of=article)
            moved += [article.pk, *copies.values_list("pk", flat=True)]
            copies.update(story=story, cluster_seq=seq)
            touched[key] = story
            placed += 1
            # After each article, as ``akhbar cluster`` does: the pass itself is periodic.
            seq = _merge(_state, seq, touched, merged=merged)
        # After the batch: a pass if one is overdue (a quiet night's few articles).
        overdue = time.monotonic() - _state.last_merge >= MERGE_AT_LEAST_EVERY
        seq = _merge(_state, seq, touched, force=overdue, merged=merged)
        # Copies whose original was placed earlier (they arrived later).
        late_copies = Article.objects.filter(story__isnull=True, copy_of__story__isnull=False)
        for copy_id, story_id in late_copies.values_list("pk", "copy_of__story_id"):
            Article.objects.filter(pk=copy_id).update(story_id=story_id)
            moved.append(copy_id)
            story = Story.objects.get(pk=story_id)
            touched[story.key] = story
        for story in touched.values():
            _refresh_story(story)
        if touched or merged:
            # Groupings, "Full coverage" and story titles changed (update() sends no signal);
            # the pages of articles that had no story yet now link to one.
            pages_changed(stories=[*(s.pk for s in touched.values()), *merged], articles=moved,
                          news=True)
        cluster_state.last_seq = seq
        cluster_state.save(update_fields=["last_seq"])
        _state.seq = seq
    # Outside the lock: the members of the stories that grew get their story's section.
    annotate_stories(story.pk for story in touched.values())
    if placed:
        log.info("placed %d articles in stories", placed)
    return placed


def articles_awaiting_story() -> bool:
    """Whether some article still waits for its story (a cheap check for the scheduler)."""
    return Article.objects.filter(story__isnull=True).exists()
