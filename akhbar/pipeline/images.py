"""Lead images: fetched once through the polite client, re-encoded and stored as akhbar's own
renditions; interrupted or failed fetches are retried."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from akhbar.ingest.errors import FetchError, ImageError
from akhbar.news.models import Image
from akhbar.news.signals import image_pages_changed
from akhbar.pipeline.leases import holder_is_gone, new_owner

if TYPE_CHECKING:
    from akhbar.ingest.fetch.client import Fetcher

log = logging.getLogger(__name__)

# An image that failed this many times is not fetched again (its article shows no image).
MAX_IMAGE_ATTEMPTS = 3
IMAGE_MAX_BYTES = 15 * 1024 * 1024
IMAGE_ACCEPT = "image/avif,image/webp,image/jpeg,image/png,image/*;q=0.8"
# An image fetch not finished after this long is retried (its worker died, or wrote to a full
# disk); a fetch lasts at most the fetcher's total timeout, far below this.
IMAGE_LEASE = timedelta(minutes=5)
# A failed image is tried again after this long (up to MAX_IMAGE_ATTEMPTS in all).
IMAGE_RETRY_AFTER = timedelta(minutes=10)


def image_folder(image_id: int) -> str:
    return f"images/{image_id % 1000:03d}/{image_id}"


def cache_image(image_id: int, *, fetcher: Fetcher) -> Image:
    """Fetch an article image once and store akhbar's own re-encoded renditions of it.

    Readers' browsers then load images from akhbar only. Network and CPU work happen before
    the short write; a failure is recorded on the image (kind, attempts) and never raises.
    """
    # Here, not at the top: the scheduler imports this module to look for images to retry,
    # and must not load the image and copy-detection stacks (PIL, numpy, datasketch) for it.
    from akhbar.ingest.images import process_image
    from akhbar.news.services import IMAGE_WIDTHS, remove_partial_renditions, store_renditions

    image = Image.objects.get(pk=image_id)
    if image.cached or image.fetch_attempts >= MAX_IMAGE_ATTEMPTS:
        return image
    now = timezone.now()
    in_flight = (image.fetch_started_at is not None and not image.error_kind
                 and image.fetch_started_at > now - IMAGE_LEASE
                 and not holder_is_gone(image.fetch_owner))
    if in_flight:
        return image  # another worker is fetching it right now
    # Claim this attempt: when two workers store articles sharing one picture, only the one
    # whose update matches fetches it; the others see it in flight.
    owner = new_owner()
    claimed = Image.objects.filter(
        pk=image.pk, fetch_attempts=image.fetch_attempts, local_path=""
    ).update(fetch_attempts=image.fetch_attempts + 1, error_kind="", fetch_started_at=now,
             fetch_owner=owner)
    if not claimed:
        image.refresh_from_db()
        return image
    try:
        result = fetcher.fetch(image.source_url, max_bytes=IMAGE_MAX_BYTES, accept=IMAGE_ACCEPT)
        processed = process_image(result.content, widths=IMAGE_WIDTHS)
        rel = image_folder(image.pk)
        remove_partial_renditions(Path(settings.MEDIA_ROOT) / rel)
        stored = store_renditions(processed, rel)
    except (FetchError, ImageError) as exc:
        Image.objects.filter(pk=image.pk).update(error_kind=exc.kind[:50])
        image.refresh_from_db()
        return image
    except OSError as exc:
        # The disk is full or unwritable: the image is tried again later, the article is stored.
        log.error("image %s could not be written: %s", image.pk, exc)
        Image.objects.filter(pk=image.pk).update(error_kind="storage")
        image.refresh_from_db()
        return image
    Image.objects.filter(pk=image.pk).update(**stored, fetched_at=result.fetched_at, error_kind="",
                                             fetch_owner="")
    image_pages_changed(image.pk, news=True)  # the picture now shows on its articles' pages
    image.refresh_from_db()
    return image


def images_to_retry(now: datetime, limit: int = 50) -> list[int]:
    """Images of visible articles that are not cached and may be fetched again: a failure long
    enough ago, or an attempt whose worker died (lease expired, or its process is gone)."""
    qs = (
        Image.objects.filter(local_path="", fetch_attempts__lt=MAX_IMAGE_ATTEMPTS,
                             articles__hidden=False)
        .exclude(status=Image.Status.BLOCKED)
        .filter(
            Q(fetch_attempts=0)
            | Q(fetch_started_at__isnull=True)
            | (~Q(error_kind="") & Q(fetch_started_at__lt=now - IMAGE_RETRY_AFTER))
            | (Q(error_kind="") & Q(fetch_started_at__lt=now - IMAGE_LEASE))
            | (Q(error_kind="") & ~Q(fetch_owner=""))
        )
        .values_list("pk", "error_kind", "fetch_started_at", "fetch_owner")
        .distinct()
        .order_by("-pk")
    )
    picked: list[int] = []
    for pk, kind, started, owner in qs[: limit * 4]:
        recent = started is not None and started >= now - IMAGE_LEASE
        if not kind and recent and not holder_is_gone(owner):
            continue  # in flight in a live process
        picked.append(pk)
        if len(picked) >= limit:
            break
    return picked


def retry_images(*, fetcher: Fetcher, now: datetime | None = None, limit: int = 50) -> int:
    """Fetch again the images that an interrupted or failed attempt left uncached; how many
    are cached now."""
    done = 0
    for pk in images_to_retry(now or timezone.now(), limit):
        if cache_image(pk, fetcher=fetcher).cached:
            done += 1
    return done
