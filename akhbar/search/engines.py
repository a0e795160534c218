"""The two engines behind one interface: SQLite FTS5 and PostgreSQL ``tsvector`` + GIN.

Both index the same analysed tokens (akhbar.ingest.textsearch) and receive the same parsed
query (akhbar.ingest.textquery), compiled here into their own syntax from tokens that hold
only word characters: the reader's text never reaches an engine raw.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from akhbar.ingest.textquery import Query, Term
from akhbar.ingest.textsearch import LATIN_LANGUAGES, is_arabic, stem, stem_forms

# Longer bodies are indexed up to this many words: PostgreSQL keeps positions up to 16,383,
# and the first thousands of words of an article are what a reader searches for.
MAX_BODY_WORDS = 12000


@dataclass(frozen=True)
class IndexedText:
    """What one article contributes to the index, analysed (see services.document)."""

    article_id: int
    title: list[str]  # stems
    body: list[str]
    extra: list[str]  # outlet name and authors
    surface: list[str]  # unstemmed words, for prefixes
    tags: list[str]  # filters: edition, language, source, section, month


@dataclass(frozen=True)
class Filters:
    """Filters applied inside the engine's query (so the bounded set is already filtered)."""

    editions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    source_id: int | None = None
    section: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def tags(self) -> list[list[str]]:
        """Each inner list: tags of which one must be present."""
        out = []
        if self.editions:
            out.append([f"e{e}" for e in self.editions])
        if self.languages:
            out.append([f"l{lang}" for lang in self.languages])
        if self.source_id is not None:
            out.append([f"s{self.source_id}"])
        if self.section:
            out.append([f"c{self.section}"])
        months = month_tags(self.since, self.until)
        if months:
            out.append(months)
        return out


MAX_MONTH_TAGS = 24  # a longer range is filtered by date only (it excludes little anyway)


def month_tag(when: datetime) -> str:
    return f"m{when.year:04d}{when.month:02d}"


def month_tags(since: datetime | None, until: datetime | None) -> list[str]:
    """The month tags covering [since, until], when few: the engine then skips other months
    through its index instead of reading their dates."""
    if since is None:
        return []
    end = until or datetime.now(since.tzinfo)
    year, month, tags = since.year, since.month, []
    while (year, month) <= (end.year, end.month):
        tags.append(f"m{year:04d}{month:02d}")
        if len(tags) > MAX_MONTH_TAGS:
            return []
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tags


def _phrase_forms(term: Term, languages: Sequence[str]) -> list[list[str]]:
    """A phrase's stems in each language it may be written in (one list per language)."""
    if any(is_arabic(w) for w in term.words):
        langs = ["ar"]
    else:
        langs = [lang for lang in languages if lang in LATIN_LANGUAGES] or list(LATIN_LANGUAGES)
    forms: list[list[str]] = []
    for lang in langs:
        stems = [stem(w, lang) for w in term.words]
        if stems not in forms:
            forms.append(stems)
    return forms


@dataclass(frozen=True)
class Candidate:
    """One match of the bounded set, as readers may see it (hidden articles never come back)."""

    article_id: int
    relevance: float  # the engine's own, before freshness
    published: datetime
    copy_of: int | None
    story: int | None


# What the bounded set reads of each article: the live row, so that a hidden article never
# shows even if the index were behind (both engines join it the same way).
_LIVE = ("SELECT a.id, c.rel, a.published, a.copy_of_id, a.story_id FROM ({inner}) c "
         "JOIN news_article a ON a.id = c.id WHERE a.hidden = %s")


def _dates(column: str, filters: Filters) -> tuple[str, list[Any]]:
    """The SQL condition (`` AND …``) and parameters of the filters' date range."""
    sql, params = "", []
    if filters.since:
        sql += f" AND {column} >= %s"
        params.append(filters.since)
    if filters.until:
        sql += f" AND {column} < %s"
        params.append(filters.until)
    return sql, params


def _run(sql: str, params: Sequence[Any]) -> list[Candidate]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Candidate(int(r[0]), float(r[1] or 0.0), _aware(r[2]), r[3], r[4])
                for r in cursor.fetchall()]


class Engine:
    """The interface: write and delete documents, and find candidates for a query."""

    vendor = ""

    def write(self, docs: Iterable[IndexedText]) -> None:
        raise NotImplementedError

    def delete(self, article_ids: Sequence[int]) -> None:
        raise NotImplementedError

    def retag(self, docs: Sequence[tuple[int, list[str], list[str]]]) -> None:
        """Give indexed documents new filter tags (id, old tags, new tags), their analysed
        text unchanged."""
        raise NotImplementedError

    def compile(self, query: Query, filters: Filters) -> str:
        raise NotImplementedError

    def candidates(self, query: Query, filters: Filters, cap: int) -> list[Candidate]:
        """Up to ``cap`` visible matching articles, newest first, with their relevance.

        Bounding by recency keeps a very common word as fast as a rare one: the engine walks
        its index from the newest match and stops at ``cap``; only those are scored, which is
        also what a news reader wants first.
        """
        raise NotImplementedError

    def raw_sql(self) -> str:
        """The bare engine query (no ranking, no filters) for the benchmark's comparison."""
        raise NotImplementedError

    def oldest(self) -> datetime | None:
        """The oldest date indexed (for the "about N" estimate)."""
        from akhbar.search.models import SearchDoc

        return SearchDoc.objects.order_by("published").values_list("published", flat=True).first()


class SqliteEngine(Engine):
    vendor = "sqlite"
    # bm25 weights per column: title, body, outlet/authors; surface and tags never score.
    WEIGHTS = "8.0, 1.0, 2.0, 0.0, 0.0"

    def write(self, docs: Iterable[IndexedText]) -> None:
        # In rowid order: FTS5 flushes its pending terms to a new segment whenever a rowid is
        # not above the last one written in the transaction, so a batch in descending order
        # wrote one segment per article (measured: 500 articles in 36 s instead of 0.1 s at
        # 50,000 indexed).
        rows = sorted((d.article_id, " ".join(d.title), " ".join(d.body[:MAX_BODY_WORDS]),
                       " ".join(d.extra), " ".join(dict.fromkeys(d.surface)), " ".join(d.tags))
                      for d in docs)
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(r[0],) for r in rows])
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, body, extra, surface, tags) "
                "VALUES (%s, %s, %s, %s, %s, %s)", rows)

    def delete(self, article_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s",
                               [(i,) for i in sorted(article_ids)])

    def retag(self, docs: Sequence[tuple[int, list[str], list[str]]]) -> None:
        if docs:  # in rowid order, as write()
            with connection.cursor() as cursor:
                cursor.executemany("UPDATE search_fts SET tags = %s WHERE rowid = %s",
                                   [(" ".join(new), i) for i, _, new in sorted(docs)])

    def _term(self, term: Term, languages: Sequence[str], columns: str = "title body extra") -> str:
        if term.kind == "prefix":
            return f'{{surface}} : "{term.words[0]}" *'
        if term.kind == "phrase":
            alts = [f'"{" ".join(f)}"' for f in _phrase_forms(term, languages)]
        else:
            alts = [f'"{f}"' for f in stem_forms(term.words[0], languages)]
        return f"{{{columns}}} : ({' OR '.join(alts)})"

    def compile(self, query: Query, filters: Filters) -> str:
        langs = filters.languages
        parts = ["(" + " OR ".join(f"({self._term(t, langs)})" for t in clause) + ")"
                 for clause in query.clauses]
        parts += ["{tags} : (" + " OR ".join(f'"{t}"' for t in group) + ")" for group in filters.tags()]
        expr = " AND ".join(parts)
        for term in query.excluded:
            expr = f"({expr}) NOT ({self._term(term, langs)})"
        return expr

    # Relevance on SQLite: which fields each clause matches (title ≫ outlet/authors > text).
    # Not FTS5's bm25(): before scoring anything it counts every match of each term in the
    # whole index (fts5_aux.c, xQueryPhrase), which a very common word or a filter tag makes
    # cost hundreds of milliseconds at a million articles (bench/search.py measures it).
    FIELD_WEIGHTS = (("title", 3.0), ("extra", 1.0))

    def candidates(self, query: Query, filters: Filters, cap: int) -> list[Candidate]:
        dates, date_params = _dates("d.published", filters)
        inner = "SELECT f.rowid AS id, 1.0 AS rel FROM search_fts f"
        if dates:
            inner += " JOIN search_searchdoc d ON d.article_id = f.rowid"
        inner += f" WHERE search_fts MATCH %s{dates} ORDER BY f.rowid DESC LIMIT %s"
        found = _run(_LIVE.format(inner=inner),
                     [self.compile(query, filters), *date_params, cap, False])
        if len(found) < 2:
            return found
        fields = self._fields(query, filters.languages, min(c.article_id for c in found),
                              max(c.article_id for c in found))
        return [Candidate(c.article_id, 1.0 + fields.get(c.article_id, 0.0), c.published,
                          c.copy_of, c.story) for c in found]

    def _fields(self, query: Query, langs: Sequence[str], low: int, high: int) -> dict[int, float]:
        """Per article in [low, high]: the field weights its clauses match, averaged over the
        clauses (one statement; each part walks only that rowid range of the index)."""
        parts: list[str] = []
        params: list[Any] = []
        for clause in query.clauses:
            terms = [t for t in clause if t.kind != "prefix"]  # prefixes match any field
            if not terms:
                continue
            for column, weight in self.FIELD_WEIGHTS:
                parts.append(f"SELECT rowid, {weight} FROM search_fts WHERE search_fts MATCH %s "
                             "AND rowid >= %s AND rowid <= %s")
                params += [" OR ".join(f"({self._term(t, langs, column)})" for t in terms), low, high]
        out: dict[int, float] = {}
        if not parts:
            return out
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for rowid, weight in cursor.fetchall():
                out[rowid] = out.get(rowid, 0.0) + weight / len(query.clauses)
        return out

    def raw_sql(self) -> str:
        return "SELECT rowid FROM search_fts WHERE search_fts MATCH %s LIMIT %s"


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresEngine(Engine):
    vendor = "postgresql"

    @staticmethod
    def document(doc: IndexedText) -> str:
        """The tsvector literal of a document: stems with positions and weights (title A,
        outlet/authors B, body C; a gap between fields so no phrase spans two), then the
        surface words ("_" + word) and the tags ("~" + tag) without positions."""
        positions: dict[str, list[str]] = {}
        pos = 1
        for tokens, weight in ((doc.title, "A"), (doc.extra, "B"), (doc.body, "C")):
            for token in tokens:
                if pos > 16383:
                    break
                positions.setdefault(token, []).append(f"{pos}{weight}")
                pos += 1
            pos += 2
        parts = [f"{_lexeme(t)}:{','.join(p[:256])}" for t, p in positions.items()]
        parts += [_lexeme("_" + w) for w in dict.fromkeys(doc.surface)]
        parts += [_lexeme("~" + t) for t in doc.tags]
        return " ".join(parts)

    def write(self, docs: Iterable[IndexedText]) -> None:
        # One statement per batch (the rows exist: services upserts them just before).
        ids, documents = [], []
        for d in docs:
            ids.append(d.article_id)
            documents.append(self.document(d))
        if not ids:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE search_searchdoc s SET document = CAST(v.doc AS tsvector) "
                "FROM unnest(CAST(%s AS bigint[]), CAST(%s AS text[])) AS v(id, doc) "
                "WHERE s.article_id = v.id", [ids, documents])

    def delete(self, article_ids: Sequence[int]) -> None:
        pass  # the document is a column of the row services delete

    def retag(self, docs: Sequence[tuple[int, list[str], list[str]]]) -> None:
        # The tags are the document's "~" lexemes, without positions: the old ones are taken
        # out, the new ones added; the stems and surface words stay as they are.
        if not docs:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE search_searchdoc SET document = ts_delete(document, CAST(%s AS text[])) "
                "|| CAST(%s AS tsvector) WHERE article_id = %s",
                [(["~" + t for t in before], " ".join(_lexeme("~" + t) for t in after), i)
                 for i, before, after in docs])

    def _term(self, term: Term, languages: Sequence[str]) -> str:
        if term.kind == "prefix":
            return f"{_lexeme('_' + term.words[0])}:*"
        if term.kind == "phrase":
            alts = [" <-> ".join(_lexeme(s) for s in f) for f in _phrase_forms(term, languages)]
        else:
            alts = [_lexeme(f) for f in stem_forms(term.words[0], languages)]
        return "(" + " | ".join(f"({a})" for a in alts) + ")"

    def compile(self, query: Query, filters: Filters) -> str:
        langs = filters.languages
        parts = ["(" + " | ".join(self._term(t, langs) for t in clause) + ")" for clause in query.clauses]
        parts += ["(" + " | ".join(_lexeme("~" + t) for t in group) + ")" for group in filters.tags()]
        parts += [f"!{self._term(t, langs)}" for t in query.excluded]
        return " & ".join(parts)

    def candidates(self, query: Query, filters: Filters, cap: int) -> list[Candidate]:
        return _run(*self.candidates_sql(query, filters, cap))

    def candidates_sql(self, query: Query, filters: Filters, cap: int) -> tuple[str, list[Any]]:
        """The statement of ``candidates`` and its parameters (bench/search.py explains it)."""
        # The newest ``cap`` matches, looked for in windows of months (by the month tags, so
        # inside the GIN index: no date bitmap): this month and the last, then the four before,
        # then the rest (the windows are a partition of the index, so nothing is found twice or
        # missed). One statement: an Append under a LIMIT runs a window only while the ones
        # before it hold fewer than ``cap`` rows. In each, the planner walks the date index
        # backwards checking each document (a very common word fills the set in the first few
        # hundred rows) or reads the GIN index (its statistics of the most common lexemes tell
        # which); a word of medium frequency, which the date walk served badly (thousands of
        # rows read for 500 matches), is now an exact GIN lookup of its recent months.
        # The rank is computed outside, for the bounded set only: inside, a bitmap plan would
        # compute it for every match before sorting them by date. The document travels with
        # the row to it (not looked up again: 500 index lookups fewer, ≈ 2,000 buffers).
        dates, date_params = _dates("published", filters)
        compiled = self.compile(query, filters)
        if filters.since or filters.until:
            # A date range: its month tags are in the query, which spares a rare word the date
            # bitmap; but the planner, taking words and months for independent, then walks
            # badly or ANDs a date bitmap for a common word: that one walks without the tags.
            plain = self.compile(query, replace(filters, since=None, until=None))
            windows = [plain if self._walks(plain, cap) else compiled]
        else:
            windows = _windows(compiled) if self._windowed(compiled, cap) else [compiled]
        pick = (f"SELECT article_id, published, document FROM search_searchdoc "
                f"WHERE document @@ CAST(%s AS tsquery){dates} ORDER BY published DESC LIMIT %s")
        inner = ("SELECT b.article_id AS id, ts_rank_cd(b.document, CAST(%s AS tsquery)) AS rel "
                 f"FROM (SELECT article_id, document FROM ({' UNION ALL '.join(f'({pick})' for _ in windows)}) w "
                 "LIMIT %s) b")
        params: list[Any] = [compiled]
        for window in windows:
            params += [window, *date_params, cap]
        return _LIVE.format(inner=inner), [*params, cap, False]

    def _estimate(self, compiled: str, cap: int) -> tuple[float, bool] | None:
        """The planner's estimate of the query's matches, and whether the date walk beats the
        windows (None: no statistics yet).

        The walk reads about cap × rows / matches rows, in date order; the first window's
        bitmap reads its matches (matches × the window's share of the time indexed), scattered
        over the table, so BITMAP_ROW_COST times dearer a row (measured on bench/search.py's
        million: "gouvernement", 12 % of articles, 8 ms walked against 17 in a window;
        "sécheresse", 3.4 %, 16 ms against 6; the estimate of a word with a filter takes them
        for independent, often too low: 4 rather than 3 sends "gouvernement" in French to the
        walk). A query expected to match fewer than ONE_STATEMENT_BELOW × cap articles is read
        in one statement (one GIN lookup, not one per window), unless it holds a phrase, whose
        estimate is that of its words together, often far below the documents to recheck.
        ``matches`` comes from the planner's statistics of the most common lexemes (a word
        not among them is taken as rare), cached per query; the table's size and oldest date
        are read every STATS_TTL seconds."""
        total, oldest, plans = _stats()
        if total <= 0 or oldest is None:
            return None
        matches = plans.get(compiled)  # (threads share the cache: read it once)
        if matches is None:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (FORMAT JSON) SELECT 1 FROM search_searchdoc "
                               "WHERE document @@ CAST(%s AS tsquery)", [compiled])
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            if len(plans) >= 4096:
                plans.clear()
            matches = plans[compiled] = float(plan[0]["Plan"]["Plan Rows"])
        start = _window_start(datetime.now(UTC))
        span = (datetime.now(UTC) - _aware(oldest)).total_seconds()
        share = min(1.0, (datetime.now(UTC) - start).total_seconds() / span) if span > 0 else 1.0
        return matches, cap * total / max(matches, 1.0) < BITMAP_ROW_COST * matches * share

    def oldest(self) -> datetime | None:
        oldest = _stats()[1]  # None (an empty index when last read): asked again
        return super().oldest() if oldest is None else _aware(oldest)

    def _walks(self, compiled: str, cap: int) -> bool:
        estimate = self._estimate(compiled, cap)
        return estimate is not None and estimate[1]

    def _windowed(self, compiled: str, cap: int) -> bool:
        """Whether to look in windows of months rather than in one statement (see _estimate)."""
        estimate = self._estimate(compiled, cap)
        if estimate is None:
            return True
        matches, walk = estimate
        return not walk and (matches >= ONE_STATEMENT_BELOW * cap or "<->" in compiled)

    def raw_sql(self) -> str:
        return ("SELECT article_id FROM search_searchdoc "
                "WHERE document @@ CAST(%s AS tsquery) LIMIT %s")


# The windows of candidates on PostgreSQL, in months back from now: [next month .. last month],
# then each of the four months before, one at a time (a window not needed is not run, and a
# phrase rechecks every document of its window holding its words); then every other month.
WINDOWS = (3, 4, 5, 6, 7)
BITMAP_ROW_COST = 4.0  # see PostgresEngine._windowed
ONE_STATEMENT_BELOW = 4.0  # × cap: the planner's estimate of a query read in one statement
STATS_TTL = 600.0  # seconds: the table's size and oldest date, the planner's estimates
_STATS: dict[str, Any] = {"at": -STATS_TTL, "rows": 0.0, "oldest": None, "plans": {}}


def _stats() -> tuple[float, Any, dict[str, float]]:
    """PostgreSQL: the index's size (the planner's) and oldest date, and the cache of the
    planner's estimates per query, read again every STATS_TTL seconds."""
    now = time.monotonic()
    if now - _STATS["at"] > STATS_TTL:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples, (SELECT min(published) FROM search_searchdoc) "
                           "FROM pg_class WHERE oid = CAST('search_searchdoc' AS regclass)")
            rows, oldest = cursor.fetchone()
        _STATS.update(at=now, rows=float(rows or 0), oldest=oldest, plans={})
    return _STATS["rows"], _STATS["oldest"], _STATS["plans"]


def _window_start(now: datetime) -> datetime:
    """Where the first window begins: the first day of last month (UTC)."""
    year, month = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    return datetime(year, month, 1, tzinfo=UTC)


def _windows(compiled: str, now: datetime | None = None) -> list[str]:
    """The query restricted to each window of months (newest first), the last window being
    every month the others do not name (so a far-dated or very old article is still found)."""
    now = now or datetime.now(UTC)
    year, month, tags = now.year, now.month + 1, []
    for _ in range(WINDOWS[-1]):
        if month > 12:
            year, month = year + 1, month - 12
        if month < 1:
            year, month = year - 1, month + 12
        tags.append(_lexeme(f"~m{year:04d}{month:02d}"))
        month -= 1
    out, start = [], 0
    for end in WINDOWS:
        out.append(f"({compiled}) & ({' | '.join(tags[start:end])})")
        start = end
    out.append(f"({compiled}) & !({' | '.join(tags)})")
    return out


def _aware(value: object) -> datetime:
    """A database's datetime as an aware UTC datetime (SQLite returns text; 500 per search)."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def engine() -> Engine:
    """The engine of the database in use."""
    return PostgresEngine() if connection.vendor == "postgresql" else SqliteEngine()
