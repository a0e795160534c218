"""The "most read" click limits are shared by every process: the budgets are database rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.test_cli import ROOT, akhbar, env_for

CLICKS = """
import django, sys
django.setup()
from datetime import datetime, UTC
from akhbar.news import reads
when = datetime(2026, 12, 4, 10, 5, tzinfo=UTC)
print(*[reads.within_rate("198.51.100.0", 7, when) for _ in range(int(sys.argv[1]))])
"""


def start(n: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CLICKS, str(n)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def clicks(*procs: subprocess.Popen[str]) -> list[str]:
    granted = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        granted += out.split()
    return granted


def test_web_processes_count_clicks_against_one_budget(tmp_path: Path) -> None:
    from akhbar.news.reads import READS_PER_ARTICLE

    # One machine, the embedded default: SQLite and the database queue.
    env = env_for(tmp_path) | {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"}
    assert akhbar("migrate", "--noinput", env=env).returncode == 0
    assert clicks(start(READS_PER_ARTICLE - 1, env)) == ["True"] * (READS_PER_ARTICLE - 1)
    # Other processes (other gunicorn workers), clicking at the same time: one click is left
    # in the network's budget for this article, and only one of them gets it.
    granted = clicks(*[start(2, env) for _ in range(3)])
    assert sorted(granted) == ["False"] * 5 + ["True"]
