"""Outlets akhbar follows, their feeds with fetch state, and a log of every fetch."""

from __future__ import annotations

from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


class Source(models.Model):
    """A news outlet (one per language edition when it publishes separate feeds)."""

    class Display(models.TextChoices):
        FULL = "full", _("full text")
        EXCERPT = "excerpt", _("excerpt")

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    homepage = models.URLField(max_length=500)
    languages = models.JSONField(default=list)
    country = models.CharField(max_length=2)
    timezone = models.CharField(max_length=64, default="Africa/Casablanca")
    display = models.CharField(max_length=10, choices=Display.choices, default=Display.FULL)
    editions = models.JSONField(default=list, blank=True)
    # Per-source section rules from the registry: {"politics": ["path:/politique/"], …}.
    sections = models.JSONField(default=dict, blank=True)
    verified = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    # For readers (the outlet's page), unlike ``notes``, which are the registry's evidence.
    description = models.TextField(blank=True)
    paused = models.BooleanField(default=False, help_text=_("A paused source is not polled."))
    discovery_attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Feed(models.Model):
    """One feed or news sitemap of a source, with its fetch state and schedule."""

    class Kind(models.TextChoices):
        FEED = "feed", _("feed")
        SITEMAP = "sitemap", _("news sitemap")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="feeds")
    url = models.URLField(max_length=1000, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FEED)
    active = models.BooleanField(default=True)
    discovered = models.BooleanField(default=False)
    # Conditional GET state.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # Schedule.
    next_poll_at = models.DateTimeField(default=dj_timezone.now, db_index=True)
    poll_interval = models.PositiveIntegerField(default=600, help_text=_("seconds"))
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # The running refresh's lease: set when a worker takes the feed, extended by its heartbeat,
    # cleared when it ends. A feed is refreshed by one worker at a time, and a lease that was
    # not extended (worker killed) expires so the feed is polled again.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # A refresh that stopped at its budget left entries to do: the next poll continues them.
    backlog = models.PositiveIntegerField(default=0, help_text=_("entries left for the next poll"))
    # Health.
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_new_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_kind = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["source__name", "url"]

    def __str__(self) -> str:
        return self.url

    @property
    def healthy(self) -> bool:
        return not self.error_kind


class FetchLog(models.Model):
    """One fetch of a feed, kept for the operator (health, timings, what it brought)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="fetch_logs")
    started_at = models.DateTimeField(default=dj_timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_kind = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(blank=True)
    entries = models.PositiveIntegerField(default=0)
    new_articles = models.PositiveIntegerField(default=0)
    updated_articles = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    deferred = models.PositiveIntegerField(default=0, help_text=_("entries left for the next poll"))

    class Meta:
        ordering = ["-started_at"]



class HostState(models.Model):
    """Politeness shared by every worker process and machine: when one host may next be asked.

    ``next_start`` is a Unix time: each request reserves the next free start and moves it on by
    the host's spacing, so processes that never talk to each other still space their requests.
    """

    host = models.CharField(max_length=255, unique=True)
    next_start = models.FloatField(default=0.0)


class HostSlot(models.Model):
    """One of a host's concurrent-request slots, held by one request until ``busy_until``."""

    host = models.CharField(max_length=255)
    slot = models.PositiveSmallIntegerField()
    owner = models.CharField(max_length=64, blank=True)
    busy_until = models.FloatField(default=0.0)  # Unix time; a crashed holder's slot frees itself

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "slot"], name="hostslot_host_slot")]
