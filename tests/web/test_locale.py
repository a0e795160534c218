"""UI catalogues: every string translated in French and Arabic, and the compiled .mo up to date."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "akhbar" / "locale"


def read_po(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each singular entry of a .po file."""
    entries, fuzzy, field, parts = [], False, None, {"msgid": "", "msgstr": ""}
    lines = path.read_text(encoding="utf-8").splitlines() + [""]
    for line in lines:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgstr ")):
            field = line.split(" ", 1)[0]
            parts[field] = ast.literal_eval(line.split(" ", 1)[1])
        elif line.startswith('"') and field:
            parts[field] += ast.literal_eval(line)
        elif not line.strip():
            if parts["msgid"]:
                entries.append((parts["msgid"], parts["msgstr"], fuzzy))
            fuzzy, field, parts = False, None, {"msgid": "", "msgstr": ""}
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
    stale = [m for m, s, _ in entries if mo.gettext(m) != s]
    assert not stale, f"{lang}: django.mo is older than django.po (run akhbar compilemessages): {stale}"
