"""Reporting an image in a real browser: three readers (three browser contexts) report the same
picture on a live akhbar; the third is told it is now hidden; after a reload the article and the
home show the placeholder. The article page with its report button passes axe-core.
All text below was written for akhbar's tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from akhbar.ingest.images import process_image
from akhbar.moderation.models import ImageReport, ModerationDecision
from akhbar.news.models import Article, Image
from akhbar.news.services import IMAGE_WIDTHS, store_renditions
from tests.config import config
from tests.e2e.conftest import confine, screenshot
from tests.e2e.test_browser import describe, run_axe
from tests.web.factories import make_article, make_source
from tests.web.press_site import photo_jpeg

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

FR_THANKS = ("Merci d'avoir signalé ! Cette image sera automatiquement bloquée après avoir été "
             "signalée par plusieurs personnes.")
FR_BLOCKED = "Merci d'avoir signalé ! Cette image est désormais masquée."
PLACEHOLDER = "Image masquée après des signalements de lecteurs."


@pytest.fixture
def reported_article(live_server: Any) -> Iterator[Article]:
    """A French article whose lead photo akhbar has cached (real renditions on disk)."""
    stored = store_renditions(process_image(photo_jpeg(3), widths=IMAGE_WIDTHS),
                              "images/e2e/report")
    source = make_source("le-matin", "Le Matin")
    article = make_article(source, title="Inondations à Tétouan : les images de la crue",
                           text="La rivière Martil est sortie de son lit dans la nuit.\n\n"
                                "Plusieurs quartiers ont été évacués.",
                           published=datetime.now(UTC).replace(microsecond=0),
                           image_url="https://le-matin.example/photos/crue.jpg")
    Image.objects.filter(pk=article.image_id).update(**stored, fetched_at=datetime.now(UTC))
    yield article


def reader_context(browser: Browser, live_server: Any) -> tuple[BrowserContext, list[str]]:
    """A separate reader (own cookies) confined to the live server; problems are collected."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5_000)
    # Blocked URLs and script errors, in one list.
    problems = confine(context, live_server.url)
    context.on("weberror", lambda e: problems.append(f"JavaScript error: {e.error}"))
    return context, problems


def report_from(page: Page, reason_label: str) -> str:
    """Choose a reason, press the button, and return what the live region announces."""
    figure = page.get_by_role("article").locator("figure.lead")
    button = figure.get_by_role("button", name="Signaler cette image")
    # Folded under the picture: the reader opens "Signaler" first.
    assert not button.is_visible()
    figure.locator("summary", has_text="Signaler").click()
    figure.get_by_label("Motif").select_option(label=reason_label)
    button.click()
    status = figure.get_by_role("status")
    status.filter(has_text="Merci").wait_for()
    assert button.is_disabled()
    return status.inner_text()


def test_three_readers_block_an_image_and_the_placeholder_replaces_it(
        browser: Browser, live_server: Any, reported_article: Article) -> None:
    article, path = reported_article, f"/fr/articles/{reported_article.pk}/"
    # Every reader comes from 127.0.0.1: the per-network cap is lifted for this test only.
    with config(reports_per_network=10):
        answers = []
        for reason in ("Violente", "Sans rapport avec l'article", "Autre"):
            context, problems = reader_context(browser, live_server)
            page = context.new_page()
            page.goto(path)
            img = page.get_by_role("article").locator("figure.lead img")
            assert img.evaluate("el => el.complete && el.naturalWidth > 0")
            answers.append(report_from(page, reason))
            if reason == "Autre":
                screenshot(page, "report-confirmed")
                # The same reader reloads: the picture is gone, the placeholder says why.
                page.reload()
                figure = page.get_by_role("article").locator("figure.lead")
                assert figure.get_by_text(PLACEHOLDER).is_visible()
                assert figure.locator("img").count() == 0
                assert page.get_by_role("button", name="Signaler cette image").count() == 0
                page.goto("/fr/")
                top = page.get_by_role("region", name="À la une")
                assert top.get_by_role("link", name=article.title).is_visible()
                assert top.get_by_text(PLACEHOLDER).is_visible()
                assert page.locator(f"img[src^='/images/{article.image_id}/']").count() == 0
                screenshot(page, "report-home-placeholder")
            context.close()
            assert not problems, problems
    assert answers[:2] == [FR_THANKS, FR_THANKS]
    assert answers[2] == FR_BLOCKED
    assert Image.objects.get(pk=article.image_id).status == "blocked"
    assert ImageReport.objects.filter(image_id=article.image_id).count() == 3
    assert ModerationDecision.objects.filter(image_id=article.image_id,
                                             action="auto_block").count() == 1


def test_article_page_with_the_report_button_passes_axe(
        browser: Browser, live_server: Any, reported_article: Article, axe_source: str) -> None:
    for lang in ("fr", "ar"):
        context, problems = reader_context(browser, live_server)
        page = context.new_page()
        page.goto(f"/{lang}/articles/{reported_article.pk}/")
        name = "Signaler cette image" if lang == "fr" else "الإبلاغ عن هذه الصورة"
        page.locator("figure.lead summary", has_text="Signaler" if lang == "fr" else "إبلاغ").click()
        assert page.get_by_role("button", name=name).is_visible()
        violations = run_axe(page, axe_source)
        if violations:
            print(f"axe ({lang}):\n{describe(violations)}\n{json.dumps([v['id'] for v in violations])}")
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        context.close()
        assert not serious, describe(serious)
        assert not problems, problems


def test_a_reader_without_javascript_reports_after_one_confirmation(
        browser: Browser, live_server: Any, reported_article: Article) -> None:
    context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                  java_script_enabled=False, viewport={"width": 375, "height": 800})
    context.set_default_timeout(5_000)
    blocked = confine(context, live_server.url)
    page = context.new_page()
    path = f"/fr/articles/{reported_article.pk}/"
    page.goto(path)
    figure = page.get_by_role("article").locator("figure.lead")
    figure.locator("summary", has_text="Signaler").click()  # a disclosure needs no script
    figure.get_by_label("Motif").select_option(label="Sans rapport avec l'article")
    figure.get_by_role("button", name="Signaler cette image").click()
    # The cached page's form has no token: one uncached page asks to confirm, reason kept.
    page.get_by_text("Veuillez confirmer votre signalement.").wait_for()
    assert not ImageReport.objects.exists()
    assert page.get_by_label("Motif").input_value() == "unrelated"
    page.get_by_role("button", name="Signaler cette image").click()
    page.get_by_text(FR_THANKS).wait_for()
    assert ImageReport.objects.get(image_id=reported_article.image_id).reason == "unrelated"
    screenshot(page, "report-without-javascript")
    page.get_by_role("link", name="Retour à la page").click()
    page.wait_for_url(f"**{path}")
    assert page.get_by_role("heading", level=1).inner_text() == reported_article.title
    context.close()
    assert not blocked, blocked
