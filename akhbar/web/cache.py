"""Whole-page cache keyed by a content version that every visible change bumps.

Web processes keep rendered pages in their own memory; the version lives in the database, so a
worker that stores an article (another process) invalidates every web process's copies at once.
One indexed single-row read per request replaces the page's queries and rendering.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse

CACHE_ALIAS = "pages"
PAGE_TTL = 600  # seconds: a bound on memory; freshness comes from the version


def content_version() -> int:
    """The current content version (0 before anything was stored)."""
    from akhbar.web.models import SiteState

    # Raw SQL: compiling the equivalent ORM query costs more than running it, on every hit.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {SiteState._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def bump_content_version() -> None:
    """Invalidate every cached page, in every process."""
    from akhbar.web.models import SiteState

    if not SiteState.objects.filter(pk=1).update(version=F("version") + 1):
        SiteState.objects.get_or_create(pk=1, defaults={"version": 1})


def pages_changed(
    *,
    articles: Iterable[int] = (),
    stories: Iterable[int] = (),
    sources: Iterable[int] = (),
    images: Iterable[int] = (),
) -> None:
    """The one call a write makes when what readers see changed: which articles, stories,
    sources and images it touched.

    Call it inside the write's transaction: readers see the old version with the old content
    until commit, then the new version with the new content. Model saves call it through
    signals; writes with ``.update()`` call it themselves. Every cached page is dropped for
    now (one content version); the arguments say what changed so that invalidation can narrow
    to the pages that show it.
    """
    changed = {"articles": list(articles), "stories": list(stories), "sources": list(sources),
               "images": list(images)}
    for listener in _listeners:
        listener(**changed)
    # Every cached page is dropped for now; the arguments are for the listeners (the search
    # index) and for narrower invalidation later.
    bump_content_version()


_listeners: list[Callable[..., None]] = []


def on_pages_changed(listener: Callable[..., None]) -> None:
    """Call ``listener(articles=…, stories=…, sources=…, images=…)`` on every change, in the
    write's transaction. Apps above news and sources subscribe here (the search index), so the
    layers that write never import them."""
    if listener not in _listeners:
        _listeners.append(listener)


EDITION_PREFIXES = ("/fr/", "/ar/", "/en/")


# Every cached value is bounded: a query string longer than this, or with a longer value, is
# served uncached rather than stored under a key of its own.
MAX_QUERY_CHARS = 1024
MAX_VALUE_CHARS = 256
MAX_PAGE_DIGITS = 5


def page_key(request: HttpRequest, version: int) -> str:
    """The cache key of a page: content version, scheme, host, edition, path and query.

    Scheme and host are part of it because pages hold absolute URLs built from them (canonical
    link, JSON-LD, the API's ``page_url``): one host's copy must not be served to another. The
    query's parameters are sorted so their order makes no second copy; the key is hashed so a
    long URL costs no more than a short one.
    """
    path = request.path
    edition = path[1:3] if path.startswith(EDITION_PREFIXES) else "-"
    query = sorted((k, v) for k, values in request.GET.lists() for v in values)
    raw = f"{request.scheme}\n{request.get_host()}\n{path}\n{query!r}"
    return f"page:{version}:{edition}:{hashlib.sha256(raw.encode()).hexdigest()}"


def cacheable_query(request: HttpRequest, params: frozenset[str]) -> bool:
    """Whether a page's query string may have a cache entry of its own.

    Only the parameters the view reads (``params``), with short values (``page`` a number):
    anything else (tracking tags, random junk) is answered uncached, so junk cannot fill the
    cache with copies of one page.
    """
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return True
    if len(query) > MAX_QUERY_CHARS:
        return False
    for key, values in request.GET.lists():
        if key not in params or len(values) != 1 or len(values[0]) > MAX_VALUE_CHARS:
            return False
        if key == "page" and not (values[0].isdigit() and len(values[0]) <= MAX_PAGE_DIGITS):
            return False
    return True


def _from_cache(hit: tuple[int, str, bytes], edition: str | None) -> HttpResponse:
    status, content_type, body = hit
    response = HttpResponse(body, status=status, content_type=content_type)
    if edition:
        response["Content-Language"] = edition
    response["X-Akhbar-Cache"] = "hit"
    return response


def early_hits(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Serve cached pages before the session, locale, CSRF and auth middleware run.

    A hit needs none of them (cached pages hold nothing per visitor); skipping them halves the
    cost of a hit. Security headers are added here since the inner middleware is skipped.
    """
    from akhbar.web.middleware import CSP

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and (
            request.path.startswith(EDITION_PREFIXES) or request.path.startswith("/api/v1/")
        ):
            version = content_version()
            # The view's decorator reuses it on a miss: one version read per request.
            request.content_version = version  # type: ignore[attr-defined]
            hit = caches[CACHE_ALIAS].get(page_key(request, version))
            if hit is not None:
                edition = request.path[1:3] if request.path.startswith(EDITION_PREFIXES) else None
                response = _from_cache(hit, edition)
                response["Content-Security-Policy"] = CSP
                response["X-Frame-Options"] = "DENY"
                if request.method == "HEAD":
                    response.content = b""
                return response
        return get_response(request)

    return middleware


def cached_page(view: Callable[..., HttpResponse] | None = None, *,
                params: Iterable[str] = ()) -> Any:
    """Serve a GET page from the cache while the content version is unchanged.

    ``@cached_page`` or ``@cached_page(params=("page",))``: ``params`` are the query parameters
    the view reads; a request with any other is rendered but not stored (see
    ``cacheable_query``). Only responses without cookies are stored, so nothing of one
    visitor's session is ever served to another.
    """
    allowed = frozenset(params)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if not cacheable_query(request, allowed):
                response = view(request, *args, **kwargs)
                response["X-Akhbar-Cache"] = "bypass"
                return response
            cache = caches[CACHE_ALIAS]
            version = getattr(request, "content_version", None)
            key = page_key(request, content_version() if version is None else version)
            hit = cache.get(key)
            if hit is not None:
                return _from_cache(hit, None)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response.render()
            if response.status_code == 200 and not response.cookies and not response.streaming:
                cache.set(key, (response.status_code, response["Content-Type"], response.content),
                          PAGE_TTL)
            response["X-Akhbar-Cache"] = "miss"
            return response

        return wrapper

    return decorate(view) if view is not None else decorate
