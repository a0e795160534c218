"""UI catalogues: every string translated in French and Arabic, and the compiled .mo up to date."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "akhbar" / "locale"


def read_po(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, first msgstr, fuzzy) for each entry of a .po file (plural entries included)."""
    entries: list[tuple[str, str, bool]] = []
    fuzzy, field, parts = False, "", {}  # type: ignore[var-annotated]
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msg"):
            field, value = line.split(" ", 1)
            parts[field] = ast.literal_eval(value)
        elif line.startswith('"') and field:
            parts[field] += ast.literal_eval(line)
        elif not line.strip():
            if parts.get("msgid"):
                first = parts.get("msgstr", parts.get("msgstr[0]", ""))
                entries.append((parts["msgid"], first, fuzzy))
            fuzzy, field, parts = False, "", {}
    return entries


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_catalogue_is_complete_and_compiled(lang: str) -> None:
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    entries = read_po(po)
    assert len(entries) >= 40
    untranslated = [m for m, s, fuzzy in entries if not s or fuzzy]
    assert not untranslated, f"untranslated in {lang}: {untranslated}"
    with open(po.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = [m for m, s, _ in entries if s not in (mo.gettext(m), mo.ngettext(m, m, 0), mo.ngettext(m, m, 1))]
    assert not stale, f"{lang}: django.mo is older than django.po (run akhbar compilemessages): {stale}"
