"""The search page in a real browser: French results with highlights, Arabic results right to
left, typed into the header's search form like a reader would. Our own short articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.web.factories import make_article, make_source

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def articles() -> None:
    now = datetime.now(UTC)
    fr = make_source("lematin", "Le Matin")
    ar = make_source("hespress-ar", "هسبريس", languages=("ar",))
    make_article(fr, title="Les élections législatives reportées",
                 text="Le gouvernement a annoncé le report des élections législatives à l'automne.",
                 published=now - timedelta(hours=2))
    make_article(ar, title="استعدادات للانتخابات البلدية", language="ar",
                 text="بدأت الأحزاب السياسية استعداداتها للانتخابات البلدية المقبلة في كل الجهات.",
                 published=now - timedelta(hours=3))


def test_french_search_highlights_the_matched_words(page: Page, articles: None) -> None:
    page.goto("/fr/")
    page.locator("form.search input[name=q]").fill("election")
    page.locator("form.search input[name=q]").press("Enter")
    page.wait_for_url("**/fr/search/?q=election*")
    result = page.locator("li.result").first
    assert result.get_attribute("dir") == "ltr"
    assert "élections législatives reportées" in result.locator("a.title").inner_text()
    marks = result.locator("mark").all_inner_texts()
    assert marks and all(m.lower().startswith("élection") for m in marks)
    assert "1 résultat" in page.locator("p.count").inner_text()


def test_arabic_search_shows_snippets_right_to_left(page: Page, articles: None) -> None:
    page.goto("/ar/search/?q=انتخابات")
    result = page.locator("li.result").first
    assert result.get_attribute("dir") == "rtl"
    snippet = result.locator("p.snippet")
    assert snippet.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert snippet.locator("mark").first.inner_text() == "للانتخابات"
    # Right to left: the snippet's first word sits at the right edge of the result.
    first, box = snippet.locator("mark").first.bounding_box(), result.bounding_box()
    assert first and box and first["x"] > box["x"] + box["width"] / 3


def test_no_results_offer_the_other_editions(page: Page, articles: None) -> None:
    page.goto("/fr/search/?q=البلدية")
    assert page.locator("p.no-results").is_visible()
    page.get_by_role("link", name="Chercher dans toutes les éditions").click()
    page.wait_for_url("**all=1*")
    assert page.locator("li.result").count() == 1
