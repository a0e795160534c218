"""The admin's "Refresh now" on feeds: the same task the scheduler enqueues (one ingestion path)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from akhbar.sources.admin import FeedAdmin
from akhbar.sources.models import Feed


@admin.action(description=_("Refresh now"))
def refresh_now(modeladmin: admin.ModelAdmin[Feed], request: HttpRequest,
                queryset: QuerySet[Feed]) -> None:
    # Imported here: the task module brings the whole ingestion stack (trafilatura, lxml,
    # numpy, PIL, httpx), which web processes, where the admin lives, never need otherwise.
    from akhbar.pipeline.tasks import refresh_feed_task

    for feed in queryset:
        refresh_feed_task.enqueue(feed.pk, force=True)
    modeladmin.message_user(request, _("%d feeds queued for refresh.") % queryset.count(),
                            messages.SUCCESS)


FeedAdmin.actions = (*(FeedAdmin.actions or ()), refresh_now)  # type: ignore[assignment]
