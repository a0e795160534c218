"""Give readers of edition pages the CSRF cookie the report button's script sends back."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token


def csrf_cookie(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Set ``csrftoken`` on HTML pages that lack it, after the page cache stored the page.

    Placed inside CsrfViewMiddleware: ``get_token`` marks the cookie for it to set on the way
    out. The cached copy (made in the view decorator) never holds the cookie.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (request.method in ("GET", "HEAD") and response.status_code == 200
                and settings.CSRF_COOKIE_NAME not in request.COOKIES
                and not request.path.startswith(("/admin/", "/api/", "/images/", "/static/"))
                and response.get("Content-Type", "").startswith("text/html")):
            get_token(request)
        return response

    return middleware
