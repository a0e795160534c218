"""Benchmark: how page latency (cache cold), ingest rate and database size grow with the archive.

Fills a fresh database with N synthetic articles (20 outlets, stories of 5 articles), then times
home, article, outlet, story and API requests through Django's test client with the page cache
emptied before each request, runs EXPLAIN on every query those pages make and counts full scans
of the article table, stores 200 more articles through ``store_article`` (the ingestion write
path) for the ingest rate, and reports the database size per 100k articles.

Usage: .venv/bin/python -m bench.scale [--sizes 10000,100000] [--database-url postgres://…]
(a PostgreSQL database given here is emptied and filled; SQLite: a temporary file, or the file
of a ``sqlite:////abs/path`` URL). ``--reuse`` keeps what the database given holds and only adds
the articles missing to reach each size (to re-measure pages on an archive filled before).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta


def setup(database_url: str | None, data_dir: str, reuse: bool = False) -> None:
    os.environ["AKHBAR_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "akhbar.settings.base"
    os.environ["AKHBAR_ALLOWED_HOSTS"] = "testserver"
    if database_url:
        os.environ["AKHBAR_DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if database_url and not reuse:
        if connection.vendor == "postgresql":
            # From an empty schema: a run killed in the middle of a fill leaves the article
            # table without its secondary indexes (dropped for the fill), which flush keeps.
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            call_command("flush", interactive=False, verbosity=0)
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
    """N more articles, in transactions of 20,000 rows through the driver's executemany on
    SQLite and COPY on PostgreSQL (the ORM's per-object work made a million-article fill take
    hours); stories bulk-created; one article in ten names a topic."""
    from django.db import connection, transaction

    from akhbar.news.models import Article
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
    pg = connection.vendor == "postgresql"
    # PostgreSQL, large fills: the secondary indexes are dropped and built again after the
    # rows are in (one sort per index instead of a million B-tree insertions each).
    rebuild = _drop_indexes(Article._meta.db_table) if pg and n >= 50_000 else []
    last_id = Article.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        _fill_chunks(n, start, step, sources, proto, at, sql, cols, pg)
    finally:  # even when interrupted: never leave the archive without its indexes
        if rebuild:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for ddl in rebuild:
                    cursor.execute(ddl)
            print(f"    (PostgreSQL: {len(rebuild)} indexes of news_article built again in "
                  f"{time.perf_counter() - started:.0f} s)", flush=True)
    with transaction.atomic(), connection.cursor() as cursor:
        # Topic mentions, for the topic page: one article in ten names Morocco.
        cursor.execute(
            "INSERT INTO news_articletopic (article_id, topic, published) SELECT id, 'maroc', "
            f"published FROM news_article WHERE id > {int(last_id)} AND id % 10 = 0")
    _statistics()


def _fill_chunks(n: int, start: int, step: int, sources: list, proto: tuple,
                 at: dict[str, int], sql: str, cols: list[str], pg: bool) -> None:
    from django.db import connection, transaction

    from akhbar.ingest.normalize import fold_text, url_variant_key
    from akhbar.news.models import Article, Story

    base = datetime(2024, 1, 1, tzinfo=UTC)
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
            if pg:
                _copy(Article._meta.db_table, cols, rows)
            else:
                with connection.cursor() as cursor:
                    cursor.executemany(sql, rows)


def _statistics() -> None:
    from django.db import connection

    # What the hourly upkeep of `akhbar run` / `akhbar scheduler` keeps true on a real archive:
    # planner statistics that know its size (bulk inserts leave those of an empty table).
    from akhbar.pipeline.maintenance import analyze_database

    analyze_database()
    if connection.vendor == "postgresql":
        # PostgreSQL's autovacuum does this on a live archive; right after a bulk fill it has
        # not yet, and the plans would be those of an empty table.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _drop_indexes(table: str) -> list[str]:
    """Drop the table's indexes that back no constraint (PostgreSQL); their CREATE statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT "
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)", [table])
        found = cursor.fetchall()
        for name, _ddl in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [ddl for _name, ddl in found]


def _copy(table: str, cols: list[str], rows: list[tuple]) -> None:
    """Rows into a PostgreSQL table through COPY (psycopg 3), inside the caller's transaction.
    The foreign keys are not checked row by row (session_replication_role = replica: the
    synthetic rows point at sources and stories made just before)."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET LOCAL session_replication_role = replica")
        with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _server_cpu() -> float | None:
    """CPU seconds the PostgreSQL backend serving this connection has used (from /proc: the
    server runs on this machine), or None on SQLite / when /proc cannot tell."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def page_times(urls: dict[str, str],
               repeat: int = 5) -> dict[str, tuple[float, float, float | None]]:
    """Median wall and CPU milliseconds of each page, the page cache emptied before each
    request (CPU: this process's), and on PostgreSQL the server backend's CPU milliseconds per
    request (mean over the repeats: /proc counts in ticks of 10 ms)."""
    from django.core.cache import caches
    from django.test import Client

    client = Client()
    out = {}
    for name, url in urls.items():
        times, cpu = [], []
        server_started = _server_cpu()
        for _ in range(repeat):
            caches["pages"].clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            assert response.status_code == 200, (url, response.status_code)
        server_ended = _server_cpu()
        server = (None if server_started is None or server_ended is None
                  else (server_ended - server_started) / repeat * 1000)
        out[name] = statistics.median(times) * 1000, statistics.median(cpu) * 1000, server
    return out


# The tables that grow with the archive: a page must never read any of them whole.
BIG_TABLES = ("news_article", "news_articletopic", "news_story")


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
            if not sql.startswith("SELECT") or not any(t in sql for t in BIG_TABLES):
                continue
            with connection.cursor() as cursor:
                try:
                    if connection.vendor == "sqlite":
                        cursor.execute("EXPLAIN QUERY PLAN " + sql)
                        plan = " | ".join(str(r[-1]) for r in cursor.fetchall())
                        bad = any(re.search(rf"\bSCAN {t}\b(?! USING)", plan) for t in BIG_TABLES)
                    else:
                        cursor.execute("EXPLAIN " + sql)
                        plan = " | ".join(r[0] for r in cursor.fetchall())
                        bad = any(re.search(rf"Seq Scan on {t}\b", plan) for t in BIG_TABLES)
                except Exception as exc:  # parameters inlined badly: not explainable as printed
                    plan, bad = f"(not explained: {type(exc).__name__})", False
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

    from bench.web import stop_run

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
        stop_run(proc, timeout=60)
    return peak, peak_pss, detail


PAGES = ("home", "article", "outlet", "day", "old_day", "section", "topic", "story", "api")


def bench_urls(size: int) -> dict[str, str]:
    """The pages measured: the newest article and story, an outlet's page, its latest day and a
    day in the middle of its archive, a section, a topic, the API's first page."""
    from django.utils import timezone

    from akhbar.news.models import Article, Story

    article = Article.objects.order_by("-id").values_list("pk", flat=True).first()
    story = Story.objects.order_by("-id").values_list("pk", flat=True).first()
    latest = (Article.objects.filter(source__slug="outlet3").order_by("-published")
              .values_list("published", flat=True).first())
    assert latest is not None
    old = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=size // 2)
    tz = timezone.get_current_timezone()
    day, old_day = latest.astimezone(tz).date(), old.astimezone(tz).date()
    return {"home": "/fr/", "article": f"/fr/articles/{article}/",
            "outlet": "/fr/sources/outlet3/",
            "day": f"/fr/sources/outlet3/{day.year}/{day.month}/{day.day}/",
            "old_day": f"/fr/sources/outlet3/{old_day.year}/{old_day.month}/{old_day.day}/",
            "section": "/fr/sections/politics/", "topic": "/fr/topics/maroc/",
            "story": f"/fr/stories/{story}/", "api": "/api/v1/articles?limit=50"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--plans", action="store_true",
                        help="print the plan of every article query of the pages, at each size")
    parser.add_argument("--run-rss", type=float, default=0, metavar="SECONDS",
                        help="also run `akhbar run` on the archive that long and report its peak "
                             "RSS and PSS, all processes together (SQLite only)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the articles the database given already holds (no flush)")
    parser.add_argument("--run-warc", action="append", default=[], metavar="PATH",
                        help="with --run-rss: a WARC file enqueued as an import task first "
                             "(repeat: one per task worker), so the workers hold the ingestion "
                             "stack as on a crawling portal")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as data_dir:
        setup(args.database_url, data_dir, args.reuse)
        from django.db import connection

        from akhbar.news.models import Story

        have = Story.objects.filter(key__startswith="s").count() * 5 if args.reuse else 0
        print(f"{connection.vendor}; load average {os.getloadavg()[0]:.1f}"
              f"{f'; reusing {have} articles' if have else ''}")
        print("articles  " + "  ".join(PAGES) + "   (wall ms / CPU ms [+ PostgreSQL server "
              "CPU ms], cache cold, median of 5)"
              "  ingest/s  MB/100k  full scans")
        for size in sizes:
            started = time.perf_counter()
            if size > have:
                fill(size - have, have)
                have = size
            filled = time.perf_counter() - started
            urls = bench_urls(have)
            t = page_times(urls)
            plans: list[str] = []
            scans = full_scans(urls, plans)
            rate = ingest_rate()
            mb = db_size() / 1e6 / (size / 100_000)
            cells = "  ".join(f"{t[k][0]:.1f}/{t[k][1]:.1f}"
                              + (f"+{t[k][2]:.0f}" if t[k][2] is not None else "") for k in urls)
            print(f"{size:>8}  {cells}   {rate:8.1f}  {mb:7.1f}  {len(scans)}"
                  f"   (filled in {filled:.0f} s; load {os.getloadavg()[0]:.1f})", flush=True)
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
