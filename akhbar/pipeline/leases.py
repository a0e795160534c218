"""Who holds a lease (a feed's refresh, an image's fetch), and whether that holder still lives.

A lease expires on its own when its holder stops extending it, which covers a worker on another
machine. On the holder's own machine akhbar can tell sooner: the owner names its host and
process, and a lease whose process is gone (``kill -9``, a crash, a reboot) is taken over at
once instead of after its expiry, so a crawl started again right after a crash goes on.
"""

from __future__ import annotations

import os
import socket
import uuid

_HOST = socket.gethostname()[:30]


def new_owner() -> str:
    """A lease owner id: ``host:pid:random`` (64 characters at most)."""
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def holder_is_gone(owner: str) -> bool:
    """Whether ``owner`` was a process of this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit():
        return False  # another machine's worker: only the lease's expiry tells
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    # A killed child that its parent has not reaped yet still answers kill(pid, 0).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False
