"""Settings for the test suite: fast hashing, the fixture press on 127.0.0.1 allowed."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("AKHBAR_DATA_DIR", tempfile.mkdtemp(prefix="akhbar-test-"))
# Under pytest-xdist each test process gets a data directory of its own (the controller made
# one before starting the workers, which inherit it). Processes a test starts inherit the marker
# and keep the directory they are given.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("AKHBAR_TEST_DATA_DIR_WORKER") != _worker:
    _own = os.path.join(os.environ["AKHBAR_DATA_DIR"], _worker)
    os.makedirs(_own, mode=0o700, exist_ok=True)
    os.environ["AKHBAR_DATA_DIR"] = _own
    # The metrics files too: inherited from the controller, both processes would count into one.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(_own, "metrics")
    os.environ["AKHBAR_TEST_DATA_DIR_WORKER"] = _worker
os.environ.setdefault("AKHBAR_ALLOW_PRIVATE_NETWORKS", "1")
os.environ.setdefault("AKHBAR_HOST_DELAY_SECONDS", "0")
os.environ.setdefault("AKHBAR_FETCH_TIMEOUT_SECONDS", "1")
os.environ.setdefault("AKHBAR_CRAWL_THREADS", "2")
os.environ.setdefault("AKHBAR_SECRET_KEY", "test-only-secret-key-not-for-production")

from .base import *  # noqa: E402,F403
from .base import CONFIG, LOGGING  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run where they are enqueued, so tests see their effect without a worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                     "QUEUES": ["default", "ingest"]}}
LOGGING["loggers"]["akhbar"]["level"] = "WARNING"  # type: ignore[index]
assert CONFIG.allow_private_networks

from .base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory: the crawler's threads then wait on the busy timeout
    # like in production instead of failing with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(CONFIG.data_dir / "test.sqlite3")}
