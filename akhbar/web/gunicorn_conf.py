"""gunicorn's settings under ``akhbar run`` (``-c python:akhbar.web.gunicorn_conf``): log lines
in akhbar's format, the real listening address, and a quiet ordinary stop.

- With ``--reuse-port`` each worker opens its own socket and the arbiter has none, so gunicorn
  prints ``Listening at:  (pid)``: the bound address is filled in from the configuration.
- Access lines are built directly from the few fields the format shows and written in batches
  (``AccessLines``): gunicorn's own way cost ~17 % of a cached page's CPU.
- A worker still busy when the stop's grace period ends is killed by the arbiter, which then
  guesses "Perhaps out of memory?": during a stop it is said for what it is, at info level; and
  a stopping worker leaves without the slow interpreter teardown (``worker_exit``).
"""

from __future__ import annotations

import logging
import os
import threading
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


    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """The access line, as gunicorn's ``access`` with ``access_log_format`` would write it.

        gunicorn builds a dict of every request header, response header and environ variable
        per request, then writes the line through ``logging`` (its lock, a write and a flush per
        request, which the worker's threads took in turn): with ``akhbar run``'s access log a
        cached page cost 0.54-0.59 CPU ms instead of 0.45-0.48 (docs/BENCHMARKS.md). Here the
        line is formatted from the fields shown and handed to ``ACCESS_LINES``."""
        if not self.access_log_enabled:
            return
        handlers = self.access_log.handlers
        if (self.cfg.access_log_format != access_log_format or len(handlers) != 1
                or type(handlers[0]) not in (logging.StreamHandler, logging.FileHandler)):
            super().access(resp, req, environ, request_time)  # another format or destination
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        now = time.time()
        ms = (request_time.seconds * 1000) + int(request_time.microseconds / 1000)
        ACCESS_LINES.add(handlers[0], (
            f"{_asctime(now)} INFO gunicorn.access: {environ.get('REMOTE_ADDR', '-')} "
            f'"{environ["REQUEST_METHOD"]} {environ["RAW_URI"]} {environ["SERVER_PROTOCOL"]}" '
            f"{status} {sent if sent is not None and str(sent) else '-'} {ms}ms "
            f'"{environ.get("HTTP_USER_AGENT", "-")}"\n'))


_second: list[Any] = [None, ""]


def _asctime(now: float) -> str:
    """``logging.Formatter``'s default asctime (local time, milliseconds after a comma)."""
    whole = int(now)
    if _second[0] != whole:
        _second[:] = [whole, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(whole))]
    return f"{_second[1]},{int((now - whole) * 1000):03d}"


class AccessLines:
    """A worker's access lines, written by a thread of its own every ``every`` seconds (or at
    once past ``most`` lines) in one write, and by ``worker_exit`` when the worker stops."""

    def __init__(self, every: float = 0.2, most: int = 500) -> None:
        self.every, self.most = every, most
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._handler: logging.StreamHandler[Any] | None = None
        self._pid = 0  # the process whose flushing thread runs (a forked worker starts its own)

    def add(self, handler: logging.StreamHandler[Any], line: str) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._lines = os.getpid(), []
                threading.Thread(target=self._flush_often, name="access-log", daemon=True).start()
            self._handler = handler
            self._lines.append(line)
            full = len(self._lines) >= self.most
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines, handler = self._lines, [], self._handler
        if not lines or handler is None:
            return
        handler.acquire()
        try:
            handler.stream.write("".join(lines))
            handler.flush()
        except (OSError, ValueError):  # the log went away (a closed pipe): as logging would
            pass
        finally:
            handler.release()

    def _flush_often(self) -> None:
        while True:
            time.sleep(self.every)
            self.flush()


ACCESS_LINES = AccessLines()

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
    worker still alive, keeps its exit status for the arbiter to see). Its last access lines
    are written first."""
    ACCESS_LINES.flush()
    if not worker.alive:
        import sys

        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
