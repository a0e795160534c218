"""Which date a page is credited with when its markup and its printed lines disagree (pages we
write: evergreen guides re-dated by their outlet, corrections, WordPress graphs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from akhbar.ingest.extract.article import extract_article
from akhbar.ingest.extract.dates import printed_date

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
BODY = "".join(
    f"<p>Le guide des sorties d'hiver à Ifrane recense les pistes, les gîtes et les refuges "
    f"ouverts cette saison, section {i}, avec les prix relevés par notre rédaction.</p>"
    for i in range(6)
)


def guide(printed: str, *, extra: str = "", graph: dict[str, object] | None = None) -> bytes:
    """An evergreen guide first published in 2019, changed on 19 December 2023."""
    data = graph or {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": "Où skier à Ifrane cet hiver", "datePublished": "2019-03-30T08:00:00+01:00",
        "dateModified": "2023-12-19T09:00:00+01:00",
    }
    return (
        "<html lang='fr'><head><title>Où skier à Ifrane cet hiver</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head><body><article>'
        f"<h1>Où skier à Ifrane cet hiver</h1><div class='byline'>Par Salma Bennani "
        f"<time>{printed}</time></div>{extra}{BODY}</article></body></html>"
    ).encode()


def published(html: bytes) -> datetime | None:
    return extract_article(html, url="https://ex.ma/guides/ifrane-ski", now=NOW).published


def test_a_page_that_prints_only_its_change_date_is_credited_with_it() -> None:
    # Readers of the source see "19 décembre 2023": the outlet re-dated the guide.
    assert published(guide("19 décembre 2023")) == datetime(2023, 12, 19, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("printed", "extra"), [
    # The printed date is labelled as an update: the markup's publication stands.
    ("Mis à jour le 19 décembre 2023", ""),
    ("Updated Dec 19, 2023", ""),
    # The page says the printed date is not the first publication.
    ("19 décembre 2023", "<p class='note'>* Cet article, initialement publié en mars 2019, a fait "
                         "l'objet d'une mise à jour.</p>"),
    ("Dec 19, 2023", "<p class='info'>This story was originally published in March 2019.</p>"),
])
def test_a_labelled_change_keeps_the_publication_date(printed: str, extra: str) -> None:
    assert published(guide(printed, extra=extra)) == datetime(2019, 3, 30, 7, 0, tzinfo=UTC)


def test_a_printed_date_that_is_neither_stays_out() -> None:
    # A printed day that is not the markup's change day does not override its publication.
    assert published(guide("12 janvier 2022")) == datetime(2019, 3, 30, 7, 0, tzinfo=UTC)


def test_a_correction_after_the_date_is_not_the_date() -> None:
    # Byline and time in adjacent elements; the correction follows on the same line.
    lines = ["By Sarah Holder December 22, 2023 at 8:00 AM EST Corrected December 28, 2023 at 2:28 PM EST"]
    found = printed_date(lines)
    assert found is not None and not found.updated
    assert found.value.replace(tzinfo=None) == datetime(2023, 12, 22, 8, 0)
    found = printed_date(["Corrected December 28, 2023 at 2:28 PM EST"])
    assert found is not None and found.updated and found.value.day == 28
    html = guide("", extra="<div class='meta'><span>Par Salma Bennani</span><span>22 décembre 2023 à 08h00"
                           "</span><span>Modifié le 28 décembre 2023</span></div>",
                 graph={"@type": "NewsArticle", "headline": "Où skier à Ifrane cet hiver"})
    assert published(html) == datetime(2023, 12, 22, 8, 0, tzinfo=UTC)


def test_glued_byline_and_date_are_read_apart() -> None:
    # "<span>By Sarah Holder</span><time>December 22, 2023</time>" is not "HolderDecember 22".
    html = guide("", extra="<div class='byline'><span>By Sarah Holder</span><span>December 22, 2023 "
                           "at 8:00 AM EST</span></div>",
                 graph={"@type": "NewsArticle", "headline": "Où skier à Ifrane cet hiver"})
    assert published(html) == datetime(2023, 12, 22, 13, 0, tzinfo=UTC)


def test_a_wordpress_graph_that_dates_only_its_webpage() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Ifrane Mag"},
        {"@type": "WebPage", "name": "Où skier à Ifrane cet hiver",
         "datePublished": "2023-09-21T13:35:00+00:00", "dateModified": "2023-09-21T13:37:22+00:00"},
    ]}
    # Related articles print later days; the page's own graph dates it.
    html = guide("", graph=graph, extra="<ul class='related-date'><li>December 22, 2023</li></ul>")
    assert published(html) == datetime(2023, 9, 21, 13, 35, tzinfo=UTC)


@pytest.mark.parametrize(("line", "expected"), [
    ("mardi 10.12.19", datetime(2019, 12, 10)),
    ("Publié le 10/12/19 à 06h00", datetime(2019, 12, 10, 6, 0)),
    ("الثلاثاء 10-12-19", datetime(2019, 12, 10)),
])
def test_a_date_line_with_a_two_digit_year_is_read(line: str, expected: datetime) -> None:
    found = printed_date([line])
    assert found is not None and found.value == expected


@pytest.mark.parametrize("line", ["version 1.2.19", "le 10.12.19 à Casablanca",
                                  "31.02.19", "10.13.19"])
def test_a_two_digit_year_elsewhere_is_not_a_date(line: str) -> None:
    assert printed_date([line]) is None


def test_a_publication_line_with_a_two_digit_year_is_the_date_readers_see() -> None:
    # The markup carries the evening the piece was filed; the page says it was published the
    # next morning, with a two-digit year.
    html = guide("Publié le 10/12/19 à 06h00", graph={
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": "Où skier à Ifrane cet hiver", "datePublished": "2019-12-09T19:00:00+01:00"})
    got = extract_article(html, url="https://ex.ma/guides/ifrane-ski", now=NOW,
                          source_timezone="Africa/Casablanca").published
    assert got == datetime(2019, 12, 10, 5, 0, tzinfo=UTC)  # 06:00 in Casablanca (UTC+1 then)
