"""Production settings: refuse to start without a secret key and a database URL."""

from __future__ import annotations

import os

os.environ["AKHBAR_ENV"] = "production"

from .base import *  # noqa: E402,F403
from .base import CONFIG  # noqa: E402

DEBUG = False
SESSION_COOKIE_SECURE = CONFIG.contact_url.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
