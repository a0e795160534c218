"""Hostile tests share the browser tests' live server (127.0.0.1) and headless Chromium."""

from tests.e2e.conftest import browser, live_server  # noqa: F401  (fixtures, by name)
