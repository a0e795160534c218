"""Web housekeeping writes: expired sessions are deleted."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

# How often `akhbar run` deletes expired sessions (seconds): Django never does it by itself.
SESSION_SWEEP_SECONDS = 3600.0


def clear_expired_sessions() -> None:
    """Delete expired sessions (what `django-admin clearsessions` does), whatever the engine."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
