"""Admin login throttling with django-axes: who is counted, and what a blocked attempt gets.

Failed logins are counted per username (existing or not) and per client network, the same
network notion as reader reports (IPv4 /24, IPv6 /48 by AKHBAR_IPV6_NETWORK_PREFIX): one
attacker rarely holds a single address of a network, and rotating through a /64 or a /24 must
not reset the count. Axes's backend refuses a blocked attempt before any password is hashed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from akhbar.moderation.network import client_address, network_prefix

# Clients whose address cannot be read (a unix socket without a trusted proxy) share one bucket,
# as they do for report caps: throttled together rather than not at all.
UNKNOWN_NETWORK = "0.0.0.0"


def client_network(request: HttpRequest) -> str:
    """The network a login attempt comes from, as the address axes records (AXES_CLIENT_IP_CALLABLE)."""
    addr = client_address(request.META.get("REMOTE_ADDR", ""),
                          request.META.get("HTTP_X_FORWARDED_FOR", ""),
                          settings.CONFIG.trusted_proxies)
    if addr is None:
        return UNKNOWN_NETWORK
    return str(network_prefix(addr).network_address)


# axes stores the username in a 255-character column, and Django's login form does not enforce
# the username's length: a longer one failed to save on PostgreSQL (a 500 instead of a refusal).
USERNAME_CHARS = 255


def client_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username a login attempt is counted under (AXES_USERNAME_CALLABLE), cut to fit."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    value = credentials.get(field) if credentials else getattr(request, "POST", {}).get(field)
    return None if value is None else str(value)[:USERNAME_CHARS]


def lockout_message() -> str:
    return _("Too many failed login attempts, try again later")


def lockout_response(request: HttpRequest, response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The answer to a blocked login (AXES_LOCKOUT_CALLABLE): 429, a short translated page."""
    message = lockout_message()
    body = format_html(
        '<!doctype html><html lang="{}" dir="{}"><head><meta charset="utf-8">'
        "<title>{}</title></head><body><h1>{}</h1></body></html>",
        get_language() or "fr", "rtl" if get_language_bidi() else "ltr", message, message)
    answer = HttpResponse(body, status=429, content_type="text/html; charset=utf-8")
    answer["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    answer["Cache-Control"] = "no-store"
    return answer
