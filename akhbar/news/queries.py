"""Reads of the news app: what pages and the API show."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from akhbar.news.models import Article, Image, Story
from akhbar.sources.models import Source

# Which outlet languages each edition lists (the Maghress French edition carries French- and
# English-language outlets); a source's registry ``editions`` adds it to more.
EDITION_LANGUAGES = {"fr": ("fr", "en"), "ar": ("ar",), "en": ("en",)}
EXCERPT_CHARS = 300

# Section keys (akhbar.ingest.sections.SECTION_KEYS) with their translated labels, in menu order.
SECTIONS = {
    "politics": _("Politics"),
    "economy": _("Economy"),
    "society": _("Society"),
    "sports": _("Sports"),
    "culture": _("Culture"),
    "world": _("World"),
    "tech": _("Tech"),
}


#: The columns a listed article shows (title, outlet, time, picture) and the lists' own choices
#: read (story, section, copy). Django converts and sets every column it loads, about forty a row
#: with the picture's; the home page lists some sixty articles, an article page up to fifteen.
LISTED = ("id", "source", "title", "language", "published", "section", "story", "copy_of", "url",
          "image__id", "image__status", "image__local_path", "image__widths", "image__width",
          "image__height", "image__source_url")

#: How many pages of 30 a paginated list of the archive (an outlet, a section, an author) counts:
#: 600 rows, about 1.3 ms of CPU on SQLite (3,000 rows took 9 ms; bench/scale.py).
MAX_PAGES = 20


class BoundedPaginator(Paginator):
    """A paginator that counts no more than ``max_pages`` pages of rows.

    Counting every article of an outlet or a section read its whole range of the index, so page 1
    cost more as the archive grew (bench/scale.py); this one counts over a LIMIT subquery, the
    same price at ten thousand articles or a million. When there are more rows than that,
    ``truncated`` is true, the pages past the last counted are not served (the last counted
    page is, as for any page number past the end), and ``total_label`` reads "20+".
    """

    def __init__(self, object_list: QuerySet[Article], per_page: int,
                 max_pages: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.queryset = object_list
        self.max_pages = MAX_PAGES if max_pages is None else max_pages

    @cached_property
    def _counted(self) -> int:
        return self.queryset.values("pk")[: self.per_page * self.max_pages + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.per_page * self.max_pages)

    @property
    def truncated(self) -> bool:
        return self._counted > self.per_page * self.max_pages

    @property
    def total_label(self) -> str:
        return f"{self.num_pages}+" if self.truncated else str(self.num_pages)


def visible_articles() -> QuerySet[Article]:
    """Articles readers may see, with what listings show, newest first."""
    return (
        Article.objects.filter(hidden=False)
        .select_related("source", "image")
        .order_by("-published", "-id")
    )


def source_editions(languages: list[str], editions: list[str]) -> set[str]:
    """The editions that list a source: its registry ``editions``, plus those of its languages."""
    shown = {e for e in editions if e in EDITION_LANGUAGES}
    for edition, langs in EDITION_LANGUAGES.items():
        if any(lang in langs for lang in languages):
            shown.add(edition)
    return shown


def edition_source_ids(edition: str) -> list[int]:
    """Ids of the sources an edition lists (one small query; sources number in the hundreds)."""
    return [
        pk
        for pk, languages, editions in Source.objects.values_list("pk", "languages", "editions")
        if edition in source_editions(languages or [], editions or [])
    ]


def edition_articles(edition: str, source_ids: list[int] | None = None, *,
                     outlets: bool = True) -> QuerySet[Article]:
    """Visible articles of the sources an edition lists (``source_ids`` when already known),
    with their outlets (``outlets=False``: without, for ``attach_outlets``)."""
    if edition not in EDITION_LANGUAGES:
        edition = "fr"
    if source_ids is None:
        source_ids = edition_source_ids(edition)
    # Outlets come in a second query (prefetch), not a join: joined to "source IN (…)", the
    # planner drives the query from the outlets table and sorts every article of the edition
    # to find its latest (0.3 s at 100,000 articles, against 0.3 ms walking the date index).
    qs = visible_articles().filter(source_id__in=source_ids).select_related(None).select_related(
        "image")
    return qs.prefetch_related("source") if outlets else qs


def attach_outlets(*lists: list[Article]) -> None:
    """Give the articles of these lists their outlets, fetched in one query for all (the home
    page's lists each prefetched theirs: four queries of the same few rows)."""
    wanted = {a.source_id for articles in lists for a in articles}
    found = Source.objects.in_bulk(wanted) if wanted else {}
    cache = Article._meta.get_field("source")
    for articles in lists:
        for a in articles:
            # None for an outlet deleted since the articles were read, as a prefetch leaves it.
            cache.set_cached_value(a, found.get(a.source_id))


def top_stories(edition: str, limit: int = 7, source_ids: list[int] | None = None, *,
                outlets: bool = True) -> list[Article]:
    """The front of the home page: one article per story, the stories covered by the most
    distinct outlets in the last 48 hours first (then freshest); then the latest articles."""
    qs = edition_articles(edition, source_ids, outlets=outlets).filter(copy_of__isnull=True).only(
        *LISTED)
    # "The last 48 hours" end at the newest article anywhere (one step down the published
    # index), not the edition's own newest, which the planner may find by sorting the edition.
    newest = (Article.objects.filter(hidden=False).order_by("-published")
              .values_list("published", flat=True).first())
    picked: list[Article] = []
    if newest is not None:
        # The window's stories by the last_published index, then sorted: "outlet_count + 0"
        # keeps the planner off the outlet_count index, whose "> 1" range holds every story
        # ever covered twice and grows with the archive (SQLite took it for the ORDER BY).
        stories = list(
            Story.objects.annotate(outlets=F("outlet_count") + 0)
            .filter(merged_into__isnull=True, outlets__gt=1,
                    last_published__gte=newest - timedelta(hours=48))
            .order_by("-outlet_count", "-last_published")
            .values_list("pk", flat=True)[:limit]
        )
        if stories:
            # The lead article of each story: in the edition's own language if it has one
            # (the French edition also carries English outlets), then with a picture, then
            # the newest. The stories' originals are read as plain rows and only the leads as
            # articles: the top stories are the most covered, hundreds of articles each, and
            # building every one took the home page from 14 to 64 ms CPU (bench/render.py).
            best: dict[int, tuple[tuple[bool, bool], int]] = {}
            for pk, story_id, language, status, local_path, widths in qs.filter(
                    story_id__in=stories).values_list("pk", "story_id", "language", "image__status",
                                                      "image__local_path", "image__widths"):
                # Newest first: a later one must rank strictly higher.
                key = (language == edition, Image.shows(status, local_path, widths))
                if story_id not in best or key > best[story_id][0]:
                    best[story_id] = (key, pk)
            leads = {a.story_id: a for a in qs.filter(pk__in=[pk for _key, pk in best.values()])}
            picked = [leads[pk] for pk in stories if pk in leads]
    if len(picked) < limit:
        seen = {a.pk for a in picked}
        stories_seen = {a.story_id for a in picked}
        for a in qs[: limit * 3]:
            if a.pk not in seen and (a.story_id is None or a.story_id not in stories_seen):
                picked.append(a)
                stories_seen.add(a.story_id)
            if len(picked) >= limit:
                break
    return picked[:limit]


def section_fronts(
    edition: str, per_section: int = 4, source_ids: list[int] | None = None, *,
    outlets: bool = True,
) -> list[tuple[str, object, list[Article]]]:
    """For each section that has articles: its key, label and latest headlines.

    One walk of the (section, published, id) index per section, all in one statement (a
    ``UNION ALL`` of ``LIMIT`` subqueries: a window over every article of the edition cost a
    whole scan at 100,000 articles), then those articles by key: three queries with their
    outlets, where one ORM query per section (and its outlets' query) were fourteen, most of
    their cost Django's building of each (bench/render.py).
    """
    if edition not in EDITION_LANGUAGES:
        edition = "fr"
    if source_ids is None:
        source_ids = edition_source_ids(edition)
    if not source_ids:
        return []
    table = connection.ops.quote_name(Article._meta.db_table)
    # The ids are ours (integers from the sources table): inlined, no parameter per outlet
    # and per section.
    listed = ", ".join(str(int(pk)) for pk in source_ids)
    one = (f"SELECT id FROM (SELECT id FROM {table} WHERE section = %s "
           f"AND NOT hidden AND copy_of_id IS NULL AND source_id IN ({listed}) "
           "ORDER BY published DESC, id DESC LIMIT %s) AS f{}")
    sql = " UNION ALL ".join(one.format(i) for i in range(len(SECTIONS)))
    params: list[str | int] = []
    for key in SECTIONS:
        params += [key, per_section]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    by_section: dict[str, list[Article]] = {}
    if ids:  # newest first, as each subquery gave them
        for a in edition_articles(edition, source_ids, outlets=outlets).filter(pk__in=ids).only(
                *LISTED):
            by_section.setdefault(a.section, []).append(a)
    return [(key, label, by_section[key]) for key, label in SECTIONS.items() if key in by_section]


def latest_headlines(edition: str, limit: int = 50, source_ids: list[int] | None = None, *,
                     outlets: bool = True) -> list[Article]:
    """The ticker: the latest headlines of the edition, with outlet and time."""
    # Syndicated copies are folded under their original: the ticker shows each dispatch once.
    # No picture: the ticker shows none (a join and a model instance less per headline).
    return list(edition_articles(edition, source_ids, outlets=outlets).filter(copy_of__isnull=True)
                .select_related(None).only("id", "title", "published", "language", "url",
                                           "source_id")[:limit])


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first paragraph, at most ``limit`` characters, cut on a word with an ellipsis."""
    first = next((p.strip() for p in text.split("\n") if p.strip()), "")
    if len(first) <= limit:
        return first
    cut = first[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.") + "…"


def display_paragraphs(article: Article) -> list[str]:
    """The paragraphs an article page shows: all, or the excerpt when the source asks for it."""
    if article.source.display == "excerpt":
        ex = excerpt(article.text or article.summary)
        return [ex] if ex else []
    return [p.strip() for p in (article.text or article.summary).split("\n") if p.strip()]


def syndication(article: Article) -> tuple[Article | None, list[Article]]:
    """An article's original (when it is a copy) and the copies of it (when it is one)."""
    light = visible_articles().only(*LISTED)
    original = light.filter(pk=article.copy_of_id).first() if article.copy_of_id else None
    copies = list(light.filter(copy_of=article))
    return original, copies


def related_articles(article: Article, limit: int = 5) -> list[Article]:
    """Other reading for an article's page: the latest in its section from other stories,
    else the latest of its outlet (the same story's coverage is listed apart)."""
    qs = visible_articles().filter(copy_of__isnull=True).exclude(pk=article.pk).only(*LISTED)
    if article.story_id:
        qs = qs.exclude(story_id=article.story_id)
    if article.section:
        picked = list(qs.filter(section=article.section, language=article.language)[:limit])
        if picked:
            return picked
    return list(qs.filter(source_id=article.source_id)[:limit])


def story_coverage(article: Article, limit: int = 8) -> list[Article]:
    """The other outlets' coverage of the article's story (one article per outlet, the newest).

    The story's newest originals are built as articles, and past them the others are read as
    (id, outlet) pairs and only the chosen ones built: a story of 400 articles from five outlets
    made Django build 400 articles to show four (the article page took 23 ms CPU instead of 10,
    bench/render.py).
    """
    if not article.story_id:
        return []
    members = visible_articles().filter(story_id=article.story_id, copy_of__isnull=True).exclude(
        pk=article.pk)
    seen = {article.source_id}
    out = []
    newest = list(members.only(*LISTED)[:limit * 2])
    for a in newest:
        if a.source_id not in seen:
            seen.add(a.source_id)
            out.append(a)
            if len(out) >= limit:
                return out
    if len(newest) < limit * 2:
        return out  # the whole story was in hand
    chosen = []
    for pk, source_id in members.values_list("pk", "source_id")[limit * 2:]:
        if source_id not in seen:
            seen.add(source_id)
            chosen.append(pk)
            if len(out) + len(chosen) >= limit:
                break
    # Older than those in hand, newest first as the pairs came.
    return out + (list(members.filter(pk__in=chosen).only(*LISTED)) if chosen else [])


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start and end of a local calendar day (AKHBAR_TIME_ZONE) as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min).replace(tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min).replace(tzinfo=tz)


def archive_days(source: Source, limit: int = 14) -> list[date]:
    """The latest local days on which the outlet published (newest first).

    One index seek per day (``article_source_published``): the outlet's latest article, then its
    latest before the start of that article's day, and so on. The cost does not grow with the
    outlet's archive; a ``DISTINCT`` over its dates read every article it ever published (440 ms
    at a million articles on SQLite, bench/scale.py). The seeks go through the cursor, one
    statement prepared once: through the ORM, building fourteen querysets cost more CPU than
    the seeks themselves.
    """
    tz = timezone.get_current_timezone()
    table = connection.ops.quote_name(Article._meta.db_table)
    sql = (f"SELECT published FROM {table} WHERE source_id = %s AND NOT hidden "
           "AND published < %s ORDER BY published DESC, id DESC LIMIT 1")
    days: list[date] = []
    # Later than any article: the first seek finds the latest.
    before = connection.ops.adapt_datetimefield_value(datetime(9999, 12, 31, tzinfo=UTC))
    with connection.cursor() as cursor:
        while len(days) < limit:
            cursor.execute(sql, [source.pk, before])
            row = cursor.fetchone()
            if row is None:
                break
            found = _aware(row[0])
            day = found.astimezone(tz).date()
            if day not in days:
                days.append(day)
            # min(): always strictly earlier, even if a zone's odd midnight lay after it.
            before = connection.ops.adapt_datetimefield_value(
                min(_day_bounds(day)[0], found))
    return days


def _aware(value: datetime | str) -> datetime:
    """A ``published`` value as the cursor returns it (SQLite: naive UTC, or text), aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day_archive(source: Source, day: date) -> tuple[list[Article], date | None, date | None]:
    """The outlet's articles of one local day, and the nearest earlier and later days with any."""
    start, end = _day_bounds(day)
    # Originals only, like the outlet's page: a copy is folded under its original.
    qs = visible_articles().filter(source=source, copy_of__isnull=True).defer(
        "text", "html", "summary", "fingerprint", "cluster_features")
    articles = list(qs.filter(published__gte=start, published__lt=end))
    before = qs.filter(published__lt=start).values_list("published", flat=True).first()
    after = (qs.filter(published__gte=end).order_by("published")
             .values_list("published", flat=True).first())
    tz = timezone.get_current_timezone()
    return (articles, before.astimezone(tz).date() if before else None,
            after.astimezone(tz).date() if after else None)
