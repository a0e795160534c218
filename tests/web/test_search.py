"""Full-text search on the real database in use (SQLite FTS5, or PostgreSQL when
AKHBAR_DATABASE_URL names one): our own short articles in French, Arabic and English."""

from __future__ import annotations

import importlib
import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from akhbar.ingest.textquery import marked_words
from akhbar.ingest.textsearch import ANALYSIS_VERSION
from akhbar.news.models import Article, Image
from akhbar.search import queries
from akhbar.search.models import SearchDoc, SearchIndexState
from akhbar.sources.models import Source
from tests.web.factories import make_article, make_source
from tests.web.test_api import validator

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0)

ARTICLES = {
    "fr-election": ("fr", "Élection présidentielle : le taux de participation en hausse",
                    "L'élection présidentielle s'est déroulée dans le calme. Les bureaux de vote "
                    "ont fermé à 19 heures."),
    "fr-elections": ("fr", "Les élections législatives reportées",
                     "Le gouvernement a annoncé le report des élections législatives."),
    "fr-regragui": ("fr", "Walid Regragui dévoile sa liste",
                    "Le sélectionneur Regragui a convoqué 26 joueurs pour la Coupe du monde 2030."),
    "fr-cop": ("fr", "COP29 : le Maroc plaide pour le climat",
               "À Bakou, la délégation marocaine a défendu l'adaptation au changement climatique."),
    "ar-elections": ("ar", "الانتخابات الرئاسية في موعدها",
                     "أكدت الهيئة أن الانتخابات الرئاسية ستجري في موعدها المحدد."),
    "ar-wal": ("ar", "تعديلات على قانون الأحزاب",
               "ناقش البرلمان مشروع القانون المتعلق بالأحزاب والانتخابات المقبلة."),
    "ar-lil": ("ar", "استعدادات للانتخابات البلدية", "بدأت الأحزاب استعداداتها للانتخابات البلدية."),
    "ar-regragui": ("ar", "الركراكي يعلن قائمة المنتخب",
                    "أعلن وليد الركراكي (Regragui) قائمة اللاعبين استعدادا لمونديال ٢٠٣٠."),
    "ar-variants": ("ar", "إعلان نتائج المسابقة", "أعلنت اللجنة نتائج مسابقة الشعر العربي إلى جانب "
                    "جوائز أخرى."),
    "en-elections": ("en", "Elections in Tunisia: turnout falls",
                     "Turnout in the parliamentary elections fell to a record low."),
    "en-running": ("en", "Candidates running for mayor", "Three candidates are running in the city."),
}


@pytest.fixture
def corpus() -> dict[str, Article]:
    fr = make_source("lematin", "Le Matin")
    ar = make_source("hespress-ar", "هسبريس", languages=("ar",))
    en = make_source("moroccoworld", "Morocco World News", languages=("en",))
    sources = {"fr": fr, "ar": ar, "en": en}
    out = {}
    for i, (key, (lang, title, text)) in enumerate(ARTICLES.items()):
        out[key] = make_article(sources[lang], title=title, text=text, language=lang,
                                published=NOW - timedelta(days=i))
    return out


def found(q: str, **filters: object) -> set[str]:
    """Titles' keys found by a query (every language, no edition limit by default)."""
    results = queries.search(q, queries.Filters(**filters), limit=100)  # type: ignore[arg-type]
    titles = {v[1]: k for k, v in ARTICLES.items()}
    return {titles.get(h.article.title, h.article.title) for h in results.hits}


# French --------------------------------------------------------------------------------------

def test_french_case_accents_elision_and_plural(corpus):
    assert {"fr-election"} <= found("election")  # "Élection" without accent, lower case
    assert {"fr-election"} <= found("ÉLECTION")
    assert {"fr-election"} <= found("l'élection")  # elision in the query
    assert {"fr-election"} <= found("présidentielle")
    assert {"fr-election"} <= found("presidentielles")  # plural finds singular
    assert {"fr-elections", "fr-election"} <= found("élection")  # singular finds plural
    assert "fr-elections" in found("élections", languages=("fr",))
    assert "fr-cop" in found("adaptation")  # the text is searched, not only the title


def test_short_words_do_not_match_inside_other_words(corpus):
    # "vote" is in "bureaux de vote"; "ote" inside it is no word.
    assert found("vote") == {"fr-election"}
    assert found("ote") == set()


# Arabic --------------------------------------------------------------------------------------

def test_arabic_article_and_proclitics(corpus):
    hits = found("انتخابات")
    # "الانتخابات" (article), "والانتخابات" (wa + article), "للانتخابات" (li + article).
    assert {"ar-elections", "ar-wal", "ar-lil"} <= hits
    assert {"ar-elections", "ar-wal", "ar-lil"} <= found("الانتخابات")
    assert "ar-elections" in found("الانتخابات الرئاسية")
    assert "ar-elections" in found("رئاسية")  # ta marbuta, no article


def test_arabic_spelling_variants_and_diacritics(corpus):
    assert "ar-variants" in found("اعلان")  # hamza on alef folded
    assert "ar-variants" in found("الى")  # alef maqsura and hamza: "إلى"
    assert "ar-variants" in found("نَتائِج")  # diacritics in the query
    assert "ar-variants" in found("مسابـــقة")  # tatweel
    assert "ar-elections" in found("الرئاسيه")  # ha for ta marbuta


def test_arabic_other_proclitics_and_suffixes(corpus):
    ar = Source.objects.get(slug="hespress-ar")
    make_article(ar, language="ar", title="اللاعبون بالمغرب", text="فالمغرب كالمغرب وحكومتها.")
    assert len(found("مغرب")) == 1  # bi-, fa-, ka- + article
    assert len(found("لاعب")) == 2  # plural suffix "ون" (and "اللاعبين" of ar-regragui)
    assert len(found("الحكومة")) == 1  # possessive suffix "ها" on "حكومتها"


# English, names, numbers ---------------------------------------------------------------------

def test_english_stemming(corpus):
    assert "en-elections" in found("election")
    assert "en-running" in found("run")
    assert "en-running" in found("candidate")


def test_names_and_numbers_across_editions(corpus):
    assert {"fr-regragui", "ar-regragui"} <= found("Regragui")
    assert {"fr-regragui", "ar-regragui"} <= found("2030")  # Arabic-Indic digits folded
    assert found("COP29") == {"fr-cop"}
    assert found("cop29", languages=("ar",)) == set()


# Query syntax --------------------------------------------------------------------------------

def test_phrases(corpus):
    assert found('"élection présidentielle"') == {"fr-election"}
    assert found('"présidentielle élection"') == set()  # order matters in a phrase
    assert "ar-elections" in found('"الانتخابات الرئاسية"')
    assert "ar-lil" not in found('"الانتخابات الرئاسية"')


def test_exclusion_prefix_and_or(corpus):
    assert "fr-election" not in found("élection -présidentielle")
    assert "fr-elections" in found("élection -présidentielle")
    assert "fr-election" in found("présid*")
    assert "fr-regragui" in found("regrag*")
    assert "ar-elections" in found("انتخا*")  # prefix without the article
    assert {"fr-cop", "en-running"} <= found("COP29 OR mayor")
    assert found("COP29 mayor") == set()



def _prefix_matches() -> dict[str, set[str]]:
    # 3 to 6 letters read the FTS5 prefix indexes (search/0003), 7 and more merge the words
    # they begin; both must find the same articles, in each language.
    return {q: found(q) for q in ("pré*", "élec*", "légis*", "présid*", "présidentiel*",
                                  "turn*", "runn*", "parliam*", "الان*", "انتخا*", "الانتخ*",
                                  "الركرا*", "Regrag*", "xyzzy*")}


def test_prefixes_match_with_and_without_the_prefix_index(corpus):
    expected = {
        "pré*": {"fr-election"}, "élec*": {"fr-election", "fr-elections", "en-elections"},
        "légis*": {"fr-elections"}, "présid*": {"fr-election"},
        "présidentiel*": {"fr-election"}, "turn*": {"en-elections"}, "runn*": {"en-running"},
        "parliam*": {"en-elections"}, "الان*": {"ar-elections", "ar-wal", "ar-lil"},
        "انتخا*": {"ar-elections", "ar-wal", "ar-lil"}, "الانتخ*": {"ar-elections", "ar-wal", "ar-lil"},
        "الركرا*": {"ar-regragui"}, "Regrag*": {"fr-regragui", "ar-regragui"}, "xyzzy*": set(),
    }
    assert _prefix_matches() == expected
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")
        assert "prefix = '3 4 5 6'" in cursor.fetchone()[0]
        # The migration's rebuild keeps every row: without the prefix indexes and back again.
        migration = importlib.import_module("akhbar.search.migrations.0003_fts_prefix")
        migration.rebuild_fts(cursor, "")
        assert _prefix_matches() == expected
        migration.rebuild_fts(cursor, "3 4 5 6")
    assert _prefix_matches() == expected

def test_short_arabic_prefixes_keep_their_article(corpus):
    # "الان*" is "al-an…": two letters are left without the article, too few for a prefix,
    # and the bare "ان" (أن، إن) is a stop word in nearly every Arabic text. The article is
    # kept instead, so it finds الانتخابات، والانتخابات، للانتخابات and not "أن" alone.
    term = queries.parse_query("الان*").clauses[0][0]
    assert (term.kind, term.words) == ("prefix", ("الان",))
    every = {"ar-elections", "ar-wal", "ar-lil"}
    assert found("الان*") == found("بالان*") == found("للان*") == found("والان*") == every
    assert found("الآن*") == every  # alef madda folded
    assert found("الرك*") == {"ar-regragui"}  # الركراكي
    assert found("الرئ*") == {"ar-elections"}  # الرئاسية, hamza folded
    assert found("الا*") >= every  # three letters: words beginning "الا…"
    assert found("الاح*") == {"ar-wal", "ar-lil"}  # الأحزاب
    assert found("الانتخ*") == found("انتخ*") == every  # three letters or more: without the article
    # The snippet marks the words the prefix found, not "أن".
    hit = next(h for h in queries.search("الان*", queries.Filters()).hits
               if h.article.title == ARTICLES["ar-elections"][1])
    assert set(marked_words(hit.snippet)) == {"الانتخابات"}


@pytest.mark.parametrize("raw", [
    '"élection', 'élection "', "élection OR", "OR élection", "élection OR OR", "élection - -",
    "* élection", "élection*)", "(élection", "élection';--", "{élection}", "élection ^ : + ~ ;",
    "élection AND", "élection " + "x" * 10_000,
])
def test_malformed_queries_still_search(corpus, raw):
    # Unbalanced quotes, lone operators, FTS5 and SQL syntax: punctuation around real words.
    assert "fr-election" in found(raw)


@pytest.mark.parametrize("raw", [
    "élection) AND (1=1", "élection'; DROP TABLE news_article; --", 'élection NEAR("a" "b")',
    "{title}: élection", "title:élection", "élection NOT", "élection'*", '"' * 50, "-" * 50 + "élection",
    "élection " * 2000, "\x00élection", "élection\u0000", "élection %% %s ?",
])
def test_fts5_and_sql_syntax_is_never_passed_through(corpus, raw):
    # Every word must match, so these may find nothing, or say there is nothing to search
    # for: but they run, and change nothing.
    try:
        queries.search(raw, queries.Filters())
    except queries.QueryError as exc:
        assert str(exc).endswith(".")
    assert Article.objects.count() == len(ARTICLES)


@pytest.mark.parametrize("raw", ["", "   ", "OR", "-élection", '""', "*", "- OR -", "()"])
def test_queries_with_nothing_to_find_say_so(corpus, raw):
    with pytest.raises(queries.QueryError):
        queries.search(raw, queries.Filters())


def test_only_stop_words_are_searched_as_they_are(corpus):
    assert "fr-election" in found("le de")  # nothing else to search for: kept
    assert found("le COP29") == {"fr-cop"}  # dropped next to a real word


# Ranking, folding, filters, visibility -------------------------------------------------------

def test_fresher_and_title_matches_rank_first(corpus):
    source = Source.objects.get(slug="lematin")
    old = make_article(source, title="Sécheresse au Maroc", text="La sécheresse persiste.",
                       published=NOW - timedelta(days=300))
    new = make_article(source, title="Sécheresse au Maroc", text="La sécheresse persiste.",
                       published=NOW - timedelta(days=2))
    body_only = make_article(source, title="Météo de la semaine",
                             text="Chaleur et sécheresse prévues.", published=NOW - timedelta(days=2))
    ranked = [h.article.pk for h in queries.search("sécheresse", queries.Filters()).hits]
    assert ranked == [new.pk, body_only.pk, old.pk]


def test_copies_fold_under_their_original(corpus):
    original = corpus["fr-elections"]
    copy = make_article(Source.objects.get(slug="lematin"), title="Les élections législatives reportées",
                        text=original.text, published=NOW)
    copy.copy_of = original
    copy.save()
    results = queries.search("législatives", queries.Filters(), limit=10)
    assert [h.article.pk for h in results.hits] == [original.pk]
    assert results.hits[0].copies == 1 and results.count == 1


def test_authors_are_indexed_and_excerpt_only_outlets_by_their_excerpt(corpus):
    article = corpus["fr-cop"]
    article.authors = ["Nadia Lamlili"]
    article.save()
    assert found("Lamlili") == {"fr-cop"}
    brief = make_source("brief", "Brief", display="excerpt")
    make_article(brief, title="Budget 2027", text="Le budget est voté.\nDétails zanzibarites réservés.")
    assert found("budget vote") == {"Budget 2027"}
    assert found("zanzibarites") == set()  # beyond the excerpt readers see: never searched


def test_one_result_per_story_and_about_n_beyond_the_scored_set(corpus):
    from akhbar.news.models import Story

    story = Story.objects.create(key="elections-2026")
    Article.objects.filter(pk__in=[corpus["fr-election"].pk, corpus["fr-elections"].pk,
                                   corpus["en-elections"].pk]).update(story=story)
    query = queries.parse_query("élection")
    ranked, count, approximate = queries.ranked_ids(query, queries.Filters(), per_story=True)
    assert (len(ranked), ranked[0][1], count, approximate) == (1, 2, 1, False)
    # A scored set of 2 out of 3 matches: the count is an estimate, never below what was seen.
    ranked, count, approximate = queries.ranked_ids(query, queries.Filters(), cap=2)
    assert len(ranked) == 2 and approximate and count >= 2


@pytest.mark.parametrize(("one_below", "bitmap_row_cost", "windowed"),
                         [(0.0, 0.0, True), (0.0, 1e12, False), (1e9, 0.0, False)])
def test_the_bounded_set_is_the_newest_matches_whatever_their_age(corpus, monkeypatch, one_below,
                                                                  bitmap_row_cost, windowed):
    # PostgreSQL looks for it in windows of months (by the month tags) until they hold the cap,
    # or in one statement when the planner's estimate says the date walk is cheaper or the
    # matches few (all three are tried, by the thresholds); SQLite walks the rowids (article
    # ids) down. Either way: the newest ``cap`` matches, from today to years back, within the
    # date filters.
    from django.db import connection

    from akhbar.search import engines
    from akhbar.search.engines import Filters, engine

    monkeypatch.setattr(engines, "BITMAP_ROW_COST", bitmap_row_cost)
    monkeypatch.setattr(engines, "ONE_STATEMENT_BELOW", one_below)
    monkeypatch.setitem(engines._STATS, "at", -1e12)  # the statistics read again (below)

    source = corpus["fr-election"].source
    ages = [0, 3, 20, 90, 400, 1500]
    # Stored oldest first, as an archive grows (SQLite's order is the article id).
    made = [make_article(source, title=f"Sécheresse record, épisode {i}", text="Le barrage est à sec.",
                         published=NOW - timedelta(days=d, hours=1)) for i, d in reversed(list(enumerate(ages)))]
    made.reverse()
    query = queries.parse_query("sécheresse")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the planner's statistics (as autovacuum keeps them)
            cursor.execute("ANALYZE search_searchdoc")
        assert engines.PostgresEngine()._windowed(engine().compile(query, Filters()), 1) == windowed

    def newest(cap: int, **filters: object) -> set[int]:
        return {c.article_id for c in engine().candidates(query, Filters(**filters), cap)}  # type: ignore[arg-type]

    for cap in (1, 2, 4, 5, 6, 50):
        assert newest(cap) == {a.pk for a in made[:cap]}
    assert newest(50, since=NOW - timedelta(days=100)) == {a.pk for a in made[:4]}
    assert newest(2, until=NOW - timedelta(days=10)) == {made[2].pk, made[3].pk}
    assert newest(1, since=NOW - timedelta(days=1000), until=NOW - timedelta(days=10)) == {made[2].pk}
    assert newest(50, since=NOW - timedelta(days=2), until=NOW - timedelta(days=1)) == set()


def test_filters(corpus):
    assert found("Regragui", languages=("ar",)) == {"ar-regragui"}
    ar = Source.objects.get(slug="hespress-ar")
    assert found("Regragui", source_id=ar.pk) == {"ar-regragui"}
    assert found("Regragui", editions=("fr",)) == {"fr-regragui"}
    corpus["fr-cop"].section = "world"
    corpus["fr-cop"].save()
    assert found("Maroc OR Regragui", section="world") == {"fr-cop"}
    day = corpus["fr-regragui"].published
    assert found("Regragui", since=day - timedelta(hours=1), until=day + timedelta(hours=1)) == {
        "fr-regragui"}
    assert found("Regragui", since=NOW - timedelta(days=400), until=NOW - timedelta(days=300)) == set()


def test_index_follows_revision_hide_source_and_delete(corpus):
    article = corpus["en-running"]
    article.title = "Candidates campaign for mayor"
    article.text = "A referendum on the budget."
    article.save()
    ids = {h.article.pk for h in queries.search("referendum", queries.Filters()).hits}
    assert ids == {article.pk}
    assert not queries.search("running", queries.Filters(languages=("en",))).hits
    article.hidden = True
    article.save(update_fields=["hidden"])
    assert not queries.search("referendum", queries.Filters()).hits
    assert not SearchDoc.objects.filter(article_id=article.pk).exists()
    source = Source.objects.get(slug="lematin")
    source.name = "Le Matin du Sahara"
    source.save()
    assert "fr-cop" in found("Sahara")  # the outlet's name is indexed
    source.paused = True
    source.save()  # nothing indexed changed: the articles stay searchable
    assert "fr-cop" in found("Sahara")
    corpus["fr-cop"].delete()
    assert not SearchDoc.objects.filter(article_id=corpus["fr-cop"].pk or 0).exists()
    assert found("COP29") == set()


def test_index_changes_with_the_write_transaction(corpus):
    from django.db import transaction

    article = corpus["fr-cop"]
    with pytest.raises(RuntimeError), transaction.atomic():
        article.title = "Titre xylophone"
        article.save()
        assert found("xylophone")  # visible inside the transaction
        raise RuntimeError("rolled back")
    assert not queries.search("xylophone", queries.Filters()).hits


def test_blocked_images_never_show_in_results(client, corpus):
    article = corpus["fr-cop"]
    article.image = Image.objects.create(source_url="https://x.example/i.jpg", local_path="i/1",
                                         widths=[320], status=Image.Status.BLOCKED)
    article.save()
    body = json.loads(client.get("/api/v1/search?q=COP29").content)
    assert body["items"][0]["image"]["url"] is None
    assert "/images/" not in client.get("/fr/search/?q=COP29").content.decode()


def test_a_fresh_install_is_not_stale(db, client):
    # An index built by analysis version 1, as every install before version 2 recorded it: the
    # migration makes it current only when no article was ever indexed.
    from django.apps import apps

    migration = importlib.import_module("akhbar.search.migrations.0004_empty_index_current")
    SearchIndexState.objects.update_or_create(pk=1, defaults={"analysis_version": 1})
    migration.empty_index_is_current(apps, None)
    assert not Article.objects.exists()
    assert client.get("/healthz").json()["search_index"] == {
        "analysis_version": ANALYSIS_VERSION, "current_analysis_version": ANALYSIS_VERSION,
        "stale": False}
    make_article(make_source("presse"), title="Un article", url="https://presse.test/a")
    SearchIndexState.objects.update_or_create(pk=1, defaults={"analysis_version": 1})
    migration.empty_index_is_current(apps, None)
    assert client.get("/healthz").json()["search_index"]["stale"] is True


def test_reindex_rebuilds_the_index(client, corpus):
    # An index built by an older analysis is reported stale by /healthz until rebuilt.
    SearchIndexState.objects.update_or_create(pk=1, defaults={"analysis_version": 0})
    state = client.get("/healthz").json()["search_index"]
    assert state == {"analysis_version": 0, "current_analysis_version": ANALYSIS_VERSION,
                     "stale": True}
    SearchDoc.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
    assert found("COP29") == set()
    err = StringIO()
    call_command("search", reindex=True, stderr=err)
    assert found("COP29") == {"fr-cop"}
    assert f"indexed {len(ARTICLES)} articles" in err.getvalue()
    assert client.get("/healthz").json()["search_index"]["stale"] is False


# Pages, API, command line --------------------------------------------------------------------

def test_search_page_snippets_count_and_direction(client, corpus):
    html = client.get("/ar/search/?q=انتخابات").content.decode()
    assert 'dir="rtl"' in html and "<mark>الانتخابات</mark>" in html
    fr = client.get("/fr/search/?q=élection").content.decode()
    assert "<mark>élection</mark>" in fr or "<mark>L&#x27;élection</mark>" in fr
    assert "3 résultats pour" in fr  # en "elections" too


def test_no_results_suggest_dropping_a_word_or_all_editions(client, corpus):
    html = client.get("/fr/search/?q=Regragui+xylophone").content.decode()
    assert "Aucun résultat" in html and ">Regragui</a>" in html
    html = client.get("/fr/search/?q=الركراكي").content.decode()
    assert "all=1" in html
    assert "الركراكي" in client.get("/fr/search/?q=الركراكي&all=1").content.decode()


def test_search_page_never_errors(client, corpus):
    for q in ["", "OR", "-x", '"', "x" * 5000, "%00", "a:b", "élection&since=2020-13-45"]:
        assert client.get("/fr/search/", {"q": q}).status_code == 200
    assert client.get("/fr/search/?q=x&since=notadate&page=zz").status_code == 200


def test_api_search_contract(client, corpus):
    resp = client.get("/api/v1/search?q=élection&limit=1")
    body = json.loads(resp.content)
    validator(client, "SearchPage").validate(body)
    assert body["count"] == 3 and len(body["items"]) == 1 and body["next"]
    assert "<mark>" in body["items"][0]["snippet"]
    seen = [body["items"][0]["id"]]
    while body["next"]:
        body = json.loads(client.get(body["next"]).content)
        validator(client, "SearchPage").validate(body)
        seen += [i["id"] for i in body["items"]]
    assert len(seen) == len(set(seen)) == 3
    ar = json.loads(client.get("/api/v1/search?q=Regragui&lang=ar").content)
    assert [i["language"] for i in ar["items"]] == ["ar"]
    day = corpus["fr-regragui"].published.date().isoformat()
    dated = json.loads(client.get(f"/api/v1/search?q=Regragui&since={day}&until={day}").content)
    assert [i["id"] for i in dated["items"]] == [corpus["fr-regragui"].pk]
    # Snippets are HTML with <mark> only: the outlet's own markup arrives escaped.
    make_article(Source.objects.get(slug="lematin"), title="Élection <b>annulée</b>",
                 text="<script>alert(1)</script> L'élection & le <i>scrutin</i>.")
    items = json.loads(client.get("/api/v1/search?q=scrutin").content)["items"]
    assert len(items) == 1 and "&lt;/script&gt;" in items[0]["snippet"]
    assert set(re.findall(r"<[^>]*>", items[0]["snippet"])) == {"<mark>", "</mark>"}


@pytest.mark.parametrize("query", [
    "", "?q=", "?q=OR", "?q=x&lang=de", "?q=x&source=nope", "?q=x&section=cooking",
    "?q=x&since=yesterday", "?q=x&until=2020-02-30", "?q=x&limit=0", "?q=x&limit=abc",
    "?q=x&cursor=!!!",
])
def test_api_search_errors_are_json_400(client, corpus, query):
    resp = client.get("/api/v1/search" + query)
    assert resp.status_code == 400
    validator(client, "Error").validate(json.loads(resp.content))


def test_command_line(corpus):
    out = StringIO()
    call_command("search", "Regragui", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    date, outlet, title = lines[0].split("\t")
    assert date == corpus["fr-regragui"].published.date().isoformat()
    assert (outlet, title) == ("Le Matin", ARTICLES["fr-regragui"][1])
    out = StringIO()
    call_command("search", "Regragui", lang="ar", limit=5, stdout=out)
    assert out.getvalue().split("\t")[1] == "هسبريس"
    out = StringIO()
    call_command("search", "xylophone", stdout=out)
    assert out.getvalue() == ""
    with pytest.raises(CommandError) as exc:
        call_command("search", "OR")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("search", "x", source="nope")
