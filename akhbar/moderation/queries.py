"""Moderation reads: the review queue and an image's reports."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from akhbar.moderation.models import ImageReport, ReviewItem
from akhbar.news.models import Image


def review_queue() -> QuerySet[ReviewItem]:
    """Images that were reported or are blocked, with their report counts, latest first."""
    return (
        ReviewItem.objects.filter(Q(reports__isnull=False) | Q(status=Image.Status.BLOCKED))
        .annotate(
            report_count=Count("reports", filter=Q(reports__discarded=False), distinct=True),
            last_report=Max("reports__created_at"),
        )
        .order_by("-last_report", "-id")
        .distinct()
    )


def image_reports(image: Image) -> QuerySet[ImageReport]:
    """An image's reports as moderators see them: reason and time (never the reporter keys)."""
    return ImageReport.objects.filter(image=image).only(
        "id", "image_id", "reason", "created_at", "discarded").order_by("-created_at")
