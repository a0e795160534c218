"""URL map: editions under /fr/, /ar/, /en/; API and admin without a language prefix."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path

from akhbar.api import views as api_views
from akhbar.news import views as news_views


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/articles", api_views.articles, name="api-articles"),
    path("healthz", healthz),
    path("images/<int:pk>/<int:width>.<str:fmt>", news_views.image_file, name="image-file"),
]
urlpatterns += i18n_patterns(
    path("", news_views.home, name="home"),
    path("ticker/", news_views.ticker, name="ticker"),
    path("articles/<int:pk>/", news_views.article_detail, name="article"),
    path("sources/<slug:slug>/", news_views.source_detail, name="source"),
    prefix_default_language=True,
)
