"""``akhbar run``: the web server, the scheduler loop and database-backed workers, supervised."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from akhbar.news.stories import assign_stories
from akhbar.sources.scheduler import enqueue_discovery, enqueue_due_feeds
from akhbar.web.services import SESSION_SWEEP_SECONDS, clear_expired_sessions

log = logging.getLogger("akhbar.run")


class Child:
    """A supervised subprocess, restarted with a growing delay when it dies."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name, self.argv = name, argv
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.next_start = 0.0

    def ensure(self, now: float) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.proc is not None:
            log.warning("%s exited with %s; restarting", self.name, self.proc.returncode)
            self.restarts += 1
            self.next_start = now + min(60.0, 2.0**self.restarts)
            self.proc = None
        if now >= self.next_start:
            self.proc = subprocess.Popen(self.argv)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Command(BaseCommand):
    help = "Run the portal: web server, feed scheduler and background workers (one process tree)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port of the web server")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--workers", type=int, default=2, help="background task workers")
        parser.add_argument("--tick", type=float, default=15.0, help="scheduler period in seconds")
        parser.add_argument("--no-crawl", action="store_true", help="serve only; no scheduler, no workers")
        parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations")

    def handle(self, *args: Any, **opts: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        py = sys.executable
        children = [
            Child("web", [py, "-m", "gunicorn", "akhbar.wsgi:application", "--bind", opts["bind"],
                          "--workers", str(opts["web_workers"]), "--threads", "4",
                          "--access-logfile", "-", "--graceful-timeout", "5",
                          # Spreads keep-alive connections evenly over the workers (bench/web.py).
                          "--reuse-port"]),
        ]
        if not opts["no_crawl"]:
            for i in range(opts["workers"]):
                children.append(Child(f"worker-{i}", [py, "-m", "akhbar", "db_worker",
                                                      "--queue-name", "*", "--interval", "1",
                                                      "--no-reload", "--worker-id", f"akhbar-{i}"]))
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            f"akhbar on http://{opts['bind']}/ — data in {settings.CONFIG.data_dir} "
            f"({'serving only' if opts['no_crawl'] else str(opts['workers']) + ' workers'}); Ctrl-C stops"
        )
        last_tick = last_sweep = 0.0
        try:
            while not stopping:
                now = time.monotonic()
                for child in children:
                    child.ensure(now)
                if now - last_sweep >= SESSION_SWEEP_SECONDS:  # sessions never expire by themselves
                    last_sweep = now
                    try:
                        clear_expired_sessions()
                    except Exception:
                        log.exception("clearing expired sessions failed")
                if not opts["no_crawl"] and now - last_tick >= opts["tick"]:
                    last_tick = now
                    try:
                        close_old_connections()
                        enqueue_discovery()
                        enqueue_due_feeds()
                        # One assigner per machine: this loop (see akhbar.news.stories).
                        assign_stories(limit=100)
                    except Exception:  # the scheduler must outlive a database hiccup
                        log.exception("scheduler tick failed")
                time.sleep(0.5)
        finally:
            for child in children:
                child.stop()
