"""Template tags for the topic, trending and most-read blocks (partials in templates/news/)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.cache import caches

from akhbar.news import reads, topics
from akhbar.news.models import Article, Story

register = template.Library()

TRENDING_TTL = 300  # seconds


@register.inclusion_tag("news/_topic_links.html")
def article_topic_links(article: Article, edition: str) -> dict[str, Any]:
    """Links to the topic pages of what an article names."""
    return {"topics": topics.article_topics(article, edition)}


@register.inclusion_tag("news/_topic_links.html")
def story_topic_links(story: Story, edition: str) -> dict[str, Any]:
    """Links to the topic pages of what a story's articles name."""
    return {"topics": topics.story_topics(story.pk, edition)}


@register.inclusion_tag("news/_trending.html")
def trending(edition: str, source_ids: list[int] | None = None) -> dict[str, Any]:
    """The home page's "Trending" topics (kept 5 minutes per process, beside the rendered
    pages: the home is rendered again with every new article, and a day's trend moves slowly)."""
    return {"trends": caches["pages"].get_or_set(
        f"akhbar:trending:{edition}",
        lambda: topics.trending_topics(edition, source_ids=source_ids), TRENDING_TTL)}


@register.inclusion_tag("news/_most_read.html")
def most_read(edition: str, source_ids: list[int] | None = None) -> dict[str, Any]:
    """The home page's "Most read" stories of the day."""
    return {"items": reads.most_read(edition, source_ids=source_ids)}
