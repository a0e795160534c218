"""Load and validate the default source registry (``data/sources/*.toml``).

Each TOML file holds ``[[source]]`` tables, one per outlet (or per language edition of an
outlet). The format is described in ``data/sources/README.md``; this module is its one reader.
Validation is strict on purpose: a typo in a key or a value must stop the load with a message
naming the file, the source and the problem, never pass silently.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from akhbar.ingest.sections import SECTION_KEYS, rule_problem

#: Where the registry shipped with the project lives (a source checkout, not the wheel).
DEFAULT_REGISTRY_DIR = Path(__file__).resolve().parents[2] / "data" / "sources"

REQUIRED_KEYS = ("slug", "name", "homepage", "languages", "country", "feeds", "timezone", "display")
OPTIONAL_KEYS = ("sitemaps", "verified", "notes", "editions", "sections", "description")
DISPLAY_MODES = ("full", "excerpt")
EDITIONS = ("fr", "ar", "en")

_Fail = Callable[[str], "RegistryError"]

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# ISO 639-1 (two-letter) language codes; written out so the check needs no extra dependency.
ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
    de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg
    li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or
    os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """.split()
)

# ISO 3166-1 alpha-2 officially assigned country codes (249).
ISO_3166_1_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)


class RegistryError(ValueError):
    """A registry file is unreadable or a source in it is invalid; the message says where and why."""

    def __init__(self, path: str | Path, problem: str, *, slug: str | None = None) -> None:
        self.path = str(path)
        self.slug = slug
        self.problem = problem
        where = f"{self.path}: source {slug!r}" if slug is not None else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class SourceSpec:
    """One outlet (or one language edition of it) as declared in the registry."""

    slug: str
    name: str
    homepage: str
    languages: tuple[str, ...]
    country: str
    feeds: tuple[str, ...]
    timezone: str
    display: str
    sitemaps: tuple[str, ...] = ()
    verified: bool = True  # False: a listed URL could not be checked against the public record
    notes: str = ""
    editions: tuple[str, ...] = ()
    description: str = ""  # one or two sentences for readers (the outlet's page); notes are not
    origin: str = ""  # the registry file it came from (provenance, for error messages)
    # Per-source section rules ("path:/…/" or "category:…" per section key), tried before the
    # defaults of data/sections.toml. A plain dict typed read-only: a MappingProxy would break
    # pickling and dataclasses.asdict; left out of the hash since a mapping is unhashable.
    sections: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def needs_discovery(self) -> bool:
        """True when the source lists neither feed nor sitemap (feeds are discovered from the homepage)."""
        return not self.feeds and not self.sitemaps

    def shown_in(self) -> tuple[str, ...]:
        """The portal editions that list this source: ``editions`` if given, else its own languages."""
        if self.editions:
            return self.editions
        return tuple(lang for lang in self.languages if lang in EDITIONS)


def load_registry(path: str | Path) -> list[SourceSpec]:
    """Load a registry file, or every ``*.toml`` of a directory (sorted by name), and validate it."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.glob("*.toml") if p.is_file())
        if not files:
            raise RegistryError(root, "directory holds no *.toml registry file")
    elif root.is_file():
        files = [root]
    else:
        raise RegistryError(root, "no such registry file or directory")

    specs: list[SourceSpec] = []
    slug_origin: dict[str, str] = {}
    url_owner: dict[str, str] = {}
    for file in files:
        for spec in _load_file(file):
            if spec.slug in slug_origin:
                raise RegistryError(
                    file,
                    f"duplicate slug (already defined in {slug_origin[spec.slug]})",
                    slug=spec.slug,
                )
            slug_origin[spec.slug] = str(file)
            # The same feed under two sources would ingest every article twice.
            for url in (*spec.feeds, *spec.sitemaps):
                key = url.rstrip("/")
                if key in url_owner:
                    raise RegistryError(
                        file,
                        f"URL {url!r} is already listed by source {url_owner[key]!r}",
                        slug=spec.slug,
                    )
                url_owner[key] = spec.slug
            specs.append(spec)
    return specs


def _load_file(file: Path) -> list[SourceSpec]:
    """Parse one TOML file into validated specs."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RegistryError(file, f"not UTF-8 text ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(file, f"invalid TOML: {exc}") from exc

    extra = sorted(set(data) - {"source"})
    if extra:
        raise RegistryError(
            file,
            f"unknown top-level key(s) {', '.join(map(repr, extra))}; "
            "only [[source]] tables are allowed",
        )
    tables = data.get("source")
    if not isinstance(tables, list) or not tables:
        raise RegistryError(file, "defines no [[source]] table")
    return [_parse_source(file, index, table) for index, table in enumerate(tables, start=1)]


def _parse_source(file: Path, index: int, table: Any) -> SourceSpec:
    """Validate one ``[[source]]`` table and build its spec."""
    if not isinstance(table, dict):
        raise RegistryError(file, f"source #{index} is not a table")
    raw_slug = table.get("slug")
    label = raw_slug if isinstance(raw_slug, str) and raw_slug else f"#{index}"

    def fail(problem: str) -> RegistryError:
        return RegistryError(file, problem, slug=label)

    allowed = (*REQUIRED_KEYS, *OPTIONAL_KEYS)
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise fail(f"unknown key {key!r}{suggestion}; allowed keys: {', '.join(allowed)}")
    missing = [key for key in REQUIRED_KEYS if key not in table]
    if missing:
        raise fail(f"missing required key(s): {', '.join(missing)}")

    slug = _string(table, "slug", fail)
    if not _SLUG_RE.match(slug):
        raise fail("slug must match ^[a-z0-9][a-z0-9-]*$ (lower-case letters, digits, hyphens)")
    name = _string(table, "name", fail)
    homepage = _url(_string(table, "homepage", fail), "homepage", fail)

    languages = _string_list(table, "languages", fail, allow_empty=False)
    for lang in languages:
        if lang not in ISO_639_1:
            raise fail(
                f"language {lang!r} is not a two-letter ISO 639-1 code (e.g. 'fr', 'ar', 'en')"
            )

    country = _string(table, "country", fail)
    if country not in ISO_3166_1_ALPHA2:
        raise fail(f"country {country!r} is not an upper-case ISO 3166-1 alpha-2 code (e.g. 'MA')")

    feeds = tuple(_url(u, "feeds", fail) for u in _string_list(table, "feeds", fail))
    sitemaps = tuple(_url(u, "sitemaps", fail) for u in _string_list(table, "sitemaps", fail))

    timezone = _string(table, "timezone", fail)
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(f"timezone {timezone!r} is not a known IANA zone (e.g. 'Africa/Tunis')") from exc

    display = _string(table, "display", fail)
    if display not in DISPLAY_MODES:
        raise fail(f"display must be one of {', '.join(map(repr, DISPLAY_MODES))}, not {display!r}")

    verified = table.get("verified", True)
    if not isinstance(verified, bool):
        raise fail(f"verified must be true or false, not {verified!r}")
    notes = table.get("notes", "")
    if not isinstance(notes, str):
        raise fail("notes must be a string")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise fail("description must be a string")
    editions = _string_list(table, "editions", fail)
    for edition in editions:
        if edition not in EDITIONS:
            raise fail(f"edition {edition!r} is not one of {', '.join(map(repr, EDITIONS))}")

    sections = _sections(table, fail)

    return SourceSpec(
        slug=slug,
        name=name,
        homepage=homepage,
        languages=languages,
        country=country,
        feeds=feeds,
        timezone=timezone,
        display=display,
        sitemaps=sitemaps,
        verified=verified,
        notes=notes.strip(),
        editions=editions,
        description=" ".join(description.split()),
        origin=str(file),
        sections=sections,
    )


def _sections(table: dict[str, Any], fail: _Fail) -> Mapping[str, tuple[str, ...]]:
    """The optional ``sections`` table: known section keys → lists of path:/category: rules."""
    value = table.get("sections", {})
    if not isinstance(value, dict):
        raise fail(
            "sections must be a table such as "
            "sections = { politics = [\"path:/politique/\"] }, "
            f"not {type(value).__name__} {value!r}"
        )
    rules: dict[str, tuple[str, ...]] = {}
    for key in value:
        if key not in SECTION_KEYS:
            hint = difflib.get_close_matches(key, SECTION_KEYS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise fail(
                f"sections: unknown section {key!r}{suggestion}; "
                f"known sections: {', '.join(SECTION_KEYS)}"
            )
        name = f"sections.{key}"
        items = _string_list({name: value[key]}, name, fail, allow_empty=False)
        for rule in items:
            problem = rule_problem(rule)
            if problem:
                raise fail(f"sections.{key}: {problem}")
        rules[key] = items
    return rules


def _string(table: dict[str, Any], key: str, fail: _Fail) -> str:
    """A required non-empty string value."""
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{key} must be a non-empty string, not {value!r}")
    if value != value.strip():
        raise fail(f"{key} has leading or trailing whitespace: {value!r}")
    return value


def _string_list(
    table: dict[str, Any], key: str, fail: _Fail, *, allow_empty: bool = True
) -> tuple[str, ...]:
    """An optional list of distinct non-empty strings, as a tuple."""
    value = table.get(key, [])
    # A bare string here is the classic slip (feeds = "https://…"): say so rather than iterate chars.
    if not isinstance(value, list):
        raise fail(f"{key} must be a list of strings, not {type(value).__name__} {value!r}")
    if not value and not allow_empty:
        raise fail(f"{key} must not be empty")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise fail(f"{key} must hold non-empty strings, found {item!r}")
    duplicates = sorted({item for item in value if value.count(item) > 1})
    if duplicates:
        raise fail(f"{key} lists {', '.join(map(repr, duplicates))} more than once")
    return tuple(value)


def _url(value: str, key: str, fail: _Fail) -> str:
    """Check that ``value`` is an absolute http(s) URL with a host."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(f"{key}: {value!r} is not an absolute http(s) URL")
    if any(ch.isspace() for ch in value):
        raise fail(f"{key}: {value!r} contains whitespace")
    return value
