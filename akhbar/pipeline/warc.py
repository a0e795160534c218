"""Web archives in and out: ``akhbar import-warc`` runs each archived HTML response through the
ingestion path's own extract → dedup → store steps; ``akhbar export-warc`` writes back the pages
akhbar fetched (kept by ``akhbar.pipeline.pages``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from django.utils import timezone

from akhbar.ingest.errors import ExtractError
from akhbar.ingest.extract.article import extract_article
from akhbar.ingest.normalize import canonical_url
from akhbar.ingest.registry import extract_rules
from akhbar.ingest.types import FeedEntry
from akhbar.ingest.warc import WarcPage, read_responses, warcinfo_record
from akhbar.metrics import ARTICLES_INGESTED, count_fetch
from akhbar.news.services import StoreResult, article_known, store_article
from akhbar.pipeline.pages import kept_files
from akhbar.sources.models import Source

log = logging.getLogger(__name__)


@dataclass
class ImportCounts:
    """What an import did. ``imported`` counts new rows only."""

    imported: int = 0
    already: int = 0  # stored before, under its URL or its canonical URL
    unknown: int = 0  # no registered source for its host
    failed: int = 0
    unreadable: int = 0  # files that could not be read

    def add(self, other: ImportCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def summary(self) -> str:
        return (f"imported {self.imported}, already stored {self.already}, "
                f"unknown host {self.unknown}, failed {self.failed}")


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


class SourceIndex:
    """Registered sources by host, and by homepage path where several share a host."""

    def __init__(self, sources: list[Source]) -> None:
        self._by_host: dict[str, list[tuple[str, Source]]] = {}
        for source in sources:
            for url in (source.homepage, *(f.url for f in source.feeds.all())):
                if not url:
                    continue
                host = _host(url)
                if host:
                    path = urlsplit(source.homepage).path if _host(source.homepage) == host else ""
                    self._by_host.setdefault(host, []).append((path.rstrip("/"), source))
        for entries in self._by_host.values():
            entries.sort(key=lambda item: -len(item[0]))  # the longest homepage path first

    @classmethod
    def load(cls) -> SourceIndex:
        return cls(list(Source.objects.prefetch_related("feeds")))

    def lookup(self, url: str) -> Source | None:
        """The source a page belongs to, or None: an unknown host is never guessed."""
        entries = self._by_host.get(_host(url))
        if not entries:
            return None
        sources = {s.pk for _, s in entries}
        if len(sources) == 1:
            return entries[0][1]
        path = urlsplit(url).path
        for prefix, source in entries:
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                return source
        # Several outlets on this host and none whose homepage path holds the page.
        return None


def _entry_for(url: str) -> FeedEntry:
    return FeedEntry(identity=url, url=url, title="")


def import_page(page: WarcPage, index: SourceIndex) -> str:
    """Store one archived page: "imported", "already", "unknown", "failed" or "skipped" (not an
    HTML page answered 200)."""
    if page.status != 200 or not page.is_html or not page.url.startswith(("http://", "https://")):
        return "skipped"
    count_fetch("warc", page.status)
    source = index.lookup(page.url)
    if source is None:
        return "unknown"
    url = canonical_url(page.url)
    if article_known(source, _entry_for(url)):
        return "already"  # resumable: a stored page costs one query, no extraction
    now = timezone.now()
    try:
        draft = extract_article(page.content, url=page.url, encoding=page.charset,
                                source_timezone=source.timezone,
                                languages=tuple(source.languages), now=now,
                                final_url=page.url, fetched_at=page.fetched_at,
                                rules=extract_rules(source.slug))
    except ExtractError as exc:
        log.info("warc page not extracted source_id=%d url=%s kind=%s", source.pk, page.url, exc.kind)
        return "failed"
    if draft.url and draft.url != url:
        url = canonical_url(draft.url)
        if article_known(source, _entry_for(url)):
            return "already"
    entry = FeedEntry(identity=url, url=url, title=draft.title, published=draft.published,
                      authors=draft.authors, image_url=draft.image_url, language=draft.language,
                      summary=draft.description)
    result, _ = store_article(source=source, feed=None, entry=entry, draft=draft, now=now)
    if result is StoreResult.NEW:
        ARTICLES_INGESTED.inc()
        return "imported"
    return "already"


def import_warc_stream(stream: BinaryIO, index: SourceIndex, *,
                       progress: Callable[[int], None] | None = None) -> ImportCounts:
    """Import every HTML response of one WARC stream; one bad page never stops the file."""
    counts = ImportCounts()
    position = 0
    for page in read_responses(stream):
        try:
            outcome = import_page(page, index)
        except Exception:
            log.exception("warc page %s failed", page.url)
            outcome = "failed"
        if outcome in ("imported", "already", "unknown", "failed"):
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        if progress is not None:
            now_at = stream.tell() if hasattr(stream, "tell") else position
            progress(now_at - position)
            position = now_at
    return counts


def import_warc_file(path: str | Path, *, index: SourceIndex | None = None,
                     progress: Callable[[int], None] | None = None) -> ImportCounts:
    """Import one WARC file (gzipped or not); a file that cannot be read counts in ``unreadable``."""
    index = index or SourceIndex.load()
    try:
        with open(path, "rb") as stream:
            return import_warc_stream(stream, index, progress=progress)
    except Exception as exc:  # missing, unreadable, or not a WARC at all
        log.error("WARC file %s cannot be read: %s", path, exc)
        return ImportCounts(unreadable=1)


def export_warc(slug: str, since: date, out: Path) -> int:
    """Write the pages kept for ``slug`` since ``since`` into one gzipped WARC; returns how many
    files were joined (gzip members concatenate into one valid file)."""
    files = list(kept_files(slug, since))
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(warcinfo_record(out.name, {"software": "akhbar", "source": slug,
                                            "since": since.isoformat()}))
        for path in files:
            with open(path, "rb") as part:
                while chunk := part.read(1 << 20):
                    fh.write(chunk)
    tmp.replace(out)
    return len(files)
