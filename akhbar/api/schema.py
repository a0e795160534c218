"""The OpenAPI 3.1 document of the read-only API; tests check real responses against it."""

from __future__ import annotations

from typing import Any

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}

COMPONENTS: dict[str, Any] = {
    "Image": {
        "type": "object",
        "required": ["id", "url", "status"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": ["string", "null"], "format": "uri",
                    "description": "akhbar's own copy; null when not cached yet or blocked"},
            "status": {"type": "string", "enum": ["visible", "blocked"]},
        },
    },
    "SourceRef": {
        "type": "object",
        "required": ["slug", "name"],
        "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
    },
    "Article": {
        "type": "object",
        "required": ["id", "url", "title", "published", "language", "source", "image",
                     "page_url", "copy_of", "story", "section", "section_source"],
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": ["string", "null"], "format": "uri",
                    "description": "the original article, tracking parameters removed; null "
                                   "when its feed gave no link"},
            "title": {"type": "string"},
            "published": {"type": "string", "format": "date-time",
                          "description": "ISO 8601 in UTC, with offset"},
            "language": {"type": "string", "description": "ISO 639-1"},
            "source": {"$ref": "#/components/schemas/SourceRef"},
            "image": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Image"}]},
            "page_url": {"type": "string", "format": "uri",
                         "description": "akhbar's page for the article"},
            "copy_of": {"type": ["integer", "null"],
                        "description": "the article this one republishes (syndicated copy)"},
            "story": {"type": ["integer", "null"],
                      "description": "the story (event) the article belongs to"},
            "section": {"type": ["string", "null"],
                        "description": "politics, economy, society, sports, culture, world, "
                                       "tech, or null; given by the outlet's categories or "
                                       "URL path when they say it, else by akhbar's section "
                                       "model when it is sure enough (see section_source)"},
            "section_source": {"type": ["string", "null"], "enum": ["rules", "model", None],
                               "description": "who gave the section: \"rules\" (the outlet's "
                                              "categories or URL path) or \"model\" (akhbar's "
                                              "classifier of title and lead); null without a "
                                              "section"},
        },
    },
    "ArticlePage": {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Article"}},
            "next": {"type": ["string", "null"], "format": "uri"},
        },
    },
    "Source": {
        "type": "object",
        "required": ["slug", "name", "homepage", "country", "languages", "display", "editions",
                     "health", "articles_24h", "last_success"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "homepage": {"type": "string", "format": "uri"},
            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "languages": {"type": "array", "items": {"type": "string"}},
            "display": {"type": "string", "enum": ["full", "excerpt"]},
            "editions": {"type": "array", "items": {"type": "string", "enum": ["fr", "ar", "en"]}},
            "health": {"type": "string",
                       "enum": ["ok", "new", "degraded", "failing", "paused", "no-feed"]},
            "articles_24h": {"type": "integer", "minimum": 0},
            "last_success": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "SourceList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}}},
    },
    "Story": {
        "type": "object",
        "required": ["id", "title", "first_published", "last_published", "article_count",
                     "outlet_count", "languages", "page_url", "articles"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "first_published": {"type": ["string", "null"], "format": "date-time"},
            "last_published": {"type": ["string", "null"], "format": "date-time"},
            "article_count": {"type": "integer", "minimum": 0},
            "outlet_count": {"type": "integer", "minimum": 0},
            "languages": {"type": "array", "items": {"type": "string"}},
            "page_url": {"type": "string", "format": "uri"},
            "articles": {"type": "array", "items": {"$ref": "#/components/schemas/Article"}},
        },
    },
    "SearchResult": {
        "allOf": [
            {"$ref": "#/components/schemas/Article"},
            {"type": "object", "required": ["snippet"], "properties": {
                "snippet": {"type": "string",
                            "description": "HTML: escaped text around the matched words, each "
                                           "in <mark>; no other element"}}},
        ],
    },
    "SearchPage": {
        "type": "object",
        "required": ["items", "count", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
            "count": {"type": "integer", "minimum": 0,
                      "description": "how many results (about, beyond the newest 2,000 matches)"},
            "next": {"type": ["string", "null"], "format": "uri"},
        },
    },
    "Error": ERROR,
}


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _json_response(description: str, ref: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def openapi_document(server_url: str) -> dict[str, Any]:
    """The OpenAPI document, with ``server_url`` as its server."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "akhbar API", "version": "1",
                 "description": "Read-only access to the articles and outlets akhbar follows."},
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            "/api/v1/articles": {"get": {
                "summary": "Articles, newest first",
                "parameters": [
                    _param("source", "an outlet's slug", {"type": "string"}),
                    _param("section", "a section key",
                           {"type": "string", "enum": ["politics", "economy", "society", "sports",
                                                       "culture", "world", "tech"]}),
                    _param("story", "a story id", {"type": "integer"}),
                    _param("language", "ISO 639-1 code", {"type": "string", "pattern": "^[a-z]{2}$"}),
                    _param("since", "only articles published at or after (ISO 8601 with offset)",
                           {"type": "string", "format": "date-time"}),
                    _param("limit", "items per page", {"type": "integer", "minimum": 1,
                                                       "maximum": 200, "default": 50}),
                    _param("cursor", "the position given in `next`", {"type": "string"}),
                ],
                "responses": {
                    "200": _json_response("a page of articles", "ArticlePage"),
                    "400": _json_response("an invalid parameter", "Error"),
                    "404": _json_response("unknown source", "Error"),
                },
            }},
            "/api/v1/search": {"get": {
                "summary": "Full-text search, best first (relevance and freshness); syndicated "
                           "copies folded under their original",
                "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "description": 'words (all must match), "a phrase", -excluded, prefix*, OR',
                     "schema": {"type": "string", "minLength": 1, "maxLength": 500}},
                    _param("lang", "articles in this language only", {"type": "string",
                                                                      "enum": ["fr", "ar", "en"]}),
                    _param("source", "an outlet's slug", {"type": "string"}),
                    _param("section", "a section key",
                           {"type": "string", "enum": ["politics", "economy", "society", "sports",
                                                       "culture", "world", "tech"]}),
                    _param("since", "published at or after: YYYY-MM-DD, or ISO 8601 with offset",
                           {"type": "string"}),
                    _param("until", "published before: YYYY-MM-DD (that day included), or ISO "
                           "8601 with offset", {"type": "string"}),
                    _param("limit", "items per page", {"type": "integer", "minimum": 1,
                                                       "maximum": 100, "default": 20}),
                    _param("cursor", "the position given in `next`", {"type": "string"}),
                ],
                "responses": {
                    "200": _json_response("a page of results", "SearchPage"),
                    "400": _json_response("an unusable query or an invalid parameter", "Error"),
                },
            }},
            "/api/v1/stories/{id}": {"get": {
                "summary": "A story (one event across outlets and languages) and its articles",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {
                    "200": _json_response("the story; a merged story answers as its survivor",
                                          "Story"),
                    "404": _json_response("unknown story", "Error"),
                },
            }},
            "/api/v1/sources": {"get": {
                "summary": "Outlets akhbar follows, with their health",
                "responses": {"200": _json_response("every source", "SourceList")},
            }},
        },
        "components": {"schemas": COMPONENTS},
    }
