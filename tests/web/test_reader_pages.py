"""The reader's finished pages (issue 15) through Django's client: text cards, the headline
ticker on every edition page, the outlet directory and page, the story page, error pages and
favicon, share links, reprints folded in lists and feeds. Fixed query counts where it matters.
The browser side (motion, dark mode, axe, no outside request) is tests/e2e/test_reader_browser.py.
"""

from __future__ import annotations

import gettext
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from akhbar.news.models import Article, Image, Story
from akhbar.sources.models import Feed
from akhbar.web.errors import server_error
from tests.web.factories import make_article, make_source
from tests.web.test_locale import read_po

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0)


def main_of(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


def strip_of(html: str) -> str:
    """The headline ticker's HTML (it sits between the header and <main>)."""
    assert '<section class="strip"' in html, "no headline ticker on this page"
    before_main = html.split("<main>", 1)[0]
    return before_main.split('<section class="strip"', 1)[1].split("</section>", 1)[0]


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def press() -> dict[str, object]:
    """Two Moroccan French outlets, an Algerian one, an Arabic one; a story in two languages
    with a syndicated copy; articles with and without pictures."""
    matin = make_source("le-matin", "Le Matin")
    echo = make_source("echo-rif", "L'Écho du Rif")
    tsa = make_source("tsa", "TSA Algérie", country="DZ")
    hes = make_source("hespress-ar", "هسبريس", languages=("ar",))
    matin.description = "Quotidien généraliste marocain fondé en 1971."
    matin.save()
    Feed.objects.create(source=matin, url="https://le-matin.example/rss.xml")
    story = Story.objects.create(key="s1", title="Séisme", outlet_count=3, article_count=4)
    orig = make_article(matin, title="Séisme : les secours mobilisés dans le Haouz",
                        published=NOW - timedelta(hours=3))
    copy = make_article(echo, title="Reprise : les secours mobilisés",
                        published=NOW - timedelta(hours=2))
    copy.copy_of = orig
    ar = make_article(hes, title="زلزال الحوز: تعبئة فرق الإنقاذ", language="ar",
                      published=NOW - timedelta(hours=1))
    tsa_a = make_article(tsa, title="Solidarité algérienne après le séisme",
                         published=NOW - timedelta(minutes=30))
    for a in (orig, copy, ar, tsa_a):
        a.story = story
        a.section = "society"
        a.save()
    # A prolific outlet: the ticker shows at most two of its headlines.
    burst = [make_article(echo, title=f"Dépêche {i}", published=NOW - timedelta(minutes=10 + i))
             for i in range(4)]
    return {"matin": matin, "echo": echo, "tsa": tsa, "hes": hes, "story": story,
            "orig": orig, "copy": copy, "ar": ar, "tsa_a": tsa_a, "burst": burst}


def test_cards_without_pictures_are_compact_text_cards(client, press):
    home = client.get("/fr/").content.decode()
    assert 'class="card lead text"' in home and 'class="card text"' in home
    assert "image-missing" not in home  # no one-letter tiles
    assert not re.search(r"<span>\w</span>", main_of(home))


def test_headline_ticker_on_every_edition_page_before_the_main_content(client, press):
    pages = ["/fr/", f"/fr/articles/{press['orig'].pk}/", "/fr/sections/society/",
             "/fr/sources/le-matin/", f"/fr/stories/{press['story'].pk}/", "/fr/sources/",
             "/fr/search/?q=seisme", "/fr/nowhere/"]
    for path in pages:
        html = client.get(path).content.decode()
        strip = strip_of(html)
        assert "instant" in strip, path
        # Latest originals of every outlet, each with its outlet and akhbar's page.
        assert (f'<bdi class="strip-source">TSA Algérie</bdi> <a href="/fr/articles/'
                f'{press["tsa_a"].pk}/"') in strip, path
        assert "Le Matin" in strip and press["orig"].title in strip
        assert press["copy"].title not in strip, "a syndicated copy in the ticker"
        assert strip.count("Dépêche") == 2, "one outlet may fill two places at most"
        assert press["ar"].title not in strip  # the French edition's outlets only
    ar = client.get("/ar/").content.decode()
    assert 'dir="rtl"' in ar and press["ar"].title in strip_of(ar) and "آخر العناوين" in ar
    # The live refresh's endpoint: the strip alone.
    fragment = client.get("/fr/ticker/strip/").content.decode()
    assert fragment.lstrip().startswith('<section class="strip"') and "<main>" not in fragment


def test_a_new_article_refreshes_the_ticker_but_not_other_article_pages(client, press):
    path = f"/fr/articles/{press['orig'].pk}/"
    client.get(path), client.get("/fr/ticker/strip/")
    make_article(press["tsa"], title="Nouvelle dépêche d'Alger", published=NOW)
    assert client.get(path).headers["X-Akhbar-Cache"] == "hit"  # up to 5 minutes old
    fresh = client.get("/fr/ticker/strip/")
    assert fresh.headers["X-Akhbar-Cache"] == "miss"
    assert "Nouvelle dépêche d&#x27;Alger" in fresh.content.decode()


def test_while_ingesting_other_pages_reuse_a_recent_ticker_and_the_home_shows_the_newest(
        client, press, monkeypatch):
    from akhbar.news import context

    client.get(f"/fr/articles/{press['orig'].pk}/")  # the strip is built and remembered
    make_article(press["tsa"], title="Nouvelle dépêche d'Alger", published=NOW)
    with CaptureQueriesContext(connection) as reused:
        page = client.get(f"/fr/articles/{press['tsa_a'].pk}/").content.decode()
    assert not [q for q in reused.captured_queries if "LIMIT 80" in q["sql"]]
    assert "Nouvelle dépêche" not in strip_of(page)  # a strip seconds old, as allowed
    assert "Nouvelle dépêche" in strip_of(client.get("/fr/").content.decode())
    monkeypatch.setattr(context, "STRIP_AFTER_CHANGE", 0.0)
    make_article(press["tsa"], title="Deuxième dépêche d'Alger", published=NOW)
    page = client.get(f"/fr/sources/{press['tsa'].slug}/").content.decode()
    assert "Deuxième dépêche" in strip_of(page)  # past the grace, rebuilt


def test_the_ticker_costs_a_page_render_no_query_once_rendered(client, press):
    client.get(f"/fr/articles/{press['orig'].pk}/")
    with CaptureQueriesContext(connection) as warm:
        client.get(f"/fr/articles/{press['tsa_a'].pk}/")
    ticker_sql = [q["sql"] for q in warm.captured_queries if "LIMIT 80" in q["sql"]]
    assert not ticker_sql, ticker_sql


def test_outlet_directory_by_country_and_language(client, press):
    html = client.get("/fr/sources/").content.decode()
    body = main_of(html)
    assert "Médias" in body and "Maroc" in body and "Algérie" in body
    assert body.index("Maroc") < body.index("Algérie")  # the edition's own country first
    assert 'href="/fr/sources/le-matin/"' in body and "هسبريس" not in body
    echo = body.split("L&#x27;Écho du Rif", 1)[1].split("</li>", 1)[0]
    # Latest original headline (not its copy) and the count of every visible article.
    assert "Dépêche 0" in echo and "5 articles" in echo
    matin = body.split("Le Matin</bdi>", 1)[1].split("</li>", 1)[0]
    assert "1 article" in matin and press["orig"].title in matin
    assert "هسبريس" in main_of(client.get("/ar/sources/").content.decode())
    # Invalidated precisely: a renamed outlet and a new article show at once.
    press["tsa"].name = "TSA"
    press["tsa"].save()
    assert "TSA</bdi>" in client.get("/fr/sources/").content.decode()


def render_queries(client, path: str) -> list[str]:
    """The queries of one render of ``path``, the ticker being rendered already (as it is
    in a running process: once per change, not once per page)."""
    client.get("/" + path.split("/")[1] + "/no-such-page/")  # renders the ticker
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).headers["X-Akhbar-Cache"] == "miss"
    # The page cache's reads of its change log are left out: on PostgreSQL a late-row scan
    # runs at most once a second, whenever a render happens to come after one.
    return [q["sql"] for q in captured.captured_queries if "web_pagechange" not in q["sql"]]


def test_directory_costs_the_same_queries_for_more_outlets(client, press):
    few = render_queries(client, "/fr/sources/")
    for i in range(6):
        make_article(make_source(f"fr-{i}", f"Média {i}", country="TN"))
    many = render_queries(client, "/fr/sources/")
    assert len(many) == len(few) <= 5, many


def test_attribution_links_the_outlet_word_for_word(client, press):
    html = client.get(f"/fr/articles/{press['orig'].pk}/").content.decode()
    attribution = html.split('<p class="attribution">', 1)[1].split("</p>", 1)[0]
    assert '<a class="outlet" href="/fr/sources/le-matin/">Le Matin</a>' in attribution
    assert words(attribution).startswith("Publié dans Le Matin le ")
    ar = client.get(f"/ar/articles/{press['ar'].pk}/").content.decode()
    assert words(ar.split('<p class="attribution">', 1)[1].split("</p>")[0]).startswith(
        "نشر في هسبريس يوم")


def test_outlet_page_describes_the_outlet_and_folds_copies(client, press):
    body = main_of(client.get("/fr/sources/le-matin/").content.decode())
    assert "Quotidien généraliste marocain fondé en 1971." in body
    assert "Pays" in body and "Maroc" in body and "Langues" in body and "Français" in body
    assert 'href="/fr/sources/le-matin/feed.rss"' in body
    assert 'href="/fr/sources/le-matin/feed.atom"' in body
    assert 'href="https://le-matin.example/rss.xml"' in body
    assert "repris par <bdi>L&#x27;Écho du Rif</bdi>" in body
    # No description in the registry: a sentence from what is known.
    echo = main_of(client.get("/fr/sources/echo-rif/").content.decode())
    assert "L&#x27;Écho du Rif est un média d'information (Maroc)." in echo
    assert press["copy"].title not in echo  # folded under its original (Le Matin's)
    # The day archives too: the copy's day at L'Écho du Rif, the original's at Le Matin.
    from django.urls import reverse
    from django.utils import timezone as tz

    for key, slug in (("copy", "echo-rif"), ("orig", "le-matin")):
        day = tz.localtime(press[key].published).date()
        with translation.override("fr"):
            url = reverse("source-day", args=[slug, day.year, day.month, day.day])
        days = main_of(client.get(url).content.decode())
        assert press["copy"].title not in days
        if key == "orig":
            assert press["orig"].title in days and "repris par <bdi>L&#x27;Écho du Rif</bdi>" in days
    en = main_of(client.get("/en/sources/tsa/").content.decode())
    assert "TSA Algérie is a news outlet from Algeria." in en


def test_lists_fold_copies_with_a_fixed_number_of_queries(client, press):
    section = main_of(client.get("/fr/sections/society/").content.decode())
    assert press["orig"].title in section and press["copy"].title not in section
    assert "repris par <bdi>L&#x27;Écho du Rif</bdi>" in section
    few = render_queries(client, "/fr/sections/society/?page=1")
    for i in range(5):
        a = make_article(press["matin"], title=f"Société {i}")
        c = make_article(press["tsa"], title=f"Copie {i}")
        a.section = c.section = "society"
        c.copy_of = a
        a.save(), c.save()
    many = render_queries(client, "/fr/sections/society/?page=1")
    assert len(many) == len(few), many


def test_story_page_is_a_finished_page(client, press):
    story = press["story"]
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/fr/stories/{story.pk}/").content.decode()
    body = main_of(html)
    # Headline in the reader's language (the French original), then in Arabic.
    assert re.search(r'<h1 id="story-title" dir="auto" lang="fr">Séisme : les secours', body)
    ar_body = main_of(client.get(f"/ar/stories/{story.pk}/").content.decode())
    assert '<h1 id="story-title" dir="auto" lang="ar">زلزال الحوز' in ar_body
    summary = words(body.split('class="story-summary"', 1)[1].split("</p>", 1)[0])
    assert "4 médias" in summary and "4 articles" in summary
    assert "Français" in summary and "العربي" in summary
    assert "premier article" in summary and "dernier" in summary
    # Coverage by language, French first, outlet names in the heading; the same cards as home.
    assert body.index('id="cov-fr"') < body.index('id="cov-ar"')
    heading = body.split('id="cov-fr"', 1)[1].split("</h2>", 1)[0]
    assert "Le Matin" in heading and "TSA Algérie" in heading
    # Each name isolated: an Arabic edition's name and its outlets keep their order in a French page.
    assert "<bdi>Le Matin</bdi>" in heading and '<bdi lang="fr">Français</bdi>' in heading
    assert body.count('class="card text"') == 3  # the copy folds under its original's card
    assert "repris par <bdi>L&#x27;Écho du Rif</bdi>" in body
    timeline = body.split('id="timeline-title"', 1)[1]
    assert timeline.count("<li>") == 4 and "(reprise)" in timeline
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]


def test_story_page_shows_its_pictures(client, press):
    pic = Image.objects.create(source_url="https://hespress.example/p.jpg", local_path="images/x",
                               widths=[320, 640], width=640, height=427)
    Article.objects.filter(pk=press["ar"].pk).update(image=pic)
    body = main_of(client.get(f"/fr/stories/{press['story'].pk}/").content.decode())
    pictures = body.split('class="story-pictures"', 1)[1].split("</ul>", 1)[0]
    assert f'src="/images/{pic.pk}/640.jpg"' in pictures
    assert f'href="/fr/articles/{press["ar"].pk}/"' in pictures


@pytest.mark.parametrize(("lang", "direction", "title"), [
    ("fr", "ltr", "Page introuvable"), ("ar", "rtl", "الصفحة غير موجودة"),
    ("en", "ltr", "We could not find this page")])
def test_error_pages_are_the_editions(client, lang, direction, title):
    response = client.get(f"/{lang}/articles/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{lang}" dir="{direction}">' in html and title in html
    assert f'action="/{lang}/search/"' in main_of(html) and f'href="/{lang}/"' in main_of(html)
    request = RequestFactory().get(f"/{lang}/boom/")
    with translation.override(lang):
        crash = server_error(request)
    assert crash.status_code == 500
    assert f'<html lang="{lang}" dir="{direction}">' in crash.content.decode()
    assert f'action="/{lang}/search/"' in crash.content.decode()


def test_favicon_answers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_share_links_are_plain_links_to_the_networks(client, press):
    for path in (f"/fr/articles/{press['orig'].pk}/", f"/fr/stories/{press['story'].pk}/"):
        html = client.get(path).content.decode()
        share = html.split('<nav class="share"', 1)[1].split("</nav>", 1)[0]
        page = f"http%3A%2F%2Ftestserver{path.replace('/', '%2F')}"
        assert 'href="https://wa.me/?text=' in share and page in share
        assert f'href="https://www.facebook.com/sharer/sharer.php?u={page}"' in share
        assert f'href="https://x.com/intent/post?url={page}' in share
        assert f'href="https://t.me/share/url?url={page}' in share
        assert 'href="mailto:?subject=' in share
        assert f'href="http://testserver{path}" data-copy-link' in share
        # Nothing from the networks loads with the page: no foreign script, image or frame.
        assert not re.search(r'<(script|img|iframe|source)[^>]+(src|srcset)="https?://', html)
        assert not re.search(r'<link rel="(stylesheet|icon|preload|prefetch)"[^>]+"https?://', html)


def test_feeds_fold_copies_and_the_api_keeps_them(client, press):
    for path in ("/fr/feed.rss", "/fr/sources/echo-rif/feed.rss", "/fr/sections/society/feed.rss",
                 "/fr/feed.atom"):
        xml = client.get(path).content.decode()
        assert "Reprise : les secours" not in xml, path
    assert press["orig"].title in client.get("/fr/feed.rss").content.decode()
    items = json.loads(client.get("/api/v1/articles").content)["items"]
    copy = next(i for i in items if i["id"] == press["copy"].pk)
    assert copy["copy_of"] == press["orig"].pk


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_reader_catalogue_is_complete_and_compiled(lang):
    po = Path(__file__).resolve().parents[2] / "akhbar/news/locale" / lang / "LC_MESSAGES/django.po"
    entries = read_po(po)
    assert not [m for m, s, fuzzy in entries if not s or fuzzy]
    with open(po.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    assert all(s in (mo.gettext(m), mo.ngettext(m, m, 0), mo.ngettext(m, m, 1))
               for m, s, _ in entries)


def test_list_dates_of_another_year_carry_the_year(client):
    """'17/12 10:30' on a December page would read as a few days ago, not as 2020."""
    from django.utils import timezone

    fresh = timezone.localtime(NOW - timedelta(minutes=5))
    this_year = fresh.year == timezone.localdate().year  # not at the stroke of a new year
    make_article(make_source("le-matin", "Le Matin"), title="Le tramway prolongé",
                 published=NOW - timedelta(minutes=5))
    # An outlet silent since 2020: its latest article must not look like this week's.
    make_article(make_source("tsa", "TSA"), title="La loi de finances 2021",
                 published=datetime(2020, 12, 17, 9, 30, tzinfo=UTC))
    old = re.compile(r'<time datetime="2020-12-17T[^"]+">17/12/2020</time>')
    for path in ("/fr/", "/fr/sources/"):
        html = client.get(path).content.decode()
        assert old.search(html), path
        assert not this_year or f">{fresh:%d/%m %H:%M}</time>" in html, path
