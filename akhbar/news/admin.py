"""Admin for articles and images: staff can hide an article."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from akhbar.news.models import Article, ArticleRevision, Image


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    fields = ("number", "recorded_at", "title")
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "language", "published", "extracted", "revision", "hidden")
    list_filter = ("language", "extracted", "hidden", "source")
    search_fields = ("title", "url")
    date_hierarchy = "published"
    raw_id_fields = ("image", "feed", "copy_of")
    readonly_fields = ("fp_exact", "fingerprint", "entry_hash", "content_hash")
    inlines = [RevisionInline]
    actions = ["hide", "unhide"]

    @admin.action(description=_("Hide the selected articles"))
    def hide(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        # save() per article (not update()) so the page cache learns of the change.
        for article in queryset:
            article.hidden = True
            article.save(update_fields=["hidden"])

    @admin.action(description=_("Show the selected articles again"))
    def unhide(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            article.hidden = False
            article.save(update_fields=["hidden"])


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("id", "source_url", "status", "created_at")
    list_filter = ("status",)
