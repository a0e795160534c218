"""A reader's search query, parsed into terms; and highlighted snippets of matching text.

Plain Python (no Django). The syntax is the one readers expect from web search: words (all
must match), ``"quoted phrases"``, ``-exclusion``, ``prefix*`` and ``OR`` between two terms.
Anything else (brackets, colons, carets, SQL) is punctuation, folded away with the words: the
engines only ever receive the terms built here, never the reader's text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from akhbar.ingest.textsearch import (
    MIN_PREFIX,
    STOP_WORDS,
    prefix_words,
    query_prefix,
    stem,
    surface_words,
)

MAX_QUERY_CHARS = 500  # a longer query is cut (on a space): 10 KB of text is not a search
MAX_TERMS = 12  # terms (and exclusions) beyond these are ignored, so a query stays fast
MAX_PHRASE_WORDS = 12

_QUOTES = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"', "„": '"', "＂": '"'})
_PIECE = re.compile(r'(-?)"([^"]*)("?)|(\S+)')
_WORD = re.compile(r"\w+(?:['’]\w+)*")


class QueryError(ValueError):
    """The query has nothing to search for; the message says so in words for the reader."""


@dataclass(frozen=True)
class Term:
    """One thing to match: a word, a phrase (words in this order) or a prefix."""

    kind: str  # "word", "phrase" or "prefix"
    words: tuple[str, ...]  # surface words (akhbar.ingest.textsearch.surface_words)
    raw: str = field(default="", compare=False)  # as the reader typed it (for suggestions)


@dataclass(frozen=True)
class Query:
    """A parsed query: every clause must match (a clause is terms joined by OR), no exclusion
    may. ``ignored`` lists the stop words left out."""

    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()
    ignored: tuple[str, ...] = field(default=())

    def words(self) -> list[str]:
        """The clauses as a reader would type them (for "drop a word" suggestions)."""
        return [" OR ".join(_show(t) for t in clause) for clause in self.clauses]


def _show(term: Term) -> str:
    text = term.raw or " ".join(term.words)
    return f'"{text}"' if term.kind == "phrase" else text + ("*" if term.kind == "prefix" else "")


def _term(text: str, *, quoted: bool) -> Term | None:
    prefix = not quoted and text.endswith("*")
    words = surface_words(text.rstrip("*") if prefix else text)[:MAX_PHRASE_WORDS]
    if not words:
        return None
    raw = " ".join(text.rstrip("*").replace('"', " ").split())
    if len(words) > 1:
        return Term("phrase", tuple(words), raw)
    if prefix and len(words) == 1:
        # Arabic: after the proclitics and the article (``الان*`` keeps its article, see
        # textsearch.query_prefix); too short a prefix is searched as a word.
        token = query_prefix(text.rstrip("*"))
        if len(token) >= MIN_PREFIX:
            return Term("prefix", (token,), raw)
    return Term("word", (words[0][:64],), raw)


def parse_query(raw: str) -> Query:
    """Parse a reader's query; ``QueryError`` when nothing is left to search for."""
    text = " ".join(raw.translate(_QUOTES).split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for m in _PIECE.finditer(text):
        if m.group(4) is not None:
            piece = m.group(4)
            if piece in ("OR", "|", "||"):
                join_next = bool(clauses)
                continue
            negated = piece.startswith("-")
            term = _term(piece.lstrip("-"), quoted=False)
        else:
            negated = m.group(1) == "-"
            term = _term(m.group(2), quoted=True)
        if term is None:
            continue
        if negated:
            if len(excluded) < MAX_TERMS:
                excluded.append(term)
            join_next = False
        elif join_next and clauses:
            clauses[-1].append(term)
            join_next = False
        elif len(clauses) < MAX_TERMS:
            clauses.append([term])
    if not clauses:
        if excluded:
            raise QueryError("A search needs at least one word to look for, not only words to exclude.")
        raise QueryError("Type at least one word to search for.")
    # Stop words alone in a clause are left out when something else is searched for.
    kept = [c for c in clauses if not _stop_clause(c)]
    ignored = tuple(t.words[0] for c in clauses if _stop_clause(c) for t in c) if kept else ()
    return Query(tuple(tuple(c) for c in (kept or clauses)), tuple(excluded), ignored)


def _stop_clause(clause: list[Term]) -> bool:
    return all(t.kind == "word" and t.words[0] in STOP_WORDS for t in clause)


# Snippets ------------------------------------------------------------------------------------

SNIPPET_WORDS = 30
_SENTINELS = str.maketrans({"\x01": None, "\x02": None})
SNIPPET_SCAN = 30_000  # characters: the passage is looked for in the first few thousand words


def _matcher(query: Query, language: str) -> tuple[set[str], tuple[str, ...]]:
    stems: set[str] = set()
    prefixes: list[str] = []
    for clause in query.clauses:
        for term in clause:
            if term.kind == "prefix":
                prefixes.append(term.words[0])
            else:
                stems.update(stem(w, language) for w in term.words if w not in STOP_WORDS)
    return stems, tuple(prefixes)


@lru_cache(maxsize=1 << 16)
def _forms(word: str) -> list[str]:
    # Cached across snippets: words follow Zipf's law, a page's snippets share most of them.
    return surface_words(word)


@lru_cache(maxsize=1 << 16)
def _prefix_forms(word: str) -> list[str]:
    return prefix_words(word)


def snippet(text: str, query: Query, language: str, words: int = SNIPPET_WORDS) -> str:
    """HTML: the ``words``-word passage of ``text`` with the most matched terms, each matched
    word in ``<mark>``; everything else escaped. The start of the text when nothing matches."""
    stems, prefixes = _matcher(query, language)
    # Two control characters mark the matched words, escaped once with the passage and then
    # turned into tags (the text's own are dropped first: they never show anyway).
    text = text[:SNIPPET_SCAN].translate(_SENTINELS)
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    if not tokens:
        return ""
    hits = []
    seen: dict[str, bool] = {}  # a text repeats its words: each is analysed once
    for _, _, word in tokens:
        hit = seen.get(word)
        if hit is None:
            hit = seen[word] = any(stem(f, language) in stems for f in _forms(word)) or bool(
                prefixes and any(f.startswith(prefixes) for f in _prefix_forms(word)))
        hits.append(hit)
    score = best_score = sum(hits[:words])
    best = 0
    for start in range(1, len(tokens) - words + 1):  # a window sliding one word at a time
        score += hits[start + words - 1] - hits[start - 1]
        if score > best_score:
            best, best_score = start, score
    # Begin a little before the first match so it is read in context.
    first = next((i for i in range(best, min(best + words, len(tokens))) if hits[i]), best)
    best = max(0, min(best, first - 3))
    last = min(best + words, len(tokens)) - 1
    out, pos = [], tokens[best][0]
    for i in range(best, last + 1):
        if hits[i]:
            start, end, _ = tokens[i]
            out += [text[pos:start], "\x01", text[start:end], "\x02"]
            pos = end
    out.append(text[pos:tokens[last][1]])
    passage = html.escape("".join(out)).replace("\x01", "<mark>").replace("\x02", "</mark>")
    passage = ("… " if best > 0 else "") + passage + (" …" if last < len(tokens) - 1 else "")
    return " ".join(passage.split())


def marked_words(snippet_html: str) -> list[str]:
    """The words a snippet marks (for tests and the CLI)."""
    return re.findall(r"<mark>(.*?)</mark>", snippet_html)


def all_terms(query: Query) -> Iterable[Term]:
    """Every term of a query, excluded ones included."""
    for clause in query.clauses:
        yield from clause
    yield from query.excluded
