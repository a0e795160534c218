"""Authors are people's names: bylines we wrote in French, Arabic and English."""

from __future__ import annotations

import json

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
    # A date after the name goes with its connective; a tail that is not a whole date does not
    # make a name, nor does a date's label.
    ("Par Karim Alami le 07 Mai 2020", ["Karim Alami"]),
    ("par Salma Bennani, 21 juin 2018", ["Salma Bennani"]),
    ("By Jane Doe on March 3, 2020", ["Jane Doe"]),
    ("By Jane Doe | Updated 3 hours ago", ["Jane Doe"]),
    ("En kiosques : juillet 2018", []),
    ("•Published December 22, 2023", []),
    ("Collectif", []),
    # Credentials after the name go; capitals that are a surname stay.
    ("Lauren Manaker MS", ["Lauren Manaker"]),
    ("Jack MA", ["Jack MA"]),
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


def _yoast_page(meta: str = "") -> bytes:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "NewsArticle", "@id": "https://ex.tn/parite/#article", "headline": "Parité : le débat reprend",
         "author": {"@id": "https://ex.tn/#/schema/person/5a"}, "datePublished": "2024-03-08T09:00:00+01:00"},
        {"@type": "Person", "@id": "https://ex.tn/#/schema/person/5a", "name": "Chokri GHARBI"},
    ]}
    return (
        f"<html lang='fr'><head><title>Parité : le débat reprend</title>{meta}"
        f'<script type="application/ld+json">{json.dumps(graph)}</script></head><body>'
        # A related story's author, linked before the article's own byline.
        "<aside><h3><a href='https://ex.tn/autre/'>Le message du courage</a></h3>"
        "<a href='https://ex.tn/author/abdelkrim-dermech/' rel='author'>Abdelkrim DERMECH</a></aside>"
        f"<article><h1>Parité : le débat reprend</h1>{BODY}</article></body></html>"
    ).encode()


def test_a_wordpress_graph_names_its_author_by_reference() -> None:
    draft = extract_article(_yoast_page(), url="https://ex.tn/parite/")
    assert draft.authors == ("Chokri GHARBI",)
    # The page's meta author, when it names one, comes first (the graph's person is the account
    # that posted the story).
    meta = '<meta name="author" content="Salma Bennani">'
    assert extract_article(_yoast_page(meta), url="https://ex.tn/parite/").authors == ("Salma Bennani",)


def _page(*, graph: dict[str, object] | None = None, byline: str = "", site: str = "") -> bytes:
    head = f'<meta property="og:site_name" content="{site}">' if site else ""
    if graph:
        head += f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    return (
        f"<html lang='fr'><head><title>Tanger Med bat son record</title>{head}</head><body><article>"
        f"<h1>Tanger Med bat son record</h1>{byline}{BODY}</article></body></html>"
    ).encode()


def test_an_author_field_naming_only_the_outlet_gives_way_to_the_byline() -> None:
    graph = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Tanger Med",
             "author": {"@type": "Person", "name": "L'Économiste"}}
    html = _page(graph=graph, site="L'Économiste",
                 byline="<span class='article_author-name'><a href='/auteur/salma-bennani-187'>"
                        "Salma Bennani</a></span>")
    assert extract_article(html, url="https://ex.ma/eco/tanger").authors == ("Salma Bennani",)


@pytest.mark.parametrize("byline", [
    # A French class name, the date on the same line.
    "<div class='dates_auteurs'>par <span class='auteurs'>Karim Alami</span>, 21 juin 2018</div>",
    # The outlet's name glued after the writer's.
    "<div class='byline'><span>Karim Alami</span><span>Le Courrier de Tanger</span></div>",
    # A link to a staff page.
    "<p><a href='https://ex.ma/fr/staff/karim-alami/'>Karim Alami</a></p>",
    # The name's own element inside a byline block, the town and another outlet beside it.
    "<div class='byline-section'><span class='author'><a href='/x'>Karim Alami</a>\n</span>"
    "<span class='credit'>Tanger Hebdo</span></div>",
    # A label in an element of its own.
    "<div class='auteur'><span class='auteur-label'>Auteur</span> <span>Karim Alami</span></div>",
])
def test_bylines_in_the_markup(byline: str) -> None:
    html = _page(byline=byline, site="Le Courrier de Tanger")
    assert extract_article(html, url="https://ex.ma/eco/tanger").authors == ("Karim Alami",)


def test_a_json_ld_name_given_as_a_list() -> None:
    graph = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Tanger Med",
             "author": [{"@type": "Person", "name": ["Salma Bennani"]}]}
    assert extract_article(_page(graph=graph), url="https://ex.ma/eco/tanger").authors == (
        "Salma Bennani",)


@pytest.mark.parametrize(("ending", "names"), [
    ("<p>Auteur : Karim Alami</p><p>Edition : S. Bennani</p>", ("Karim Alami",)),
    ("<p>بقلم يوسف العلوي</p>", ("يوسف العلوي",)),
    # A closing sentence that opens with a byline word is not a signature.
    ("<p>Par ailleurs le port recrute.</p>", ()),
    ("<p>By then, the quay was full.</p>", ()),
])
def test_a_signature_closing_the_text_names_the_author(ending: str, names: tuple[str, ...]) -> None:
    html = _page(byline="").replace(b"</article>", ending.encode() + b"</article>")
    assert extract_article(html, url="https://ex.ma/eco/tanger").authors == names
