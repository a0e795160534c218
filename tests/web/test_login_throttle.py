"""Admin login throttling: after 10 failures for one username or from one network, logins answer
429 at once, without hashing the password, for at most the cool-off."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
FR = "Trop de tentatives de connexion, réessayez plus tard"
EN = "Too many failed login attempts, try again later"
AR = "محاولات تسجيل دخول فاشلة كثيرة، أعد المحاولة لاحقًا"


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast in tests) that counts how often a password was hashed or checked."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting_hasher():
    with override_settings(PASSWORD_HASHERS=[f"{__name__}.CountingHasher"]):
        CountingHasher.calls = 0
        yield CountingHasher


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser("boss", "boss@example.org", "right-password")


def login(username: str, password: str, ip: str = "203.0.113.5", lang: str = "fr"):
    return Client().post(LOGIN, {"username": username, "password": password},
                         REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=lang)


def fail(times: int, username: str = "boss", ips: list[str] | None = None) -> None:
    for n in range(times):
        ip = ips[n % len(ips)] if ips else f"198.51.{n}.7"  # a new network each time
        resp = login(username, f"wrong-{n}", ip)
        assert resp.status_code in (200, 429), resp.status_code


def test_a_wrong_password_is_answered_normally(admin_user):
    resp = login("boss", "wrong")
    assert resp.status_code == 200 and b"errornote" in resp.content
    assert login("boss", "right-password").status_code == 302


@pytest.mark.parametrize("username", ["boss", "nobody-by-this-name"])
def test_ten_failures_for_one_username_block_it_without_hashing(admin_user, counting_hasher,
                                                                username):
    fail(10, username)
    counting_hasher.calls = 0
    resp = login(username, "right-password" if username == "boss" else "x", "192.0.2.99")
    assert resp.status_code == 429
    assert FR in resp.content.decode()
    assert counting_hasher.calls == 0  # refused before any password was hashed
    # Another username from the same place still logs in.
    User.objects.create_superuser("other", "o@example.org", "pw-other")
    assert login("other", "pw-other", "192.0.2.99").status_code == 302


@pytest.mark.parametrize(("ips", "outside"), [
    ([f"203.0.113.{n}" for n in range(1, 11)], "203.0.114.1"),  # one IPv4 /24
    ([f"2001:db8:7:{n:x}::1" for n in range(1, 11)], "2001:db8:8::1"),  # one IPv6 /48
])
def test_ten_failures_from_one_network_block_it(admin_user, counting_hasher, ips, outside):
    for n, ip in enumerate(ips):
        login(f"guess-{n}", "x", ip)
    counting_hasher.calls = 0
    resp = login("boss", "right-password", ips[0].rsplit(".", 1)[0] + ".200"
                 if "." in ips[0] else "2001:db8:7:ffff::9")
    assert resp.status_code == 429 and counting_hasher.calls == 0
    assert login("boss", "right-password", outside).status_code == 302


@pytest.mark.parametrize(("lang", "message"), [("fr", FR), ("en", EN), ("ar", AR)])
def test_the_block_message_is_translated(admin_user, lang, message):
    fail(10)
    resp = login("boss", "x", lang=lang)
    assert resp.status_code == 429 and message in resp.content.decode()
    assert int(resp["Retry-After"]) <= 3600


@override_settings(DEBUG=True)
def test_throttled_with_debug_on_too(admin_user):
    fail(10)
    assert login("boss", "right-password").status_code == 429


def test_the_block_ends_within_an_hour_and_attempts_during_it_do_not_extend_it(admin_user):
    from axes.models import AccessAttempt

    fail(10)
    for _ in range(20):  # hammering while blocked
        assert login("boss", "right-password").status_code == 429
    assert AccessAttempt.objects.count() == 10  # refused attempts stored nothing
    # Fifty-nine minutes later (the rows' clock moved back: the database is real).
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=59))
    assert login("boss", "right-password").status_code == 302


def test_production_settings_throttle_too(tmp_path: Path):
    """AKHBAR_ENV=production loads the same throttle (settings are read in a fresh process)."""
    env = {**os.environ, "AKHBAR_ENV": "production", "AKHBAR_SECRET_KEY": "x" * 50,
           "AKHBAR_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
           "AKHBAR_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "akhbar.settings.prod"}
    code = ("from django.conf import settings as s; import django; django.setup(); "
            "assert 'axes' in s.INSTALLED_APPS and s.AUTHENTICATION_BACKENDS[0].startswith('axes.'); "
            "assert s.MIDDLEWARE[-1] == 'axes.middleware.AxesMiddleware'; "
            "assert s.AXES_FAILURE_LIMIT <= 10 and s.AXES_COOLOFF_TIME.total_seconds() <= 3600; "
            "assert s.AXES_ENABLED")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


def test_odd_usernames_are_refused_not_errors(admin_user):
    for username in ("a\x00b", "x" * 5000, ""):
        resp = Client(raise_request_exception=False).post(
            LOGIN, {"username": username, "password": "x"}, REMOTE_ADDR="203.0.113.5")
        assert resp.status_code == 200, (username[:10], resp.status_code)
