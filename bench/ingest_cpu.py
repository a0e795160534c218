"""Ingestion CPU per stored article, deterministic: what the task workers and the story thread
of ``akhbar run`` do per article, in one process, on a fixed fixture press.

The press (a child process, so that serving pages costs this process nothing) has ``--outlets``
outlets on loopback addresses of their own, each listing ``--items`` items: the dev set's
articles (tests/fixtures/clustering/dev.jsonl: fr/ar/en texts, stories across outlets), which
come round again after 162 items as syndicated copies; each dev-set event 3 hours after the one
before. Each feed is refreshed once through ``refresh_feed`` (the workers' path: fetch through
the database host gate, extraction, store, copies, the search index and the page-change log),
then stories are placed with ``assign_stories(limit=100)`` as the story thread does. A warm-up
outlet first loads the extraction, the embedder and the clusterer (not measured).

Reports the CPU seconds (``process_time``) of each phase per stored article; ``--queries`` the
SQL statements per article; ``--plans`` the statements whose SQLite plan scans or sorts;
``--idle-calls N`` the CPU time of N story-thread calls with nothing left to place (its
per-call look-ups);
``--profile PREFIX`` a cProfile of each phase; ``--dump FILE`` the stored rows (articles with
their text hashes, copies, stories, sections, topics, bands, search digests) to compare two
versions of the code: the same press gives the same rows. ``--seed N`` first stores an archive
of N articles as bench/web.py seeds it (no fingerprints), ``--analyze`` then runs ANALYZE (the
hourly upkeep does).

    .venv/bin/python -m bench.ingest_cpu [--items 30] [--seed 2000 --analyze] [--dump rows.tsv]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
ap.add_argument("--outlets", type=int, default=10)
ap.add_argument("--items", type=int, default=60)
ap.add_argument("--start", default="2026-11-29T12:00:00", help="the first event's time (UTC)")
ap.add_argument("--profile", default="", metavar="PREFIX")
ap.add_argument("--dump", default="", metavar="FILE")
ap.add_argument("--queries", action="store_true")
ap.add_argument("--no-stories", action="store_true")
ap.add_argument("--seed", type=int, default=0, help="an archive of N articles first (bench.web's seed)")
ap.add_argument("--analyze", action="store_true", help="ANALYZE after seeding (the hourly upkeep)")
ap.add_argument("--idle-calls", type=int, default=0, metavar="N",
                help="then N story-thread calls with nothing to place: CPU ms per call")
ap.add_argument("--plans", action="store_true", help="EXPLAIN each statement; print scans and sorts")
ap.add_argument("--serve", action="store_true", help="(internal) run the presses, print their URLs")
args = ap.parse_args()

data = Path(tempfile.mkdtemp(prefix="akhbar-bench-ingest-cpu-"))
for k in [k for k in os.environ if k.startswith(("AKHBAR_", "DJANGO_"))]:
    del os.environ[k]
os.environ.update({"AKHBAR_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "akhbar.settings.base",
                   "AKHBAR_ALLOW_PRIVATE_NETWORKS": "1", "AKHBAR_HOST_DELAY_SECONDS": "0",
                   "AKHBAR_HOST_CONCURRENCY": "8"})

from bench.web import rss_feed  # noqa: E402
from tests.press import FixturePress, RecordedRequest  # noqa: E402
from tests.web.press_site import article_page  # noqa: E402

START = datetime.fromisoformat(args.start).replace(tzinfo=UTC)
DEV = [json.loads(line) for line in
       (ROOT / "tests/fixtures/clustering/dev.jsonl").read_text(encoding="utf-8").splitlines()]

EVENTS = {e: k for k, e in enumerate(dict.fromkeys(d["event"] for d in DEV))}


def hash_int(s: str) -> int:
    return int(hashlib.sha256(s.encode()).hexdigest()[:8], 16)


def item(slug: str, n: int) -> dict[str, Any]:
    """Outlet i's item n: a dev-set article (real texts, real stories across outlets and
    languages); the 162 come round again after 162 items, as exact copies (syndication)."""
    i = int(slug.rsplit("-", 1)[-1])
    return DEV[(n * args.outlets + i + (7 if slug.startswith("warm") else 0)) % len(DEV)]


def feed_for(press: FixturePress, slug: str, items: int) -> Any:
    def feed(request: RecordedRequest) -> tuple[int, dict[str, str], str]:
        # Each dev-set event 3 hours after the one before (a week of news), its articles
        # minutes apart, as they are published.
        return rss_feed(slug, press.url("/"), [
            (item(slug, n)["title"], press.url(f"/a/{slug}/{n}.html"),
             START + timedelta(hours=3 * EVENTS[item(slug, n)["event"]],
                               seconds=37 * n + 3 * (hash_int(slug) % 50)))
            for n in range(items - 1, -1, -1)])
    return feed


def page(request: RecordedRequest) -> str:
    slug, _, name = request.path.removeprefix("/a/").partition("/")
    n = int(name.removesuffix(".html"))
    doc = item(slug, n)
    title = doc["title"]
    paras = [p for p in re.split(r"(?<=[.!?؟])\s+", doc["text"]) if p]
    return article_page(title, paras, lang=doc["language"], iso=None, image="")


def dump(path: str) -> None:
    from akhbar.news.models import Article, ArticleBand, ArticleTopic, Story
    from akhbar.search.models import SearchDoc

    def h(value: Any) -> str:
        raw = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    rows = []
    for a in Article.objects.select_related("story", "copy_of").order_by("url"):
        rows.append("\t".join(map(str, [
            a.pk, a.url, a.title, h(a.text), h(a.html), h(a.summary), a.published.isoformat(),
            a.language, a.section, a.section_source, a.authors, a.categories, a.extracted,
            a.extract_error, a.hidden, a.image_id, a.content_hash, a.entry_hash,
            a.copy_of.url if a.copy_of else "", a.story.key if a.story else "",
            a.fp_exact, h(a.fingerprint), h(a.cluster_features)])))
    for s in Story.objects.order_by("key"):
        rows.append("\t".join(map(str, [
            "STORY", s.key, s.title, s.article_count, s.outlet_count, s.languages,
            s.first_published, s.last_published, s.merged_into_id])))
    rows.append("TOPICS " + h(sorted(ArticleTopic.objects.values_list("article_id", "topic"))))
    rows.append("BANDS " + h(sorted(ArticleBand.objects.values_list("article_id", "band"))))
    rows.append("SEARCH " + h(sorted(SearchDoc.objects.values_list("article_id", "digest"))))
    rows = [re.sub(r"127\.0\.0\.\d+:\d+", "HOST", r) for r in rows]  # ports differ by run
    Path(path).write_text("\n".join(rows) + "\n", encoding="utf-8")


counts: collections.Counter[str] = collections.Counter()
examples: dict[str, tuple] = {}


def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    norm = re.sub(r"\(\s*(%s|\?)(\s*,\s*(%s|\?))*\s*\)", "(…)", sql)
    norm = re.sub(r"'[^']*'", "'…'", norm)
    counts[norm[:160]] += 1
    if (args.plans and not many and norm not in examples
            and sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))):
        examples[norm] = (sql, params)
    return execute(sql, params, many, context)


def plans() -> None:
    with connection.cursor() as cur:
        for norm, (sql, params) in examples.items():
            try:
                cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            except Exception as exc:  # noqa: BLE001
                print("  plan failed", exc, norm[:100])
                continue
            steps = [r[-1] for r in cur.fetchall()]
            if any(s.startswith("SCAN") or "TEMP B-TREE" in s for s in steps):
                print(f"  {steps}  <- {sql[:300]}")


def phase(name: str, fn: Any) -> tuple[Any, float, float, int, collections.Counter[str]]:
    prof = cProfile.Profile(time.process_time) if args.profile else None
    counts.clear()
    c0, w0 = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(counter) if args.queries or args.plans else contextlib.nullcontext():
        if prof:
            prof.enable()
        result = fn()
        if prof:
            prof.disable()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    if prof:
        prof.dump_stats(f"{args.profile}.{name}")
    return result, cpu, wall, sum(counts.values()), counts.copy()


def main() -> None:
    from akhbar.news.models import Article
    from akhbar.pipeline.fetching import shared_fetcher
    from akhbar.pipeline.refresh import refresh_feed
    from akhbar.pipeline.stories import assign_stories
    from akhbar.sources.models import Feed

    child = subprocess.Popen([sys.executable, __file__, "--serve", "--outlets", str(args.outlets),
                              "--items", str(args.items), "--start", args.start],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdin is not None
    urls = [child.stdout.readline().strip() for _ in range(args.outlets + 1)]
    try:
        reg = ""
        for i, base_url in enumerate(urls):
            slug = f"press-{i}" if i < args.outlets else "warm-0"
            reg += f'''
[[source]]
slug = "{slug}"
name = "Press {i}"
homepage = "{base_url}/{slug}/"
languages = ["fr", "ar", "en"]
country = "MA"
feeds = ["{base_url}/feed/{slug}.xml"]
timezone = "Africa/Casablanca"
display = "full"
'''
        (data / "reg.toml").write_text(reg, encoding="utf-8")
        with open(os.devnull, "w") as devnull:
            call_command("sources", "import", str(data / "reg.toml"), stdout=devnull)
        feeds = list(Feed.objects.select_related("source").order_by("pk"))
        warm = [f for f in feeds if f.source.slug == "warm-0"]
        measured = [f for f in feeds if f.source.slug != "warm-0"]
        fetcher = shared_fetcher()
        for f in warm:  # loads extraction, the embedder, the clusterer: not measured
            refresh_feed(f.pk, fetcher=fetcher)
        if not args.no_stories:
            while assign_stories(limit=100):
                pass
        n0 = Article.objects.count()

        def crawl() -> None:
            for f in measured:
                refresh_feed(f.pk, fetcher=fetcher)

        def stories() -> int:
            placed = 0
            while n := assign_stories(limit=100):
                placed += n
            return placed

        _, cpu1, wall1, q1, c1 = phase("crawl", crawl)
        stored = Article.objects.count() - n0
        print(f"crawl: {stored} stored, CPU {cpu1:.2f} s = {1000 * cpu1 / stored:.2f} ms/article, "
              f"wall {wall1:.1f} s" + (f", {q1 / stored:.1f} SQL/article" if args.queries else ""))
        if args.queries:
            for sql, c in c1.most_common(40):
                print(f"   {c / stored:6.2f}  {sql}")
        if not args.no_stories:
            placed, cpu2, wall2, q2, c2 = phase("stories", stories)
            print(f"stories: {placed} placed, CPU {cpu2:.2f} s = {1000 * cpu2 / stored:.2f} ms per "
                  f"stored article, wall {wall2:.1f} s"
                  + (f", {q2 / stored:.1f} SQL/article" if args.queries else ""))
            if args.queries:
                for sql, c in c2.most_common(40):
                    print(f"   {c / stored:6.2f}  {sql}")
        if args.idle_calls and not args.no_stories:
            # What every call of the story thread costs before placing anything: its
            # look-ups (re-embedded articles, articles to embed, late copies).
            t0 = time.process_time()
            for _ in range(args.idle_calls):
                assign_stories(limit=100)
            cpu = time.process_time() - t0
            print(f"idle story calls: {1000 * cpu / args.idle_calls:.2f} CPU ms per call "
                  f"({args.idle_calls} calls)")
        print(f"load {os.getloadavg()[0]:.1f}")
        if args.plans:
            print("plans with a scan or a sort:")
            plans()
        if args.dump:
            dump(args.dump)
    finally:
        child.stdin.close()
        child.wait()


def serve() -> None:
    presses = [FixturePress(f"127.0.0.{i + 2}") for i in range(args.outlets + 1)]
    for i, press in enumerate(presses):
        press.__enter__()
        slug = f"press-{i}" if i < args.outlets else "warm-0"
        items = args.items if i < args.outlets else 12
        press.route_prefix("/feed/", handler=feed_for(press, slug, items))
        press.route_prefix("/a/", handler=page)
        print(press.url("").rstrip("/"), flush=True)
    sys.stdin.read()
    for p in presses:
        p.__exit__(None, None, None)


if args.serve:
    serve()
else:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if args.seed:
        from bench.web import seed

        seed(dict(os.environ) | {"PYTHONPATH": str(ROOT)}, args.seed)
    if args.analyze:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    main()
