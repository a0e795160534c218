"""``akhbar scheduler [--once]``: enqueue due feeds and story work, every tick or once."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from akhbar.pipeline.maintenance import sweep
from akhbar.pipeline.scheduler import RoundLog, tick
from akhbar.web.services import SESSION_SWEEP_SECONDS

log = logging.getLogger("akhbar.scheduler")


class Command(BaseCommand):
    help = ("Enqueue the feeds that are due and the story work for the workers (one scheduler "
            "per deployment is enough; two are safe: feeds are claimed before enqueueing).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one tick, then exit 0")
        parser.add_argument("--tick", type=float, default=15.0, help="period in seconds")

    def handle(self, *args: Any, **opts: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if opts["once"]:
            done = tick(stories_inline=False, every_due_feed=True)
            self.stdout.write(" ".join(f"{k}={v}" for k, v in done.items()))
            return
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        last_sweep = 0.0
        rounds = RoundLog()
        while not stopping:
            started = time.monotonic()
            if started - last_sweep >= SESSION_SWEEP_SECONDS:
                last_sweep = started
                sweep()  # what akhbar run does hourly, for machines that run this instead
            try:
                rounds.log(tick(stories_inline=False))
            except Exception:  # the scheduler must outlive a database or Redis hiccup
                log.exception("scheduler tick failed")
            while not stopping and time.monotonic() - started < opts["tick"]:
                time.sleep(0.2)
