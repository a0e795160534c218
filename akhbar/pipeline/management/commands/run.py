"""``akhbar run``: the web server, the scheduler loop and database-backed workers, supervised."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from akhbar.pipeline.leases import new_owner
from akhbar.pipeline.maintenance import sweep
from akhbar.pipeline.scheduler import tick
from akhbar.web.services import SESSION_SWEEP_SECONDS

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

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signum)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def stop_all(children: list[Child], grace: float = 0.8) -> None:
    """Stop every child within about 2.5 s: SIGTERM (a worker finishes its task), SIGTERM again
    (a worker abandons it and records it as failed), then SIGKILL."""
    for signum in (signal.SIGTERM, signal.SIGTERM):
        for child in children:
            child.signal(signum)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(c.alive() for c in children):
            time.sleep(0.05)
    for child in children:
        if child.alive():
            assert child.proc is not None
            child.proc.kill()
            child.proc.wait()


def reap_task_rows(worker_ids: set[str] | None = None) -> int:
    """Mark as failed the task rows left RUNNING by workers that are gone: the given ids, and any
    worker of a previous ``akhbar run`` on this machine whose process is gone."""
    from django_tasks_db.models import DBTaskResult

    from akhbar.pipeline.leases import holder_is_gone

    dead = []
    for pk, ids in DBTaskResult.objects.filter(status="RUNNING").values_list("pk", "worker_ids"):
        last = ids[-1] if ids else ""
        if (worker_ids and last in worker_ids) or (last and holder_is_gone(last)):
            dead.append(pk)
    if dead:
        DBTaskResult.objects.filter(pk__in=dead, status="RUNNING").update(
            status="FAILED", finished_at=timezone.now(),
            exception_class_path="akhbar.WorkerStopped",
            traceback="the worker running this task stopped before it finished")
        log.warning("%d task(s) left running by stopped workers marked failed", len(dead))
    return len(dead)


def forget_process_metrics(pid: int) -> None:
    """Drop a dead child's live gauges from the multiprocess metrics (its counters stay)."""
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


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
        rq = settings.CONFIG.task_backend == "rq"
        if not opts["no_crawl"] and rq:
            # RQ keeps its own records of jobs a dead worker held (moved to its failed registry).
            children += [Child(f"worker-{i}", [py, "-m", "akhbar", "worker"])
                         for i in range(opts["workers"])]
        elif not opts["no_crawl"]:
            reap_task_rows()
            for i in range(opts["workers"]):
                # "host:pid:…" like a lease owner, so a later run can tell these workers are gone.
                worker_id = f"{new_owner().rsplit(':', 1)[0]}:worker-{i}"
                children.append(Child(f"worker-{i}", [py, "-m", "akhbar", "db_worker",
                                                      "--queue-name", "*", "--interval", "1",
                                                      "--no-reload", "--worker-id", worker_id]))
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
                    if child.proc is not None and child.proc.poll() is not None:
                        forget_process_metrics(child.proc.pid)
                        if not rq and child.name.startswith("worker-"):
                            reap_task_rows({child.argv[-1]})
                    child.ensure(now)
                if now - last_sweep >= SESSION_SWEEP_SECONDS:  # sessions never expire by themselves
                    last_sweep = now
                    sweep()
                if not opts["no_crawl"] and now - last_tick >= opts["tick"]:
                    last_tick = now
                    try:
                        # One assigner per machine: this loop (see akhbar.pipeline.stories).
                        tick(stories_inline=True)
                    except Exception:  # the scheduler must outlive a database hiccup
                        log.exception("scheduler tick failed")
                time.sleep(0.5)
        finally:
            stop_all(children)
            for child in children:
                if child.proc is not None:
                    forget_process_metrics(child.proc.pid)
            if not opts["no_crawl"] and not rq:
                reap_task_rows({c.argv[-1] for c in children if c.name.startswith("worker-")})
