"""Web serving benchmark: dynamic pages against the same bytes served as a static file.

Starts the production server (gunicorn, 2 workers, WhiteNoise for static files) on 127.0.0.1
over a throw-away SQLite database seeded with synthetic articles, then loads each URL with wrk
(``apt-get install wrk``) and prints requests/s and latency percentiles, and the ratio of each
dynamic page to the static copy of the home page served by the same server in the same run.

    .venv/bin/python bench/web.py [--duration 10] [--connections 16] [--articles 2000]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(env: dict[str, str], articles: int) -> None:
    code = f"""
import django, random
django.setup()
from datetime import datetime, timedelta, timezone
from akhbar.news.models import Article
from akhbar.sources.models import Source
rng = random.Random(7)
words = ("gouvernement ministre rabat casablanca tunis alger projet économie croissance port "
         "football match élection parlement réforme budget santé école eau énergie").split()
sources = [Source.objects.create(slug=f"outlet-{{i}}", name=f"Outlet {{i}}",
           homepage=f"https://outlet{{i}}.example/", languages=["fr" if i % 3 else "ar"],
           country="MA") for i in range(40)]
base = datetime(2026, 11, 1, tzinfo=timezone.utc)
rows = []
for n in range({articles}):
    src = sources[n % len(sources)]
    text = "\\n\\n".join(" ".join(rng.choice(words) for _ in range(60)) for _ in range(6))
    rows.append(Article(source=src, url=f"{{src.homepage}}a/{{n}}", identity=str(n),
                        title=" ".join(rng.choice(words) for _ in range(9)).capitalize(),
                        text=text, language=src.languages[0],
                        published=base + timedelta(minutes=n)))
Article.objects.bulk_create(rows, batch_size=500)
"""
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * unit[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": latency("50"),
            "p99": latency("99"), "errors": float(errors.group(1)) if errors else 0.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds over all URLs; the median round is reported")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/web.py needs wrk: apt-get install wrk")
        return 0
    data = Path(tempfile.mkdtemp(prefix="akhbar-bench-web-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env |= {"AKHBAR_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "akhbar.settings.base",
            "PYTHONPATH": str(ROOT)}
    akhbar = [sys.executable, "-m", "akhbar"]
    subprocess.run([*akhbar, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    seed(env, args.articles)
    subprocess.run([*akhbar, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "akhbar.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", "4", "--log-level", "warning",
         # SO_REUSEPORT: without it, wrk's 16 keep-alive connections were often spread unevenly
         # over the two workers and a URL's figure halved at random (bimodal p50 5 vs 15 ms);
         # with it, runs agree (docs/BENCHMARKS.md).
         "--reuse-port"],
        env=env, cwd=ROOT, start_new_session=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        home = urllib.request.urlopen(f"{base}/fr/", timeout=5).read()
        article_path = re.search(rb'href="(/fr/articles/\d+/)"', home).group(1).decode()
        # The static baseline: the home page's bytes, served by the same server (WhiteNoise).
        static_dir = data / "static" / "bench"
        static_dir.mkdir(parents=True, exist_ok=True)
        (static_dir / "home.html").write_bytes(home)
        server.send_signal(signal.SIGHUP)  # reload workers so WhiteNoise indexes the new file
        time.sleep(2)
        urls = {"static copy of home": "/static/bench/home.html", "home /fr/": "/fr/",
                "article page": article_path, "outlet page": "/fr/sources/outlet-1/",
                "API articles": "/api/v1/articles?limit=50"}
        cache_state = {}
        for name, path in urls.items():  # warm every worker's page cache
            for _ in range(8):
                with urllib.request.urlopen(base + path, timeout=5) as resp:
                    resp.read()
                    cache_state[name] = resp.headers.get("X-Akhbar-Cache", "-")
        # Interleaved rounds (static, then each page, again and again) so that a burst of
        # noise from the machine hits every URL alike; each URL reports its median round.
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
        for _ in range(args.rounds):
            for name, path in urls.items():
                rounds[name].append(wrk(base + path, args.duration, args.connections))
        results = {name: sorted(rs, key=lambda r: r["rps"])[len(rs) // 2]
                   for name, rs in rounds.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)
    static_rps = results["static copy of home"]["rps"]
    print(f"gunicorn {args.workers} workers x 4 threads, wrk -t2 -c{args.connections} "
          f"-d{args.duration}s, median of {args.rounds} interleaved rounds, {args.articles} "
          f"articles, home = {len(home) / 1024:.0f} KiB\n")
    print("| URL | requests/s | p50 ms | p99 ms | vs static | non-2xx | page cache |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['rps'] / static_rps:.2f} | {r['errors']:.0f} | {cache_state[name]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
