"""Static files under content-hashed names once collected, under their plain names before."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage (hashed names, gzip copies), usable before collectstatic.

    ``akhbar run`` collects at start: pages then name ``akhbar.3f2a9c….css``, which WhiteNoise
    serves with a ten-year ``immutable`` lifetime, and a changed file gets a new name. Before
    any collectstatic (``akhbar migrate`` then ``runserver``), or for a file added since, the
    manifest has no entry: the plain name is used, which WhiteNoise serves from the source
    folders (WHITENOISE_USE_FINDERS) with a short lifetime, instead of the page failing.
    """

    manifest_strict = True  # a missing entry raises, and falls back below

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:
            # Not hashed from STATIC_ROOT's copy either: it may be absent, or stale from a
            # storage without hashing, and a hashed name WhiteNoise cannot serve is a 404.
            return name
