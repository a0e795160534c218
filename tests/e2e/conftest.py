"""Browser-test fixtures: Debian's Chromium driven by Playwright against a live akhbar on 127.0.0.1.

The server is pytest-django's live server bound to 127.0.0.1 (a real threaded WSGI server in this
process, static files served). Each page gets a fresh browser context that lets requests reach
that server only: anything else (an outlet's image, a web font, an analytics script) is aborted
and reported as a failure, as are uncaught JavaScript errors and 4xx/5xx subresources.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import need

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
# Playwright cannot download browsers here: it drives the distribution's Chromium, headless,
# with everything that would phone home switched off.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDTHS = (375, 1280)  # a phone first, then a desktop


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """pytest-django's live server, but on 127.0.0.1 (never a name that may resolve elsewhere)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module."""
    need(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    need(importlib.util.find_spec("playwright") is not None,
         "Playwright for Python is not installed (uv sync)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread while it is open, and
    # Django then refuses ORM calls from it. The tests are synchronous code all the same, so
    # Django's guard is lifted for as long as the browser lives, and the browser lives no longer
    # than the module (later test modules get the guard back).
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from package-lock.json with npm when it is missing."""
    if not AXE_JS.exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=ROOT,
                       check=False, timeout=300)
    need(AXE_JS.exists(), f"axe-core is not installed ({AXE_JS}): run `npm ci` at the repo root")
    return AXE_JS.read_text(encoding="utf-8")


@dataclass
class PageLog:
    """What a page did that it should not: foreign requests, script errors, failed subresources."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"request outside akhbar (blocked): {u}" for u in self.blocked]
                + [f"JavaScript error: {e}" for e in self.errors]
                + [f"failed subresource: {f}" for f in self.failed])


def confine(context: BrowserContext, base_url: str) -> list[str]:
    """Let ``context`` reach only ``base_url``'s origin (and data:/blob:/about:); every other
    request is aborted and its URL added to the returned list."""
    origin = urlsplit(base_url).netloc
    blocked: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == origin or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    return blocked


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def width(request: pytest.FixtureRequest) -> int:
    """Viewport width: every browser check runs on a phone and on a desktop."""
    return int(request.param)


@pytest.fixture
def page(browser: Browser, live_server: Any, width: int) -> Iterator[Page]:
    """A fresh page sized ``width``, confined to the live server, failing the test on misbehaviour."""
    mobile = width < 600
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 812 if mobile else 900},
        is_mobile=mobile, has_touch=mobile, device_scale_factor=1,
        locale="fr-FR", timezone_id="Africa/Casablanca",
    )
    context.set_default_timeout(5_000)
    log = PageLog(blocked=confine(context, live_server.url))
    pg = context.new_page()
    pg.on("pageerror", lambda exc: log.errors.append(str(exc)))
    pg.on("response", lambda r: log.failed.append(f"{r.status} {r.url}")
          if r.status >= 400 and r.request.resource_type != "document"
          and not r.url.endswith("/favicon.ico") else None)
    pg.akhbar_log = log  # type: ignore[attr-defined]
    yield pg
    context.close()
    problems = log.problems()
    assert not problems, "the page misbehaved:\n" + "\n".join(problems)


def screenshot(page: Page, name: str) -> Path:
    """Write a full-page screenshot under var/screenshots/ (kept for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
