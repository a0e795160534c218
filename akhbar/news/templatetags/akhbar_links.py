"""Template filters for links: only http(s) URLs become links; article and outlet paths."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()


@register.filter
def http_url(url: object) -> str:
    """``url`` when it is an http(s) URL, else "" (a javascript: or data: URL must never be a link).

    Outlet URLs come from registries and feeds; autoescaping stops them from breaking out of
    the attribute but not a ``javascript:`` scheme from running when clicked.
    """
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


# --- article and outlet paths without a reverse() each -----------------------------------------

# A value no real key or slug takes: reversed once per URL name, language and URLconf, the path
# is split around it, and each link is the two halves around the key. A page lists up to 150
# links; Django's reverse() took about a quarter of the home page's template time.
_SENTINEL = "987654321987654321"
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_halves: dict[tuple[str, str | None, str, object], tuple[str, str] | None] = {}


def _path(name: str, value: str) -> str:
    key = (name, get_language(), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    halves = _halves.get(key)
    if halves is None and key not in _halves:
        parts = reverse(name, args=[_SENTINEL]).split(_SENTINEL)
        halves = _halves[key] = (parts[0], parts[1]) if len(parts) == 2 else None
    if halves is None:
        return reverse(name, args=[value])
    return halves[0] + value + halves[1]


@register.filter
def article_path(pk: object) -> str:
    """``{% url 'article' pk %}``, for an article's integer key."""
    if isinstance(pk, int) and pk >= 0:
        return _path("article", str(pk))
    return reverse("article", args=[pk])


@register.filter
def source_path(slug: object) -> str:
    """``{% url 'source' slug %}``, for an outlet's slug."""
    if isinstance(slug, str) and _SLUG.fullmatch(slug):
        return _path("source", slug)
    return reverse("source", args=[slug])
