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


# Each layer imports only those below it: pipeline → news → sources → ingest (web, api and
# moderation read through the apps' queries). An import inside a function counts too.
FORBIDDEN = {
    "akhbar.ingest": ("akhbar.sources", "akhbar.news", "akhbar.pipeline", "akhbar.web",
                      "akhbar.api", "akhbar.moderation", "django"),
    "akhbar.sources": ("akhbar.news", "akhbar.pipeline"),
    "akhbar.news": ("akhbar.pipeline",),
}


def _imports(path: Path) -> list[str]:
    import ast

    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_no_import_goes_up_a_layer() -> None:
    root = Path(__file__).resolve().parents[2]
    wrong = []
    for package, above in FORBIDDEN.items():
        for path in (root / package.replace(".", "/")).rglob("*.py"):
            for name in _imports(path):
                if any(name == a or name.startswith(a + ".") for a in above):
                    wrong.append(f"{path.relative_to(root)} imports {name}")
    assert not wrong, "\n".join(wrong)
    # The check sees imports at all: the pipeline does import the layers below it.
    assert "akhbar.news.services" in _imports(root / "akhbar/pipeline/refresh.py")


def test_no_module_over_500_lines() -> None:
    root = Path(__file__).resolve().parents[2] / "akhbar"
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py")
            if "migrations" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long, f"split these by concern: {long}"
