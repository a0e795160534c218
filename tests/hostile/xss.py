"""Classic XSS payloads, and a check that a piece of HTML holds no script a browser would run.

Every payload that runs calls ``alert()`` or sets ``window.__xss``, so a browser test notices
(a dialog or the flag); ``html_dangers`` finds the same things statically in feed text.
"""

from __future__ import annotations

from html.parser import HTMLParser

PAYLOADS: tuple[str, ...] = (
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=\"alert('xss-img')\">",
    "<svg onload=alert('xss-svg')>",
    "\"><script>window.__xss=1</script>",
    "'><img src=x onerror=window.__xss=2>",
    "</title><script>alert('xss-title')</script>",
    "</script><script>alert('xss-json')</script>",
    "<iframe src=\"javascript:alert('xss-iframe')\"></iframe>",
    "<a href=\"javascript:alert('xss-href')\">clic</a>",
    "<body onload=alert('xss-body')>",
    "<details open ontoggle=alert('xss-toggle')>",
    "&lt;script&gt;alert('xss-entity')&lt;/script&gt;",
    "&lt;img src=x onerror=alert('xss-entity-img')&gt;",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-mxss')>",
    "{{ 7*7 }}<style>body{background:url(javascript:alert('xss-css'))}</style>",
    "\u202e<script>alert('xss-bidi')</script>",
)

# One string carrying them all (for fields holding one value: a title), and a shorter one for
# fields of at most 200 characters (an outlet's name).
ALL = " ".join(PAYLOADS)
SHORT = "<script>alert('xss-name')</script>\"><img src=x onerror=alert('xss-name-img')>"
# A URL that is itself a payload, and one breaking out of an attribute.
URL_PAYLOADS = ("javascript:alert('xss-url')", "https://x.example/a.jpg\" onerror=\"alert('xss-attr')")


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "svg", "math", "style", "base"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if (name.lower() in ("href", "src", "action", "formaction", "xlink:href")
                    and (value or "").strip().lower().startswith(("javascript:", "data:text"))):
                self.found.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag


def html_dangers(html: str) -> list[str]:
    """What in ``html`` a browser would run: script-like elements, on* handlers, javascript: URLs."""
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan.found
