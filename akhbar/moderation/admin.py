"""Moderators' admin: the review queue with each image's reports, thresholds, the decision log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from akhbar.moderation import queries, services
from akhbar.moderation.models import ImageReport, ModerationDecision, ReviewItem, SourceModeration
from akhbar.news.models import Image


def _moderator(request: HttpRequest) -> User:
    """The staff member acting (the admin only lets logged-in staff this far)."""
    assert isinstance(request.user, User)
    return request.user


class ReportInline(admin.TabularInline):
    """An image's reports: reason, time and network (a letter per network for this image: the
    reporter keys and addresses stay out of sight), and whether each counts towards the block."""

    model = ImageReport
    fk_name = "image"
    extra = 0
    can_delete = False
    fields = ("reason", "created_at", "network_letter", "counts", "discarded")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _standing(self, report: ImageReport) -> dict[int, tuple[str, bool]]:
        cache: dict[int, dict[int, tuple[str, bool]]] = self.__dict__.setdefault("_by_image", {})
        if report.image_id not in cache:
            cache[report.image_id] = services.report_standing(report.image_id)
        return cache[report.image_id]

    @admin.display(description=_("network"))
    def network_letter(self, report: ImageReport) -> str:
        return self._standing(report).get(report.pk, ("?", False))[0]

    @admin.display(description=_("counts"), boolean=True)
    def counts(self, report: ImageReport) -> bool:
        return self._standing(report).get(report.pk, ("?", False))[1]


class DecisionInline(admin.TabularInline):
    model = ModerationDecision
    fk_name = "image"
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "moderator", "origin", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("needs a decision")), ("blocked", _("blocked")),
                ("reported", _("reported, still visible"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "blocked":
            return queryset.filter(status=Image.Status.BLOCKED)
        if self.value() == "reported":
            return queryset.filter(status=Image.Status.VISIBLE)
        if self.value() == "pending":
            decided = ModerationDecision.objects.filter(
                action__in=[ModerationDecision.Action.CONFIRM_BLOCK,
                            ModerationDecision.Action.RESTORE]).values("image_id")
            return queryset.exclude(pk__in=decided)
        return queryset


@admin.register(ReviewItem)
class ReviewQueueAdmin(admin.ModelAdmin):
    """Reported and blocked images; confirm a block or restore (restoring discards the reports)."""

    list_display = ("id", "preview", "status", "reporters", "last_report", "articles_shown",
                    "outlet_link")
    list_filter = (NeedsReviewFilter, "status")
    fields = ("preview", "status", "reporters_explained", "source_url", "sha256", "phash",
              "detail", "created_at")
    readonly_fields = fields
    inlines = [ReportInline, DecisionInline]
    actions = ["confirm", "restore"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return queries.review_queue()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # blocking hides, restoring brings back: nothing is deleted here

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return super().changelist_view(request, {**(extra_context or {}), **self._cap_context()})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> Any:
        return super().change_view(request, object_id, form_url,
                                   {**(extra_context or {}), **self._cap_context()})

    @staticmethod
    def _cap_context() -> dict[str, Any]:
        return {"report_cap": settings.CONFIG.reports_per_network,
                "report_threshold": settings.CONFIG.report_threshold}

    @admin.display(description=_("reporters counted / threshold"))
    def reporters(self, obj: Any) -> str:
        """The number that decides a block, next to the threshold it is compared with."""
        return f"{services.counted_reporters(obj)} / {services.threshold_for(obj)}"

    @admin.display(description=_("reporters counted"))
    def reporters_explained(self, obj: Any) -> str:
        received = obj.reports.count()
        return str(_("%(counted)d of the %(threshold)d reporters that block it (%(received)d "
                     "reports received; at most %(cap)d count per network, none of the networks "
                     "whose reports a restore discarded)") % {
            "counted": services.counted_reporters(obj), "threshold": services.threshold_for(obj),
            "received": received, "cap": settings.CONFIG.reports_per_network})

    @admin.display(description=_("last report"), ordering="last_report")
    def last_report(self, obj: Any) -> Any:
        return getattr(obj, "last_report", None)

    @admin.display(description=_("articles"))
    def articles_shown(self, obj: Any) -> int:
        return obj.articles.count()

    @admin.display(description=_("outlet's URL"))
    def outlet_link(self, obj: Any) -> str:
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
                           obj.source_url, _("original"))

    @admin.display(description=_("image"))
    def preview(self, obj: Any) -> str:
        if not obj.cached:
            return "—"
        url = reverse("admin:moderation_reviewitem_preview", args=[obj.pk])
        return format_html('<img src="{}" alt="" style="max-width:160px;max-height:120px">', url)

    def get_urls(self) -> list[URLPattern]:
        own = [path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_file),
                    name="moderation_reviewitem_preview")]
        return own + super().get_urls()

    def preview_file(self, request: HttpRequest, pk: int) -> FileResponse:
        """The smallest rendition, blocked or not: moderators must see what they judge."""
        if not self.has_view_permission(request):
            raise Http404
        image = get_object_or_404(Image, pk=pk)
        if not image.cached:
            raise Http404
        width = min(image.widths)
        try:
            handle = (Path(settings.MEDIA_ROOT) / image.local_path / f"{width}.jpg").open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description=_("Confirm the block of the selected images"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for image in queryset:
            services.confirm_block(Image.objects.get(pk=image.pk), moderator=_moderator(request))
        self.message_user(request, _("Block confirmed."), messages.SUCCESS)

    @admin.action(description=_("Restore the selected images (discards their reports)"))
    def restore(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for image in queryset:
            services.restore_image(Image.objects.get(pk=image.pk), moderator=_moderator(request))
        self.message_user(request, _("Images restored."), messages.SUCCESS)


@admin.register(SourceModeration)
class SourceModerationAdmin(admin.ModelAdmin):
    """Per-source report thresholds; each change is logged as a decision."""

    list_display = ("source", "report_threshold")
    # A search box over the outlets' names, slugs and homepages (SourceAdmin.search_fields),
    # not the source's numeric id.
    autocomplete_fields = ("source",)

    def save_model(self, request: HttpRequest, obj: SourceModeration, form: Any,
                   change: bool) -> None:
        services.set_source_threshold(obj.source, obj.report_threshold, moderator=_moderator(request))

    def delete_model(self, request: HttpRequest, obj: SourceModeration) -> None:
        services.set_source_threshold(obj.source, None, moderator=_moderator(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SourceModeration]) -> None:
        for obj in queryset:
            services.set_source_threshold(obj.source, None, moderator=_moderator(request))


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    """The log: read-only."""

    list_display = ("created_at", "action", "image", "source", "moderator", "note")
    list_filter = ("action",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
