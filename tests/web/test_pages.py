"""Reader pages and the JSON API: attribution, link back, excerpt policy, editions, contracts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from akhbar.web import cache
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def words(html: str) -> str:
    """A page's text without its tags (the attribution's outlet name is a link)."""
    return re.sub(r"<[^>]+>", "", html)


def main_of(html: str) -> str:
    """A page's main content (the headline ticker above it lists the latest of every outlet)."""
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


def test_root_redirects_to_an_edition(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ar").headers["Location"] == "/ar/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de").headers["Location"] == "/fr/"


def test_article_page_has_french_attribution_and_link_back(client):
    source = make_source("barlamane", "Barlamane")
    article = make_article(source, title="Le Parlement adopte la loi de finances",
                           published=datetime(2020, 12, 17, 22, 30, tzinfo=UTC))
    html = client.get(f"/fr/articles/{article.pk}/").content.decode()
    # 22:30 UTC is already the 17th in Casablanca (UTC+1 that day)? No: 23:30, still the 17th.
    assert "Publié dans Barlamane le 17/12/2020" in words(html)
    assert f'<a href="{article.url}"' in html
    assert "Cliquez ici pour lire l'article depuis sa source</a>" in html
    assert f'<link rel="canonical" href="{article.url}">' in html
    assert "<article" in html and "Premier paragraphe" in html and "Second paragraphe" in html


def test_attribution_date_is_shown_in_the_configured_time_zone(client):
    source = make_source("le360", "Le360")
    # 23:30 UTC on the 16th is 00:30 on the 17th in Africa/Casablanca (UTC+1 in December 2020).
    article = make_article(source, published=datetime(2020, 12, 16, 23, 30, tzinfo=UTC))
    assert "le 17/12/2020" in client.get(f"/fr/articles/{article.pk}/").content.decode()


def test_arabic_and_english_editions_translate_the_attribution(client):
    source = make_source("hespress-ar", "هسبريس", languages=("ar",))
    article = make_article(source, title="عنوان", language="ar")
    ar = client.get(f"/ar/articles/{article.pk}/").content.decode()
    assert 'dir="rtl"' in ar and "نشر في هسبريس يوم 17/12/2020" in words(ar)
    assert "اضغط هنا لقراءة المقال من مصدره" in ar
    en = client.get(f"/en/articles/{article.pk}/").content.decode()
    assert "Published in هسبريس on 17/12/2020" in words(en)
    assert "Click here to read the article from its source" in en


def test_excerpt_policy_shows_first_paragraph_at_most_300_characters(client):
    source = make_source("le-desk", "Le Desk", display="excerpt")
    long_para = " ".join(["Une enquête exclusive sur les marchés publics de la région."] * 10)
    article = make_article(source, text=long_para + "\n\nDeuxième paragraphe réservé aux abonnés.")
    html = client.get(f"/fr/articles/{article.pk}/").content.decode()
    assert "Deuxième paragraphe" not in html
    body = html.split('<div class="body">')[1].split("</div>")[0]
    text = body.replace("<p>", "").replace("</p>", "").strip()
    assert text.endswith("…") and len(text) <= 300 and text.startswith("Une enquête exclusive")


def test_home_ticker_lists_latest_50_of_the_edition_without_n_plus_one(client):
    fr = make_source("lematin", "Le Matin")
    ar = make_source("alyaoum24", "اليوم 24", languages=("ar",))
    base = datetime(2020, 12, 17, 12, 0, tzinfo=UTC)
    for i in range(60):
        make_article(fr, title=f"Titre français {i}", published=base - timedelta(minutes=i))
    make_article(ar, title="عنوان عربي", language="ar", published=base + timedelta(hours=1))
    for i in range(8):  # articles in sections: the section fronts must not add a query each
        a = make_article(fr, title=f"Rubrique {i}", published=base - timedelta(days=2))
        a.section = ("sports", "economy", "culture", "world")[i % 4]
        a.save()
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/fr/").content.decode()
    # Change log (two on a fresh process), edition sources, top stories (newest date, stories,
    # their leads, latest), ticker, the section fronts (one statement, then their articles),
    # the outlets of all lists (one query), trending, most read: a constant, whatever the
    # number of articles (checked below with twice as many).
    assert len(ctx.captured_queries) <= 12, [q["sql"][:80] for q in ctx.captured_queries]
    for i in range(60):
        b = make_article(fr, title=f"Plus ancien {i}", published=base - timedelta(days=3, minutes=i))
        b.section = ("sports", "economy", "culture", "world")[i % 4]
        b.save()
    cache.CHANGES.reset()
    caches[cache.CACHE_ALIAS].clear()
    with CaptureQueriesContext(connection) as again:
        client.get("/fr/")
    assert len(again.captured_queries) == len(ctx.captured_queries)
    ticker = html.split("data-ticker>")[1].split("</ol>")[0]
    assert ticker.count('class="title"') == 50
    assert "Titre français 0" in ticker and "Titre français 49" in ticker
    assert "Titre français 50" not in ticker and "عنوان عربي" not in html
    assert "À la une" in html and html.count('<li class="card') == 7
    fronts = html.split('class="front"')
    assert len(fronts) == 5  # economy, sports, culture, world (menu order)
    sports = html.split('id="front-sports"')[1].split("</section>")[0]
    assert "Rubrique 0" in sports and "Rubrique 4" in sports and "Rubrique 1" not in sports
    assert "En continu" in html
    ar_html = client.get("/ar/").content.decode()
    assert "عنوان عربي" in ar_html and "Titre français" not in ar_html


def test_outlet_page_is_paginated(client):
    source = make_source("medias24", "Médias24")
    base = datetime(2020, 12, 17, 12, 0, tzinfo=UTC)
    for i in range(35):
        make_article(source, title=f"Article {i:02d}", published=base - timedelta(hours=i))
    first = client.get("/fr/sources/medias24/").content.decode()
    assert "Article 00" in first and "Article 29" in first and "Article 30" not in first
    second = client.get("/fr/sources/medias24/?page=2").content.decode()
    assert "Article 30" in second and "Article 34" in second and "Article 00" not in main_of(second)
    assert client.get("/fr/sources/nope/").status_code == 404


def test_hidden_article_is_not_shown(client):
    source = make_source()
    article = make_article(source, title="Article retiré")
    article.hidden = True
    article.save()
    assert client.get(f"/fr/articles/{article.pk}/").status_code == 404
    assert "Article retiré" not in client.get("/fr/").content.decode()


def test_api_articles_contract(client):
    source = make_source("hespress-fr", "Hespress FR")
    other = make_source("tsa", "TSA", country="DZ")
    old = make_article(source, title="Ancien", published=datetime(2020, 12, 16, 8, tzinfo=UTC),
                       image_url="https://hespress.example/img/a.jpg")
    new = make_article(source, title="Récent", published=datetime(2020, 12, 17, 8, tzinfo=UTC))
    make_article(other, title="Autre source")
    resp = client.get("/api/v1/articles?source=hespress-fr&limit=10")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/json")
    data = json.loads(resp.content)
    assert [i["id"] for i in data["items"]] == [new.pk, old.pk]
    item = data["items"][1]
    assert set(item) >= {"id", "url", "title", "published", "language", "source", "image"}
    assert item["url"] == old.url and item["title"] == "Ancien" and item["language"] == "fr"
    assert item["published"] == "2020-12-16T08:00:00+00:00"
    assert item["source"] == {"slug": "hespress-fr", "name": "Hespress FR"}
    # The outlet's image URL is never handed out: akhbar's copy, or null until it is cached.
    assert item["image"] == {"id": old.image_id, "url": None, "status": "visible"}
    assert data["items"][0]["image"] is None
    assert len(json.loads(client.get("/api/v1/articles?limit=1").content)["items"]) == 1
    assert client.get("/api/v1/articles?limit=0").status_code == 400
    assert client.get("/api/v1/articles?limit=x").status_code == 400
    assert client.get("/api/v1/articles?source=nope").status_code == 404
    # No language prefix, no redirect.
    assert client.get("/api/v1/articles").status_code == 200


def test_blocked_image_has_null_url_in_api(client):
    source = make_source()
    article = make_article(source, image_url="https://x.example/i.jpg")
    article.image.status = "blocked"
    article.image.local_path = "images/1.jpg"
    article.image.save()
    item = json.loads(client.get("/api/v1/articles").content)["items"][0]
    assert item["image"] == {"id": article.image_id, "url": None, "status": "blocked"}


def test_pages_send_security_headers(client):
    resp = client.get("/fr/")
    assert "default-src 'self'" in resp["Content-Security-Policy"]
    assert resp["X-Content-Type-Options"] == "nosniff"


def test_stylesheet_is_served_and_switcher_names_languages_in_their_own_language(client):
    html = client.get("/fr/").content.decode()
    assert ">English<" in html and ">العربية<" in html and ">Français<" in html
    css_url = html.split('rel="stylesheet" href="')[1].split('"')[0]
    from django.contrib.staticfiles import finders

    assert finders.find(css_url.removeprefix("/static/")), css_url


def test_ticker_fragment_for_the_periodic_refresh(client):
    source = make_source("lematin", "Le Matin")
    make_article(source, title="Dernière minute à Rabat")
    home = client.get("/fr/").content.decode()
    assert 'data-ticker-url="/fr/ticker/"' in home and "ticker.js" in home
    frag = client.get("/fr/ticker/").content.decode()
    assert frag.lstrip().startswith("<ol") and "Dernière minute à Rabat" in frag
    assert "<html" not in frag


def test_editions_list_outlets_by_language_and_registry_editions(client):
    fr = make_source("lematin", "Le Matin")
    en = make_source("mwn", "Morocco World News", languages=("en",))
    ar = make_source("hespress-ar", "هسبريس", languages=("ar",))
    extra = make_source("aps-ar", "وأج", languages=("ar",))
    extra.editions = ["fr"]  # the registry adds it to the French edition
    extra.save()
    for src, title, lang in ((fr, "Titre FR", "fr"), (en, "English headline", "en"),
                             (ar, "عنوان هسبريس", "ar"), (extra, "عنوان وأج", "ar")):
        make_article(src, title=title, language=lang)
    fr_html = client.get("/fr/").content.decode()
    assert all(t in fr_html for t in ("Titre FR", "English headline", "عنوان وأج"))
    assert "عنوان هسبريس" not in fr_html
    ar_html = client.get("/ar/").content.decode()
    assert "عنوان هسبريس" in ar_html and "عنوان وأج" in ar_html and "Titre FR" not in ar_html
    en_html = client.get("/en/").content.decode()
    assert "English headline" in en_html and "Titre FR" not in en_html


def test_search_within_the_edition(client):
    fr = make_source("lematin", "Le Matin")
    ar = make_source("hespress-ar", "هسبريس", languages=("ar",))
    make_article(fr, title="Séisme dans la région d'Al Haouz : le bilan s'alourdit")
    make_article(fr, title="Budget 2024 : le Parlement adopte le texte")
    make_article(ar, title="زلزال الحوز: ارتفاع الحصيلة", language="ar")
    html = client.get("/fr/search/?q=séisme+haouz").content.decode()
    assert "le bilan s&#x27;alourdit" in html and "Budget 2024" not in main_of(html)
    assert "1 résultat pour" in html
    ar_html = client.get("/ar/search/?q=زلزال").content.decode()
    assert "ارتفاع الحصيلة" in ar_html
    assert "Search every article" not in client.get("/fr/search/").content.decode()  # translated
    assert 'role="search"' in client.get("/fr/").content.decode()


def test_section_pages_and_menu(client):
    source = make_source("lematin", "Le Matin")
    a = make_article(source, title="Le Raja remporte le derby")
    a.section = "sports"
    a.save()
    make_article(source, title="Hors rubrique")
    html = client.get("/fr/sections/sports/").content.decode()
    assert "Le Raja remporte le derby" in html and "Hors rubrique" not in main_of(html)
    assert "<h1>Sports</h1>" in html and 'href="/fr/sections/sports/feed.rss"' in html
    assert 'href="/fr/sections/politics/"' in client.get("/fr/").content.decode()
    assert "Politique" in client.get("/fr/").content.decode()
    assert "رياضة" in client.get("/ar/sections/sports/").content.decode()
    assert client.get("/fr/sections/nope/").status_code == 404
    assert b"Le Raja remporte" in client.get("/fr/sections/sports/feed.rss").content


def test_author_pages_are_per_outlet(client):
    lematin = make_source("lematin", "Le Matin")
    other = make_source("h24", "H24info")
    a = make_article(lematin, title="Chronique économique")
    a.authors = ["Salma Idrissi", "Youssef Alami"]
    a.save()
    b = make_article(other, title="Homonyme ailleurs")
    b.authors = ["Salma Idrissi"]
    b.save()
    article_html = client.get(f"/fr/articles/{a.pk}/").content.decode()
    assert 'href="/fr/sources/lematin/authors/Salma%20Idrissi/"' in article_html
    html = client.get("/fr/sources/lematin/authors/Salma%20Idrissi/").content.decode()
    assert "Chronique économique" in html and "Homonyme ailleurs" not in main_of(html)
    assert client.get("/fr/sources/lematin/authors/Salma/").status_code == 404  # whole names only


def test_article_page_shows_other_outlets_coverage_and_related_articles(client):
    from akhbar.news.models import Story

    fr = make_source("lematin", "Le Matin")
    ar = make_source("hespress-ar", "هسبريس", languages=("ar",))
    story = Story.objects.create(key="s1", title="Séisme", outlet_count=2)
    a = make_article(fr, title="Séisme dans le Haouz")
    b = make_article(ar, title="زلزال الحوز", language="ar")
    c = make_article(fr, title="Le Raja gagne le derby")
    d = make_article(fr, title="Le Wydad en finale")
    for x, sect in ((a, "society"), (b, "society"), (c, "sports"), (d, "sports")):
        x.section = sect
        x.story = story if x in (a, b) else None
        x.save()
    html = client.get(f"/fr/articles/{a.pk}/").content.decode()
    elsewhere = html.split('id="coverage-title"')[1].split("</section>")[0]
    assert "زلزال الحوز" in elsewhere and "هسبريس" in elsewhere
    page = client.get(f"/fr/articles/{c.pk}/").content.decode()
    related = page.split('id="related-title"')[1].split("</section>")[0]
    assert "Le Wydad en finale" in related and "Séisme" not in related
    home = client.get("/fr/").content.decode()
    assert 'class="card text"' in home  # a card without a picture is a text card (no tile)


def test_outlet_archive_by_day_in_the_display_time_zone(client):
    source = make_source("tsa", "TSA", country="DZ")
    # 23:30 UTC on 16/12 is 00:30 on 17/12 in Africa/Casablanca (UTC+1 that day).
    make_article(source, title="Après minuit", published=datetime(2020, 12, 16, 23, 30, tzinfo=UTC))
    make_article(source, title="Le 15", published=datetime(2020, 12, 15, 10, 0, tzinfo=UTC))
    make_article(source, title="Le 20", published=datetime(2020, 12, 20, 10, 0, tzinfo=UTC))
    page = client.get("/fr/sources/tsa/").content.decode()
    assert 'href="/fr/sources/tsa/2020/12/17/"' in page and 'href="/fr/sources/tsa/2020/12/15/"' in page
    day = client.get("/fr/sources/tsa/2020/12/17/").content.decode()
    assert "Après minuit" in day and "Le 15" not in main_of(day) and "Le 20" not in main_of(day)
    assert 'href="/fr/sources/tsa/2020/12/15/"' in day and 'href="/fr/sources/tsa/2020/12/20/"' in day
    assert client.get("/fr/sources/tsa/2020/02/30/").status_code == 404
    assert "Aucun article" in client.get("/fr/sources/tsa/2020/12/18/").content.decode()


def test_home_html_stays_under_100_kb_when_full(client):
    sources = [make_source(f"outlet-{i}", f"Média numéro {i}") for i in range(20)]
    base = datetime(2020, 12, 17, 12, 0, tzinfo=UTC)
    long_title = "Le gouvernement annonce un vaste programme de réformes pour l'économie régionale"
    for i in range(120):
        a = make_article(sources[i % 20], title=f"{long_title} ({i})",
                         published=base - timedelta(minutes=i))
        a.section = ("politics", "economy", "society", "sports", "culture", "world", "tech")[i % 7]
        a.save()
    size = len(client.get("/fr/").content)
    assert 10_000 < size < 100 * 1024, size


def test_every_page_runs_a_bounded_number_of_queries(client, monkeypatch):
    """No N+1: the count of queries does not grow with the number of articles listed."""
    from akhbar.news.models import Story
    from akhbar.web import cache

    # On PostgreSQL the change log is also scanned for late rows once a second: on a loaded
    # machine that query fell into one page's count and not the other's.
    monkeypatch.setattr(cache, "LATE_SCAN_EVERY", 1e9)

    counts = {}
    for n in (3, 30):
        Story.objects.all().delete()
        source = make_source(f"outlet-{n}", f"Outlet {n}")
        story = Story.objects.create(key=f"k{n}", title="Histoire", outlet_count=2)
        made = []
        for i in range(n):
            a = make_article(source, title=f"Titre {n}-{i}", image_url=f"https://i.example/{n}/{i}.jpg")
            a.section, a.story, a.authors = "economy", story, ["Nadia Lahlou"]
            a.save()
            made.append(a)
        paths = {
            "home": "/fr/", "article": f"/fr/articles/{made[0].pk}/", "outlet": f"/fr/sources/{source.slug}/",
            "section": "/fr/sections/economy/", "story": f"/fr/stories/{story.pk}/",
            "author": f"/fr/sources/{source.slug}/authors/Nadia%20Lahlou/", "search": "/fr/search/?q=Titre",
            "feed": "/fr/feed.rss", "api": "/api/v1/articles?limit=50",
        }
        for name, path in paths.items():
            from django.core.cache import caches

            caches["pages"].clear()  # measure the rendering, not the cache
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200, path
            counts.setdefault(name, []).append(len(ctx.captured_queries))
    for name, (few, many) in counts.items():
        # The home page asks one small indexed query per section front (7) and one per list
        # for its outlets: plan-proof at 100,000 articles, where one window query was not.
        assert many <= few and many <= 24, (name, counts[name])


def test_search_pages_keep_the_query(client):
    source = make_source("lematin", "Le Matin")
    for i in range(35):
        make_article(source, title=f"Élections législatives {i}")
    html = client.get("/fr/search/?q=élections").content.decode()
    assert 'href="?q=%C3%A9lections&amp;page=2"' in html  # 20 results a page
    second = client.get("/fr/search/?q=élections&page=2").content.decode()
    assert second.count('class="result"') == 15


def test_top_stories_lead_with_an_article_in_the_editions_language(client):
    from akhbar.news.models import Story

    fr = make_source("lematin", "Le Matin")
    en = make_source("mwn", "Morocco World News", languages=("en",))
    story = Story.objects.create(key="s1", title="Séisme", outlet_count=2,
                                 last_published=datetime(2020, 12, 17, 12, 0, tzinfo=UTC))
    french = make_article(fr, title="Séisme dans le Haouz : les secours mobilisés",
                          published=datetime(2020, 12, 17, 9, 0, tzinfo=UTC))
    # Newer, and with a picture: it would lead if language did not come first.
    english = make_article(en, title="Earthquake in Al Haouz: rescuers deployed", language="en",
                           published=datetime(2020, 12, 17, 11, 0, tzinfo=UTC),
                           image_url="https://mwn.example/quake.jpg")
    from akhbar.news.models import Image
    Image.objects.filter(pk=english.image_id).update(local_path="images/t/q", widths=[320],
                                                     width=640, height=400)
    for a in (french, english):
        a.story = story
        a.save()
    top = client.get("/fr/").content.decode().split("À la une")[1].split("</section>")[0]
    assert "Séisme dans le Haouz" in top and "Earthquake in Al Haouz" not in top
    top_en = client.get("/en/").content.decode().split("</section>")[0]
    assert "Earthquake in Al Haouz" in top_en
