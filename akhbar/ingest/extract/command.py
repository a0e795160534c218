"""`akhbar extract FILE... [--url URL] --json`: extract saved pages offline, one JSON line each."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from akhbar.ingest.errors import ExtractError
from akhbar.ingest.extract.article import extract_article


def _line(path: str, url: str | None) -> dict[str, Any]:
    """The JSON object for one file: the extracted fields, or empty text and an error."""
    record: dict[str, Any] = {
        "file": path, "title": "", "text": "", "published": None, "authors": [], "image": None,
        "language": None, "sitename": None,
    }
    try:
        content = Path(path).read_bytes()
        # Without --url the file's own URI stands in: relative links still resolve somewhere sane.
        draft = extract_article(content, url=url or Path(path).resolve().as_uri())
    except ExtractError as error:
        record["error"] = {"kind": error.kind, "message": str(error)}
        return record
    except OSError as error:
        record["error"] = {"kind": "unreadable", "message": str(error)}
        return record
    except Exception as error:  # noqa: BLE001 — one bad page never stops the batch
        record["error"] = {"kind": "extract_failed", "message": f"{type(error).__name__}: {error}"}
        return record
    record.update(
        title=draft.title,
        text=draft.text,
        published=draft.published.isoformat() if draft.published else None,
        authors=list(draft.authors),
        image=draft.image_url,
        language=draft.language,
        sitename=draft.sitename,
    )
    return record


def run_extract(files: Sequence[str], *, url: str | None, out: TextIO) -> int:
    """Write one compact JSON line per file to ``out``; a failing file gets an ``error`` key. Returns 0."""
    for path in files:
        out.write(json.dumps(_line(path, url), ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
    return 0
