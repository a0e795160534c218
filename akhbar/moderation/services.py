"""Moderation writes: record a reader's report, block (and spread), confirm, restore, thresholds.

Blocking hides and restoring brings back: nothing here deletes a row. Every status change goes
through ``Image.save()``, whose signal tells the page cache which pages show the image
at once in every process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone

from akhbar.moderation.models import ImageReport, ModerationDecision, Reason, SourceModeration
from akhbar.moderation.network import IPAddress, network_key, reporter_key
from akhbar.news.models import Article, Image
from akhbar.sources.models import Source

REPORTED = "reported"
BLOCKED = "blocked"
ALREADY_REPORTED = "already_reported"
RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one report: its status and the image's standing afterwards."""

    status: str  # reported | blocked | already_reported | rate_limited
    image_id: int
    counted: int = 0  # reporters counting towards the threshold after this report
    threshold: int = 0
    blocked_ids: tuple[int, ...] = field(default=())  # images blocked by this report


def threshold_for(image: Image) -> int:
    """Reporters needed to block ``image``: the lowest override among its sources, else the default."""
    source_ids = Article.objects.filter(image=image).values("source_id")
    override = SourceModeration.objects.filter(source_id__in=source_ids).aggregate(
        m=Min("report_threshold"))["m"]
    return int(override or settings.CONFIG.report_threshold)


def counted_reporters(image: Image) -> int:
    """Distinct reporters counting towards a block, at most the per-network cap per prefix.

    Reports discarded by a restore do not count, and neither do new reports from the networks
    those came from: a new block needs the full threshold from new people.
    """
    cap = int(settings.CONFIG.reports_per_network)
    reports = ImageReport.objects.filter(image=image)
    spent = set(reports.filter(discarded=True).values_list("network", flat=True))
    per_network = (reports.filter(discarded=False).exclude(network__in=spent)
                   .values("network").annotate(n=Count("reporter", distinct=True)))
    return sum(min(row["n"], cap) for row in per_network)


def report_standing(image_id: int) -> dict[int, tuple[str, bool]]:
    """For the moderators' view of one image's reports: each report's network as a letter (A,
    B… in order of first report; no key or address shown) and whether it counts towards a block,
    by the rules of ``counted_reporters`` (its first ``cap`` reporters per network count)."""
    cap = int(settings.CONFIG.reports_per_network)
    reports = list(ImageReport.objects.filter(image_id=image_id).order_by("created_at", "id")
                   .values_list("pk", "network", "reporter", "discarded"))
    spent = {network for _, network, _, discarded in reports if discarded}
    letters: dict[str, str] = {}
    counted: dict[str, set[str]] = {}
    out = {}
    for pk, network, reporter, discarded in reports:
        n = len(letters)
        letter = letters.setdefault(network, chr(65 + n) if n < 26 else f"#{n + 1}")
        seen = counted.setdefault(network, set())
        counts = not discarded and network not in spent and (reporter in seen or len(seen) < cap)
        if counts:
            seen.add(reporter)
        out[pk] = (letter, counts)
    return out


def _rate_limited(reporter: str, network: str) -> bool:
    since = timezone.now() - timedelta(seconds=float(settings.CONFIG.report_rate_window))
    recent = ImageReport.objects.filter(created_at__gte=since)
    return (recent.filter(network=network).count() >= int(settings.CONFIG.report_rate_network)
            or recent.filter(reporter=reporter).count() >= int(settings.CONFIG.report_rate_session))


def record_image_report(image_id: int, *, reason: str, reporter_token: str,
                        address: IPAddress | None) -> ReportOutcome:
    """Record one reader's report of an image and block it when enough distinct people did.

    ``reporter_token`` is the reader's random token (its reporter cookie); only a keyed hash of
    it is stored.

    ``already_reported`` is answered before ``rate_limited``: a reader clicking twice learns
    that the first click counted. Raises ``Image.DoesNotExist`` and ``ValueError`` (bad reason).
    """
    if reason not in Reason.values:
        raise ValueError(f"unknown reason {reason!r}")
    if not reporter_token:
        raise ValueError("a report needs a reporter token")
    reporter, network = reporter_key(reporter_token), network_key(address)
    with transaction.atomic():
        # One report of an image at a time: the count and the block decision see every
        # earlier report (SQLite serialises writers anyway; PostgreSQL needs the row lock).
        image = Image.objects.select_for_update().get(pk=image_id)
        if ImageReport.objects.filter(image=image, reporter=reporter).exists():
            return ReportOutcome(ALREADY_REPORTED, image.pk)
        if image.status == Image.Status.BLOCKED:
            return ReportOutcome(BLOCKED, image.pk)
        if _rate_limited(reporter, network):
            return ReportOutcome(RATE_LIMITED, image.pk)
        try:
            with transaction.atomic():
                ImageReport.objects.create(image=image, reason=reason, reporter=reporter,
                                           network=network)
        except IntegrityError:  # the same reporter's other request got there first
            return ReportOutcome(ALREADY_REPORTED, image.pk)
        counted, threshold = counted_reporters(image), threshold_for(image)
        if counted < threshold:
            return ReportOutcome(REPORTED, image.pk, counted, threshold)
        blocked = block_image(image, action=ModerationDecision.Action.AUTO_BLOCK,
                              note=f"{counted} / {threshold} reporters counted")
        return ReportOutcome(BLOCKED, image.pk, counted, threshold, tuple(blocked))


def image_twins(image: Image) -> list[Image]:
    """Visible images showing the same picture: same bytes, or a perceptual hash within the
    twin distance — only when the picture has detail (flat images and logos never spread)."""
    # Here, not at the top: akhbar.ingest.images loads Pillow, which web processes (where the
    # moderation admin lives) need only when a reader reports a picture.
    from akhbar.ingest.images import LOW_DETAIL, hamming

    if image.detail is None or image.detail < LOW_DETAIL:
        return []
    candidates = Image.objects.filter(status=Image.Status.VISIBLE,
                                      detail__gte=LOW_DETAIL).exclude(pk=image.pk)
    found: dict[int, Image] = {}
    if image.sha256:
        found.update((i.pk, i) for i in candidates.filter(sha256=image.sha256))
    if len(image.phash) == 16:
        distance = int(settings.CONFIG.image_twin_distance)
        # A scan of (id, phash) pairs: blocks are rare and 100k hashes compare in ~80 ms of
        # Python (measured, plus the fetch of the pairs), so
        # no index of hash fragments is worth its upkeep yet.
        near = [pk for pk, ph in candidates.exclude(phash="").values_list("pk", "phash").iterator()
                if pk not in found and len(ph) == 16 and hamming(ph, image.phash) <= distance]
        found.update((i.pk, i) for i in Image.objects.filter(pk__in=near))
    return sorted(found.values(), key=lambda i: i.pk)


def block_image(image: Image, *, action: str, moderator: User | None = None,
                note: str = "") -> list[int]:
    """Block ``image`` and its twins, logging one decision each; the ids newly blocked."""
    blocked: list[int] = []
    with transaction.atomic():
        if image.status != Image.Status.BLOCKED:
            image.status = Image.Status.BLOCKED
            image.save(update_fields=["status"])
            blocked.append(image.pk)
        ModerationDecision.objects.create(action=action, image=image, moderator=moderator,
                                          note=note)
        for twin in image_twins(image):
            twin.status = Image.Status.BLOCKED
            twin.save(update_fields=["status"])
            blocked.append(twin.pk)
            ModerationDecision.objects.create(
                action=ModerationDecision.Action.TWIN_BLOCK, image=twin, origin=image,
                moderator=moderator, note=f"same picture as image {image.pk}")
    return blocked


def confirm_block(image: Image, *, moderator: User) -> list[int]:
    """A moderator confirms (or makes) a block; the ids newly blocked (none if it already was)."""
    return block_image(image, action=ModerationDecision.Action.CONFIRM_BLOCK, moderator=moderator)


def _twins_blocked_by(image: Image) -> list[Image]:
    """Blocked images whose latest decision is a twin block spread from ``image``."""
    out = []
    ids = ModerationDecision.objects.filter(
        action=ModerationDecision.Action.TWIN_BLOCK, origin=image).values_list("image_id", flat=True)
    for twin in Image.objects.filter(pk__in=ids, status=Image.Status.BLOCKED):
        last = ModerationDecision.objects.filter(image=twin).exclude(
            action=ModerationDecision.Action.THRESHOLD).first()
        if last is not None and last.action == ModerationDecision.Action.TWIN_BLOCK \
                and last.origin_id == image.pk:
            out.append(twin)
    return out


def restore_image(image: Image, *, moderator: User, note: str = "") -> list[int]:
    """Show ``image`` again (and the twins its block spread to); discard the reports counted.

    The discarded reports stay recorded: their reporters cannot report the image again, so a
    new block needs the full threshold from new people. Returns the ids restored.
    """
    restored: list[int] = []
    with transaction.atomic():
        for target in [image, *_twins_blocked_by(image)]:
            ImageReport.objects.filter(image=target, discarded=False).update(discarded=True)
            if target.status != Image.Status.VISIBLE:
                target.status = Image.Status.VISIBLE
                target.save(update_fields=["status"])
                restored.append(target.pk)
            ModerationDecision.objects.create(
                action=ModerationDecision.Action.RESTORE, image=target, moderator=moderator,
                note=note or ("" if target.pk == image.pk else f"with image {image.pk}"))
    return restored


def set_source_threshold(source: Source, threshold: int | None, *,
                         moderator: User) -> None:
    """Set (or with None, remove) the number of reporters that block an image of ``source``."""
    if threshold is not None and threshold < 1:
        raise ValueError("a threshold is at least 1")
    with transaction.atomic():
        if threshold is None:
            SourceModeration.objects.filter(source=source).delete()
        else:
            SourceModeration.objects.update_or_create(
                source=source, defaults={"report_threshold": threshold})
        ModerationDecision.objects.create(
            action=ModerationDecision.Action.THRESHOLD, source=source, moderator=moderator,
            note=f"threshold {threshold if threshold is not None else 'default'}")

