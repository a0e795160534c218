""""Most read": clicks on an article's link to its source, counted per article and hour.

Nothing about the reader is kept — no cookie, no address, no user agent: one counter per article
and hour. Clicks reach ``POST /read/<id>`` as the link's ``ping`` (hyperlink auditing, no script
needed) or, where the page's script runs, as a beacon (which then drops the ``ping`` so a click
counts once). The link itself stays a plain link to the source, and cached pages stay the same
for everyone: counting happens in that separate request.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db.models import F, Model
from django.utils import timezone
from django.utils.crypto import salted_hmac

from akhbar.news import queries
from akhbar.news.models import Article, ReadBudget, ReadCount

MOST_READ_WINDOW = timedelta(hours=24)
# How long hourly counters are kept: "most read" needs a day of them; a month lets an operator
# look back (admin) without the table growing with every hour the portal has ever served.
READS_KEPT = timedelta(days=30)

# Clicks one client network may add per hour: to one article (a reader who comes back to it
# twice or three times), and to all articles together (far above what one reader clicks, far
# below what a script would add).
READS_PER_ARTICLE = 3
READS_PER_CLIENT = 60
_RATE_SALT = "akhbar.news.reads.within_rate"

# Crawlers, link previewers, monitors and HTTP libraries: their requests are not readers.
_BOTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|facebookexternalhit|embedly|whatsapp|"
    r"headless|phantomjs|lighthouse|pingdom|monitor|uptime|check|scan|feed|rss|"
    r"curl|wget|python|httpx|aiohttp|requests|go-http|java/|okhttp|libwww|scrapy|node-fetch|"
    r"axios|postman|insomnia",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """Whether a User-Agent is a robot's (an empty one is)."""
    return not user_agent.strip() or bool(_BOTS.search(user_agent))


def hour_of(when: datetime) -> datetime:
    """The start of when's hour."""
    return when.replace(minute=0, second=0, microsecond=0)


def within_rate(network: str, article_id: int, now: datetime | None = None) -> bool:
    """Count a click from a client network towards its hourly limits; whether it may still be
    counted (False once the network has given READS_PER_ARTICLE clicks to this article or
    READS_PER_CLIENT in all this hour). The budgets are rows of the database, so every web
    process and machine spends the same one."""
    hour = hour_of(now or timezone.now())
    client = salted_hmac(_RATE_SALT, f"{hour.isoformat()}|{network}",
                         algorithm="sha256").hexdigest()[:32]
    return (_spend(client, hour, 0, READS_PER_CLIENT)
            and _spend(client, hour, article_id, READS_PER_ARTICLE))


def _spend(client: str, hour: datetime, article_id: int, limit: int) -> bool:
    """Take one click from a budget row; False when it is spent."""
    return _add_one(ReadBudget, limit, client=client, hour=hour, article_id=article_id)


def _add_one(model: type[Model], limit: int | None = None, **keys: object) -> bool:
    """Add one to the ``count`` of model's row for keys, below limit if one is given; whether it
    was added. The row is created at 0 when missing (INSERT … ON CONFLICT DO NOTHING), then one
    UPDATE guarded by the limit decides: atomic on either engine, so concurrent requests never
    lose a count nor overspend, whichever of them creates the row."""
    rows = model._default_manager.filter(**keys)
    if limit is not None:
        rows = rows.filter(count__lt=limit)
    if rows.update(count=F("count") + 1):
        return True
    model._default_manager.bulk_create([model(**keys, count=0)], ignore_conflicts=True)
    return bool(rows.update(count=F("count") + 1))


def record_read(article_id: int, now: datetime | None = None) -> bool:
    """Count one click on an article's source link; False when there is no such visible
    article (nothing counted)."""
    if not Article.objects.filter(pk=article_id, hidden=False).exists():
        return False
    return _add_one(ReadCount, article_id=article_id, hour=hour_of(now or timezone.now()))


def prune_read_counts(now: datetime | None = None) -> int:
    """Delete the hourly counters older than READS_KEPT, and the click budgets of past hours
    (the hourly sweep); how many counters went."""
    now = now or timezone.now()
    cutoff = hour_of(now - READS_KEPT)
    deleted, _ = ReadCount.objects.filter(hour__lt=cutoff).delete()
    # Click budgets matter only in their own hour.
    ReadBudget.objects.filter(hour__lt=hour_of(now)).delete()
    return deleted


def most_read(edition: str, limit: int = 5, now: datetime | None = None,
              source_ids: list[int] | None = None) -> list[tuple[Article, int]]:
    """The most read stories of the last 24 hours in the edition's outlets, each as its most
    clicked article with the story's clicks (an article without a story stands alone)."""
    now = now or timezone.now()
    ids = queries.edition_source_ids(edition) if source_ids is None else source_ids
    # The window's clicks first (the hour index), then their articles by key: joined in one
    # query, SQLite may start from the edition's articles (every one of them, with no reads in
    # its statistics) and the home page grew with the archive (bench/scale.py). Summed here,
    # not by GROUP BY article_id, which SQLite serves by walking every row ever counted in
    # article order.
    clicks: dict[int, int] = {}
    for article_id, count in (ReadCount.objects.filter(hour__gt=hour_of(now - MOST_READ_WINDOW))
                              .values_list("article_id", "count")):
        clicks[article_id] = clicks.get(article_id, 0) + count
    if not clicks:
        return []
    rows = (Article.objects.filter(pk__in=list(clicks), hidden=False, source_id__in=ids)
            .order_by("pk").values_list("pk", "story_id"))
    stories: dict[object, tuple[int, int, int]] = {}  # group → (total, best count, best id)
    for article_id, story_id in rows:
        n = clicks[article_id]
        group = story_id or f"a{article_id}"
        total, best_n, best_id = stories.get(group, (0, -1, 0))
        if n > best_n:
            best_n, best_id = n, article_id
        stories[group] = (total + n, best_n, best_id)
    ranked = sorted(stories.values(), key=lambda v: (-v[0], -v[2]))[:limit]
    if not ranked:
        return []
    articles = (queries.visible_articles().defer("text", "html", "fingerprint",
                                                 "cluster_features")
                .in_bulk([best_id for _, _, best_id in ranked]))
    return [(articles[best_id], total) for total, _, best_id in ranked if best_id in articles]
