"""``akhbar crawl --once [--source SLUG]``: fetch → extract → store now, inline, without a worker."""

from __future__ import annotations

import shutil
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connections

from akhbar.ingest.fetch.client import Fetcher
from akhbar.pipeline.fetching import make_fetcher
from akhbar.pipeline.refresh import RefreshOutcome, discover_source_feeds, refresh_feed
from akhbar.sources.models import Source


def _crawl_source(source_id: int, fetcher: Fetcher) -> tuple[Source, list[RefreshOutcome]]:
    try:
        source = Source.objects.get(pk=source_id)
        if not source.feeds.filter(active=True).exists():
            discover_source_feeds(source, fetcher=fetcher)
        outcomes = [
            refresh_feed(feed_id, fetcher=fetcher)
            for feed_id in source.feeds.filter(active=True).values_list("pk", flat=True)
        ]
        return source, outcomes
    finally:
        # Each thread has its own connection: close it so SQLite and PostgreSQL see no leak.
        connections.close_all()


def summary_line(source: Source, outcomes: list[RefreshOutcome]) -> str:
    """One line per source: counts, and the error kinds of the feeds that failed."""
    new = sum(o.new for o in outcomes)
    revised = sum(o.revised for o in outcomes)
    entries = sum(o.entries for o in outcomes)
    errors = [f"{o.error_kind}" for o in outcomes if o.status == "error"]
    state = "ok" if not errors else ("failed" if len(errors) == len(outcomes) else "partial")
    if not outcomes:
        state = "no-feed"
    ms = sum(o.duration_ms for o in outcomes)
    line = (
        f"{source.slug}: {state} feeds={len(outcomes)} entries={entries} new={new} "
        f"revised={revised} time={ms / 1000:.1f}s"
    )
    if errors:
        line += " errors=" + ",".join(errors)
    return line


class Command(BaseCommand):
    help = "Fetch every (or one) source's feeds now, whatever their schedule, and store new articles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", required=True,
                            help="one pass over the sources, then exit")
        parser.add_argument("--source", action="append", metavar="SLUG",
                            help="only this source (repeatable)")
        parser.add_argument("--threads", type=int, default=None,
                            help="sources crawled in parallel (default AKHBAR_CRAWL_THREADS)")

    def handle(self, *args: Any, **opts: Any) -> None:
        qs = Source.objects.all().order_by("slug")
        if opts["source"]:
            qs = qs.filter(slug__in=opts["source"])
            missing = set(opts["source"]) - set(qs.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"unknown source(s): {', '.join(sorted(missing))}")
        else:
            qs = qs.filter(paused=False)
        ids = list(qs.values_list("pk", flat=True))
        if not ids:
            self.stderr.write("no sources to crawl (run: akhbar sources import data/sources)")
            return
        threads = opts["threads"] or settings.CONFIG.crawl_threads
        # On SQLite writers queue up anyway; a couple of threads still overlap the network waits.
        threads = max(1, min(threads, len(ids)))
        tty = sys.stdout.isatty() and opts.get("verbosity", 1) >= 1
        bar = None
        if tty:
            from tqdm import tqdm

            # A terminal that reports no size (some ptys) would hide the bar: assume 80x24.
            size = shutil.get_terminal_size((80, 24))
            bar = tqdm(total=len(ids), unit="source", desc="crawl", file=sys.stdout,
                       ncols=size.columns if size.columns > 0 else 80,
                       nrows=size.lines if size.lines > 0 else 24)
        totals = {"new": 0, "revised": 0, "failed_feeds": 0}
        close_old_connections()
        from akhbar.sources.queries import crawl_summary, latest_fetch_log_id

        first_log = latest_fetch_log_id()
        with make_fetcher() as fetcher, ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [pool.submit(_crawl_source, pk, fetcher) for pk in ids]
            for fut in as_completed(futures):
                source, outcomes = fut.result()
                totals["new"] += sum(o.new for o in outcomes)
                totals["revised"] += sum(o.revised for o in outcomes)
                totals["failed_feeds"] += sum(1 for o in outcomes if o.status == "error")
                line = summary_line(source, outcomes)
                if bar is not None:
                    bar.set_postfix_str(f"new={totals['new']}")
                    bar.update(1)
                    if any(o.status == "error" for o in outcomes):
                        bar.write(line)
                else:
                    self.stdout.write(line)
        # Stories are assigned once every source is in: one serialised pass (see news.stories).
        from akhbar.pipeline.stories import assign_stories

        placed = assign_stories(limit=100_000)
        # Pictures that an earlier, interrupted run left half-fetched.
        from akhbar.pipeline.images import retry_images

        with make_fetcher() as fetcher:
            retry_images(fetcher=fetcher, limit=500)
        # What the scheduler's round line says, for this crawl (stderr: stdout keeps one line
        # per source), e.g. "crawl: 8 feeds refreshed, 6 articles stored, 1 feed failing: http_500 (of 8)".
        self.stderr.write(f"crawl: {crawl_summary(after_log_id=first_log).line()}")
        if bar is not None:
            bar.close()
            self.stdout.write(
                f"{len(ids)} sources: {totals['new']} new, {totals['revised']} revised, "
                f"{totals['failed_feeds']} failing feeds, {placed} placed in stories"
            )
