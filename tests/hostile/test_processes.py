"""Real processes against a hostile press: politeness holds across worker processes, and
``kill -9`` at any point of a crawl (page or image fetch) loses, duplicates and blocks nothing."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.test_cli import AKHBAR, ROOT, akhbar, env_for
from tests.hostile.hostile_press import dated, item, page, rss
from tests.press import FixturePress, RecordedRequest
from tests.web.press_site import photo_jpeg

# Real processes (akhbar run, workers, nginx, a crawl): minutes on a loaded machine, not a hang.
pytestmark = pytest.mark.timeout(300)

if os.environ.get("AKHBAR_DATABASE_URL", "").startswith("postgres"):
    # These start their own akhbar processes on their own SQLite files: the database under
    # test makes no difference to them, so they run once, in the SQLite pass.
    pytest.skip("process tests run in the SQLite pass only", allow_module_level=True)


def registry(press: FixturePress, slugs: list[str]) -> str:
    return "".join(f'''
[[source]]
slug = "{slug}"
name = "{slug.title()}"
homepage = "{press.url('/' + slug + '/')}"
languages = ["fr"]
country = "MA"
feeds = ["{press.url('/' + slug + '.xml')}"]
timezone = "Africa/Casablanca"
display = "full"
''' for slug in slugs)


def setup_press(press: FixturePress, tmp_path: Path, slugs: list[str], per_source: int,
                *, images: bool = False) -> dict[str, str]:
    for slug in slugs:
        items = []
        for i in range(per_source):
            items.append(item(f"{slug} dépêche {i}", link=press.url(f"/{slug}/{i}.html"),
                              date=dated(i)))
        press.route(f"/{slug}.xml", rss(items), content_type="application/rss+xml")
    reg = tmp_path / "hostile.toml"
    reg.write_text(registry(press, slugs), encoding="utf-8")
    env = env_for(tmp_path)
    assert akhbar("migrate", "--noinput", env=env).returncode == 0
    assert akhbar("sources", "import", str(reg), env=env).returncode == 0
    return env


def test_per_host_delay_and_concurrency_hold_across_worker_processes(tmp_path):
    spacing, slow = 0.3, 0.5
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow_page(request: RecordedRequest) -> str:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(slow)  # longer than the spacing: only the concurrency cap keeps it to one
        with lock:
            in_flight["now"] -= 1
        slug, _, name = request.path.strip("/").partition("/")
        return page(f"{slug} dépêche {name}")

    with FixturePress() as press:
        press.route_prefix("/alpha/", handler=slow_page)
        press.route_prefix("/beta/", handler=slow_page)
        env = setup_press(press, tmp_path, ["alpha", "beta"], 3)
        env |= {"AKHBAR_HOST_DELAY_SECONDS": str(spacing), "AKHBAR_HOST_CONCURRENCY": "1"}
        # Two crawler processes (two workers), one outlet each, both on the one host 127.0.0.1.
        procs = [subprocess.Popen([*AKHBAR, "crawl", "--once", "--source", slug], env=env,
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for slug in ("alpha", "beta")]
        outs = [p.communicate(timeout=120) for p in procs]
        starts = sorted(r.time for r in press.requests)
    assert all(p.returncode == 0 for p in procs), outs
    assert all("new=3" in out for out, _ in outs), outs
    pages = [r for r in press.requests if r.path.startswith(("/alpha/", "/beta/"))]
    assert len(pages) == 6
    assert in_flight["max"] == 1
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    # Clocks of different processes agree within milliseconds on one machine.
    assert min(gaps) >= spacing - 0.05, gaps


def media_tmp_files(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "media").rglob("*.tmp")] if (data_dir / "media").exists() else []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_at_a_random_point_of_a_crawl_loses_and_duplicates_nothing(tmp_path, seed):
    rng = random.Random(seed)
    n = 8
    jpeg = photo_jpeg(seed)
    with FixturePress() as press:
        def article(request: RecordedRequest) -> str:
            name = request.path.rsplit("/", 1)[-1].removesuffix(".html")
            html = page(f"alpha dépêche {name}")
            return html.replace('content=""', f'content="{press.url("/img/" + name + ".jpg")}"', 1)

        press.route_prefix("/alpha/", handler=article, delay=0.05)
        press.route_prefix("/img/", handler=lambda r: (200, {"Content-Type": "image/jpeg"}, jpeg),
                           delay=0.2)
        env = setup_press(press, tmp_path, ["alpha"], n)
        data_dir = Path(env["AKHBAR_DATA_DIR"])
        # Kill once the press has seen a random number of requests: mid-feed, mid-page or
        # mid-image, at a different point for each seed.
        kill_after = rng.randrange(2, 2 * n)
        proc = subprocess.Popen([*AKHBAR, "crawl", "--once"], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(press.requests) < kill_after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.random() * 0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        again = akhbar("crawl", "--once", env=env)
        assert again.returncode == 0, again.stderr

    db = sqlite3.connect(data_dir / "akhbar.sqlite3")
    titles = [t for (t,) in db.execute("select title from news_article")]
    assert sorted(titles) == sorted(f"alpha dépêche {i}" for i in range(n))  # all, once each
    # Nothing stuck: no feed held by a lease, every picture fetched and stored whole.
    assert db.execute("select count(*) from sources_feed where lease_owner != ''").fetchone() == (0,)
    images = db.execute("select local_path, error_kind from news_image").fetchall()
    assert len(images) == n and all(path and not kind for path, kind in images), images
    assert media_tmp_files(data_dir) == []


def descendants(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return {int(p) for p in out} | {d for p in out for d in descendants(int(p))}


def alive(pid: int) -> bool:
    """Running (a zombie left to an init that does not reap, in a container, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) ")


def test_sigterm_stops_run_and_its_workers_within_3_s_and_leaves_nothing_running(tmp_path):
    """Also what ``akhbar run`` says: a round line with the feeds failing by kind, the task log
    showing the failed refresh, timestamps on every line, no task chatter, and a stop that says
    nothing alarming even when a worker abandons a refresh."""
    from tests.e2e.test_cli import free_port

    port = free_port()
    log_path = tmp_path / "run.log"
    with FixturePress() as press, log_path.open("w") as log_file:
        press.route_prefix("/alpha/", handler=lambda r: page("alpha dépêche"), delay=5.0)
        # "down" fails at once; polled first (older), it is done before the one worker
        # settles into alpha's slow refresh.
        env = setup_press(press, tmp_path, ["down", "alpha"], 4)
        press.route("/down.xml", "down for maintenance", status=503)
        proc = subprocess.Popen([*AKHBAR, "run", "--bind", f"127.0.0.1:{port}", "--tick", "1",
                                 "--workers", "1", "--web-workers", "1", "--no-migrate"],
                                env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
        children: set[int] = set()
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not (
                    any(r.path.startswith("/alpha/") for r in press.requests)
                    and "1 feed failing: http_503" in log_path.read_text()):
                time.sleep(0.05)
            assert any(r.path.startswith("/alpha/") for r in press.requests), "no refresh began"
            # A worker is inside a refresh, waiting on a slow page: stop akhbar run alone (its
            # children, each in a process group of its own, get no signal from us).
            children = descendants(proc.pid)
            # akhbar run's own threads: the supervisor at the server's priority, the story
            # thread (embeddings) at the workers'.
            threads = []
            for task in Path(f"/proc/{proc.pid}/task").iterdir():
                try:
                    threads.append(int((task / "stat").read_text().rsplit(")", 1)[1].split()[16]))
                except (FileNotFoundError, ProcessLookupError):
                    pass
            niceness = {}
            for pid in children:
                try:
                    niceness[pid] = (os.getpriority(os.PRIO_PROCESS, pid),
                                     Path(f"/proc/{pid}/cmdline").read_bytes())
                except (ProcessLookupError, FileNotFoundError):
                    pass
            stopped = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            elapsed = time.monotonic() - stopped
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            for pid in children:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
    assert len(children) >= 3, children  # gunicorn, its worker, the task worker
    assert not [pid for pid in children if alive(pid)]  # no child outlives it
    assert elapsed < 3.0, elapsed
    # Readers first: the task worker runs at a lower CPU priority than the web server.
    base = os.getpriority(os.PRIO_PROCESS, 0)
    workers = [n for n, cmd in niceness.values() if b"db_worker" in cmd]
    web = [n for n, cmd in niceness.values() if b"gunicorn" in cmd]
    assert workers and all(n == min(19, base + 10) for n in workers), niceness
    assert web and all(n == base for n in web), niceness
    assert base in threads and min(19, base + 10) in threads, threads
    db = sqlite3.connect(Path(env["AKHBAR_DATA_DIR"]) / "akhbar.sqlite3")
    statuses = [s for (s,) in db.execute("select status from django_tasks_database_dbtaskresult")]
    assert statuses and "RUNNING" not in statuses, statuses
    assert db.execute("select lease_owner from sources_feed").fetchall() == [("",), ("",)]
    # The failed refresh is FAILED in the task log, not SUCCESSFUL.
    assert ("FAILED", "akhbar.pipeline.tasks.FeedRefreshFailed") in db.execute(
        "select status, exception_class_path from django_tasks_database_dbtaskresult "
        "where task_path like '%refresh_feed_task'").fetchall()
    out = log_path.read_text()
    lines = out.splitlines()
    assert [ln for ln in lines if not TIMESTAMP.match(ln)] == []
    assert any("round: " in ln and " refreshed, " in ln and "1 feed failing: http_503 (of 2)"
               in ln for ln in lines), out
    assert f"Listening at: http://127.0.0.1:{port}" in out
    assert "Task id=" not in out and "Traceback" not in out and "SIGKILL" not in out, out
    assert "press Ctrl+C again" not in out and "interrupted by its worker's stop" in out
    # gunicorn's control socket is this instance's, in the data dir (not ~/.gunicorn, shared).
    assert f"Control socket listening at {Path(env['AKHBAR_DATA_DIR']).resolve()}/gunicorn.ctl" in out
