"""The report endpoint (JSON, an htmx fragment, or a page for browsers without JavaScript) and
the answer to refused CSRF checks.

Pages are cached whole, so the report form in them carries no CSRF token: report.js sends the
cookie's token in a header. Without JavaScript the browser posts the form as it is; the refusal
then comes back as a small uncached page holding the same form with a token, and one more click
sends the report; the answer is a page with the message and a link back to the article.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from akhbar.moderation import services
from akhbar.moderation.models import Reason
from akhbar.moderation.network import client_address
from akhbar.news.models import Image

HTTP_STATUS = {services.REPORTED: 200, services.BLOCKED: 200, services.ALREADY_REPORTED: 200,
               services.RATE_LIMITED: 429}


def _messages() -> dict[str, str]:
    return {
        services.REPORTED: _("Thanks for reporting! This image will be blocked automatically "
                             "once several people have reported it."),
        services.BLOCKED: _("Thanks for reporting! This image is now hidden."),
        services.ALREADY_REPORTED: _("You have already reported this image. Thank you."),
        services.RATE_LIMITED: _("Too many reports from your connection. Please try again in a "
                                 "few minutes."),
        "invalid": _("Please choose a reason for your report."),
        "not_found": _("This image no longer exists."),
        "csrf": _("Your report could not be verified. Please reload the page and try again."),
        "confirm": _("Please confirm your report."),
    }


def _wants_page(request: HttpRequest) -> bool:
    """A plain form post from a browser (no script): it asks for HTML, not JSON."""
    accept = request.headers.get("Accept", "")
    return (not request.headers.get("HX-Request") and "text/html" in accept
            and "application/json" not in accept)


def _back(request: HttpRequest) -> str:
    """Where the report page links back to: the form's page if it is one of ours."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return f"/{translation.get_language() or 'fr'}/"


def _page(request: HttpRequest, status: str, http_status: int, *, confirm: bool,
          pk: int | None = None) -> HttpResponse:
    reason = request.POST.get("reason", "")
    response = render(request, "moderation/report_page.html", {
        "status": status, "message": _messages()[status], "back": _back(request),
        "confirm": confirm, "image_pk": pk, "reason": reason if reason in Reason.values else "other",
        "reasons": Reason.choices,
    }, status=http_status)
    response["Cache-Control"] = "no-store"
    return response


def _answer(request: HttpRequest, status: str, http_status: int) -> HttpResponse:
    if _wants_page(request):
        return _page(request, status, http_status, confirm=False)
    message = _messages()[status]
    if request.headers.get("HX-Request"):
        return render(request, "moderation/_report_result.html",
                      {"status": status, "message": message}, status=http_status)
    return JsonResponse({"status": status, "message": message}, status=http_status)


# A reader is known to the report endpoint by a random token in a signed cookie, not by a
# session: a session is a database row, and a flood of report POSTs (most of them refused)
# must not cost storage. The cookie goes to /images/ only, on uncached answers.
REPORTER_COOKIE = "akhbar_reporter"
REPORTER_COOKIE_AGE = 365 * 24 * 3600


def _give_reporter_cookie(request: HttpRequest, response: HttpResponse, token: str) -> None:
    response.set_signed_cookie(
        REPORTER_COOKIE, token, salt=REPORTER_COOKIE, max_age=REPORTER_COOKIE_AGE,
        path="/images/", httponly=True, samesite="Lax",
        secure=request.is_secure() or bool(settings.SESSION_COOKIE_SECURE))


def _language(request: HttpRequest) -> str:
    # The endpoint has no language prefix: the page says which edition the reader is on.
    lang = request.POST.get("lang", "")
    return lang if lang in dict(settings.LANGUAGES) else (translation.get_language() or "fr")


@never_cache
@require_POST
def report_image(request: HttpRequest, pk: int) -> HttpResponse:
    """A reader reports image ``pk`` with a ``reason``; blocked once enough people did."""
    with translation.override(_language(request)):
        reason = request.POST.get("reason", "")
        if reason not in Reason.values:
            return _answer(request, "invalid", 400)
        token = request.get_signed_cookie(REPORTER_COOKIE, default=None, salt=REPORTER_COOKIE)
        new_reader = not token
        if new_reader:
            token = secrets.token_urlsafe(24)
        address = client_address(request.META.get("REMOTE_ADDR", ""),
                                 request.META.get("HTTP_X_FORWARDED_FOR", ""),
                                 settings.CONFIG.trusted_proxies)
        try:
            outcome = services.record_image_report(
                pk, reason=reason, reporter_token=str(token), address=address)
        except Image.DoesNotExist:
            return _answer(request, "not_found", 404)
        response = _answer(request, outcome.status, HTTP_STATUS[outcome.status])
        if new_reader:
            _give_reporter_cookie(request, response, str(token))
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Refused CSRF check on the report endpoint: the form again with a token for a browser
    without JavaScript, JSON otherwise; Django's page elsewhere."""
    if request.path.startswith("/images/") and request.path.endswith("/report"):
        with translation.override(_language(request)):
            if _wants_page(request) and request.method == "POST":
                match = request.resolver_match
                pk = match.kwargs.get("pk") if match else None
                return _page(request, "confirm", 403, confirm=True, pk=pk)
            return _answer(request, "csrf", 403)
    return django_csrf_failure(request, reason=reason)
