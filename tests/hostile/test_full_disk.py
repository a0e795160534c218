"""A full disk at first start, made real with RLIMIT_FSIZE (writes past the limit fail with EFBIG).

The first start of a fresh data dir runs under the limit and must fail with a clear message and
leave nothing behind that breaks the next start; once the limit is gone, the next start must
work (pages answer 200) without anyone cleaning up by hand.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AKHBAR = [sys.executable, "-m", "akhbar"]
# Renders a page through the whole middleware stack (sessions, CSRF: both need the secret key).
PAGE = (
    "from django.test import Client; "
    "r = Client(raise_request_exception=False).get('/fr/', HTTP_HOST='127.0.0.1'); "
    "print('STATUS', r.status_code)"
)


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env.update({"AKHBAR_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    return env


def akhbar(*args: str, env: dict[str, str], fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        # Ignored SIGXFSZ: the write fails with EFBIG instead of killing the process, which is
        # what a full disk (ENOSPC) looks like to the program.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        assert fsize is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([*AKHBAR, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, preexec_fn=limit if fsize is not None else None)


@pytest.mark.parametrize("fsize", [0, 16], ids=["nothing-written", "key-cut-short"])
def test_first_start_on_a_full_disk_then_with_space(tmp_path: Path, fsize: int) -> None:
    data_dir = tmp_path / "var"
    env = env_for(data_dir)

    full = akhbar("migrate", "--noinput", env=env, fsize=fsize)
    assert full.returncode == 2, full.stderr
    assert "secret key" in full.stderr and "File too large" in full.stderr, full.stderr
    assert "Traceback" not in full.stderr, full.stderr
    # Nothing half-written is left for the next start to trust.
    assert sorted(p.name for p in data_dir.iterdir() if "secret" in p.name) == []

    assert akhbar("migrate", "--noinput", env=env).returncode == 0
    page = akhbar("shell", "-c", PAGE, env=env)
    assert "STATUS 200" in page.stdout, page.stdout + page.stderr
    key = (data_dir / "secret_key").read_text()
    assert len(key) >= 50
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
