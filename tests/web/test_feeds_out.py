"""Feeds out (RSS 2.0 and Atom per edition and outlet), sitemap.xml, and article metadata."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def test_edition_rss_lists_the_edition_newest_first_with_excerpts(client):
    fr = make_source("lematin", "Le Matin")
    ar = make_source("hespress-ar", "هسبريس", languages=("ar",))
    base = datetime(2020, 12, 17, 9, tzinfo=UTC)
    make_article(fr, title="Plus ancien", published=base)
    make_article(fr, title="Plus récent", published=base + timedelta(hours=1),
                 text="Premier paragraphe.\n\nSecond paragraphe qui ne doit pas sortir.")
    make_article(ar, title="خبر عاجل", language="ar", published=base + timedelta(hours=2))
    resp = client.get("/fr/feed.rss")
    assert resp.status_code == 200 and "rss" in resp["Content-Type"]
    channel = ET.fromstring(resp.content).find("channel")
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Plus récent", "Plus ancien"]
    assert items[0].findtext("description") == "Premier paragraphe."
    assert items[0].findtext("link").startswith("http://testserver/fr/articles/")
    ar_items = ET.fromstring(client.get("/ar/feed.rss").content).find("channel").findall("item")
    assert [i.findtext("title") for i in ar_items] == ["خبر عاجل"]


def test_outlet_atom_feed_and_alternate_links(client):
    source = make_source("tsa", "TSA", country="DZ")
    make_article(source, title="Le dinar recule face à l'euro")
    make_article(make_source("other", "Other"), title="Sans rapport")
    resp = client.get("/fr/sources/tsa/feed.atom")
    assert resp.status_code == 200 and "atom" in resp["Content-Type"]
    root = ET.fromstring(resp.content)
    assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == [
        "Le dinar recule face à l'euro"]
    page = client.get("/fr/sources/tsa/").content.decode()
    assert 'type="application/rss+xml"' in page and 'href="/fr/sources/tsa/feed.rss"' in page
    assert 'type="application/atom+xml"' in page and 'href="/fr/sources/tsa/feed.atom"' in page
    home = client.get("/fr/").content.decode()
    assert 'href="/fr/feed.rss"' in home and 'href="/fr/feed.atom"' in home
    assert client.get("/fr/sources/nope/feed.rss").status_code == 404


def test_hidden_articles_stay_out_of_feeds_and_sitemap(client):
    source = make_source()
    article = make_article(source, title="Article retiré")
    article.hidden = True
    article.save()
    assert b"Article retir" not in client.get("/fr/feed.rss").content
    assert f"/articles/{article.pk}/".encode() not in client.get("/sitemap.xml").content


def test_sitemap_lists_editions_outlets_and_articles(client):
    source = make_source("medias24", "Médias24")
    article = make_article(source)
    ar = make_article(make_source("alyaoum24", "اليوم 24", languages=("ar",)), language="ar")
    xml = client.get("/sitemap.xml").content.decode()
    for path in ("/fr/", "/ar/", "/en/", "/fr/sources/medias24/", f"/fr/articles/{article.pk}/",
                 f"/ar/articles/{ar.pk}/"):
        assert f"http://testserver{path}</loc>" in xml, path


def test_article_page_has_json_ld_and_open_graph(client):
    source = make_source("barlamane", "Barlamane")
    article = make_article(source, title="Le </script> piège <b>gras</b>",
                           text="Un paragraphe d'introduction.\n\nLa suite.")
    article.authors = ["Nadia Lahlou"]
    article.save()
    html = client.get(f"/fr/articles/{article.pk}/").content.decode()
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(block)
    assert data["@type"] == "NewsArticle" and data["headline"] == article.title
    assert data["mainEntityOfPage"] == article.url
    assert data["datePublished"].startswith("2020-12-17")
    assert data["author"] == [{"@type": "Person", "name": "Nadia Lahlou"}]
    assert data["publisher"]["name"] == "Barlamane"
    assert f'<meta property="og:url" content="{article.url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert "Un paragraphe d&#x27;introduction." in html  # description meta, escaped


def test_sitemap_lists_stories_covered_by_several_outlets(client):
    from akhbar.news.models import Story

    big = Story.objects.create(key="k1", title="Séisme", outlet_count=3)
    small = Story.objects.create(key="k2", title="Brève", outlet_count=1)
    xml = client.get("/sitemap.xml").content.decode()
    assert f"/fr/stories/{big.pk}/</loc>" in xml and f"/stories/{small.pk}/" not in xml


def test_sitemap_lists_the_newest_articles_without_counting_the_archive(client, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from akhbar.news.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 3)
    source = make_source()
    start = datetime(2020, 12, 17, 9, 30, tzinfo=UTC)
    articles = [make_article(source, title=f"Dépêche {i}", published=start + timedelta(hours=i))
                for i in range(5)]  # the last made is the newest
    with CaptureQueriesContext(connection) as ctx:
        xml = client.get("/sitemap.xml").content.decode()
    listed = [a.pk for a in articles if f"/articles/{a.pk}/</loc>" in xml]
    assert listed == [a.pk for a in articles[2:]]
    counts = [q["sql"] for q in ctx.captured_queries
              if "COUNT(" in q["sql"].upper() and "news_article" in q["sql"]]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


# --- feeds out carry no markup a reader would run ------------------------------------------------

FEEDS = ("/fr/feed.rss", "/fr/feed.atom", "/fr/sources/evil/feed.rss", "/fr/sources/evil/feed.atom",
         "/fr/sections/{section}/feed.rss", "/fr/sections/{section}/feed.atom")


def test_feeds_out_carry_no_script_whatever_the_outlet_sent(client):
    from akhbar.news import queries
    from tests.hostile.xss import ALL, PAYLOADS, SHORT, URL_PAYLOADS, html_dangers

    section = next(iter(queries.SECTIONS))
    source = make_source("evil", SHORT)
    source.homepage = URL_PAYLOADS[0]
    source.save()
    for n, payload in enumerate(PAYLOADS):
        article = make_article(source, title=f"{payload} titre {n}", text=f"{payload} texte {n}")
        article.summary = payload
        article.section = section
        article.save()
    article = make_article(source, title=ALL)
    article.text, article.summary, article.section = "", ALL, section
    article.save()
    checked = 0
    for url in FEEDS:
        resp = client.get(url.format(section=section))
        assert resp.status_code == 200, url
        root = ET.fromstring(resp.content)
        texts = [(el.tag, el.text or "") for el in root.iter()
                 if el.tag in ("title", "description", f"{ATOM}title", f"{ATOM}summary",
                               f"{ATOM}content", f"{ATOM}subtitle", f"{ATOM}name")]
        for tag, text in texts:
            assert not html_dangers(text), (url, tag, text, html_dangers(text))
            assert "<script" not in text.lower(), (url, tag, text)
            checked += 1
        uris = [el.text or "" for el in root.iter(f"{ATOM}uri")]
        assert not [u for u in uris if not u.startswith("http")], (url, uris)
    assert checked > 6 * 10
