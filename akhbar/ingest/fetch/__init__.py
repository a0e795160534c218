"""The only code that talks HTTP: polite, capped, SSRF-guarded fetching (see client.Fetcher)."""

from akhbar.ingest.fetch.client import FetchConfig, Fetcher, default_user_agent, is_public_address

__all__ = ["FetchConfig", "Fetcher", "default_user_agent", "is_public_address"]
