"""A cached page's ETag and gzip key are its body's MD5, computed once when it is stored."""

from __future__ import annotations

import gzip
import hashlib
import pickle

import pytest
from django.core.cache import caches
from django.test import Client

from akhbar.web import cache
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def test_hits_carry_the_stored_digest_as_etag_and_gzip_the_right_body():
    source = make_source("le-matin", "Le Matin")
    article = make_article(source, title="Le port de Tanger Med bat un record")
    reader = Client()
    assert reader.get("/csrf-cookie").status_code == 204  # misses then set no cookie
    digests = set()
    for path in ("/fr/", f"/fr/articles/{article.pk}/", "/fr/sources/le-matin/"):
        plain = reader.get(path)
        assert plain["X-Akhbar-Cache"] == "miss", path
        digest = hashlib.md5(plain.content, usedforsecurity=False).hexdigest()
        digests.add(digest)
        hit = reader.get(path)
        assert hit["X-Akhbar-Cache"] == "hit" and hit["ETag"] == f'"{digest}"', path
        packed = reader.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert packed["X-Akhbar-Cache"] == "hit" and packed["ETag"] == f'W/"{digest}"', path
        assert gzip.decompress(packed.content) == plain.content, path
    # Stored with the page (LocMemCache keeps pickles): no hit computes it again.
    stored = [pickle.loads(v) for v in caches[cache.CACHE_ALIAS]._cache.values()]
    assert {e.digest for e in stored if isinstance(e, cache.Entry)} == digests
