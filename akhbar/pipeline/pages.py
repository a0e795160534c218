"""The fetched article pages akhbar keeps, as gzipped WARC records in the data dir, for
``akhbar export-warc`` (extraction re-run on exactly what was fetched).

Layout: ``$AKHBAR_DATA_DIR/pages/<source slug>/<YYYY-MM-DD>.warc.gz`` (UTC day of the fetch).
Each record is its own gzip member appended with one ``write`` on an ``O_APPEND`` descriptor,
so worker processes of one machine append to one file without interleaving, and a file is a
valid WARC whatever was appended by whom. A worker on another machine keeps its pages in its
own data dir (export there, or share the directory).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path

from django.conf import settings

from akhbar.ingest.types import FetchResult
from akhbar.ingest.warc import response_record
from akhbar.sources.models import Source

log = logging.getLogger(__name__)


def pages_dir(slug: str) -> Path:
    return settings.CONFIG.data_dir / "pages" / slug


def keep_page(source: Source, page: FetchResult) -> None:
    """Append a fetched page to its source's file of the day; a failure (full disk) is logged."""
    if not settings.CONFIG.keep_pages or not page.content:
        return
    when = page.fetched_at.astimezone(UTC)
    path = pages_dir(source.slug) / f"{when.date().isoformat()}.warc.gz"
    try:
        record = response_record(page.final_url, page.content, status=page.status,
                                 headers=page.headers, fetched_at=when)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, record)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("page of source_id=%d not kept: %s", source.pk, exc)


def kept_files(slug: str, since: date) -> Iterator[Path]:
    """The source's kept-page files of ``since`` and later, oldest first."""
    folder = pages_dir(slug)
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.warc.gz")):
        try:
            day = date.fromisoformat(path.name.removesuffix(".warc.gz"))
        except ValueError:
            continue
        if day >= since:
            yield path
