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
