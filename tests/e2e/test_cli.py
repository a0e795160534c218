"""The ``akhbar`` console script as a user runs it: real processes, a real server, SQLite files."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.press import FixturePress
from tests.web.press_site import build_site

ROOT = Path(__file__).resolve().parents[2]
AKHBAR = [sys.executable, "-m", "akhbar"]


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env.update({
        "AKHBAR_DATA_DIR": str(tmp_path / "var"),
        "AKHBAR_ALLOW_PRIVATE_NETWORKS": "1",
        "AKHBAR_HOST_DELAY_SECONDS": "0",
        "AKHBAR_FETCH_TIMEOUT_SECONDS": "2",
        "PYTHONPATH": str(ROOT),
    })
    return env


def akhbar(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AKHBAR, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def test_crawl_once_prints_one_summary_line_per_source_and_exits_0(tmp_path):
    env = env_for(tmp_path)
    with FixturePress() as press:
        site = build_site(press, tmp_path)
        assert akhbar("migrate", "--noinput", env=env).returncode == 0
        imp = akhbar("sources", "import", site.registry, env=env)
        assert imp.returncode == 0 and "8 created" in imp.stdout
        out = akhbar("crawl", "--once", env=env)
    assert out.returncode == 0, out.stderr
    lines = sorted(out.stdout.splitlines())
    assert len(lines) == 8, out.stdout  # one line per source, no progress bar off a terminal
    assert any(ln.startswith("lematin-test: ok") and "new=2" in ln for ln in lines)
    assert any(ln.startswith("broken-500: failed") and "errors=http_500" in ln for ln in lines)
    listing = akhbar("sources", "list", env=env)
    assert "broken-500" in listing.stdout and "failing" in listing.stdout
    bad = akhbar("crawl", "--once", "--source", "nope", env=env)
    assert bad.returncode != 0 and "unknown source" in bad.stderr


def test_bad_configuration_is_a_clear_error(tmp_path):
    env = env_for(tmp_path) | {"AKHBAR_TIME_ZONE": "Nowhere/Land"}
    out = akhbar("sources", "list", env=env)
    assert out.returncode == 2 and "AKHBAR_TIME_ZONE" in out.stderr and "Traceback" not in out.stderr


def test_run_serves_the_portal_and_crawls_in_the_background(tmp_path):
    env = env_for(tmp_path)
    port = free_port()
    with FixturePress() as press:
        site = build_site(press, tmp_path)
        assert akhbar("migrate", "--noinput", env=env).returncode == 0
        assert akhbar("sources", "import", site.registry, env=env).returncode == 0
        proc = subprocess.Popen([*AKHBAR, "run", "--bind", f"127.0.0.1:{port}", "--tick", "1",
                                 "--workers", "1", "--web-workers", "1"], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            items: list[dict] = []
            while time.monotonic() < deadline:
                try:
                    items = get_json(f"http://127.0.0.1:{port}/api/v1/articles?limit=50")["items"]
                except OSError:
                    items = []
                # Stored by the workers, then placed in stories by akhbar run's story thread.
                if len(items) >= 4 and all(item["story"] for item in items):
                    break
                time.sleep(1)
            assert len(items) == 4, f"articles seen: {len(items)}"
            assert all(item["story"] for item in items), items
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/fr/", timeout=5) as resp:
                html = resp.read().decode()
            assert "Tanger Med dépasse les dix millions de conteneurs" in html
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                raise
    assert proc.returncode == 0
    # Every child (web server, workers) is gone with it.
    leftover = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_extract_command_prints_json_lines_offline(tmp_path):
    pages = ROOT / "tests" / "fixtures" / "pages"
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    files = [str(pages / "fr_maroc_jsonld.html"), str(pages / "ar_cp1256.html"), str(empty)]
    # No database, no network: a data dir that does not exist stays uncreated.
    env = env_for(tmp_path) | {"AKHBAR_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    out = subprocess.run([*AKHBAR, "extract", *files, "--url", "https://example.ma/a", "--json"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in rows] == files
    keys = {"file", "title", "text", "published", "authors", "image", "language", "sitename"}
    assert all(keys <= set(r) for r in rows)
    assert rows[0]["language"] == "fr" and rows[0]["text"] and rows[0]["title"]
    assert rows[1]["language"] == "ar" and any("\u0600" <= ch <= "\u06ff" for ch in rows[1]["title"])
    assert rows[2]["text"] == "" and rows[2]["error"]
    assert not (tmp_path / "var").exists()


def test_crawl_shows_a_progress_bar_on_a_terminal(tmp_path):
    import pty

    env = env_for(tmp_path)
    with FixturePress() as press:
        site = build_site(press, tmp_path)
        assert akhbar("migrate", "--noinput", env=env).returncode == 0
        assert akhbar("sources", "import", site.registry, env=env).returncode == 0
        main, secondary = pty.openpty()
        proc = subprocess.Popen([*AKHBAR, "crawl", "--once", "--source", "lematin-test",
                                 "--source", "broken-500"], env=env, cwd=ROOT,
                                stdout=secondary, stderr=secondary, stdin=subprocess.DEVNULL)
        os.close(secondary)
        chunks = []
        while True:
            try:
                data = os.read(main, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
        os.close(main)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "crawl:" in screen and "2/2" in screen  # tqdm's bar
    assert "broken-500: failed" in screen  # failures are still reported by name
    assert "2 sources: 2 new, 0 revised, 1 failing feeds, 2 placed in stories" in screen


def test_cluster_command_prints_id_tab_story_key(tmp_path):
    lines = [
        {"id": "a", "title": "Séisme de magnitude 6,8 dans la région d'Al Haouz", "language": "fr",
         "published": "2023-09-09T00:30:00+01:00", "text": "Un puissant séisme a frappé la région."},
        {"id": "b", "title": "زلزال بقوة 6.8 درجات يضرب إقليم الحوز", "language": "ar",
         "published": "2023-09-09T01:10:00+01:00", "text": "ضرب زلزال عنيف إقليم الحوز."},
        {"id": "c", "title": "Le Raja remporte le derby de Casablanca", "language": "fr",
         "published": "2023-09-10T20:00:00+01:00"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    out = akhbar("cluster", str(path), env=env_for(tmp_path))
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [r[0] for r in rows] == ["a", "b", "c"]
    keys = dict(rows)
    assert keys["a"] == keys["b"] == "a" and keys["c"] == "c"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "no id"}\n', encoding="utf-8")
    err = akhbar("cluster", str(bad), env=env_for(tmp_path))
    assert err.returncode != 0 and "id" in err.stderr and err.stdout == ""
