"""Error answers: JSON under /api/ (every status, 400 to 500), the edition's pages elsewhere.

Django logs each server error (logger ``django.request``, see LOGGING) before calling
``server_error``; these views only choose the answer's format.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(message: str, status: int) -> JsonResponse:
    """The API's error body: ``{"error": message}``."""
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error("bad request", 400)
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error("forbidden", 403)
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error("not found", 404)
    from akhbar.news.reader_views import page_not_found_html

    return page_not_found_html(request)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error("internal server error", 500)
    from akhbar.news.reader_views import server_error_html

    try:
        return server_error_html(request)
    except Exception:  # the error page must not fail in turn: Django's plain one
        return defaults.server_error(request)


def reject_nul_bytes(
        get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Answer 400 to a URL holding a NUL character, before any view sees it.

    No akhbar URL or parameter has a legitimate use for one, and PostgreSQL refuses NUL in text
    (the query would fail with a 500 deep inside a view).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if is_api(request):
                return api_error("NUL characters are not allowed in URLs", 400)
            return HttpResponse("Bad request", status=400, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware
