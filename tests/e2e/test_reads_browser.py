""""Most read" in a real browser: a click on the link to the source counts once (the script's
beacon replaces the link's ping), and the link still leads to the source."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from akhbar.news.models import ReadCount
from tests.e2e.conftest import confine
from tests.web.factories import make_article, make_source

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.django_db(transaction=True)

# A reader's browser (headless Chromium announces itself as HeadlessChrome: a robot to akhbar).
READER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/120.0 Safari/537.36")


def test_a_click_on_the_source_link_counts_once(browser: Browser, live_server: Any) -> None:
    source = make_source("le-matin", "Le Matin")
    article = make_article(source, title="Le port de Tanger Med bat son record de conteneurs",
                           url="https://le-matin.example/economie/tanger-med.html",
                           published=datetime.now(UTC).replace(microsecond=0))
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", user_agent=READER_UA)
    context.set_default_timeout(5_000)
    blocked = confine(context, live_server.url)
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    page = context.new_page()
    page.goto(f"/fr/articles/{article.pk}/")
    link = page.get_by_role("link", name="Cliquez ici pour lire l'article depuis sa source")
    assert link.get_attribute("href") == "https://le-matin.example/economie/tanger-med.html"
    assert link.get_attribute("ping") is None  # the script took over from the ping
    with context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state("domcontentloaded", timeout=5_000)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not ReadCount.objects.exists():
        time.sleep(0.05)
    time.sleep(0.3)  # a second (ping) request would have arrived by now
    assert list(ReadCount.objects.values_list("article_id", "count")) == [(article.pk, 1)]
    # The new tab went to the source (blocked here: tests never leave 127.0.0.1).
    assert "https://le-matin.example/economie/tanger-med.html" in blocked
    assert not errors
    context.close()
