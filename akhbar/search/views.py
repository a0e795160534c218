"""The search page of each edition (``/fr/search/?q=``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop

from akhbar.news import queries as news_queries
from akhbar.search import queries
from akhbar.sources.models import Source
from akhbar.web.cache import cached_page

SEARCH_MAX_QUERY = 200
PER_PAGE = 20
MAX_PAGE = queries.CAP // PER_PAGE  # the scored set holds the newest CAP matches
SEARCH_PARAMS = ("q", "page", "source", "section", "since", "until", "all")
# akhbar.ingest.textquery has no Django: its QueryError messages are translated here, and
# marked here so that makemessages keeps them in the catalogues.
QUERY_ERRORS = (
    gettext_noop("Type at least one word to search for."),
    gettext_noop("A search needs at least one word to look for, not only words to exclude."),
)


def _edition() -> str:
    lang = (get_language() or "fr")[:2]
    return lang if lang in news_queries.EDITION_LANGUAGES else "fr"


def _day(raw: str, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD form value as the start of that local day (of the next one for ``end``)."""
    day = date.fromisoformat(raw)
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time.min).replace(tzinfo=timezone.get_current_timezone())


@cached_page(params=SEARCH_PARAMS)
def search(request: HttpRequest) -> HttpResponse:
    """Full-text search of the edition's articles (or of all editions with ``all=1``)."""
    edition = _edition()
    q = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_QUERY]
    everywhere = request.GET.get("all") == "1"
    context: dict[str, object] = {"q": q, "edition": edition, "everywhere": everywhere,
                                  "sections": news_queries.SECTIONS, "error": ""}
    slug = request.GET.get("source", "")
    section = request.GET.get("section", "")
    source = Source.objects.filter(slug=slug).first() if slug else None
    try:
        since = _day(request.GET["since"]) if request.GET.get("since") else None
        until = _day(request.GET["until"], end=True) if request.GET.get("until") else None
    except (ValueError, OverflowError):
        since = until = None
        context["error"] = gettext("Dates are written YYYY-MM-DD; that one was ignored.")
    context.update(source=source, section=section if section in news_queries.SECTIONS else "",
                   since=request.GET.get("since", "") if since else "",
                   until=request.GET.get("until", "") if until else "")
    try:
        page = max(1, min(MAX_PAGE, int(request.GET.get("page", "1"))))
    except ValueError:
        page = 1
    if not q:
        return render(request, "news/search.html", context)
    filters = queries.Filters(
        editions=() if everywhere else (edition,), source_id=source.pk if source else None,
        section=str(context["section"]), since=since, until=until)
    try:
        results = queries.search(q, filters, offset=(page - 1) * PER_PAGE, limit=PER_PAGE,
                                 suggest=True)
    except queries.QueryError as exc:
        context["error"] = gettext(str(exc))
        return render(request, "news/search.html", context)
    base = {k: v for k, v in {"q": q, "source": slug if source else "",
                              "section": context["section"], "since": context["since"],
                              "until": context["until"], "all": "1" if everywhere else ""}.items() if v}
    context.update(
        results=results, page=page,
        previous_url=f"?{urlencode({**base, 'page': page - 1})}" if page > 1 else "",
        next_url=f"?{urlencode({**base, 'page': page + 1})}"
        if results.has_next and page < MAX_PAGE else "",
        suggestions=[(s, "?" + urlencode({**base, "q": s})) for s in results.suggestions],
        everywhere_url="?" + urlencode({**base, "all": "1"})
        if not everywhere and not results.hits and queries.found_elsewhere(q, filters) else "",
    )
    return render(request, "news/search.html", context)
