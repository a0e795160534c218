"""The HTTP client against a real local server (FixturePress): politeness, caching, limits, SSRF."""

from __future__ import annotations

import gzip
import random
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from akhbar.ingest.errors import FetchError
from akhbar.ingest.fetch.caching import (
    backoff_delay,
    cache_max_age,
    conditional_headers,
    next_poll_interval,
    retry_after_seconds,
)
from akhbar.ingest.fetch.client import FetchConfig, Fetcher, default_user_agent, is_public_address
from akhbar.ingest.fetch.politeness import HostClock, RobotsRules, robots_url
from tests.press import FixturePress

MiB = 1024 * 1024
LOCAL = {"allow_private_networks": True, "min_host_delay": 0.0, "connect_timeout": 2.0,
         "read_timeout": 2.0, "total_timeout": 5.0}

ARABIC_HTML = (
    "<html><head><title>الحكومة تعلن عن خطة جديدة للنقل</title></head><body>"
    "<p>أعلنت الحكومة المغربية، يوم الخميس، عن خطة جديدة لتطوير النقل العمومي في المدن الكبرى.</p>"
    "</body></html>"
)
FRENCH_HTML = (
    "<html><head><title>Élections : les électeurs appelés aux urnes</title></head><body>"
    "<p>Le président a déclaré jeudi à la presse que la réforme serait adoptée avant l'été.</p>"
    "</body></html>"
)


@pytest.fixture
def press() -> Iterator[FixturePress]:
    with FixturePress() as p:
        yield p
        # The fetcher never sends HEAD (or anything but GET), whatever the test did.
        assert {r.method for r in p.requests} <= {"GET"}


def make_fetcher(**overrides: object) -> Fetcher:
    return Fetcher(FetchConfig(**{**LOCAL, **overrides}))  # type: ignore[arg-type]


def fetch_error(fetcher: Fetcher, url: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]
    return info.value


# --- identity, robots, politeness -------------------------------------------------------------


def test_user_agent_accept_and_robots_first(press: FixturePress) -> None:
    press.route("/news", "<p>ok</p>")
    with make_fetcher(contact_url="https://akhbar.example/bot") as f:
        result = f.fetch(press.url("/news?page=1"), accept="application/rss+xml")
    assert result.status == 200 and result.content == b"<p>ok</p>"
    assert result.requested_url == result.final_url == press.url("/news?page=1")
    assert result.fetched_at.tzinfo is not None and result.elapsed_ms > 0
    assert [r.path for r in press.requests] == ["/robots.txt", "/news"]
    page = press.requests_for("/news")[0]
    assert page.headers["user-agent"] == "akhbar/0.1 (+https://akhbar.example/bot)"
    assert page.headers["accept"] == "application/rss+xml"
    assert page.query == "page=1"
    assert "cookie" not in page.headers
    assert default_user_agent() == "akhbar/0.1"


def test_robots_disallow_never_requests_the_page(press: FixturePress) -> None:
    press.route("/robots.txt", "User-agent: akhbar\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n",
                content_type="text/plain")
    press.route("/private/page", "secret")
    press.route("/public", "fine")
    with make_fetcher() as f:
        err = fetch_error(f, press.url("/private/page"))
        assert err.kind == "robots_disallowed"
        assert f.fetch(press.url("/public")).content == b"fine"
        assert not f.allowed_by_robots(press.url("/private/x"))
    assert press.requests_for("/private/page") == []
    assert len(press.requests_for("/robots.txt")) == 1  # cached per fetcher


def test_robots_404_allows_and_5xx_disallows(press: FixturePress) -> None:
    press.route("/a", "a")
    with make_fetcher() as f:
        assert f.fetch(press.url("/a")).status == 200  # robots.txt is a 404 here
    press.route("/robots.txt", "oops", status=503)
    with make_fetcher() as f:
        # Crawling stops (RFC 9309: unreachable means disallow, for a while) but it is not
        # reported as the outlet forbidding us: the operator sees the server failing.
        err = fetch_error(f, press.url("/a"))
        assert err.kind == "robots_unreachable" and "HTTP 503" in str(err)
        assert not f.allowed_by_robots(press.url("/a"))
    assert len(press.requests_for("/a")) == 1
    assert len(press.requests_for("/robots.txt")) == 2  # one per fetcher: the 503 is cached


def test_robots_redirect_is_followed(press: FixturePress) -> None:
    press.route("/robots.txt", status=301, headers={"Location": "/real-robots.txt"})
    press.route("/real-robots.txt", "User-agent: *\nDisallow: /x\n", content_type="text/plain")
    with make_fetcher() as f:
        assert fetch_error(f, press.url("/x/1")).kind == "robots_disallowed"


def test_robots_cache_ttl_and_brief_error_caching() -> None:
    now = [0.0]
    answers = [(503, b""), (200, b"User-agent: *\nDisallow: /a\n")]
    calls: list[str] = []

    def fetch_robots(url: str) -> tuple[int, bytes]:
        calls.append(url)
        return answers[min(len(calls) - 1, 1)]

    rules = RobotsRules(fetch_robots, user_agent="akhbar/0.1", ttl=3600, error_ttl=60,
                        clock=lambda: now[0])
    assert not rules.allowed("https://site.example/b")  # 5xx: disallow all
    now[0] = 30
    assert not rules.allowed("https://site.example/b")  # still cached
    now[0] = 61
    assert rules.allowed("https://site.example/b")  # error expired: refetched, now 200
    assert not rules.allowed("https://site.example/a/1")
    now[0] = 1000
    rules.allowed("https://site.example/c")
    assert calls == ["https://site.example/robots.txt"] * 2
    assert robots_url("http://u:p@h.example:8080/x?y") == "http://h.example:8080/robots.txt"


def test_crawl_delay_spaces_requests_and_is_capped(press: FixturePress) -> None:
    press.route("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")
    press.route("/p", "p")
    with make_fetcher() as f:
        for _ in range(3):
            f.fetch(press.url("/p"))
    times = [r.time for r in press.requests]  # robots, p, p, p
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.28, gaps

    press.route("/robots.txt", "User-agent: *\nCrawl-delay: 100\n", content_type="text/plain")
    with make_fetcher(max_host_delay=0.2) as f:
        start = time.monotonic()
        f.fetch(press.url("/p"))
        f.fetch(press.url("/p"))
        assert time.monotonic() - start < 1.5  # capped at 0.2 s, not 100 s


def test_min_host_delay_and_per_host_cap(press: FixturePress) -> None:
    active = [0]
    peak = [0]
    lock = threading.Lock()

    def slow(_request: object) -> bytes:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.15)
        with lock:
            active[0] -= 1
        return b"done"

    press.route("/slow", handler=slow)
    with make_fetcher(min_host_delay=0.05, max_per_host=2) as f:
        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(lambda _: f.fetch(press.url("/slow")), range(6)))
    assert all(r.content == b"done" for r in results)
    assert peak[0] == 2
    assert len(press.requests_for("/robots.txt")) == 1  # six threads, one robots.txt fetch
    starts = sorted(r.time for r in press.requests_for("/slow"))
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.04


def test_host_clock_waits_and_reports_wait() -> None:
    clock = HostClock(min_delay=0.1, max_per_host=1)
    with clock.slot("Example.org") as waited:
        assert waited == pytest.approx(0, abs=0.02)
    with clock.slot("example.org") as waited:
        assert waited >= 0.08
    with clock.slot("other.example") as waited:
        assert waited < 0.02  # hosts are independent


# --- conditional GET, errors, Retry-After ----------------------------------------------------


def test_conditional_get_returns_304(press: FixturePress) -> None:
    stamp = "Thu, 26 Nov 2026 08:00:00 GMT"
    press.route("/feed.xml", "<rss/>", content_type="application/rss+xml", etag='"v7"',
                last_modified=stamp)
    with make_fetcher() as f:
        first = f.fetch(press.url("/feed.xml"))
        assert first.status == 200 and first.etag == '"v7"' and first.last_modified == stamp
        again = f.fetch(press.url("/feed.xml"), etag=first.etag)
        assert again.not_modified and again.content == b"" and again.etag == '"v7"'
        by_date = f.fetch(press.url("/feed.xml"), last_modified=stamp)
        assert by_date.status == 304 and by_date.last_modified == stamp
        stale = f.fetch(press.url("/feed.xml"), etag='"v6"')
        assert stale.status == 200 and stale.content == b"<rss/>"
    sent = press.requests_for("/feed.xml")
    assert "if-none-match" not in sent[0].headers
    assert sent[1].headers["if-none-match"] == '"v7"'
    assert sent[2].headers["if-modified-since"] == stamp


def test_http_errors_and_retry_after(press: FixturePress) -> None:
    press.route("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    press.route("/down", "maintenance", status=503, headers={"Retry-After": later})
    press.route("/boom", "error", status=500)
    with make_fetcher() as f:
        err = fetch_error(f, press.url("/busy"))
        assert (err.kind, err.status, err.retry_after) == ("http_429", 429, 120.0)
        err = fetch_error(f, press.url("/down"))
        assert err.kind == "http_503" and 80 <= (err.retry_after or 0) <= 91
        err = fetch_error(f, press.url("/boom"))
        assert (err.kind, err.status, err.retry_after) == ("http_500", 500, None)
        assert fetch_error(f, press.url("/missing")).kind == "http_404"
        assert str(err).startswith("http_500:")


def test_read_timeout_is_quick(press: FixturePress) -> None:
    press.route("/late", "late", delay=3.0)
    with make_fetcher(read_timeout=0.3, respect_robots=False) as f:
        start = time.monotonic()
        err = fetch_error(f, press.url("/late"))
    assert err.kind == "timeout"
    assert time.monotonic() - start < 1.5


def test_total_timeout_stops_a_trickling_server(press: FixturePress) -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.05)
            yield b"x"

    press.route("/trickle", handler=lambda _r: trickle())
    with make_fetcher(read_timeout=2.0, total_timeout=0.5, respect_robots=False) as f:
        start = time.monotonic()
        assert fetch_error(f, press.url("/trickle")).kind == "timeout"
    assert time.monotonic() - start < 1.5


# --- size cap and content decoding ----------------------------------------------------------


def _zeros(total: int, chunk: int = MiB) -> Iterator[bytes]:
    block = b"\0" * chunk
    for _ in range(total // chunk):
        yield block


def test_huge_streamed_body_is_refused_without_reading_it(press: FixturePress) -> None:
    press.route("/huge", handler=lambda _r: _zeros(50 * MiB), content_type="application/octet-stream")
    with make_fetcher(max_bytes=MiB, respect_robots=False) as f:
        tracemalloc.start()
        try:
            err = fetch_error(f, press.url("/huge"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert err.kind == "too_large"
    assert peak < 8 * MiB, peak  # includes the press's own 1 MiB chunks


def test_content_length_over_cap_is_refused_before_the_body(press: FixturePress) -> None:
    sent = [0]

    def body() -> Iterator[bytes]:
        for chunk in _zeros(50 * MiB):
            sent[0] += 1
            yield chunk

    press.route("/declared", handler=lambda _r: (200, {"Content-Length": str(50 * MiB)}, body()))
    with make_fetcher(max_bytes=MiB, respect_robots=False) as f:
        err = fetch_error(f, press.url("/declared"))
        assert err.kind == "too_large" and "Content-Length" in str(err)
        # A per-call cap overrides the config.
        press.route("/small", b"y" * 2000)
        assert fetch_error(f, press.url("/small"), max_bytes=1000).kind == "too_large"
        assert len(f.fetch(press.url("/small"), max_bytes=2000).content) == 2000


def test_gzip_and_deflate_bodies_are_decoded(press: FixturePress) -> None:
    text = FRENCH_HTML.encode("utf-8") * 20
    press.route("/gz", gzip.compress(text), headers={"Content-Encoding": "gzip"},
                content_type="text/html; charset=utf-8")
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    press.route("/deflate", raw.compress(text) + raw.flush(), headers={"Content-Encoding": "deflate"},
                content_type="text/html; charset=utf-8")
    with make_fetcher(respect_robots=False) as f:
        assert f.fetch(press.url("/gz")).content == text
        assert f.fetch(press.url("/deflate")).text() == FRENCH_HTML * 20
    assert "gzip" in press.requests_for("/gz")[0].headers["accept-encoding"]


def test_gzip_bomb_is_capped_on_decoded_size(press: FixturePress) -> None:
    bomb = gzip.compress(b"\0" * (50 * MiB))  # ~50 KB on the wire
    press.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with make_fetcher(max_bytes=MiB, respect_robots=False) as f:
        tracemalloc.start()
        try:
            err = fetch_error(f, press.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert err.kind == "too_large" and peak < 6 * MiB, peak


# --- redirects --------------------------------------------------------------------------------


def test_redirects_followed_and_final_url_recorded(press: FixturePress) -> None:
    press.route("/old", status=301, headers={"Location": "/mid"})
    press.route("/mid", status=302, headers={"Location": press.url("/new")})
    press.route("/new", "new home")
    with make_fetcher() as f:
        result = f.fetch(press.url("/old"))
    assert result.content == b"new home"
    assert result.requested_url == press.url("/old") and result.final_url == press.url("/new")
    assert [r.path for r in press.requests if r.path != "/robots.txt"] == ["/old", "/mid", "/new"]


def test_max_redirects_and_loops(press: FixturePress) -> None:
    for i in range(4):
        press.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    press.route("/r4", "end")
    press.route("/loop", status=307, headers={"Location": "/loop"})
    with make_fetcher(max_redirects=3, respect_robots=False) as f:
        assert fetch_error(f, press.url("/r0")).kind == "too_many_redirects"
        assert f.fetch(press.url("/r1")).content == b"end"  # exactly 3 hops
        assert fetch_error(f, press.url("/loop")).kind == "too_many_redirects"
    assert len(press.requests_for("/loop")) == 4
    assert press.requests_for("/r4") == [press.requests_for("/r4")[0]]


def test_robots_checked_on_each_redirect_hop(press: FixturePress) -> None:
    press.route("/robots.txt", "User-agent: *\nDisallow: /members\n", content_type="text/plain")
    press.route("/go", status=302, headers={"Location": "/members/only"})
    press.route("/members/only", "secret")
    with make_fetcher() as f:
        assert fetch_error(f, press.url("/go")).kind == "robots_disallowed"
    assert press.requests_for("/members/only") == []


# --- URLs and the address guard ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("", "invalid_url"),
        ("not a url", "invalid_url"),
        ("http://", "invalid_url"),
        ("http://exa mple.com/", "invalid_url"),
        ("ftp://files.example/a", "unsupported_scheme"),
        ("file:///etc/passwd", "unsupported_scheme"),
        ("javascript:alert(1)", "unsupported_scheme"),
        ("http://nonexistent.invalid/", "dns"),
    ],
)
def test_invalid_and_unsupported_urls(url: str, kind: str) -> None:
    with make_fetcher() as f:
        assert fetch_error(f, url).kind == kind


def test_a_resolver_that_never_answers_times_out_and_other_hosts_go_on(
        press: FixturePress, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection: the system resolver hangs for one name (as with an unreachable name
    # server); getaddrinfo cannot be interrupted, so the fetch must stop waiting for it.
    real = socket.getaddrinfo
    released = threading.Event()

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hangs.example":
            released.wait(30)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    press.route("/ok", "<p>ok</p>")
    try:
        with make_fetcher(connect_timeout=0.5) as f:
            started = time.monotonic()
            error = fetch_error(f, "http://hangs.example/feed.xml")
            assert error.kind == "dns" and "no answer within 0.5 s" in str(error)
            assert time.monotonic() - started < 5
            assert f.fetch(press.url("/ok")).status == 200  # other hosts are not held up
    finally:
        released.set()


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Records every TCP connection attempt; only those to 127.0.0.1 (the press) go through."""
    attempts: list[tuple[str, int]] = []
    real = socket.create_connection

    def guard(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        attempts.append(address)
        if address[0] != "127.0.0.1":
            raise AssertionError(f"a connection to {address} was attempted")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guard)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://127.0.0.1:9/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://2130706433/",  # 127.0.0.1 written as a number: caught after resolution
        "http://localhost/",
    ],
)
def test_private_addresses_refused_without_a_packet(url: str, no_connect: list[tuple[str, int]]) -> None:
    with Fetcher(FetchConfig()) as f:
        assert fetch_error(f, url).kind == "private_address"
    assert no_connect == []


def test_private_refusal_of_the_local_press(press: FixturePress) -> None:
    press.route("/", "hello")
    with Fetcher(FetchConfig(min_host_delay=0)) as f:
        assert fetch_error(f, press.url("/")).kind == "private_address"
        assert fetch_error(f, f"http://localhost:{press.port}/").kind == "private_address"
    assert press.requests == []  # not even robots.txt


def test_redirect_hop_is_checked(press: FixturePress, no_connect: list[tuple[str, int]]) -> None:
    press.route("/go", status=302, headers={"Location": "http://10.0.0.1/admin"})
    press.route("/meta", status=302, headers={"Location": "http://169.254.169.254/latest/"})
    press.route("/named", status=302, headers={"Location": f"http://localhost:{press.port}/x"})
    press.route("/x", "x")
    cfg = FetchConfig(min_host_delay=0, allowed_networks=("127.0.0.1/32",), respect_robots=False)
    with Fetcher(cfg) as f:
        for path in ("/go", "/meta"):
            assert fetch_error(f, press.url(path)).kind == "private_address"
        assert f.fetch(press.url("/named")).content == b"x"  # localhost → 127.0.0.1, allow-listed
    assert [r.path for r in press.requests] == ["/go", "/meta", "/named", "/x"]
    assert set(no_connect) == {("127.0.0.1", press.port)}  # nothing else was even tried


def test_connects_to_the_vetted_address_with_the_original_host(
    press: FixturePress, monkeypatch: pytest.MonkeyPatch, no_connect: list[tuple[str, int]]
) -> None:
    real = socket.getaddrinfo
    lookups: list[str] = []

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        return real("127.0.0.1" if host == "news.example" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    press.route("/a", "ok")
    cfg = FetchConfig(min_host_delay=0, allowed_networks=("127.0.0.1/32",), respect_robots=False)
    with Fetcher(cfg) as f:
        assert f.fetch(f"http://news.example:{press.port}/a").content == b"ok"
    # One resolution, then a connection to the vetted IP itself: no second lookup to rebind.
    assert lookups.count("news.example") == 1 and set(lookups) <= {"news.example", "127.0.0.1"}
    assert no_connect == [("127.0.0.1", press.port)]
    assert press.requests_for("/a")[0].headers["host"] == f"news.example:{press.port}"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True), ("2a00:1450:4007:80b::200e", True), ("10.1.2.3", False),
        ("172.16.0.1", False), ("192.168.1.1", False), ("127.0.0.1", False), ("::1", False),
        ("169.254.169.254", False), ("fe80::1", False), ("fc00::1", False), ("100.64.3.4", False),
        ("0.0.0.0", False), ("::", False), ("224.0.0.1", False), ("ff02::1", False),
        ("240.0.0.1", False), ("::ffff:192.168.0.1", False), ("::ffff:8.8.8.8", True),
        ("2002:0a00:0001::1", False), ("64:ff9b::a00:1", False), ("198.18.0.1", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_tls_and_connection_errors(press: FixturePress) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with make_fetcher(respect_robots=False) as f:
        assert fetch_error(f, f"https://127.0.0.1:{press.port}/").kind == "tls"  # plain HTTP
        assert fetch_error(f, f"http://127.0.0.1:{closed_port}/").kind == "connection"


# --- charsets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "encoding", "content_type"),
    [
        (ARABIC_HTML, "windows-1256", "text/html; charset=windows-1256"),
        (ARABIC_HTML.replace("<head>", '<head><meta charset="windows-1256">'), "windows-1256",
         "text/html"),
        (ARABIC_HTML, "windows-1256", "text/html"),
        (FRENCH_HTML, "iso-8859-1", "text/html; charset=ISO-8859-1"),
        (FRENCH_HTML, "iso-8859-1", "text/html"),
        (FRENCH_HTML, "utf-8", "text/html; charset=iso-8859-1"),  # a wrong declaration
    ],
)
def test_pages_decoded_right(press: FixturePress, body: str, encoding: str, content_type: str) -> None:
    press.route("/page", body.encode(encoding), content_type=content_type)
    with make_fetcher(respect_robots=False) as f:
        result = f.fetch(press.url("/page"))
    assert result.text() == body
    assert result.content_type == "text/html"


def test_binary_content_has_no_encoding(press: FixturePress) -> None:
    press.route("/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), content_type="image/png")
    with make_fetcher(respect_robots=False) as f:
        assert f.fetch(press.url("/logo.png")).encoding is None


# --- caching helpers (pure) ------------------------------------------------------------------


def test_conditional_headers_and_retry_after() -> None:
    assert conditional_headers(None, None) == {}
    assert conditional_headers('W/"a"', "Thu, 26 Nov 2026 08:00:00 GMT") == {
        "If-None-Match": 'W/"a"', "If-Modified-Since": "Thu, 26 Nov 2026 08:00:00 GMT"}
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now) == 30.0
    assert retry_after_seconds("Thu, 26 Nov 2026 08:02:00 GMT", now) == 120.0
    assert retry_after_seconds("Thu, 26 Nov 2026 07:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def test_cache_max_age() -> None:
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert cache_max_age({"Cache-Control": "public, max-age=600"}) == 600
    assert cache_max_age({"cache-control": "max-age=600, s-maxage=900", "age": "100"}) == 800
    assert cache_max_age({"Cache-Control": "no-cache"}) == 0
    assert cache_max_age({"Expires": "Thu, 26 Nov 2026 08:05:00 GMT"}, now) == 300
    assert cache_max_age({"Expires": "Thu, 26 Nov 2026 08:05:00 GMT",
                          "Date": "Thu, 26 Nov 2026 08:04:00 GMT"}, now) == 60
    assert cache_max_age({"Expires": "0"}) == 0
    assert cache_max_age({"Content-Type": "text/html"}) is None


def test_next_poll_interval_adapts_within_bounds() -> None:
    m = timedelta(minutes=1)
    assert next_poll_interval(previous=None, changed=True) == 10 * m
    assert next_poll_interval(previous=20 * m, changed=True) == 10 * m
    assert next_poll_interval(previous=20 * m, changed=False) == 30 * m
    assert next_poll_interval(previous=6 * m, changed=True) == 5 * m  # floor
    assert next_poll_interval(previous=50 * m, changed=False) == 60 * m  # ceiling
    assert next_poll_interval(previous=10 * m, changed=True, cache_max_age=1200) == 20 * m
    assert next_poll_interval(previous=10 * m, changed=True, cache_max_age=86400) == 60 * m


def test_backoff_is_exponential_jittered_and_capped() -> None:
    rng = random.Random(42)
    assert backoff_delay(0, rng=rng) == timedelta(0)
    first = backoff_delay(1, rng=rng)
    assert timedelta(minutes=2.5) <= first <= timedelta(minutes=5)
    fourth = backoff_delay(4, rng=rng)
    assert timedelta(minutes=20) <= fourth <= timedelta(minutes=40)
    huge = [backoff_delay(500, rng=rng) for _ in range(50)]
    assert all(timedelta(hours=3) <= d <= timedelta(hours=6) for d in huge)
    assert len(set(huge)) > 1  # jittered
