"""gunicorn's settings under ``akhbar run`` (``-c python:akhbar.web.gunicorn_conf``): log lines
in akhbar's format, the real listening address, and a quiet ordinary stop.

- With ``--reuse-port`` each worker opens its own socket and the arbiter has none, so gunicorn
  prints ``Listening at:  (pid)``: the bound address is filled in from the configuration.
- A worker still busy when the stop's grace period ends is killed by the arbiter, which then
  guesses "Perhaps out of memory?": during a stop it is said for what it is, at info level; and
  a stopping worker leaves without the slow interpreter teardown (``worker_exit``).
"""

from __future__ import annotations

import os
import time
from typing import Any

from gunicorn.glogging import Logger

from akhbar.config import DEFAULT_TIME_ZONE

# Times of the arbiter's lines in AKHBAR_TIME_ZONE, like its workers' (Django sets TZ there) and
# the rest of akhbar's (under akhbar run, TZ is already set and inherited).
os.environ.setdefault("TZ", os.environ.get("AKHBAR_TIME_ZONE", "").strip() or DEFAULT_TIME_ZONE)
time.tzset()

# Every line: "2026-12-03 14:17:03,542 INFO gunicorn: …", like akhbar's own lines.
ERROR_FORMAT = "%(asctime)s %(levelname)s gunicorn: %(message)s"
ACCESS_FORMAT = "%(asctime)s INFO gunicorn.access: %(message)s"
# The access line without its own timestamp (the line has one).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class AkhbarLogger(Logger):
    error_fmt = ERROR_FORMAT
    datefmt = None
    access_fmt = ACCESS_FORMAT
    stopping = False

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if msg.startswith("Listening at:") and args and not args[0]:
            args = (",".join(f"http://{b}" for b in self.cfg.bind), *args[1:])
        super().info(msg, *args, **kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if self.stopping and msg.startswith("Worker (pid:%s) was sent"):
            super().info("worker (pid:%s) did not stop within the grace period: stopped with %s",
                         *args[:2])
            return
        super().error(msg, *args, **kwargs)


logger_class = AkhbarLogger


def on_starting(server: Any) -> None:
    """Tell the logger when the arbiter stops, so a worker killed then is no alarm."""
    stop = server.stop

    def stopping(graceful: bool = True) -> None:
        if isinstance(server.log, AkhbarLogger):
            server.log.stopping = True
        stop(graceful)

    server.stop = stopping


def worker_exit(server: Any, worker: Any) -> None:
    """A worker told to stop leaves now: tearing its ~1,000 modules down takes longer than the
    1 s grace on a busy machine, and the arbiter would then SIGKILL it (a failed boot, the
    worker still alive, keeps its exit status for the arbiter to see)."""
    if not worker.alive:
        import logging
        import sys

        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
