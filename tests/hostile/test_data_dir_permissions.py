"""The data dir holds sessions, password hashes and the secret key: readable by its owner only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AKHBAR = [sys.executable, "-m", "akhbar"]
# Writes to the database, then reports the modes of everything in the data dir while the
# SQLite -wal and -shm files exist (they are removed when the last connection closes).
PROBE = """
import json, os
from django.conf import settings
from django.db import connection
with connection.cursor() as c:
    c.execute("CREATE TABLE IF NOT EXISTS probe (x)")
    c.execute("INSERT INTO probe VALUES (1)")
root = settings.CONFIG.data_dir
modes = {str(p.relative_to(root)): oct(p.stat().st_mode & 0o777) for p in root.rglob("*")}
modes["."] = oct(root.stat().st_mode & 0o777)
print("MODES " + json.dumps(modes))
"""


def modes_after_start(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env.update({"AKHBAR_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    # Started from a shell with the usual umask 022, which made everything world-readable.
    out = subprocess.run([*AKHBAR, "shell", "-c", PROBE], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    line = next((x for x in out.stdout.splitlines() if x.startswith("MODES ")), None)
    assert line is not None, out.stdout + out.stderr
    return dict(json.loads(line[6:]))


def test_a_fresh_data_dir_is_private(tmp_path: Path) -> None:
    modes = modes_after_start(tmp_path / "var")
    assert modes["."] == "0o700"
    for name in ("akhbar.sqlite3", "akhbar.sqlite3-wal", "akhbar.sqlite3-shm", "secret_key"):
        assert modes[name] == "0o600", (name, modes)
    assert all(int(mode, 8) & 0o077 == 0 for mode in modes.values()), modes


def test_an_older_world_readable_install_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    modes_after_start(data_dir)
    # What earlier versions left behind.
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "akhbar.sqlite3", 0o644)
    os.chmod(data_dir / "secret_key", 0o644)
    modes = modes_after_start(data_dir)
    assert modes["."] == "0o700"
    assert modes["akhbar.sqlite3"] == "0o600" and modes["secret_key"] == "0o600", modes
