"""A disk that fills up while pictures are written (a real, size-limited filesystem): articles
are stored, no half-written file stays, and the pictures come once space is back (issue 10,
item 4)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from akhbar.news.models import Article, Image
from akhbar.pipeline.fetching import make_fetcher
from akhbar.pipeline.images import retry_images
from akhbar.pipeline.refresh import refresh_feed
from tests.conftest import need
from tests.hostile.hostile_press import add_source, dated, item, page, rss
from tests.press import FixturePress
from tests.web.press_site import photo_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def mount_tiny_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


def test_pictures_written_to_a_full_disk_are_retried_once_space_is_back(tmp_path):
    media = tmp_path / "media"
    need(mount_tiny_tmpfs(media, "48k"),
         "a size-limited filesystem needs root and mount (tmpfs) on this machine")
    try:
        jpeg = photo_jpeg(7)
        with FixturePress() as press:
            items = []
            for i in range(3):
                press.route(f"/a/{i}.html", page(f"Nouvelle {i}").replace(
                    'content=""', f'content="{press.url(f"/img/{i}.jpg")}"', 1))
                press.route(f"/img/{i}.jpg", jpeg, content_type="image/jpeg")
                items.append(item(f"Nouvelle {i}", link=press.url(f"/a/{i}.html"), date=dated(i)))
            press.route("/a.xml", rss(items), content_type="application/rss+xml")
            feed = add_source(press, "alpha", "/a.xml")
            with override_settings(MEDIA_ROOT=str(media)), make_fetcher() as fetcher:
                outcome = refresh_feed(feed.pk, fetcher=fetcher)
                assert outcome.new == 3 and outcome.failed == 0  # every article is stored
                kinds = sorted(Image.objects.values_list("error_kind", flat=True))
                assert "storage" in kinds  # at least one picture did not fit
                assert not list(media.rglob("*.tmp"))  # and left no half-written file
                subprocess.run(["umount", str(media)], check=True)  # space is back
                assert retry_images(fetcher=fetcher) == 0  # a failure waits before a retry
                later = timezone.now() + timedelta(minutes=11)
                assert retry_images(fetcher=fetcher, now=later) == kinds.count("storage")
    finally:
        subprocess.run(["umount", str(media)], capture_output=True)
    assert Article.objects.count() == 3
    assert all(img.cached and not img.error_kind for img in Image.objects.all())
    for img in Image.objects.all():
        for width in img.widths:
            assert (media / img.local_path / f"{width}.jpg").stat().st_size > 0
