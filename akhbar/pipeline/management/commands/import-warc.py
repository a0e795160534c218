"""``akhbar import-warc PATH_OR_GLOB... [--enqueue]``: archived pages through the ingestion path."""

from __future__ import annotations

import glob
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from akhbar.pipeline.warc import ImportCounts, SourceIndex, import_warc_file


def _expand(patterns: list[str]) -> list[str]:
    paths: list[str] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        paths += matches or [pattern]  # a glob matching nothing is reported as unreadable
    return paths


class Command(BaseCommand):
    help = ("Import the HTML pages of WARC files (gzipped, as CC-NEWS) as articles of the "
            "registered sources their hosts belong to; a re-run skips what is stored.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH_OR_GLOB")
        parser.add_argument("--enqueue", action="store_true",
                            help="hand the files to the workers (one task per file) instead")
        parser.add_argument("--no-stories", action="store_true",
                            help="leave story assignment to the scheduler (bulk imports)")

    def handle(self, *args: Any, **opts: Any) -> None:
        paths = _expand(opts["paths"])
        if opts["enqueue"]:
            from akhbar.pipeline.tasks import import_warc_task

            missing = [p for p in paths if not os.path.isfile(p)]
            for path in paths:
                if path not in missing:
                    import_warc_task.enqueue(os.path.abspath(path))
            for path in missing:
                self.stderr.write(f"cannot read {path}")
            self.stdout.write(f"enqueued {len(paths) - len(missing)} file(s)")
            if missing:
                sys.exit(1)
            return
        index = SourceIndex.load()
        total = ImportCounts()
        sizes = sum(os.path.getsize(p) for p in paths if os.path.isfile(p))
        # On stderr, and only on a terminal: the summary line on stdout stays the last line.
        with tqdm(total=sizes, unit="B", unit_scale=True, file=sys.stderr, disable=None,
                  desc="import-warc") as bar:
            for path in paths:
                total.add(import_warc_file(path, index=index, progress=bar.update))
        if not opts["no_stories"]:
            from akhbar.pipeline.stories import assign_stories

            while assign_stories(limit=200):
                pass
        sys.stderr.flush()
        self.stdout.write(total.summary())
        self.stdout.flush()
        if total.unreadable:
            sys.exit(1)
