"""Feed parsing, identities, sanitizing, dates and discovery on our own fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from akhbar.ingest.errors import ParseError
from akhbar.ingest.feeds import candidate_feed_urls, discover_feeds, parse_feed
from akhbar.ingest.feeds.common import is_naive_date, parse_date
from akhbar.ingest.types import ParsedFeed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, url: str = "https://www.matin-atlas.ma/feed/", **kw: object) -> ParsedFeed:
    return parse_feed(load(name), url=url, now=NOW, **kw)  # type: ignore[arg-type]


# --- formats -------------------------------------------------------------------------------


def test_rss2_french_fields() -> None:
    feed = parse("rss2_fr.xml")
    assert feed.format == "rss"
    assert feed.parser == "fastfeedparser"
    assert feed.title == "Le Matin de l'Atlas – Actualités"
    assert feed.language == "fr"
    # 6 items: one has neither title nor link (skipped), one repeats another's URL with
    # other utm_* parameters (same identity: the first is kept).
    assert len(feed.entries) == 4
    first = feed.entries[0]
    assert first.identity == "matin-atlas-184233"
    assert first.guid == "matin-atlas-184233"
    assert first.url == "https://www.matin-atlas.ma/societe/tramway-t3-sidi-moumen"
    assert "utm_source" in first.link  # the link as given is kept apart
    assert first.published == datetime(2025, 3, 11, 8, 30, tzinfo=UTC)
    assert first.authors == ("Salma Benjelloun",)
    assert first.categories == ("Société", "Casablanca")
    assert first.image_url == "https://cdn.matin-atlas.ma/uploads/2025/03/tramway-t3.jpg"
    assert first.language == "fr"
    assert "six nouvelles stations" in first.summary
    assert "T3 & la mise" in first.summary


def test_rss2_images_from_thumbnail_enclosure_and_content() -> None:
    by_title = {e.title: e for e in parse("rss2_fr.xml").entries}
    assert by_title["Agadir accueille le Forum de l'économie bleue"].image_url.endswith(
        "agadir-forum-300x169.jpg"
    )
    derby = by_title["Botola Pro : le Raja s’impose face au Wydad (2-1)"]
    assert derby.image_url == "https://cdn.matin-atlas.ma/uploads/2025/03/derby-large.jpg"
    # Relative <img> in the description, resolved against the feed URL.
    meteo = by_title["Météo : fortes averses attendues sur le Nord"]
    assert meteo.image_url == "https://www.matin-atlas.ma/uploads/2025/03/meteo.png"
    assert meteo.url == "https://www.matin-atlas.ma/meteo/averses-nord"  # fbclid removed


def test_titles_are_plain_text() -> None:
    titles = [e.title for e in parse("rss2_fr.xml").entries]
    assert "Botola Pro : le Raja s’impose face au Wydad (2-1)" in titles  # tags stripped
    atom = parse("atom_en.xml")
    assert atom.entries[0].title == "Tunisia & Algeria sign gas interconnection deal"


def test_sanitizing_removes_scripts_and_handlers() -> None:
    for name in ("rss2_fr.xml", "atom_en.xml", "jsonfeed.json", "malformed.xml"):
        for entry in parse(name).entries:
            for text in (entry.summary_html, entry.summary, entry.title):
                low = text.lower()
                assert "<script" not in low, (name, text)
                assert "alert(" not in low and "track(" not in low and "evil(" not in low, (name, text)
                assert "onclick" not in low and "onerror" not in low and "onmouseover" not in low
                assert "javascript:" not in low
                assert "style=" not in low
    first = parse("rss2_fr.xml").entries[0]
    assert first.summary_html.startswith("<p>La société")
    assert "<b>six nouvelles stations</b>" in first.summary_html


def test_atom_english_with_xml_base() -> None:
    feed = parse("atom_en.xml", url="https://www.northafrica-post.example/atom.xml")
    assert feed.format == "atom"
    assert feed.language == "en"
    assert len(feed.entries) == 3
    deal, metro, tourism = feed.entries
    assert deal.url == "https://www.northafrica-post.example/energy/tunisia-algeria-gas-deal"
    assert deal.identity == "tag:northafrica-post.example,2025:article-9911"
    assert deal.authors == ("Amira Haddad", "John Miles")
    assert deal.categories == ("Energy", "Tunisia")
    assert deal.published == datetime(2025, 3, 11, 7, 15, tzinfo=UTC)
    assert deal.updated == datetime(2025, 3, 11, 8, 0, tzinfo=UTC)
    assert deal.image_url == "https://www.northafrica-post.example/img/transmed.jpg"
    assert metro.language == "fr"  # entry xml:lang wins over the feed's
    assert metro.url == "https://www.northafrica-post.example/transport/algiers-metro"
    assert metro.published == datetime(2025, 3, 10, 16, 45, tzinfo=UTC)  # from <updated>
    assert tourism.url == "https://www.northafrica-post.example/economy/tourism-record-february"
    assert "<strong>18%</strong>" in tourism.summary_html


def test_rdf() -> None:
    feed = parse("rdf_fr.rdf")
    assert feed.format == "rdf"
    assert feed.language == "fr"
    assert [e.published for e in feed.entries] == [
        datetime(2025, 3, 11, 10, 0, tzinfo=UTC),
        datetime(2025, 3, 10, 14, 30, tzinfo=UTC),
        datetime(2025, 3, 9, 8, 0, tzinfo=UTC),
    ]
    assert feed.entries[1].authors == ("Leïla Trabelsi",)
    assert feed.entries[1].categories == ("Culture",)


def test_rss091_latin1_with_doctype() -> None:
    feed = parse("rss091.xml")
    assert feed.format == "rss"
    assert feed.title == "La Presse du Sud"
    assert [e.title for e in feed.entries] == [
        "Gabès : réouverture du marché central",
        "Djerba : saison touristique prometteuse",
        "Médenine : nouvelles pistes rurales",
    ]
    assert feed.entries[0].url == "http://www.presse-sud.example/article.php?id=3312"
    assert feed.entries[0].published is None


def test_json_feed() -> None:
    feed = parse("jsonfeed.json", url="https://www.oran-info.example/feed.json")
    assert (feed.format, feed.parser, feed.title, feed.language) == ("json", "json", "Oran Info", "fr")
    rai, port, mco = feed.entries
    assert rai.identity == "oran-info-7781"
    assert rai.url == "https://www.oran-info.example/culture/rai-festival-2025"
    assert rai.authors == ("Fatima Zohra Belkacem", "Redaction")
    assert rai.categories == ("Culture", "Musique")
    assert rai.image_url == "https://www.oran-info.example/img/rai.jpg"
    assert rai.published == datetime(2025, 3, 11, 8, 0, tzinfo=UTC)
    assert rai.updated == datetime(2025, 3, 11, 9, 30, tzinfo=UTC)
    assert port.url == "https://www.oran-info.example/economie/port-oran-conteneurs"
    assert port.authors == ("Amine Kaddour",)  # JSON Feed 1.0 "author"
    assert mco.url == "https://www.aps.example/fr/sport/mco-victoire"  # external_url


def test_json_feed_content_html_sanitized() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": ['
        b'{"id": 1, "url": "https://x.example/a", "title": "A",'
        b' "content_html": "<p onclick=\\"x()\\">Bonjour</p><script>evil()</script>"}]}'
    )
    entry = parse_feed(body, url="https://x.example/feed.json", now=NOW).entries[0]
    assert entry.identity == "1"
    assert entry.summary_html == "<p>Bonjour</p>"
    assert entry.summary == "Bonjour"


def test_arabic_windows_1256() -> None:
    raw = load("rss_ar_cp1256.xml")
    assert b'encoding="windows-1256"' in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is windows-1256
    feed = parse_feed(raw, url="https://www.sawt-djazair.dz/rss", now=NOW)
    assert feed.title == "صوت الجزائر - آخر الأخبار"
    assert feed.language == "ar"
    first = feed.entries[0]
    assert first.title == "الحكومة تعلن عن خطة جديدة لدعم الفلاحين في الهضاب العليا"
    assert first.authors == ("مراد بن علي",)
    assert first.categories == ("اقتصاد",)
    assert "برنامج لدعم صغار الفلاحين" in first.summary
    assert first.language == "ar"


def test_caller_encoding_overrides_detection_and_wrong_hint_is_ignored() -> None:
    raw = load("rss_ar_cp1256.xml")
    good = parse_feed(raw, url="https://www.sawt-djazair.dz/rss", encoding="cp1256", now=NOW)
    wrong = parse_feed(raw, url="https://www.sawt-djazair.dz/rss", encoding="utf-8", now=NOW)
    assert good.entries[1].title == wrong.entries[1].title == "مولودية الجزائر يتأهل إلى نصف نهائي الكأس"


def test_news_sitemap() -> None:
    feed = parse("news_sitemap.xml", url="https://www.lematin-dz.example/sitemap-news.xml")
    assert (feed.format, feed.parser) == ("sitemap", "sitemap")
    budget, autoroute, jsk = feed.entries
    assert budget.title == "L'APN adopte la loi de finances complémentaire & ses amendements"
    assert budget.url == "https://www.lematin-dz.example/actualite/budget-2025-adopte"
    assert budget.published == datetime(2025, 3, 11, 8, 45, tzinfo=UTC)
    assert budget.updated == datetime(2025, 3, 11, 9, 15, tzinfo=UTC)
    assert budget.language == "fr"
    assert budget.image_url == "https://www.lematin-dz.example/img/apn-budget.jpg"
    assert autoroute.language == "ar"
    assert autoroute.title == "افتتاح مقطع جديد من الطريق السيار شرق-غرب"
    assert jsk.url == "https://www.lematin-dz.example/sport/jsk-coupe-caf"


def test_plain_sitemap_and_index() -> None:
    urlset = parse("sitemap_urlset.xml", url="https://www.alyaoum-maroc.example/sitemap.xml")
    assert urlset.format == "sitemap"
    assert [e.url for e in urlset.entries] == [
        "https://www.alyaoum-maroc.example/politique/session-parlement-avril",
        "https://www.alyaoum-maroc.example/economie/inflation-fevrier",
    ]
    assert urlset.entries[0].published == datetime(2025, 3, 11, 8, 0, tzinfo=UTC)
    index = parse("sitemap_index.xml", url="https://www.lematin-dz.example/sitemap.xml")
    assert index.format == "sitemap_index"
    assert index.entries == ()
    assert index.sitemaps == (
        "https://www.lematin-dz.example/sitemap-news.xml",
        "https://www.lematin-dz.example/sitemap-2025-03.xml",
        "https://www.lematin-dz.example/sitemap-2025-02.xml",
    )


def test_malformed_feed_is_salvaged_without_losing_text() -> None:
    feed = parse("malformed.xml", url="https://www.rif-actu.example/feed")
    assert feed.parser == "feedparser"
    assert feed.title == "Rif Actu & Nador"
    assert len(feed.entries) == 3
    first = feed.entries[0]
    assert first.url == "https://www.rif-actu.example/nador-west-med-essais?id=12&ref=home"
    assert "arrivées & les essais" in first.summary


def test_leading_junk_before_the_feed_is_skipped() -> None:
    body = b"<br />\n<b>Warning</b>: Undefined index in /var/www/feed.php<br />\n" + load("rss2_fr.xml")
    assert len(parse_feed(body, url="https://www.matin-atlas.ma/feed/", now=NOW).entries) == 4


# --- identities ----------------------------------------------------------------------------


def test_identity_is_stable_across_parses() -> None:
    for name in ("rss2_fr.xml", "atom_en.xml", "jsonfeed.json", "news_sitemap.xml", "naive_dates.xml"):
        a = [e.identity for e in parse(name).entries]
        b = [e.identity for e in parse(name).entries]
        assert a == b and len(set(a)) == len(a)


def test_guidless_entries_use_canonical_url_and_utm_variants_collapse() -> None:
    template = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<link>https://ex.ma/</link><item><title>Article</title><link>{}</link></item>"
        "</channel></rss>"
    )
    identities = {
        parse_feed(template.format(link).encode(), url="https://ex.ma/feed", now=NOW).entries[0].identity
        for link in (
            "https://ex.ma/a?utm_source=rss&amp;utm_medium=feed",
            "https://EX.ma/a?utm_campaign=x#comments",
            "https://ex.ma/a",
        )
    }
    assert identities == {"https://ex.ma/a"}


def test_identity_falls_back_to_title_and_date_hash() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Sans lien</title><pubDate>Mon, 10 Mar 2025 10:00:00 +0000</pubDate></item>"
        b"<item><title>Sans lien</title><pubDate>Tue, 11 Mar 2025 10:00:00 +0000</pubDate></item>"
        b"</channel></rss>"
    )
    entries = parse_feed(body, url="https://ex.ma/feed", now=NOW).entries
    assert len(entries) == 2
    assert all(e.identity.startswith("sha1:") for e in entries)
    assert entries[0].identity != entries[1].identity
    assert entries[0].url == ""


def test_junk_guid_shared_by_all_items_is_ignored() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>A</title><link>https://ex.ma/a</link><guid>https://ex.ma/</guid></item>"
        b"<item><title>B</title><link>https://ex.ma/b</link><guid>https://ex.ma/</guid></item>"
        b"</channel></rss>"
    )
    entries = parse_feed(body, url="https://ex.ma/feed", now=NOW).entries
    assert [e.identity for e in entries] == ["https://ex.ma/a", "https://ex.ma/b"]
    assert entries[0].guid is None


def test_permalink_guid_is_canonicalised() -> None:
    derby = [e for e in parse("rss2_fr.xml").entries if e.title.startswith("Botola")][0]
    assert derby.identity == "https://www.matin-atlas.ma/sport/botola-raja-wydad-derby"


# --- dates ---------------------------------------------------------------------------------


def test_future_dates_are_clamped_to_now() -> None:
    feed = parse("future_date.xml")
    assert feed.entries[0].published == NOW
    assert feed.entries[1].published == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def test_naive_dates_are_read_in_the_source_timezone() -> None:
    algiers = parse("naive_dates.xml", default_tz="Africa/Algiers")  # UTC+1, no DST
    assert [e.published for e in algiers.entries] == [
        datetime(2025, 3, 11, 13, 30, tzinfo=UTC),
        datetime(2025, 3, 10, 19, 0, tzinfo=UTC),
        datetime(2025, 3, 9, 11, 0, tzinfo=UTC),  # said GMT: the source zone does not apply
    ]
    utc = parse("naive_dates.xml")
    assert utc.entries[0].published == datetime(2025, 3, 11, 14, 30, tzinfo=UTC)
    assert all(e.published.tzinfo is UTC for e in algiers.entries if e.published)


@pytest.mark.parametrize(
    ("raw", "naive"),
    [
        ("2025-03-11 14:30:00", True),
        ("2025-03-11T14:30:00Z", False),
        ("2025-03-11T14:30:00+01:00", False),
        ("Mon, 10 Mar 2025 20:00:00", True),
        ("Mon, 10 Mar 2025 20:00:00 GMT", False),
        ("Mon, 10 Mar 2025 20:00:00 +0100", False),
        ("Mon, 10 Mar 2025 20:00:00 -0000", False),
    ],
)
def test_is_naive_date(raw: str, naive: bool) -> None:
    assert is_naive_date(raw) is naive


def test_parse_date_formats() -> None:
    assert parse_date("Mon, 10 Mar 2025 20:00:00 -0000") == datetime(2025, 3, 10, 20, 0, tzinfo=UTC)
    assert parse_date("2025-03-10", "Africa/Casablanca") == datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
    assert parse_date("2025-07-01 12:00", "Europe/Paris") == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert parse_date("hier soir") is None
    assert parse_date("") is None


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"   \n\t "])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(ParseError) as err:
        parse_feed(body, url="https://ex.ma/feed")
    assert err.value.kind == "empty"


@pytest.mark.parametrize(
    "body",
    [
        load("page.html"),
        b"<html><body><p>Erreur 404</p></body></html>",
        b"Service temporairement indisponible",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b'{"status": "ok", "data": []}',
        b'<?xml version="1.0"?><configuration><key>x</key></configuration>',
    ],
)
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(ParseError) as err:
        parse_feed(body, url="https://ex.ma/feed")
    assert err.value.kind == "not_a_feed"
    assert err.value.url == "https://ex.ma/feed"


@pytest.mark.parametrize(
    "body",
    [
        b'<rss version="2.0"><<<<>>>&&&',
        b'<feed xmlns="http://www.w3.org/2005/Atom">\x00\x01garbage',
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
    ],
)
def test_malformed(body: bytes) -> None:
    with pytest.raises(ParseError) as err:
        parse_feed(body, url="https://ex.ma/feed")
    assert err.value.kind == "malformed"


# --- discovery -----------------------------------------------------------------------------


def test_discover_feeds_from_alternate_links() -> None:
    html = load("page.html").decode("utf-8")
    assert discover_feeds(html, "https://www.matin-atlas.ma/") == [
        "https://www.matin-atlas.ma/feed/",
        "https://www.matin-atlas.ma/atom.xml",
        "https://www.matin-atlas.ma/feed.json",
        "https://www.matin-atlas.ma/api/feed.json",
    ]


def test_discover_feeds_honours_base_and_ignores_non_feeds() -> None:
    html = (
        '<html><head><base href="https://cdn.example/fr/">'
        '<link rel="alternate" type="application/rss+xml" href="rss.xml">'
        '<link rel="alternate stylesheet" type="text/css" href="x.css">'
        '<link rel="alternate" type="application/atom+xml" href="javascript:alert(1)">'
        "</head></html>"
    )
    assert discover_feeds(html, "https://www.example/") == ["https://cdn.example/fr/rss.xml"]
    assert discover_feeds("<p>pas de flux</p>", "https://www.example/") == []


def test_candidate_feed_urls() -> None:
    urls = candidate_feed_urls("https://www.matin-atlas.ma/societe/article?id=3")
    assert urls[0] == "https://www.matin-atlas.ma/feed"
    for expected in ("/feed/", "/rss", "/rss.xml", "/index.xml", "/atom.xml", "/?feed=rss2"):
        assert "https://www.matin-atlas.ma" + expected in urls
    assert len(urls) == len(set(urls))
    assert candidate_feed_urls("mailto:redaction@example.ma") == []


@pytest.mark.parametrize("rfc822", [True, False], ids=["rss", "atom"])
@pytest.mark.parametrize(
    "raw",
    ["Mon, 01 Jan 0001 00:00:00 +0000", "Sat, 01 Jan 0001 00:00:00", "0001-01-01T00:00:00Z",
     "Thu, 01 Jan 1970 00:00:00 GMT", "1970-01-01T00:00:00Z", "1970-01-01"],
)
def test_placeholder_dates_are_no_date(raw: str, rfc822: bool) -> None:
    # "0001" was read as 2001 (two-digit year rules), 1970 kept as a real date: both are a
    # CMS's "no date". The entry then takes its other date (<updated>), or none.
    if rfc822:
        doc = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
               f"<item><title>A</title><link>https://ex.ma/a</link><pubDate>{raw}</pubDate></item>"
               f"<item><title>B</title><link>https://ex.ma/b</link><pubDate>{raw}</pubDate>"
               "<dc:date xmlns:dc='http://purl.org/dc/elements/1.1/'>2025-03-10T09:00:00Z</dc:date>"
               "</item></channel></rss>")
    else:
        doc = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
               f'<entry><title>A</title><id>urn:a</id><link href="https://ex.ma/a"/><published>{raw}</published></entry>'
               f'<entry><title>B</title><id>urn:b</id><link href="https://ex.ma/b"/><published>{raw}</published>'
               "<updated>2025-03-10T09:00:00Z</updated></entry></feed>")
    entries = parse_feed(doc.encode(), url="https://ex.ma/feed", now=NOW).entries
    assert entries[0].published is None
    if not rfc822:
        assert entries[1].published == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert parse_date(raw) is None


def test_real_old_dates_and_two_digit_years_are_kept() -> None:
    assert parse_date("Fri, 31 Dec 1999 23:00:00 GMT") == datetime(1999, 12, 31, 23, 0, tzinfo=UTC)
    assert parse_date("Mon, 01 Jan 01 00:00:00 GMT") == datetime(2001, 1, 1, tzinfo=UTC)  # RFC 822 "01"
