"""The one ingestion path end to end: registry → fetch (real HTTP on 127.0.0.1) → parse → extract → store."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone as dj_timezone

from akhbar.news.models import Article, ArticleRevision
from akhbar.pipeline.fetching import make_fetcher
from akhbar.pipeline.refresh import refresh_feed
from akhbar.sources.models import Feed, FetchLog, Source
from tests.press import FixturePress
from tests.web.press_site import AR_ARTICLE, EN_ARTICLE, FR_ARTICLES, build_site

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(tmp_path):
    with FixturePress() as press:
        site = build_site(press, tmp_path)
        call_command("sources", "import", site.registry, stdout=io.StringIO())
        yield site


def crawl(*slugs: str, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    args = ["crawl", "--once"]
    for slug in slugs:
        args += ["--source", slug]
    call_command(*args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def test_crawl_stores_each_article_once_with_title_date_language(site):
    out = crawl("lematin-test", "alakhbar-test", "tunisdaily-test")
    assert "lematin-test: ok" in out and "new=2" in out

    fr = Article.objects.filter(source__slug="lematin-test").order_by("published")
    assert [a.title for a in fr] == [FR_ARTICLES[1]["title"], FR_ARTICLES[0]["title"]]
    tanger = fr.get(title=FR_ARTICLES[0]["title"])
    # Tracking parameters are gone from the stored URL.
    assert tanger.url == site.url("/fr/port-tanger-med-record.html")
    assert tanger.published == datetime(2020, 12, 17, 8, 30, tzinfo=UTC)
    assert tanger.language == "fr"
    assert tanger.extracted
    assert "dix millions de conteneurs" in tanger.text
    assert "Premier commentaire" not in tanger.text  # comments are not the article
    assert tanger.authors == ["Salma Idrissi"]

    ar = Article.objects.get(source__slug="alakhbar-test")
    assert ar.title == AR_ARTICLE["title"]  # windows-1256 feed and page decoded right
    assert "الحسيمة" in ar.text
    assert ar.language == "ar"

    en = Article.objects.get(source__slug="tunisdaily-test")
    assert en.title == EN_ARTICLE["title"] and en.language == "en"
    assert en.published == datetime(2020, 12, 16, 10, 0, tzinfo=UTC)
    assert Article.objects.count() == 4


def test_second_crawl_is_conditional_and_stores_nothing_new(site):
    crawl("lematin-test")
    count, pages = Article.objects.count(), len(site.press.requests_for("/fr/pluies-rabat-ecoles.html"))
    crawl("lematin-test")
    feed_requests = site.press.requests_for("/fr/feed.xml")
    assert len(feed_requests) == 2
    second = feed_requests[1].headers
    assert second.get("if-none-match") == '"fr-v1"'
    assert second.get("if-modified-since") == "Thu, 17 Dec 2020 09:31:00 GMT"
    assert Article.objects.count() == count
    assert len(site.press.requests_for("/fr/pluies-rabat-ecoles.html")) == pages == 1
    assert Feed.objects.get(url=site.feeds["fr"]).last_status == 304
    assert not any(r.method == "HEAD" for r in site.press.requests)


def test_unchanged_feed_without_validators_fetches_no_page_again(site):
    # The Arabic route has no ETag: the feed comes back whole, but known entries are skipped.
    crawl("alakhbar-test")
    crawl("alakhbar-test")
    assert len(site.press.requests_for("/ar/rss.xml")) == 2
    assert len(site.press.requests_for(f"/ar/{AR_ARTICLE['slug']}.html")) == 1
    assert Article.objects.filter(source__slug="alakhbar-test").count() == 1


def test_robots_disallowed_entry_is_neither_fetched_nor_stored(site):
    crawl("lematin-test")
    assert not site.press.requests_for("/prive/dossier.html")
    assert not Article.objects.filter(title="Dossier réservé").exists()
    assert not Article.objects.filter(url__contains="/prive/").exists()


def test_broken_feeds_are_recorded_and_do_not_stop_others(site):
    err = io.StringIO()
    out = crawl(stderr=err)
    kinds = {f.source.slug: f.error_kind for f in Feed.objects.select_related("source")}
    assert kinds["broken-500"] == "http_500"
    assert kinds["broken-slow"] == "timeout"
    assert kinds["broken-huge"] == "too_large"
    assert kinds["broken-invalid"] in ("malformed", "not_a_feed")
    assert kinds["broken-429"] == "http_429"
    assert kinds["lematin-test"] == "" and kinds["tunisdaily-test"] == ""
    assert Article.objects.count() == 4  # the healthy outlets were ingested
    for slug in ("broken-500", "broken-slow", "broken-huge"):
        feed = Feed.objects.get(source__slug=slug)
        assert feed.error_count == 1 and feed.next_poll_at > dj_timezone.now()
        assert FetchLog.objects.filter(feed=feed, error_kind=feed.error_kind).exists()
        assert f"{slug}: failed" in out
    # The failing summary, by error kind, as akhbar run's round line says it.
    summary = err.getvalue().strip().splitlines()[-1]
    assert summary.startswith("crawl: 8 feeds refreshed, 4 articles stored, 5 feeds failing: ")
    assert all(f"1 {kind}" in summary for kind in ("http_500", "timeout", "too_large", "http_429"))


def test_retry_after_delays_next_poll(site):
    before = dj_timezone.now()
    crawl("broken-429")
    feed = Feed.objects.get(source__slug="broken-429")
    assert feed.error_kind == "http_429" and feed.last_status == 429
    assert feed.next_poll_at >= before + timedelta(seconds=7200)


def test_errors_back_off_and_recover(site):
    feed = Feed.objects.get(source__slug="broken-500")
    with make_fetcher() as fetcher:
        refresh_feed(feed.pk, fetcher=fetcher)
        first = Feed.objects.get(pk=feed.pk)
        refresh_feed(feed.pk, fetcher=fetcher)
        second = Feed.objects.get(pk=feed.pk)
        assert second.error_count == 2
        # The source is fixed: the next refresh clears the error and schedules a normal poll.
        site.press.route("/broken/500.xml", site.press.requests and
                         '<?xml version="1.0"?><rss version="2.0"><channel><title>ok</title>'
                         "</channel></rss>", content_type="application/rss+xml")
        refresh_feed(feed.pk, fetcher=fetcher)
    healed = Feed.objects.get(pk=feed.pk)
    assert first.error_count == 1
    assert healed.error_count == 0 and healed.error_kind == "" and healed.last_success_at


def test_future_dated_page_gets_no_future_date(site):
    press = site.press
    future = (datetime.now(UTC) + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    from tests.web.press_site import article_page, rss

    press.route("/fr/feed.xml", rss([{
        "title": "Le budget 2021 adopté en commission", "link": press.url("/fr/budget.html"),
        "date": future, "summary": "Le projet de loi de finances a été adopté."}],
        title="Le Matin Test", link=press.url("/fr/"), lang="fr"), content_type="application/rss+xml")
    press.route("/fr/budget.html", article_page(
        "Le budget 2021 adopté en commission",
        ["Le projet de loi de finances pour 2021 a été adopté en commission mardi soir après "
         "une longue séance de débats entre la majorité et l'opposition sur les recettes."] * 3,
        lang="fr", iso=(datetime.now(UTC) + timedelta(days=30)).isoformat()),
        content_type="text/html")
    crawl("lematin-test")
    article = Article.objects.get(title="Le budget 2021 adopté en commission")
    now = dj_timezone.now()
    assert article.published <= now
    # Both dates were in the future (feed and page): both kept, both clamped.
    assert article.feed_published is not None and article.feed_published <= now
    assert article.page_published is not None and article.page_published <= now


def test_corrected_article_becomes_a_revision(site):
    press = site.press
    crawl("lematin-test")
    original = Article.objects.get(title=FR_ARTICLES[1]["title"])
    # The outlet corrects the figure and bumps the entry in its feed.
    from tests.web.press_site import article_page, rss

    corrected = dict(FR_ARTICLES[1])
    corrected["title"] = "Fortes pluies à Rabat : les écoles fermées jeudi et vendredi"
    corrected["paras"] = [p.replace("soixante", "quatre-vingts") for p in FR_ARTICLES[1]["paras"]]
    items = [{"title": corrected["title"],
              "link": press.url(f"/fr/{corrected['slug']}.html"),
              "date": corrected["date"], "summary": corrected["paras"][0]}]
    press.route("/fr/feed.xml", rss(items, title="Le Matin Test", link=press.url("/fr/"), lang="fr"),
                content_type="application/rss+xml", etag='"fr-v2"')
    press.route(f"/fr/{corrected['slug']}.html",
                article_page(corrected["title"], corrected["paras"], lang="fr",
                             iso=corrected["iso"]), content_type="text/html")
    crawl("lematin-test")
    article = Article.objects.get(pk=original.pk)  # same id
    assert article.title == corrected["title"]
    assert "quatre-vingts" in article.text
    assert article.revision == 2
    rev = ArticleRevision.objects.get(article=article)
    assert rev.number == 1 and rev.title == FR_ARTICLES[1]["title"] and "soixante" in rev.text
    # Seen again unchanged: no new revision, no page fetch.
    pages = len(press.requests_for(f"/fr/{corrected['slug']}.html"))
    crawl("lematin-test")
    assert Article.objects.get(pk=original.pk).revision == 2
    assert len(press.requests_for(f"/fr/{corrected['slug']}.html")) == pages


def test_page_that_cannot_be_extracted_keeps_feed_title_and_summary(site):
    press = site.press
    from tests.web.press_site import rss

    press.route("/fr/feed.xml", rss([{
        "title": "Séisme ressenti à Al Hoceima", "link": press.url("/fr/seisme.html"),
        "date": "Thu, 17 Dec 2020 10:00:00 +0100",
        "summary": "Une secousse de magnitude 4,2 a été ressentie jeudi matin."}],
        title="Le Matin Test", link=press.url("/fr/"), lang="fr"), content_type="application/rss+xml")
    press.route("/fr/seisme.html", "gone", status=404)
    crawl("lematin-test")
    article = Article.objects.get(title="Séisme ressenti à Al Hoceima")
    assert not article.extracted and article.extract_error == "http_404"
    assert "magnitude 4,2" in article.text


def test_sources_import_is_idempotent(site):
    out = io.StringIO()
    call_command("sources", "import", site.registry, stdout=out)
    assert "0 created" in out.getvalue() and "8 unchanged" in out.getvalue()
    assert Source.objects.count() == 8 and Feed.objects.count() == 8
    out = io.StringIO()
    call_command("sources", "list", stdout=out)
    lines = [ln for ln in out.getvalue().splitlines() if not ln.startswith("#")]  # legend
    assert len(lines) == 8 and any(line.startswith("lematin-test") for line in lines)


def test_lead_image_is_cached_once_and_served_by_akhbar(site, client):
    import json

    crawl("lematin-test", "tunisdaily-test")
    assert len(site.press.requests_for("/img/lead.jpg")) == 1  # shared by 3 articles: one fetch
    article = Article.objects.get(title=FR_ARTICLES[0]["title"])
    image = article.image
    assert image is not None and image.cached and image.widths == [320, 640]
    assert (image.width, image.height) == (900, 600) and len(image.phash) == 16
    html = client.get(f"/fr/articles/{article.pk}/").content.decode()
    assert f'src="/images/{image.pk}/640.jpg"' in html and "image/webp" in html
    assert site.press.base_url not in html.split("<article")[1].split("</article>")[0].replace(
        f'href="{article.url}"', "")  # no outlet URL in the page but the link back
    resp = client.get(f"/images/{image.pk}/320.webp")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/webp"
    assert b"".join(resp.streaming_content)[8:12] == b"WEBP"
    assert "max-age" in resp["Cache-Control"]
    item = json.loads(client.get("/api/v1/articles?source=lematin-test").content)["items"][0]
    assert item["image"]["url"].endswith(f"/images/{image.pk}/640.jpg")
    assert client.get(f"/images/{image.pk}/999.jpg").status_code == 404
    image.status = "blocked"
    image.save()
    assert client.get(f"/images/{image.pk}/320.webp").status_code == 404
    assert f"/images/{image.pk}/" not in client.get(f"/fr/articles/{article.pk}/").content.decode()


def test_broken_image_leaves_the_article_without_picture(site):
    site.press.route("/img/lead.jpg", "<html>not an image</html>", content_type="image/jpeg")
    crawl("lematin-test")
    article = Article.objects.get(title=FR_ARTICLES[0]["title"])
    assert article.extracted and article.image is not None
    assert not article.image.cached and article.image.error_kind == "not_an_image"


def test_articles_get_a_section_from_categories_paths_and_source_rules(site):
    from tests.web.press_site import rss

    press = site.press
    items = [
        {"title": "Le dirham se stabilise face à l'euro", "link": press.url("/fr/eco/dirham.html"),
         "date": "Thu, 17 Dec 2020 10:00:00 +0100", "summary": "Marché des changes."},
        {"title": "Le Wydad s'impose à Casablanca", "link": press.url("/fr/sport/wydad.html"),
         "date": "Thu, 17 Dec 2020 11:00:00 +0100", "summary": "Botola."},
        {"title": "Séance plénière au Parlement", "link": press.url("/fr/nation/seance.html"),
         "date": "Thu, 17 Dec 2020 12:00:00 +0100", "summary": "Questions orales."},
    ]
    feed = rss(items, title="Le Matin Test", link=press.url("/fr/"), lang="fr")
    # The first item carries a feed category: inject it into the RSS item.
    feed = feed.replace("<title>Le dirham", "<category>Économie</category><title>Le dirham", 1)
    press.route("/fr/feed.xml", feed, content_type="application/rss+xml")
    Source.objects.filter(slug="lematin-test").update(sections={"politics": ["path:/nation/"]})
    crawl("lematin-test")
    sections = dict(Article.objects.filter(source__slug="lematin-test").values_list("title", "section"))
    assert sections["Le dirham se stabilise face à l'euro"] == "economy"  # feed category
    assert sections["Le Wydad s'impose à Casablanca"] == "sports"  # URL path
    assert sections["Séance plénière au Parlement"] == "politics"  # the source's own rule


def test_a_failing_robots_txt_pauses_the_feed_with_its_own_error_kind(tmp_path):
    from akhbar.sources.errors import error_label
    from tests.web.factories import make_source

    with FixturePress() as press:
        press.route("/robots.txt", "Service Unavailable", status=503)
        press.route("/rss.xml", "<rss version='2.0'><channel><title>t</title></channel></rss>",
                    content_type="application/rss+xml")
        source = make_source("robots-503", "Robots 503")
        feed = Feed.objects.create(source=source, url=press.url("/rss.xml"))
        with make_fetcher() as fetcher:
            refresh_feed(feed.pk, fetcher=fetcher)
        assert press.requests_for("/rss.xml") == []  # RFC 9309: unreachable means wait
    feed.refresh_from_db()
    # Not "disallowed by robots.txt": the outlet forbids nothing, its server is failing.
    assert feed.error_kind == "robots_unreachable"
    assert "HTTP 503" in feed.error_message
    assert "robots.txt" in error_label(feed.error_kind) and "forbids" not in error_label(feed.error_kind)
