"""Production settings: base.py with AKHBAR_ENV=production, whatever the environment said.

The production hardening itself (Secure cookies, HSTS, no debug, a required secret key and
database URL) is applied by base.py whenever AKHBAR_ENV=production, so that it holds for every
settings module; this module is what the ``akhbar`` command and wsgi.py select in production,
and what ``--settings akhbar.settings.prod`` forces.
"""

from __future__ import annotations

import os

os.environ["AKHBAR_ENV"] = "production"

from .base import *  # noqa: E402,F403
