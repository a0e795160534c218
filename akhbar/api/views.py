"""Read-only JSON API, version 1."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from akhbar.news import queries
from akhbar.news.models import Article, Image
from akhbar.sources.models import Source
from akhbar.web.cache import cached_page

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def image_json(image: Image | None, request: HttpRequest) -> dict[str, Any] | None:
    """The API's image object: akhbar's own copy (never the outlet's URL), null when blocked."""
    if image is None:
        return None
    path = image.rendition_url()
    return {"id": image.pk, "url": request.build_absolute_uri(path) if path else None,
            "status": image.status}


def article_json(article: Article, request: HttpRequest) -> dict[str, Any]:
    """An article as the API shows it."""
    return {
        "id": article.pk,
        "url": article.url,
        "title": article.title,
        "published": article.published.astimezone(UTC).isoformat(),
        "language": article.language,
        "source": {"slug": article.source.slug, "name": article.source.name},
        "image": image_json(article.image, request),
    }


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
@cached_page
def articles(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/articles?source=SLUG&limit=N — newest first, in ``items``."""
    try:
        limit = int(request.GET.get("limit", DEFAULT_LIMIT))
    except ValueError:
        return _error("limit must be a whole number", 400)
    if not 1 <= limit <= MAX_LIMIT:
        return _error(f"limit must be between 1 and {MAX_LIMIT}", 400)
    qs = queries.visible_articles()
    slug = request.GET.get("source")
    if slug:
        if not Source.objects.filter(slug=slug).exists():
            return _error(f"unknown source {slug!r}", 404)
        qs = qs.filter(source__slug=slug)
    return JsonResponse(
        {"items": [article_json(a, request) for a in qs[:limit]]},
        json_dumps_params={"ensure_ascii": False},
    )
