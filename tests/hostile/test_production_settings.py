"""AKHBAR_ENV=production through the real ``akhbar`` command (and wsgi.py), in subprocesses.

Contract: `AKHBAR_ENV=production` selects the production settings for every `akhbar` command;
there, session and CSRF cookies are always Secure and HSTS is on, whatever `AKHBAR_CONTACT_URL`
says.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AKHBAR = [sys.executable, "-m", "akhbar"]
KEY = "production-test-key-" + "x7Qp" * 10

# What a process ended up with, and what an HTTPS request to the admin's login page answers.
PROBE = """
import json
from django.conf import settings
from django.test import Client
r = Client(raise_request_exception=False).get("/admin/login/", secure=True, HTTP_HOST="127.0.0.1")
print("PROBE " + json.dumps({
    "module": settings.SETTINGS_MODULE, "debug": settings.DEBUG,
    "session_secure": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS, "status": r.status_code,
    "hsts_header": r.headers.get("Strict-Transport-Security", ""),
    "csp": r.headers.get("Content-Security-Policy", ""),
    "csrf_cookie_secure": bool(r.cookies["csrftoken"]["secure"]) if "csrftoken" in r.cookies else None,
}))
"""


def prod_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "DJANGO_"))}
    env.update({
        "PYTHONPATH": str(ROOT),
        "AKHBAR_ENV": "production",
        "AKHBAR_DATA_DIR": str(tmp_path / "var"),
        "AKHBAR_SECRET_KEY": KEY,
        "AKHBAR_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'akhbar.sqlite3'}",
        # An http contact URL used to turn Secure cookies off.
        "AKHBAR_CONTACT_URL": "http://example.org/contact",
    })
    env.update(extra)
    return env


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def probe(argv: list[str], env: dict[str, str]) -> dict[str, object]:
    out = run(argv, env)
    line = next((x for x in out.stdout.splitlines() if x.startswith("PROBE ")), None)
    assert line is not None, out.stdout + out.stderr
    return dict(json.loads(line[6:]))


def assert_hardened(seen: dict[str, object]) -> None:
    assert seen["module"] == "akhbar.settings.prod" or seen["module"] == "akhbar.settings.base"
    assert seen["debug"] is False
    assert seen["session_secure"] is True and seen["csrf_secure"] is True
    assert seen["hsts"] == 31536000
    assert seen["status"] == 200
    assert str(seen["hsts_header"]).startswith("max-age=31536000")
    assert "script-src 'self'" in str(seen["csp"])  # the admin has a CSP too
    assert seen["csrf_cookie_secure"] is True


@pytest.mark.parametrize(
    ("how", "extra"),
    [("akhbar", {}),
     ("akhbar, DJANGO_SETTINGS_MODULE left on base", {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"})],
)
def test_every_akhbar_command_gets_the_production_settings(tmp_path: Path, how: str,
                                                           extra: dict[str, str]) -> None:
    env = prod_env(tmp_path, **extra)
    seen = probe([*AKHBAR, "shell", "-c", PROBE], env)
    assert seen["module"] == "akhbar.settings.prod", how
    assert_hardened(seen)


def test_wsgi_and_explicit_base_settings_are_hardened_too(tmp_path: Path) -> None:
    env = prod_env(tmp_path)
    # gunicorn imports akhbar.wsgi; a process started that way must choose the same settings.
    wsgi = "import akhbar.wsgi\n" + PROBE
    seen = probe([sys.executable, "-c", wsgi], env)
    assert seen["module"] == "akhbar.settings.prod"
    assert_hardened(seen)
    # Even a command told --settings akhbar.settings.base is hardened by AKHBAR_ENV=production.
    assert_hardened(probe([*AKHBAR, "shell", "--settings", "akhbar.settings.base", "-c", PROBE], env))


def test_check_deploy_is_clean_but_for_the_proxys_redirect(tmp_path: Path) -> None:
    out = run([*AKHBAR, "check", "--deploy"], prod_env(tmp_path))
    assert out.returncode == 0, out.stderr
    # Left to the reverse proxy: redirecting http to https (docs/OPERATIONS.md).
    assert set(re.findall(r"\((security\.\w+|[\w.]+\.[EW]\d+)\)", out.stdout + out.stderr)) == {
        "security.W008"
    }, out.stdout + out.stderr
    out = run([*AKHBAR, "check", "--deploy"], prod_env(tmp_path, AKHBAR_SSL_REDIRECT="1"))
    assert "no issues" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [({"AKHBAR_DEBUG": "1"}, "AKHBAR_DEBUG=1 is refused in production"),
     ({"AKHBAR_SECRET_KEY": ""}, "AKHBAR_SECRET_KEY is required in production"),
     ({"AKHBAR_DATABASE_URL": ""}, "AKHBAR_DATABASE_URL is required in production")],
)
def test_production_refuses_to_start(tmp_path: Path, change: dict[str, str], message: str) -> None:
    out = run([*AKHBAR, "check"], prod_env(tmp_path, **change))
    assert out.returncode == 2 and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
