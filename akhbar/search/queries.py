"""Reads of the search index: ranked, filtered, folded results with snippets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from akhbar.ingest.textquery import Query, QueryError, parse_query, snippet
from akhbar.news import queries as news_queries
from akhbar.news.models import Article
from akhbar.search.engines import Filters, engine

__all__ = ["Filters", "QueryError", "Results", "parse_query", "search"]

# The scored set: only the newest CAP matches are ranked (see Engine.candidates): 25 pages.
CAP = 500
# Freshness: an article FRESHNESS_DAYS old counts half as much as today's at equal relevance.
FRESHNESS_DAYS = 30.0


@dataclass
class Hit:
    """One result: the article (with source and image) and its highlighted snippet."""

    article: Article
    snippet: str
    copies: int = 0  # syndicated copies folded under it


@dataclass
class Results:
    """A page of results and what the page says about them."""

    query: Query
    hits: list[Hit]
    count: int  # after folding copies (an estimate when ``approximate``)
    approximate: bool
    offset: int
    limit: int
    suggestions: list[str] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.count and len(self.hits) == self.limit


def _score(relevance: float, published: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - published).total_seconds() / 86400)
    return relevance / (1.0 + age_days / FRESHNESS_DAYS)


def ranked_ids(query: Query, filters: Filters, *, per_story: bool = False,
               cap: int = CAP) -> tuple[list[tuple[int, int]], int, bool]:
    """Matching article ids best first, as (id, copies folded under it); the count of
    results and whether it is an estimate."""
    found = engine().candidates(query, filters, cap)
    if not found:
        return [], 0, False
    now = datetime.now(UTC)
    # At most CAP rows, already visible (the engine's SQL joins the live article): ordering
    # them here costs well under a millisecond.
    scored = sorted(found, key=lambda c: (_score(c.relevance, c.published, now), c.article_id),
                    reverse=True)
    matched = {c.article_id for c in scored}
    out: list[tuple[int, int]] = []
    position: dict[object, int] = {}
    for c in scored:
        pk = c.article_id
        # A syndicated copy is folded under its original when the original matched too (the
        # original takes the copy's place if the copy ranked higher); with ``per_story``,
        # everything is folded under the best result of its story.
        head = c.copy_of if c.copy_of in matched else pk
        key: object = ("story", c.story) if per_story and c.story is not None else head
        if key in position:
            index = position[key]
            if pk != out[index][0]:
                out[index] = (out[index][0], out[index][1] + 1)
            continue
        position[key] = len(out)
        out.append((head, 0 if head == pk else 1))
    count, approximate = len(out), False
    if len(found) >= cap:
        count, approximate = _estimate(len(out), min(c.published for c in found), filters, now), True
    return out, count, approximate


def _estimate(count: int, oldest_found: datetime, filters: Filters, now: datetime) -> int:
    """"About N": the results of the bounded set, extrapolated over the time that the filters
    and the index cover (one lookup of the oldest indexed date; matches are taken to be
    spread evenly over time, which for a news archive errs on the low side)."""
    end = min(filters.until or now, now)
    start = engine().oldest()  # PostgreSQL: read every few minutes, not per search
    if start is None:
        return count
    if filters.since and filters.since > start:
        start = filters.since
    covered = (end - oldest_found).total_seconds()
    if covered <= 0:
        return count
    return max(count, int(count * (end - start).total_seconds() / covered))


def _snippet_text(article: Article) -> str:
    if article.source.display == "excerpt":
        return news_queries.excerpt(article.text or article.summary)
    return article.text or article.summary or article.title


def search(raw: str, filters: Filters, *, offset: int = 0, limit: int = 20,
           per_story: bool = False, suggest: bool = False) -> Results:
    """One page of results for a reader's query (``QueryError`` when it has no words)."""
    query = parse_query(raw)
    ranked, count, approximate = ranked_ids(query, filters, per_story=per_story)
    page = ranked[offset:offset + limit]
    articles = news_queries.visible_articles().filter(pk__in=[pk for pk, _ in page]).defer(
        "html", "fingerprint", "cluster_features").in_bulk()
    hits = [Hit(articles[pk], snippet(_snippet_text(articles[pk]), query, articles[pk].language),
                copies) for pk, copies in page if pk in articles]
    results = Results(query, hits, count, approximate, offset, limit)
    if suggest and not hits and offset == 0:
        results.suggestions = suggestions(query, filters)
    return results


def suggestions(query: Query, filters: Filters) -> list[str]:
    """Queries that would find something: the same without one of its words (at most three)."""
    out: list[str] = []
    words = query.words()
    if len(words) < 2:
        return out
    for i in range(min(len(words), 6)):
        shorter = " ".join(w for j, w in enumerate(words) if j != i)
        try:
            if engine().candidates(parse_query(shorter), filters, 1):
                out.append(shorter)
        except QueryError:
            continue
        if len(out) >= 3:
            break
    return out


def found_elsewhere(raw: str, filters: Filters) -> bool:
    """Whether the query finds something without the edition and language filters."""
    wider = Filters(source_id=filters.source_id, section=filters.section, since=filters.since,
                    until=filters.until)
    try:
        return bool(engine().candidates(parse_query(raw), wider, 1))
    except QueryError:
        return False
