"""Template context of every edition page: the headline ticker, rendered once per change."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import caches
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from akhbar.news import reader
from akhbar.news.models import Article
from akhbar.news.queries import EDITION_LANGUAGES
from akhbar.web.cache import CACHE_ALIAS, CHANGES

# The strip's HTML is kept per edition and process until an article changes (the "front" tag
# of the page cache) or for this long, so a page render costs no ticker query. Pages embed it
# and are themselves kept up to cache.FRESH_FOR (5 minutes): the script refreshes it live.
STRIP_FRESH_FOR = 60.0
# While the portal ingests, articles change the front several times a second: a page rendered
# without the edition's latest list (an article, an outlet…) takes a strip up to this old after a
# change rather than building it again each render (the issue allows a ticker 5 minutes old;
# the home page, which has the latest list, always shows the newest).
STRIP_AFTER_CHANGE = 15.0


def strip_html(edition: str, latest: list[Article] | None = None) -> SafeString:
    """The headline ticker of ``edition`` (its language active), rendered or remembered;
    from ``latest`` (the edition's latest originals, with their outlets) when a page has them."""
    key = f"reader-strip:{edition}"
    store = caches[CACHE_ALIAS]
    kept = store.get(key)
    if kept is not None:
        epoch, at, html = kept
        age = time.monotonic() - at
        if age < STRIP_FRESH_FOR and (CHANGES.fresh(("front",), epoch)
                                      or (latest is None and age < STRIP_AFTER_CHANGE)):
            return mark_safe(html)
    epoch = CHANGES.epoch
    ticker = reader.pick_ticker(latest) if latest is not None else reader.ticker_headlines(edition)
    html = render_to_string("reader/_strip.html", {"ticker": ticker})
    store.set(key, (epoch, time.monotonic(), str(html)), int(STRIP_FRESH_FOR * 2))
    return mark_safe(html)


def ticker(request: HttpRequest) -> dict[str, Callable[[], SafeString]]:
    """``reader_strip``: a callable, so only templates that show the ticker pay for it."""
    lang = (get_language() or "fr")[:2]
    edition = lang if lang in EDITION_LANGUAGES else "fr"
    return {"reader_strip": lambda: strip_html(edition)}
