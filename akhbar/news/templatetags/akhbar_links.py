"""Template filters for links to outlets: only http(s) URLs become links."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def http_url(url: object) -> str:
    """``url`` when it is an http(s) URL, else "" (a javascript: or data: URL must never be a link).

    Outlet URLs come from registries and feeds; autoescaping stops them from breaking out of
    the attribute but not a ``javascript:`` scheme from running when clicked.
    """
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""
