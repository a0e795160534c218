"""Benchmark: articles per second end to end (WARC → extract → dedup → store), 1 and 2 worker
processes, side by side with bare trafilatura (``bare_extraction`` with metadata) on the same
pages in the same run; story assignment (embedding) measured apart; peak RSS per process.

Data: ../shared/bench/extraction/newspaper4k (real news pages; never copied into the project).
The pages are written into WARC files in a temporary directory, one source is registered per
host, and worker processes import them in fresh SQLite databases through ``import_warc_file``,
the function ``akhbar import-warc --no-stories`` runs: the same extract → dedup → store path as
a crawl, minus the network.

The machine is shared, so rates are per CPU second of the import itself (``process_time`` in
each worker around the measured file), not per wall second. Each worker first imports
``--warm`` pages of its own (process start, lazy model loads, first queries: not measured),
then all start together. Bare extraction and the pipeline are interleaved round by round, and
the medians reported. The 2-worker speed-up is in wall time (the only place the second core
shows), so it is as noisy as the machine.

Usage: .venv/bin/python -m bench.ingest [--limit 200] [--repeat 3] [--no-stories]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "extraction" / "newspaper4k"
AKHBAR = [sys.executable, "-m", "akhbar"]


def load(limit: int) -> list[tuple[str, bytes]]:
    from bench.extraction import load_newspaper4k

    pages = [(p.url, p.html) for p in load_newspaper4k(DATA) if p.url.startswith("http")]
    return pages[:limit]


def bare(pages: list[tuple[str, bytes]]) -> float:
    """Pages per CPU second of trafilatura.bare_extraction with metadata (this process)."""
    import trafilatura

    trafilatura.bare_extraction(pages[0][1].decode("utf-8", "replace"), url=pages[0][0],
                                with_metadata=True)  # warm-up
    started = time.process_time()
    for url, html in pages:
        trafilatura.bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True)
    return len(pages) / (time.process_time() - started)


def write_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    from akhbar.ingest.warc import response_record

    with open(path, "wb") as fh:
        for url, html in pages:
            fh.write(response_record(url, html, headers={"Content-Type": "text/html"}))


def registry(pages: list[tuple[str, bytes]]) -> str:
    hosts = sorted({(urlsplit(u).hostname or "").removeprefix("www.") for u, _ in pages})
    return "".join(f'''
[[source]]
slug = "s{i}"
name = "{host}"
homepage = "https://{host}/"
languages = ["en"]
country = "US"
feeds = []
timezone = "UTC"
display = "full"
''' for i, host in enumerate(hosts) if host)


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env.update({"AKHBAR_DATA_DIR": str(data_dir), "AKHBAR_KEEP_PAGES": "0",
                "PYTHONPATH": str(ROOT)})
    return env


def prepare(tmp: Path, name: str, pages: list[tuple[str, bytes]]) -> dict[str, str]:
    env = env_for(tmp / name)
    reg = tmp / "registry.toml"
    reg.write_text(registry(pages), encoding="utf-8")
    subprocess.run([*AKHBAR, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*AKHBAR, "sources", "import", str(reg)], env=env, check=True, cwd=ROOT,
                   capture_output=True)
    return env


@dataclass
class Run:
    wall: float  # seconds from the common start to the last worker's end
    cpu: float  # user + system seconds of the measured imports, summed over the workers
    rss: float  # MB, the largest peak of one process
    outs: list[str]


def worker(warm: str, path: str) -> None:
    """One import process (``--worker``): imports ``warm`` (start-up, lazy loads, first
    queries), says ready, waits for the go on stdin, then imports ``path`` through the same
    function as ``akhbar import-warc --no-stories`` and prints its CPU and wall seconds."""
    import django

    django.setup()
    from akhbar.pipeline.warc import SourceIndex, import_warc_file

    index = SourceIndex.load()
    import_warc_file(warm, index=index)
    print("ready", flush=True)
    sys.stdin.readline()
    cpu, wall = time.process_time(), time.perf_counter()
    counts = import_warc_file(path, index=index)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{cpu} {wall} {counts.summary()}", flush=True)


def timed_imports(env: dict[str, str], files: list[tuple[Path, Path]]) -> Run:
    """One import process per (warm-up file, file), started together once every one has
    warmed up; the CPU seconds of the measured imports only, so neither process start-up nor
    other work on the machine counts; peak memory from ``wait4``."""
    procs = [subprocess.Popen([sys.executable, "-m", "bench.ingest", "--worker", str(w), str(f)],
                              env=env | {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"},
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
             for w, f in files]
    for proc in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("import worker failed to start")
    started = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    cpu = rss = 0.0
    outs = []
    ended = started
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline().split(maxsplit=2)
        ended = max(ended, time.perf_counter())
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if len(line) < 3:
            raise RuntimeError("import worker failed")
        cpu += float(line[0])
        rss = max(rss, usage.ru_maxrss / 1024)
        outs.append(line[2].strip())
    return Run(ended - started, cpu, rss, outs)


def stories_apart(env: dict[str, str]) -> tuple[int, float]:
    """Articles placed in stories (embedding + assignment) and that process's CPU seconds."""
    code = ("import django; django.setup(); from akhbar.pipeline.stories import "
            "assign_stories\nn = 0\nwhile (k := assign_stories(limit=200)): n += k\n"
            "print(n)")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env | {
        "DJANGO_SETTINGS_MODULE": "akhbar.settings.base"}, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, _, usage = os.wait4(proc.pid, 0)
    return int(out.strip().splitlines()[-1]), usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--warm", type=int, default=10,
                        help="pages each worker imports before the measure (start-up, model "
                             "loads), taken from the first pages and not measured")
    parser.add_argument("--no-stories", action="store_true", help="skip the embedding stage")
    parser.add_argument("--worker", nargs=2, metavar=("WARM", "WARC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    if not DATA.exists():
        print(f"no benchmark data at {DATA}: nothing measured")
        return 0
    pages = load(args.limit)
    n, warm = len(pages), min(args.warm, len(pages) // 4)
    # The warm-up pages (one set per worker) are not among the measured ones.
    warm_a, warm_b, pages = pages[:warm], pages[warm:2 * warm], pages[2 * warm:]
    n = len(pages)
    print(f"{n} newspaper4k pages (+{2 * warm} warm-up), "
          f"{sum(len(h) for _, h in pages) / n / 1024:.0f} KB on average; {os.cpu_count()} "
          f"cores; load average {os.getloadavg()[0]:.1f}")
    bare_rates, one, both, two = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files = {"warm_a": tmp / "warm_a.warc.gz", "warm_b": tmp / "warm_b.warc.gz",
                 "all": tmp / "all.warc.gz", "a": tmp / "a.warc.gz", "b": tmp / "b.warc.gz"}
        write_warc(files["warm_a"], warm_a)
        write_warc(files["warm_b"], warm_b)
        write_warc(files["all"], pages)
        write_warc(files["a"], pages[0::2])
        write_warc(files["b"], pages[1::2])
        every = warm_a + warm_b + pages
        last_env: dict[str, str] = {}
        for rnd in range(args.repeat):
            # Interleaved: bare, 1 worker, 2 workers, each round in fresh databases.
            bare_rates.append(bare(pages))
            w1 = timed_imports(last_env := prepare(tmp, f"w1r{rnd}", every),
                               [(files["warm_a"], files["all"])])
            w2 = timed_imports(prepare(tmp, f"w2r{rnd}", every),
                               [(files["warm_a"], files["a"]), (files["warm_b"], files["b"])])
            one.append(n / max(w1.cpu, 1e-6))
            both.append(n / max(w2.cpu, 1e-6))
            two.append((w1.wall, w2.wall, 0.0, w1.rss, w2.rss, w2.outs))
            print(f"  round {rnd + 1}: bare {bare_rates[-1]:.1f}/s, pipeline {one[-1]:.1f}/s "
                  f"(1 worker), {both[-1]:.1f}/s (2 workers) per CPU second; wall 1 worker "
                  f"{w1.wall:.1f} s, 2 workers {w2.wall:.1f} s; load {os.getloadavg()[0]:.1f}",
                  flush=True)
        bare_rate, rate = statistics.median(bare_rates), statistics.median(one)
        print(f"bare trafilatura.bare_extraction (metadata), CPU: {bare_rate:6.1f} pages/s")
        print(f"pipeline extract+dedup+store, CPU:              {rate:6.1f} articles/s "
              f"({rate / bare_rate:.2f}x bare per core) — {w1.outs[-1]}")
        rate2 = statistics.median(both)
        print(f"2 workers, CPU per article: {rate2:6.1f} articles/s per core "
              f"({rate2 / rate:.2f}x the 1-worker cost; 1.00 = linear on 2 free cores)")
        speedups = [a / max(b, 1e-6) for a, b, *_ in two]
        print(f"2 workers vs 1, wall (start-up excluded): {statistics.median(speedups):.2f}x "
              f"(2.00x is linear; only meaningful on an idle machine) — {'; '.join(two[-1][5])}")
        print(f"peak RSS of one import process: {max(max(t[3], t[4]) for t in two):.0f} MB")
        if not args.no_stories:
            placed, spent = stories_apart(last_env)
            print(f"stories (embedding + assignment) apart: {placed} articles in {spent:.1f} CPU s "
                  f"({placed / max(spent, 1e-6):.1f} articles/s, model load included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
