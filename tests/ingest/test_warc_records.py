"""WARC records as akhbar keeps fetched pages: one gzip member each, concatenated in a file."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime

from akhbar.ingest.warc import read_responses, response_record, warcinfo_record


def test_records_appended_to_one_file_read_back_as_the_pages_fetched():
    pages = [("https://a.example/1", "<html><p>Première dépêche.</p></html>".encode()),
             ("https://b.example/2", "<html><p>خبر عاجل</p></html>".encode() * 500)]
    when = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    data = warcinfo_record("x.warc.gz", {"software": "akhbar"}) + b"".join(
        response_record(url, body, headers={"Content-Type": "text/html; charset=utf-8",
                                            "Content-Encoding": "gzip"}, fetched_at=when)
        for url, body in pages)
    got = list(read_responses(io.BytesIO(data)))
    assert [(p.url, p.content, p.charset, p.fetched_at) for p in got] == [
        (url, body, "utf-8", when) for url, body in pages]
    # The body is stored decoded: no Content-Encoding is replayed.
    assert all("content-encoding" not in p.headers for p in got)


def test_a_record_is_one_compressed_gzip_member():
    body = b"<html>" + b"<p>Le port de Tanger Med.</p>" * 2000 + b"</html>"
    record = response_record("https://a.example/1", body)
    # A whole member: decompressing it alone gives the record, with the page in it.
    raw = gzip.decompress(record)
    assert raw.startswith(b"WARC/1") and body in raw
    assert len(record) < len(body) / 20
