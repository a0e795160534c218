"""Which requests have a cached page, and under which key (``akhbar.web.cache``).

Split from the page cache itself: the key (scheme, host, edition, path, sorted query, hashed),
the bound on query strings that may have a copy of their own, and staff requests, which never
do.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest

EDITION_PREFIXES = ("/fr/", "/ar/", "/en/")

# Every cached value is bounded: a query string longer than this, or with a longer value, is
# served uncached rather than stored under a key of its own.
MAX_QUERY_CHARS = 1024
MAX_VALUE_CHARS = 256
MAX_PAGE_DIGITS = 5


def page_key(request: HttpRequest) -> str:
    """The cache key of a page: scheme, host, edition, path and query.

    Scheme and host are part of it because pages hold absolute URLs built from them (canonical
    link, JSON-LD, the API's ``page_url``): one host's copy must not be served to another. The
    query's parameters are sorted so their order makes no second copy; the key is hashed so a
    long URL costs no more than a short one.
    """
    path = request.path
    edition = path[1:3] if path.startswith(EDITION_PREFIXES) else "-"
    query = sorted((k, v) for k, values in request.GET.lists() for v in values)
    raw = f"{request.scheme}\n{request.get_host()}\n{path}\n{query!r}"
    return f"page:{edition}:{hashlib.sha256(raw.encode()).hexdigest()}"


def signed_in(request: HttpRequest) -> bool:
    """A request with a session cookie: staff (readers never get a session). Their pages are
    rendered for them and never stored (the empty home tells staff why it is empty), as the
    nginx front bypasses its cache for them."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


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
