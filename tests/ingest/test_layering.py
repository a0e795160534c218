"""akhbar.ingest is plain Python: importing all of it must not import Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import akhbar.ingest


def test_ingest_imports_no_django() -> None:
    modules = [m.name for m in pkgutil.walk_packages(akhbar.ingest.__path__, "akhbar.ingest.")]
    assert "akhbar.ingest.fetch.client" in modules and "akhbar.ingest.extract.article" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "", f"akhbar.ingest pulled in Django: {out.stdout.strip()}"
