"""Benchmark: how page latency (cache cold), ingest rate and database size grow with the archive.

Fills a fresh database with N synthetic articles (20 outlets, stories of 5 articles), then times
home, article, outlet, story and API requests through Django's test client with the page cache
emptied before each request, runs EXPLAIN on every query those pages make and counts full scans
of the article table, stores 200 more articles through ``store_article`` (the ingestion write
path) for the ingest rate, and reports the database size per 100k articles.

Usage: .venv/bin/python -m bench.scale [--sizes 10000,100000] [--database-url postgres://…]
(a PostgreSQL database given here is emptied and filled; SQLite: a temporary file).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta


def setup(database_url: str | None, data_dir: str) -> None:
    os.environ["AKHBAR_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "akhbar.settings.base"
    os.environ["AKHBAR_ALLOWED_HOSTS"] = "testserver"
    if database_url:
        os.environ["AKHBAR_DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0) if database_url else None
    call_command("migrate", verbosity=0)


# As on a real archive: most articles in one of the home page's sections, some in none (an
# archive where no article has a section made every section front walk the whole date index).
SECTIONS = ("politics", "economy", "society", "sports", "culture", "world", "tech", "", "", "")


def _rows(model: type, objs: list) -> tuple[list[str], list[tuple]]:
    """Columns and database values of unsaved model instances, as a bulk insert writes them."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    cols = [connection.ops.quote_name(f.column) for f in fields]
    return cols, [tuple(f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields)
                  for o in objs]


def fill(n: int, start: int) -> None:
    """N more articles, in transactions of 20,000 rows through the driver's executemany (the
    ORM's per-object work made a million-article fill take hours); stories bulk-created."""
    from django.db import connection, transaction

    from akhbar.ingest.normalize import fold_text, url_variant_key
    from akhbar.news.models import Article, Story
    from akhbar.sources.models import Source

    sources = [Source.objects.get_or_create(slug=f"outlet{i}", defaults={
        "name": f"Outlet {i}", "homepage": f"https://outlet{i}.example/", "languages": ["fr"],
        "country": "MA"})[0] for i in range(20)]
    base = datetime(2024, 1, 1, tzinfo=UTC)
    template = Article(source=sources[0], url="https://x.example/", identity="x", title="x",
                       text="x", language="fr", published=base, first_seen_at=base)
    cols, (proto,) = _rows(Article, [template])
    names = [f.name for f in Article._meta.concrete_fields if not f.primary_key]
    at = {name: names.index(name) for name in (
        "source", "url", "url_key", "identity", "title", "title_folded", "text", "published",
        "first_seen_at", "story", "section")}
    sql = (f"INSERT INTO {connection.ops.quote_name(Article._meta.db_table)} ({', '.join(cols)}) "
           f"VALUES ({', '.join(['%s'] * len(cols))})")
    step = 20_000
    for chunk in range(start, start + n, step):
        ks = range(chunk, min(chunk + step, start + n))
        with transaction.atomic():
            stories = Story.objects.bulk_create([
                Story(key=f"s{k}", title=f"Histoire {k}", article_count=5, outlet_count=5,
                      last_published=base + timedelta(minutes=k)) for k in ks if k % 5 == 0])
            story_of = {k: stories[i // 5].pk for i, k in enumerate(ks)} if ks[0] % 5 == 0 else {}
            rows = []
            for k in ks:
                row = list(proto)
                url = f"https://outlet{k % 20}.example/a/{k}.html"
                title = f"Titre de l'article {k}"
                when = connection.ops.adapt_datetimefield_value(base + timedelta(minutes=k))
                for name, value in (("source", sources[k % 20].pk), ("url", url),
                                    ("url_key", url_variant_key(url)), ("identity", url),
                                    ("title", title), ("title_folded", fold_text(title)),
                                    ("text", f"Premier paragraphe {k}.\n\nSecond paragraphe {k}."),
                                    ("published", when), ("first_seen_at", when),
                                    ("story", story_of.get(k)),
                                    ("section", SECTIONS[k % len(SECTIONS)])):
                    row[at[name]] = value
                rows.append(tuple(row))
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
    # What the hourly upkeep of `akhbar run` / `akhbar scheduler` keeps true on a real archive:
    # planner statistics that know its size (bulk inserts leave those of an empty table).
    from akhbar.pipeline.maintenance import analyze_database

    analyze_database()
    if connection.vendor == "postgresql":
        # PostgreSQL's autovacuum does this on a live archive; right after a bulk fill it has
        # not yet, and the plans would be those of an empty table.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def page_times(urls: dict[str, str], repeat: int = 5) -> dict[str, tuple[float, float]]:
    """Median wall and CPU milliseconds of each page, the page cache emptied before each
    request (CPU: this process's, so on PostgreSQL the server's share is not in it)."""
    from django.core.cache import caches
    from django.test import Client

    client = Client()
    out = {}
    for name, url in urls.items():
        times, cpu = [], []
        for _ in range(repeat):
            caches["pages"].clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            assert response.status_code == 200, (url, response.status_code)
        out[name] = statistics.median(times) * 1000, statistics.median(cpu) * 1000
    return out


def full_scans(urls: dict[str, str], plans: list[str] | None = None) -> list[str]:
    """Full scans of the article table in the plans of the pages' queries (each plan appended
    to ``plans`` when given)."""
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, scans = Client(), []
    for name, url in urls.items():
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or "news_article" not in sql:
                continue
            with connection.cursor() as cursor:
                try:
                    if connection.vendor == "sqlite":
                        cursor.execute("EXPLAIN QUERY PLAN " + sql)
                        plan = " | ".join(str(r[-1]) for r in cursor.fetchall())
                        bad = "SCAN news_article" in plan and "USING" not in plan.split("SCAN news_article")[1][:40]
                    else:
                        cursor.execute("EXPLAIN " + sql)
                        plan = " | ".join(r[0] for r in cursor.fetchall())
                        bad = "Seq Scan on news_article" in plan
                except Exception:
                    continue  # parameters inlined badly: not explainable as printed
            if plans is not None:
                plans.append(f"{name}: {sql[:150]}\n      -> {plan}")
            if bad:
                scans.append(f"{name}: {plan[:160]}")
    return scans


def db_size() -> int:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        name = settings.DATABASES["default"]["NAME"]
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return os.path.getsize(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def ingest_rate(n: int = 200) -> float:
    from django.utils import timezone

    from akhbar.ingest.types import ArticleDraft, FeedEntry
    from akhbar.news.services import store_article
    from akhbar.sources.models import Source

    source = Source.objects.get(slug="outlet0")
    started = time.perf_counter()
    for i in range(n):
        url = f"https://outlet0.example/new/{time.time_ns()}-{i}.html"
        entry = FeedEntry(identity=url, url=url, title=f"Nouveau {i}")
        draft = ArticleDraft(url=url, title=f"Nouveau {i}", text=f"Texte nouveau {i} " * 40,
                             html="", published=timezone.now(), language="fr")
        store_article(source=source, feed=None, entry=entry, draft=draft, now=timezone.now())
    return n / (time.perf_counter() - started)


def _tree_rss_mb(root: int) -> tuple[float, float, str]:
    """Resident memory of a process and all its descendants, from /proc (Linux): the sum of
    their RSS (pages shared between them counted in each), the sum of their PSS (shared pages
    divided among the processes sharing them: what the tree costs the machine), and each
    process's RSS/PSS."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    parts, rss_sum, pss_sum = [], 0, 0
    for pid in sorted(tree):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a.decode() for a in fh.read().split(b"\0") if a]
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                fields = {line.split(":")[0]: int(line.split()[1]) * 1024
                          for line in fh if line[:4] in ("Rss:", "Pss:")}
        except (OSError, ValueError, IndexError):
            continue
        # akhbar run's children start as `python -c LAUNCHER PPID COMMAND...`
        words = argv[4:] if argv[1:2] == ["-c"] else argv[1:]
        name = " ".join(w for w in words[:3] if not w.startswith("/"))[:40] or argv[0]
        rss_sum += fields.get("Rss", 0)
        pss_sum += fields.get("Pss", 0)
        parts.append(f"{name} {fields.get('Rss', 0) / 1e6:.0f}/{fields.get('Pss', 0) / 1e6:.0f}")
    return rss_sum / 1e6, pss_sum / 1e6, "RSS/PSS MB: " + ", ".join(parts)


def run_rss(urls: dict[str, str], seconds: float = 60,
            warcs: list[str] | None = None) -> tuple[float, float, str]:
    """Peak RSS and PSS of ``akhbar run`` (web workers, task workers, scheduler: the whole
    tree) on this archive while its pages are requested, sampled for ``seconds``; ``warcs``:
    WARC files enqueued as import tasks first, so the task workers load the ingestion stack
    as they do on a crawling portal."""
    import socket
    import subprocess
    import urllib.request

    if warcs:
        from akhbar.pipeline.tasks import import_warc_task

        for path in warcs:
            import_warc_task.enqueue(os.path.abspath(path))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, AKHBAR_ALLOWED_HOSTS="127.0.0.1")
    proc = subprocess.Popen([sys.executable, "-m", "akhbar", "run", "--no-migrate", "--bind",
                             f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    peak = peak_pss = 0.0
    detail, deadline = "", time.monotonic() + seconds

    def imports_pending() -> bool:  # sampled on until the workers have done their imports
        if not warcs:
            return False
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()

    try:
        while time.monotonic() < deadline or (
                imports_pending() and time.monotonic() < deadline + 2 * seconds):
            for url in urls.values():
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=30).read()
                except OSError:
                    pass  # still starting
            total, pss, parts = _tree_rss_mb(proc.pid)
            if total > peak:
                peak, detail = total, parts
            peak_pss = max(peak_pss, pss)
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return peak, peak_pss, detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--plans", action="store_true",
                        help="print the plan of every article query of the pages, at each size")
    parser.add_argument("--run-rss", type=float, default=0, metavar="SECONDS",
                        help="also run `akhbar run` on the archive that long and report its peak "
                             "RSS and PSS, all processes together (SQLite only)")
    parser.add_argument("--run-warc", action="append", default=[], metavar="PATH",
                        help="with --run-rss: a WARC file enqueued as an import task first "
                             "(repeat: one per task worker), so the workers hold the ingestion "
                             "stack as on a crawling portal")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as data_dir:
        setup(args.database_url, data_dir)
        from django.db import connection

        from akhbar.news.models import Article, Story

        have = 0
        print(f"{connection.vendor}; load average {os.getloadavg()[0]:.1f}")
        print("articles  home  article  outlet  story  api   (wall ms / CPU ms, cache cold, "
              "median of 5)  ingest/s  MB/100k  full scans")
        for size in sizes:
            started = time.perf_counter()
            fill(size - have, have)
            have = size
            filled = time.perf_counter() - started
            article = Article.objects.order_by("-id").values_list("pk", flat=True).first()
            story = Story.objects.order_by("-id").values_list("pk", flat=True).first()
            urls = {"home": "/fr/", "article": f"/fr/articles/{article}/",
                    "outlet": "/fr/sources/outlet3/", "story": f"/fr/stories/{story}/",
                    "api": "/api/v1/articles?limit=50"}
            t = page_times(urls)
            plans: list[str] = []
            scans = full_scans(urls, plans)
            rate = ingest_rate()
            mb = db_size() / 1e6 / (size / 100_000)
            cells = "  ".join(f"{t[k][0]:.1f}/{t[k][1]:.1f}" for k in urls)
            print(f"{size:>8}  {cells}   {rate:8.1f}  {mb:7.1f}  {len(scans)}"
                  f"   (filled in {filled:.0f} s; load {os.getloadavg()[0]:.1f})")
            if args.run_rss:
                peak, pss, detail = run_rss(urls, args.run_rss, args.run_warc)
                print(f"    akhbar run, whole process tree: peak RSS sum {peak:.0f} MB, peak PSS "
                      f"sum {pss:.0f} MB over {args.run_rss:.0f} s ({detail})", flush=True)
            if args.plans:
                for line in dict.fromkeys(plans):
                    print("    plan", line)
            for line in scans:
                print("    full scan:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
