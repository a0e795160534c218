"""Sanitize untrusted HTML from sources with nh3 (ammonia): only a small, safe subset survives."""

from __future__ import annotations

import nh3

# Paragraph-level markup an article body needs; no scripts, styles, forms, iframes or handlers.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "h5", "h6", "blockquote", "q", "cite", "ul", "ol", "li",
        "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "a",
        "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "caption",
        "pre", "code", "hr", "span", "time", "dl", "dt", "dd",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "*": {"lang", "dir"},
}
# Elements whose content is dropped with them (nh3 keeps the text of unknown tags otherwise).
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "noscript", "iframe", "object", "embed",
                                "template", "svg", "math", "form", "button", "select", "textarea"})


def sanitize_html(html: str) -> str:
    """Untrusted HTML reduced to safe paragraph markup; links get rel="noopener nofollow"."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow ugc",
        strip_comments=True,
    ).strip()


def plain_text(text: str) -> str:
    """``text`` without any markup, even markup hidden behind entities ("&lt;script&gt;").

    Tags are stripped and entities decoded until nothing changes, so the result holds no tag a
    reader could render as HTML; "<" and ">" are kept only where they cannot open a tag ("a < b").
    """
    import html as _html

    for _ in range(4):  # each round peels one level of entity encoding
        stripped = _html.unescape(
            nh3.clean(text, tags=set(), clean_content_tags=set(CLEAN_CONTENT_TAGS))).strip()
        if stripped == text:
            return stripped
        text = stripped
    # Still changing after four decodings: deliberately nested; drop what could open a tag.
    return text.replace("<", "").replace(">", "")


def text_as_html(text: str) -> str:
    """Plain text as a sanitized HTML fragment that shows it literally (for feeds out)."""
    import html as _html

    return sanitize_html(_html.escape(text, quote=False))


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (all tags removed, entities decoded)."""
    import html as _html

    if not html:
        return ""
    stripped = nh3.clean(html, tags=set(), clean_content_tags=set(CLEAN_CONTENT_TAGS))
    return _html.unescape(stripped).strip()
