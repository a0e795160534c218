"""The reader's finished pages in Chromium (issue 15), at 390 px and 1366 px, in French, Arabic
and English, with and without JavaScript.

Economical on purpose (the suite runs near its budget): one browser and one live server for the
module, a handful of page loads per test, many assertions per load. Screenshots of every page
kind (home, article, story, outlet directory, outlet, 404), at both widths, left to right
(French) and right to left (Arabic), in light and dark, go to ``$AKHBAR_SCREENSHOTS`` (default:
a ``reader-screenshots`` folder under pytest's temporary directory, printed at the end of
the test). All text below was written for akhbar's tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from akhbar.news.models import Image, Story
from tests.e2e.conftest import PageLog, confine
from tests.e2e.test_browser import describe, lead_image, run_axe
from tests.web.factories import make_article, make_source

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["lead_image"]  # the module-scoped fixture, shared with test_browser

NOW = datetime.now(UTC).replace(microsecond=0)
STRIP_LABEL = {"fr": "À l'instant", "ar": "آخر العناوين", "en": "Latest headlines"}
NOT_FOUND = {"fr": "Page introuvable", "ar": "الصفحة غير موجودة", "en": "We could not find this page"}
ATTRIBUTION = {"fr": "Publié dans Le Matin le", "ar": "نشر في هسبريس يوم",
               "en": "Published in Morocco World News on"}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $AKHBAR_SCREENSHOTS, else pytest's temporary directory."""
    where = os.environ.get("AKHBAR_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("reader-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Press:
    articles: dict[str, Any]
    story: Story


@pytest.fixture
def press(live_server: Any, lead_image: dict[str, Any]) -> Iterator[Press]:
    """One outlet per edition language plus a second French one; a story covered in three
    languages with a syndicated copy; one picture, the rest text cards."""
    matin = make_source("le-matin", "Le Matin")
    echo = make_source("echo-rif", "L'Écho du Rif")
    mwn = make_source("mwn", "Morocco World News", languages=("en",))
    hes = make_source("hespress", "هسبريس", languages=("ar",))
    story = Story.objects.create(key="e2e", title="Séisme", outlet_count=4, article_count=5)
    a = {
        "fr": make_article(matin, title="Séisme dans le Haouz : les secours mobilisés",
                           text="Les équipes de secours sont arrivées dans la nuit.\n\n"
                                "Des hôpitaux de campagne ont été installés.",
                           published=NOW - timedelta(hours=2),
                           image_url="https://le-matin.example/photos/haouz.jpg"),
        "copy": make_article(echo, title="Reprise : secours mobilisés dans le Haouz",
                             published=NOW - timedelta(hours=1)),
        "fr2": make_article(echo, title="Tanger : le port de plaisance inauguré",
                            published=NOW - timedelta(minutes=20)),
        "ar": make_article(hes, title="زلزال الحوز: تعبئة فرق الإنقاذ", language="ar",
                           text="وصلت فرق الإنقاذ خلال الليل.\n\nونصبت مستشفيات ميدانية.",
                           published=NOW - timedelta(minutes=50)),
        "en": make_article(mwn, title="Rescue teams reach Al Haouz villages", language="en",
                           text="Rescue teams arrived overnight.\n\nField hospitals were set up.",
                           published=NOW - timedelta(minutes=40)),
    }
    a["copy"].copy_of = a["fr"]
    for key in ("fr", "copy", "ar", "en"):
        a[key].story = story
        a[key].save()
    Image.objects.filter(pk=a["fr"].image_id).update(fetched_at=NOW, **lead_image)
    yield Press(a, story)


def open_page(browser: Browser, live_server: Any, width: int, **options: Any
              ) -> tuple[Page, PageLog]:
    """A page confined to the live server (like conftest's ``page``), with context options."""
    mobile = width < 600
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 844 if mobile else 900},
        is_mobile=mobile, has_touch=mobile, device_scale_factor=1, locale="fr-FR",
        timezone_id="Africa/Casablanca", **options)
    context.set_default_timeout(5_000)
    log = PageLog(blocked=confine(context, live_server.url))
    page = context.new_page()
    page.on("pageerror", lambda exc: log.errors.append(str(exc)))
    page.on("response", lambda r: log.failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    return page, log


def close(page: Page, log: PageLog) -> None:
    page.context.close()
    assert not log.problems(), "the page misbehaved:\n" + "\n".join(log.problems())


def shoot(page: Page, shots: Path, name: str) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)


def strip_x(page: Page) -> float:
    """Where the ticker's first headline is now (it moves with the animation)."""
    return float(page.evaluate(
        "document.querySelector('.strip-track li').getBoundingClientRect().x"))


def check_strip(page: Page, lang: str, *, moving: bool = True, js: bool = True) -> None:
    """The ticker: above <main>, labelled in the edition's language, linking akhbar's pages
    with outlet names; it moves the edition's reading way, stops on hover, stays put on focus."""
    strip = page.get_by_role("region", name=STRIP_LABEL[lang])
    box, main = strip.bounding_box(), page.locator("main").bounding_box()
    assert box and main and box["y"] < main["y"] and box["y"] < 260, (box, main)
    first = strip.locator("li").first
    assert first.locator("a").get_attribute("href").startswith(f"/{lang}/articles/")
    assert first.locator(".strip-source").inner_text()
    if not moving:
        before = strip_x(page)
        page.wait_for_timeout(200)
        assert strip_x(page) == before, "the ticker moved with reduced motion"
        return
    before = strip_x(page)
    page.wait_for_timeout(200)
    after = strip_x(page)
    # Left to right pages: headlines come in from the right; Arabic: from the left.
    assert (after < before) if lang != "ar" else (after > before), (lang, before, after)
    page.hover(".strip-window")
    held = strip_x(page)
    page.wait_for_timeout(150)
    assert strip_x(page) == held, "the ticker kept moving under the pointer"
    page.mouse.move(0, 0)
    link = strip.locator("a").first
    link.focus()
    window, focused = strip.locator(".strip-window").bounding_box(), link.bounding_box()
    assert window and focused
    left, right = window["x"] - 1, window["x"] + window["width"] + 1
    if js:  # its start is in view (the whole headline when it fits)
        start = focused["x"] + focused["width"] if lang == "ar" else focused["x"]
        assert left <= start <= right, (window, focused)
        if focused["width"] < window["width"]:
            assert left <= focused["x"] and focused["x"] + focused["width"] <= right
    else:  # at least in the window
        assert focused["x"] < right and focused["x"] + focused["width"] > left, (window, focused)
    page.wait_for_timeout(200)
    assert link.bounding_box() == focused, "the ticker kept moving under the keyboard focus"
    page.evaluate("document.activeElement.blur()")


@pytest.mark.parametrize("width", [390, 1366], indirect=True)
def test_every_page_kind_in_three_editions_with_and_without_javascript(browser: Browser, live_server: Any, press: Press,
                                           shots: Path, width: int) -> None:
    a = press.articles
    page, log = open_page(browser, live_server, width)
    for lang in ("fr", "ar", "en"):
        own = a[lang]
        direction = "rtl" if lang == "ar" else "ltr"
        page.goto(f"/{lang}/")
        assert page.locator("html").get_attribute("dir") == direction
        check_strip(page, lang)
        # Cards without a picture are compact text cards: no one-letter tile anywhere.
        assert page.locator(".image-missing").count() == 0
        text_cards = page.locator(".card.text")
        for i in range(text_cards.count()):
            card = text_cards.nth(i).bounding_box()
            assert card and card["height"] < (260 if i == 0 else 170), (lang, i, card)
        if lang != "en":
            shoot(page, shots, f"home-{lang}")

        page.goto(f"/{lang}/articles/{own.pk}/")
        check_strip(page, lang) if lang == "fr" else None
        attribution = page.locator("p.attribution")
        assert attribution.inner_text().startswith(ATTRIBUTION[lang])
        outlet = attribution.get_by_role("link")
        assert outlet.get_attribute("href") == f"/{lang}/sources/{own.source.slug}/"
        share = page.locator("nav.share")
        hrefs = share.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert [h.split("?")[0] for h in hrefs[:5]] == [
            "https://wa.me/", "https://www.facebook.com/sharer/sharer.php",
            "https://x.com/intent/post", "https://t.me/share/url", "mailto:"]
        if lang != "en":
            shoot(page, shots, f"article-{lang}")

        page.goto(f"/{lang}/stories/{press.story.pk}/")
        assert page.get_by_role("heading", level=1).inner_text() == own.title
        assert page.locator(".story-summary").inner_text().startswith(
            {"fr": "4 médias", "ar": "", "en": "4 outlets"}[lang])
        assert page.locator(".coverage").first.get_attribute("aria-labelledby") == f"cov-{lang}"
        assert page.locator(".story-pictures img").count() == 1
        assert page.locator(".timeline li").count() == 4
        if lang != "en":
            shoot(page, shots, f"story-{lang}")

        page.goto(f"/{lang}/sources/")
        entry = page.locator(".outlet-entry").filter(has_text=own.source.name)
        assert entry.get_by_role("link", name=own.source.name).get_attribute("href") == \
            f"/{lang}/sources/{own.source.slug}/"
        if lang != "en":
            shoot(page, shots, f"sources-{lang}")
        entry.get_by_role("link", name=own.source.name).click()
        page.wait_for_url(f"**/{lang}/sources/{own.source.slug}/")
        assert page.locator(".outlet-facts").is_visible()
        assert page.locator(f'a[href="/{lang}/sources/{own.source.slug}/feed.rss"]').is_visible()
        if lang != "en":
            shoot(page, shots, f"outlet-{lang}")

        response = page.goto(f"/{lang}/articles/99999999/")
        assert response and response.status == 404
        assert page.locator("html").get_attribute("lang") == lang
        assert page.get_by_role("heading", level=1).inner_text() == NOT_FOUND[lang]
        assert page.locator(".error-page form[role=search]").is_visible()
        assert page.locator(f'.error-page a[href="/{lang}/"]').is_visible()
        if lang != "en":
            shoot(page, shots, f"404-{lang}")
    close(page, log)
    print(f"\nscreenshots in {shots}")

    # Without JavaScript: CSS still moves the ticker; the scheme follows the system (the toggle
    # needs the script); "copy link" is a plain permalink.
    page, log = open_page(browser, live_server, width, java_script_enabled=False)
    for lang in ("fr", "ar", "en"):
        page.goto(f"/{lang}/articles/{a[lang].pk}/")
        check_strip(page, lang, js=False) if lang != "en" else None
        assert page.locator("[data-theme-toggle]").is_hidden()
        copy = page.locator("[data-copy-link]")
        assert copy.is_visible() and copy.get_attribute("href").endswith(
            f"/{lang}/articles/{a[lang].pk}/")
    close(page, log)


def test_dark_mode_reduced_motion_axe_sharing_and_live_ticker(browser: Browser, live_server: Any,
                                                  press: Press, axe_source: str,
                                                  shots: Path) -> None:
    a = press.articles
    # The system asks for dark colours and no motion.
    page, log = open_page(browser, live_server, 1366, color_scheme="dark", reduced_motion="reduce")
    pages = {"home": "/fr/", "article": f"/fr/articles/{a['fr'].pk}/",
             "story": f"/ar/stories/{press.story.pk}/", "sources": "/fr/sources/",
             "outlet": "/ar/sources/hespress/", "404": "/fr/nowhere/"}
    for kind, path in pages.items():
        page.goto(path)
        if kind == "home":
            check_strip(page, "fr", moving=False)
            bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert bg == "rgb(20, 23, 27)", bg
        violations = [v for v in run_axe(page, axe_source) if v["impact"] in ("serious", "critical")]
        assert not violations, f"axe (dark) on {path}:\n{describe(violations)}"
        if kind in ("home", "story"):
            shoot(page, shots, f"{kind}-{path[1:3]}-dark")
    # The toggle: back to light, remembered in localStorage (never a cookie) across pages.
    toggle = page.locator("[data-theme-toggle]")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    assert page.evaluate("localStorage.getItem('akhbar-theme')") == "light"
    page.goto("/fr/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert toggle.get_attribute("aria-pressed") == "false"
    assert not [c for c in page.context.cookies() if "theme" in c["name"] + c["value"]]
    # Light scheme: the new page kinds pass axe too (home and article: test_browser).
    for path in (f"/fr/stories/{press.story.pk}/", "/ar/sources/", "/fr/sources/le-matin/",
                 "/ar/nowhere/"):
        page.goto(path)
        violations = [v for v in run_axe(page, axe_source) if v["impact"] in ("serious", "critical")]
        assert not violations, f"axe (light) on {path}:\n{describe(violations)}"

    # Sharing: nothing left the site so far (the confinement would have logged it); a click
    # goes to the network, and "copy link" copies akhbar's URL.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/fr/articles/{a['fr'].pk}/")
    page.context.route("https://wa.me/**", lambda route: route.fulfill(body="wa", status=200))
    with page.context.expect_event("request", predicate=lambda r: r.url.startswith("https://wa.me/")):
        page.locator("a.share-whatsapp").click()
    page.locator("[data-copy-link]").click()
    page.locator(".share-status").filter(has_text="Lien copié").wait_for()
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/fr/articles/{a['fr'].pk}/")
    close(page, log)

    # The ticker refreshes itself (a minute of page time passes in milliseconds).
    page, log = open_page(browser, live_server, 1366)
    page.clock.install()
    page.goto(f"/en/articles/{a['en'].pk}/")
    strip = page.get_by_role("region", name=STRIP_LABEL["en"])
    strip.locator("li").first.wait_for()
    fresh = make_article(a["en"].source, title="Casablanca tramway line 3 opens", language="en",
                         published=datetime.now(UTC))
    link = strip.get_by_role("link", name=fresh.title)
    assert link.count() == 0
    page.clock.run_for(65_000)
    link.wait_for()
    assert link.get_attribute("href") == f"/en/articles/{fresh.pk}/"
    close(page, log)
