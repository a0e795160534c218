"""Admin for sources and feeds: health at a glance (the pipeline adds "refresh now")."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akhbar.sources.errors import error_label
from akhbar.sources.models import Feed, FetchLog, Source
from akhbar.web.cache import pages_changed


class FeedInline(admin.TabularInline):
    model = Feed
    extra = 0
    fields = ("url", "kind", "active", "last_success_at", "error_kind", "error_count", "next_poll_at")
    readonly_fields = ("last_success_at", "error_kind", "error_count", "next_poll_at")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "languages", "display", "health", "articles_24h",
                    "last_success", "paused", "verified")
    list_filter = ("country", "paused", "display", "verified")
    search_fields = ("name", "slug", "homepage")
    ordering = ("name",)  # kept with the health annotations (also the moderators' source search)
    inlines = [FeedInline]
    actions = ["pause", "resume"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        since = timezone.now() - timedelta(hours=24)
        return super().get_queryset(request).annotate(
            n_recent=Count("articles", filter=Q(articles__first_seen_at__gte=since), distinct=True),
            n_failing=Count("feeds", filter=Q(feeds__active=True) & ~Q(feeds__error_kind=""),
                            distinct=True),
            n_feeds=Count("feeds", filter=Q(feeds__active=True), distinct=True),
            last_ok=Max("feeds__last_success_at"),
        )

    @admin.display(description=_("health"))
    def health(self, source: Source) -> str:
        failing, feeds = source.n_failing, source.n_feeds  # type: ignore[attr-defined]
        if source.paused:
            return str(_("paused"))
        if not feeds:
            return str(_("no feed"))
        if failing:
            return _("%(failing)d of %(feeds)d feeds failing") % {"failing": failing, "feeds": feeds}
        return str(_("ok"))

    @admin.display(description=_("articles (24 h)"), ordering="n_recent")
    def articles_24h(self, source: Source) -> int:
        return int(source.n_recent)  # type: ignore[attr-defined]

    @admin.display(description=_("last success"), ordering="last_ok")
    def last_success(self, source: Source) -> object:
        return source.last_ok  # type: ignore[attr-defined]

    @admin.action(description=_("Pause the selected sources"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        with transaction.atomic():
            queryset.update(paused=True)
            pages_changed(sources=list(queryset.values_list("pk", flat=True)), everything=True)

    @admin.action(description=_("Resume the selected sources"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        with transaction.atomic():
            queryset.update(paused=False)
            pages_changed(sources=list(queryset.values_list("pk", flat=True)), everything=True)


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ("url", "source", "kind", "active", "last_success_at", "last_status",
                    "health", "error_count", "backlog", "next_poll_at")
    list_filter = ("kind", "active", "error_kind", "source__country")
    search_fields = ("url", "source__name")
    readonly_fields = ("backlog", "lease_owner", "lease_until",
                       "etag", "last_modified", "last_fetched_at", "last_success_at", "last_new_at",
                       "last_status", "error_kind", "error_message", "error_count", "enqueued_at")
    # "Refresh now" is added by akhbar.pipeline.admin: the pipeline runs ingestion, and the
    # sources app imports nothing above it.
    actions = ()

    @admin.display(description=_("health"), ordering="error_kind")
    def health(self, feed: Feed) -> str:
        if feed.error_kind:
            return f"{error_label(feed.error_kind)} [{feed.error_kind}]"
        return str(_("ok")) if feed.last_success_at else str(_("not fetched yet"))



@admin.register(FetchLog)
class FetchLogAdmin(admin.ModelAdmin):
    list_display = ("started_at", "feed", "status", "error_kind", "new_articles",
                    "updated_articles", "duration_ms")
    list_filter = ("error_kind",)
    date_hierarchy = "started_at"
