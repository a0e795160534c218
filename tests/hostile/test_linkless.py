"""Feed entries without a usable link never share a row with another entry (issue 10, item 1),
and one page under several URL forms is one article."""

from __future__ import annotations

import pytest

from akhbar.news.models import Article
from akhbar.pipeline.fetching import make_fetcher
from akhbar.pipeline.refresh import refresh_feed
from tests.hostile.hostile_press import add_source, dated, item, page, rss
from tests.press import FixturePress

pytestmark = pytest.mark.django_db(transaction=True)


def linkless_items(prefix: str) -> list[dict]:
    return [
        item(f"{prefix} brève sans lien", guid=f"{prefix}-guid-1", date=dated(1),
             summary=f"{prefix}: le texte de la brève tient dans le flux."),
        item(f"{prefix} lien mailto", link="mailto:redaction@example.org", guid=f"{prefix}-guid-2",
             date=dated(2), summary=f"{prefix}: écrire à la rédaction."),
        item(f"{prefix} lien javascript", link="javascript:alert(1)", date=dated(3),
             summary=f"{prefix}: un lien qui n'en est pas un."),
        item(f"{prefix} lien ftp", link="ftp://files.example.org/a.pdf", guid=f"{prefix}-guid-4",
             date=dated(4), summary=f"{prefix}: un fichier."),
        item(f"{prefix} lien vide", link="", date=dated(5), summary=f"{prefix}: rien."),
    ]


def test_entries_without_link_are_stored_apart_across_outlets_and_polls():
    with FixturePress() as press:
        press.route("/a.xml", rss(linkless_items("Alpha")), content_type="application/rss+xml")
        press.route("/b.xml", rss(linkless_items("Beta")), content_type="application/rss+xml")
        feeds = [add_source(press, "alpha", "/a.xml"), add_source(press, "beta", "/b.xml")]
        with make_fetcher() as fetcher:
            first = [refresh_feed(f.pk, fetcher=fetcher) for f in feeds]
            stored = {a.pk: (a.title, a.identity, a.text) for a in Article.objects.all()}
            second = [refresh_feed(f.pk, fetcher=fetcher) for f in feeds]
    assert [o.new for o in first] == [5, 5]
    assert [o.new + o.revised for o in second] == [0, 0]
    articles = list(Article.objects.order_by("source__slug", "title"))
    assert len(articles) == 10
    # Each row still holds the entry that created it: its title, its identity, its own text.
    assert {a.pk: (a.title, a.identity, a.text) for a in articles} == stored
    for a in articles:
        assert a.url is None and a.url_key == ""
        assert a.text.startswith(a.title.split()[0] + ":")
        assert not a.extracted and a.extract_error == "no_link"
    assert len({(a.source_id, a.identity) for a in articles}) == 10
    # Nothing but the feeds (and robots.txt) was fetched for them.
    assert {r.path for r in press.requests} <= {"/a.xml", "/b.xml", "/robots.txt"}


def test_linkless_article_page_has_no_link_back(client):
    with FixturePress() as press:
        press.route("/a.xml", rss(linkless_items("Alpha")[:1]), content_type="application/rss+xml")
        feed = add_source(press, "alpha", "/a.xml")
        with make_fetcher() as fetcher:
            refresh_feed(feed.pk, fetcher=fetcher)
    article = Article.objects.get()
    resp = client.get(f"/fr/articles/{article.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "le texte de la brève tient dans le flux" in html
    assert 'class="source-link"' not in html and 'rel="canonical"' not in html
    api = client.get("/api/v1/articles?source=alpha").json()
    assert api["items"][0]["url"] is None


def test_http_guid_stands_in_for_an_unusable_link():
    with FixturePress() as press:
        press.route("/a.xml", rss([item("Un article au guid permalien", link="mailto:x@example.org",
                                        guid=press.url("/art/permalien.html"), date=dated(1))]),
                    content_type="application/rss+xml")
        press.route("/art/permalien.html", page("Un article au guid permalien"))
        feed = add_source(press, "alpha", "/a.xml")
        with make_fetcher() as fetcher:
            refresh_feed(feed.pk, fetcher=fetcher)
    article = Article.objects.get()
    assert article.url == press.url("/art/permalien.html")
    assert article.extracted and "budget de l'année prochaine" in article.text


def test_one_page_under_http_https_www_and_trailing_slash_forms_is_one_article():
    with FixturePress() as press:
        first = press.url("/art/budget")
        press.route("/art/budget", page("Le budget adopté"))
        press.route("/art/budget/", page("Le budget adopté"))
        press.route("/a.xml", rss([item("Le budget adopté", link=first, date=dated(1))]),
                    content_type="application/rss+xml")
        feed = add_source(press, "alpha", "/a.xml")
        with make_fetcher() as fetcher:
            refresh_feed(feed.pk, fetcher=fetcher)
            # The outlet moves to https and a trailing slash, and drops its guid-less identity:
            # the same page comes back under another URL form.
            press.route("/a.xml", rss([item("Le budget adopté", link=first + "/",
                                            date=dated(1))]),
                        content_type="application/rss+xml")
            again = refresh_feed(feed.pk, fetcher=fetcher)
    assert again.new == 0
    assert Article.objects.count() == 1
    from akhbar.ingest.normalize import url_variant_key

    key = url_variant_key("http://www.example.org/art/budget")
    assert key == url_variant_key("https://example.org/art/budget/")
    assert key != url_variant_key("https://example.org/art/budget-2")
    assert key != url_variant_key("https://example.org/art/budget?page=2")
