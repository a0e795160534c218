"""What the headline ticker costs a page render: the same pages rendered (page-cache misses)
without the ticker, with it as served (its HTML remembered per edition), and with it rendered
afresh each time, interleaved, over a throw-away SQLite database of synthetic articles.

    .venv/bin/python -m bench.reader [--articles 3000] [--rounds 7] [--renders 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--renders", type=int, default=15)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="akhbar-bench-reader-")
    os.environ.update(AKHBAR_DATA_DIR=data, DJANGO_SETTINGS_MODULE="akhbar.settings.base",
                      AKHBAR_DATABASE_URL=f"sqlite:///{data}/bench.sqlite3",
                      AKHBAR_SECRET_KEY="bench-" + "x" * 60)
    import django

    django.setup()
    import random
    from datetime import UTC, datetime, timedelta

    from django.conf import settings
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from akhbar.news.models import Article, Story
    from akhbar.sources.models import Source

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    sources = [Source.objects.create(slug=f"o{i}", name=f"Outlet {i}", homepage=f"https://o{i}.example/",
                                     languages=["fr" if i % 3 else "ar"], country="MA")
               for i in range(40)]
    story = Story.objects.create(key="s", title="S", outlet_count=5)
    now = datetime.now(UTC)
    Article.objects.bulk_create([Article(
        source=sources[i % 40], url=f"https://o{i % 40}.example/{i}", identity=str(i),
        title=f"Titre de l'article numéro {i} sur l'économie et le budget", text="Texte.\n\nSuite.",
        language=sources[i % 40].languages[0], section=("economy", "politics", "sports")[i % 3],
        published=now - timedelta(minutes=i * rng.randint(1, 5)),
        story=story if i % 50 == 0 else None) for i in range(args.articles)])
    first = Article.objects.order_by("-published").first()
    assert first is not None
    paths = {"article": f"/fr/articles/{first.pk}/", "home": "/fr/", "section": "/fr/sections/economy/",
             "sources": "/fr/sources/", "story": f"/fr/stories/{story.pk}/"}
    client = Client(HTTP_HOST="localhost")
    no_strip = [dict(t, OPTIONS=dict(t["OPTIONS"], context_processors=[
        p for p in t["OPTIONS"]["context_processors"] if p != "akhbar.news.context.ticker"]))
        for t in settings.TEMPLATES]

    def drop_pages() -> None:  # page entries only: the ticker's HTML stays remembered
        store = caches["pages"]
        for key in [k for k in list(store._cache) if ":page:" in k]:  # type: ignore[attr-defined]
            store.delete(key.split(":", 2)[2])

    def run(path: str, mode: str) -> float:
        times = []
        for _ in range(args.renders):
            if mode == "cold":
                caches["pages"].clear()
            else:
                drop_pages()
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200 and response["X-Akhbar-Cache"] == "miss", (
                path, response.status_code, response.get("X-Akhbar-Cache"))
        return statistics.median(times) * 1000

    results: dict[tuple[str, str], list[float]] = {}
    for path in paths.values():
        client.get(path)  # warm imports and templates
    for _ in range(args.rounds):
        for name, path in paths.items():
            with override_settings(TEMPLATES=no_strip):
                results.setdefault((name, "none"), []).append(run(path, "none"))
            results.setdefault((name, "kept"), []).append(run(path, "kept"))
            results.setdefault((name, "cold"), []).append(run(path, "cold"))
    from django.utils import translation

    from akhbar.news.context import strip_html

    with translation.override("fr"):
        strip_html("fr")
        start = time.perf_counter()
        for _ in range(1000):
            strip_html("fr")
        kept_us = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        for _ in range(20):
            caches["pages"].delete("reader-strip:fr")
            strip_html("fr")
        fresh_ms = (time.perf_counter() - start) * 1000 / 20
    print(f"ticker alone: {kept_us:.1f} µs remembered, {fresh_ms:.2f} ms rendered afresh")
    print(f"{args.articles} articles, 40 outlets; median of {args.rounds} rounds x "
          f"{args.renders} renders (ms per page-cache miss); load {os.getloadavg()[0]:.1f}")
    print(f"{'page':10} {'no ticker':>10} {'ticker':>10} {'ratio':>7} {'rendered':>10} {'ratio':>7}")
    for name in paths:
        none, kept, cold = (statistics.median(results[(name, m)]) for m in ("none", "kept", "cold"))
        print(f"{name:10} {none:10.2f} {kept:10.2f} {kept / none:7.2f} {cold:10.2f} {cold / none:7.2f}")


if __name__ == "__main__":
    main()
