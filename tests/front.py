"""Run deploy/nginx/akhbar.conf with the real nginx, unprivileged, for tests and bench/web.py.

The deployed file itself is used: only its marked lines (cache folder, upstream address,
listen address) are rewritten, and a failed rewrite is an error, so the tests follow the file.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "nginx" / "akhbar.conf"


def nginx_path() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None)


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise AssertionError(f"deploy/nginx/akhbar.conf no longer holds {old!r}")
    return text.replace(old, new, 1)


def site_conf(prefix: Path, port: int, upstream: str) -> str:
    """The deployed configuration for a cache in ``prefix``, 127.0.0.1:``port`` → ``upstream``."""
    text = CONF.read_text(encoding="utf-8")
    text = _replace(text, "proxy_cache_path /var/cache/nginx/akhbar ",
                    f"proxy_cache_path {prefix / 'cache'} ")
    text = _replace(text, "server 127.0.0.1:8000;", f"server {upstream};")
    return _replace(text, "listen 80;", f"listen 127.0.0.1:{port};")


class NginxFront:
    """``with NginxFront(tmp, port, "127.0.0.1:8000") as front:`` nginx in the foreground."""

    def __init__(self, prefix: Path, port: int, upstream: str, *, workers: int = 1,
                 extra: str = "") -> None:
        """``extra``: more of the http {} block (bench/web.py adds a plain static server)."""
        self.prefix, self.port, self.upstream, self.workers = prefix, port, upstream, workers
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> NginxFront:
        binary = nginx_path()
        assert binary, "nginx is not installed (apt-get install nginx)"
        p = self.prefix
        for sub in ("tmp", "cache", "logs"):
            (p / sub).mkdir(parents=True, exist_ok=True)
        (p / "akhbar.conf").write_text(site_conf(p, self.port, self.upstream), encoding="utf-8")
        # Started as root, nginx would hand its workers to "nobody", who cannot enter the
        # test's private folders: keep them as the current user.
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "\n".join(f"  {kind}_temp_path {p / 'tmp' / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (p / "nginx.conf").write_text(f"""{user}daemon off;
worker_processes {self.workers};
pid {p / 'nginx.pid'};
error_log {p / 'logs' / 'error.log'} warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  default_type application/octet-stream;
{temp}
  include {p / 'akhbar.conf'};
{self.extra}
}}
""", encoding="utf-8")
        self.proc = subprocess.Popen(
            [binary, "-p", str(p), "-c", str(p / "nginx.conf"), "-e", str(p / "logs" / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                log = (p / "logs" / "error.log")
                raise RuntimeError(f"nginx exited: {err}{log.read_text() if log.exists() else ''}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # fast shutdown, master and workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
