"""HTTP caching a front can use: who may keep a response (Cache-Control) and compression.

ETags and ``304 Not Modified`` come from Django's ``ConditionalGetMiddleware``, placed between
the two middleware here and outside ``akhbar.web.cache.early_hits``, so pages answered from the
page cache get them too (see MIDDLEWARE in akhbar/settings/base.py for the order and why).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.regex_helper import _lazy_re_compile
from django.utils.text import compress_string

# Anonymous pages and API answers: the same bytes for every reader, so a shared cache may keep
# them. Everything else (admin, report endpoint, /csrf-cookie, images with their own header)
# keeps what its view said, or no Cache-Control at all (nginx then stores nothing: it has no
# proxy_cache_valid, deploy/nginx/akhbar.conf).
SHARED_PREFIXES = ("/fr/", "/ar/", "/en/", "/api/v1/", "/sitemap.xml")

# What Django's {% csrf_token %} renders: a body holding it is one reader's.
TOKEN_MARK = b"csrfmiddlewaretoken"

PER_VISITOR = "private, no-store"

COMPRESSIBLE = frozenset({
    "text/html", "text/plain", "text/css", "text/javascript", "text/xml", "application/json",
    "application/javascript", "application/xml", "application/rss+xml", "application/atom+xml",
    "image/svg+xml",
})

_accepts_gzip = _lazy_re_compile(r"\bgzip\b")


def _vary(response: HttpResponseBase) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


def carries_token(response: HttpResponseBase) -> bool:
    """Whether the body holds a CSRF token (a form): it must be neither shared nor compressed."""
    return (isinstance(response, HttpResponse) and not response.streaming
            and TOKEN_MARK in response.content)


def is_per_visitor(response: HttpResponseBase) -> bool:
    """A response made for one reader: it sets a cookie, depends on one, or holds a token."""
    return bool(response.cookies) or "cookie" in _vary(response) or carries_token(response)


def shared_cache_control() -> str:
    """The Cache-Control of anonymous pages, from AKHBAR_HTTP_MAX_AGE and _STALE_SECONDS."""
    config = settings.CONFIG
    if config.http_max_age == 0:
        return "public, no-cache"  # kept, but every use is revalidated (If-None-Match → 304)
    value = f"public, max-age={config.http_max_age}, s-maxage={config.http_max_age}"
    if config.http_stale_seconds:
        value += f", stale-while-revalidate={config.http_stale_seconds}"
    return value


def apply_cache_control(request: HttpRequest, response: HttpResponseBase) -> None:
    """Mark ``response`` shared-cacheable, private or leave it as its view decided."""
    existing = response.get("Cache-Control", "").lower()
    if is_per_visitor(response):
        # Whatever the view said: a cookie or a token must never reach another reader, nor sit
        # in a shared cache. A view's own private or no-store choice (admin's never_cache, the
        # report page's no-store) is kept.
        if "no-store" not in existing and "private" not in existing:
            response["Cache-Control"] = PER_VISITOR
        return
    if existing:
        return
    if (request.method in ("GET", "HEAD") and response.status_code == 200
            and request.path.startswith(SHARED_PREFIXES)
            # Anything but the encoding (the "/" redirect varies on Accept-Language) would need
            # the front to keep variants; such answers stay out of shared caches. The API's
            # Accept-Language comes from LocaleMiddleware on every unprefixed path, but its
            # answers do not depend on it: the page cache keys them without a language.
            and _vary(response) - {"accept-language" if request.path.startswith("/api/") else ""}
            <= {"accept-encoding"}):
        response["Cache-Control"] = shared_cache_control()


def cache_control(get_response: Callable[[HttpRequest], HttpResponseBase]) -> Callable[[HttpRequest], HttpResponseBase]:
    """Set Cache-Control on the way out, cache hits included (it sits outside early_hits)."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        apply_cache_control(request, response)
        return response

    return middleware


def body_digest(body: bytes) -> str:
    """A page's ETag value as ``django.utils.cache.set_response_etag`` computes it (its MD5),
    kept with the page cache's copy; "" for a body holding a CSRF token (never given one)."""
    return "" if TOKEN_MARK in body else hashlib.md5(body, usedforsecurity=False).hexdigest()


def give_digest(response: HttpResponse, digest: str) -> None:
    """A cached page's ETag from its stored digest, also the gzip memo's key: without it
    ConditionalGetMiddleware and the memo each hashed the body again on every hit."""
    if digest:
        response["ETag"] = f'"{digest}"'
        response.body_digest = digest  # type: ignore[attr-defined]


class GzipMemo:
    """Compressed bodies of shared pages by the digest of their plain body, bounded in bytes.

    A cache hit costs well under a millisecond; compressing a 60 KiB page at level 6 costs
    about one. Shared pages are the same bytes for every reader and hold no secret, so one
    compression serves every reader until the page changes (its digest with it).
    """

    def __init__(self, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def compress(self, body: bytes, digest: str | None = None) -> bytes:
        """``body`` gzipped; ``digest``: its MD5 (hex) when known (a cached page's)."""
        key = digest or hashlib.md5(body, usedforsecurity=False).hexdigest()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        # No random padding: BREACH needs a secret in the body, and shared pages have none.
        packed = compress_string(body)
        with self._lock:
            if key not in self._items and len(packed) <= self.max_bytes:
                self._items[key] = packed
                self._size += len(packed)
                while self._size > self.max_bytes:
                    _, old = self._items.popitem(last=False)
                    self._size -= len(old)
        return packed


class CompressMiddleware(GZipMiddleware):
    """Django's gzip for HTML, JSON, XML, CSS and JS, never for a response holding a token.

    BREACH recovers a secret from the size of compressed responses that also reflect
    attacker-chosen text; the only secrets akhbar puts in bodies are CSRF tokens (the report
    confirmation page, the admin), so those bodies go out uncompressed (Django also masks the
    token anew on every response). The admin is left alone entirely. Cookies travel in headers,
    which HTTP/1.1 never compresses. Static files are compressed ahead of time by the static
    storage and served by WhiteNoise (streamed: not touched here).
    """

    memo = GzipMemo()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (not isinstance(response, HttpResponse) or response.streaming
                or response.has_header("Content-Encoding") or len(response.content) < 200):
            return response
        ctype = response.get("Content-Type", "").partition(";")[0].strip().lower()
        if ctype not in COMPRESSIBLE or request.path.startswith("/admin/") or carries_token(response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not _accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        shared = response.get("Cache-Control", "").startswith("public")
        body = (self.memo.compress(response.content, getattr(response, "body_digest", None))
                if shared
                else compress_string(response.content, max_random_bytes=self.max_random_bytes))
        if len(body) >= len(response.content):
            return response
        response.content = body
        response.headers["Content-Length"] = str(len(body))
        # The strong ETag named the plain bytes (RFC 9110 8.8.1): the gzipped ones are "weakly"
        # the same; If-None-Match compares weakly, so revalidation still gets its 304.
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response
