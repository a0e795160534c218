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
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.web import ROOT, WRK_SCRIPT, Press, article_count, free_port, get, seed, wrk
from tests.front import nginx_path
from tests.press import FixturePress


def start(env: dict[str, str], port: int, crawl: bool) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "akhbar", "run", "--bind", f"127.0.0.1:{port}", "--no-migrate"]
    proc = subprocess.Popen([*argv, *([] if crawl else ["--no-crawl"])], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("akhbar run did not answer")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--outlets", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=20,
                        help="seconds the workers ingest before the home page is loaded")
    args = parser.parse_args()
    if not shutil.which("wrk") or not nginx_path():
        print("bench/run_load.py needs wrk: apt-get install wrk")
        return 0
    data = Path(tempfile.mkdtemp(prefix="akhbar-bench-run-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env |= {"AKHBAR_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "akhbar.settings.base",
            "PYTHONPATH": str(ROOT), "AKHBAR_ALLOW_PRIVATE_NETWORKS": "1",
            "AKHBAR_HOST_DELAY_SECONDS": "0.05"}
    akhbar = [sys.executable, "-m", "akhbar"]
    script = data / "count.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    rows: list[tuple[str, dict[str, float], int]] = []
    try:
        subprocess.run([*akhbar, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        seed(env, args.articles)
        with FixturePress() as fixture:
            press = Press(fixture, args.outlets, 600)
            registry = data / "bench-press.toml"
            registry.write_text(press.registry(), encoding="utf-8")
            subprocess.run([*akhbar, "sources", "import", str(registry)], env=env, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
            # Only the press's outlets are crawled: the seeded ones are paused (no feed).
            subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                            "from akhbar.sources.models import Source; "
                            "Source.objects.filter(slug__startswith='outlet-').update(paused=True)"],
                           env=env, cwd=ROOT, check=True)
            for _ in range(args.rounds):
                for mode in ("--no-crawl", "ingesting"):
                    port = free_port()
                    proc = start(env, port, crawl=mode == "ingesting")
                    try:
                        if mode == "ingesting":
                            time.sleep(args.warmup)
                        for _ in range(3):
                            get(f"http://127.0.0.1:{port}/fr/")
                        before = article_count(data)
                        r = wrk(f"http://127.0.0.1:{port}/fr/", args.duration, 16, str(script))
                        rows.append((mode, r, article_count(data) - before))
                    finally:
                        stop(proc)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}; akhbar run (2 web workers, 2 task workers), home /fr/, wrk -t2 -c16 "
          f"-d{args.duration}s; {args.articles} articles seeded, {args.outlets} press outlets; "
          f"load average at the end {os.getloadavg()[0]:.1f}\n")
    print("| round | mode | requests/s | p50 ms | p99 ms | non-2xx | hits | misses | other "
          "| articles stored while loading |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, (mode, r, stored) in enumerate(rows):
        print(f"| {i // 2 + 1} | {mode} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['errors']:.0f} | {r['hit']} | {r['miss']} | {r['other']} | "
              f"{stored if mode == 'ingesting' else '-'} |")
    rest = [r["rps"] for mode, r, _ in rows if mode == "--no-crawl"]
    busy = [r["rps"] for mode, r, _ in rows if mode == "ingesting"]
    ratios = [b / a for a, b in zip(rest, busy, strict=True) if a]
    if ratios:
        print(f"\nmedian ratio ingesting / --no-crawl: {statistics.median(ratios):.2f} "
              f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
