"""``{% crawl_status as status %}``: the crawler's summary for staff (admin front page, empty home)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django import template
from django.utils import timezone

from akhbar.sources.errors import error_label
from akhbar.sources.queries import CrawlSummary, crawl_summary

register = template.Library()

# The admin's window: what the crawler did in the last hour.
WINDOW = timedelta(hours=1)
NETWORK_ERRORS = {"dns", "connection", "timeout", "tls"}


@dataclass(frozen=True)
class CrawlStatus:
    summary: CrawlSummary
    failing: list[tuple[str, int, str]]  # (error kind, feeds, what it means)

    @property
    def unreachable(self) -> bool:
        """Every feed fails with a network error: the machine likely cannot reach the outlets."""
        return (bool(self.summary.feeds) and self.summary.failing_total == self.summary.feeds
                and all(kind in NETWORK_ERRORS for kind, _ in self.summary.failing))


@register.simple_tag
def crawl_status() -> CrawlStatus:
    summary = crawl_summary(since=timezone.now() - WINDOW)
    return CrawlStatus(summary, [(kind, n, error_label(kind)) for kind, n in summary.failing])
