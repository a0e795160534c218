"""Benchmark: queue latency (time from enqueue to start) with the database queue and with RQ.

For each backend: a fresh SQLite data directory, one ``akhbar worker`` process, and N cheap
real tasks (``retry_images_task`` on an archive with no picture to retry) enqueued one every
``--gap`` seconds by another process, which then waits for them all. The latency of each task
is read twice: from the backend's own records (``started_at - enqueued_at``: median and 95th
percentile), and from ``akhbar_task_wait_seconds`` as ``GET /metrics`` adds it up from the
processes' files (its mean), which is what an operator sees.

Usage: .venv/bin/python -m bench.queue [--tasks 30] [--gap 0.2]
       [--redis-url redis://127.0.0.1:6379/15]   (that Redis database is emptied)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AKHBAR = [sys.executable, "-m", "akhbar"]

ENQUEUE = """
import json, sys, time
import django
django.setup()
from django_tasks import TaskResultStatus
from akhbar.pipeline.tasks import retry_images_task
n, gap = int(sys.argv[1]), float(sys.argv[2])
results = []
for _ in range(n):
    results.append(retry_images_task.enqueue())
    time.sleep(gap)
deadline = time.monotonic() + 600
for r in results:
    while r.status not in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
        if time.monotonic() > deadline:
            sys.exit("tasks not done after 600 s")
        time.sleep(0.05)
        r.refresh()
print(json.dumps([(r.started_at - r.enqueued_at).total_seconds() for r in results]))
"""


def metric_mean(path: Path) -> tuple[float, float]:
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(path))
    total = count = 0.0
    for family in registry.collect():
        for s in family.samples:
            if s.name == "akhbar_task_wait_seconds_sum":
                total += s.value
            elif s.name == "akhbar_task_wait_seconds_count":
                count += s.value
    return count, total / count if count else float("nan")


def measure(backend: str, tmp: Path, args: argparse.Namespace) -> str:
    data = tmp / backend
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env.update({"AKHBAR_DATA_DIR": str(data), "AKHBAR_TASK_BACKEND": backend,
                "AKHBAR_REDIS_URL": args.redis_url, "PYTHONPATH": str(ROOT),
                "PROMETHEUS_MULTIPROC_DIR": str(data / "metrics"),
                "DJANGO_SETTINGS_MODULE": "akhbar.settings.base"})
    (data / "metrics").mkdir(parents=True)
    subprocess.run([*AKHBAR, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    if backend == "rq":
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    worker = subprocess.Popen([*AKHBAR, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out = subprocess.run([sys.executable, "-c", ENQUEUE, str(args.tasks), str(args.gap)],
                             env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
    waits = sorted(json.loads(out.stdout.strip().splitlines()[-1]))
    count, mean = metric_mean(data / "metrics")
    p95 = waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]
    return (f"{backend:8} enqueue→start: median {statistics.median(waits) * 1000:7.1f} ms, "
            f"p95 {p95 * 1000:7.1f} ms (records); /metrics akhbar_task_wait_seconds: "
            f"{count:.0f} tasks, mean {mean * 1000:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args(argv)
    print(f"{args.tasks} tasks, one every {args.gap} s, one worker; "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("database", "rq"):
            print(measure(backend, Path(tmp), args), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
