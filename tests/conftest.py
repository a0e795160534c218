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
