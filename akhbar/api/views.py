"""Read-only JSON API, version 1 (schema: /api/v1/openapi.json)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from akhbar.api.schema import openapi_document
from akhbar.news import queries
from akhbar.news.models import Article, Image, Story
from akhbar.search import queries as search_queries
from akhbar.sources import queries as source_queries
from akhbar.sources.models import Source
from akhbar.web.cache import cached_page, tag_page
from akhbar.web.errors import api_error

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
ARTICLE_PARAMS = ("limit", "source", "section", "story", "language", "since", "cursor")
MAX_ID = 2**63 - 1  # ids are 64-bit integers (BigAutoField): a larger one is not an id


class BadRequest(ValueError):
    """A query parameter is invalid; the message says which and why."""


def get_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET and HEAD only; anything else is a JSON 405. The API changes nothing, so it needs no
    CSRF check (which would answer another method with an HTML 403 first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = api_error(f"method {request.method} is not allowed", 405)
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _id(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a {name} id") from None
    if not 1 <= value <= MAX_ID:
        raise BadRequest(f"{name} must be a {name} id")
    return value


def _utc(when: datetime) -> datetime:
    """``when`` in UTC; a date that has no UTC equivalent (year 1 at +14:00) is a bad request."""
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise BadRequest("date is out of range") from None


def image_json(image: Image | None, request: HttpRequest) -> dict[str, Any] | None:
    """The API's image object: akhbar's own copy (never the outlet's URL), null when blocked."""
    if image is None:
        return None
    path = image.rendition_url()
    return {"id": image.pk, "url": request.build_absolute_uri(path) if path else None,
            "status": image.status}


def _edition_of(article: Article) -> str:
    return article.language if article.language in queries.EDITION_LANGUAGES else "fr"


def _page_path(article: Article) -> str:
    with translation.override(_edition_of(article)):
        return reverse("article", args=[article.pk])


def article_json(article: Article, request: HttpRequest) -> dict[str, Any]:
    """An article as the API shows it."""
    return {
        "id": article.pk,
        "url": article.url,
        "title": article.title,
        "published": article.published.astimezone(UTC).isoformat(),
        "language": article.language,
        "source": {"slug": article.source.slug, "name": article.source.name},
        "image": image_json(article.image, request),
        "page_url": request.build_absolute_uri(_page_path(article)),
        "copy_of": article.copy_of_id,
        "story": article.story_id,
        "section": article.section or None,
        # A section stored without its source predates the model: the rules gave it.
        "section_source": (article.section_source or "rules") if article.section else None,
    }


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _limit(request: HttpRequest) -> int:
    raw = request.GET.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("limit must be a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def encode_cursor(article: Article) -> str:
    """An opaque position after ``article`` in newest-first order."""
    raw = f"{article.published.astimezone(UTC).isoformat()}|{article.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, pk = raw.rsplit("|", 1)
        published = datetime.fromisoformat(when)
        if published.tzinfo is None:
            raise ValueError("a cursor's date has an offset")
        return _utc(published), _id(pk, "cursor")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("cursor is not one this API gave out") from None


def _filtered_articles(request: HttpRequest) -> QuerySet[Article]:
    qs = queries.visible_articles()
    slug = request.GET.get("source")
    if slug:
        if not Source.objects.filter(slug=slug).exists():
            raise LookupError(f"unknown source {slug!r}")
        qs = qs.filter(source__slug=slug)
    section = request.GET.get("section")
    if section:
        if section not in queries.SECTIONS:
            raise BadRequest(f"section must be one of {', '.join(queries.SECTIONS)}")
        qs = qs.filter(section=section)
    story_param = request.GET.get("story")
    if story_param:
        qs = qs.filter(story_id=_id(story_param, "story"))
    language = request.GET.get("language")
    if language:
        if len(language) != 2 or not language.isalpha():
            raise BadRequest("language must be a two-letter ISO 639-1 code")
        qs = qs.filter(language=language.lower())
    since = request.GET.get("since")
    if since:
        try:
            when = parse_datetime(since)
        except ValueError:  # well formed but impossible (month 13, hour 25)
            when = None
        if when is None or when.tzinfo is None:
            raise BadRequest("since must be an ISO 8601 date and time with an offset")
        qs = qs.filter(published__gte=_utc(when))
    cursor = request.GET.get("cursor")
    if cursor:
        published, pk = decode_cursor(cursor)
        qs = qs.filter(Q(published__lt=published) | Q(published=published, id__lt=pk))
    return qs


@get_only
@cached_page(params=ARTICLE_PARAMS)
def articles(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/articles — newest first, in ``items``; ``next`` pages on with a cursor."""
    try:
        limit = _limit(request)
        page = list(_filtered_articles(request)[: limit + 1])
    except BadRequest as exc:
        return api_error(str(exc), 400)
    except LookupError as exc:
        return api_error(str(exc.args[0]), 404)
    more = len(page) > limit
    page = page[:limit]
    next_url = None
    if more:
        params = request.GET.copy()
        params["cursor"] = encode_cursor(page[-1])
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return _json({"items": [article_json(a, request) for a in page], "next": next_url})


@get_only
@cached_page
def sources(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/sources — every outlet akhbar follows, with its health."""
    health = {h.slug: h for h in source_queries.source_health(datetime.now(UTC))}
    items = []
    for s in Source.objects.order_by("slug"):
        h = health[s.slug]
        items.append({
            "slug": s.slug, "name": s.name, "homepage": s.homepage, "country": s.country,
            "languages": list(s.languages), "display": s.display,
            "editions": sorted(queries.source_editions(s.languages, s.editions)),
            "health": h.state, "articles_24h": h.articles_24h,
            "last_success": h.last_success.astimezone(UTC).isoformat() if h.last_success else None,
        })
    return _json({"items": items})


@get_only
@cached_page
def story(request: HttpRequest, pk: int) -> JsonResponse:
    """GET /api/v1/stories/{id} — a story and its articles, oldest first."""
    found = Story.objects.filter(pk=pk).first()
    while found is not None and found.merged_into_id:
        found = Story.objects.filter(pk=found.merged_into_id).first()
    if found is None:
        return api_error(f"unknown story {pk}", 404)
    tag_page(request, f"story:{found.pk}")
    articles = queries.visible_articles().filter(story=found).order_by("published", "id")
    return _json({
        "id": found.pk,
        "title": found.title,
        "first_published": found.first_published.astimezone(UTC).isoformat()
        if found.first_published else None,
        "last_published": found.last_published.astimezone(UTC).isoformat()
        if found.last_published else None,
        "article_count": found.article_count,
        "outlet_count": found.outlet_count,
        "languages": list(found.languages),
        "page_url": request.build_absolute_uri(reverse("story", args=[found.pk])),
        "articles": [article_json(a, request) for a in articles],
    })


@get_only
def openapi(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/openapi.json — the OpenAPI 3.1 description of this API."""
    return _json(openapi_document(request.build_absolute_uri("/")))


SEARCH_PARAMS = ("q", "lang", "source", "section", "since", "until", "limit", "cursor")
SEARCH_MAX_LIMIT = 100


def _search_date(raw: str, name: str, *, end: bool = False) -> datetime:
    """A ``since``/``until`` value: a day (YYYY-MM-DD, UTC; ``until`` includes it) or a date
    and time with an offset."""
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
            return datetime.combine(day, time.min, tzinfo=UTC) + (timedelta(days=1) if end else timedelta())
        except (ValueError, OverflowError):
            raise BadRequest(f"{name} must be YYYY-MM-DD or an ISO 8601 date and time with an offset") from None
    try:
        when = parse_datetime(raw)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise BadRequest(f"{name} must be YYYY-MM-DD or an ISO 8601 date and time with an offset")
    return _utc(when)


def _search_filters(request: HttpRequest) -> search_queries.Filters:
    lang = request.GET.get("lang", "")
    if lang and lang not in queries.EDITION_LANGUAGES:
        raise BadRequest("lang must be fr, ar or en")
    source_id = None
    slug = request.GET.get("source")
    if slug:
        source_id = Source.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if source_id is None:
            raise BadRequest(f"unknown source {slug!r}")
    section = request.GET.get("section", "")
    if section and section not in queries.SECTIONS:
        raise BadRequest(f"section must be one of {', '.join(queries.SECTIONS)}")
    since = _search_date(request.GET["since"], "since") if request.GET.get("since") else None
    until = _search_date(request.GET["until"], "until", end=True) if request.GET.get("until") else None
    return search_queries.Filters(languages=(lang,) if lang else (), source_id=source_id,
                                  section=section, since=since, until=until)


@get_only
@cached_page(params=SEARCH_PARAMS)
def search(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/search?q= — best first, in ``items`` with a ``snippet``; ``count``; ``next``."""
    try:
        q = request.GET.get("q", "")
        if not q.strip():
            raise BadRequest("q is required: the words to search for")
        raw_limit = request.GET.get("limit", "20")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= SEARCH_MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {SEARCH_MAX_LIMIT}")
        limit = int(raw_limit)
        offset = 0
        if request.GET.get("cursor"):
            try:
                offset = int(base64.urlsafe_b64decode(request.GET["cursor"] + "==").decode())
            except (ValueError, binascii.Error, UnicodeDecodeError):
                raise BadRequest("cursor is not one this API gave out") from None
            if not 0 <= offset <= 10_000:
                raise BadRequest("cursor is not one this API gave out")
        results = search_queries.search(q, _search_filters(request), offset=offset, limit=limit)
    except BadRequest as exc:
        return api_error(str(exc), 400)
    except search_queries.QueryError as exc:
        return api_error(str(exc), 400)
    next_url = None
    if results.has_next:
        params = request.GET.copy()
        params["cursor"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode().rstrip("=")
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    items = [{**article_json(hit.article, request), "snippet": hit.snippet} for hit in results.hits]
    return _json({"items": items, "count": results.count, "next": next_url})
