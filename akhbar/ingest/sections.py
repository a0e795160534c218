"""Map an article to one portal section from its feed categories and URL path, by data rules.

The default rules live in ``data/sections.toml`` (keywords and path segments per section, in
French, Arabic and English); a source may add its own rules in the registry (``sections`` table,
see ``data/sources/README.md``). Everything is compared after :func:`section_key` folding, so
accents, case, Arabic letter variants and the Arabic article do not matter.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

from akhbar.ingest.normalize import fold_text

#: The stable section keys (labels are translated on the Django side).
SECTION_KEYS = ("politics", "economy", "society", "sports", "culture", "world", "tech")

#: Prefixes of a per-source rule: ``path:/segment/…`` or ``category:Name``.
RULE_KINDS = ("path", "category")

#: Where the default rules shipped with the project live (a source checkout, not the wheel).
DEFAULT_SECTIONS_PATH = Path(__file__).resolve().parents[2] / "data" / "sections.toml"

_EMPTY: Mapping[str, Sequence[str]] = MappingProxyType({})
_Fail = Callable[[str], "SectionRulesError"]


class SectionRulesError(ValueError):
    """The section rules file is unreadable or invalid; the message says where and why."""


@dataclass(frozen=True)
class SectionRules:
    """Default section rules: folded keyword → section, for categories and for path segments."""

    # Plain dicts typed read-only (a MappingProxy cannot be pickled to a worker process).

    priority: tuple[str, ...]
    categories: Mapping[tuple[str, ...], str]  # folded words of a keyword → section
    paths: Mapping[str, str]  # folded path segment → section
    longest: int  # words in the longest category keyword (bounds the n-gram scan)
    origin: str = ""


def section_key(text: str) -> tuple[str, ...]:
    """The words of ``text`` folded for matching (fold_text, then a leading Arabic "ال" dropped)."""
    # Arabic attaches the article to the word ("الرياضة"); dropping it lets "رياضة" match both.
    return tuple(
        word[2:] if word.startswith("ال") and len(word) >= 4 else word
        for word in fold_text(text).split()
    )


def rule_problem(rule: object) -> str | None:
    """Why ``rule`` is not a valid per-source rule (``path:…`` or ``category:…``), or None."""
    if not isinstance(rule, str):
        return f"rule {rule!r} is not a string"
    kind, sep, value = rule.partition(":")
    if not sep or kind not in RULE_KINDS:
        return f"rule {rule!r} must start with 'path:' or 'category:'"
    if kind == "path" and not _path_segments(value):
        return f"rule {rule!r} names no path segment (e.g. 'path:/politique/')"
    if kind == "category" and not section_key(value):
        return f"rule {rule!r} names no category (e.g. 'category:Politique')"
    return None


def load_section_rules(path: str | Path = DEFAULT_SECTIONS_PATH) -> SectionRules:
    """Read and validate a section rules TOML file (``data/sections.toml`` by default)."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SectionRulesError(f"{file}: cannot read ({exc})") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SectionRulesError(f"{file}: invalid TOML ({exc})") from exc

    def fail(problem: str) -> SectionRulesError:
        return SectionRulesError(f"{file}: {problem}")

    extra = sorted(set(data) - {"priority", "sections"})
    if extra:
        raise fail(f"unknown top-level key(s) {', '.join(map(repr, extra))}")
    priority = data.get("priority")
    if not isinstance(priority, list) or sorted(priority) != sorted(SECTION_KEYS):
        raise fail(f"priority must list each of {', '.join(SECTION_KEYS)} exactly once")
    sections = data.get("sections")
    if not isinstance(sections, dict):
        raise fail("missing [sections.<key>] tables")

    categories: dict[tuple[str, ...], str] = {}
    paths: dict[str, str] = {}
    for section, table in sections.items():
        if section not in SECTION_KEYS:
            raise fail(f"unknown section {section!r}; known sections: {', '.join(SECTION_KEYS)}")
        if not isinstance(table, dict) or set(table) - {"categories", "paths"}:
            raise fail(f"[sections.{section}] may only hold 'categories' and 'paths' lists")
        for word in _strings(table, "categories", section, fail):
            key = section_key(word)
            _claim(categories, key, section, word, fail)
        for segment in _strings(table, "paths", section, fail):
            _claim(paths, " ".join(section_key(segment)), section, segment, fail)

    return SectionRules(
        priority=tuple(priority),
        categories=categories,
        paths=paths,
        longest=max((len(k) for k in categories), default=0),
        origin=str(file),
    )


def classify_section(
    *,
    url: str,
    categories: Sequence[str],
    rules: SectionRules,
    overrides: Mapping[str, Sequence[str]] = _EMPTY,
) -> str | None:
    """The section of an article, or None when no rule matches.

    Order: the source's path rules, its category rules, the default category keywords, the default
    path segments; the first step that matches decides, ties inside a step go to ``rules.priority``.
    """
    segments = _path_segments(url)
    folded_categories = [section_key(c) for c in categories]

    own_paths: set[str] = set()
    own_categories: set[str] = set()
    for section, section_rules in overrides.items():
        for rule in section_rules:
            kind, _, value = rule.partition(":")
            if kind == "path" and _contains(segments, _path_segments(value)):
                own_paths.add(section)
            elif kind == "category" and section_key(value) in folded_categories:
                # Source rules name the outlet's exact category: whole-category match only.
                own_categories.add(section)

    default_categories = {
        section for words in folded_categories for section in _keyword_sections(words, rules)
    }
    default_paths = {rules.paths[s] for s in segments if s in rules.paths}

    for found in (own_paths, own_categories, default_categories, default_paths):
        if found:
            return _first(found, rules.priority)
    return None


def _keyword_sections(words: tuple[str, ...], rules: SectionRules) -> set[str]:
    """Sections whose category keyword occurs as a run of whole words inside ``words``."""
    found: set[str] = set()
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + rules.longest) + 1):
            section = rules.categories.get(words[start:end])
            if section is not None:
                found.add(section)
    return found


def _path_segments(url: str) -> tuple[str, ...]:
    """The URL's path segments, percent-decoded and folded (hyphens become spaces)."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return ()
    return tuple(key for key in (" ".join(section_key(unquote(s))) for s in path.split("/")) if key)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    """True when ``needle`` occurs as a contiguous run in ``haystack``."""
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _first(found: set[str], priority: Sequence[str]) -> str:
    """The member of ``found`` that comes first in ``priority`` (unknown keys last, by name)."""
    rank = {key: index for index, key in enumerate(priority)}
    return min(found, key=lambda s: (rank.get(s, len(rank)), s))


def _strings(table: dict[str, Any], key: str, section: str, fail: _Fail) -> list[str]:
    """A list of non-empty strings from a section table."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"[sections.{section}] {key} must be a list of non-empty strings")
    return value


def _claim(index: dict[Any, str], key: object, section: str, word: str, fail: _Fail) -> None:
    """Record ``key`` for ``section``, refusing a keyword that folds to one of another section."""
    if not key:
        raise fail(f"[sections.{section}] keyword {word!r} folds to nothing")
    owner = index.get(key)
    if owner is not None and owner != section:
        raise fail(f"keyword {word!r} of {section!r} is already a keyword of {owner!r}")
    index[key] = section
