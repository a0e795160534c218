"""Anchors: the transliteration table across scripts, numbers, names."""

from __future__ import annotations

import re

import pytest

from akhbar.ingest.cluster.entities import (
    AnchorExtractor,
    EntityTableError,
    anchors,
    load_entity_table,
)


@pytest.fixture(scope="module")
def extractor() -> AnchorExtractor:
    return AnchorExtractor()


# (anchor, spellings in Arabic, French and English headlines, clitics and variants included)
CROSS_SCRIPT = [
    ("place:al_hoceima", ["احتجاجات في الحسيمة", "Manifestation à Al Hoceima", "Protest in Al-Hoceïma", "زيارة للحسيمة"]),
    ("person:tebboune", ["الرئيس تبون يستقبل", "Le président Tebboune reçoit", "Abdelmadjid Tebboune receives"]),
    ("place:rabat", ["اجتماع بالرباط", "Réunion à Rabat", "Meeting in Rabat", "وفد يصل إلى الرباط"]),
    ("place:casablanca", ["حريق في الدار البيضاء", "Incendie à Casablanca", "Fire in Casablanca", "وبالدار البيضاء"]),
    ("country:tunisie", ["انتخابات في تونس", "Élections en Tunisie", "Elections in Tunisia", "Rencontre à Tunis"]),
    ("country:algerie", ["الجزائر تستدعي سفيرها", "L'Algérie rappelle son ambassadeur", "Algeria recalls", "Sommet à Alger", "Summit in Algiers", "بالجزائر العاصمة"]),
    ("person:kais_saied", ["قيس سعيّد يحل البرلمان", "Kaïs Saïed dissout le Parlement", "Kais Saied dissolves parliament"]),
    ("person:akhannouch", ["أخنوش يترأس مجلس الحكومة", "Akhannouch préside le conseil", "Aziz Akhannouch chairs"]),
    ("country:maroc", ["المغرب يفوز", "Le Maroc gagne", "Morocco wins", "للمغرب", "والمغرب", "le gouvernement marocain"]),
    ("place:al_haouz", ["زلزال الحوز", "séisme d'Al-Haouz", "the Al Haouz earthquake"]),
    ("person:mohammed_vi", ["الملك محمد السادس", "le Roi Mohammed VI", "King Mohammed VI"]),
    ("club:wydad", ["الوداد البيضاوي يتوج", "Le Wydad sacré", "Wydad Casablanca crowned"]),
    ("party:pjd", ["حزب العدالة والتنمية", "le PJD", "the PJD"]),
    ("team:lions_atlas", ["أسود الأطلس", "les Lions de l'Atlas", "the Atlas Lions"]),
    ("org:ugtt", ["الاتحاد العام التونسي للشغل", "l'UGTT appelle", "UGTT calls"]),
    ("place:bourse_paris", ["La Bourse de Paris recule", "le CAC 40 finit en baisse", "Paris Bourse falls", "بورصة باريس تتراجع", "مؤشر كاك 40"]),
    ("place:wall_street", ["Wall Street ouvre en hausse", "le Dow Jones recule", "the Nasdaq rallies", "وول ستريت تغلق", "مؤشر داو جونز"]),
    ("place:bourse_casablanca", ["La Bourse de Casablanca termine en hausse", "le MASI gagne 1 %", "بورصة الدار البيضاء", "وببورصة الدار البيضاء"]),
    ("org:ministere_interieur", ["وزارة الداخلية تعلن", "le ministère de l'Intérieur annonce", "the Interior Ministry said"]),
]


@pytest.mark.parametrize(("anchor", "spellings"), CROSS_SCRIPT, ids=[a for a, _ in CROSS_SCRIPT])
def test_every_spelling_gives_one_canonical_anchor(
    extractor: AnchorExtractor, anchor: str, spellings: list[str]
) -> None:
    for spelling in spellings:
        assert anchor in extractor.anchors(spelling), spelling


def test_table_is_large_and_every_entry_has_arabic_and_latin_forms() -> None:
    ENTITY_TABLE = load_entity_table()
    assert len(ENTITY_TABLE) >= 80
    kinds = {kind for kind, _ in ENTITY_TABLE.values()}
    assert {"country", "place", "person", "org", "party", "club", "team"} <= kinds
    for key, (_, forms) in ENTITY_TABLE.items():
        assert any(any("\u0600" <= ch <= "\u06ff" for ch in f) for f in forms) or key == "mali", key
        assert any(f.isascii() or any("a" <= ch.lower() <= "z" for ch in f) for f in forms), key


def test_common_words_are_not_taken_for_entities(extractor: AnchorExtractor) -> None:
    # "est" (is), "un", "can" fold into acronyms (EST, UN, CAN) only when written in capitals.
    assert extractor.entities("Il est un homme qui can tout") == set()
    assert "club:esperance_tunis" in extractor.entities("L'EST s'impose")
    # مالي (financial) is not Mali; كان (was) is not the CAN.
    assert extractor.entities("دعم مالي كان منتظرا") == set()


def test_numbers_are_normalised(extractor: AnchorExtractor) -> None:
    assert "num:2946" in extractor.numbers("٢٩٤٦ قتيلا")
    assert "num:2946" in extractor.numbers("2 946 morts")
    assert "num:2946" in extractor.numbers("2,946 dead")
    assert "num:2946" in extractor.numbers("2.946 morts")
    assert "num:1.5" in extractor.numbers("1,5 milliard")
    assert "num:1.5" in extractor.numbers("1.5 billion")
    assert "num:6.8" in extractor.numbers("بقوة ٦٫٨ درجات")
    assert extractor.numbers("en 2019") == {"year:2019"}


def test_scores_are_read_in_either_order(extractor: AnchorExtractor) -> None:
    assert extractor.numbers("Maroc 2-1 Portugal") == {"score:1-2"}
    assert extractor.numbers("البرتغال 1 - 2 المغرب") == {"score:1-2"}
    assert "score:0-3" in extractor.numbers("victoire (3:0)")
    # A span of years is not a score.
    assert extractor.numbers("2019-2024") == {"year:2019", "year:2024"}


def test_latin_names_skip_sentence_starts_and_title_case(extractor: AnchorExtractor) -> None:
    assert extractor.names("Selon le ministre, Jony Ive quitte Apple.") == {
        "name:jony",
        "name:ive",
        "name:apple",
    }
    assert extractor.names("Morocco Beats Portugal To Reach Semi-Finals") == set()


def test_same_event_across_languages_shares_anchors() -> None:
    fr = anchors("Séisme de magnitude 6,8 dans la province d'Al-Haouz", "Le Maroc déplore 2 946 morts.", "fr")
    ar = anchors("زلزال بقوة 6.8 درجات يضرب إقليم الحوز", "المغرب يعلن ٢٩٤٦ قتيلا", "ar")
    en = anchors("Magnitude 6.8 earthquake hits Al Haouz", "Morocco says 2,946 people died.", "en")
    common = fr & ar & en
    assert {"place:al_haouz", "num:6.8", "num:2946", "country:maroc"} <= common


def test_the_table_is_data_and_a_custom_one_can_be_passed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    table = load_entity_table()
    assert table["al_hoceima"][0] == "place" and "الحسيمة" in table["al_hoceima"][1]
    custom = tmp_path / "entities.toml"
    custom.write_text('[entities.excalibur]\nkind = "org"\nforms = ["Excalibur", "إكسكاليبر"]\n',
                      encoding="utf-8")
    extractor = AnchorExtractor(load_entity_table(custom))
    assert extractor.entities("Excalibur et إكسكاليبر au Maroc") == {"org:excalibur"}


@pytest.mark.parametrize(("text", "problem"), [
    ('[entities.x]\nkind = "planet"\nforms = ["Mars"]\n', r"\[entities.x\]: unknown kind 'planet'"),
    ('[entities.x]\nkind = "place"\nforms = []\n', r"\[entities.x\]: 'forms' must be a non-empty list"),
    ('[entities.x]\nkind = "place"\nforms = ["Rabat", " - "]\n', r"\[entities.x\]: form ' - ' is not a name"),
    ('[entities.x]\nkind = "place"\nforms = ["Rabat"]\nwhere = "MA"\n', r"\[entities.x\]: must hold exactly"),
    ('[entities.Rabat]\nkind = "place"\nforms = ["Rabat"]\n', r"\[entities.Rabat\]: the key must be"),
    ('[entity.x]\nkind = "place"\n', r"unknown top-level key\(s\) 'entity'"),
    ('[entities.x\n', r"invalid TOML"),
])
def test_a_bad_entry_is_refused_with_the_file_and_entry_named(tmp_path, text: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "entities.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EntityTableError, match=rf"^{re.escape(str(path))}: (.*: )?{problem}"):
        load_entity_table(path)
