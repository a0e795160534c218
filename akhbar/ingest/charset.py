"""Charset detection for fetched bytes: declared charset first, verified, then detection.

Arabic outlets still serve windows-1256 and French ones ISO-8859-1 / windows-1252, often with a
wrong or missing declaration, so a declaration is only trusted when the bytes decode under it.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_\-.]+)["']""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _normal(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'"))
    except LookupError:
        return None
    # Browsers read ISO-8859-1 and ASCII as windows-1252 (the WHATWG encoding standard).
    if codec.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return codec.name


def _decodes(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", content_type, re.I)
    return m.group(1) if m else None


def detect_encoding(content: bytes, content_type: str | None = None) -> str:
    """The Python codec name to decode ``content`` with.

    Order: BOM; the HTTP header's charset; the document's own declaration (XML prolog or HTML
    meta, first 4 KiB); each used only if the bytes decode under it; then statistical detection.
    """
    for bom, name in _BOMS:
        if content.startswith(bom):
            return "utf-8-sig" if name == "utf-8" else name
    head = content[:4096]
    candidates = [header_charset(content_type)]
    m = _XML_DECL.search(head)
    candidates.append(m.group(1).decode("ascii", "ignore") if m else None)
    m = _META_CHARSET.search(head)
    candidates.append(m.group(1).decode("ascii", "ignore") if m else None)
    for cand in candidates:
        enc = _normal(cand)
        if enc and _decodes(content, enc):
            return enc
    if _decodes(content, "utf-8"):
        return "utf-8"
    best = from_bytes(content[:65536]).best()
    if best is not None and best.encoding:
        return _normal(best.encoding) or best.encoding
    return "cp1252"


def decode(content: bytes, content_type: str | None = None) -> str:
    """``content`` decoded with :func:`detect_encoding` (undecodable bytes replaced)."""
    return content.decode(detect_encoding(content, content_type), errors="replace")
