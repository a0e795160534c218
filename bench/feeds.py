"""Feed parsers compared: feedparser vs fastfeedparser vs akhbar's parse_feed.

Run: ``.venv/bin/python bench/feeds.py``. For every fixture in tests/fixtures/feeds and a
generated 100-item RSS it prints ms per feed (median of repeated runs) for the three, and a
field-agreement check: each library's raw output, put through akhbar's own adapter (so only
what the library extracted differs), compared with parse_feed's entries field by field.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import fastfeedparser  # noqa: E402
import feedparser  # noqa: E402

from akhbar.ingest.errors import ParseError  # noqa: E402
from akhbar.ingest.feeds.common import EntryContext, dedupe  # noqa: E402
from akhbar.ingest.feeds.parse import _entry_from_mapping, parse_feed  # noqa: E402
from akhbar.ingest.types import FeedEntry  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "feeds"
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
FEED_URL = "https://www.matin-atlas.ma/feed/"
FIELDS = ("title", "url", "published", "authors", "categories", "image_url", "summary")
# Per-fixture options a caller would pass (the source's time zone for the naive-dates feed).
OPTIONS: dict[str, dict[str, Any]] = {"naive_dates.xml": {"default_tz": "Africa/Algiers"}}


def generated_rss(n: int = 100) -> bytes:
    """A realistic WordPress-style French RSS with ``n`` items (media, dc:creator, CDATA HTML)."""
    items = []
    for i in range(n):
        items.append(
            f"""<item><title>Article {i} : le conseil municipal de Rabat vote le budget</title>
<link>https://www.matin-atlas.ma/politique/article-{i}?utm_source=rss&amp;utm_medium=feed</link>
<guid isPermaLink="false">https://www.matin-atlas.ma/?p={10000 + i}</guid>
<pubDate>Mon, {1 + i % 28:02d} Feb 2025 {i % 24:02d}:15:00 +0100</pubDate>
<dc:creator><![CDATA[Rédaction {i % 7}]]></dc:creator>
<category><![CDATA[Politique]]></category><category><![CDATA[Rabat]]></category>
<description><![CDATA[<p>Le conseil a adopté le budget {i} après <b>trois heures</b> de débat.</p>]]></description>
<content:encoded><![CDATA[<p>Le conseil a adopté le budget {i}.</p><p>Les élus de l'opposition ont voté contre, dénonçant un manque de transparence.</p><img src="https://cdn.matin-atlas.ma/{i}.jpg"/>]]></content:encoded>
<media:content url="https://cdn.matin-atlas.ma/uploads/{i}.jpg" medium="image" type="image/jpeg"/>
</item>"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Le Matin de l\'Atlas</title>'
        "<link>https://www.matin-atlas.ma/</link><language>fr</language>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")


def time_ms(fn: Callable[[], object], budget_s: float = 0.4, min_runs: int = 5) -> float | None:
    """Median wall time of ``fn`` in ms over repeated runs; None if it raises."""
    try:
        fn()  # warm-up (imports, caches)
    except Exception:  # noqa: BLE001 - a library that cannot read the input gets no figure
        return None
    runs: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(runs) < min_runs or time.perf_counter() < deadline:
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
        if len(runs) >= 500:
            break
    return statistics.median(runs)


def run_feedparser(content: bytes, content_type: str) -> Any:
    return feedparser.parse(
        io.BytesIO(content),
        response_headers={"content-location": FEED_URL, "content-type": content_type},
    )


def adapted(result: Any, parser: str, options: dict[str, Any]) -> list[FeedEntry]:
    """A library's raw result through akhbar's adapter (language and junk-guid logic aside)."""
    ctx = EntryContext(base_url=FEED_URL, now=NOW, default_tz=options.get("default_tz"))
    entries = [_entry_from_mapping(raw, ctx, parser, frozenset()) for raw in result.get("entries", [])]
    return list(dedupe([e for e in entries if e is not None]))


def agreement(ours: list[FeedEntry], theirs: list[FeedEntry]) -> tuple[int, int, set[str]]:
    """(fields equal, fields compared, names of differing fields) against parse_feed's output."""
    total = len(ours) * len(FIELDS)
    if len(theirs) != len(ours):
        return 0, total, {f"entries {len(theirs)}≠{len(ours)}"}
    same = 0
    differing: set[str] = set()
    for a, b in zip(ours, theirs, strict=True):
        for name in FIELDS:
            if getattr(a, name) == getattr(b, name):
                same += 1
            else:
                differing.add(name)
    return same, total, differing


def fmt_ms(value: float | None) -> str:
    return "error" if value is None else f"{value:.2f}"


def main() -> None:
    cases: list[tuple[str, bytes]] = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.iterdir())]
    cases.append(("generated 100-item RSS", generated_rss(100)))
    print("| feed | feedparser ms | fastfeedparser ms | parse_feed ms (via) | fastfeedparser fields | feedparser fields |")
    print("|---|---:|---:|---:|---|---|")
    for name, content in cases:
        options = OPTIONS.get(name, {})
        content_type = "application/json" if name.endswith(".json") else "application/xml"
        fp_ms = time_ms(lambda c=content, t=content_type: run_feedparser(c, t))
        ffp_ms = time_ms(lambda c=content: fastfeedparser.parse(c))
        try:
            ours = parse_feed(content, url=FEED_URL, now=NOW, **options)
        except ParseError as exc:
            print(f"| {name} | {fmt_ms(fp_ms)} | {fmt_ms(ffp_ms)} | ParseError `{exc.kind}` | – | – |")
            continue
        our_ms = time_ms(lambda c=content, o=options: parse_feed(c, url=FEED_URL, now=NOW, **o))
        if ours.parser == "sitemap":
            cols = ["n/a (sitemap)", "n/a (sitemap)"]
        else:
            cols = []
            for parser, run in (
                ("fastfeedparser", lambda c=content: fastfeedparser.parse(c)),
                ("feedparser", lambda c=content, t=content_type: run_feedparser(c, t)),
            ):
                try:
                    theirs = adapted(run(), parser, options)
                except Exception as exc:  # noqa: BLE001 - reported in the table
                    cols.append(f"raises {type(exc).__name__}")
                    continue
                same, total, diff = agreement(list(ours.entries), theirs)
                cols.append(f"{same}/{total}" + (f" ({', '.join(sorted(diff))})" if diff else ""))
        print(
            f"| {name} | {fmt_ms(fp_ms)} | {fmt_ms(ffp_ms)} | {fmt_ms(our_ms)} ({ours.parser}) "
            f"| {cols[0]} | {cols[1]} |"
        )


if __name__ == "__main__":
    main()
