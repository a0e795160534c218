"""Benchmark: memory of `akhbar run` (web workers, task workers, scheduler) on a 100k archive.

Fills a SQLite archive with ``bench.scale``'s fast fill (or reuses ``--archive`` if it holds
one), copies it, registers one source per host of the newspaper4k pages and enqueues two WARC
import tasks of ``--pages`` pages (one per task worker: both load the ingestion stack and
extract, as on a crawling portal), then runs ``akhbar run`` on the copy while its pages are
requested in a loop, and reports the peak sum of RSS and of PSS over the process tree and
each process's share (``bench.scale.run_rss``), sampled until the imports are done.

Usage: .venv/bin/python -m bench.run_memory [--archive DIR] [--seconds 150] [--pages 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", default="", help="a data dir holding (or to hold) the archive")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--fill-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from bench import ingest, scale

    if not ingest.DATA.exists():
        print(f"no benchmark data at {ingest.DATA}: nothing measured")
        return 0
    keep = Path(args.archive or tempfile.mkdtemp(prefix="akhbar-archive-"))
    if args.fill_only:
        started = time.perf_counter()
        scale.setup(None, str(keep))
        scale.fill(args.size, 0)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()
        print(f"filled {args.size} articles in {time.perf_counter() - started:.0f} s")
        return 0
    if not (keep / "akhbar.sqlite3").exists():  # filled in a process of its own (settings)
        subprocess.run([sys.executable, "-m", "bench.run_memory", "--fill-only", "--archive",
                        str(keep), "--size", str(args.size)], check=True)
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data"
        shutil.copytree(keep, data, ignore=shutil.ignore_patterns("metrics", "static"))
        os.environ["AKHBAR_KEEP_PAGES"] = "0"
        scale.setup(None, str(data))
        from django.core.management import call_command

        from akhbar.news.models import Article, Story

        pages = ingest.load(args.pages)
        (Path(work) / "reg.toml").write_text(ingest.registry(pages), encoding="utf-8")
        call_command("sources", "import", str(Path(work) / "reg.toml"), verbosity=0)
        warcs = [Path(work) / "a.warc.gz", Path(work) / "b.warc.gz"]
        ingest.write_warc(warcs[0], pages[0::2])
        ingest.write_warc(warcs[1], pages[1::2])
        article = Article.objects.order_by("-id").values_list("pk", flat=True).first()
        story = Story.objects.order_by("-id").values_list("pk", flat=True).first()
        urls = {"home": "/fr/", "article": f"/fr/articles/{article}/",
                "outlet": "/fr/sources/outlet3/", "story": f"/fr/stories/{story}/",
                "api": "/api/v1/articles?limit=50", "search": "/fr/search/?q=monde"}
        before = Article.objects.count()
        print(f"{before} articles; load average {os.getloadavg()[0]:.1f}", flush=True)
        peak, pss, detail = scale.run_rss(urls, args.seconds, [str(w) for w in warcs])
        print(f"akhbar run, whole process tree: peak RSS sum {peak:.0f} MB, peak PSS sum "
              f"{pss:.0f} MB ({detail}); {Article.objects.count() - before} articles imported "
              f"meanwhile; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
