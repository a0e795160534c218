"""Web serving benchmark: akhbar's pages through the nginx front and directly, at rest and
while a crawl stores articles, against nginx serving the home page's bytes.

Starts the production server (gunicorn, 2 workers x 4 threads) over a throw-away SQLite
database seeded with synthetic articles and stories, the production front in front of it
(deploy/nginx/akhbar.conf, run by the real nginx), and a plain nginx server for the baseline:
the home page's bytes as a file. Every URL (home, article, outlet, story, search, API) is
loaded with wrk (``apt-get install wrk nginx``) through the front and directly, first at rest,
then while a local fixture press's outlets publish about ``--ingest-rate`` articles a minute
and akhbar ingests them; the articles actually stored per minute, the CPU seconds the
ingestion took and akhbar's page cache hit ratio (``X-Akhbar-Cache``) while ingesting are
reported.

What ingests (``--ingest``): by default what production runs, ``akhbar run`` (the server is
then ``akhbar run --no-crawl`` at rest and ``akhbar run`` while ingesting, on the same port:
its task workers, scheduler and story placement at AKHBAR_WORKER_NICE, in the web server's
session); ``--ingest crawl-loop``, the bench before: gunicorn alone, and ``akhbar crawl
--once --no-stories`` in a loop, a new process a pass. ``--ingest-only SECONDS``: no
readers, the ingest rate and its CPU every 10 s.

    .venv/bin/python -m bench.web [--duration 10] [--connections 16] [--articles 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.front import NginxFront, nginx_path  # noqa: E402
from tests.press import FixturePress, RecordedRequest  # noqa: E402
from tests.web.press_site import article_page  # noqa: E402


def compiled_modules() -> dict[str, str]:
    """Environment for the bench's processes to keep their compiled modules (``.pyc``), as an
    installed server does, in a cache of their own (the shared virtualenv is left as it is).

    Without it (``PYTHONDONTWRITEBYTECODE=1`` and no ``.pyc`` in the virtualenv, as on the
    machines these benches ran on), every process compiled Django's and akhbar's modules
    from source at start: 1.9 CPU s instead of 0.8 for ``akhbar crawl --help``, a quarter of
    the crawl loop's CPU (py-spy, docs/BENCHMARKS.md)."""
    cache = Path(tempfile.gettempdir()) / "akhbar-bench-pycache"
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(cache)}


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
from akhbar.news.models import Story
# Stories of 4 outlets' articles for the newest 200, like a crawl's clustering makes them; every
# other article alone in its story, as clustering leaves it. An article without a story would
# be embedded by the first story pass (about 1 article/s): the bench's crawl would spend the
# measured window on the seeded archive and store nothing new.
stories = [Story.objects.create(key=f"bench-{{i}}", title=f"Histoire {{i}}", outlet_count=4)
           for i in range(50)]
for i, art in enumerate(Article.objects.order_by("-published")[:200]):
    Article.objects.filter(pk=art.pk).update(story=stories[i // 4])
alone = list(Article.objects.filter(story__isnull=True).only("id", "title", "published"))
Story.objects.bulk_create([Story(key=f"bench-alone-{{a.pk}}", title=a.title, outlet_count=1,
                                 article_count=1, first_published=a.published,
                                 last_published=a.published) for a in alone], batch_size=500)
keyed = dict(Story.objects.filter(key__startswith="bench-alone-").values_list("key", "id"))
for a in alone:
    a.story_id = keyed[f"bench-alone-{{a.pk}}"]
Article.objects.bulk_update(alone, ["story"], batch_size=500)
"""
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


# Counts akhbar's page cache answers (X-Akhbar-Cache) and those the front served from its
# cache (X-Cache-Status HIT, or STALE/UPDATING while one request refreshes), per thread.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hit = 0; miss = 0; other = 0; front = 0 end
function response(status, headers, body)
  local c = headers["X-Akhbar-Cache"]
  if c == "hit" then hit = hit + 1 elseif c == "miss" then miss = miss + 1 else other = other + 1 end
  local f = headers["X-Cache-Status"]
  if f == "HIT" or f == "STALE" or f == "UPDATING" or f == "REVALIDATED" then front = front + 1 end
end
function done(summary, latency, requests)
  local h, m, o, f = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    h = h + t:get("hit"); m = m + t:get("miss"); o = o + t:get("other"); f = f + t:get("front")
  end
  io.write(string.format("CACHE hit=%d miss=%d other=%d front=%d\\n", h, m, o, f))
end
"""


def wrk(url: str, duration: int, connections: int, script: str) -> dict[str, float]:
    # Accept-Encoding: gzip, as browsers send it (akhbar and the front then send ~1/5 of the
    # bytes); the baseline file is sent as it is.
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-H", "Accept-Encoding: gzip", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * unit[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    cache = re.search(r"CACHE hit=(\d+) miss=(\d+) other=(\d+) front=(\d+)", out)
    hit, miss, other, front = (int(x) for x in cache.groups()) if cache else (0, 0, 0, 0)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": latency("50"),
            "p99": latency("99"), "errors": float(errors.group(1)) if errors else 0.0,
            "hit": hit, "miss": miss, "other": other, "front": front}



PRESS_WORDS = ("gouvernement ministre annonce projet investissement milliards port énergie "
               "économie rabat casablanca tunis alger parlement réforme budget santé école eau "
               "football match élection croissance entreprise marché emploi jeunes région "
               "tribunal enquête sécurité route pluie récolte exportations tourisme festival "
               "université hôpital banque inflation dirham dinar accord visite sommet").split()


def rss_feed(name: str, link: str, items: list[tuple[str, str, datetime]]
             ) -> tuple[int, dict[str, str], str]:
    """A fixture press's answer with an RSS feed of ``items`` (title, link, published)."""
    rows = [f"<item><title>{escape(title)}</title><link>{url}</link>"
            f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate></item>"
            for title, url, when in items]
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>'
            f"{name}</title><link>{link}</link><language>fr</language>"
            + "".join(rows) + "</channel></rss>")
    return 200, {"Content-Type": "application/rss+xml"}, body


class Press:
    """Outlets on FixturePresses publishing ``rate`` articles a minute between them: each feed
    request lists the newest 30 items, numbered by the time they were "published". Outlet ``i``
    is served by ``presses[i % len(presses)]`` (one press per outlet: each a host of its own,
    as real outlets are, so per-host politeness and scheduling apply to each apart)."""

    def __init__(self, presses: FixturePress | list[FixturePress], outlets: int,
                 rate: float) -> None:
        self.presses = presses if isinstance(presses, list) else [presses]
        self.outlets = outlets
        self.per_outlet = rate / 60.0 / outlets  # items per second per outlet
        self.start = time.time()
        for press in self.presses:
            press.route_prefix("/feed/", handler=self.feed)
            press.route_prefix("/a/", handler=self.page)

    def press(self, slug: str) -> FixturePress:
        return self.presses[int(slug.rsplit("-", 1)[-1]) % len(self.presses)]

    def feed(self, request: RecordedRequest) -> tuple[int, dict[str, str], str]:
        slug = request.path.rsplit("/", 1)[-1].removesuffix(".xml")
        press = self.press(slug)
        newest = int((time.time() - self.start) * self.per_outlet)
        items = [(f"{slug} dépêche {n}", press.url(f"/a/{slug}/{n}.html"),
                  datetime.fromtimestamp(self.start + n / self.per_outlet, UTC))
                 for n in range(newest, max(-1, newest - 30), -1)]
        return rss_feed(slug, press.url("/"), items)

    def page(self, request: RecordedRequest) -> str:
        slug, _, name = request.path.removeprefix("/a/").partition("/")
        title = f"{slug} dépêche {name.removesuffix('.html')}"
        # Words drawn per article: pages that differ only by their title are near-duplicates,
        # which the copy detector folds into one growing group (not what a press publishes).
        rng = random.Random(request.path)
        paras = [f"{title} : " + " ".join(rng.choice(PRESS_WORDS) for _ in range(40)) + "."
                 for _ in range(4)]
        return article_page(title, paras, lang="fr", iso=None, image="")

    def registry(self) -> str:
        return "".join(f'''
[[source]]
slug = "press-{i}"
name = "Press {i}"
homepage = "{self.press(f'press-{i}').url(f'/press-{i}/')}"
languages = ["fr"]
country = "MA"
feeds = ["{self.press(f'press-{i}').url(f'/feed/press-{i}.xml')}"]
timezone = "Africa/Casablanca"
display = "full"
''' for i in range(self.outlets))


class Crawl:
    """``akhbar crawl --once --no-stories`` over the press's outlets again and again in the
    background, until stopped; its output goes to ``log``.

    Story assignment (embedding, about 1 article/s per core) is left out: run inline, each pass
    spent its time embedding what it had stored (and, before the seeded archive had stories,
    the whole archive), so the recorded runs stored nothing while they measured. The seeded
    outlets (no feed, unresolvable hosts) are left out too: each pass tried to discover their
    feeds again.
    """

    def __init__(self, env: dict[str, str], slugs: list[str], log: Path, nice: int = 0) -> None:
        self.env, self.slugs, self.log, self.nice = env, slugs, log, nice
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.used, self.passes = 0.0, 0

    def loop(self) -> None:
        sources = [arg for slug in self.slugs for arg in ("--source", slug)]
        with self.log.open("ab") as log:
            while not self.stopping.is_set():
                proc = subprocess.Popen([sys.executable, "-m", "akhbar", "crawl", "--once",
                                         "--no-stories", *sources], env=self.env, cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT,
                                        # at the priority akhbar run gives its task workers
                                        preexec_fn=(lambda: os.nice(self.nice)) if self.nice
                                        else None)
                _, _, usage = os.wait4(proc.pid, 0)
                proc.returncode = 0
                self.used += usage.ru_utime + usage.ru_stime
                self.passes += 1

    def cpu(self) -> dict[str, float]:
        """CPU seconds used by the passes that have finished (a process each)."""
        return {"workers": self.used}

    def __enter__(self) -> Crawl:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()


class Run:
    """``akhbar run`` as production runs it, on ``port``: its web server (``workers`` gunicorn
    processes) and, with ``crawl``, its task workers and scheduler (with story placement) at
    AKHBAR_WORKER_NICE; ``--no-crawl`` without. Its output goes to ``log``.

    The readers' server and the ingestion must be one process tree in one session, as under
    ``akhbar run``: with the kernel's autogroup scheduling (``/proc/sys/kernel/
    sched_autogroup_enabled``), a process's niceness only counts against the processes of its
    own session; a crawl in another session than gunicorn's took a fair half of the CPU from
    it whatever its niceness.
    """

    def __init__(self, env: dict[str, str], log: Path, port: int, workers: int = 2,
                 crawl: bool = True) -> None:
        self.env, self.log, self.port, self.workers, self.crawl = env, log, port, workers, crawl
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Run:
        self.proc = start_run(self.env, self.port, self.log, crawl=self.crawl,
                              workers=self.workers)
        return self

    def cpu(self) -> dict[str, float]:
        """CPU seconds the ingestion used so far (its web server's left out), by role."""
        assert self.proc is not None
        used = cpu_by_session(self.proc.pid)
        used.pop("web")
        return used

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop_run(self.proc)
            self.proc = None


def start_run(env: dict[str, str], port: int, log: Path, *, crawl: bool,
              workers: int | None = None) -> subprocess.Popen[bytes]:
    """Start ``akhbar run`` on ``port`` (``--no-crawl`` unless ``crawl``; ``workers`` gunicorn
    processes, akhbar's default when None), in a session of its own, its output appended to
    ``log``; return once it answers ``/healthz``."""
    argv = [sys.executable, "-m", "akhbar", "run", "--bind", f"127.0.0.1:{port}", "--no-migrate",
            *([] if workers is None else ["--web-workers", str(workers)]),
            *([] if crawl else ["--no-crawl"])]
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 600  # a loaded machine takes a while to import everything
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.3)
    stop_run(proc)
    raise RuntimeError(f"akhbar run did not answer (log: {log})")


def stop_run(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM to ``akhbar run``'s process group; SIGKILL after ``timeout`` seconds."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_session(session: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the live processes of ``akhbar run``'s
    session, by role: ``web`` (gunicorn), ``workers`` (task workers), ``run`` (the supervisor,
    whose threads run the scheduler's round and place stories), ``other``."""
    used: dict[str, float] = {"web": 0.0, "workers": 0.0, "run": 0.0, "other": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) != session:  # fields[3]: the session id
            continue
        seconds = (int(fields[11]) + int(fields[12])) / TICKS
        if int(entry.name) == session:
            role = "run"
        elif "gunicorn" in cmdline:
            role = "web"
        elif "worker" in cmdline:
            role = "workers"
        else:
            role = "other"
        used[role] += seconds
    return used


def article_count(data: Path) -> int:
    with sqlite3.connect(data / "akhbar.sqlite3", timeout=30) as db:
        return int(db.execute("select count(*) from news_article").fetchone()[0])


def web_cpu(serving: Run | None) -> float:
    """CPU seconds used so far by ``akhbar run``'s web server (0 when it is not the server)."""
    if serving is None or serving.proc is None:
        return 0.0
    return cpu_by_session(serving.proc.pid)["web"]


def ingest_only(ingest: Run | Crawl, data: Path, seconds: int) -> int:
    """The ingest rate alone (no readers), with the CPU seconds it takes, every 10 s."""
    print(f"{type(ingest).__name__}, no readers; load average {os.getloadavg()[0]:.1f} at the "
          f"start; {os.cpu_count()} cores\n")
    print("| s | articles stored | per minute | CPU s by role | CPU s per article (this 10 s) "
          "| load |")
    print("|---:|---:|---:|---|---:|---:|")
    with ingest:
        started, count0 = time.monotonic(), article_count(data)
        last, count_last, cpu_last = started, count0, ingest.cpu()
        while time.monotonic() - started < seconds:
            time.sleep(10)
            now, count, cpu = time.monotonic(), article_count(data), ingest.cpu()
            spent = sum(cpu.values()) - sum(cpu_last.values())
            print(f"| {now - started:.0f} | {count - count0} | "
                  f"{60 * (count - count_last) / (now - last):.0f} | "
                  + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items() if v)
                  + f" | {spent / (count - count_last) if count > count_last else 0:.3f} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)
            last, count_last, cpu_last = now, count, cpu
    return 0


def get(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"Cookie": "csrftoken=bench"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return bytes(resp.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--outlets", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=30,
                        help="seconds of crawling before the ingesting phase is measured")
    parser.add_argument("--crawl-nice", type=int, default=10,
                        help="niceness of the crawl loop (default 10, what akhbar run gives its "
                             "task workers: AKHBAR_WORKER_NICE); 0 runs it at the web server's")
    parser.add_argument("--only", default="",
                        help="comma-separated pages to measure (home,article,outlet,story,search,API)")
    parser.add_argument("--ingest-rate", type=float, default=600,
                        help="articles a minute the fixture press publishes while ingesting")
    parser.add_argument("--ingest", choices=("run", "crawl-loop"), default="run",
                        help="what ingests: 'run' (default), akhbar run's task workers, "
                        "scheduler and story placement at AKHBAR_WORKER_NICE, as in production; "
                        "'crawl-loop', akhbar crawl --once --no-stories in a loop, a process "
                        "a pass, at --crawl-nice (the bench before 2026-12-03 19:00)")
    parser.add_argument("--ingest-only", type=int, default=0, metavar="SECONDS",
                        help="no readers: ingest this long and report, every 10 s, the articles "
                        "stored and the CPU seconds the ingestion used")
    args = parser.parse_args()
    if not shutil.which("wrk") or not nginx_path():
        print("bench/web.py needs wrk and nginx: apt-get install wrk nginx")
        return 0
    data = Path(tempfile.mkdtemp(prefix="akhbar-bench-web-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env |= compiled_modules()
    env |= {"AKHBAR_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "akhbar.settings.base",
            "PYTHONPATH": str(ROOT), "AKHBAR_ALLOW_PRIVATE_NETWORKS": "1",
            "AKHBAR_HOST_DELAY_SECONDS": "0", "AKHBAR_HOST_CONCURRENCY": "8",
            "AKHBAR_CRAWL_THREADS": "4",
            # The press's feeds list their newest 30 items and each outlet publishes one a
            # second: polled every 5 minutes (the default floor) they would give 30 of 300.
            "AKHBAR_POLL_MIN_SECONDS": "10", "AKHBAR_POLL_INTERVAL_SECONDS": "10"}
    akhbar = [sys.executable, "-m", "akhbar"]
    subprocess.run([*akhbar, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    seed(env, args.articles)
    subprocess.run([*akhbar, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    script = data / "count.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    port, front_port, static_port = free_port(), free_port(), free_port()
    direct, front = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{front_port}"
    baseline_dir = data / "baseline"
    baseline_dir.mkdir()
    results: dict[tuple[str, str, str], dict[str, float]] = {}
    ingested: list[tuple[int, float]] = []
    ingest_cpu: dict[str, float] = {}
    log = data.parent / f"{data.name}-crawl.log"
    server: subprocess.Popen[bytes] | None = None
    serving: Run | None = None
    if args.ingest == "crawl-loop":
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "akhbar.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", "4",
             "--log-level", "warning",
             # SO_REUSEPORT: without it, wrk's 16 keep-alive connections were often spread
             # unevenly over the two workers and a URL's figure halved at random (bimodal p50
             # 5 vs 15 ms); with it, runs agree (docs/BENCHMARKS.md).
             "--reuse-port"],
            env=env, cwd=ROOT, start_new_session=True)
    else:  # at rest: akhbar run --no-crawl; while ingesting, akhbar run on the same port
        serving = Run(env, log, port, args.workers, crawl=False).__enter__()
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{direct}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        home = get(f"{direct}/fr/")
        (baseline_dir / "home.html").write_bytes(home)
        article_path = re.search(rb'href="(/fr/articles/\d+/)"', home).group(1).decode()  # type: ignore[union-attr]
        with sqlite3.connect(data / "akhbar.sqlite3") as db:
            story_path = f"/fr/stories/{db.execute('select min(id) from news_story').fetchone()[0]}/"
        urls = {"home": "/fr/", "article": article_path, "outlet": "/fr/sources/outlet-1/",
                "story": story_path, "search": "/fr/search/?q=gouvernement",
                "API": "/api/v1/articles?limit=50"}
        if args.only:
            urls = {k: v for k, v in urls.items() if k in args.only.split(",")}
        baseline_server = (f"server {{ listen 127.0.0.1:{static_port}; "
                           f"location / {{ root {baseline_dir}; }} }}")
        with contextlib.ExitStack() as stack:
            stack.enter_context(NginxFront(data / "nginx", front_port, f"127.0.0.1:{port}",
                                           workers=args.workers, extra=baseline_server))
            # One press per outlet, each on a loopback address of its own: real outlets are
            # separate hosts (per-host politeness and scheduling apply to each apart).
            press = Press([stack.enter_context(FixturePress(f"127.0.0.{i + 2}"))
                           for i in range(args.outlets)], args.outlets, args.ingest_rate)
            registry = data / "bench-press.toml"
            registry.write_text(press.registry(), encoding="utf-8")
            subprocess.run([*akhbar, "sources", "import", str(registry)], env=env, cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
            # Only the press's outlets are crawled: the seeded ones (no feed) are paused.
            subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                            "from akhbar.sources.models import Source; "
                            "Source.objects.filter(slug__startswith='outlet-').update(paused=True)"],
                           env=env, cwd=ROOT, check=True)

            def ingestor() -> Run | Crawl:
                if args.ingest == "run":
                    return Run(env, log, free_port() if args.ingest_only else port, args.workers)
                return Crawl(env, [f"press-{i}" for i in range(args.outlets)], log,
                             nice=args.crawl_nice)

            if args.ingest_only:
                return ingest_only(ingestor(), data, args.ingest_only)
            for phase in ("at rest", "ingesting"):
                crawl = ingestor() if phase == "ingesting" else None
                if crawl:
                    if serving is not None:  # the same server, now with its workers
                        serving.__exit__()
                        serving = None
                    crawl.__enter__()
                    if isinstance(crawl, Run):
                        serving = crawl
                    # The first pass stores the feeds' backlog (30 items an outlet).
                    time.sleep(args.warmup)
                    cpu_before = crawl.cpu()
                before, t0 = article_count(data), time.monotonic()
                try:
                    results[("nginx: the home page's bytes", "static", phase)] = wrk(
                        f"http://127.0.0.1:{static_port}/home.html", args.duration,
                        args.connections, str(script))
                    for name, path in urls.items():
                        for via, base in (("front", front), ("direct", direct)):
                            # Warm the page cache (and the front's): 20 connections reach
                            # each web process (--reuse-port spreads them), so no first render
                            # (single flight: its other requests wait) falls in the window.
                            for _ in range(20 if via == "direct" else 3):
                                get(base + path)
                            web0, count0 = web_cpu(serving), article_count(data)
                            r = wrk(base + path, args.duration, args.connections, str(script))
                            if crawl:  # how fast the ingestion went while this row was loaded
                                r["stored_per_min"] = ((article_count(data) - count0) * 60
                                                       / args.duration)
                            requests = r["rps"] * args.duration
                            if serving is not None and requests:
                                r["web_ms"] = 1000 * (web_cpu(serving) - web0) / requests
                            results[(name, via, phase)] = r
                finally:
                    if crawl:
                        ingested.append((article_count(data) - before, time.monotonic() - t0))
                        ingest_cpu = {k: v - cpu_before.get(k, 0.0)
                                      for k, v in crawl.cpu().items()}
                        crawl.__exit__()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        if serving is not None:
            serving.__exit__()
        shutil.rmtree(data, ignore_errors=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    stored, seconds = ingested[0] if ingested else (0, 1.0)
    print(f"commit {commit}; ingest: {args.ingest}; "
          f"gunicorn {args.workers} workers x 4 threads, nginx {args.workers} "
          f"workers; wrk -t2 -c{args.connections} -d{args.duration}s, Accept-Encoding: gzip; "
          f"{args.articles} articles; home = {len(home) / 1024:.0f} KiB; while ingesting: "
          f"{stored} articles stored in {seconds:.0f} s = {stored * 60 / seconds:.0f}/min; "
          f"load average at the end {os.getloadavg()[0]:.1f}\n")
    if ingest_cpu:
        per = (f"{sum(ingest_cpu.values()) / stored:.3f} CPU s per article stored"
               if stored else "nothing stored")
        print(f"ingestion ({args.ingest}) used "
              + ", ".join(f"{k} {v:.1f}" for k, v in ingest_cpu.items() if v)
              + f" CPU s in the ingesting phase ({per}; on {os.cpu_count()} cores)\n")
    if stored < 100 and log.exists():
        print("few articles stored; the crawl's last output:\n"
              + log.read_text(errors="replace")[-3000:])
    rows = [r for (_, via, phase), r in results.items() if via == "direct" and phase == "ingesting"]
    hits, answered = sum(r["hit"] for r in rows), sum(r["hit"] + r["miss"] for r in rows)
    if answered:
        print(f"akhbar page cache while ingesting, direct requests: {hits} hits of {answered} "
              f"= {100 * hits / answered:.1f} %\n")
    baseline = {phase: results[("nginx: the home page's bytes", "static", phase)]["rps"]
                for phase in ("at rest", "ingesting")}
    print("| page | via | phase | requests/s | p50 ms | p99 ms | vs baseline | vs at rest "
          "| non-2xx | akhbar cache hit % | served by the front's cache % "
          "| akhbar's web CPU ms per request | articles stored per minute meanwhile |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (name, via, phase), r in results.items():
        rest = results[(name, via, "at rest")]["rps"]
        answered = r["hit"] + r["miss"]
        total = r["hit"] + r["miss"] + r["other"]
        # Through the front, X-Akhbar-Cache is the stored copy's: only direct rows say it.
        hit = f"{100 * r['hit'] / answered:.1f}" if answered and via == "direct" else "-"
        front_hit = f"{100 * r['front'] / total:.1f}" if via == "front" and total else "-"
        print(f"| {name} | {via} | {phase} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['rps'] / baseline[phase]:.2f} | {r['rps'] / rest:.2f} | {r['errors']:.0f} | "
              f"{hit} | {front_hit} | "
              + (f"{r['web_ms']:.2f} |" if "web_ms" in r else "- |")
              + (f" {r['stored_per_min']:.0f} |" if "stored_per_min" in r else " - |"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
