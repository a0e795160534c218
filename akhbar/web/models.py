"""The web layer's state: the log of what changed on pages, read by every web process."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class PageChange(models.Model):
    """One thing readers see changed (a tag such as ``article:12`` or ``front``), logged in the
    writing transaction. Each web process reads the rows it has not seen yet and drops the
    cached pages that show them (akhbar.web.cache); rows older than an hour are pruned.

    Inserts only: no row is updated, so concurrent writers never wait on each other for it.
    """

    id = models.BigAutoField(primary_key=True)
    tag = models.CharField(max_length=100)
    at = models.DateTimeField(default=timezone.now, db_index=True)
