"""``akhbar worker [--queues ...] [--burst]``: one worker of the configured task backend."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from akhbar.pipeline.worker import run_worker


class Command(BaseCommand):
    help = ("Run one background worker of the configured backend (AKHBAR_TASK_BACKEND): every "
            "queue akhbar uses, or those named.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queues", nargs="+", metavar="QUEUE",
                            help="serve only these queues (default: all: ingest, default)")
        parser.add_argument("--burst", action="store_true",
                            help="exit 0 once no job is left, deferred jobs included")

    def handle(self, *args: Any, **opts: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        run_worker(opts["queues"], burst=opts["burst"])
