"""Log lines an operator can read: the task engines' per-task state lines at debug level, a
stopping worker's interrupted task without a traceback, and a timestamp on every line.

django-tasks logs every task's state (RUNNING, SUCCESSFUL…) at info level, and a failed task
with its traceback; its database worker logs each signal it receives as a warning. Under
``akhbar run`` that is about 130 lines in 15 s, hiding the ones that matter. This filter,
attached to those loggers (settings ``LOGGING``), rewrites the level of such records before the
handler's level decides: state lines become debug; a task failure the task already logged
itself (``already_logged`` on the exception, e.g. a failed feed refresh, logged as a warning
with its source) becomes debug too; a task interrupted by its worker's stop (SystemExit)
becomes one info line. Anything else keeps its level and traceback.
"""

from __future__ import annotations

import logging

_TASK_STATE = "Task id=%s path=%s state=%s"


def _demote(record: logging.LogRecord, level: int) -> None:
    record.levelno, record.levelname = level, logging.getLevelName(level)


class TaskLogFilter(logging.Filter):
    """Rewrite the task engines' records (see the module docstring); drop those under ``level``."""

    def __init__(self, level: str = "INFO") -> None:
        super().__init__()
        self.level = logging.getLevelName(level.upper()) if isinstance(level, str) else int(level)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _TASK_STATE:
            exc = record.exc_info[1] if record.exc_info else None
            if isinstance(exc, (SystemExit, KeyboardInterrupt)):
                task_id, path = record.args[:2] if isinstance(record.args, tuple) else ("?", "?")
                record.msg = "task id=%s path=%s interrupted by its worker's stop (recorded as failed)"
                record.args = (task_id, path)
                record.exc_info = record.exc_text = None
                _demote(record, logging.INFO)
            elif exc is None or getattr(exc, "already_logged", False):
                record.exc_info = record.exc_text = None
                _demote(record, logging.DEBUG)
        elif isinstance(record.msg, str) and record.msg.startswith(("Received %s", "Starting worker")):
            # db_worker's "Received Terminated - shutting down gracefully... (press Ctrl+C again
            # to force)": a stop asked by akhbar run, which logs it once itself.
            _demote(record, logging.DEBUG)
        return record.levelno >= self.level
