"""The portal in a real browser: ticker, right-to-left Arabic edition, article page, switcher, a11y.

Every test runs at 375 px (phone) and 1280 px (desktop) through the ``page`` fixture, which also
fails the test on any request leaving akhbar, any JavaScript error and any failed subresource.
Screenshots of the French and Arabic homes and of an article page in each edition are written to
``var/screenshots/`` on each run. All text below was written for akhbar's tests.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from akhbar.ingest.images import process_image
from akhbar.news.models import Article, Image
from akhbar.news.services import IMAGE_WIDTHS, store_renditions
from akhbar.pipeline.fetching import make_fetcher
from akhbar.pipeline.refresh import refresh_feed
from akhbar.sources.models import Feed, Source
from tests.e2e.conftest import screenshot
from tests.press import FixturePress
from tests.web.factories import make_article, make_source
from tests.web.press_site import article_page, photo_jpeg, rss

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

FIXED_DATE = datetime(2020, 12, 17, 9, 30, tzinfo=UTC)  # 10:30 in Casablanca, still the 17th

FR_LEAD = ("La Chambre des représentants a adopté en deuxième lecture le projet de loi de finances, "
           "après une séance de nuit consacrée aux amendements de l'opposition.")
FR_MORE = ("Le texte prévoit une hausse du budget de la santé et un fonds d'investissement "
           "destiné aux petites et moyennes entreprises touchées par la crise.")
AR_LEAD = ("صادق مجلس النواب بالأغلبية على مشروع قانون المالية للسنة المقبلة، في جلسة عامة "
           "امتدت إلى ساعة متأخرة من الليل.")
AR_MORE = "ويتضمن المشروع زيادة في ميزانية قطاع الصحة وإحداث صندوق لدعم المقاولات الصغرى."


@dataclass
class Edition:
    """What the seeded database holds, for the assertions."""

    press: FixturePress
    le_matin: Source
    fr_feature: Article  # fixed date, lead image cached by akhbar, two paragraphs
    fr_latest: Article
    en_latest: Article
    ar_feature: Article
    ar_latest: Article


@pytest.fixture(scope="module")
def lead_image() -> dict[str, Any]:
    """A lead photo through akhbar's image pipeline, stored once for the module's articles.

    Processing takes most of a second on a small machine, so the renditions are made once and
    each test's (freshly flushed) database points its images at them.
    """
    return store_renditions(process_image(photo_jpeg(1), widths=IMAGE_WIDTHS), "images/e2e/lead")


@pytest.fixture
def edition(live_server: Any, lead_image: dict[str, Any]) -> Iterator[Edition]:
    """French, English and Arabic outlets with a few articles; lead images cached by akhbar."""
    now = datetime.now(UTC).replace(microsecond=0)
    with FixturePress() as press:
        le_matin = make_source("le-matin", "Le Matin")
        mwn = make_source("mwn", "Morocco World News", languages=("en",))
        hespress = make_source("hespress", "هسبريس", languages=("ar",))
        fr_feature = make_article(le_matin, title="Le Parlement adopte la loi de finances 2021",
                                  text=f"{FR_LEAD}\n\n{FR_MORE}", published=FIXED_DATE,
                                  image_url="https://le-matin.example/photos/parlement.jpg")
        fr_latest = make_article(le_matin, title="Casablanca : le tramway prolongé jusqu'à Sidi Moumen",
                                 published=now - timedelta(minutes=5))
        en_latest = make_article(mwn, title="Tourism in Morocco rebounds ahead of the summer season",
                                 language="en", text="Arrivals rose sharply in May.\n\nHotels are full.",
                                 published=now - timedelta(minutes=2))
        ar_feature = make_article(hespress, title="البرلمان يصادق على مشروع قانون المالية",
                                  language="ar", text=f"{AR_LEAD}\n\n{AR_MORE}", published=FIXED_DATE,
                                  image_url="https://hespress.example/photos/barlaman.jpg")
        ar_latest = make_article(hespress, title="أمطار غزيرة تعم شمال المملكة", language="ar",
                                 text="تساقطات مهمة في طنجة وتطوان.\n\nوتوقعات بتحسن الأحوال الجوية.",
                                 published=now - timedelta(minutes=3))
        # The outlets' image URLs stay in source_url: the page guard fails any test whose
        # browser asks for them; readers get akhbar's renditions only.
        Image.objects.filter(pk__in=[fr_feature.image_id, ar_feature.image_id]).update(
            fetched_at=now, **lead_image)
        yield Edition(press, le_matin, fr_feature, fr_latest, en_latest, ar_feature, ar_latest)


def ticker(page: Page, heading: str) -> Locator:
    """The ticker: the region labelled by its (translated) heading."""
    region = page.get_by_role("region", name=heading)
    region.wait_for()
    return region


def side_gaps(inner: Locator, outer: Locator) -> dict[str, float]:
    """Space left and right of ``inner``'s box inside ``outer``'s (the mirroring check)."""
    box, frame = inner.bounding_box(), outer.bounding_box()
    assert box and frame
    return {"left": box["x"] - frame["x"],
            "right": frame["x"] + frame["width"] - box["x"] - box["width"]}


def lang_of(locator: Locator) -> str:
    """The language the browser applies to an element (its nearest ``lang`` attribute)."""
    return locator.evaluate("el => el.closest('[lang]').getAttribute('lang')")


def test_french_home_shows_the_en_continu_ticker_newest_first(page: Page, edition: Edition) -> None:
    page.goto("/fr/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("html").get_attribute("dir") in (None, "ltr")
    region = ticker(page, "En continu")
    assert region.get_by_role("heading", name="En continu").is_visible()

    items = region.get_by_role("listitem")
    # French and English outlets in the French edition, newest first; no Arabic outlet.
    first = items.first
    assert first.get_by_role("link", name=edition.en_latest.title).is_visible()
    assert first.get_by_text("Morocco World News").is_visible()
    for article in (edition.fr_latest, edition.fr_feature):
        link = region.get_by_role("link", name=article.title)
        assert link.is_visible()
        assert link.get_attribute("href") == f"/fr/articles/{article.pk}/"
    assert region.get_by_role("link", name=edition.ar_latest.title).count() == 0
    assert lang_of(region.get_by_role("link", name=edition.en_latest.title)) == "en"
    # Each line starts with its time: on the left in a left-to-right page.
    gaps = side_gaps(first.locator("time"), first)
    assert gaps["left"] < gaps["right"], f"French ticker lines should start on the left: {gaps}"
    screenshot(page, "home-fr")


def test_arabic_home_renders_right_to_left_with_arabic_ui(page: Page, edition: Edition) -> None:
    page.goto("/ar/")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    region = ticker(page, "آخر الأخبار")
    assert region.get_by_role("heading", name="آخر الأخبار").is_visible()
    assert page.get_by_role("navigation", name="الطبعات").is_visible()
    assert "آخر الأخبار" in page.title()

    items = region.get_by_role("listitem")
    assert items.first.get_by_role("link", name=edition.ar_latest.title).is_visible()
    assert items.first.get_by_text("هسبريس").is_visible()
    assert region.get_by_role("link", name=edition.ar_feature.title).is_visible()
    assert region.get_by_role("link", name=edition.fr_latest.title).count() == 0
    # Mirrored: lines start on the right; the Latin-script edition names keep their own lang.
    gaps = side_gaps(items.first.locator("time"), items.first)
    assert gaps["right"] < gaps["left"], f"Arabic ticker lines should start on the right: {gaps}"
    assert lang_of(page.get_by_role("link", name="Français", exact=True)) == "fr"
    screenshot(page, "home-ar")


def test_article_page_credits_the_outlet_and_links_to_the_original(page: Page,
                                                                   edition: Edition) -> None:
    article = edition.fr_feature
    page.goto(f"/fr/articles/{article.pk}/")
    body = page.get_by_role("article")
    assert body.get_by_role("heading", level=1, name=article.title).is_visible()
    assert body.get_by_text("Publié dans Le Matin le 17/12/2020").is_visible()
    assert body.get_by_text(FR_LEAD).is_visible() and body.get_by_text(FR_MORE).is_visible()

    # The lead image is akhbar's own rendition, actually decoded, with a text alternative.
    img = body.get_by_role("img").first
    assert img.get_attribute("alt")
    src = img.evaluate("el => el.complete && el.naturalWidth > 0 ? el.currentSrc : ''")
    assert urlsplit(src).netloc == urlsplit(page.url).netloc, src
    assert urlsplit(src).path.startswith("/images/"), src

    link = body.get_by_role("link", name="Cliquez ici pour lire l'article depuis sa source")
    assert link.get_attribute("href") == article.url
    screenshot(page, "article-fr")

    # Following it asks the browser for the original (answered here, never sent off-machine).
    page.context.route(article.url, lambda route: route.fulfill(
        body="<!doctype html><title>original</title><p>L'original.</p>", content_type="text/html"))
    with page.context.expect_event(
            "request", predicate=lambda r: r.url == article.url and r.is_navigation_request()):
        link.click()


def test_arabic_article_page_is_attributed_in_arabic(page: Page, edition: Edition) -> None:
    article = edition.ar_feature
    page.goto(f"/ar/articles/{article.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    body = page.get_by_role("article")
    assert body.get_by_role("heading", level=1, name=article.title).is_visible()
    assert body.get_by_text("نشر في هسبريس يوم 17/12/2020").is_visible()
    assert body.evaluate("el => getComputedStyle(el).direction") == "rtl"
    link = body.get_by_role("link", name="اضغط هنا لقراءة المقال من مصدره")
    assert link.get_attribute("href") == article.url
    screenshot(page, "article-ar")


def test_edition_switcher_goes_from_french_to_arabic_and_back(page: Page, edition: Edition) -> None:
    page.goto("/fr/")
    page.get_by_role("link", name="العربية", exact=True).click()
    page.wait_for_url(re.compile(r"/ar/$"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    ticker(page, "آخر الأخبار")
    page.get_by_role("link", name="Français", exact=True).click()
    page.wait_for_url(re.compile(r"/fr/$"))
    ticker(page, "En continu")


def test_keyboard_focus_is_visible(page: Page, edition: Edition) -> None:
    page.goto("/fr/")
    page.keyboard.press("Tab")
    outline = page.evaluate("""() => {
        const el = document.activeElement, s = getComputedStyle(el);
        return {tag: el.tagName, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                shadow: s.boxShadow !== 'none'};
    }""")
    assert outline["tag"] == "A", outline
    assert outline["outline"] or outline["shadow"], f"no visible focus indicator: {outline}"


def test_ticker_shows_a_newly_ingested_article_without_reloading(page: Page,
                                                                 edition: Edition) -> None:
    # The page's clock is Playwright's: a minute of page time passes in milliseconds.
    page.clock.install()
    page.goto("/fr/")
    region = ticker(page, "En continu")
    page.evaluate("window.__sameDocument = true")

    # A new article reaches akhbar through the one ingestion path: feed → page → store.
    title = "Le port de Nador West Med accueille son premier navire"
    now = datetime.now(UTC).replace(microsecond=0)
    paras = ["Le premier porte-conteneurs a accosté mardi au port de Nador West Med, "
             "selon l'agence chargée du projet.",
             "Les opérations commerciales doivent monter en charge au cours de l'année."]
    press = edition.press
    press.route("/fr/nador.html", article_page(title, paras, lang="fr", iso=now.isoformat(),
                                               site="Le Matin"),
                content_type="text/html; charset=utf-8")
    press.route("/fr/rss.xml", rss([{"title": title, "link": press.url("/fr/nador.html"),
                                     "date": email.utils.format_datetime(now),
                                     "summary": paras[0]}],
                                   title="Le Matin", link=press.url("/fr/"), lang="fr"),
                content_type="application/rss+xml; charset=utf-8")
    feed = Feed.objects.create(source=edition.le_matin, url=press.url("/fr/rss.xml"))
    outcome = refresh_feed(feed.pk, fetcher=make_fetcher())
    assert outcome.status == "ok" and outcome.new == 1, outcome
    new_link = region.get_by_role("link", name=title)
    assert new_link.count() == 0  # not there until the ticker refreshes itself

    page.clock.run_for(70_000)
    new_link.wait_for(timeout=5_000)
    assert region.get_by_role("listitem").first.get_by_role("link", name=title).is_visible()
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    stored = Article.objects.get(title=title)
    assert new_link.get_attribute("href") == f"/fr/articles/{stored.pk}/"


def run_axe(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the current page."""
    # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') forbids inline tags.
    page.evaluate(axe_source)
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                      summary: n.failureSummary}))}));
    }""")


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"][:5]:
            lines.append(f"    {n['target']}  {n['html'][:160]}")
            lines.append("      " + (n["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.mark.parametrize("where", ["home-fr", "home-ar", "article-fr", "article-ar"])
def test_no_serious_or_critical_accessibility_violations(page: Page, edition: Edition,
                                                         axe_source: str, where: str) -> None:
    path = {
        "home-fr": "/fr/", "home-ar": "/ar/",
        "article-fr": f"/fr/articles/{edition.fr_feature.pk}/",
        "article-ar": f"/ar/articles/{edition.ar_feature.pk}/",
    }[where]
    page.goto(path)
    violations = run_axe(page, axe_source)
    if violations:  # all of them, for people fixing templates (shown with -rA or on failure)
        print(f"axe on {path}:\n{describe(violations)}\n{json.dumps([v['id'] for v in violations])}")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe-core on {path}:\n{describe(serious)}"


def test_the_accessibility_check_does_catch_violations(page: Page, axe_source: str) -> None:
    # A page with an unlabelled image and link: proves "no violations" above means something.
    page.set_content('<!doctype html><html lang="fr"><title>t</title><main>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><a href="/x"></a></main>')
    found = {v["id"]: v["impact"] for v in run_axe(page, axe_source)}
    assert found.get("image-alt") == "critical" and found.get("link-name") == "serious", found
