"""``akhbar search "QUERY" [--lang fr|ar|en] [--source SLUG] [--limit N]`` and ``--reindex``."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from akhbar.search import queries, services
from akhbar.sources.models import Source


def _cell(text: str) -> str:
    # One result per line, tab-separated: a title's own tabs and newlines become spaces.
    return " ".join(text.split())


class Command(BaseCommand):
    help = ("Search the articles (one line per result: date, outlet, title, tab-separated, best "
            "first), or rebuild the search index with --reindex.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", nargs="?", help='words, "a phrase", -excluded, prefix*, OR')
        parser.add_argument("--lang", choices=["fr", "ar", "en"],
                            help="articles in this language only (default: every language)")
        parser.add_argument("--source", metavar="SLUG", help="one outlet only")
        parser.add_argument("--limit", type=int, default=20, metavar="N",
                            help="at most N results (default 20, at most 1000)")
        parser.add_argument("--reindex", action="store_true",
                            help="rebuild the whole index from the stored articles")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reindex"]:
            self._reindex()
            return
        raw = options["query"]
        if not raw or not raw.strip():
            raise CommandError("give a query, or --reindex", returncode=2)
        limit = options["limit"]
        if not 1 <= limit <= 1000:
            raise CommandError("--limit must be between 1 and 1000", returncode=2)
        source_id = None
        if options["source"]:
            source_id = Source.objects.filter(slug=options["source"]).values_list("pk", flat=True).first()
            if source_id is None:
                raise CommandError(f"unknown source {options['source']!r}", returncode=2)
        filters = queries.Filters(languages=(options["lang"],) if options["lang"] else (),
                                  source_id=source_id)
        try:
            results = queries.search(raw, filters, limit=limit)
        except queries.QueryError as exc:
            raise CommandError(f"unusable query: {exc}", returncode=2) from None
        for hit in results.hits:
            a = hit.article
            day = timezone.localtime(a.published).date().isoformat()
            self.stdout.write(f"{day}\t{_cell(a.source.name)}\t{_cell(a.title)}")

    def _reindex(self) -> None:
        from tqdm import tqdm

        with tqdm(total=services.article_count(), unit="article", desc="search index",
                  file=sys.stderr) as bar:
            written = services.reindex_all(progress=bar.update)
        self.stderr.write(f"indexed {written} articles")
