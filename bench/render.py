"""Benchmark: what one uncached render of the home and article pages costs, and where it goes.

On an archive filled by ``bench.scale`` (``--reuse``: nothing is added here, so two runs of
two versions of the code see the same database), each page is requested through Django's test
client with the page cache emptied before each request (the ticker strip and the trending
topics, kept beside the pages, go with it), pages interleaved. Prints the median CPU ms of this
process (``time.process_time``: the machine is shared, wall time is mostly the queue for a
core) and wall ms, the load average, and each page's queries (count, time).

    .venv/bin/python -m bench.scale --sizes 100000 --database-url sqlite:////tmp/render/scale.db
    .venv/bin/python -m bench.render --database-url sqlite:////tmp/render/scale.db \
        [--requests 25] [--profile home] [--queries] [--save-html DIR]
    cp /tmp/render/scale.db /tmp/render/big.db    # then, once, on the copy:
    .venv/bin/python -m bench.render --database-url sqlite:////tmp/render/big.db --big-stories

``--profile PAGE``: cProfile over the page's requests instead, top functions by own and by
cumulative time. ``--save-html DIR``: each page's body, to compare two versions byte for byte.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def urls(more: bool = False) -> dict[str, str]:
    """The edition's home; the newest article of the synthetic archive that is in a story
    covered by several outlets and in a section (coverage, related and topic blocks shown);
    with ``more``, also an outlet's page, a section's and that article's story."""
    from akhbar.news.models import Article

    pk, story = (Article.objects.filter(story__outlet_count__gt=1, hidden=False)
                 .exclude(section="").order_by("-id").values_list("pk", "story_id").first()
                 or (None, None))
    pages = {"home": "/fr/", "article": f"/fr/articles/{pk}/"}
    if more:
        pages.update(outlet="/fr/sources/outlet3/", section="/fr/sections/politics/",
                     story=f"/fr/stories/{story}/")
    return pages


def big_stories() -> None:
    """Give the home page's top stories the size the most covered stories have on a live portal:
    the story of the measured article takes 400 older articles of three outlets, the six newest
    other stories 150 each, and all seven come into the home page's 48-hour window, covered by
    five outlets. This edits the archive: run it on a copy."""
    from django.db.models import Max

    from akhbar.news.models import Article, Story

    article = Article.objects.get(pk=int(urls()["article"].split("/")[-2]))
    top = [article.story_id, *Story.objects.exclude(pk=article.story_id).order_by("-id")
           .values_list("pk", flat=True)[:6]]
    lower = Article.objects.filter(id__lt=99_000, story__isnull=False).exclude(story_id__in=top)
    Article.objects.filter(pk__in=list(lower.filter(
        source__slug__in=["outlet17", "outlet18", "outlet19"]).order_by("-id")
        .values_list("pk", flat=True)[:400])).update(story_id=article.story_id)
    for k, story in enumerate(top[1:]):
        picked = [pk for pk in lower.filter(id__lt=90_000).order_by("-id")
                  .values_list("pk", flat=True)[:2000] if pk % 7 == k][:150]
        Article.objects.filter(pk__in=picked).update(story_id=story)
    newest = Article.objects.filter(hidden=False).aggregate(m=Max("published"))["m"]
    Story.objects.filter(pk__in=top).update(last_published=newest, outlet_count=5)


def measure(pages: dict[str, str], requests: int) -> dict[str, tuple[float, float, float | None]]:
    """Median (CPU ms, wall ms) per page, uncached, pages interleaved; on PostgreSQL the server
    backend's mean CPU ms per request (/proc counts in ticks of 10 ms: a mean, not a median)."""
    from django.core.cache import caches
    from django.test import Client

    from bench.scale import _server_cpu

    client = Client()
    got: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}
    server: dict[str, float | None] = dict.fromkeys(pages, 0.0)
    for _ in range(requests):
        for name, url in pages.items():
            caches["pages"].clear()
            before = _server_cpu()
            cpu, wall = time.process_time(), time.perf_counter()
            response = client.get(url)
            got[name].append((time.process_time() - cpu, time.perf_counter() - wall))
            after = _server_cpu()
            so_far = server[name]
            server[name] = (None if before is None or after is None or so_far is None
                            else so_far + after - before)
            assert response.status_code == 200, (url, response.status_code)
    return {name: (statistics.median(c for c, _ in t) * 1000,
                   statistics.median(w for _, w in t) * 1000,
                   None if server[name] is None else server[name] / requests * 1000)
            for name, t in got.items()}


def queries(url: str) -> list[tuple[float, str]]:
    """(seconds, SQL) of each query an uncached request of ``url`` makes."""
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(url)  # warm: connection, templates
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return [(float(q["time"]), q["sql"]) for q in ctx.captured_queries]


def profile(url: str, requests: int) -> None:
    import cProfile
    import pstats

    from django.core.cache import caches
    from django.test import Client

    client = Client()
    client.get(url)
    prof = cProfile.Profile()
    for _ in range(requests):
        caches["pages"].clear()
        prof.enable()
        client.get(url)
        prof.disable()
    stats = pstats.Stats(prof).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--profile", choices=("home", "article", "outlet", "section", "story"))
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--save-html", metavar="DIR")
    parser.add_argument("--more", action="store_true",
                        help="also an outlet's page, a section's and the article's story")
    parser.add_argument("--big-stories", action="store_true",
                        help="first make the top stories hundreds of articles each (edits the "
                             "archive: give it a copy)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        from bench.scale import setup

        setup(args.database_url, data_dir, reuse=True)
        if args.big_stories:
            big_stories()
        pages = urls(args.more)
        if args.profile:
            profile(urls(True)[args.profile], args.requests)
            return 0
        if args.save_html:
            from django.core.cache import caches
            from django.test import Client

            Path(args.save_html).mkdir(parents=True, exist_ok=True)
            for name, url in pages.items():
                caches["pages"].clear()
                Path(args.save_html, f"{name}.html").write_bytes(Client().get(url).content)
        if args.queries:
            for name, url in pages.items():
                found = queries(url)
                print(f"{name} {url}: {len(found)} queries, "
                      f"{sum(t for t, _ in found) * 1000:.1f} ms")
                for seconds, sql in found:
                    print(f"  {seconds * 1000:6.2f}  {sql[:220]}")
        measure(pages, 2)  # warm
        load = os.getloadavg()
        result = measure(pages, args.requests)
        end = os.getloadavg()
        print(f"load average {load[0]:.2f} -> {end[0]:.2f}; median of {args.requests} uncached "
              f"requests per page")
        for name, (cpu, wall, server) in result.items():
            print(f"  {name:8} {pages[name]:24} CPU {cpu:6.1f} ms   wall {wall:6.1f} ms"
                  + ("" if server is None else f"   PostgreSQL server CPU {server:5.1f} ms"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
