"""Scaled out on RQ, the "most read" click limits are shared by every process through Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.e2e.test_cli import ROOT, env_for

# A Redis database of this test's own (the distributed tests flush theirs, 7, meanwhile).
REDIS_DB = int(os.environ.get("AKHBAR_TEST_LIMITS_REDIS_DB", "8"))

CLICKS = """
import django, sys
django.setup()
from datetime import datetime, UTC
from django.core.cache import caches
from akhbar.news import reads
when = datetime(2026, 12, 4, 10, 5, tzinfo=UTC)
print(type(caches["default"]).__name__,
      *[reads.within_rate("198.51.100.0", 7, when) for _ in range(int(sys.argv[1]))])
"""


@pytest.fixture
def redis_url() -> Iterator[str]:
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=2)
        client.ping()
    except Exception:
        client = None
    need(client is not None, "Redis does not answer on 127.0.0.1:6379 (redis-server)")
    assert client is not None
    client.flushdb()
    yield f"redis://127.0.0.1:6379/{REDIS_DB}"
    client.flushdb()


def clicks(n: int, env: dict[str, str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", CLICKS, str(n)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_two_processes_count_clicks_against_one_budget(tmp_path: Path, redis_url: str) -> None:
    from akhbar.news.reads import READS_PER_ARTICLE

    env = env_for(tmp_path) | {"AKHBAR_TASK_BACKEND": "rq", "AKHBAR_REDIS_URL": redis_url,
                               "DJANGO_SETTINGS_MODULE": "akhbar.settings.base"}
    assert clicks(READS_PER_ARTICLE, env) == ["RedisCache"] + ["True"] * READS_PER_ARTICLE
    # Another process (another web worker, another machine): the network's budget is spent.
    assert clicks(1, env) == ["RedisCache", "False"]
    # On one machine with the database queue, each process counts for itself.
    local = env_for(tmp_path) | {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"}
    assert clicks(1, local) == ["LocMemCache", "True"]
