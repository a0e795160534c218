"""The web layer's one row of state: the content version that keys the page cache."""

from __future__ import annotations

from django.db import models


class SiteState(models.Model):
    """One row: a counter bumped on every change that shows on pages, keying the page cache."""

    version = models.BigIntegerField(default=0)

    class Meta:
        db_table = "news_sitestate"  # created by the news app before the web layer had models
