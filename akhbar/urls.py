"""URL map: editions under /fr/, /ar/, /en/; API and admin without a language prefix."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie

from akhbar.api import views as api_views
from akhbar.moderation import views as moderation_views
from akhbar.news import feeds, reader_views, topic_views
from akhbar.news import views as news_views
from akhbar.news.sitemaps import SITEMAPS
from akhbar.search import views as search_views
from akhbar.web.metrics import healthz, metrics_view


@ensure_csrf_cookie
def csrf_cookie(request: HttpRequest) -> HttpResponse:
    """Sets the CSRF cookie for a page that came from the cache (the report button asks)."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response


# JSON under /api/, Django's pages elsewhere (akhbar/web/errors.py).
handler400 = "akhbar.web.errors.bad_request"
handler403 = "akhbar.web.errors.permission_denied"
handler404 = "akhbar.web.errors.page_not_found"
handler500 = "akhbar.web.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/articles", api_views.articles, name="api-articles"),
    path("api/v1/sources", api_views.sources, name="api-sources"),
    path("api/v1/search", api_views.search, name="api-search"),
    path("api/v1/stories/<int:pk>", api_views.story, name="api-story"),
    path("api/v1/openapi.json", api_views.openapi, name="api-openapi"),
    path("healthz", healthz),
    path("favicon.ico", reader_views.favicon, name="favicon"),
    path("metrics", metrics_view, name="metrics"),
    path("csrf-cookie", csrf_cookie, name="csrf-cookie"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("read/<int:pk>", topic_views.read_click, name="read-click"),
    path("images/<int:pk>/report", moderation_views.report_image, name="image-report"),
    path("images/<int:pk>/<int:width>.<str:fmt>", news_views.image_file, name="image-file"),
]
urlpatterns += i18n_patterns(
    path("", news_views.home, name="home"),
    path("ticker/", news_views.ticker, name="ticker"),
    path("ticker/strip/", reader_views.ticker_strip, name="ticker-strip"),
    path("search/", search_views.search, name="search"),
    path("stories/<int:pk>/", news_views.story_detail, name="story"),
    path("sections/<slug:key>/", news_views.section_detail, name="section"),
    path("sections/<slug:key>/feed.rss", feeds.SectionFeed(), name="section-feed-rss"),
    path("sections/<slug:key>/feed.atom", feeds.SectionAtomFeed(), name="section-feed-atom"),
    path("feed.rss", feeds.EditionFeed(), name="feed-rss"),
    path("feed.atom", feeds.EditionAtomFeed(), name="feed-atom"),
    path("sources/<slug:slug>/feed.rss", feeds.SourceFeed(), name="source-feed-rss"),
    path("sources/<slug:slug>/feed.atom", feeds.SourceAtomFeed(), name="source-feed-atom"),
    path("articles/<int:pk>/", news_views.article_detail, name="article"),
    path("sources/", reader_views.source_directory, name="sources"),
    path("topics/<slug:slug>/", topic_views.topic_detail, name="topic"),
    path("topics/<slug:slug>/feed.rss", topic_views.TopicFeed(), name="topic-feed-rss"),
    path("topics/<slug:slug>/feed.atom", topic_views.TopicAtomFeed(), name="topic-feed-atom"),
    path("sources/<slug:slug>/", news_views.source_detail, name="source"),
    path("sources/<slug:slug>/<int:year>/<int:month>/<int:day>/", news_views.source_day,
         name="source-day"),
    # path, not str: an outlet's author name may hold a "/" (a str URL failed to reverse: a 500
    # on the article page).
    path("sources/<slug:slug>/authors/<path:name>/", news_views.author_detail, name="author"),
    prefix_default_language=True,
)
