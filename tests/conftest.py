"""Shared test setup: service requirements, the fixture press."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_SERVICES = os.environ.get("AKHBAR_REQUIRE_SERVICES", "") in ("1", "true", "yes")


def need(condition: bool, reason: str) -> None:
    """Skip with ``reason`` on a bare laptop; fail when CI requires the service."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (AKHBAR_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    need(os.path.exists(path), "Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> None:
    """Each test starts with empty in-process caches (the database is fresh too)."""
    try:
        from django.core.cache import caches
    except Exception:  # no Django configured: nothing to clear
        return
    from django.conf import settings

    if settings.configured:
        for alias in settings.CACHES:
            caches[alias].clear()
        from akhbar.web.cache import CHANGES

        CHANGES.reset()  # the database's change log starts over with each test
