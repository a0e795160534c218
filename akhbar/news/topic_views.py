"""Topic pages and their feeds, and the click counter behind "Most read"."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from akhbar.ingest.sanitize import plain_text
from akhbar.news import queries, reads, topics
from akhbar.news.feeds import FEED_ITEMS, _ArticleItems
from akhbar.news.models import Article
from akhbar.web.cache import cached_page, tag_page
from akhbar.web.login_throttle import client_network


def _edition() -> str:
    lang = (get_language() or "fr")[:2]
    return lang if lang in queries.EDITION_LANGUAGES else "fr"


def _topic(slug: str) -> topics.Topic:
    key = topics.key_of_slug(slug)
    if key is None:
        raise Http404("no such topic")
    return topics.topic(key, _edition())


@cached_page(params=("page",))
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A topic's stories in the edition's outlets, every language, newest first, paginated
    like the other listings."""
    from django.shortcuts import render

    topic = _topic(slug)
    page = topics.topic_story_page(topic.key, _edition(), request.GET.get("page"))
    # New mentions come through topic:KEY; a listed story's new title or coverage through
    # its own tag.
    tag_page(request, f"topic:{topic.key}", *(f"story:{s.pk}" for s, _a in page.object_list))
    return render(request, "news/topic.html", {
        "topic": topic, "page": page, "edition": _edition(),
    })


class TopicFeed(_ArticleItems, Feed):
    """A topic's latest stories (one item per story: its headline article)."""

    def get_object(self, request: HttpRequest, slug: str) -> topics.Topic:
        return _topic(slug)

    def title(self, topic: topics.Topic) -> str:
        return _("akhbar — %(topic)s") % {"topic": plain_text(topic.name)}

    def link(self, topic: topics.Topic) -> str:
        return reverse("topic", args=[topic.slug])

    def description(self, topic: topics.Topic) -> str:
        return _("The latest stories about %(topic)s.") % {"topic": plain_text(topic.name)}

    def items(self, topic: topics.Topic) -> list[Article]:
        return [a for _s, a in topics.topic_stories(topic.key, _edition(), FEED_ITEMS)]

    def item_pubdate(self, item: Article) -> datetime:
        return item.published


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed
    subtitle = TopicFeed.description


@csrf_exempt  # a ping or a beacon carries no token; a forged click only adds one to a count
@require_POST
def read_click(request: HttpRequest, pk: int) -> HttpResponse:
    """Count a click on an article's link to its source (204 whether counted or not: robots,
    other sites' requests and clicks beyond the client's hourly limits are not counted)."""
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    # A browser says where a request comes from: clicks are counted from akhbar's own pages.
    same_site = request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") in ("same-origin",
                                                                           "none")
    if (same_site and not reads.is_bot(user_agent)
            and reads.within_rate(client_network(request), pk)):
        reads.record_read(pk)
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response
