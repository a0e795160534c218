"""Readers' image reports, per-source thresholds and the log of every moderation decision.

No raw IP address is ever stored: a reporter is known by two keyed hashes (HMAC with a key
derived from SECRET_KEY), one of the reader's reporter token (a cookie) and one of the network prefix.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akhbar.news.models import Image


class Reason(models.TextChoices):
    """Why a reader reports an image."""

    VIOLENT = "violent", _("Violent")
    SEXUAL = "sexual", _("Sexual")
    UNRELATED = "unrelated", _("Unrelated to the article")
    OTHER = "other", _("Other")


class ImageReport(models.Model):
    """One reader's report of one image; a reporter (reporter cookie) reports an image at most once."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # HMAC of the reporter token (cookie), and of the network prefix (IPv4 /24, IPv6 /48).
    reporter = models.CharField(max_length=64, db_index=True)
    network = models.CharField(max_length=64, db_index=True)
    # A moderator's restore discards the reports counted so far: they stay (and keep their
    # reporters from reporting the image again) but no longer count towards a block.
    discarded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["image", "reporter"], name="report_image_reporter"),
        ]
        indexes = [models.Index(fields=["image", "discarded"], name="report_image_counted")]
        verbose_name = _("image report")
        verbose_name_plural = _("image reports")

    def __str__(self) -> str:
        return f"{self.image_id}: {self.reason} ({self.created_at:%Y-%m-%d %H:%M})"


class SourceModeration(models.Model):
    """A moderator's per-source setting: the number of reporters that block an image."""

    source = models.OneToOneField("sources.Source", on_delete=models.CASCADE,
                                  related_name="moderation")
    report_threshold = models.PositiveSmallIntegerField(
        help_text=_("distinct reporters that block an image of this source"))

    class Meta:
        verbose_name = _("source report threshold")
        verbose_name_plural = _("source report thresholds")

    def __str__(self) -> str:
        return f"{self.source}: {self.report_threshold}"


class ModerationDecision(models.Model):
    """Who (a moderator, or nobody for an automatic block) decided what, and when."""

    class Action(models.TextChoices):
        AUTO_BLOCK = "auto_block", _("blocked after reports")
        TWIN_BLOCK = "twin_block", _("blocked as the same picture")
        CONFIRM_BLOCK = "confirm_block", _("block confirmed")
        RESTORE = "restore", _("restored")
        THRESHOLD = "threshold", _("source threshold set")

    action = models.CharField(max_length=20, choices=Action.choices)
    image = models.ForeignKey(Image, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="decisions")
    # For a twin block: the reported image whose block spread to this one.
    origin = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")

    def __str__(self) -> str:
        who = self.moderator or _("automatic")
        return f"{self.get_action_display()} — {who} — {self.created_at:%Y-%m-%d %H:%M}"


class ReviewItem(Image):
    """The moderators' review queue: images that were reported or are blocked."""

    class Meta:
        proxy = True
        verbose_name = _("image to review")
        verbose_name_plural = _("images to review")
