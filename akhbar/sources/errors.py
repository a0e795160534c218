"""Operator-facing, translated labels for the stable error kinds of akhbar.ingest."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ERROR_LABELS = {
    "timeout": _("the server did not answer in time"),
    "connection": _("the connection failed"),
    "dns": _("the host name does not resolve"),
    "tls": _("the secure connection failed (certificate or TLS error)"),
    "too_large": _("the response is larger than the size limit"),
    "robots_disallowed": _("robots.txt forbids fetching it"),
    "robots_unreachable": _("robots.txt could not be read (server error): crawling waits a few minutes"),
    "private_address": _("the address is on a private network (refused)"),
    "invalid_url": _("the URL is not valid"),
    "unsupported_scheme": _("only http and https URLs are fetched"),
    "too_many_redirects": _("too many redirects"),
    "decoding": _("the compressed response could not be decoded"),
    "not_a_feed": _("the document is not a feed"),
    "malformed": _("the feed is malformed beyond repair"),
    "empty": _("the response is empty"),
    "not_html": _("the page is not HTML"),
}


def error_label(kind: str) -> str:
    """A sentence for an error kind, in the active language (HTTP statuses included)."""
    if not kind:
        return ""
    if kind.startswith("http_") and kind[5:].isdigit():
        status = int(kind[5:])
        if status == 429:
            return gettext("the server asks us to slow down (HTTP 429)")
        if status in (401, 403):
            return gettext("access refused by the server (HTTP %(status)d)") % {"status": status}
        if status in (404, 410):
            return gettext("the address no longer exists (HTTP %(status)d)") % {"status": status}
        if status >= 500:
            return gettext("the server is failing (HTTP %(status)d)") % {"status": status}
        return gettext("the server answered HTTP %(status)d") % {"status": status}
    label = ERROR_LABELS.get(kind)
    return str(label) if label else kind
