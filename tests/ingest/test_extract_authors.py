"""Authors are people's names: bylines we wrote in French, Arabic and English."""

from __future__ import annotations

import pytest

from akhbar.ingest.extract.article import extract_article
from akhbar.ingest.extract.metadata import person_names

BODY = "".join(
    f"<p>Le port de Tanger Med a traité un volume record de conteneurs cette année, paragraphe "
    f"{i}, selon l'autorité portuaire qui annonce de nouveaux quais.</p>" for i in range(6)
)


@pytest.mark.parametrize(("byline", "names"), [
    ("Auteur : Anna Kubišta", ["Anna Kubišta"]),
    ("Auteurs : Salma Bennani et Karim Alami", ["Salma Bennani", "Karim Alami"]),
    ("Written by Jane Doe", ["Jane Doe"]),
    ("الكاتب: يوسف العلوي", ["يوسف العلوي"]),
    # An entity left escaped is one name; a conjunction left dangling by markup goes.
    ("James O&#39;Neil", ["James O'Neil"]),
    ("Travis Andersen and", ["Travis Andersen"]),
    # A job title, a sponsor, an outlet or an agency is not a person.
    ("Noah Eastwood, Money Reporter", ["Noah Eastwood"]),
    ("Daniel Tannenbaum, Sponsored", ["Daniel Tannenbaum"]),
    ("Minyvonne Burke, The Associated Press", ["Minyvonne Burke"]),
    ("Margaret Schmidt, The Jersey Journal", ["Margaret Schmidt"]),
    ("Lauren Manaker, RDN, LD", ["Lauren Manaker"]),
    ("Michael F Dougherty says", []),
    ("Javier Espinoza, Financial Times", ["Javier Espinoza"]),
    ("Jonathan Wasserman, Bleacher Report", ["Jonathan Wasserman"]),
    ("Staff and news service reports", []),
    ("Hespress FR Online", []),
    # Maghreb bylines write surnames in capitals: they stay.
    ("Chokri GHARBI", ["Chokri GHARBI"]),
    ("Par Ahmed AIT", ["Ahmed AIT"]),
])
def test_bylines_give_names(byline: str, names: list[str]) -> None:
    assert person_names(byline) == names


def test_a_link_to_the_writers_page_names_the_author() -> None:
    html = (
        "<html lang='fr'><head><title>Tanger Med bat son record</title></head><body><article>"
        "<h1>Tanger Med bat son record</h1><div data-testid='prism-byline'><span>Par</span>"
        "<a href='https://ex.ma/auteur/salma-bennani'>Salma Bennani</a></div>"
        f"{BODY}</article></body></html>"
    ).encode()
    draft = extract_article(html, url="https://ex.ma/economie/tanger-med-record")
    assert draft.authors == ("Salma Bennani",)
