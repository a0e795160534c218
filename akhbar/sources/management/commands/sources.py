"""``akhbar sources import PATH`` and ``akhbar sources list``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from akhbar.ingest.registry import RegistryError, load_registry
from akhbar.sources import queries
from akhbar.sources.services import import_sources


class Command(BaseCommand):
    help = "Manage the sources akhbar follows."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="create or update the sources in a registry file or folder")
        imp.add_argument("path")
        sub.add_parser("list", help="one line per source with its health")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "import":
            path = Path(opts["path"])
            if not path.exists():
                raise CommandError(f"{path}: no such file or folder")
            try:
                specs = load_registry(path)
            except RegistryError as exc:
                raise CommandError(str(exc)) from exc
            result = import_sources(specs)
            self.stdout.write(
                f"{len(specs)} sources in {path}: {len(result.created)} created, "
                f"{len(result.updated)} updated, {len(result.unchanged)} unchanged"
            )
            return
        now = timezone.now()
        for line in queries.health_legend(now):
            self.stdout.write(line)
        for row in queries.source_health(now):
            self.stdout.write(row.line())
