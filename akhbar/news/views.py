"""Reader-facing pages: home with the ticker, article page, outlet archive."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info

from akhbar.news import queries, reader
from akhbar.news.context import strip_html
from akhbar.news.models import AUTHOR_NAME_CHARS, Article, ArticleAuthor, Image, Story
from akhbar.news.templatetags.akhbar_links import http_url
from akhbar.sources.models import Feed, Source
from akhbar.web.cache import cached_page, signed_in, tag_page


def _edition() -> str:
    lang = (get_language() or "fr")[:2]
    return lang if lang in queries.EDITION_LANGUAGES else "fr"


@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """The edition's home: top stories, the ticker of the latest 50 headlines, sections."""
    edition = _edition()
    tag_page(request, "front")
    ids = queries.edition_source_ids(edition)
    headlines = queries.latest_headlines(edition, 50, source_ids=ids, outlets=False)
    top = queries.top_stories(edition, source_ids=ids, outlets=False)
    fronts = queries.section_fronts(edition, source_ids=ids, outlets=False)
    queries.attach_outlets(headlines, top, *(items for _key, _label, items in fronts))
    return render(request, "news/home.html", {
        "top": top,
        "headlines": headlines,
        "fronts": fronts,
        "edition": edition,
        "source_ids": ids,  # for the trending and most-read blocks (news/templatetags)
        # An empty home tells staff why, and where to look (their pages are never cached).
        "crawl_status": not headlines and signed_in(request) and request.user.is_staff,
        # The headline ticker from the headlines in hand: no query of its own on the home.
        "reader_strip": lambda: strip_html(edition, headlines),
    })


@cached_page
def ticker(request: HttpRequest) -> HttpResponse:
    """The ticker's list alone, for the page's periodic refresh."""
    tag_page(request, "front")
    return render(request, "news/_headlines.html", {
        "headlines": queries.latest_headlines(_edition(), 50),
    })


def _json_ld(request: HttpRequest, article: Article, description: str) -> str:
    """schema.org NewsArticle for the page, safe to embed in a <script> element."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "url": request.build_absolute_uri(),
        "mainEntityOfPage": http_url(article.url) or None,
        "isBasedOn": http_url(article.url) or None,
        "datePublished": article.published.isoformat(),
        "inLanguage": article.language or None,
        "description": description or None,
        "author": [{"@type": "Person", "name": a} for a in article.authors] or None,
        "publisher": {"@type": "Organization", "name": article.source.name,
                      **({"url": home} if (home := http_url(article.source.homepage)) else {})},
    }
    if article.image and article.image.display_url:
        data["image"] = request.build_absolute_uri(article.image.display_url)
    clean = {k: v for k, v in data.items() if v is not None}
    # "</" must not close the script element; \u003c is the same character to a JSON reader.
    return mark_safe(json.dumps(clean, ensure_ascii=False).replace("<", "\\u003c"))


@cached_page
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article: title, attribution, image, text or excerpt, link back to the original."""
    # Not the page's raw HTML nor the vectors (the clusterer's features can be larger than the
    # text): no page shows them.
    article = get_object_or_404(
        Article.objects.select_related("source", "image", "story").defer(
            "html", "fingerprint", "cluster_features"), pk=pk, hidden=False
    )
    description = queries.excerpt(article.text or article.summary, 200)
    image_url = (request.build_absolute_uri(article.image.display_url)
                 if article.image and article.image.display_url else "")
    original, copies = queries.syndication(article)
    # What this page shows; its "related" list and the ticker may lag (cache.FRESH_FOR).
    tag_page(request, f"article:{article.pk}", f"source:{article.source_id}",
             f"story:{article.story_id}" if article.story_id else None,
             f"image:{article.image_id}" if article.image_id else None)
    return render(request, "news/article.html", {
        "article": article,
        "original": original,
        "copies": copies,
        "related": queries.related_articles(article),
        "coverage": queries.story_coverage(article),
        "paragraphs": queries.display_paragraphs(article),
        # A blank name has no author page (and no URL to reverse).
        "authors": [name for name in article.authors if isinstance(name, str) and name.strip()],
        "edition": _edition(),
        "description": description,
        "image_url": image_url,
        "json_ld": _json_ld(request, article, description),
    })


@cached_page(params=("page",))
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An outlet's page with its paginated archive, newest first."""
    source = get_object_or_404(Source, slug=slug)
    tag_page(request, f"source:{source.pk}")
    paginator = queries.BoundedPaginator(
        reader.originals(queries.visible_articles().filter(source=source))
        .defer("text", "html", "summary"),
        30,
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = reader.fold_copies(list(page.object_list))
    # Past the pages counted, the outlet's older articles are reached day by day.
    older_day = None
    if paginator.truncated and not page.has_next() and page.object_list:
        older_day = timezone.localtime(page.object_list[-1].published).date()
    return render(request, "news/source.html", {
        "source": source, "page": page, "edition": _edition(), "older_day": older_day,
        "days": queries.archive_days(source),
        "country": reader.country_name(source.country),
        "languages": [(c, reader.language_name(c)) for c in source.languages or []],
        "feeds": [u for u in Feed.objects.filter(source=source, active=True)
                  .values_list("url", flat=True) if http_url(u)],
    })


@cached_page
def source_day(request: HttpRequest, slug: str, year: int, month: int, day: int) -> HttpResponse:
    """An outlet's archive for one day (in AKHBAR_TIME_ZONE), with the previous and next days."""
    source = get_object_or_404(Source, slug=slug)
    tag_page(request, f"source:{source.pk}")
    try:
        when = date(year, month, day)
        # The day's bounds in UTC must exist too: 9999-12-31 has no next day, year 1 in a
        # zone east of UTC starts before year 1.
        articles, previous, following = queries.day_archive(source, when)
    except (ValueError, OverflowError):
        raise Http404("no such date") from None
    return render(request, "news/source_day.html", {
        "source": source, "day": when, "articles": reader.fold_copies(articles),
        "previous": previous,
        "following": following, "edition": _edition(),
    })


@cached_page(params=("page",))
def section_detail(request: HttpRequest, key: str) -> HttpResponse:
    """A section of the edition (politics, economy…), paginated, newest first."""
    if key not in queries.SECTIONS:
        raise Http404("no such section")
    tag_page(request, f"section:{key}")
    page = queries.BoundedPaginator(
        reader.originals(queries.edition_articles(_edition()).filter(section=key))
        .defer("text", "html", "summary"),
        30,
    ).get_page(request.GET.get("page"))
    page.object_list = reader.fold_copies(list(page.object_list))
    return render(request, "news/section.html", {
        "key": key, "section_key": key, "label": queries.SECTIONS[key], "page": page,
        "edition": _edition(),
    })


@cached_page(params=("page",))
def author_detail(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """One author's articles in one outlet (the same name in two outlets may be two people)."""
    source = get_object_or_404(Source, slug=slug)
    tag_page(request, f"source:{source.pk}")
    name = " ".join(name.split())
    credited = ArticleAuthor.objects.filter(source=source, name=name[:AUTHOR_NAME_CHARS])
    qs = reader.originals(queries.visible_articles().filter(
        source=source, pk__in=credited.values("article_id")))
    page = queries.BoundedPaginator(qs.defer("text", "html", "summary"), 30).get_page(
        request.GET.get("page"))
    if not page.object_list:
        raise Http404("no articles by this author")
    return render(request, "news/author.html", {"source": source, "name": name, "page": page,
                                                "edition": _edition()})


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_local"]).capitalize()
    except KeyError:
        return code


# Cards per language on a story's page; its other articles are in its timeline.
STORY_CARDS = 12


@cached_page
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """"Couverture complète": every article of a story, by language and outlet, and a timeline."""
    story = get_object_or_404(Story, pk=pk)
    if story.merged_into_id:
        # A story that converged into an older one lives on under the survivor's URL.
        survivor = story
        while survivor.merged_into_id:
            survivor = Story.objects.get(pk=survivor.merged_into_id)
        return redirect("story", pk=survivor.pk, permanent=True)
    tag_page(request, f"story:{story.pk}")
    articles = reader.story_articles(story)
    if not articles:
        raise Http404("empty story")
    edition = _edition()
    # Originals as cards, each with the outlets that reprinted it; copies fold under them
    # (a copy joins its original's story, so both are in hand: no query).
    originals = reader.fold_story_copies(articles)
    by_language: dict[str, list[Article]] = {}
    for a in sorted(originals, key=lambda a: (-a.published.timestamp(), -a.pk)):
        by_language.setdefault(a.language or "?", []).append(a)
    # The page's own language first, then the others by number of articles.
    order = sorted(by_language, key=lambda lang: (lang != edition, -len(by_language[lang])))
    # The headline in the reader's language when the story has one (its earliest original
    # there), else the earliest original's.
    own = [a for a in originals if a.language == edition]
    headline = own[0] if own else (originals or articles)[0]
    return render(request, "news/story.html", {
        "story": story,
        "headline": headline,
        "timeline": articles,
        "summary": reader.story_summary(articles, edition),
        "pictures": reader.story_pictures(articles),
        # Each language's newest originals as cards, the rest in the timeline: a story of four
        # hundred articles is read from its latest reports (and its page stays light).
        "groups": [(lang, _language_name(lang), sorted({a.source.name for a in by_language[lang]},
                                                       key=str.casefold),
                    by_language[lang][:STORY_CARDS], max(0, len(by_language[lang]) - STORY_CARDS))
                   for lang in order],
        "outlets": len({a.source_id for a in articles}),
        "edition": edition,
    })


IMAGE_TYPES = {"jpg": "image/jpeg", "webp": "image/webp"}


def image_file(request: HttpRequest, pk: int, width: int, fmt: str) -> FileResponse:
    """One of akhbar's renditions of an image; nothing once the image is blocked."""
    image = get_object_or_404(Image, pk=pk)
    if (fmt not in IMAGE_TYPES or image.status == Image.Status.BLOCKED or not image.cached
            or width not in image.widths):
        raise Http404("no such image")
    path = Path(settings.MEDIA_ROOT) / image.local_path / f"{width}.{fmt}"
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404("image file missing") from None
    response = FileResponse(handle, content_type=IMAGE_TYPES[fmt])
    # Renditions never change under one URL; a month keeps readers' caches useful while a
    # blocked image disappears from every page at once (pages stop referencing it).
    response["Cache-Control"] = "public, max-age=2592000"
    return response
