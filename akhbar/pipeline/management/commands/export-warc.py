"""``akhbar export-warc --source SLUG --since DATE OUT.warc.gz``: the pages akhbar fetched."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from akhbar.pipeline.warc import export_warc
from akhbar.sources.models import Source


class Command(BaseCommand):
    help = ("Write the article pages akhbar fetched for a source since a day (UTC) into one "
            "gzipped WARC file, to re-run extraction on exactly what was fetched.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, metavar="SLUG")
        parser.add_argument("--since", required=True, metavar="DATE", help="YYYY-MM-DD (UTC)")
        parser.add_argument("out", metavar="OUT.warc.gz")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not Source.objects.filter(slug=opts["source"]).exists():
            raise CommandError(f"unknown source: {opts['source']}")
        try:
            since = date.fromisoformat(opts["since"])
        except ValueError:
            raise CommandError(f"--since must be a date YYYY-MM-DD, not {opts['since']!r}") from None
        days = export_warc(opts["source"], since, Path(opts["out"]))
        self.stdout.write(f"wrote {opts['out']} ({days} day file(s) of kept pages)")
