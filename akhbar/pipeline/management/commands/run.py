"""``akhbar run``: the web server, the scheduler loop and database-backed workers, supervised."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.utils import timezone

from akhbar.pipeline.leases import new_owner
from akhbar.pipeline.maintenance import sweep
from akhbar.pipeline.scheduler import RoundLog, tick
from akhbar.pipeline.worker import glibc, release_memory
from akhbar.web.services import SESSION_SWEEP_SECONDS

log = logging.getLogger("akhbar.run")


# Each child starts through this: on Linux it asks for SIGTERM when ``akhbar run`` dies (even by
# SIGKILL: PR_SET_PDEATHSIG, kept across exec), then becomes the real command (gunicorn), or
# runs an akhbar command in itself and leaves without tearing its ~1,800 modules down (a task
# worker: 1-2 s on a busy machine, past the stop's budget). No preexec_fn: the scheduler's round
# runs in a thread, and forking with a function to run is unsafe then.
_LAUNCH = """
import ctypes, logging, os, sys
if sys.platform.startswith("linux"):
    ctypes.CDLL(None).prctl(1, 15)
    if os.getppid() != int(sys.argv[1]):
        sys.exit(0)
nice = int(os.environ.pop("AKHBAR_CHILD_NICE", "0") or 0)
if nice:
    os.nice(nice)
if sys.argv[2] != "akhbar":
    os.execv(sys.argv[2], sys.argv[2:])
from akhbar.cli import main
try:
    code = main(sys.argv[3:])
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, int) else 1
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code or 0)
"""


# glibc gives each thread that allocates its own malloc arena (up to 8 per core), each
# keeping its freed memory: gunicorn's 4 threads per worker, the scheduler's round, story and
# OpenMP threads. Two per process are enough for Python code that holds the GIL; an
# operator's own MALLOC_ARENA_MAX wins.
ARENAS = "2"
M_ARENA_MAX = -8  # glibc's mallopt parameter


class Child:
    """A supervised subprocess, restarted with a growing delay when it dies.

    Each child runs in a process group of its own: a terminal's Ctrl-C reaches ``akhbar run``
    alone, which stops the children in order (a worker finishes or abandons its task, the web
    server its requests) instead of every process getting SIGINT at once and racing.
    """

    def __init__(self, name: str, argv: list[str], *, abandons: bool = False,
                 nice: int = 0) -> None:
        self.name, self.argv = name, argv
        self.nice = nice  # added to the child's niceness (lower CPU priority)
        self.abandons = abandons  # a second SIGTERM makes it abandon its current task
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
            argv = self.argv
            if argv[1:3] == ["-m", "akhbar"]:  # run in the launcher itself
                argv = ["akhbar", *argv[3:]]
            env = os.environ | {"AKHBAR_CHILD_NICE": str(self.nice),
                                "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", ARENAS)}
            self.proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(os.getpid()), *argv],
                                         process_group=0, env=env)

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signum)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def stop_all(children: list[Child], grace: float = 0.8, limit: float = 2.6) -> None:
    """Stop every child within ``limit`` seconds: SIGTERM (a worker finishes its task, gunicorn
    its requests within its --graceful-timeout), after ``grace`` a second SIGTERM to the workers
    still busy (a worker abandons its task, recorded as failed and run again), then SIGKILL."""
    started = time.monotonic()

    def wait_until(moment: float) -> None:
        while time.monotonic() < started + moment and any(c.alive() for c in children):
            time.sleep(0.05)

    for child in children:
        child.signal(signal.SIGTERM)
    wait_until(grace)
    for child in children:
        if child.abandons:
            child.signal(signal.SIGTERM)
    wait_until(limit)
    for child in children:
        if child.alive():
            assert child.proc is not None
            log.warning("%s did not stop in %.1f s: killed", child.name, limit)
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
        limit_arenas()
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        py = sys.executable
        # In a child process, like the workers: collecting (hashing and compressing every
        # static file) left ~30 MB in this long-lived process's heap, for nothing.
        subprocess.run([py, "-m", "akhbar", "collectstatic", "--noinput", "-v0"], check=True)
        children = [Child("web", [py, "-m", "gunicorn", "akhbar.wsgi:application",
                                  *gunicorn_options(opts["bind"], opts["web_workers"])])]
        rq = settings.CONFIG.task_backend == "rq"
        nice = settings.CONFIG.worker_nice  # readers first: workers yield the CPU to the web
        if not opts["no_crawl"] and rq:
            # RQ keeps its own records of jobs a dead worker held (moved to its failed registry).
            children += [Child(f"worker-{i}", [py, "-m", "akhbar", "worker"], abandons=True,
                               nice=nice) for i in range(opts["workers"])]
        elif not opts["no_crawl"]:
            reap_task_rows()
            for i in range(opts["workers"]):
                # "host:pid:…" like a lease owner, so a later run can tell these workers are gone.
                worker_id = f"{new_owner().rsplit(':', 1)[0]}:worker-{i}"
                children.append(Child(f"worker-{i}", [py, "-m", "akhbar", "db_worker",
                                                      "--queue-name", "*", "--interval", "1",
                                                      "--no-reload", "--worker-id", worker_id],
                                      abandons=True, nice=nice))
        stopping = threading.Event()

        def stop(signum: int, frame: object) -> None:
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        log.info("akhbar on http://%s/ — data in %s (%s); Ctrl-C stops", opts["bind"],
                 settings.CONFIG.data_dir,
                 "serving only" if opts["no_crawl"] else f"{opts['workers']} workers")
        last_tick = last_sweep = 0.0
        rounds = RoundLog()
        round_thread: threading.Thread | None = None

        def one_round() -> None:
            lower_thread_priority(nice)
            try:
                # Stories are placed by their own thread (place_stories): embedding a crawl's
                # articles takes about a CPU second each, and a round that waited for it
                # enqueued no feed meanwhile, which held ingestion to the embedder's pace.
                rounds.log(tick(stories_inline=None))
            except Exception:  # the scheduler must outlive a database hiccup
                log.exception("scheduler tick failed")
            finally:
                connections.close_all()
                first_round_over.set()

        first_round_over = threading.Event()

        def place_stories() -> None:
            # One assigner per machine: this thread (see akhbar.pipeline.stories), at the
            # workers' CPU priority, in batches while articles wait, else once a tick.
            from akhbar.pipeline.stories import assign_stories

            lower_thread_priority(nice)
            # After the first round: loading the embedder and the clusterer's memory (in a
            # write transaction) must not hold up the first feeds.
            while not first_round_over.wait(0.5):
                if stopping.is_set():
                    return
            while not stopping.is_set():
                placed = 0
                try:
                    placed = assign_stories(limit=100)
                except Exception:  # it must outlive a database hiccup
                    log.exception("story placement failed")
                finally:
                    connections.close_all()
                    if placed:
                        release_memory()  # the batch's texts and the embedder's scratch
                if not placed:
                    stopping.wait(opts["tick"])

        if not opts["no_crawl"]:
            threading.Thread(target=place_stories, name="stories", daemon=True).start()

        try:
            while not stopping.is_set():
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
                # The round runs in a thread (one at a time): this loop stays free to supervise
                # the children and to start a stop at once, even while a round waits on the
                # database or places stories.
                if (not opts["no_crawl"] and now - last_tick >= opts["tick"]
                        and (round_thread is None or not round_thread.is_alive())):
                    last_tick = now
                    round_thread = threading.Thread(target=one_round, name="round", daemon=True)
                    round_thread.start()
                stopping.wait(0.5)  # a signal's handler sets it: the stop starts at once
        finally:
            log.info("stopping: %s", ", ".join(c.name for c in children if c.alive()) or "nothing")
            stop_all(children)
            for child in children:
                if child.proc is not None:
                    forget_process_metrics(child.proc.pid)
            if not opts["no_crawl"] and not rq:
                reap_task_rows({c.argv[-1] for c in children if c.name.startswith("worker-")})
            connections.close_all()
            log.info("stopped")
        # Every child is gone and the database closed: exit now. Tearing down the ~1,800
        # modules a round loads (the story embedder) takes 1-2 s on a busy machine, which
        # would hold the stop past its 3 s.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def limit_arenas() -> None:
    """``ARENAS`` malloc arenas for this process too (its children get MALLOC_ARENA_MAX), set
    before its threads start; unless the operator set MALLOC_ARENA_MAX (read by glibc then)."""
    if "MALLOC_ARENA_MAX" not in os.environ and (libc := glibc()) is not None:
        libc.mallopt(M_ARENA_MAX, int(ARENAS))


def lower_thread_priority(nice: int) -> None:
    """Add ``nice`` to the calling thread's niceness (Linux: niceness is per thread).

    The scheduler's round runs in a thread of ``akhbar run`` and places stories there: the
    embedder's CPU work (about 1 CPU second per article) and its OpenMP threads, which inherit
    the niceness of the thread that starts them. At the web server's priority it took the cores
    that readers' pages need while a crawl stored articles; it yields them like the workers."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:  # not permitted here: the round runs at the server's priority
        log.debug("could not lower the round's CPU priority", exc_info=True)


def gunicorn_options(bind: str, workers: int) -> list[str]:
    """gunicorn's command line under ``akhbar run`` (akhbar.web.gunicorn_conf: its log lines)."""
    options = ["-c", "python:akhbar.web.gunicorn_conf", "--bind", bind, "--workers", str(workers),
               "--threads", "4", "--access-logfile", "-",
               # Within akhbar run's stop (2.6 s): requests still running then are cut.
               "--graceful-timeout", "1",
               # Spreads keep-alive connections evenly over the workers (bench/web.py).
               "--reuse-port"]
    # Its control socket (gunicornc) belongs to this instance, in the data dir, not in the
    # home directory shared by every gunicorn of the user; none where the path is too long
    # for a Unix socket.
    socket_path = settings.CONFIG.data_dir.resolve() / "gunicorn.ctl"
    if len(os.fsencode(socket_path)) < 100:
        options += ["--control-socket", str(socket_path)]
    else:
        options.append("--no-control-socket")
    return options
