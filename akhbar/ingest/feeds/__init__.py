"""Feed parsing and discovery: RSS, Atom, RDF, JSON Feed and XML sitemaps."""

from akhbar.ingest.feeds.discover import candidate_feed_urls, discover_feeds
from akhbar.ingest.feeds.parse import parse_feed

__all__ = ["candidate_feed_urls", "discover_feeds", "parse_feed"]
