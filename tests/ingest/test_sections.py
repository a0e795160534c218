"""Section mapping: fixture articles pinned to their section, overrides, folding, validation."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from akhbar.ingest.feeds import parse_feed
from akhbar.ingest.registry import RegistryError, load_registry
from akhbar.ingest.sections import (
    DEFAULT_SECTIONS_PATH,
    SECTION_KEYS,
    SectionRules,
    SectionRulesError,
    classify_section,
    load_section_rules,
    rule_problem,
    section_key,
)
from tests.web.press_site import AR_ARTICLE, EN_ARTICLE, FR_ARTICLES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "feeds"
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def rules() -> SectionRules:
    return load_section_rules(ROOT / "data" / "sections.toml")


def classify(rules: SectionRules, url: str, *categories: str, **overrides: list[str]) -> str | None:
    return classify_section(url=url, categories=categories, rules=rules, overrides=overrides)


# --- fixture articles, parsed by the real feed parser ----------------------------------------

# (fixture, feed URL) → the expected (article URL, section) of every entry, in feed order.
FIXTURE_SECTIONS: dict[tuple[str, str], list[tuple[str, str | None]]] = {
    ("rss2_fr.xml", "https://www.matin-atlas.ma/feed/"): [
        ("https://www.matin-atlas.ma/societe/tramway-t3-sidi-moumen", "society"),
        ("https://www.matin-atlas.ma/economie/forum-economie-bleue-agadir", "economy"),
        ("https://www.matin-atlas.ma/sport/botola-raja-wydad-derby", "sports"),
        ("https://www.matin-atlas.ma/meteo/averses-nord", None),
    ],
    ("rdf_fr.rdf", "https://www.tunis-hebdo.example/rss"): [
        ("https://www.tunis-hebdo.example/2025/03/11/sfax-port-modernisation", "economy"),
        ("https://www.tunis-hebdo.example/2025/03/10/festival-carthage-programme", "culture"),
        ("https://www.tunis-hebdo.example/2025/03/09/huile-olive-exportations", None),
    ],
    ("jsonfeed.json", "https://www.oran-info.example/feed.json"): [
        ("https://www.oran-info.example/culture/rai-festival-2025", "culture"),
        ("https://www.oran-info.example/economie/port-oran-conteneurs", "economy"),
        ("https://www.aps.example/fr/sport/mco-victoire", "sports"),
    ],
    ("atom_en.xml", "https://www.northafrica-post.example/atom.xml"): [
        # Categories "Energy" + "Tunisia": energy is an economy keyword, a country is nothing.
        ("https://www.northafrica-post.example/energy/tunisia-algeria-gas-deal", "economy"),
        ("https://www.northafrica-post.example/transport/algiers-metro", None),
        ("https://www.northafrica-post.example/economy/tourism-record-february", "economy"),
    ],
    ("future_date.xml", "https://www.tanger-express.example/feed"): [
        ("https://www.tanger-express.example/culture/salon-livre-programme", "culture"),
        ("https://www.tanger-express.example/economie/tanger-med-fevrier", "economy"),
    ],
    ("malformed.xml", "https://www.rif-actu.example/feed"): [
        ("https://www.rif-actu.example/nador-west-med-essais?id=12&ref=home", None),
        ("https://www.rif-actu.example/al-hoceima-peche", None),
        ("https://www.rif-actu.example/berkane-clementine", None),
    ],
    ("naive_dates.xml", "https://www.alger-soir.example/feed"): [
        ("https://www.alger-soir.example/national/conseil-ministres-decisions", None),
        ("https://www.alger-soir.example/societe/horaires-ramadan", "society"),
        ("https://www.alger-soir.example/economie/sonatrach-accord", "economy"),
    ],
    ("news_sitemap.xml", "https://www.lematin-dz.example/sitemap-news.xml"): [
        # Generic /actualite/ path, but the news keywords include "finances".
        ("https://www.lematin-dz.example/actualite/budget-2025-adopte", "economy"),
        ("https://www.lematin-dz.example/ar/watani/tariq-sayyar", None),
        ("https://www.lematin-dz.example/sport/jsk-coupe-caf", "sports"),
    ],
    ("rss091.xml", "http://www.presse-sud.example/rss"): [
        ("http://www.presse-sud.example/article.php?id=3312", None),
        ("http://www.presse-sud.example/article.php?id=3310", None),
        ("http://www.presse-sud.example/article.php?id=3305", None),
    ],
    ("rss_ar_cp1256.xml", "https://www.sawt-djazair.dz/rss"): [
        ("https://www.sawt-djazair.dz/ar/article/45120.html", "economy"),  # اقتصاد
        ("https://www.sawt-djazair.dz/ar/article/45118.html", "sports"),  # رياضة
        ("https://www.sawt-djazair.dz/ar/article/45110.html", None),
    ],
    ("sitemap_urlset.xml", "https://www.alyaoum-maroc.example/sitemap.xml"): [
        ("https://www.alyaoum-maroc.example/politique/session-parlement-avril", "politics"),
        ("https://www.alyaoum-maroc.example/economie/inflation-fevrier", "economy"),
    ],
}


@pytest.mark.parametrize(("fixture", "feed_url"), list(FIXTURE_SECTIONS), ids=lambda v: str(v))
def test_fixture_feed_articles_get_their_pinned_section(
    rules: SectionRules, fixture: str, feed_url: str
) -> None:
    feed = parse_feed((FIXTURES / fixture).read_bytes(), url=feed_url, now=NOW)
    got = [
        (e.url, classify_section(url=e.url, categories=e.categories, rules=rules))
        for e in feed.entries
    ]
    assert got == FIXTURE_SECTIONS[(fixture, feed_url)]


def test_fixture_pins_cover_every_feed_fixture_with_entries() -> None:
    pinned = {name for name, _ in FIXTURE_SECTIONS}
    # sitemap_index.xml lists sitemaps, not articles; page.html is an article page.
    on_disk = {p.name for p in FIXTURES.iterdir()} - {"sitemap_index.xml", "page.html"}
    assert on_disk == pinned


def test_press_site_articles_have_no_section(rules: SectionRules) -> None:
    # The fixture press (tests/web/press_site.py) serves /fr/<slug>.html, /ar/<slug>.html and
    # /en/<slug> with no feed categories: a language prefix is not a section.
    base = "http://127.0.0.1:8000"
    urls = [f"{base}/fr/{a['slug']}.html" for a in FR_ARTICLES]
    urls += [f"{base}/ar/{AR_ARTICLE['slug']}.html", f"{base}/en/{EN_ARTICLE['slug']}"]
    assert [classify(rules, u) for u in urls] == [None] * 4
    # Its pages' navigation: /politique, /sport, and the words سياسة / رياضة / الرئيسية.
    assert classify(rules, f"{base}/politique") == "politics"
    assert classify(rules, f"{base}/sport") == "sports"
    assert classify(rules, base + "/ar/x", "سياسة") == "politics"
    assert classify(rules, base + "/ar/x", "رياضة") == "sports"
    assert classify(rules, base + "/ar/x", "الرئيسية") is None
    assert classify(rules, base + "/fr/x", "Accueil") is None


# --- composed cases in French, Arabic and English --------------------------------------------

CASES: list[tuple[str, list[str], str | None]] = [
    # French categories
    ("https://www.example.ma/2025/03/11/slug", ["Politique"], "politics"),
    ("https://www.example.ma/a/slug", ["Actualité politique"], "politics"),
    ("https://www.example.ma/a/slug", ["Économie & Finance"], "economy"),
    ("https://www.example.ma/a/slug", ["Faits divers"], "society"),
    ("https://www.example.ma/a/slug", ["Monde"], "world"),
    ("https://www.example.ma/a/slug", ["International"], "world"),
    ("https://www.example.ma/a/slug", ["Arts et culture"], "culture"),
    ("https://www.example.ma/a/slug", ["High-Tech"], "tech"),
    ("https://www.example.ma/a/slug", ["Transport"], None),  # "sport" only as a whole word
    ("https://www.example.ma/a/slug", ["Agriculture"], None),  # nor "culture"
    # French paths
    ("https://fr.le360.ma/politique/voici-la-liste-245841/", [], "politics"),
    ("https://www.example.dz/international/onu-session", [], "world"),
    ("https://www.example.dz/monde/europe-sommet", [], "world"),
    ("https://www.example.dz/tech/5g-lancement", [], "tech"),
    ("https://www.example.tn/faits-divers/accident-sfax", [], "society"),
    ("https://www.example.tn/art-et-culture/festival", [], "culture"),
    # Arabic categories (with and without the article, with composite names)
    ("https://www.example.ma/x/1", ["الرياضة"], "sports"),
    ("https://www.example.ma/x/1", ["كرة القدم"], "sports"),
    ("https://www.example.ma/x/1", ["فن وثقافة"], "culture"),
    ("https://www.example.ma/x/1", ["أخبار دولية"], "world"),
    ("https://www.example.ma/x/1", ["عربي ودولي"], "world"),
    ("https://www.example.ma/x/1", ["مجتمع"], "society"),
    ("https://www.example.ma/x/1", ["تكنولوجيا"], "tech"),
    ("https://www.example.ma/x/1", ["سياسة وطنية"], "politics"),
    # Arabic paths, percent-encoded as feeds give them (/سياسة/ and /رياضة/)
    ("https://www.example.ma/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/12345", [], "politics"),
    ("https://www.example.ma/%D8%B1%D9%8A%D8%A7%D8%B6%D8%A9/12345", [], "sports"),
    ("https://www.example.ma/ar/مجتمع/12345", [], "society"),
    # English
    ("https://en.example.ma/politics/parliament-vote", [], "politics"),
    ("https://en.example.ma/business/bank-rates", [], "economy"),
    ("https://en.example.ma/sports/afcon-final", [], "sports"),
    ("https://en.example.ma/world/summit", [], "world"),
    ("https://en.example.ma/2025/03/11/slug", ["Technology"], "tech"),
    ("https://en.example.ma/2025/03/11/slug", ["Health"], "society"),
    # Generic categories and segments match nothing
    ("https://www.example.ma/maroc/slug", ["Maroc"], None),
    ("https://www.example.ma/actualite/slug", ["Actualité"], None),
    ("https://www.example.ma/x/1", ["الرئيسية", "أخبار وطنية"], None),
    ("https://www.example.ma/x/1", ["Non classé", "Une"], None),
    ("https://www.example.dz/national/slug", ["National", "Régions"], None),
    # The slug is not a section even when it contains a section word
    ("https://www.example.ma/actualite/la-politique-de-l-eau", [], None),
]


@pytest.mark.parametrize(("url", "categories", "expected"), CASES)
def test_composed_cases(
    rules: SectionRules, url: str, categories: list[str], expected: str | None
) -> None:
    assert classify_section(url=url, categories=categories, rules=rules) == expected


# --- order and priority ----------------------------------------------------------------------


def test_categories_beat_paths(rules: SectionRules) -> None:
    # The outlet filed it under Monde although the URL says /sport/: its category decides.
    assert classify(rules, "https://x.example/sport/slug", "Monde") == "world"
    assert classify(rules, "https://x.example/sport/slug", "Maroc") == "sports"


def test_ties_follow_the_documented_priority(rules: SectionRules) -> None:
    assert rules.priority == (
        "sports",
        "culture",
        "tech",
        "economy",
        "world",
        "politics",
        "society",
    )
    assert classify(rules, "https://x.example/a", "Coupe du monde") == "sports"
    assert classify(rules, "https://x.example/a", "International", "Sport") == "sports"
    assert classify(rules, "https://x.example/a", "Politique", "Société") == "politics"
    assert classify(rules, "https://x.example/a", "Politique", "International") == "world"
    assert classify(rules, "https://x.example/monde/sport/slug") == "sports"


def test_deterministic_whatever_the_order(rules: SectionRules) -> None:
    cats = ["Société", "Économie", "Culture", "Maroc"]
    results = {
        classify_section(url="https://x.example/a", categories=order, rules=rules)
        for order in (cats, cats[::-1], sorted(cats))
    }
    assert results == {"culture"}
    a = {"politics": ["path:/p/"], "economy": ["path:/p/"]}
    b = {"economy": ["path:/p/"], "politics": ["path:/p/"]}
    url = "https://x.example/p/slug"
    assert classify_section(url=url, categories=[], rules=rules, overrides=a) == "economy"
    assert classify_section(url=url, categories=[], rules=rules, overrides=b) == "economy"


# --- per-source overrides --------------------------------------------------------------------


def test_override_path_beats_default_category_and_path(rules: SectionRules) -> None:
    url = "https://www.mosaiquefm.net/fr/actualite-politique-tunisie/1266923/greve"
    assert classify(rules, url, "Monde") == "world"  # defaults alone
    assert (
        classify(rules, url, "Monde", politics=["path:/actualite-politique-tunisie/"]) == "politics"
    )
    # An override path that does not match leaves the defaults in charge.
    assert classify(rules, url, "Monde", economy=["path:/actualite-economie-tunisie/"]) == "world"


def test_override_category_beats_defaults_and_matches_whole_category(rules: SectionRules) -> None:
    url = "https://x.example/sport/slug"
    assert classify(rules, url, "Nation") == "sports"
    assert classify(rules, url, "NATION", politics=["category:Nation"]) == "politics"
    # Whole category only: "Nation" does not match "Nations Unies".
    assert classify(rules, url, "Nations Unies", politics=["category:Nation"]) == "sports"


def test_override_path_rules_come_before_override_category_rules(rules: SectionRules) -> None:
    overrides = {"sports": ["category:Actualité"], "culture": ["path:/loisirs/"]}
    got = classify_section(
        url="https://x.example/loisirs/slug",
        categories=["Actualité"],
        rules=rules,
        overrides=overrides,
    )
    assert got == "culture"


def test_override_path_is_a_run_of_whole_segments(rules: SectionRules) -> None:
    rule = {"culture": ["path:/ar/loisirs/"]}
    assert classify(rules, "https://x.example/ar/loisirs/123", **rule) == "culture"
    assert classify(rules, "https://x.example/site/ar/loisirs/123", **rule) == "culture"
    assert classify(rules, "https://x.example/loisirs/ar/123", **rule) is None
    assert classify(rules, "https://x.example/ar/loisirs-auto/123", **rule) is None
    assert classify(rules, "https://x.example/fr/ar-loisirs/123", **rule) is None


# --- folding ---------------------------------------------------------------------------------


def test_folding_accents_case_and_arabic_variants(rules: SectionRules) -> None:
    url = "https://x.example/a"
    for spelling in ("Économie", "ECONOMIE", "économie", "Economie"):
        assert classify(rules, url, spelling) == "economy", spelling
    # Hamza on alef, ta marbuta written as ha, tashkeel, tatweel, the article.
    for spelling in ("إقتصاد", "اقتصاد", "الاقتصاد", "اقْتِصَاد", "اقتـصاد"):
        assert classify(rules, url, spelling) == "economy", spelling
    for spelling in ("ثقافة", "ثقافه", "الثقافة"):
        assert classify(rules, url, spelling) == "culture", spelling
    assert classify(rules, "https://x.example/SOCIETE/slug") == "society"
    assert classify(rules, "https://x.example/Soci%C3%A9t%C3%A9/slug") == "society"
    assert section_key("Actualité-Politique") == ("actualite", "politique")
    assert section_key("الرياضة") == section_key("رياضة")


def test_override_rules_are_folded_too(rules: SectionRules) -> None:
    assert (
        classify(rules, "https://x.example/a", "societe", politics=["category:Société"])
        == "politics"
    )
    assert (
        classify(
            rules,
            "https://x.example/Politique-Nationale/1",
            politics=["path:/politique-nationale/"],
        )
        == "politics"
    )


# --- the rules file --------------------------------------------------------------------------


def test_default_rules_file_is_the_shipped_one_and_covers_every_section(
    rules: SectionRules,
) -> None:
    assert DEFAULT_SECTIONS_PATH == ROOT / "data" / "sections.toml"
    assert set(rules.categories.values()) == set(SECTION_KEYS)
    assert set(rules.paths.values()) == set(SECTION_KEYS)
    assert load_section_rules() == rules
    pickle.loads(pickle.dumps(rules))  # can be handed to a worker process


def write(tmp_path: Path, text: str, name: str = "sections.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PRIORITY = 'priority = ["sports", "culture", "tech", "economy", "world", "politics", "society"]\n'


def test_rules_file_rejects_unknown_section(tmp_path: Path) -> None:
    path = write(tmp_path, PRIORITY + '[sections.sport]\ncategories = ["Sport"]\n')
    with pytest.raises(
        SectionRulesError, match=r"unknown section 'sport'; known sections: politics"
    ):
        load_section_rules(path)


def test_rules_file_rejects_a_keyword_in_two_sections(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        PRIORITY + '[sections.world]\ncategories = ["Monde"]\n'
        '[sections.society]\ncategories = ["MONDE"]\n',
    )
    with pytest.raises(
        SectionRulesError, match="'MONDE' of 'society' is already a keyword of 'world'"
    ):
        load_section_rules(path)


def test_rules_file_rejects_bad_priority_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(SectionRulesError, match="priority must list each"):
        load_section_rules(write(tmp_path, 'priority = ["sports"]\n[sections.sports]\n'))
    with pytest.raises(SectionRulesError, match="invalid TOML"):
        load_section_rules(write(tmp_path, "priority = [\n"))
    with pytest.raises(SectionRulesError, match="cannot read"):
        load_section_rules(tmp_path / "missing.toml")


# --- the registry's sections table -----------------------------------------------------------

SOURCE = """
[[source]]
slug = "akhbar-test"
name = "Akhbar Test"
homepage = "https://example.ma/"
languages = ["fr"]
country = "MA"
feeds = ["https://example.ma/feed/"]
timezone = "Africa/Casablanca"
display = "full"
"""


def test_registry_reads_a_sections_table(tmp_path: Path, rules: SectionRules) -> None:
    text = (
        SOURCE
        + 'sections = { politics = ["path:/actualite-politique/", "category:Nation"], sports = ["path:/sport/"] }\n'
    )
    (spec,) = load_registry(write(tmp_path, text, "xx.toml"))
    assert dict(spec.sections) == {
        "politics": ("path:/actualite-politique/", "category:Nation"),
        "sports": ("path:/sport/",),
    }
    got = classify_section(
        url="https://example.ma/actualite-politique/1",
        categories=["Sport"],
        rules=rules,
        overrides=spec.sections,
    )
    assert got == "politics"
    # The multi-line form is the same table.
    text = SOURCE + '\n[source.sections]\npolitics = ["category:Nation"]\n'
    (spec,) = load_registry(write(tmp_path, text, "xx.toml"))
    assert dict(spec.sections) == {"politics": ("category:Nation",)}


def test_registry_sections_default_to_empty(tmp_path: Path) -> None:
    (spec,) = load_registry(write(tmp_path, SOURCE, "xx.toml"))
    assert dict(spec.sections) == {}
    hash(spec)  # still hashable: the mapping is left out of the hash


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'sections = { sport = ["path:/sport/"] }',
            "source 'akhbar-test': sections: unknown section 'sport' (did you mean 'sports'?); "
            "known sections: politics, economy, society, sports, culture, world, tech",
        ),
        ('sections = { faits-divers = ["path:/faits-divers/"] }', "unknown section 'faits-divers'"),
        (
            'sections = { politics = ["/politique/"] }',
            "sections.politics: rule '/politique/' must start with 'path:' or 'category:'",
        ),
        ('sections = { politics = ["url:/politique/"] }', "must start with 'path:' or 'category:'"),
        ('sections = { politics = ["path:/"] }', "names no path segment"),
        ('sections = { politics = ["category: "] }', "names no category"),
        (
            'sections = { politics = "path:/politique/" }',
            "sections.politics must be a list of strings",
        ),
        ("sections = { politics = [] }", "sections.politics must not be empty"),
        ("sections = { politics = [1] }", "sections.politics must hold non-empty strings"),
        ('sections = ["politics"]', "sections must be a table"),
    ],
)
def test_registry_rejects_bad_sections(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(RegistryError) as info:
        load_registry(write(tmp_path, SOURCE + line + "\n", "xx.toml"))
    assert message in str(info.value)


def test_rule_problem() -> None:
    assert rule_problem("path:/politique/") is None
    assert rule_problem("category:سياسة") is None
    assert rule_problem(3) == "rule 3 is not a string"


def test_shipped_registry_overrides(rules: SectionRules) -> None:
    specs = {s.slug: s for s in load_registry(ROOT / "data" / "sources")}
    with_rules = {slug for slug, s in specs.items() if s.sections}
    assert {"le360-fr", "mosaique-fm-fr"} <= with_rules
    mosaique = specs["mosaique-fm-fr"].sections
    url = "https://www.mosaiquefm.net/fr/actualite-economie-tunisie/96023/chambre-de-commerce"
    assert classify_section(url=url, categories=[], rules=rules) is None
    assert classify_section(url=url, categories=[], rules=rules, overrides=mosaique) == "economy"
    le360 = specs["le360-fr"].sections
    url = "https://fr.le360.ma/politique/accords-maroc-ue_C4MQKQ5BMNHETGUTRDVOEW3MXA/"
    assert (
        classify_section(url=url, categories=["Monde"], rules=rules, overrides=le360) == "politics"
    )
