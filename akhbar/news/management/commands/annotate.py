"""``akhbar annotate [--days N]``: give articles stored before the section model and topics
existed what new articles get when they are embedded (a model section where the rules gave none,
their topics). With ``--stories``, the members of those articles' stories then get their story's
section (``annotate_stories``, as the pipeline does after each placement). Idempotent; safe while
akhbar runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from akhbar.news.annotate import annotate_article, annotate_stories
from akhbar.news.models import Article


class Command(BaseCommand):
    help = ("Model sections and topics for the last N days' articles that have story features "
            "(those stored before this release).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="how far back (default 30)")
        parser.add_argument("--stories", action="store_true",
                            help="then give their stories' members the story's section")

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
        if opts["stories"]:
            story_ids = sorted(set(
                Article.objects.filter(published__gte=since, story__isnull=False)
                .values_list("story_id", flat=True)))
            changed = sum(annotate_stories(story_ids[i : i + 200])
                          for i in range(0, len(story_ids), 200))
            self.stdout.write(f"gave {changed} articles their story's section "
                              f"({len(story_ids)} stories)")
