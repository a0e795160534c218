"""Topics readers can follow: the people, places, teams and organisations of the entity table
(``data/entities.toml``) that articles name, their pages' stories, and what is trending.

An article's topics are found once, when its story features are computed
(:func:`record_article_topics`), and stored as :class:`ArticleTopic` rows. A topic page lists the
stories of the articles naming it; it is tagged ``topic:<key>`` and with each story it shows, and
any change to an article (placed in a story, hidden, corrected) marks its topics' pages stale
through a ``pages_changed`` listener, so no other page is thrown away.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from akhbar.ingest.cluster.entities import AnchorExtractor, EntityTable, load_entity_table
from akhbar.news import queries
from akhbar.news.models import Article, ArticleTopic, Story

#: How much of the text, after the title, is searched for names (the lead, as for stories).
LEAD_CHARS = 600
#: Trending: the window of "new", and the days before it that make a topic's usual rate.
TRENDING_WINDOW = timedelta(hours=24)
TRENDING_BASELINE_DAYS = 14
TRENDING_MIN_STORIES = 2

_ARABIC = re.compile(r"[\u0600-\u06ff]")


@dataclass(frozen=True)
class Topic:
    """One followable topic: its key, kind and the name shown in an edition."""

    key: str
    kind: str
    name: str

    @property
    def slug(self) -> str:
        return self.key.replace("_", "-")


@functools.cache
def entity_table() -> EntityTable:
    """The entity table, read once per process."""
    return load_entity_table()


@functools.cache
def _extractor() -> AnchorExtractor:
    return AnchorExtractor(entity_table(), names=False)


def key_of_slug(slug: str) -> str | None:
    """The topic key of a URL slug ("al-hoceima" → "al_hoceima"), or None when unknown."""
    key = slug.replace("-", "_")
    return key if key in entity_table() else None


def topic(key: str, edition: str) -> Topic:
    """A known topic as an edition shows it: the first Arabic form in the Arabic edition, the
    first Latin one elsewhere."""
    kind, forms = entity_table()[key]
    arabic = [f for f in forms if _ARABIC.search(f)]
    latin = [f for f in forms if not _ARABIC.search(f)]
    preferred = (arabic or latin) if edition == "ar" else (latin or arabic)
    return Topic(key, kind, preferred[0])


def topics_in(title: str, text: str) -> set[str]:
    """The keys of the table's entities named in a title and the start of a text."""
    lead = text[:LEAD_CHARS]
    found = _extractor().entities(f"{title}\n{lead}" if lead else title)
    return {anchor.split(":", 1)[1] for anchor in found}


def record_article_topics(article: Article) -> set[str]:
    """Store the topics an article names (idempotent); returns their keys."""
    keys = topics_in(article.title, article.text or article.summary)
    known = set(ArticleTopic.objects.filter(article=article).values_list("topic", flat=True))
    new = [ArticleTopic(article=article, topic=k, published=article.published)
           for k in sorted(keys - known)]
    if new:
        try:
            with transaction.atomic():
                ArticleTopic.objects.bulk_create(new)
        except IntegrityError:
            pass  # another process recorded them first
    return keys


def topic_tags_listener(*, articles: list[int], **_: object) -> None:
    """pages_changed listener: an article's change makes its topics' pages stale."""
    if not articles:
        return
    from akhbar.web.models import PageChange

    keys = set(ArticleTopic.objects.filter(article_id__in=articles)
               .values_list("topic", flat=True).distinct())
    if keys:
        now = timezone.now()
        PageChange.objects.bulk_create([PageChange(tag=f"topic:{k}"[:100], at=now)
                                        for k in sorted(keys)])


def _mentions(edition: str, source_ids: list[int] | None = None) -> QuerySet[ArticleTopic]:
    ids = queries.edition_source_ids(edition) if source_ids is None else source_ids
    return ArticleTopic.objects.filter(article__hidden=False, article__source_id__in=ids,
                                       article__story__isnull=False)


def topic_stories(key: str, edition: str, limit: int = 40) -> list[tuple[Story, Article]]:
    """The stories naming a topic in the edition's outlets (all its languages), newest first,
    each with its headline article (in the edition's language when it has one)."""
    source_ids = queries.edition_source_ids(edition)
    order: list[int] = []
    for story_id in (_mentions(edition, source_ids).filter(topic=key).order_by("-published")
                     .values_list("article__story_id", flat=True)[: limit * 10]):
        if story_id not in order:
            order.append(story_id)
            if len(order) >= limit:
                break
    return stories_with_headlines(order, edition, source_ids)


def topic_story_page(key: str, edition: str, number: str | None,
                     per_page: int = 30) -> Page[Any]:
    """One page of the stories naming a topic in the edition's outlets, newest mention first
    (a story's place is its latest mention); the page's object_list holds (story, headline
    article) pairs. number as given in the URL (a bad or too large one gives the last page,
    as Paginator.get_page does)."""
    source_ids = queries.edition_source_ids(edition)
    story_ids = (_mentions(edition, source_ids).filter(topic=key)
                 .values("article__story_id").annotate(latest=Max("published"))
                 .order_by("-latest", "-article__story_id"))
    page: Page[Any] = Paginator(story_ids, per_page).get_page(number)
    page.object_list = stories_with_headlines(
        [row["article__story_id"] for row in page.object_list], edition, source_ids)
    return page


def stories_with_headlines(story_ids: list[int], edition: str,
                           source_ids: list[int] | None = None) -> list[tuple[Story, Article]]:
    """The stories in the given order, each with its headline article in the edition."""
    stories = Story.objects.in_bulk(story_ids)
    best: dict[int, tuple[tuple[bool, bool], Article]] = {}
    candidates = (queries.edition_articles(edition, source_ids)
                  .filter(story_id__in=story_ids, copy_of__isnull=True)
                  .defer("text", "html", "summary", "fingerprint", "cluster_features"))
    for a in candidates:  # newest first: a later one must rank strictly higher
        rank = (a.language == edition, bool(a.image and a.image.display_url))
        if a.story_id is not None and (a.story_id not in best or rank > best[a.story_id][0]):
            best[a.story_id] = (rank, a)
    return [(stories[pk], best[pk][1]) for pk in story_ids if pk in stories and pk in best]


def article_topics(article: Article, edition: str) -> list[Topic]:
    """The topics an article names, as the edition shows them (by kind, then name)."""
    keys = ArticleTopic.objects.filter(article=article).values_list("topic", flat=True)
    return _known_topics(keys, edition)


def story_topics(story_id: int, edition: str, limit: int = 12) -> list[Topic]:
    """The topics a story's articles name, the most often named first."""
    rows = (ArticleTopic.objects.filter(article__story_id=story_id, article__hidden=False)
            .values("topic").annotate(n=Count("id")).order_by("-n", "topic")[:limit])
    return _known_topics([r["topic"] for r in rows], edition, keep_order=True)


def _known_topics(keys: Iterable[str], edition: str, keep_order: bool = False) -> list[Topic]:
    table = entity_table()
    found = [topic(k, edition) for k in dict.fromkeys(keys) if k in table]
    return found if keep_order else sorted(found, key=lambda t: (t.kind, t.name.casefold()))


@dataclass(frozen=True)
class Trend:
    """A trending topic: stories naming it in the last 24 h, and its usual daily rate."""

    topic: Topic
    recent: int
    usual: float


def trending_topics(edition: str, limit: int = 8, now: datetime | None = None,
                    source_ids: list[int] | None = None) -> list[Trend]:
    """Topics named by the most new stories in the last 24 hours compared with their usual
    rate (stories per day over the two weeks before): ranked by recent / (usual + 1)."""
    now = now or timezone.now()
    start = now - TRENDING_WINDOW
    base = _mentions(edition, source_ids)
    recent = dict(base.filter(published__gte=start, published__lte=now).values("topic")
                  .annotate(n=Count("article__story", distinct=True)).values_list("topic", "n"))
    candidates = [k for k, n in recent.items() if n >= TRENDING_MIN_STORIES]
    if not candidates:
        return []
    before = dict(
        base.filter(topic__in=candidates, published__lt=start,
                    published__gte=start - timedelta(days=TRENDING_BASELINE_DAYS))
        .values("topic").annotate(n=Count("article__story", distinct=True))
        .values_list("topic", "n"))
    table = entity_table()
    trends = [Trend(topic(k, edition), recent[k], before.get(k, 0) / TRENDING_BASELINE_DAYS)
              for k in candidates if k in table]
    trends.sort(key=lambda t: (-t.recent / (t.usual + 1.0), -t.recent, t.topic.name))
    return trends[:limit]
