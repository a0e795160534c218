"""Article extraction on fixture pages written for these tests (fr, ar, en; several charsets)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree
from trafilatura.utils import load_html

from akhbar.ingest.errors import ExtractError
from akhbar.ingest.extract.article import extract_article
from akhbar.ingest.extract.body import drop_boilerplate_blocks, find_standfirst
from akhbar.ingest.extract.command import run_extract
from akhbar.ingest.extract.dates import dates_in, printed_date
from akhbar.ingest.extract.language import detect_language
from akhbar.ingest.extract.metadata import (
    choose_title,
    parse_date,
    person_names,
    read_page_metadata,
    strip_site_name,
    tidy_headline,
)
from akhbar.ingest.extract.notices import is_boilerplate_block
from akhbar.ingest.extract.rules import ExtractRules, RuleError
from akhbar.ingest.types import ArticleDraft, FeedEntry

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def extract(name: str, **kwargs: object) -> ArticleDraft:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("url", f"https://news.example/{name}")
    return extract_article(page(name), **kwargs)  # type: ignore[arg-type]


def assert_clean_html(html: str) -> None:
    lowered = html.lower()
    assert html.startswith("<p>")
    for bad in ("<script", "onclick", "<style", "<form", "<button", "javascript:"):
        assert bad not in lowered


def test_french_moroccan_page_with_json_ld() -> None:
    draft = extract("fr_maroc_jsonld.html", url="https://www.echo-atlas.ma/economie/t3?utm_source=rss")
    assert draft.title == "Casablanca : le tramway T3 entre en service avant l'été"
    # JSON-LD 09:45 at +01:00 is 08:45 UTC.
    assert draft.published == datetime(2024, 3, 12, 8, 45, tzinfo=UTC)
    assert draft.authors == ("Salma Bennani",)
    assert draft.image_url == "https://www.echo-atlas.ma/media/2024/03/tramway-t3.jpg"
    assert draft.language == "fr"
    assert draft.sitename == "L'Écho de l'Atlas"
    assert draft.url == "https://www.echo-atlas.ma/economie/t3"  # tracking parameter removed
    assert draft.extracted and draft.error is None
    assert draft.text.startswith("La troisième ligne du tramway de Casablanca")
    assert "3,2 milliards de dirhams" in draft.text
    assert "indemnisation pour les mois de fermeture" in draft.text
    assert draft.text.count("\n\n") >= 3  # paragraphs kept apart
    # Boilerplate around the article: comments, cookie banner, related links, sidebar, footer.
    for junk in ("Sidi Moumen", "horaires seront respectés", "cookies", "Tanger Med",
                 "Les plus lus", "Derby", "Tous droits réservés", "Partager sur Facebook"):
        assert junk not in draft.text
    assert "3,2 milliards" in draft.html
    assert_clean_html(draft.html)


def test_arabic_windows_1256_page_decodes() -> None:
    content = page("ar_cp1256.html")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # the fixture really is windows-1256
    draft = extract_article(content, url="https://sawt-charq.example/regions/sdoud", now=NOW)
    assert draft.title == "ارتفاع منسوب السدود في الجهة الشرقية بعد أمطار الأسبوع الماضي"
    assert "نسبة ملء سد محمد الخامس بلغت ثمانية وثلاثين في المائة" in draft.text
    assert "\ufffd" not in draft.text and "Ø" not in draft.text
    assert draft.language == "ar"
    assert draft.authors == ("محمد العلوي",)
    assert draft.published == datetime(2024, 2, 20, 15, 30, tzinfo=UTC)
    # A relative og:image is resolved against the page URL.
    assert draft.image_url == "https://sawt-charq.example/uploads/2024/02/barrage-oriental.jpg"
    for junk in ("تسربات الشبكة", "أخبار ذات صلة", "ملفات تعريف الارتباط", "جميع الحقوق محفوظة"):
        assert junk not in draft.text
    assert_clean_html(draft.html)


def test_explicit_encoding_is_used() -> None:
    draft = extract("ar_cp1256.html", encoding="windows-1256")
    assert "سد محمد الخامس" in draft.text
    # Text input is taken as already decoded.
    text = page("ar_cp1256.html").decode("cp1256")
    assert extract_article(text, url="https://sawt-charq.example/a", now=NOW).title == draft.title


def test_date_without_zone_is_read_in_source_timezone() -> None:
    tunis = extract("ar_tunis_naive.html", source_timezone="Africa/Tunis")
    assert tunis.published == datetime(2024, 4, 19, 17, 30, tzinfo=UTC)  # 18:30 in Tunis (UTC+1)
    assert tunis.published.tzinfo is UTC
    unknown = extract("ar_tunis_naive.html")
    assert unknown.published == datetime(2024, 4, 19, 18, 30, tzinfo=UTC)
    assert tunis.title == "تونس: انطلاق الدورة الجديدة لمعرض الكتاب بمشاركة ثلاثين دولة"
    assert tunis.authors == ("سنية الماجري",)
    assert tunis.language == "ar"
    assert tunis.text.startswith("انطلقت مساء اليوم الجمعة")
    assert "الأسعار ما زالت مرتفعة" not in tunis.text  # a reader's comment
    assert "أيام قرطاج السينمائية" not in tunis.text  # related link


def test_english_algerian_page() -> None:
    draft = extract("en_algeria.html")
    assert draft.title == "Algeria signs gas supply deal with Italy's Eni for 2025 deliveries"
    assert draft.published == datetime(2024, 1, 23, 14, 10, tzinfo=UTC)
    assert draft.authors == ("Karim Haddad",)
    assert draft.language == "en"
    assert draft.image_url == "https://algiersmirror.example/wp-content/uploads/2024/01/pipeline.jpg"
    assert draft.text.startswith("ALGIERS — State energy company Sonatrach")
    assert "forty exploration wells" in draft.text
    for junk in ("electricity cuts", "We use cookies", "Dinar steadies", "Most read", "All rights reserved"):
        assert junk not in draft.text
    assert_clean_html(draft.html)


def test_future_date_is_clamped_to_now() -> None:
    draft = extract("fr_future.html")
    assert draft.published == NOW
    assert "nouvelle gare routière de Sfax" in draft.text
    assert "depuis 2015" not in draft.text  # comment


def test_iso_8859_1_french_page() -> None:
    draft = extract("fr_latin1.html")
    assert draft.title == "Annaba : les pêcheurs réclament un nouveau port de plaisance"
    assert "une centaine de pêcheurs artisanaux d'Annaba" in draft.text
    assert "« Nos barques sont amarrées à trois rangs" in draft.text
    assert draft.published == datetime(2023, 11, 7, 9, 20, tzinfo=UTC)
    assert draft.authors == ("Amel Boudiaf",)
    assert draft.language == "fr"
    assert "saison de la sardine" not in draft.text


def test_page_without_text_raises_empty() -> None:
    with pytest.raises(ExtractError) as info:
        extract("fr_video_empty.html")
    assert info.value.kind == "empty"


def test_page_without_text_falls_back_on_feed_entry() -> None:
    entry = FeedEntry(
        identity="https://www.echo-atlas.ma/videos/crue-ziz",
        url="https://www.echo-atlas.ma/videos/crue-ziz",
        title="Vidéo : la crue de l'oued Ziz",
        summary="La crue de l'oued Ziz a coupé la route nationale 13 près d'Errachidia.",
        summary_html="<p onclick='x()'>La crue de l'oued Ziz a coupé la route nationale 13.</p><script>x()</script>",
        authors=("Rédaction",),
    )
    draft = extract("fr_video_empty.html", fallback=entry, url=entry.url)
    assert draft.extracted is False
    assert draft.error == "empty"
    assert draft.title == entry.title
    assert draft.text == entry.summary
    assert "onclick" not in draft.html and "<script" not in draft.html
    assert draft.authors == ("Rédaction",)
    # The page's own metadata is still used: its date and its image.
    assert draft.published == datetime(2024, 4, 2, 17, 5, tzinfo=UTC)
    assert draft.image_url == "https://www.echo-atlas.ma/media/2024/04/crue-ziz.jpg"
    assert draft.language == "fr"


def test_binary_or_empty_content_is_not_an_article() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    with pytest.raises(ExtractError) as info:
        extract_article(png, url="https://news.example/x.png")
    assert info.value.kind == "not_html"
    with pytest.raises(ExtractError) as info:
        extract_article(b"  \n", url="https://news.example/empty")
    assert info.value.kind == "empty"
    entry = FeedEntry(identity="x", url="https://news.example/x", title="Titre", summary="Résumé du flux.")
    draft = extract_article(png, url=entry.url, fallback=entry, now=NOW)
    assert (draft.extracted, draft.error, draft.text) == (False, "not_html", "Résumé du flux.")


def test_provenance_is_recorded() -> None:
    fetched = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    draft = extract(
        "en_algeria.html",
        url="https://algiersmirror.example/?p=123",
        final_url="https://algiersmirror.example/economy/gas-deal-eni/",
        fetched_at=fetched,
    )
    assert draft.requested_url == "https://algiersmirror.example/?p=123"
    assert draft.final_url == "https://algiersmirror.example/economy/gas-deal-eni/"
    assert draft.fetched_at == fetched


def test_language_restricted_to_allowed() -> None:
    french = "Le gouvernement a présenté mardi un projet de loi sur la réforme des retraites."
    arabic = "أعلنت الحكومة يوم الثلاثاء عن مشروع قانون جديد لإصلاح نظام التقاعد."
    english = "The government unveiled a new pension reform bill on Tuesday."
    assert detect_language(french) == "fr"
    assert detect_language(arabic) == "ar"
    assert detect_language(english) == "en"
    assert detect_language(french, allowed=("ar", "en")) in ("ar", "en")
    assert detect_language(arabic, allowed=["fr", "ar"]) == "ar"
    assert detect_language("1234 — 5678") is None
    draft = extract("fr_maroc_jsonld.html", languages=("en", "ar"))
    assert draft.language in ("en", "ar")


def test_html_lang_is_not_trusted_against_the_text() -> None:
    # A CMS template that declares French around an English article.
    content = page("en_algeria.html").replace(b'<html lang="en">', b'<html lang="fr">')
    assert extract_article(content, url="https://algiersmirror.example/a", now=NOW).language == "en"


def test_title_helpers() -> None:
    assert strip_site_name("Derby : match nul - Le Matin", "Le Matin", None) == "Derby : match nul"
    assert strip_site_name("Hespress | Le Parlement vote le budget", None, "fr.hespress.com") == (
        "Le Parlement vote le budget"
    )
    # A colon inside the headline is not a site separator.
    assert strip_site_name("Tunisie : la saison touristique démarre", "La Presse", "lapresse.tn") == (
        "Tunisie : la saison touristique démarre"
    )
    assert choose_title("Gas deal with Eni for 2025", ["Algiers Mirror", "Algeria signs gas deal with Eni"]) == (
        "Algeria signs gas deal with Eni"
    )
    assert choose_title("Gas deal with Eni", ["Most read"]) == "Gas deal with Eni"
    assert choose_title(None, ["Headline"]) == "Headline"


def test_parse_date_forms() -> None:
    assert parse_date("2024-03-12T09:45:00+01:00") == datetime.fromisoformat("2024-03-12T09:45:00+01:00")
    assert parse_date("2024-01-23T14:10:00Z") == datetime(2024, 1, 23, 14, 10, tzinfo=UTC)
    assert parse_date("2024-04-19 18:30:00") == datetime(2024, 4, 19, 18, 30)  # naive stays naive
    assert parse_date("Tue, 23 Jan 2024 14:10:00 +0000") == datetime(2024, 1, 23, 14, 10, tzinfo=UTC)
    assert parse_date("hier") is None and parse_date("") is None


def test_run_extract_json_lines(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    binary = tmp_path / "image.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100))
    files = [str(PAGES / "fr_maroc_jsonld.html"), str(PAGES / "ar_cp1256.html"), str(empty), str(binary),
             str(tmp_path / "missing.html")]
    out = io.StringIO()
    assert run_extract(files, url="https://news.example/article", out=out) == 0
    raw_lines = out.getvalue().splitlines()
    assert len(raw_lines) == len(files)
    lines = [json.loads(line) for line in raw_lines]
    keys = {"file", "title", "text", "published", "authors", "image", "language", "sitename"}
    french, arabic, *bad = lines
    assert set(french) == keys and set(arabic) == keys
    assert french["file"] == files[0]
    assert french["title"] == "Casablanca : le tramway T3 entre en service avant l'été"
    assert french["published"] == "2024-03-12T08:45:00+00:00"
    assert french["authors"] == ["Salma Bennani"]
    assert french["language"] == "fr"
    assert arabic["language"] == "ar" and "سد محمد الخامس" in arabic["text"]
    # Non-ASCII written as is, one compact object per line.
    assert "سد محمد الخامس" in raw_lines[1] and "\\u" not in raw_lines[1]
    assert ", " not in raw_lines[0].split('"text"')[0]
    assert [line["error"]["kind"] for line in bad] == ["empty", "not_html", "unreadable"]
    for line in bad:
        assert set(line) == keys | {"error"}
        assert line["text"] == "" and line["error"]["message"]


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00+00:00", "1970-01-01T00:00:00Z",
                                         "Mon, 01 Jan 0001 00:00:00 +0000"])
def test_placeholder_dates_give_way_to_the_pages_other_dates(placeholder: str) -> None:
    body = "".join(f"<p>Le conseil municipal de Fès a voté le budget, paragraphe {i}, "
                   "après un long débat sur les transports et l'eau.</p>" for i in range(6))

    def html(meta: str) -> str:
        return (
            "<html lang='fr'><head><title>Fès vote son budget</title>"
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Fès vote '
            f'son budget", "datePublished": "{placeholder}"}}</script>{meta}</head>'
            f"<body><article><h1>Fès vote son budget</h1>{body}</article></body></html>"
        )

    real = '<meta property="article:published_time" content="2024-05-30T08:15:00+00:00">'
    draft = extract_article(html(real).encode(), url="https://ex.ma/fes", now=NOW)
    assert draft.published == datetime(2024, 5, 30, 8, 15, tzinfo=UTC)
    # With no other date, no date at all (the caller uses the feed's or the fetch time).
    assert extract_article(html("").encode(), url="https://ex.ma/fes", now=NOW).published is None
    assert parse_date(placeholder) is None


# --- issue 17: boilerplate, printed dates, bylines, per-outlet rules ---------------------------

LATER = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

BOILERPLATE_PAGES = {
    # page: (zone, kept text, removed boilerplate by kind)
    "fr_boilerplate.html": ("Africa/Tunis", "Un protocole sanitaire strict", {
        "share bar": "Partager sur Facebook", "read also": "Lire aussi", "newsletter": "lettre d'information",
        "follow": "Abonnez-vous", "caption and credit": "Photo : Karim", "related list": "Sur le même sujet",
        "cookie banner": "cookies", "date line": "Publié le",
    }),
    "ar_boilerplate.html": ("Africa/Casablanca", "الفرشة المائية", {
        "share bar": "شارك على فيسبوك", "read also": "اقرأ أيضا", "newsletter": "النشرة البريدية",
        "follow": "تابعونا", "related list": "مواضيع ذات صلة",
    }),
    "en_boilerplate.html": ("Africa/Algiers", "Exporters of dates and fertiliser", {
        "share bar": "Share on Facebook", "read also": "Read more", "newsletter": "Sign up",
        "cookie banner": "cookies", "date line": "Published December",
    }),
}


@pytest.mark.parametrize("name", sorted(BOILERPLATE_PAGES))
def test_boilerplate_is_removed_in_every_language(name: str) -> None:
    zone, kept, removed = BOILERPLATE_PAGES[name]
    draft = extract(name, source_timezone=zone, now=LATER)
    assert kept in draft.text
    leaks = {kind: snippet for kind, snippet in removed.items() if snippet in draft.text or snippet in draft.html}
    assert not leaks
    # The paragraphs stay in the page's order.
    paragraphs = draft.text.split("\n\n")
    assert len(paragraphs) == 4 and kept in paragraphs[-1]


def test_printed_date_lines_are_read_in_the_outlets_zone() -> None:
    # "Publié le 17/12/2020 à 10h30" in Tunis (UTC+1), not the top bar's "Jeudi 3 décembre 2026".
    fr = extract("fr_boilerplate.html", source_timezone="Africa/Tunis", now=LATER)
    assert fr.published == datetime(2020, 12, 17, 9, 30, tzinfo=UTC)
    # "الخميس 17 دجنبر 2020 - 10:30" (Moroccan month name) after the headline, not the header's
    # date before it; Casablanca was at UTC+1 then.
    ar = extract("ar_boilerplate.html", source_timezone="Africa/Casablanca", now=LATER)
    assert ar.published == datetime(2020, 12, 17, 9, 30, tzinfo=UTC)
    en = extract("en_boilerplate.html", source_timezone="Africa/Algiers", now=LATER)
    assert en.published == datetime(2020, 12, 17, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(("line", "expected"), [
    ("الخميس 17 دجنبر 2020", datetime(2020, 12, 17)),
    ("17 جانفي 2021 على الساعة 08:15", datetime(2021, 1, 17, 8, 15)),
    ("نشر في ٥ أبريل ٢٠٢٢", datetime(2022, 4, 5)),
    ("3 غشت 2019", datetime(2019, 8, 3)),
    ("12 جويلية 2023", datetime(2023, 7, 12)),
    ("1 كانون الثاني 2024", datetime(2024, 1, 1)),
    ("Publié le 17/12/2020 à 10h30", datetime(2020, 12, 17, 10, 30)),
    ("Mis en ligne le 1er mars 2021", datetime(2021, 3, 1)),
    ("mercredi 9 févr. 2022 - 18:05", datetime(2022, 2, 9, 18, 5)),
    ("Published December 17, 2020 at 10:30", datetime(2020, 12, 17, 10, 30)),
    ("17.12.2020", datetime(2020, 12, 17)),
])
def test_date_forms(line: str, expected: datetime) -> None:
    found = dates_in(line)
    assert found and found[0][0] == expected
    assert found[0][1] == (expected.hour != 0 or expected.minute != 0)


def test_printed_date_prefers_the_publication_line() -> None:
    lines = [("Jeudi 3 décembre 2026", False), ("Mis à jour le 18/12/2020", True),
             ("Publié le 17/12/2020", True)]
    found = printed_date(lines)
    assert found is not None and found.cued and found.value == datetime(2020, 12, 17)
    assert printed_date([("Mis à jour le 18/12/2020", True)]).value == datetime(2020, 12, 18)  # type: ignore[union-attr]
    assert printed_date(["sans date", "32/13/2020"]) is None


def test_feed_date_cross_checks_the_page() -> None:
    html = ("<html lang='fr'><head><title>Oujda inaugure sa gare</title></head><body><article>"
            "<h1>Oujda inaugure sa gare</h1><p class='date'>17 décembre 2020</p>"
            + "".join(f"<p>La nouvelle gare routière d'Oujda a ouvert son quai numéro {i} aux voyageurs "
                      "ce jeudi matin, avec des bus vers Nador et Berkane.</p>" for i in range(5))
            + "</article></body></html>").encode()
    entry = FeedEntry(url="https://ex.ma/gare", identity="https://ex.ma/gare", title="Oujda inaugure sa gare",
                      published=datetime(2020, 12, 17, 7, 45, tzinfo=UTC))
    # A bare printed day that the feed's timestamp falls on takes the feed's time.
    draft = extract_article(html, url="https://ex.ma/gare", source_timezone="Africa/Casablanca",
                            now=LATER, fallback=entry)
    assert draft.published == datetime(2020, 12, 17, 7, 45, tzinfo=UTC)
    # Without the feed: noon on the printed day, in the outlet's zone.
    alone = extract_article(html, url="https://ex.ma/gare", source_timezone="Africa/Casablanca", now=LATER)
    assert alone.published == datetime(2020, 12, 17, 11, 0, tzinfo=UTC)


def test_authors_are_names_never_the_newsroom_or_a_date() -> None:
    assert person_names("Par Salma Bennani et Karim Alami") == ["Salma Bennani", "Karim Alami"]
    assert person_names("By Perry Bacon Jr.") == ["Perry Bacon Jr."]
    assert person_names("بقلم: يوسف العلوي") == ["يوسف العلوي"]
    for not_a_name in ("Par la rédaction", "La Rédaction", "AFP", "هيئة التحرير", "17/12/2020",
                       "Publié le 17 décembre 2020", "https://ex.ma/auteur/x", "@oran_daily"):
        assert person_names(not_a_name) == [], not_a_name
    # The meta author "Par la rédaction" gives no author rather than a wrong one.
    assert extract("fr_boilerplate.html", now=LATER).authors == ()
    assert extract("ar_boilerplate.html", now=LATER).authors == ("يوسف العلوي",)
    assert extract("en_boilerplate.html", now=LATER).authors == ("Amina Haddad", "Karim Saadi")


RULES = {"content": "td.txt-art", "drop": [".encart-pub"], "date": "span.jour", "author": ".sig"}


def test_generic_path_without_rules_mixes_the_side_column() -> None:
    draft = extract("fr_rules.html", source_timezone="Africa/Casablanca", now=LATER)
    assert "Les plus lus" in draft.text and draft.authors == ()


@pytest.mark.parametrize("kind", ["content", "drop", "date", "author"])
def test_outlet_rule_kinds(kind: str) -> None:
    rules = ExtractRules.from_table({kind: RULES[kind]})
    draft = extract("fr_rules.html", source_timezone="Africa/Casablanca", now=LATER, rules=rules)
    if kind == "content":
        assert "Les plus lus" not in draft.text and "Le conseil régional du tourisme" in draft.text
    elif kind == "drop":
        assert "Publicité" not in draft.text and "Les hôteliers" in draft.text
    elif kind == "date":
        # "05.06.2021", day first, in Casablanca (UTC+1 then); noon as no time is printed.
        assert draft.published == datetime(2021, 6, 5, 11, 0, tzinfo=UTC)
    else:
        assert draft.authors == ("Nadia Amrani",)


def test_rule_tables_are_validated() -> None:
    rules = ExtractRules.from_table(RULES)
    assert rules.drop == (".encart-pub",) and rules.as_table() == RULES
    with pytest.raises(RuleError, match="unknown key"):
        ExtractRules.from_table({"contents": "article"})
    with pytest.raises(RuleError, match="not a valid CSS selector"):
        ExtractRules.from_table({"content": "div[["})
    with pytest.raises(RuleError, match="list of CSS selectors"):
        ExtractRules.from_table({"drop": [3]})


# --- issue 17, second pass: notices, paywall and advertisement lines, lines inside a paragraph ---

NOTICE_PAGES = {
    # page: (kept text, removed boilerplate by kind)
    "fr_abonnes.html": ("un centre d'interprétation", {
        "read also line inside a paragraph": "Sbeïtla rouvre", "advertisement label": "Publicité",
        "read also line between paragraphs": "Bardo",
        "paywall": "Pour lire la suite", "already a subscriber": "déjà abonné",
        "copyright notice": "Tous droits réservés", "date line": "Écrit le",
        "live page closed": "Ce direct est terminé", "newsletter confirmation": "Merci pour votre inscription",
        "writer's biography": "Sonia Trabelsi", "print button": "Imprimer", "tags label": "Mots-clés",
        "comment counter": "3 commentaires", "reading time": "Temps de lecture", "source line": "Source : agences",
    }),
    "ar_haquq.html": ("الطريق الوطنية رقم ستة", {
        "read also line inside a paragraph": "توسيع محطة القطار", "advertisement label": "إعلان",
        "copyright notice": "جميع الحقوق محفوظة", "live page closed": "انتهت هذه التغطية",
        "newsletter confirmation": "لاشتراكك", "tags label": "الوسوم", "comment counter": "التعليقات",
        "reading time": "مدة القراءة",
    }),
    "en_furniture.html": ("asked the chamber of commerce", {
        "don't miss header": "DON'T MISS", "tagged link to another article": "[INSIGHT]",
        "see more line": "Mostaganem", "photo credit with ©": "photos ©", "also on (domain)": "vote on a new",
        "listen link": "podcasts.oranwire", "shortcode left as text": "[button", "letterbox pitch": "letterbox",
        "share invitation": "Like this story", "comment invitation": "what YOU think",
        "write-to line": "samir.haddad", "reprint notice": "non-commercial use", "reprint button": "Order Reprints",
        "print button": "Print Article", "tags label": "Tags", "comment counter": "12 Comments",
        "form messages": "An error has occurred", "form message": "has been sent to", "thank-you line": "Thank you",
        "copyright with a name before the year": "ISSN", "reading time": "5 min read", "bare 'More:'": "More:",
        "inbox pitch with an apostrophe": "top port stories", "follow @account": "@OranWireDeals",
        "listen live": "Port Talk", "how to listen": "Harbour Podcast", "membership pitch": "proposition for you",
        "you may also like": "also like", "coverage link": "full coverage", "reach the reporters": "Reach the",
        "most read": "Most read", "source line": "News agencies", "filed under": "Filed under",
        "may be reached at": "skheddar", "e-mail line": "nbey@",
        "time and byline": "9:15 AM", "related post": "Fish soup", "more links": "AP business",
        "bare social profile": "twitter.com/oranwire",
    }),
    "en_notices.html": ("full output by the spring", {
        "advertiser disclosure": "references to products", "illustration credit (soft hyphens)": "trative",
        "advertisement label": "Advertisement", "newsletter list item": "Want more business news",
        "advertising pitch in look-alike letters": "most read business site", "source domain": "MINEWIRE",
        "release label": "Release Date", "contact line": "lina.bouzid", "copyright notice": "All rights reserved",
        "readers' comments": "thirty years", "more link": "Skikda", "podcast line": "Apple Podcasts",
        "production credits": "Nadia Kaci",
        "live page closed": "live blog has ended", "inbox pitch": "right to your inbox",
        "newsletter confirmation": "Thank you for subscribing", "writer's biography": "Karim Saadi",
    }),
}


@pytest.mark.parametrize("name", sorted(NOTICE_PAGES))
def test_notices_and_paywall_lines_are_removed_in_every_language(name: str) -> None:
    kept, removed = NOTICE_PAGES[name]
    draft = extract(name, source_timezone="Africa/Tunis", now=LATER)
    assert kept in draft.text
    leaks = {kind: snippet for kind, snippet in removed.items() if snippet in draft.text or snippet in draft.html}
    assert not leaks
    # The rest of a paragraph that held a "read also" line stays, in its order.
    first, last = {"fr_abonnes.html": ("paroi nord", "quatre millions de dinars"),
                   "ar_haquq.html": ("خمسة عشر درهما", "آلاف الطلبة"),
                   "en_notices.html": ("refractory lining", "without imports"),
                   "en_furniture.html": ("nine-day strike", "safety promises are kept")}[name]
    assert 0 <= draft.text.index(first) < draft.text.index(last)


def test_title_without_kicker_or_media_tag_and_the_printed_us_zone() -> None:
    draft = extract("en_notices.html", source_timezone="Africa/Algiers", now=LATER)
    # <h1> "Business | Annaba steelworks restarts its second furnace (video)".
    assert draft.title == "Annaba steelworks restarts its second furnace"
    assert not draft.text.startswith("Business")
    # "Updated Dec. 23, 2023 4:04AM EST / Published Dec. 22, 2023 9:16PM EST": the publication,
    # 9:16 PM Eastern is 02:16 UTC the next day, whatever the outlet's zone.
    assert draft.published == datetime(2023, 12, 23, 2, 16, tzinfo=UTC)
    # "Écrit le : 2024-03-05 10:20" (ISO date) and "نشر بتاريخ 2024-03-05 10:20", in Tunis (UTC+1).
    for name in ("fr_abonnes.html", "ar_haquq.html"):
        assert extract(name, source_timezone="Africa/Tunis", now=LATER).published == datetime(
            2024, 3, 5, 9, 20, tzinfo=UTC)
    # The site's name holds a separator: "Headline | Le Courrier du Centre - Quotidien tunisien".
    assert extract("fr_abonnes.html", now=LATER).title == "Kairouan restaure ses citernes aghlabides"


@pytest.mark.parametrize(("line", "expected"), [
    ("Written: 2023-11-07 15:03:30", datetime(2023, 11, 7, 15, 3)),
    ("News date : 04/21/2022", datetime(2022, 4, 21)),  # month first: 21 cannot be a month
    ("Published: Feb. 12, 2024, 7:00 p.m.", datetime(2024, 2, 12, 19, 0)),
    ("12 mars 2024 à 12h05", datetime(2024, 3, 12, 12, 5)),
    ("FEB 2, 2024 1:38 pm PST", datetime(2024, 2, 2, 13, 38, tzinfo=timezone(timedelta(hours=-8)))),
    ("Dec. 22, 2023 12:16AM EST", datetime(2023, 12, 22, 0, 16, tzinfo=timezone(timedelta(hours=-5)))),
])
def test_more_date_forms(line: str, expected: datetime) -> None:
    found = dates_in(line)
    assert found and found[0] == (expected, expected.hour != 0 or expected.minute != 0)


def test_printed_date_takes_the_date_after_the_publication_cue() -> None:
    found = printed_date(["Updated Dec. 23, 2023 4:04AM EST / Published Dec. 22, 2023 12:16PM EST"])
    assert found is not None and found.cued and found.value.day == 22 and found.value.hour == 12
    found = printed_date(["Mis à jour le 18/12/2020 à 09h00 | Publié le 17/12/2020 à 10h30"])
    assert found is not None and found.cued and found.value == datetime(2020, 12, 17, 10, 30)


def test_headline_tidying() -> None:
    assert tidy_headline("Opinion | Let kids be kids and leave the labour laws alone | Editorial",
                         "Let kids be kids and leave the labour laws alone | Editorial") == (
        "Let kids be kids and leave the labour laws alone")
    assert tidy_headline("News Feat Pictures opens its film in Oran", "Feat Pictures opens its film in Oran") == (
        "Feat Pictures opens its film in Oran")
    # A longer prefix is part of the headline; a short headline keeps its bar.
    assert tidy_headline("Morocco and Spain sign a deal: Tangier port opens", "Tangier port opens") == (
        "Morocco and Spain sign a deal: Tangier port opens")
    assert tidy_headline("Gaza | Live", None) == "Gaza | Live"
    assert tidy_headline("Cat video beamed from deep space [Watch]", None) == "Cat video beamed from deep space"


def test_title_is_never_the_site_name() -> None:
    # A kicker glued to the headline in the <h1> markup.
    assert tidy_headline("Open FutureWhy shared thinking beats lone smarts in Rabat",
                         "Why shared thinking beats lone smarts in Rabat") == "Why shared thinking beats lone smarts in Rabat"
    # A headline that names the site is not the site's name.
    assert strip_site_name("Oran Daily - Readers pick Oran Daily's photo of the year", "Oran Daily", None) == (
        "Readers pick Oran Daily's photo of the year")
    # The logo's <h1> is skipped.
    assert choose_title("Port of Oran doubles its capacity - Oran Daily", ["Oran Daily", "Port of Oran doubles its capacity"],
                        "Oran Daily") == "Port of Oran doubles its capacity"
    # JSON-LD whose headline is the site's name: the page's title and <h1> decide.
    html = ("<html lang='en'><head><title>Port of Oran doubles its capacity - Oran Daily</title>"
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Oran Daily", '
            '"publisher": {"@type": "Organization", "name": "Oran Daily"}}</script></head><body><article>'
            + "".join(f"<p>The port of Oran has doubled the capacity of its container terminal, quay {i} "
                      "now takes the largest ships calling in the western Mediterranean.</p>" for i in range(4))
            + "</article></body></html>").encode()
    assert extract_article(html, url="https://oran-daily.example/port", now=NOW).title == (
        "Port of Oran doubles its capacity")


def test_boilerplate_lines_inside_kept_containers_and_between_blocks() -> None:
    # trafilatura's body sometimes keeps <div>s around paragraphs and text between blocks.
    body = etree.fromstring(
        "<body><div><div><p>Le port de Radès a reçu son premier porte-conteneurs géant.<lb/>"
        "Also Read- Sfax opens a new fish market<lb/>Les quais ont été allongés de trois cents mètres.</p>"
        "</div></div><p>Les douanes promettent des délais plus courts.</p>Also read: Bizerte dredges its channel"
        "<p>Les transitaires attendent les premiers chiffres.</p></body>"
    )
    drop_boilerplate_blocks(body)
    text = " ".join("".join(body.itertext()).split())
    assert "Sfax" not in text and "Bizerte" not in text
    assert text.startswith("Le port de Radès") and "trois cents mètres" in text and text.endswith("premiers chiffres.")


# --- issue 17, third pass: text trafilatura's precision mode drops, the standfirst ---


def test_precision_mode_keeps_the_sentence_after_an_empty_inline_element_and_mail_addresses() -> None:
    draft = extract("fr_chapo.html", now=LATER)
    # "<strong></strong>par le maire…": the rest of the sentence after an empty element.
    assert "« provisoire mais nécessaire »par le maire lors du conseil municipal" in draft.text
    # A paragraph holding only an e-mail link is text, not a navigation link.
    assert "\n\nports.usagers@sfax-mairie.example\n\n" in draft.text
    assert draft.text.endswith("nombre de plaisanciers doubler.")


def test_the_standfirst_in_the_page_header_opens_the_body() -> None:
    draft = extract("fr_chapo.html", now=LATER)
    assert draft.text.startswith("Faute de place au vieux port, la municipalité de Sfax accueille")
    assert draft.text.count("Faute de place") == 1
    assert "Accueil" not in draft.text and "quotidien régional" not in draft.text


def test_standfirst_is_a_whole_block_matching_the_description() -> None:
    lead = "Le port de Radès a reçu son premier porte-conteneurs géant, un navire de quatre cents mètres."
    html = f"<html><body><h1>Radès</h1><p>{lead} Les quais ont été allongés de trois cents mètres.</p></body></html>"
    tree = load_html(html)
    # The description is only the first sentence of a longer paragraph: no standfirst.
    assert find_standfirst(tree, lead) is None
    # A description cut short is matched by its beginning.
    assert (find_standfirst(tree, lead[:60] + "…") or "").startswith(lead)
    # A heading left open by broken markup ("<h2>…</h3>") holds the rest of the page: its own
    # text is the standfirst.
    broken = load_html(f"<html><body><h1>Radès</h1><h2 class='chapo'>{lead}</h3><div><p>Les quais ont été "
                       "allongés de trois cents mètres, a indiqué le directeur du port.</p></div></body></html>")
    assert find_standfirst(broken, lead) == lead
    # Before the headline (a teaser in the menu) it is not the standfirst.
    html = f"<html><body><p>{lead}</p><h1>Radès</h1><p>Autre chose.</p></body></html>"
    assert find_standfirst(load_html(html), lead) is None


def test_wire_page_keeps_its_credit_line_and_drops_the_notice_and_the_disclosure() -> None:
    draft = extract("en_wire.html", now=LATER)
    # The wire's closing credit line stays; the "Our Standards" link beside it goes.
    assert draft.text.endswith("Additional reporting by Karim Said; Editing by Leila Amrani and Tom Hale")
    assert "Our Standards" not in draft.text and "Trust Principles" not in draft.text
    # A disclosure box goes even with long paragraphs.
    assert draft.text.startswith("ORAN (Maghreb Wire) - The desalination plant")
    assert "earn a commission" not in draft.text and "Why you can trust" not in draft.text


def test_long_paragraphs_a_partial_json_ld_body_leaves_out_are_kept() -> None:
    draft = extract("fr_corps_partiel.html", now=LATER)
    # The articleBody lacks the first paragraph (a lead-in callout) and one in the middle.
    assert draft.text.startswith("Fermée depuis deux ans, la digue qui protège le vieux port")
    assert "Plusieurs associations de quartier avaient réclamé" in draft.text
    # A short block absent from it, and a long one after its last paragraph, still go.
    assert "Vidéo" not in draft.text and "Notre journaliste" not in draft.text
    assert draft.text.endswith("si le conseil vote le budget en juin.")


def test_a_list_the_json_ld_body_holds_is_kept() -> None:
    # The articleBody gives the list one item a line; the extracted list's items are read apart
    # ("الركادة 2023", not "الركادة2023") when checked against it.
    draft = extract("ar_qaima.html", now=LATER)
    assert "2024: فرقة الركادة" in draft.text and "2019: فرقة الأطلس" in draft.text
    assert draft.text.index("منذ إحداثها") < draft.text.index("2021: سعاد الحسني") < draft.text.index("الدورة المقبلة")


def test_the_balanced_pass_is_asked_when_the_precision_pass_misses_part_of_the_json_ld_body() -> None:
    # trafilatura's precision mode drops the boxed paragraph (a bordered <div>); the articleBody
    # holds it, so the balanced pass, which keeps it, is taken.
    draft = extract("en_boxed.html", now=LATER)
    assert draft.text.index("by the end of the year") < draft.text.index("The old hospital in the city centre") < (
        draft.text.index("Doctors' unions"))
    assert draft.text.endswith("the new regional booking service.")


def test_biography_lines_are_told_from_sentences_about_people() -> None:
    assert is_boilerplate_block("Karim Saadi is a senior reporter for the Bone Observer.")
    assert is_boilerplate_block("Leila Amrani is the deputy business editor.")
    assert is_boilerplate_block("Sonia Trabelsi est journaliste au Courrier du Centre.")
    # A sentence of the article about a writer or a former journalist stays.
    assert not is_boilerplate_block("Benchikh is the author of a history of the port of Oran, published last year.")
    assert not is_boilerplate_block("The minister is a former journalist for the state radio.")
    assert not is_boilerplate_block("Yasmina Khadra is a novelist whose books have been translated into forty languages.")


def test_a_precision_pass_made_of_pull_quotes_is_checked_against_the_balanced_pass() -> None:
    # The article's paragraphs are <div><span>s the precision pass skips; it keeps the first
    # <p> and five pull quotes, more than 1,000 characters but not the article.
    draft = extract("en_pullquotes.html", now=LATER)
    assert draft.text.index("reopened its main hall") < draft.text.index("The hall, built at the end") < (
        draft.text.index("Tickets for the next performances"))


def test_a_json_ld_body_cut_with_an_ellipsis_is_a_teaser_not_the_article() -> None:
    # The articleBody holds the first paragraph and a half, HTML-escaped, then "&hellip;": the
    # paragraphs after it are the article's, not blocks the publisher left out.
    draft = extract("fr_extrait.html", now=LATER)
    assert draft.text.startswith("L'usine de dessalement d'eau de mer de Sfax a commencé jeudi")
    assert "ne devaient pas se reproduire." in draft.text
    assert draft.text.endswith("si la sécheresse se prolonge.")
    assert "&apos;" not in draft.text and "…" not in draft.text


def test_the_json_ld_body_is_read_unescaped() -> None:
    tree = load_html(page("fr_extrait.html").decode())
    body = read_page_metadata(tree).article_body or ""
    assert body.startswith("L'usine de dessalement d'eau de mer") and "&apos;" not in body
    assert "achevée.\xa0Le ministre" in body and body.endswith("ne devaient pas se…")


def test_an_article_cut_into_chunks_of_one_kind_is_extracted_whole() -> None:
    # Three containers of one class, an advertisement and a newsletter box between them:
    # trafilatura stops at the first container; the later chunks are joined to it.
    draft = extract("en_chunks.html", now=LATER)
    text = draft.text
    assert text.startswith("From the first of May, travellers between Tarifa and Tangier")
    assert text.index("which the morning crossing does not meet") < text.index("Fares stay as they are") < (
        text.index("its engines meet the emission rules")) < text.index("Hoteliers in Tangier's old town")
    assert "Advertisement" not in text and "travel news every Friday" not in text


def test_a_page_the_fast_pass_misses_is_retried_with_the_precision_comparisons_first() -> None:
    # A table layout whose article container is named "article_body": the fast precision pass
    # finds nothing, the balanced pass one block with the headline and the sidebar's news; the
    # precision pass with trafilatura's comparisons finds the article alone.
    draft = extract("en_sidebar.html", now=LATER)
    assert "Shirak Daily - The textile mill on the edge of Gyumri" in draft.text
    assert draft.text.endswith("the morning and evening shifts, which start at six.")
    assert "Lake Sevan" not in draft.text and "lavash" not in draft.text


def test_a_standfirst_in_a_summary_div_is_put_first() -> None:
    # The description's text sits in a <div class="article__summary"> between the headline and
    # the text, which the precision pass leaves out.
    draft = extract("fr_resume.html", now=LATER)
    assert draft.text.startswith("Les agriculteurs de la palmeraie de Tozeur disposent depuis lundi")
    assert draft.text.index("goutte à goutte") < draft.text.index("Le réseau, long de quarante kilomètres")
    assert draft.text.count("goutte à goutte") == 1


def test_a_leading_block_that_is_the_title_and_a_date_led_meta_line_are_dropped() -> None:
    # The headline is a <p><strong> repeating the title, then "17/12/2020 - Publié par : …".
    draft = extract("fr_titre_repete.html", now=LATER)
    assert draft.title == "Béjaïa : le téléphérique rouvre après sa révision"
    assert draft.text.startswith("Le téléphérique qui relie le centre de Béjaïa")
    assert "Publié par" not in draft.text and "rouvre après sa révision" not in draft.text


def test_a_date_led_line_is_a_meta_line_only_with_its_byline_word() -> None:
    assert is_boilerplate_block("05/10/2018 - Posted by: Clara Borba - Category: Health")
    assert is_boilerplate_block("17.12.2020 | par Yasmine Ait")
    assert not is_boilerplate_block("05/10/2018 - The council voted the budget after a long night of debate.")
