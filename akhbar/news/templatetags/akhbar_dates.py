"""Date filters for long lists: the text of Django's ``date`` filter in the two formats the
lists use, without its format parser (the home page's ticker formats a hundred dates, and the
``date`` filter was a sixth of the home page's template time; bench/render.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.template.defaultfilters import date

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date_iso(value: Any) -> str:
    """``{{ value|date:'c' }}``: ISO 8601, in the current time zone."""
    if isinstance(value, datetime):
        return value.isoformat()
    return date(value, "c")


@register.filter(expects_localtime=True, is_safe=False)
def date_short(value: Any) -> str:
    """``{{ value|date:"d/m H:i" }}`` (day/month hours:minutes, in the current time zone) for a
    time of this year; ``{{ value|date:"d/m/Y" }}`` for another year: "17/12 10:30" in December
    2026 would read as a few days ahead, not as 2020."""
    if isinstance(value, datetime):
        # The value is in the current zone (expects_localtime): "now" there, without
        # timezone.localdate()'s lookups (8 µs a call, a hundred calls a home page).
        if value.year != datetime.now(value.tzinfo).year:
            return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
        return f"{value.day:02d}/{value.month:02d} {value.hour:02d}:{value.minute:02d}"
    return date(value, "d/m H:i")


@register.filter(expects_localtime=True, is_safe=False)
def date_long(value: Any) -> str:
    """``{{ value|date:"d/m/Y H:i" }}``: with the year (a story's timeline may span years)."""
    if isinstance(value, datetime):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}"
    return date(value, "d/m/Y H:i")
