"""Tests for the source registry loader and for the registry shipped in data/sources."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from akhbar.ingest.registry import (
    DEFAULT_REGISTRY_DIR,
    RegistryError,
    SourceSpec,
    load_registry,
)

REPO_REGISTRY = Path(__file__).resolve().parents[2] / "data" / "sources"

GOOD = """
[[source]]
slug = "akhbar-test"
name = "Akhbar Test"
homepage = "https://example.ma/"
languages = ["fr", "ar"]
country = "MA"
feeds = ["https://example.ma/feed/"]
sitemaps = ["https://example.ma/news-sitemap.xml"]
timezone = "Africa/Casablanca"
display = "full"
verified = false
notes = "composed for the test"
editions = ["fr"]
"""


def write(tmp_path: Path, text: str, name: str = "xx.toml") -> Path:
    """Write a registry file into tmp_path and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def replace_line(key: str, line: str) -> str:
    """GOOD with the line that sets ``key`` replaced (or removed when ``line`` is empty)."""
    out = []
    for existing in GOOD.splitlines():
        if existing.startswith(f"{key} = "):
            if line:
                out.append(line)
        else:
            out.append(existing)
    return "\n".join(out) + "\n"


# --- the shipped registry --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[SourceSpec]:
    return load_registry(REPO_REGISTRY)


def test_default_dir_points_at_the_shipped_registry() -> None:
    assert DEFAULT_REGISTRY_DIR == REPO_REGISTRY
    assert sorted(p.name for p in REPO_REGISTRY.glob("*.toml")) == ["dz.toml", "ma.toml", "tn.toml"]


def test_shipped_registry_covers_countries_and_languages(shipped: list[SourceSpec]) -> None:
    assert len(shipped) >= 30
    countries = Counter(s.country for s in shipped)
    assert set(countries) == {"MA", "DZ", "TN"}
    assert all(n >= 5 for n in countries.values()), countries
    languages = {lang for s in shipped for lang in s.languages}
    assert {"fr", "ar", "en"} <= languages
    # Every portal edition has sources to show.
    for edition in ("fr", "ar", "en"):
        assert any(edition in s.shown_in() for s in shipped), edition


def test_shipped_timezones_match_countries(shipped: list[SourceSpec]) -> None:
    expected = {"MA": "Africa/Casablanca", "DZ": "Africa/Algiers", "TN": "Africa/Tunis"}
    for s in shipped:
        assert s.timezone == expected[s.country], s.slug


def test_shipped_sources_are_fetchable_or_discoverable(shipped: list[SourceSpec]) -> None:
    for s in shipped:
        assert s.homepage.startswith("https://"), s.slug
        if s.needs_discovery:
            # Feedless sources must say why, and are never claimed verified.
            assert "feedless" in s.notes.lower(), s.slug
            assert s.verified is False, s.slug
        else:
            assert s.feeds or s.sitemaps


def test_shipped_unique_slugs_and_urls(shipped: list[SourceSpec]) -> None:
    slugs = [s.slug for s in shipped]
    assert len(slugs) == len(set(slugs))
    urls = [u.rstrip("/") for s in shipped for u in (*s.feeds, *s.sitemaps)]
    assert len(urls) == len(set(urls))


def test_shipped_every_source_records_its_evidence(shipped: list[SourceSpec]) -> None:
    for s in shipped:
        assert len(s.notes) >= 20, f"{s.slug} has no evidence note"
    assert any(s.verified for s in shipped)
    assert any(not s.verified for s in shipped)


def test_shipped_splits_language_editions(shipped: list[SourceSpec]) -> None:
    by_slug = {s.slug: s for s in shipped}
    assert by_slug["hespress-fr"].languages == ("fr",)
    assert by_slug["hespress-ar"].languages == ("ar",)
    assert by_slug["hespress-en"].languages == ("en",)
    assert by_slug["le-desk"].display == "excerpt"  # paywalled outlet


# --- the loader ------------------------------------------------------------------------------


def test_loads_a_single_file_with_all_fields(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    [spec] = load_registry(path)
    assert spec == SourceSpec(
        slug="akhbar-test",
        name="Akhbar Test",
        homepage="https://example.ma/",
        languages=("fr", "ar"),
        country="MA",
        feeds=("https://example.ma/feed/",),
        timezone="Africa/Casablanca",
        display="full",
        sitemaps=("https://example.ma/news-sitemap.xml",),
        verified=False,
        notes="composed for the test",
        editions=("fr",),
        origin=str(path),
    )
    assert spec.shown_in() == ("fr",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.slug = "other"  # type: ignore[misc]


def test_optional_keys_default(tmp_path: Path) -> None:
    text = GOOD
    for key in ("sitemaps", "verified", "notes", "editions"):
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(f"{key} = "))
    [spec] = load_registry(write(tmp_path, text))
    assert spec.sitemaps == () and spec.editions == () and spec.notes == ""
    assert spec.verified is True
    assert spec.shown_in() == ("fr", "ar")  # falls back on the languages


def test_directory_loads_files_sorted_and_ignores_other_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        GOOD.replace("akhbar-test", "zz-first").replace("example.ma", "b.example"),
        "b.toml",
    )
    write(
        tmp_path,
        GOOD.replace("akhbar-test", "aa-second").replace("example.ma", "a.example"),
        "a.toml",
    )
    write(tmp_path, "not toml at all [", "README.md")
    assert [s.slug for s in load_registry(tmp_path)] == ["aa-second", "zz-first"]


def test_feedless_source_needs_discovery(tmp_path: Path) -> None:
    text = replace_line("feeds", "feeds = []")
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("sitemaps = "))
    [spec] = load_registry(write(tmp_path, text))
    assert spec.needs_discovery


@pytest.mark.parametrize(
    ("key", "line", "fragment"),
    [
        ("slug", 'slug = "Bad_Slug"', "slug must match"),
        ("homepage", 'homepage = "ftp://example.ma/"', "not an absolute http(s) URL"),
        ("homepage", 'homepage = "example.ma"', "not an absolute http(s) URL"),
        ("feeds", 'feeds = "https://example.ma/feed/"', "feeds must be a list"),
        ("feeds", 'feeds = ["https://example.ma/a", "https://example.ma/a"]', "more than once"),
        ("sitemaps", 'sitemaps = ["/news-sitemap.xml"]', "sitemaps: '/news-sitemap.xml'"),
        ("languages", 'languages = ["fra"]', "'fra' is not a two-letter ISO 639-1"),
        ("languages", 'languages = ["xx"]', "'xx' is not a two-letter ISO 639-1"),
        ("languages", "languages = []", "languages must not be empty"),
        ("country", 'country = "ma"', "'ma' is not an upper-case ISO 3166-1"),
        ("country", 'country = "XX"', "'XX' is not an upper-case ISO 3166-1"),
        ("timezone", 'timezone = "Africa/Rabat"', "'Africa/Rabat' is not a known IANA zone"),
        ("timezone", 'timezone = "../etc/passwd"', "is not a known IANA zone"),
        ("display", 'display = "summary"', "display must be one of 'full', 'excerpt'"),
        ("verified", 'verified = "no"', "verified must be true or false"),
        ("editions", 'editions = ["de"]', "edition 'de' is not one of"),
        ("name", 'name = ""', "name must be a non-empty string"),
    ],
)
def test_invalid_values_name_file_slug_and_problem(
    tmp_path: Path, key: str, line: str, fragment: str
) -> None:
    path = write(tmp_path, replace_line(key, line))
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    message = str(info.value)
    assert str(path) in message
    assert fragment in message
    expected_slug = "Bad_Slug" if key == "slug" else "akhbar-test"
    assert f"source {expected_slug!r}" in message
    assert info.value.slug == expected_slug and info.value.path == str(path)


def test_unknown_key_is_rejected_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, replace_line("feeds", 'feed = ["https://example.ma/feed/"]'))
    with pytest.raises(RegistryError, match=r"unknown key 'feed' \(did you mean 'feeds'\?\)"):
        load_registry(path)


def test_missing_required_keys_are_listed(tmp_path: Path) -> None:
    text = replace_line("timezone", "")
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("display = "))
    with pytest.raises(
        RegistryError, match=r"'akhbar-test': missing required key\(s\): timezone, display"
    ):
        load_registry(write(tmp_path, text))


def test_missing_slug_is_reported_by_position(tmp_path: Path) -> None:
    text = GOOD + GOOD.replace("akhbar-test", "x").replace('slug = "x"\n', "")
    with pytest.raises(RegistryError) as info:
        load_registry(write(tmp_path, text))
    assert "source '#2'" in str(info.value) and "slug" in str(info.value)


def test_duplicate_slug_across_files_names_both(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD.replace("example.ma", "other.example"), "b.toml")
    with pytest.raises(RegistryError) as info:
        load_registry(tmp_path)
    message = str(info.value)
    assert "b.toml" in message and "a.toml" in message and "duplicate slug" in message


def test_same_feed_under_two_sources_is_rejected(tmp_path: Path) -> None:
    second = GOOD.replace("akhbar-test", "akhbar-copy").replace("news-sitemap", "other-sitemap")
    # Same feed modulo the trailing slash: still the same feed.
    second = second.replace('"https://example.ma/feed/"', '"https://example.ma/feed"')
    with pytest.raises(
        RegistryError,
        match=r"'akhbar-copy': URL 'https://example.ma/feed' is already listed by source 'akhbar-test'",
    ):
        load_registry(write(tmp_path, GOOD + second))


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\nslug = \n")
    with pytest.raises(RegistryError, match="invalid TOML") as info:
        load_registry(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "defines no [[source]] table"),
        ('title = "x"\n' + GOOD, "unknown top-level key(s) 'title'"),
        ('source = "x"\n', "defines no [[source]] table"),
    ],
)
def test_file_structure_errors(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(RegistryError) as info:
        load_registry(write(tmp_path, text))
    assert fragment in str(info.value)


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="no such registry file or directory"):
        load_registry(tmp_path / "nope")
    with pytest.raises(RegistryError, match=r"holds no \*\.toml"):
        load_registry(tmp_path)


def test_registry_error_is_a_value_error() -> None:
    assert issubclass(RegistryError, ValueError)


def test_description_is_read_for_readers_and_checked(tmp_path: Path) -> None:
    text = GOOD + '\ndescription = """Quotidien   généraliste\n marocain."""\n'
    [spec] = load_registry(write(tmp_path, text))
    assert spec.description == "Quotidien généraliste marocain."
    [plain] = load_registry(write(tmp_path, GOOD, "yy.toml"))
    assert plain.description == ""
    with pytest.raises(RegistryError, match="description must be a string"):
        load_registry(write(tmp_path, GOOD + "\ndescription = 3\n", "zz.toml"))
