"""Admin for articles and images: staff can hide an article."""

from __future__ import annotations

from django.contrib import admin

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
    raw_id_fields = ("image", "feed")
    inlines = [RevisionInline]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("id", "source_url", "status", "created_at")
    list_filter = ("status",)
