"""Scale out with real processes: the same ingestion scenario on SQLite + the database queue and
on PostgreSQL + Redis with two RQ workers; SIGKILL of a worker mid-batch; per-feed exclusion and
per-host concurrency across workers."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.e2e.test_cli import AKHBAR, ROOT, akhbar, env_for
from tests.hostile.hostile_press import dated, item, page, rss
from tests.hostile.test_processes import registry
from tests.press import FixturePress, RecordedRequest

# Real processes (akhbar run, workers, nginx, a crawl): minutes on a loaded machine, not a hang.
pytestmark = pytest.mark.timeout(300)

if os.environ.get("AKHBAR_DATABASE_URL", "").startswith("postgres"):
    # Their processes choose their own databases: they run once, in the SQLite pass.
    pytest.skip("process tests run in the SQLite pass only", allow_module_level=True)

# A Redis database of the tests' own, flushed per test (7 in CI; a helper sharing the server
# names another with AKHBAR_TEST_REDIS_DB).
REDIS_DB = int(os.environ.get("AKHBAR_TEST_REDIS_DB", "7"))
PG_URL = os.environ.get("AKHBAR_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
SLUGS = ["alpha", "beta", "gamma"]
FAILING = "delta"  # an outlet whose feed answers 500
PER_SOURCE = 3


def _redis() -> object | None:
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=2)
        client.ping()
        return client
    except Exception:
        return None


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = _redis()
    need(client is not None, "Redis does not answer on 127.0.0.1:6379 (redis-server)")
    client.flushdb()  # type: ignore[attr-defined]
    yield f"redis://127.0.0.1:6379/{REDIS_DB}"
    client.flushdb()  # type: ignore[attr-defined]


@pytest.fixture
def pg_url() -> Iterator[str]:
    import psycopg

    base = PG_URL.replace("postgres://", "postgresql://")
    name = base.rsplit("/", 1)[1] + "_rq"
    try:
        admin = psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True,
                                connect_timeout=3)
    except Exception:
        admin = None
    need(admin is not None, f"PostgreSQL does not answer at {PG_URL}")
    assert admin is not None
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Watch:
    """What the press saw: pages in flight at once (per host: all on 127.0.0.1), and any feed
    fetched by two workers at once."""

    def __init__(self, slow: float) -> None:
        self.slow, self.lock = slow, threading.Lock()
        self.pages_now = self.pages_max = 0
        self.inflight: set[object] = set()
        self.feeds_now: dict[str, int] = {}
        self.feed_overlap = False

    def page(self, request: RecordedRequest) -> str:
        token = object()
        with self.lock:
            self.inflight.add(token)
            self.pages_now += 1
            self.pages_max = max(self.pages_max, self.pages_now)
        time.sleep(self.slow)
        with self.lock:
            if token in self.inflight:
                self.inflight.discard(token)
                self.pages_now -= 1
        slug, _, name = request.path.strip("/").partition("/")
        return page(f"{slug} dépêche {name.removesuffix('.html')}")

    def abandon(self) -> None:
        """The page being served when a worker was SIGKILLed: this server goes on sleeping on
        it, but nobody waits for it any more (the host slot is rightly taken over at once)."""
        with self.lock:
            self.pages_now -= len(self.inflight)
            self.inflight.clear()

    def feed(self, slug: str, body: str):  # noqa: ANN201
        def handler(request: RecordedRequest) -> tuple[int, dict[str, str], str]:
            with self.lock:
                self.feeds_now[slug] = self.feeds_now.get(slug, 0) + 1
                self.feed_overlap |= self.feeds_now[slug] > 1
            time.sleep(0.05)
            with self.lock:
                self.feeds_now[slug] -= 1
            return 200, {"Content-Type": "application/rss+xml"}, body
        return handler


def press_with_sources(press: FixturePress, tmp_path: Path, watch: Watch,
                       extra_env: dict[str, str], *, failing: bool = False) -> dict[str, str]:
    """Three outlets on the press (and, with ``failing``, a fourth whose feed answers 500)."""
    for slug in SLUGS:
        items = [item(f"{slug} dépêche {i}", link=press.url(f"/{slug}/{i}.html"), date=dated(i))
                 for i in range(PER_SOURCE)]
        press.route_prefix(f"/{slug}/", handler=watch.page)
        press.route(f"/{slug}.xml", handler=watch.feed(slug, rss(items)))
    # The processes' metrics of this test alone (not the suite's directory).
    env = env_for(tmp_path) | {"AKHBAR_HOST_CONCURRENCY": "1",
                               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")} | extra_env
    reg = tmp_path / "scale.toml"
    if failing:
        press.route(f"/{FAILING}.xml", b"", status=500)
    reg.write_text(registry(press, [*SLUGS, *([FAILING] if failing else [])]), encoding="utf-8")
    migrated = akhbar("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    imported = akhbar("sources", "import", str(reg), env=env)
    assert imported.returncode == 0, imported.stderr
    return env


def query(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    """Rows of the processes' database, read here (no Django process to start for it)."""
    url = env.get("AKHBAR_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            return list(conn.execute(sql).fetchall())
    import sqlite3

    conn = sqlite3.connect(Path(env["AKHBAR_DATA_DIR"]) / "akhbar.sqlite3")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def titles(env: dict[str, str]) -> list[str]:
    return sorted(str(r[0]) for r in query(env, "SELECT title FROM news_article"))


EXPECTED = sorted(f"{slug} dépêche {i}" for slug in SLUGS for i in range(PER_SOURCE))


def start_workers(env: dict[str, str], n: int, *, burst: bool) -> list[subprocess.Popen[str]]:
    args = ["worker", "--burst"] if burst else ["worker"]
    # A session of their own: a signal RQ sends to a process group never reaches pytest.
    return [subprocess.Popen([*AKHBAR, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
            for _ in range(n)]


def reap(workers: list[subprocess.Popen[str]]) -> None:
    """Kill what is left of workers and their work horses (a failed or timed-out test must not
    leave an RQ process behind on the tests' Redis database for the next run)."""
    for w in workers:
        # The whole session: a worker killed mid-job leaves its RQ work horse (a child in the
        # worker's session) behind, which a poll of the worker alone does not see.
        try:
            os.killpg(w.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        w.wait()


def run_scenario(env: dict[str, str], watch: Watch, press: FixturePress) -> None:
    """The three outlets and the failing one, refreshed by two burst workers."""
    tick = akhbar("scheduler", "--once", env=env)
    assert tick.returncode == 0, tick.stderr
    assert f"feeds={len(SLUGS) + 1}" in tick.stdout, tick.stdout
    workers = start_workers(env, 2, burst=True)
    try:
        outs = [w.communicate(timeout=120) for w in workers]
    finally:
        reap(workers)
    assert all(w.returncode == 0 for w in workers), outs
    assert titles(env) == EXPECTED  # every article, once
    assert watch.pages_max == 1  # AKHBAR_HOST_CONCURRENCY=1 on 127.0.0.1, across both workers
    assert not watch.feed_overlap  # no feed fetched by two workers at once
    pages = [r.path for r in press.requests if r.path.endswith(".html")]
    assert len(pages) == len(set(pages)) == len(EXPECTED)  # no page fetched twice
    # What /metrics adds up from the worker processes' files: what the crawl did, and the
    # time each refresh waited in its queue.
    seen = samples(env)
    assert seen[("akhbar_articles_ingested_total", ())] == len(EXPECTED)
    fetched: dict[tuple[str, str], float] = {}
    for (name, labels), value in seen.items():
        if name == "akhbar_fetches_total":
            key = (dict(labels)["what"], dict(labels)["status"])
            fetched[key] = fetched.get(key, 0) + value
    assert fetched == {("feed", "200"): len(SLUGS), ("feed", "500"): 1,
                       ("page", "200"): len(EXPECTED)}, fetched
    assert seen[("akhbar_task_wait_seconds_count", (("task", "refresh_feed_task"),))] == 4
    assert seen[("akhbar_task_seconds_count", (("outcome", "error"),
                                               ("task", "refresh_feed")))] == 1


def samples(env: dict[str, str]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The metrics the processes wrote, as GET /metrics adds them up (multiprocess files)."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=env["PROMETHEUS_MULTIPROC_DIR"])
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in registry.collect() for s in family.samples}


def test_scenario_on_sqlite_and_the_database_queue(tmp_path):
    watch = Watch(slow=0.05)
    with FixturePress() as press:
        env = press_with_sources(press, tmp_path, watch, {"AKHBAR_TASK_BACKEND": "database"},
                                 failing=True)
        run_scenario(env, watch, press)
    # The failed refresh is a failed task in the queue's log, not a successful one.
    rows = query(env, "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult "
                      "WHERE task_path LIKE '%refresh_feed_task' GROUP BY status")
    assert dict(rows) == {"SUCCESSFUL": len(SLUGS), "FAILED": 1}, rows


def test_scenario_on_postgresql_and_redis_with_two_rq_workers(tmp_path, redis_url, pg_url):
    watch = Watch(slow=0.05)
    with FixturePress() as press:
        env = press_with_sources(press, tmp_path, watch, {
            "AKHBAR_TASK_BACKEND": "rq", "AKHBAR_REDIS_URL": redis_url,
            "AKHBAR_DATABASE_URL": pg_url}, failing=True)
        run_scenario(env, watch, press)
    # The failed refresh is a failed job in RQ's records, not a successful one.
    import redis
    from rq import Queue
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    queue = Queue("ingest", connection=redis.Redis.from_url(redis_url))
    assert len(FailedJobRegistry(queue=queue)) == 1
    assert len(FinishedJobRegistry(queue=queue)) == len(SLUGS)


def test_sigkill_of_an_rq_worker_mid_batch_loses_and_duplicates_nothing(tmp_path, redis_url):
    watch = Watch(slow=0.2)
    with FixturePress() as press:
        env = press_with_sources(press, tmp_path, watch, {
            "AKHBAR_TASK_BACKEND": "rq", "AKHBAR_REDIS_URL": redis_url})
        assert akhbar("scheduler", "--once", env=env).returncode == 0
        workers = start_workers(env, 2, burst=False)
        try:
            deadline = time.monotonic() + 60
            while (sum(r.path.endswith(".html") for r in press.requests) < 3
                   and time.monotonic() < deadline):
                time.sleep(0.02)
            # Mid-batch, inside a refresh: the worker and its work horse (the job runs in the
            # horse, which holds the feed's lease under its own pid; a horse left running
            # keeps that lease, rightly, and the feed is not "freed" until it ends).
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait()
            watch.abandon()
            # Restart: the scheduler frees the dead worker's feed at once (its process is
            # gone) and enqueues it again; a new worker joins the survivor until no job is left.
            again = akhbar("scheduler", "--once", env=env)
            assert again.returncode == 0, again.stderr
            assert "freed=1" in again.stdout and "feeds=1" in again.stdout, again.stdout
            rerun = start_workers(env, 1, burst=True)
            try:
                outs = [w.communicate(timeout=120) for w in rerun]
            finally:
                reap(rerun)
            assert all(w.returncode == 0 for w in rerun), outs
        finally:
            workers[1].send_signal(signal.SIGTERM)
            try:
                workers[1].communicate(timeout=60)
            finally:
                reap(workers)
        assert titles(env) == EXPECTED
        assert watch.pages_max == 1 and not watch.feed_overlap
        # The dead worker's host slot was taken over at once (its process is gone), not after
        # its 36 s hold: no pause of that length between two requests to the host.
        times = sorted(r.time for r in press.requests)
        assert max(b - a for a, b in zip(times, times[1:], strict=False)) < 20
