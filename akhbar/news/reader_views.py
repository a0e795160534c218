"""Reader pages added for a finished portal: the outlet directory, the headline ticker's
refresh, the favicon, and error pages in the edition's language."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language

from akhbar.news import reader
from akhbar.news.queries import EDITION_LANGUAGES
from akhbar.web.cache import cached_page, tag_page

FAVICON = Path(__file__).resolve().parents[1] / "static" / "akhbar" / "favicon.ico"


def _edition() -> str:
    lang = (get_language() or "fr")[:2]
    return lang if lang in EDITION_LANGUAGES else "fr"


@cached_page
def source_directory(request: HttpRequest) -> HttpResponse:
    """Every outlet of the edition by country and language, with its latest headline and count."""
    groups = reader.outlet_directory(_edition())
    # Any article list may change a latest headline or a count ("lists"); a renamed or
    # re-described outlet changes its own entry.
    tag_page(request, "lists", *(f"source:{e.source.pk}" for g in groups
                                 for _, _, entries in g.by_language for e in entries))
    return render(request, "reader/sources.html", {
        "groups": groups, "total": sum(len(entries) for g in groups
                                       for _, _, entries in g.by_language),
        "edition": _edition(),
    })


@cached_page
def ticker_strip(request: HttpRequest) -> HttpResponse:
    """The headline ticker alone, for its script's live refresh."""
    tag_page(request, "front")
    return render(request, "reader/_strip.html", {"ticker": reader.ticker_headlines(_edition())})


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links to."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response


def page_not_found_html(request: HttpRequest) -> HttpResponse:
    """The edition's 404 page: its language and direction, a search box and a way home."""
    return HttpResponse(loader.render_to_string("404.html", {"edition": _edition()}, request),
                        status=404)


def server_error_html(request: HttpRequest) -> HttpResponse:
    """The edition's 500 page, rendered without the database (it may be what failed)."""
    return HttpResponse(loader.render_to_string("500.html", {"edition": _edition()}),
                        status=500)
