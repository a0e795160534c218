"""Benchmark: articles per second end to end (WARC → extract → dedup → store), 1 and 2 worker
processes, side by side with bare trafilatura (``bare_extraction`` with metadata) on the same
pages in the same run; story assignment (embedding) measured apart; peak RSS per process.

Data: ../shared/bench/extraction/newspaper4k (real news pages; never copied into the project).
The pages are written into WARC files in a temporary directory, one source is registered per
host, and ``akhbar import-warc --no-stories`` imports them in fresh SQLite databases: the same
extract → dedup → store path as a crawl, minus the network. Process start-up (Django, imports)
is measured on an empty WARC and subtracted.

Usage: .venv/bin/python -m bench.ingest [--limit 200]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
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
    """Pages per second of trafilatura.bare_extraction with metadata, on this one core."""
    import trafilatura

    trafilatura.bare_extraction(pages[0][1].decode("utf-8", "replace"), url=pages[0][0],
                                with_metadata=True)  # warm-up
    started = time.perf_counter()
    for url, html in pages:
        trafilatura.bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True)
    return len(pages) / (time.perf_counter() - started)


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


def timed_imports(env: dict[str, str], files: list[Path]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    procs = [subprocess.Popen([*AKHBAR, "import-warc", "--no-stories", str(f)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for f in files]
    outs = [p.communicate()[0].strip().splitlines()[-1] for p in procs]
    return time.perf_counter() - started, outs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=200)
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"no benchmark data at {DATA}: nothing measured")
        return 0
    pages = load(args.limit)
    print(f"{len(pages)} newspaper4k pages, {sum(len(h) for _, h in pages) / len(pages) / 1024:.0f} KB "
          f"on average; {os.cpu_count()} cores")
    bare_rate = bare(pages)
    print(f"bare trafilatura.bare_extraction (metadata), 1 core: {bare_rate:6.1f} pages/s")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        empty = tmp / "empty.warc.gz"
        write_warc(empty, [])
        whole = tmp / "all.warc.gz"
        write_warc(whole, pages)
        halves = [tmp / "a.warc.gz", tmp / "b.warc.gz"]
        write_warc(halves[0], pages[0::2])
        write_warc(halves[1], pages[1::2])
        env0 = prepare(tmp, "startup", pages)
        startup, _ = timed_imports(env0, [empty])
        print(f"process start-up (Django, imports): {startup:.2f} s, subtracted below")
        for workers, files in ((1, [whole]), (2, halves)):
            env = prepare(tmp, f"w{workers}", pages)
            elapsed, outs = timed_imports(env, files)
            rate = len(pages) / max(elapsed - startup, 1e-6)
            print(f"pipeline extract+dedup+store, {workers} worker(s): {rate:6.1f} articles/s "
                  f"({rate / bare_rate:.2f}x one core of bare extraction; "
                  f"{rate / workers / bare_rate:.2f}x per worker) — {'; '.join(outs)}")
            if workers == 1:
                started = time.perf_counter()
                code = ("import django; django.setup(); from akhbar.pipeline.stories import "
                        "assign_stories\nn = 0\nwhile (k := assign_stories(limit=200)): n += k\n"
                        "print(n)")
                out = subprocess.run([sys.executable, "-c", code], env=env | {
                    "DJANGO_SETTINGS_MODULE": "akhbar.settings.base"}, cwd=ROOT,
                    capture_output=True, text=True, check=True)
                placed = int(out.stdout.strip().splitlines()[-1])
                spent = time.perf_counter() - started - startup
                print(f"stories (embedding + assignment) apart: {placed} articles in "
                      f"{spent:.1f} s ({placed / max(spent, 1e-6):.1f} articles/s)")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of one child process: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
