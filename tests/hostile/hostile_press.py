"""Helpers for the hostile-press tests: outlets registered straight in the database, feeds whose
every field we choose (links that are not links, thousands of items), pages written for us."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from akhbar.sources.models import Feed, Source
from tests.config import config  # noqa: F401  (re-exported for the hostile tests)
from tests.press import FixturePress
from tests.web.press_site import article_page

PARAS = [
    "Le conseil communal a adopté mardi le budget de l'année prochaine après un long débat "
    "sur les transports publics et l'entretien des routes de la ville.",
    "Les élus de l'opposition ont regretté l'absence de nouvelles pistes cyclables, tandis "
    "que la majorité a défendu la hausse des crédits consacrés aux écoles.",
    "Le président du conseil a promis une réunion publique avant la fin du trimestre pour "
    "présenter le calendrier des travaux aux habitants des quartiers concernés.",
]


def add_source(press: FixturePress, slug: str, feed_path: str, *, lang: str = "fr",
               name: str | None = None) -> Feed:
    """An outlet with one feed on ``press`` (no registry file needed)."""
    source = Source.objects.create(slug=slug, name=name or slug.title(),
                                   homepage=press.url("/"), languages=[lang], country="MA",
                                   editions=[lang])
    return Feed.objects.create(source=source, url=press.url(feed_path))


def item(title: str, *, link: str | None = None, guid: str | None = None,
         date: datetime | None = None, summary: str = "") -> dict[str, Any]:
    return {"title": title, "link": link, "guid": guid, "date": date, "summary": summary}


def rss(items: list[dict[str, Any]], *, title: str = "Hostile", lang: str = "fr") -> str:
    """RSS 2.0 whose links and guids are written exactly as given (None: element absent)."""
    rows = []
    for it in items:
        parts = [f"<title>{escape(it['title'])}</title>"]
        if it["link"] is not None:
            parts.append(f"<link>{escape(it['link'])}</link>")
        if it["guid"] is not None:
            parts.append(f'<guid isPermaLink="false">{escape(it["guid"])}</guid>')
        if it["date"] is not None:
            parts.append(f"<pubDate>{it['date'].strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>")
        parts.append(f"<description>{escape(it['summary'])}</description>")
        rows.append("<item>" + "".join(parts) + "</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.org/</link><language>{lang}</language>"
            + "".join(rows) + "</channel></rss>")


def page(title: str, lang: str = "fr") -> str:
    return article_page(title, PARAS, lang=lang, iso=None, image="")


def dated(n: int, base: datetime | None = None) -> datetime:
    """The n-th of a series of dates, newest first (n = 0 is the newest)."""
    base = base or datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    return base - timedelta(minutes=n)
