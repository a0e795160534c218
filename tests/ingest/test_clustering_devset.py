"""Validates the story-clustering development set and its README (schema, counts, distractors)."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from akhbar.ingest.extract.language import detect_language

ROOT = Path(__file__).resolve().parents[2]
DEVSET_DIR = ROOT / "tests" / "fixtures" / "clustering"
DEVSET = DEVSET_DIR / "dev.jsonl"
README = DEVSET_DIR / "README.md"
SOURCES_DIR = ROOT / "data" / "sources"

FIELDS = {"id", "title", "text", "language", "published", "source", "event"}
LANGUAGES = ("fr", "ar", "en")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A sentence ends with . ! ? or the Arabic question mark, followed by a space or the end:
# decimals such as 94.6 or 2.5 do not count.
SENTENCE_END = re.compile(r"[.!?\u061f](?=\s|$)")
TABLE_ROW = re.compile(
    r"^\| `(?P<event>[a-z0-9-]+)` \| [^|]+ \| (?P<fr>\d+) \| (?P<ar>\d+) \| (?P<en>\d+) \| (?P<total>\d+) \| (?P<outlets>\d+) \|$"
)
PAIR_LINE = re.compile(r"^- `(?P<a>[a-z0-9-]+)` ↔ `(?P<b>[a-z0-9-]+)`")
SUMMARY = re.compile(
    r"(?P<total>\d+) articles \((?P<fr>\d+) French, (?P<ar>\d+) Arabic, (?P<en>\d+) English\), (?P<events>\d+) events"
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    """Every line of dev.jsonl, parsed."""
    lines = DEVSET.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in dev.jsonl"
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def readme() -> str:
    """The README's text."""
    return README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def registry() -> dict[str, set[str]]:
    """Outlet slug → its declared languages, from data/sources/*.toml."""
    slugs: dict[str, set[str]] = {}
    for path in sorted(SOURCES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for value in data.values():
            if not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, dict) and "slug" in item:
                    slugs[item["slug"]] = set(item.get("languages", ()))
    assert slugs, "no sources found in data/sources"
    return slugs


def by_event(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by gold event."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["event"]].append(row)
    return groups


def test_schema(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert set(row) == FIELDS, row.get("id")
        assert all(isinstance(row[key], str) and row[key].strip() for key in FIELDS), row["id"]
        assert row["language"] in LANGUAGES, row["id"]
        assert SLUG.match(row["event"]), row["id"]
        assert SLUG.match(row["source"]), row["id"]
        # Ids are stable and readable: <event-short>-<lang>-<n>.
        assert re.fullmatch(rf"[a-z0-9-]+-{row['language']}-\d+", row["id"]), row["id"]


def test_ids_unique(rows: list[dict[str, Any]]) -> None:
    counts = Counter(row["id"] for row in rows)
    assert [i for i, n in counts.items() if n > 1] == []


def test_sizes(rows: list[dict[str, Any]]) -> None:
    per_language = Counter(row["language"] for row in rows)
    assert len(rows) >= 90
    assert per_language["ar"] >= 25
    assert per_language["fr"] >= 25
    assert per_language["en"] >= 20
    assert len(by_event(rows)) >= 14


def test_dates_are_aware_and_in_stream_order(rows: list[dict[str, Any]]) -> None:
    stamps = []
    for row in rows:
        stamp = datetime.fromisoformat(row["published"])
        assert stamp.tzinfo is not None and stamp.utcoffset() is not None, row["id"]
        assert (
            datetime(2018, 1, 1, tzinfo=stamp.tzinfo)
            <= stamp
            < datetime(2026, 1, 1, tzinfo=stamp.tzinfo)
        )
        stamps.append(stamp)
    assert stamps == sorted(stamps), "dev.jsonl must be in stream order (by published time)"


def test_each_event_is_a_real_story(rows: list[dict[str, Any]]) -> None:
    for event, items in by_event(rows).items():
        stamps = [datetime.fromisoformat(row["published"]) for row in items]
        assert len(items) >= 3, event
        assert len({row["source"] for row in items}) >= 3, f"{event}: fewer than 3 outlets"
        assert len({row["language"] for row in items}) >= 2, f"{event}: one language only"
        # Coverage of one event spreads over 1-3 days, not weeks.
        assert max(stamps) - min(stamps) <= timedelta(days=4), event
        titles = [row["title"] for row in items]
        assert len(set(titles)) == len(titles), f"{event}: repeated headline"


def test_texts_are_short_articles(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sentences = len(SENTENCE_END.findall(row["text"]))
        assert 2 <= sentences <= 5, f"{row['id']}: {sentences} sentences"
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts), "two articles share a body"


def test_declared_language_matches_text(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        found = detect_language(f"{row['title']}\n{row['text']}", LANGUAGES)
        assert found == row["language"], f"{row['id']}: declared {row['language']}, looks {found}"


def test_sources_exist_and_publish_in_that_language(
    rows: list[dict[str, Any]], registry: dict[str, set[str]]
) -> None:
    for row in rows:
        assert row["source"] in registry, f"{row['id']}: unknown outlet {row['source']}"
        assert row["language"] in registry[row["source"]], (
            f"{row['id']}: {row['source']} has no {row['language']}"
        )


def test_readme_table_matches_file(rows: list[dict[str, Any]], readme: str) -> None:
    table = {}
    for line in readme.splitlines():
        match = TABLE_ROW.match(line)
        if match:
            table[match["event"]] = match
    groups = by_event(rows)
    assert set(table) == set(groups), "README event table and dev.jsonl disagree on the events"
    for event, items in groups.items():
        counts = Counter(row["language"] for row in items)
        row = table[event]
        assert [int(row[lang]) for lang in LANGUAGES] == [counts[lang] for lang in LANGUAGES], event
        assert int(row["total"]) == len(items), event
        assert int(row["outlets"]) == len({item["source"] for item in items}), event
    summary = SUMMARY.search(readme)
    assert summary is not None, "README summary line missing"
    per_language = Counter(row["language"] for row in rows)
    assert int(summary["total"]) == len(rows)
    assert [int(summary[lang]) for lang in LANGUAGES] == [per_language[lang] for lang in LANGUAGES]
    assert int(summary["events"]) == len(groups)


def test_documented_distractor_pairs_are_separate_events(
    rows: list[dict[str, Any]], readme: str
) -> None:
    events = set(by_event(rows))
    pairs = [(m["a"], m["b"]) for m in map(PAIR_LINE.match, readme.splitlines()) if m]
    assert len(pairs) >= 5
    assert len(set(pairs)) == len(pairs), "a distractor pair is listed twice"
    for first, second in pairs:
        assert first != second
        assert first in events, first
        assert second in events, second
