"""Comparable "anchors" of a news article: named entities and numbers, across scripts.

An anchor is a short string such as ``place:al_hoceima``, ``person:tebboune``, ``year:2019``,
``score:1-2``, ``num:1200`` or ``name:ive``. Two articles about one event tend to share anchors
whatever their language, because Arabic, French and English spellings of the names that matter in
Maghreb news map to one canonical key through the entity table (``data/entities.toml``, read by
:func:`load_entity_table`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

from akhbar.ingest.normalize import fold_arabic, fold_text

#: Where the default entity table shipped with the project lives (a source checkout).
DEFAULT_ENTITIES_PATH = Path(__file__).resolve().parents[3] / "data" / "entities.toml"

#: The kinds of entity an entry may have (the prefix of its anchors).
ENTITY_KINDS = ("country", "place", "person", "org", "party", "club", "team", "event")

#: canonical key -> (kind, surface forms in any script), in the file's order.
EntityTable = Mapping[str, tuple[str, tuple[str, ...]]]

_KEY = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


class EntityTableError(ValueError):
    """The entity table file is unreadable or invalid; the message names the file and entry."""


@functools.cache
def entity_table_version(path: str | Path = DEFAULT_ENTITIES_PATH) -> str:
    """A fingerprint of the entity table file: stored features carry it, and features made
    with another table get their anchors recomputed (new countries, new forms of a name)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def load_entity_table(path: str | Path = DEFAULT_ENTITIES_PATH) -> EntityTable:
    """Read and validate an entity table TOML file (``data/entities.toml`` by default)."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EntityTableError(f"{file}: cannot read ({exc})") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EntityTableError(f"{file}: invalid TOML ({exc})") from exc
    extra = sorted(set(data) - {"entities"})
    if extra:
        raise EntityTableError(f"{file}: unknown top-level key(s) {', '.join(map(repr, extra))}")
    entries = data.get("entities")
    if not isinstance(entries, dict) or not entries:
        raise EntityTableError(f"{file}: missing [entities.<key>] tables")
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for key, entry in entries.items():
        where = f"{file}: [entities.{key}]"
        if not _KEY.fullmatch(key):
            raise EntityTableError(f"{where}: the key must be lowercase ASCII words joined by '_'")
        if not isinstance(entry, dict) or set(entry) != {"kind", "forms"}:
            raise EntityTableError(f"{where}: must hold exactly 'kind' and 'forms'")
        kind, forms = entry["kind"], entry["forms"]
        if kind not in ENTITY_KINDS:
            raise EntityTableError(
                f"{where}: unknown kind {kind!r}; known kinds: {', '.join(ENTITY_KINDS)}"
            )
        if not isinstance(forms, list) or not forms:
            raise EntityTableError(f"{where}: 'forms' must be a non-empty list of strings")
        for form in forms:
            if not isinstance(form, str) or not fold_text(form).split():
                raise EntityTableError(f"{where}: form {form!r} is not a name (empty once folded)")
        table[key] = (kind, tuple(forms))
    return MappingProxyType(table)


# Latin words that start sentences or headlines without naming anything.
_CAPITAL_STOPWORDS = frozenset(
    fold_text(w)
    for w in (
        "le la les un une des de du en au aux et ou mais pour par sur dans avec sans ce cette ces "
        "il elle ils elles on nous vous son sa ses leur leurs qui que quoi quand comment pourquoi "
        "selon après avant depuis lors plus moins tout tous toute toutes très deux trois "
        "the a an and or but for by on in at of to with from this that these those he she they "
        "we you his her their who what when how why after before since more less all new "
        "lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday "
        "friday saturday sunday janvier février mars avril mai juin juillet août septembre "
        "octobre novembre décembre january february march april may june july august september "
        "october november december m mme mr mrs dr pr"
    ).split()
)

# Arabic proclitics glued to a word: conjunction (و ف), preposition (ب ل ك), article (ال, لل).
_ARABIC_PREFIXES = (
    "وبال", "وال", "بال", "فال", "كال", "ولل", "فلل", "لل", "ال", "وب", "ول", "وك", "فب", "فل",
    "و", "ف", "ب", "ل", "ك",
)
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_MAX_NGRAM = 6

# Numbers: digits with optional grouping (1 200, 1.200, 1,200) or decimal part (1,5 / 1.5).
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[  .,]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])")
# Football scores: "2-1", "2 - 1", "(2-1)", "2:1" with small numbers only.
_SCORE = re.compile(r"(?<![\w.,])(\d{1,2})\s*[-–:]\s*(\d{1,2})(?![\w.,:\d])")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")


def _arabic_variants(token: str) -> list[str]:
    """The token and the forms left after stripping each possible proclitic (longest first)."""
    forms = [token]
    if not _ARABIC_LETTER.match(token):
        return forms
    for prefix in _ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            rest = token[len(prefix):]
            forms.append(rest)
            # "للمغرب" is ل + المغرب: keep the article so the listed form matches too.
            if prefix in ("لل", "ولل", "فلل"):
                forms.append("ال" + rest)
    return forms


def _is_acronym(form: str) -> bool:
    """A short all-capitals Latin form (UN, EST, CAN) that folds into an ordinary word."""
    return form.isascii() and form.isupper() and len(form) <= 6 and " " not in form


def _build_index(table: EntityTable) -> dict[tuple[str, ...], str]:
    """Folded token sequences -> anchor, including Arabic forms without their article."""
    index: dict[tuple[str, ...], str] = {}
    for key, (kind, forms) in table.items():
        anchor = f"{kind}:{key}"
        for form in forms:
            if _is_acronym(form):
                continue
            tokens = tuple(fold_text(form).split())
            if not tokens:
                continue
            index.setdefault(tokens, anchor)
            if tokens[0].startswith("ال") and len(tokens[0]) > 3:
                index.setdefault((tokens[0][2:], *tokens[1:]), anchor)
    return index


class AnchorExtractor:
    """Extracts anchors (entities, numbers, Latin capitalised names) from a title and lead."""

    def __init__(
        self,
        table: EntityTable | None = None,
        *,
        lead_chars: int = 400,
        names: bool = True,
    ) -> None:
        """table: the entity table (None: :func:`load_entity_table`'s default file)."""
        if table is None:
            table = load_entity_table()
        self._index = _build_index(table)
        # Acronyms are matched case-sensitively on the raw text: folded, "EST" would be "est".
        self._acronyms = {
            form: f"{kind}:{key}"
            for key, (kind, forms) in table.items()
            for form in forms
            if _is_acronym(form)
        }
        self._lead_chars = lead_chars
        self._names = names
        # Surface forms of table entries, so a capitalised name already known is not doubled.
        self._known_words = frozenset(w for tokens in self._index for w in tokens)

    def entities(self, text: str) -> set[str]:
        """Table entities found in text (longest match first, Arabic clitics stripped)."""
        tokens = fold_text(text).split()
        found: set[str] = set()
        i = 0
        while i < len(tokens):
            matched = 0
            for n in range(min(_MAX_NGRAM, len(tokens) - i), 0, -1):
                rest = tuple(tokens[i + 1 : i + n])
                for first in _arabic_variants(tokens[i]):
                    anchor = self._index.get((first, *rest))
                    if anchor is not None:
                        found.add(anchor)
                        matched = n
                        break
                if matched:
                    break
            i += matched or 1
        for word in _ACRONYM.findall(text):
            anchor = self._acronyms.get(word)
            if anchor is not None:
                found.add(anchor)
        return found

    def numbers(self, text: str) -> set[str]:
        """Years, football scores and other numbers, with digits and separators normalised."""
        text = fold_arabic(unicodedata.normalize("NFKC", text))
        text = text.replace("٫", ".").replace("٬", ",")
        found: set[str] = set()
        spans: list[tuple[int, int]] = []
        for m in _SCORE.finditer(text):
            a, b = sorted((int(m.group(1)), int(m.group(2))))
            # A range of years or a date like 12-05 is not a score; scores are small.
            if b <= 15:
                found.add(f"score:{a}-{b}")
                spans.append(m.span())
        for m in _NUMBER.finditer(text):
            if any(s <= m.start() < e for s, e in spans):
                continue
            whole = re.sub(r"[  .,]", "", m.group(1))
            value = float(f"{whole}.{m.group(2)}") if m.group(2) else float(whole)
            if m.group(2) is None and 1900 <= value <= 2099:
                found.add(f"year:{int(value)}")
            else:
                found.add(f"num:{value:g}")
        return found

    def names(self, text: str) -> set[str]:
        """Capitalised Latin words not at a sentence start and not in the table."""
        found: set[str] = set()
        for sentence in re.split(r"(?<=[.!?:;«»\"])\s+|\n+", text):
            words = re.findall(r"[\w'’-]+", sentence)
            if not words:
                continue
            capitalised = sum(1 for w in words if w[:1].isupper())
            # Title Case headlines ("Morocco Beats Portugal") capitalise everything: no signal.
            if len(words) >= 4 and capitalised / len(words) > 0.6:
                continue
            for position, word in enumerate(words):
                if position == 0 or not word[:1].isupper() or not word[:1].isalpha():
                    continue
                if word in self._acronyms:
                    continue
                for part in fold_text(word).split():
                    if len(part) >= 3 and part not in _CAPITAL_STOPWORDS and part not in self._known_words:
                        found.add(f"name:{part}")
        return found

    def anchors(self, title: str, text: str = "", language: str | None = None) -> frozenset[str]:
        """All anchors of an article's title and the start of its text."""
        del language  # the table and the number rules are language-independent
        lead = text[: self._lead_chars]
        joined = f"{title}\n{lead}" if lead else title
        result = self.entities(joined) | self.numbers(joined)
        if self._names:
            result |= self.names(title) | self.names(lead)
        return frozenset(result)


def anchors(title: str, text: str = "", language: str | None = None) -> frozenset[str]:
    """Anchors of one article with the default table (reads it and builds the index: reuse
    an AnchorExtractor when extracting many)."""
    return AnchorExtractor().anchors(title, text, language)


def anchor_kinds(values: Iterable[str], kind: str) -> frozenset[str]:
    """The anchors of one kind (``year``, ``score``, ``place``...) among values."""
    prefix = kind + ":"
    return frozenset(v for v in values if v.startswith(prefix))
