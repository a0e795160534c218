"""gunicorn's access lines under akhbar's configuration (akhbar/web/gunicorn_conf.py): built
directly and written in batches, they read as gunicorn's own with that format."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

APP = """
def app(environ, start_response):
    body = b"hello" if environ["PATH_INFO"] != "/empty" else b""
    start_response("404 Not Found" if environ["PATH_INFO"] == "/missing" else "200 OK",
                   [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""

LINE = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO gunicorn\.access: 127\.0\.0\.1 '
                  r'"GET (?P<uri>\S+) HTTP/1\.1" (?P<status>\d{3}) (?P<sent>\d+|-) \d+ms '
                  r'"(?P<agent>[^"]*)"$')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, agent: str) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except urllib.error.HTTPError:
        pass


def test_access_lines_are_written_soon_in_gunicorns_format_and_at_the_stop(tmp_path):
    (tmp_path / "hello_app.py").write_text(APP, encoding="utf-8")
    port, log = free_port(), tmp_path / "out.log"
    env = os.environ | {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hello_app:app", "-c",
             "python:akhbar.web.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "--access-logfile", "-", "--no-control-socket"],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"http://127.0.0.1:{port}/warm", "warm")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        get(f"http://127.0.0.1:{port}/a?q=1&r=%C3%A9", "reader/1.0")
        get(f"http://127.0.0.1:{port}/missing", "reader/2.0")
        get(f"http://127.0.0.1:{port}/empty", "")
        # Written by the worker's flushing thread within a fraction of a second. Each of the
        # worker's threads logs after it has answered, so two requests in a row may be logged
        # in either order (seen: /empty before /missing): the lines are compared as a set.
        deadline = time.monotonic() + 5
        while (not all(u in log.read_text() for u in ("/a?q=1", "/missing", "/empty"))
               and time.monotonic() < deadline):
            time.sleep(0.05)
        lines = [m.groupdict() for ln in log.read_text().splitlines() if (m := LINE.match(ln))]
        assert sorted(lines[-3:], key=lambda line: line["uri"]) == [
            {"uri": "/a?q=1&r=%C3%A9", "status": "200", "sent": "5", "agent": "reader/1.0"},
            {"uri": "/empty", "status": "200", "sent": "0", "agent": ""},
            {"uri": "/missing", "status": "404", "sent": "5", "agent": "reader/2.0"},
        ], log.read_text()
        # A burst, then the stop at once: the worker writes what it holds before it leaves.
        for n in range(30):
            get(f"http://127.0.0.1:{port}/burst/{n}", "burst")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    text = log.read_text()
    assert sum(1 for ln in text.splitlines() if LINE.match(ln) and "/burst/" in ln) == 30, text
