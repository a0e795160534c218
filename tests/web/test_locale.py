"""UI catalogues: every string translated in French and Arabic (no empty, no fuzzy entry, every
plural form, the same placeholders), and each compiled .mo up to date with its .po.

Both catalogues are checked: akhbar/locale and the reader pages' app catalogue akhbar/news/locale
(any other akhbar/**/locale found later is checked too)."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

AKHBAR = Path(__file__).resolve().parents[2] / "akhbar"
LOCALE = AKHBAR / "locale"
CATALOGUES = sorted(AKHBAR.glob("**/locale/*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
NPLURALS = {"fr": 2, "ar": 6}


def read_po(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, first msgstr, fuzzy) for each entry of a .po file (plural entries included)."""
    return [(e["msgid"], e["msgstrs"][0] if e["msgstrs"] else "", e["fuzzy"])
            for e in read_entries(path)]


def read_entries(path: Path) -> list[dict]:  # type: ignore[type-arg]
    """Each entry of a .po file (the header left out): msgid, msgid_plural, msgstrs, fuzzy,
    python-format; obsolete ``#~`` entries are left out (gettext ignores them)."""
    entries: list[dict] = []  # type: ignore[type-arg]
    flags, field, parts = "", "", {}  # type: ignore[var-annotated]
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,"):
            flags += line
        elif line.startswith("msg"):
            field, value = line.split(" ", 1)
            parts[field] = ast.literal_eval(value)
        elif line.startswith('"') and field:
            parts[field] += ast.literal_eval(line)
        elif not line.strip():
            if parts.get("msgid"):
                strs = [parts[k] for k in sorted(parts) if k.startswith("msgstr")]
                entries.append({"msgid": parts["msgid"], "plural": parts.get("msgid_plural"),
                                "msgstrs": strs, "fuzzy": "fuzzy" in flags,
                                "python": "python-format" in flags})
            flags, field, parts = "", "", {}
    return entries


def test_every_catalogue_is_found() -> None:
    found = {str(p.relative_to(AKHBAR)) for p in CATALOGUES}
    assert {"locale/fr/LC_MESSAGES/django.po", "locale/ar/LC_MESSAGES/django.po",
            "news/locale/fr/LC_MESSAGES/django.po", "news/locale/ar/LC_MESSAGES/django.po"} <= found


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(AKHBAR)))
def test_catalogue_is_complete_and_compiled(po: Path) -> None:
    lang = po.parents[1].name
    header = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header, f"{po}: fuzzy header"
    assert f"nplurals={NPLURALS[lang]};" in header.replace('"\n"', "")
    entries = read_entries(po)
    assert len(entries) >= 20
    bad = []
    for e in entries:
        forms = NPLURALS[lang] if e["plural"] else 1
        if e["fuzzy"] or len(e["msgstrs"]) != forms or not all(s.strip() for s in e["msgstrs"]):
            bad.append(f"untranslated or fuzzy: {e['msgid']!r}")
            continue
        # A placeholder the msgid does not have would raise KeyError when the page renders.
        known = set(PLACEHOLDER.findall(e["msgid"] + (e["plural"] or "")))
        extra = {n for s in e["msgstrs"] for n in PLACEHOLDER.findall(s)} - known
        if extra:
            bad.append(f"unknown placeholder {sorted(extra)} in {e['msgid']!r}")
    assert not bad, f"{po.relative_to(AKHBAR)}:\n" + "\n".join(bad)
    with open(po.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for e in entries:
        if e["plural"]:
            got = [mo.ngettext(e["msgid"], e["plural"], n) for n in (0, 1, 2, 3, 11, 100)]
            want = [e["msgstrs"][mo.plural(n)] for n in (0, 1, 2, 3, 11, 100)]  # type: ignore[attr-defined]
        else:
            got, want = [mo.gettext(e["msgid"])], e["msgstrs"]
        if got != want:
            stale.append(e["msgid"])
    assert not stale, (f"{po.relative_to(AKHBAR)}: django.mo is older than django.po "
                       f"(run akhbar compilemessages): {stale}")
