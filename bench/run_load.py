"""Issue 12's 16-connection check: the home page served by ``akhbar run`` while its default
workers ingest a local fixture press as fast as they can, against ``akhbar run --no-crawl`` on
the same database.

One throw-away SQLite database seeded like bench/web.py (synthetic archive, every article in a
story), the fixture press's outlets imported; then, in interleaved rounds, ``akhbar run
--no-crawl`` and ``akhbar run`` (AKHBAR_HOST_DELAY_SECONDS=0.05, default workers and tick) are
started on it, the home page warmed, and loaded with wrk -c16. Reports each round and the
median ratio of throughputs (aim ≥ 0.8×, p99 < 100 ms while ingesting), with the articles the
workers stored during each ingesting round.

    .venv/bin/python -m bench.run_load [--duration 10] [--rounds 2] [--articles 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.web import (
    ROOT,
    WRK_SCRIPT,
    Press,
    article_count,
    compiled_modules,
    cpu_by_session,
    free_port,
    get,
    seed,
    start_run,
    stop_run,
    wrk,
)
from tests.front import nginx_path
from tests.press import FixturePress


def cpu_by_role(session: int) -> dict[str, float]:
    """CPU seconds by role of akhbar run's processes: web, workers, run (see cpu_by_session;
    its "other" is left out, a name the rows use for wrk's stale answers)."""
    used = cpu_by_session(session)
    used.pop("other")
    return used


# --synthetic: stores articles of the press's outlets at a steady rate, as a crawl would.
WRITER = """
import sys, time, django
django.setup()
from django.utils import timezone
from akhbar.news.models import Article
from akhbar.sources.models import Source
sources = list(Source.objects.filter(slug__startswith="press-"))
per_second, n, started = float(sys.argv[1]) / 60, 0, time.monotonic()
while True:
    source = sources[n % len(sources)]
    Article.objects.create(source=source, url=f"{source.homepage}s/{n}", identity=f"s{n}",
                           title=f"{source.name} flash {n}", text=f"Texte {n}.",
                           language="fr", section="economy", published=timezone.now())
    n += 1
    time.sleep(max(0.0, started + n / per_second - time.monotonic()))
"""


def ingest_only(env: dict[str, str], data: Path, logs: Path, seconds: int) -> int:
    """The ingest rate of ``akhbar run`` alone, with the CPU time each role takes."""
    port = free_port()
    proc = start_run(env, port, logs / "ingest-only.log", crawl=True)
    print(f"akhbar run, no readers; load average {os.getloadavg()[0]:.1f} at the start\n")
    print("| s | articles stored | per minute | web CPU s | workers CPU s | run CPU s | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    try:
        started, count0, cpu0 = time.monotonic(), article_count(data), cpu_by_role(proc.pid)
        last, count_last = started, count0
        while time.monotonic() - started < seconds:
            time.sleep(10)
            now, count, cpu = time.monotonic(), article_count(data), cpu_by_role(proc.pid)
            print(f"| {now - started:.0f} | {count - count0} | "
                  f"{60 * (count - count_last) / (now - last):.0f} | {cpu['web'] - cpu0['web']:.1f} "
                  f"| {cpu['workers'] - cpu0['workers']:.1f} | {cpu['run'] - cpu0['run']:.1f} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)
            last, count_last = now, count
    finally:
        stop_run(proc)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--outlets", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=20,
                        help="seconds the workers ingest before the home page is loaded")
    parser.add_argument("--logs", default="",
                        help="keep akhbar run's output in this directory (default: thrown away)")
    parser.add_argument("--ingest-only", type=int, default=0, metavar="SECONDS",
                        help="no readers: run akhbar run this long and report, every 10 s, the "
                        "articles stored and the CPU seconds of each role")
    parser.add_argument("--worker-nice", default="",
                        help="AKHBAR_WORKER_NICE for akhbar run (default: akhbar's own)")
    parser.add_argument("--synthetic", type=float, default=0, metavar="PER_MINUTE",
                        help="instead of akhbar run's workers, one process stores this many "
                        "articles a minute through the ORM (signals, search index) next to "
                        "akhbar run --no-crawl: the web side under a stream of news, whatever "
                        "CPU the workers would get")
    args = parser.parse_args()
    if not shutil.which("wrk") or not nginx_path():
        print("bench/run_load.py needs wrk: apt-get install wrk")
        return 0
    data = Path(tempfile.mkdtemp(prefix="akhbar-bench-run-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env |= compiled_modules()
    env |= {"AKHBAR_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "akhbar.settings.base",
            "PYTHONPATH": str(ROOT), "AKHBAR_ALLOW_PRIVATE_NETWORKS": "1",
            "AKHBAR_HOST_DELAY_SECONDS": "0.05",
            # The press's feeds list their newest 30 items and each outlet publishes one a
            # second: polled every 5 minutes (the default floor) they would give 30 of 300.
            "AKHBAR_POLL_MIN_SECONDS": "10", "AKHBAR_POLL_INTERVAL_SECONDS": "10"}
    if args.worker_nice:
        env["AKHBAR_WORKER_NICE"] = args.worker_nice
    akhbar = [sys.executable, "-m", "akhbar"]
    script = data / "count.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    rows: list[tuple[str, dict[str, float], int]] = []
    logs = Path(args.logs) if args.logs else data
    logs.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([*akhbar, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        seed(env, args.articles)
        with contextlib.ExitStack() as stack:
            # One press per outlet, each on a loopback address of its own: real outlets are
            # separate hosts (per-host politeness and scheduling apply to each apart).
            press = Press([stack.enter_context(FixturePress(f"127.0.0.{i + 2}"))
                           for i in range(args.outlets)], args.outlets, 600)
            registry = data / "bench-press.toml"
            registry.write_text(press.registry(), encoding="utf-8")
            subprocess.run([*akhbar, "sources", "import", str(registry)], env=env, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
            # Only the press's outlets are crawled: the seeded ones are paused (no feed).
            subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                            "from akhbar.sources.models import Source; "
                            "Source.objects.filter(slug__startswith='outlet-').update(paused=True)"],
                           env=env, cwd=ROOT, check=True)
            if args.ingest_only:
                return ingest_only(env, data, logs, args.ingest_only)
            for n in range(args.rounds):
                for mode in ("--no-crawl", "ingesting"):
                    port = free_port()
                    log = logs / f"run-{n + 1}-{mode.strip('-')}.log"
                    stream = bool(args.synthetic) and mode == "ingesting"
                    proc = start_run(env, port, log, crawl=mode == "ingesting" and not stream)
                    writer = (subprocess.Popen([sys.executable, "-c", WRITER, str(args.synthetic)],
                                               env=env, cwd=ROOT) if stream else None)
                    try:
                        if mode == "ingesting":
                            time.sleep(args.warmup)
                        # Each web process renders its first copy once (single flight: its
                        # other requests wait): 20 connections reach both (--reuse-port
                        # spreads them), so no first render falls in the measured window.
                        for _ in range(20):
                            get(f"http://127.0.0.1:{port}/fr/")
                        before, cpu_before = article_count(data), cpu_by_role(proc.pid)
                        load = os.getloadavg()[0]
                        r = wrk(f"http://127.0.0.1:{port}/fr/", args.duration, 16, str(script))
                        cpu = {k: v - cpu_before[k] for k, v in cpu_by_role(proc.pid).items()}
                        rows.append((mode, r | {"load": load, **cpu},
                                     article_count(data) - before))
                        print(f"round {n + 1} {mode}: {rows[-1]}", flush=True)  # as it comes
                    finally:
                        if writer is not None:
                            writer.kill()
                            writer.wait()
                        stop_run(proc)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}; akhbar run (2 web workers, 2 task workers), home /fr/, wrk -t2 -c16 "
          f"-d{args.duration}s; {args.articles} articles seeded, {args.outlets} press outlets; "
          f"load average at the end {os.getloadavg()[0]:.1f}\n")
    print("| round | mode | load | requests/s | p50 ms | p99 ms | non-2xx | hits | misses | other "
          "| web CPU ms/request | workers CPU s | run CPU s | articles stored while loading |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, (mode, r, stored) in enumerate(rows):
        requests = r["rps"] * args.duration
        print(f"| {i // 2 + 1} | {mode} | {r['load']:.1f} | {r['rps']:.0f} | {r['p50']:.2f} | "
              f"{r['p99']:.2f} | {r['errors']:.0f} | {r['hit']} | {r['miss']} | {r['other']} | "
              f"{1000 * r['web'] / requests if requests else 0:.2f} | {r['workers']:.1f} | "
              f"{r['run']:.1f} | {stored if mode == 'ingesting' else '-'} |")
    rest = [r["rps"] for mode, r, _ in rows if mode == "--no-crawl"]
    busy = [r["rps"] for mode, r, _ in rows if mode == "ingesting"]
    ratios = [b / a for a, b in zip(rest, busy, strict=True) if a]
    if ratios:
        print(f"\nmedian ratio ingesting / --no-crawl: {statistics.median(ratios):.2f} "
              f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
