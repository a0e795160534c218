"""Read and write WARC files (ISO 28500; gzip per record, as Common Crawl's CC-NEWS) with warcio.

Plain Python: the Django side attributes pages to sources and stores them
(``akhbar.pipeline.warc``).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HTML_TYPES = ("text/html", "application/xhtml+xml")
# zlib level of each record's gzip member. warcio's own gzip writer uses 9: on real news pages
# (375 KB on average) that cost 10 CPU ms a kept page, against 5.4 at level 5 for files 2 %
# larger (19.1 % of the HTML against 18.7 %) — every stored article keeps its page
# (docs/BENCHMARKS.md, "ingestion CPU per article, third cut").
GZIP_LEVEL = 5


@dataclass(frozen=True)
class WarcPage:
    """One HTTP response of a WARC file, its body decoded of transfer and content encodings."""

    url: str
    status: int
    content: bytes
    content_type: str  # media type, lower-cased, without parameters
    charset: str | None = None  # the Content-Type header's charset, when it names one
    fetched_at: datetime | None = None  # WARC-Date, aware UTC
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES or (not self.content_type
                                                   and self.content.lstrip()[:1] == b"<")


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def read_responses(stream: BinaryIO) -> Iterator[WarcPage]:
    """Every ``response`` record with an HTTP answer, in file order (gzipped or not)."""
    for record in ArchiveIterator(stream):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        try:
            status = int(record.http_headers.get_statuscode() or 0)
        except ValueError:
            status = 0
        raw_type = record.http_headers.get_header("Content-Type") or ""
        media, _, params = raw_type.partition(";")
        charset = None
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip("\"' ").lower()
        yield WarcPage(
            url=url,
            status=status,
            content=record.content_stream().read(),
            content_type=media.strip().lower(),
            charset=charset,
            fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
            headers={k.lower(): v for k, v in record.http_headers.headers},
        )


def response_record(url: str, content: bytes, *, status: int = 200,
                    headers: dict[str, str] | None = None,
                    fetched_at: datetime | None = None) -> bytes:
    """One gzipped WARC ``response`` record (a whole gzip member: files of them concatenate)."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    # The body is stored decoded: encodings the server used are not replayed.
    kept = [(k, v) for k, v in (headers or {}).items()
            if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
    if not any(k.lower() == "content-type" for k, _ in kept):
        kept.append(("Content-Type", "text/html"))
    http = StatusAndHeaders(f"{status} OK" if status == 200 else str(status), kept,
                            protocol="HTTP/1.1")
    when = (fetched_at or datetime.now(UTC)).astimezone(UTC)
    # With its length given, warcio digests the body where it is instead of copying it to a
    # temporary file first (a 375 KB page: 0.5 CPU ms less; the same record).
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(content), length=len(content), http_headers=http,
        warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    writer.write_record(record)
    return _gzip_member(buffer.getvalue())


def _gzip_member(record: bytes) -> bytes:
    """A record as one gzip member (what warcio's ``gzip=True`` writes, at ``GZIP_LEVEL``)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(record) + compressor.flush()


def warcinfo_record(filename: str, info: dict[str, str]) -> bytes:
    """A gzipped ``warcinfo`` record, the customary first record of a WARC file."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    writer.write_record(writer.create_warcinfo_record(filename, info))
    return _gzip_member(buffer.getvalue())
