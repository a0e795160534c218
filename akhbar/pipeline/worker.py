"""One task worker of the configured backend (``akhbar worker``): the database queue's
``db_worker`` or an RQ worker on Redis, serving every queue akhbar uses unless told otherwise."""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone

from akhbar.pipeline.leases import new_owner

log = logging.getLogger(__name__)

# With --burst, jobs deferred to later (run_after) are waited for, polling this often.
DEFERRED_POLL = 0.5


@functools.cache
def glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (``malloc_trim``, ``mallopt``); None elsewhere (musl,
    macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # musl and others: no such calls
        return None
    return libc


def release_memory(**_: Any) -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``).

    Called after each task (``task_finished``) and after each batch of story placement:
    extraction parses pages of 100-500 KB with lxml, whose freed memory glibc keeps in the
    process's heap (20-50 MB per task worker of ``akhbar run`` after a WARC import); trimmed,
    it leaves the resident set. A few ms; nothing where the C library has no such call."""
    if (libc := glibc()) is not None:
        libc.malloc_trim(0)


def run_worker(queues: list[str] | None, *, burst: bool) -> None:
    """Serve ``queues`` (default: all of them) until stopped, or until none is left (burst)."""
    names = queues or list(settings.TASK_QUEUES)
    if settings.CONFIG.task_backend == "rq":
        _rq_worker(names, burst=burst)
    else:
        _db_worker(names, burst=burst)


def _db_worker(names: list[str], *, burst: bool) -> None:
    # "host:pid:…" as a lease owner, so `akhbar run` can tell this worker's rows are orphaned.
    worker_id = f"{new_owner().rsplit(':', 1)[0]}:worker"
    while True:
        call_command("db_worker", queue_name=",".join(names), interval=1.0, batch=burst,
                     reload=False, worker_id=worker_id, startup_delay=not burst, verbosity=1)
        if not burst or not _db_deferred(names):
            return
        time.sleep(DEFERRED_POLL)


def _db_deferred(names: list[str]) -> bool:
    from django_tasks_db.models import DBTaskResult

    close_old_connections()
    return DBTaskResult.objects.filter(status="READY", queue_name__in=names,
                                       run_after__gt=timezone.now()).exists()


def _rq_worker(names: list[str], *, burst: bool) -> None:
    import django_rq
    from django_tasks_rq import Job
    from rq.registry import ScheduledJobRegistry
    from rq.worker import SimpleWorker

    class AkhbarWorker(SimpleWorker):
        """Runs jobs in the worker process itself, like db_worker: the process's polite Fetcher
        (robots.txt cache) and story memory carry across jobs, and no forked child inherits a
        database connection. RQ still records a job a killed worker held as abandoned."""

        in_job = False

        def execute_job(self, job: Any, queue: Any) -> Any:
            close_old_connections()
            self.in_job = True
            try:
                return super().execute_job(job, queue)
            finally:
                self.in_job = False
                close_old_connections()

        def request_stop(self, signum: Any, frame: Any) -> None:
            # RQ's warm shutdown asks whether the worker is BUSY, a state a SimpleWorker never
            # sets: the first SIGTERM would interrupt the job. Here it finishes the job first,
            # as db_worker does; a second SIGTERM abandons it (RQ's cold shutdown).
            if not self.in_job:
                super().request_stop(signum, frame)
                return
            import signal as signals

            from rq.utils import now

            self._shutdown_requested_date = now()
            signals.signal(signals.SIGINT, self.request_force_stop)
            signals.signal(signals.SIGTERM, self.request_force_stop)
            self._stop_requested = True

    while True:
        # A fresh RQ worker per burst: RQ registers a worker's birth and death once.
        worker = django_rq.get_worker(*names, job_class=Job, worker_class=AkhbarWorker,  # type: ignore[arg-type]
                                      name=new_owner().replace(":", "-"))
        worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
        if not burst:
            return
        # RQ's burst ends when the queues are empty; jobs scheduled for later are still work.
        if not any(len(ScheduledJobRegistry(queue=q)) for q in worker.queues):
            return
        # The next burst's scheduler pass moves the jobs now due into their queues.
        time.sleep(DEFERRED_POLL)
