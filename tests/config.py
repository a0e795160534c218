"""akhbar's validated settings with a few values changed, for one test (decorator or ``with``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.test import override_settings


def config(**changes: Any) -> override_settings:
    """``override_settings`` of ``settings.CONFIG`` with ``changes`` (field names of Config)."""
    return override_settings(CONFIG=dataclasses.replace(settings.CONFIG, **changes))
