"""Errors raised by the ingestion core, each with a stable ``kind`` string.

The ``kind`` is stored on a feed's state and shown (translated) to the operator, so the strings
are a contract: add new kinds, never rename existing ones.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class: every ingestion error carries a stable ``kind`` and the URL involved."""

    default_kind = "error"

    def __init__(self, message: str, *, kind: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind or self.default_kind
        self.url = url

    def __str__(self) -> str:  # e.g. "timeout: read timed out (https://…)"
        base = super().__str__()
        return f"{self.kind}: {base}" + (f" ({self.url})" if self.url else "")


class FetchError(IngestError):
    """An HTTP fetch failed.

    Kinds: ``timeout``, ``connection``, ``dns``, ``tls``, ``http_<status>`` (``http_404``,
    ``http_429``, ``http_500``…), ``too_large``, ``robots_disallowed``, ``robots_unreachable``
    (robots.txt answered 5xx: crawling waits a few minutes), ``private_address``,
    ``invalid_url``, ``too_many_redirects``, ``unsupported_scheme``.
    """

    default_kind = "fetch_error"

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        url: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, kind=kind, url=url)
        self.status = status
        # Seconds the server asked us to wait (Retry-After on 429/503), if it said.
        self.retry_after = retry_after


class ParseError(IngestError):
    """Bytes could not be read as a feed. Kinds: ``not_a_feed``, ``malformed``, ``empty``."""

    default_kind = "not_a_feed"


class ExtractError(IngestError):
    """A page could not be turned into an article. Kinds: ``empty``, ``not_html``."""

    default_kind = "extract_failed"


class ImageError(IngestError):
    """Bytes could not be turned into stored image renditions.

    Kinds: ``not_an_image`` (SVG, HTML, corrupt bytes), ``too_small`` (tracking pixels, icons),
    ``too_large`` (more pixels than allowed: decompression bombs), ``unsupported`` (an image
    format or mode we do not decode, e.g. HEIC, TIFF, PSD).
    """

    default_kind = "not_an_image"
