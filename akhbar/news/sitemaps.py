"""sitemap.xml: editions, outlets and recent article pages."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from akhbar.news.models import Article, Story
from akhbar.sources.models import Source


class EditionSitemap(Sitemap):
    changefreq = "always"
    priority = 1.0
    i18n = True
    alternates = True

    def items(self) -> list[str]:
        return ["home"]

    def location(self, item: str) -> str:
        return reverse(item)


class SourceSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.6
    i18n = True
    alternates = True

    def items(self) -> QuerySet[Source]:
        return Source.objects.order_by("slug")

    def location(self, item: Source) -> str:
        return reverse("source", args=[item.slug])


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5
    limit = 5000

    def items(self) -> QuerySet[Article]:
        # The newest ``limit`` only: the paginator then counts a bounded subquery, not every
        # visible article of the archive (a million rows at scale).
        return Article.objects.filter(hidden=False).only("id", "published", "language").order_by(
            "-published"
        )[: self.limit]

    def location(self, item: Article) -> str:
        return f"/{item.language if item.language in ('fr', 'ar', 'en') else 'fr'}/articles/{item.pk}/"

    def lastmod(self, item: Article) -> datetime:
        return item.published


class StorySitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.7
    i18n = True
    limit = 5000

    def items(self) -> QuerySet[Story]:
        # Stories worth a page: several outlets, not merged into another.
        # One URL per story and language: the newest stories that fill one page of ``limit``
        # URLs (with ``i18n``, Django lists every item in every language in Python).
        return Story.objects.filter(merged_into__isnull=True, outlet_count__gt=1).order_by(
            "-last_published"
        )[: self.limit // len(settings.LANGUAGES)]

    def location(self, item: Story) -> str:
        return reverse("story", args=[item.pk])

    def lastmod(self, item: Story) -> datetime | None:
        return item.last_published


SITEMAPS = {"editions": EditionSitemap, "sources": SourceSitemap, "stories": StorySitemap,
            "articles": ArticleSitemap}
