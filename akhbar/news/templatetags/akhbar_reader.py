"""Template helpers of the reader's pages: the outlet link in the attribution, share links."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from akhbar.sources.models import Source

register = template.Library()


@register.filter
def outlet_link(source: Source) -> SafeString:
    """The outlet's name linked to its akhbar page (the attribution sentence keeps its words)."""
    return format_html('<a class="outlet" href="{}">{}</a>', reverse("source", args=[source.slug]),
                       source.name)


@register.simple_tag(takes_context=True)
def share_links(context: template.Context, title: str) -> list[tuple[str, str, str]]:
    """(key, label, href) of each share link for the current page: plain links, nothing loads
    from the networks until the reader follows one."""
    request = context["request"]
    url = request.build_absolute_uri(request.path)
    u, t, both = quote(url, safe=""), quote(title, safe=""), quote(f"{title} {url}", safe="")
    return [
        ("whatsapp", "WhatsApp", f"https://wa.me/?text={both}"),
        ("facebook", "Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("x", "X", f"https://x.com/intent/post?url={u}&text={t}"),
        ("telegram", "Telegram", f"https://t.me/share/url?url={u}&text={t}"),
        ("email", "", f"mailto:?subject={t}&body={both}"),
    ]


@register.simple_tag(takes_context=True)
def page_url(context: template.Context) -> str:
    """This page's absolute URL, without its query string."""
    request = context["request"]
    return str(request.build_absolute_uri(request.path))
