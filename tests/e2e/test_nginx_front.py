"""Real processes: ``runserver`` and ``run`` after ``migrate`` alone, and the real nginx front
(deploy/nginx/akhbar.conf) in front of a real ``akhbar run`` gunicorn."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.e2e.test_cli import AKHBAR, ROOT, akhbar, env_for, free_port
from tests.front import NginxFront, nginx_path
from tests.press import FixturePress
from tests.web.press_site import build_site

# Real processes (akhbar run, workers, nginx, a crawl): minutes on a loaded machine, not a hang.
pytestmark = pytest.mark.timeout(300)

if os.environ.get("AKHBAR_DATABASE_URL", "").startswith("postgres"):
    # Their own processes on their own SQLite files: once, in the SQLite pass.
    pytest.skip("process tests run in the SQLite pass only", allow_module_level=True)

Response = tuple[int, dict[str, list[str]], bytes]


def fetch(port: int, path: str, **headers: str) -> Response:
    """One GET with exactly these headers (urllib adds its own); header names lower-cased."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        body = resp.read()
        seen: dict[str, list[str]] = {}
        for name, value in resp.getheaders():
            seen.setdefault(name.lower(), []).append(value)
        return resp.status, seen, body
    finally:
        conn.close()


def one(headers: dict[str, list[str]], name: str) -> str:
    return ", ".join(headers.get(name, []))


def wait_for(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if fetch(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing answers on port {port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def crawled(tmp_path: Path, press: FixturePress) -> dict[str, str]:
    """A data dir after ``migrate`` and a crawl of the fixture press: no collectstatic."""
    env = env_for(tmp_path)
    site = build_site(press, tmp_path)
    assert akhbar("migrate", "--noinput", env=env).returncode == 0
    assert akhbar("sources", "import", site.registry, env=env).returncode == 0
    assert akhbar("crawl", "--once", "--no-stories", env=env, timeout=300).returncode == 0
    return env


def static_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_runserver_serves_every_page_after_migrate_alone(tmp_path):
    port = free_port()
    with FixturePress() as press:
        env = crawled(tmp_path, press)
    assert not (tmp_path / "var" / "static" / "staticfiles.json").exists()  # never collected
    proc = subprocess.Popen([*AKHBAR, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(port)
        status, _, home = fetch(port, "/fr/")
        assert status == 200
        article = re.search(rb'href="(/fr/articles/\d+/)"', home)
        assert article
        status, _, page = fetch(port, article.group(1).decode())
        assert status == 200
        links = set(static_links(home.decode()) + static_links(page.decode()))
        assert {"/static/akhbar/akhbar.css", "/static/akhbar/report.js"} <= links
        for link in links:
            status, headers, body = fetch(port, link)
            assert status == 200 and body, link
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def front(tmp_path_factory) -> Iterator[tuple[int, int]]:
    """(nginx port, akhbar port): ``akhbar run --no-crawl`` after migrate, nginx in front."""
    need(nginx_path() is not None, "nginx is not installed (apt-get install nginx)")
    tmp = tmp_path_factory.mktemp("front")
    with FixturePress() as press:
        env = crawled(tmp, press)
    app_port, front_port = free_port(), free_port()
    proc = subprocess.Popen([*AKHBAR, "run", "--no-crawl", "--bind", f"127.0.0.1:{app_port}",
                             "--web-workers", "1", "--no-migrate"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(app_port)
        with NginxFront(tmp / "nginx", front_port, f"127.0.0.1:{app_port}"):
            yield front_port, app_port
    finally:
        stop(proc)


def until_hit(port: int, path: str, **headers: str) -> list[Response]:
    seen = []
    for _ in range(4):
        seen.append(fetch(port, path, **headers))
        if one(seen[-1][1], "x-cache-status") == "HIT":
            break
    return seen


def test_the_front_caches_anonymous_pages_but_never_an_answer_that_sets_a_cookie(front):
    port, _ = front
    seen = until_hit(port, "/fr/")
    statuses = [one(h, "x-cache-status") for _, h, _ in seen]
    # A new reader's first page (akhbar renders it and gives the CSRF cookie) is not stored;
    # the next, the page cache's cookie-free copy, is; then the front answers alone.
    first = seen[0][1]
    assert first["set-cookie"] and "no-store" in one(first, "cache-control")
    assert statuses[-1] == "HIT" and len(seen) <= 3, statuses
    status, hit, body = seen[-1]
    assert status == 200 and "set-cookie" not in hit and b"</html>" in body
    assert one(hit, "cache-control").startswith("public, max-age=")
    # Cookie-setting answers, asked again and again, always reach akhbar and set their cookie.
    for path in ("/csrf-cookie", "/admin/login/"):
        for _ in range(3):
            status, headers, _ = fetch(port, path)
            assert headers.get("set-cookie") and one(headers, "x-cache-status") != "HIT", path
    # A signed-in moderator (session cookie) bypasses the front's cache.
    _, headers, _ = fetch(port, "/fr/", Cookie="sessionid=abc; csrftoken=x")
    assert one(headers, "x-cache-status") == "BYPASS"
    # Junk query parameters: answered uncached by akhbar, never stored by the front either.
    for _ in range(3):
        _, headers, _ = fetch(port, "/fr/?utm_source=x")
        assert one(headers, "x-akhbar-cache") == "bypass"
        assert one(headers, "x-cache-status") == "MISS"


def until_ok(port: int, path: str) -> str:
    """The ETag of a direct answer once akhbar serves it without setting a cookie."""
    for _ in range(3):
        _, headers, _ = fetch(port, path)
        if "set-cookie" not in headers:
            return one(headers, "etag")
    raise AssertionError(f"{path} keeps setting cookies")


def test_pages_and_api_get_gzip_and_304_through_the_front(front):
    port, app_port = front
    for path in ("/fr/", "/api/v1/articles?limit=5"):
        seen = until_hit(port, path, Accept_Encoding="gzip")
        status, headers, body = seen[-1]
        assert one(headers, "x-cache-status") == "HIT" and one(headers, "content-encoding") == "gzip"
        plain = gzip.decompress(body)
        etag = one(headers, "etag")
        assert etag.startswith('W/"')
        # A client without gzip gets the same page unpacked from the one stored copy.
        status, headers, body = fetch(port, path)
        assert status == 200 and body == plain and "content-encoding" not in headers
        # Revalidation: the front answers 304 from its cache, and so does akhbar directly (its
        # pages hold absolute URLs: another Host, here with the port, is another page).
        status, headers, body = fetch(port, path, If_None_Match=etag, Accept_Encoding="gzip")
        assert status == 304 and body == b"" and one(headers, "etag") == etag
        direct = until_ok(app_port, path)
        status, headers, body = fetch(app_port, path, If_None_Match=direct)
        assert status == 304 and body == b"" and one(headers, "etag") == direct
        status, _, _ = fetch(port, path, If_None_Match='"stale"', Accept_Encoding="gzip")
        assert status == 200


def test_the_front_passes_the_host_with_its_port(front):
    port, _ = front
    # http.client sends "Host: 127.0.0.1:PORT"; the API's absolute links must keep the port.
    _, _, body = fetch(port, "/api/v1/articles?limit=1")
    items = json.loads(body)["items"]
    assert items and items[0]["page_url"].startswith(f"http://127.0.0.1:{port}/"), items[0]


def test_static_files_have_hashed_names_far_future_caching_and_gzip(front):
    port, _ = front
    _, _, home = until_hit(port, "/fr/")[-1]
    links = static_links(home.decode())
    assert links and all(re.search(r"\.[0-9a-f]{12}\.(css|js|svg|ico|png)$", link) for link in links), links
    for link in links:
        seen = until_hit(port, link, Accept_Encoding="gzip")
        status, headers, body = seen[-1]
        assert status == 200 and one(headers, "x-cache-status") == "HIT", link
        assert one(headers, "content-encoding") == "gzip" and gzip.decompress(body)
        assert "max-age=315360000" in one(headers, "cache-control")
        assert "immutable" in one(headers, "cache-control")
