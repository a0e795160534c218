"""Charset detection: declarations verified, UTF-8 first, windows-1252 / windows-1256 guessed."""

from __future__ import annotations

import codecs

import pytest

from akhbar.ingest.charset import decode, detect_encoding, header_charset

FR_SHORT = "Le président a déclaré à la presse que l'été serait chaud."
FR_LONG = (
    "Élections : les électeurs sont appelés aux urnes dimanche à Alger. Le scrutin, très "
    "attendu, désignera les élus des assemblées communales ; « une étape clé », a estimé "
    "le ministre de l'Intérieur devant la presse réunie à l'hôtel de ville."
)
AR_SHORT = "أعلنت الوزارة"
AR_LONG = (
    "قال رئيس الحكومة إن الاقتصاد المغربي سيحقق نموا هذا العام رغم الجفاف، "
    "مشيرا إلى أن الاستثمارات في الطاقات المتجددة ستتواصل في الجهات كافة."
)
EN = "The minister said on Thursday that the new port would open next spring."


def same(text: str, content: bytes, content_type: str | None = None) -> bool:
    return content.decode(detect_encoding(content, content_type)) == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(FR_SHORT, "latin-1"), (FR_LONG, "latin-1"), (FR_LONG, "cp1252"),
     ("Noël à Paris — «fête» d’été", "cp1252")],
)
def test_undeclared_latin_text_is_windows_1252(text: str, encoding: str) -> None:
    content = text.encode(encoding)
    assert detect_encoding(content) == "cp1252"  # not cp1250 / cp775 as detectors guess
    assert same(text, content)


@pytest.mark.parametrize("text", [AR_SHORT, AR_LONG])
def test_undeclared_arabic_is_windows_1256(text: str) -> None:
    html = f'<html><head><title>{text}</title></head><body><p class="lead">{text}</p></body></html>'
    for doc in (text, html):
        content = doc.encode("cp1256")
        assert detect_encoding(content) == "cp1256"
        assert same(doc, content)


def test_declarations_in_header_meta_and_xml_prolog() -> None:
    content = AR_LONG.encode("cp1256")
    assert detect_encoding(content, "text/html; charset=windows-1256") == "cp1256"
    meta = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    assert detect_encoding(meta + content, "text/html") == "cp1256"
    prolog = b'<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>'
    doc = prolog + FR_LONG.encode("latin-1") + b"</title></rss>"
    assert detect_encoding(doc, "application/rss+xml") == "cp1252"
    assert header_charset('text/html; charset="UTF-8"') == "UTF-8"
    assert header_charset("text/html") is None


def test_wrong_declarations_are_not_trusted() -> None:
    # A UTF-8 page served as ISO-8859-1 (a common server default) stays UTF-8.
    assert detect_encoding(FR_LONG.encode("utf-8"), "text/html; charset=iso-8859-1") == "utf-8"
    # A windows-1256 page declared UTF-8 does not decode as UTF-8: the guess takes over.
    assert detect_encoding(AR_LONG.encode("cp1256"), "text/html; charset=utf-8") == "cp1256"
    # An unknown charset name is ignored.
    assert detect_encoding(EN.encode("ascii"), "text/html; charset=x-nonsense") == "utf-8"


def test_iso_8859_1_declared_with_bytes_outside_windows_1252() -> None:
    content = b"caf\xe9 \x81"  # 0x81 is undefined in windows-1252 but valid ISO-8859-1
    assert detect_encoding(content, "text/plain; charset=iso-8859-1") == "latin-1"


def test_bom_utf8_and_ascii() -> None:
    assert detect_encoding(codecs.BOM_UTF8 + "été".encode()) == "utf-8-sig"
    assert detect_encoding("نص".encode("utf-16")) == "utf-16"
    assert detect_encoding(AR_LONG.encode("utf-8")) == "utf-8"
    assert detect_encoding(EN.encode("ascii")) == "utf-8"
    assert detect_encoding(b"") == "utf-8"


def test_decode_replaces_rather_than_fails() -> None:
    assert decode(FR_SHORT.encode("latin-1")) == FR_SHORT
    assert decode(AR_SHORT.encode("cp1256"), "text/html") == AR_SHORT
    # Declared UTF-8 with a stray invalid byte: the best guess still keeps the ASCII text.
    assert decode(b"Rabat \xff news", "text/plain; charset=utf-8").startswith("Rabat ")


@pytest.mark.parametrize("body", [FR_LONG, AR_LONG, EN + " “Quoted” — it’s here. " + FR_SHORT])
def test_declared_utf8_with_a_few_invalid_bytes_stays_utf8(body: str) -> None:
    paragraphs = "".join(f"<p>{body}</p>\n" for _ in range(3000 // len(body.encode()) + 1))
    html = f'<html><head><meta charset="utf-8"><title>t</title></head><body>{paragraphs}</body></html>'
    # Insert the bad bytes between characters (after ASCII '>' so no character is cut).
    raw = html.encode("utf-8")
    cuts = [i for i, b in enumerate(raw) if b == ord(">")][5::7][:4]
    content = bytearray(raw)
    for n, i in enumerate(sorted(cuts, reverse=True)):
        content[i + 1:i + 1] = b"\xff\xfe\x80\xc3"[n:n + 1]
    content_bytes = bytes(content)
    assert len(content_bytes) >= 3000
    for ctype in ("text/html; charset=utf-8", "text/html", None):
        assert detect_encoding(content_bytes, ctype) == "utf-8", ctype
        text = decode(content_bytes, ctype)
        assert body in text and text.count("\ufffd") == 4


def test_mostly_single_byte_text_declared_utf8_is_still_guessed() -> None:
    # A UTF-8 template (a few valid characters) around a windows-1252 / windows-1256 body: the
    # body decides, since most characters are read right that way.
    template = "<nav>Société · À la une</nav>".encode()
    fr = template + FR_LONG.encode("cp1252") * 3
    assert detect_encoding(fr, "text/html; charset=utf-8") == "cp1252"
    ar = template + AR_LONG.encode("cp1256") * 3
    assert detect_encoding(ar, "text/html; charset=utf-8") == "cp1256"


def test_a_utf8_feed_with_invalid_bytes_keeps_its_text() -> None:
    from akhbar.ingest.feeds.parse import parse_feed

    items = "".join(
        f"<item><title>{AR_SHORT} {i} — {FR_SHORT}</title><link>https://ex.ma/{i}</link></item>"
        for i in range(12)
    )
    feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    raw = feed.encode("utf-8").replace(b"<item>", b"<item>\xff", 4)
    parsed = parse_feed(raw, url="https://ex.ma/rss", content_type="application/rss+xml; charset=utf-8")
    assert [e.title for e in parsed.entries[:3]] == [f"{AR_SHORT} {i} — {FR_SHORT}" for i in range(3)]


def test_utf7_declarations_are_ignored() -> None:
    # Browsers never decode UTF-7: markup hidden in it ("+ADw-script+AD4-") must stay text.
    content = b'<meta charset="utf-7"><p>+ADw-script+AD4-alert(1)+ADw-/script+AD4-</p>'
    for ctype in ("text/html; charset=utf-7", "text/html"):
        assert detect_encoding(content, ctype) == "utf-8"
        assert "<script>" not in decode(content, ctype)
