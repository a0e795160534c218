"""An outlet that puts classic XSS payloads in every field, rendered by the real server in Chromium.

Every page a reader sees (home, article, outlet, day archive, author, story, search, section)
and the feeds out (their titles and descriptions put into a page with innerHTML, as a naive
feed reader does, without akhbar's CSP) must run none of them: no dialog, no ``window.__xss``,
no CSP violation (a blocked inline script means markup got through), and no script, event
handler or ``javascript:`` URL in the DOM that akhbar did not write itself.
"""

from __future__ import annotations

import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from akhbar.news import queries
from akhbar.news.models import Article, Image, Story
from akhbar.sources.models import Source
from tests.hostile.xss import ALL, PAYLOADS, SHORT, URL_PAYLOADS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ATOM = "{http://www.w3.org/2005/Atom}"
DAY = datetime(2021, 3, 4, 12, 0, tzinfo=UTC)
AUTHOR = "<img src=x onerror=alert('xss-author')>"

# Installed before any page script: records CSP violations, and what the payloads would do.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI)));
"""

# What in the DOM akhbar did not write: scripts that are not akhbar's own files, inline event
# handlers, javascript: URLs, frames and plugins.
SCAN = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (tag === 'script') {
      const src = el.getAttribute('src') || '';
      const type = el.getAttribute('type') || '';
      if (!(src.startsWith('/static/') || type === 'application/ld+json')) bad.push(el.outerHTML.slice(0, 120));
    }
    if (['iframe', 'object', 'embed', 'frame', 'base'].includes(tag)) bad.push('<' + tag + '>');
    for (const a of el.attributes) {
      const v = a.value.trim().toLowerCase();
      if (a.name.toLowerCase().startsWith('on')) bad.push(tag + ' ' + a.name + '=' + a.value.slice(0, 60));
      if (['href', 'src', 'action', 'formaction', 'srcset', 'poster'].includes(a.name.toLowerCase())
          && (v.startsWith('javascript:') || v.startsWith('data:text'))) bad.push(tag + ' ' + a.name + '=' + v.slice(0, 60));
    }
  }
  return bad;
}
"""


def _hostile_site() -> dict[str, Any]:
    source = Source.objects.create(
        slug="xss", name=SHORT, homepage=URL_PAYLOADS[0], languages=["fr"], country="MA",
        display="full")
    story = Story.objects.create(key="xss-story", title=ALL, first_published=DAY,
                                 last_published=DAY, article_count=len(PAYLOADS) + 1,
                                 outlet_count=1, languages=["fr"])
    section = next(iter(queries.SECTIONS))
    articles = []
    for n, payload in enumerate((*PAYLOADS, ALL)):
        image = Image.objects.create(source_url=f"{URL_PAYLOADS[n % 2]}#{n}")
        articles.append(Article.objects.create(
            source=source, url=f"https://xss.example/a/{n}?q=\"><script>alert({n})</script>",
            identity=f"xss-{n}", guid=payload[:1000], title=f"{payload} titre {n}"[:1000],
            text=f"{payload}\n\nxsstext {payload}", html=f"<p>{payload}</p>", summary=payload,
            language="fr", section=section, authors=[AUTHOR, payload[:200]],
            categories=[payload, "<b onmouseover=alert('xss-cat')>cat</b>"], published=DAY,
            image=image, story=story))
    Article.objects.filter(pk=articles[1].pk).update(url="javascript:alert('xss-article-url')")
    return {"source": source, "story": story, "articles": articles, "section": section}


@pytest.fixture
def site(live_server: Any) -> dict[str, Any]:
    return _hostile_site()


@pytest.fixture
def watched(browser: Browser, live_server: Any) -> Iterator[tuple[Page, list[str]]]:
    """A page on the live server that records dialogs and CSP violations."""
    from tests.e2e.conftest import confine

    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(5_000)
    confine(context, live_server.url)  # nothing leaves 127.0.0.1, whatever a payload asks
    context.add_init_script(WATCH)
    page = context.new_page()
    events: list[str] = []
    page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda exc: events.append(f"page error: {exc}"))
    yield page, events
    context.close()


def _check(page: Page, events: list[str], where: str) -> None:
    page.wait_for_timeout(50)  # let onerror/onload handlers of broken images fire
    events += [f"CSP violation: {v}" for v in page.evaluate("window.__violations || []")]
    if page.evaluate("window.__xss !== undefined"):
        events.append("window.__xss was set")
    events += [f"in the DOM: {b}" for b in page.evaluate(SCAN)]
    assert not events, f"{where}:\n" + "\n".join(events)


def test_pages_run_no_payload(site, watched, live_server):
    page, events = watched
    first = site["articles"][0]
    urls = ["/fr/", "/ar/", f"/fr/articles/{first.pk}/", f"/fr/articles/{site['articles'][1].pk}/",
            f"/fr/articles/{site['articles'][-1].pk}/", "/api/v1/articles",
            "/fr/sources/xss/", "/fr/sources/xss/2021/3/4/", f"/fr/stories/{site['story'].pk}/",
            "/fr/search/?q=xsstext", "/fr/search/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            f"/fr/sections/{site['section']}/", "/fr/sources/xss/authors/"
            + urllib.request.quote(AUTHOR, safe="") + "/", "/fr/ticker/"]
    for url in urls:
        resp = page.goto(url)
        assert resp is not None and resp.status == 200, (url, resp and resp.status)
        _check(page, events, url)
    # The pages did show the outlet's text (escaped), so the payloads were really there.
    page.goto(f"/fr/articles/{first.pk}/")
    assert "<script>alert('xss-script')</script>" in page.inner_text("body")


FEEDS = ("/fr/feed.rss", "/fr/feed.atom", "/fr/sources/xss/feed.rss", "/fr/sources/xss/feed.atom",
         "/fr/sections/{section}/feed.rss", "/fr/sections/{section}/feed.atom")


def test_feeds_out_run_no_payload_in_a_naive_reader(site, watched, live_server):
    page, events = watched
    fragments: list[str] = []
    for url in FEEDS:
        with urllib.request.urlopen(live_server.url + url.format(section=site["section"])) as r:
            root = ET.fromstring(r.read())
        fragments += [el.text or "" for el in root.iter()
                      if el.tag in ("title", "description", f"{ATOM}title", f"{ATOM}summary",
                                    f"{ATOM}content", f"{ATOM}subtitle", f"{ATOM}name")]
    assert len(fragments) > 6 * len(PAYLOADS)
    # A reader that shows every title and description as HTML, with no CSP to save it.
    page.set_content("<!doctype html><body><div id=feed></div></body>")
    page.evaluate("""(frags) => { const box = document.getElementById('feed');
        for (const f of frags) { const d = document.createElement('div'); d.innerHTML = f;
                                 box.appendChild(d); } }""", fragments)
    _check(page, events, "feeds rendered with innerHTML")
    assert "titre 0" in page.inner_text("#feed")  # the items are there, markup stripped
