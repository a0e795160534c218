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
# A "word" of letters where bytes >= 0x80 stand for letters of an unknown single-byte charset.
_WORD = re.compile(rb"[A-Za-z\x80-\xff]{2,}")
_MARKUP = re.compile(rb"<(script|style)\b.*?</\1\s*>|<[^>]*>|&[#\w]+;", re.I | re.S)
# Multi-byte East Asian codecs: charset_normalizer picks them for short single-byte texts.
_CJK = ("cp932", "shift_jis", "euc_jp", "euc_kr", "cp949", "gb2312", "gb18030", "gbk", "big5",
        "big5hkscs", "cp950", "iso2022_jp", "iso2022_kr", "johab", "hz")


# Declarations never honoured, as in browsers (the WHATWG encoding standard): in UTF-7 and the
# escape-based ISO-2022-KR / HZ, ASCII bytes such as "+ADw-script+AD4-" decode to markup.
_REFUSED = frozenset({"utf-7", "hz", "iso2022_kr", "utf-32", "utf-32-le", "utf-32-be"})


def _normal(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'"))
    except LookupError:
        return None
    if codec.name in _REFUSED:
        return None
    # Browsers read ISO-8859-1 and ASCII as windows-1252 (the WHATWG encoding standard).
    if codec.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return codec.name


def _single_byte(encoding: str) -> bool:
    """True for codecs that map each byte to one character (cp1252, cp1256, iso8859-*…)."""
    try:
        return len(b"\xe9\xe9".decode(encoding)) == 2
    except (UnicodeDecodeError, LookupError):
        return False


def _decodes(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


# UTF-8 with a few invalid bytes (a corrupt upload, a page cut and pasted) is still UTF-8 when it
# reads this many characters right for each byte it cannot: single-byte text (windows-1252,
# windows-1256) forms a valid multi-byte sequence only by chance, so it scores near zero.
ALMOST_UTF8_RATIO = 2


def _almost_utf8(content: bytes) -> bool:
    """True when most non-ASCII characters are valid UTF-8 (undecodable bytes then replaced)."""
    text = content.decode("utf-8", errors="replace")
    # Replacement characters already in the text are valid UTF-8 (EF BF BD), not errors.
    invalid = text.count("\ufffd") - content.count(b"\xef\xbf\xbd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))  # in C: 5 MB in ~10 ms
    valid = non_ascii - invalid
    return valid > 0 and invalid * ALMOST_UTF8_RATIO <= valid


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", content_type, re.I)
    return m.group(1) if m else None


def _latin_share(content: bytes) -> float | None:
    """Share of accented words that also hold ASCII letters (None: no accented word).

    In French or English text a byte >= 0x80 is an accent inside an ASCII word ("déclaré");
    in Arabic or Cyrillic single-byte text whole words are made of such bytes.
    """
    text = _MARKUP.sub(b" ", content[:65536])
    accented = [w for w in _WORD.findall(text) if max(w) >= 0x80]
    if not accented:
        return None
    mixed = sum(1 for w in accented if min(w) < 0x80)
    return mixed / len(accented)


def _arabic_share(content: bytes) -> float:
    """Share of non-ASCII characters that are Arabic letters when read as windows-1256."""
    text = content[:65536].decode("cp1256", errors="replace")
    high = [c for c in text if ord(c) >= 0x80]
    if not high:
        return 0.0
    return sum(1 for c in high if "\u0600" <= c <= "\u06ff") / len(high)


def _guess_single_byte(content: bytes) -> str:
    """Guess the charset of bytes that are not UTF-8 and declared nothing usable."""
    share = _latin_share(content)
    if share is not None and share >= 0.6:
        # Latin text with accents: statistical detectors split hairs between cp1250, cp775,
        # cp1257… on short texts; for fr/en press windows-1252 is the right answer.
        return "cp1252" if _decodes(content, "cp1252") else "latin-1"
    best = from_bytes(content[:65536]).best()
    guess = (_normal(best.encoding) or best.encoding) if best is not None and best.encoding else None
    if guess == "cp1256":
        return guess
    # Short Arabic texts come out as cp932 & co; trust windows-1256 when it yields Arabic.
    if (guess is None or guess in _CJK or len(content) < 2048) and _arabic_share(content) >= 0.8:
        return "cp1256"
    if guess:
        return guess
    return "cp1252" if _decodes(content, "cp1252") else "latin-1"


def detect_encoding(content: bytes, content_type: str | None = None) -> str:
    """The Python codec name to decode ``content`` with.

    Order: BOM; the HTTP header's charset; the document's own declaration (XML prolog or HTML
    meta, first 4 KiB); each used only if the bytes decode under it; then UTF-8, also when a few
    bytes are invalid (they are replaced when decoding); then a guess that prefers windows-1252
    for Latin text and windows-1256 for Arabic.
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
    # Non-ASCII bytes that form valid UTF-8 are UTF-8 whatever a single-byte declaration says:
    # "charset=iso-8859-1" on UTF-8 pages is a common server default, the reverse is near
    # impossible by chance.
    # Almost valid counts too: a handful of bad bytes must not turn a whole UTF-8 page into
    # mojibake (the rest is decoded right, the bad bytes become U+FFFD).
    utf8 = not content.isascii() and (_decodes(content, "utf-8") or _almost_utf8(content))
    for cand in candidates:
        enc = _normal(cand)
        if not enc:
            continue
        if utf8 and (enc == "utf-8" or _single_byte(enc)):
            return "utf-8"
        if _decodes(content, enc):
            return enc
        if enc == "cp1252":
            # Declared ISO-8859-1 with bytes windows-1252 leaves undefined (0x81, 0x8d…).
            return "latin-1"
    if utf8 or content.isascii():
        return "utf-8"
    return _guess_single_byte(content)


def decode(content: bytes, content_type: str | None = None) -> str:
    """``content`` decoded with :func:`detect_encoding` (undecodable bytes replaced)."""
    return content.decode(detect_encoding(content, content_type), errors="replace")
