"""``akhbar annotate [--days N]``: give articles stored before the section model and topics
existed what new articles get when they are embedded (a model section where the rules gave none,
their topics). Idempotent; safe while akhbar runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from akhbar.news.annotate import annotate_article
from akhbar.news.models import Article


class Command(BaseCommand):
    help = ("Model sections and topics for the last N days' articles that have story features "
            "(those stored before this release).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="how far back (default 30)")

    def handle(self, *args: Any, **opts: Any) -> None:
        since = timezone.now() - timedelta(days=opts["days"])
        articles = (Article.objects.filter(published__gte=since, cluster_features__isnull=False,
                                           topics__isnull=True)
                    .only("id", "title", "text", "summary", "section", "published",
                          "cluster_features").order_by("id"))
        done = 0
        for article in articles.iterator(chunk_size=200):
            assert article.cluster_features is not None
            with transaction.atomic():
                annotate_article(article, article.cluster_features)
            done += 1
        self.stdout.write(f"annotated {done} articles")
