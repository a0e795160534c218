"""A hostile press on 127.0.0.1: one outlet misbehaves in one way per case, a well-behaved outlet
is refreshed in the same run through the same fetcher. Each case ends within a bounded time and
memory with a clear error kind on the hostile feed (or its articles stored safely), and the other
outlet is always ingested. Cases that already held keep being checked here too."""

from __future__ import annotations

import dataclasses
import gzip
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from akhbar.ingest.fetch.client import Fetcher
from akhbar.news.models import Article, Image
from akhbar.pipeline.fetching import fetch_config
from akhbar.pipeline.hostgate import DatabaseHostGate
from akhbar.pipeline.refresh import refresh_feed
from akhbar.sources.models import Feed
from tests.hostile.hostile_press import add_source, dated, item, page, rss
from tests.press import FixturePress

pytestmark = pytest.mark.django_db(transaction=True)

MiB = 1024 * 1024
LIMIT_SECONDS = 30
LIMIT_BYTES = 300 * MiB


def zeros(total: int) -> Iterator[bytes]:
    block = b"\0" * MiB
    for _ in range(total // MiB):
        yield block


def trickle() -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
    for _ in range(600):
        time.sleep(0.05)
        yield b" "


def one_item(press: FixturePress, title: str = "Titre hostile", path: str = "/h/1.html") -> str:
    return rss([item(title, link=press.url(path), date=dated(0))])


XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title>
<item><title>Fuite &xxe;</title><link>{link}</link><description>&xxe;</description></item>
</channel></rss>"""

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                    for i in range(1, 10))
          + ']><rss version="2.0"><channel><title>&lol9;</title>'
          '<item><title>&lol9;</title><link>{link}</link></item></channel></rss>')


def case_gzip_bomb(press: FixturePress) -> None:
    press.route("/h.xml", gzip.compress(b"\0" * (200 * MiB)), headers={"Content-Encoding": "gzip"},
                content_type="application/rss+xml")


def case_endless_body(press: FixturePress) -> None:
    press.route("/h.xml", handler=lambda _r: zeros(400 * MiB), content_type="application/rss+xml")


def case_trickling_server(press: FixturePress) -> None:
    press.route("/h.xml", handler=lambda _r: trickle(), content_type="application/rss+xml")


def case_server_never_answers(press: FixturePress) -> None:
    press.route("/h.xml", "late", delay=20.0)


def case_redirect_to_private_address(press: FixturePress) -> None:
    # 127.0.0.2 stands for an internal service: only 127.0.0.1 is allowed in this run, and
    # if the guard failed the request would still stay on this machine.
    press.route("/h.xml", status=302, headers={"Location": f"http://127.0.0.2:{press.port}/x"})


def case_redirect_to_file_scheme(press: FixturePress) -> None:
    press.route("/h.xml", status=302, headers={"Location": "file:///etc/passwd"})


def case_redirect_loop(press: FixturePress) -> None:
    press.route("/h.xml", status=307, headers={"Location": "/h.xml"})


def case_xxe(press: FixturePress) -> None:
    press.route("/h.xml", XXE.format(link=press.url("/h/1.html")), content_type="application/rss+xml")
    press.route("/h/1.html", page("Fuite"))


def case_billion_laughs(press: FixturePress) -> None:
    press.route("/h.xml", LAUGHS.format(link=press.url("/h/1.html")),
                content_type="application/rss+xml")
    press.route("/h/1.html", page("Rires"))


def case_html_instead_of_feed(press: FixturePress) -> None:
    press.route("/h.xml", page("Ceci est une page"), content_type="text/html")


def case_empty_body(press: FixturePress) -> None:
    press.route("/h.xml", b"", content_type="application/rss+xml")


def case_garbage(press: FixturePress) -> None:
    press.route("/h.xml", bytes(range(256)) * 64, content_type="application/rss+xml")


def case_http_500(press: FixturePress) -> None:
    press.route("/h.xml", "boom", status=500)


def case_http_429_retry_after(press: FixturePress) -> None:
    press.route("/h.xml", "slow down", status=429, headers={"Retry-After": "3600"})


def case_robots_disallow_all(press: FixturePress) -> None:
    press.route("/robots.txt", "User-agent: *\nDisallow: /h", content_type="text/plain")
    press.route("/h.xml", one_item(press))


def case_bad_charset(press: FixturePress) -> None:
    # Declared UTF-8 everywhere, written in windows-1256, then a few stray bytes.
    body = one_item(press, "افتتاح مستشفى جديد في الحسيمة").encode("cp1256") + b"\xff\xfe"
    press.route("/h.xml", body, content_type="application/rss+xml; charset=utf-8")
    press.route("/h/1.html", page("افتتاح مستشفى جديد في الحسيمة", lang="ar"))


def case_slow_and_broken_pages(press: FixturePress) -> None:
    press.route("/h.xml", rss([item(f"Page lente {i}", link=press.url(f"/h/{i}.html"),
                                    date=dated(i)) for i in range(10)]))
    for i in range(10):
        if i % 2:
            press.route(f"/h/{i}.html", "late", delay=20.0)
        else:
            press.route(f"/h/{i}.html", "gone", status=404)


def case_image_bomb(press: FixturePress) -> None:
    import io

    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("1", (30000, 30000)).save(out, "PNG")  # a few KB, 900 megapixels decoded
    press.route("/h.xml", one_item(press, "Une image piégée"))
    press.route("/h/1.html", page("Une image piégée").replace(
        'content=""', f'content="{press.url("/bomb.png")}"', 1))
    press.route("/bomb.png", out.getvalue(), content_type="image/png")


# case → what the hostile feed must end with: an error kind, or a check of what was stored.
CASES: dict[str, tuple[Callable[[FixturePress], None], str | Callable[[Feed], None]]] = {}


def expect_stored(check: Callable[[list[Article]], None]) -> Callable[[Feed], None]:
    def verify(feed: Feed) -> None:
        assert feed.error_kind == "", feed.error_message
        check(list(Article.objects.filter(source=feed.source)))
    return verify


def _xxe_checked(articles: list[Article]) -> None:
    assert all("root:" not in (a.title + a.text + a.summary) for a in articles)


def _laughs_checked(articles: list[Article]) -> None:
    assert all(len(a.title) < 1000 and "lollollol" not in a.title for a in articles)


def _arabic_checked(articles: list[Article]) -> None:
    assert [a.title for a in articles] == ["افتتاح مستشفى جديد في الحسيمة"]


def _slow_pages_checked(articles: list[Article]) -> None:
    # Every entry is kept with the feed's text, none with another's.
    assert sorted(a.title for a in articles) == sorted(f"Page lente {i}" for i in range(10))
    assert all(not a.extracted and a.extract_error in ("timeout", "http_404") for a in articles)


def _image_bomb_checked(articles: list[Article]) -> None:
    assert [a.title for a in articles] == ["Une image piégée"]
    image = Image.objects.get()
    assert not image.cached and image.error_kind


def _robots_checked(articles: list[Article]) -> None:
    assert articles == []


CASES.update({
    "gzip_bomb": (case_gzip_bomb, "too_large"),
    "endless_body": (case_endless_body, "too_large"),
    "trickling_server": (case_trickling_server, "timeout"),
    "server_never_answers": (case_server_never_answers, "timeout"),
    "redirect_to_private_address": (case_redirect_to_private_address, "private_address"),
    "redirect_to_file_scheme": (case_redirect_to_file_scheme, "unsupported_scheme"),
    "redirect_loop": (case_redirect_loop, "too_many_redirects"),
    "xxe": (case_xxe, expect_stored(_xxe_checked)),
    "billion_laughs": (case_billion_laughs, expect_stored(_laughs_checked)),
    "html_instead_of_feed": (case_html_instead_of_feed, "not_a_feed"),
    "empty_body": (case_empty_body, "empty"),
    "garbage": (case_garbage, "not_a_feed"),
    "http_500": (case_http_500, "http_500"),
    "http_429_retry_after": (case_http_429_retry_after, "http_429"),
    "robots_disallow_all": (case_robots_disallow_all, "robots_disallowed"),
    "bad_charset": (case_bad_charset, expect_stored(_arabic_checked)),
    "slow_and_broken_pages": (case_slow_and_broken_pages, expect_stored(_slow_pages_checked)),
    "image_bomb": (case_image_bomb, expect_stored(_image_bomb_checked)),
})


def strict_fetcher() -> Fetcher:
    """akhbar's fetcher with the address guard on: only the press (127.0.0.1) is allowed."""
    cfg = dataclasses.replace(fetch_config(), allow_private_networks=False,
                              allowed_networks=("127.0.0.1/32",))
    return Fetcher(cfg, gate=DatabaseHostGate(max_per_host=cfg.max_per_host,
                                              hold_seconds=cfg.total_timeout + 30))


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_outlet_is_contained_and_the_other_outlet_is_ingested(case):
    setup, expected = CASES[case]
    with FixturePress() as press:
        setup(press)
        press.route("/good.xml", rss([item("Le port de Tanger Med bat un record",
                                           link=press.url("/good/1.html"), date=dated(0))]))
        press.route("/good/1.html", page("Le port de Tanger Med bat un record"))
        hostile = add_source(press, "hostile", "/h.xml")
        good = add_source(press, "good", "/good.xml")
        tracemalloc.start()
        started = time.monotonic()
        try:
            with strict_fetcher() as fetcher:
                refresh_feed(hostile.pk, fetcher=fetcher)
                elapsed = time.monotonic() - started
                _, peak = tracemalloc.get_traced_memory()
                other = refresh_feed(good.pk, fetcher=fetcher)
        finally:
            tracemalloc.stop()
    hostile.refresh_from_db()
    print(f"{case}: {elapsed:.2f} s, peak {peak / MiB:.1f} MiB, kind={hostile.error_kind!r}")
    assert elapsed < LIMIT_SECONDS and peak < LIMIT_BYTES
    if isinstance(expected, str):
        assert hostile.error_kind == expected, (hostile.error_kind, hostile.error_message)
        assert hostile.error_message  # the operator is told what happened
        assert not Article.objects.filter(source=hostile.source).exists()
    else:
        expected(hostile)
    assert other.status == "ok" and other.new == 1
    assert Article.objects.get(source=good.source).extracted
