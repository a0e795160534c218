"""The page cache's reading of the change log stays bounded on a crawling portal.

Every article stored logs a few tags (its page, its story, its outlet...); a web process that
read them kept one entry per tag for as long as a reader came at least once in 45 minutes,
i.e. forever while the portal is in use. It now forgets the older half past ``MAX_TAGS``,
and a page rendered before what it forgot is judged stale rather than fresh.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from akhbar.web import cache
from akhbar.web.models import PageChange

pytestmark = pytest.mark.django_db


def log_tags(names: list[str]) -> None:
    now = timezone.now()
    PageChange.objects.bulk_create([PageChange(tag=name, at=now) for name in names])


def test_changed_tags_are_bounded_and_pages_before_the_forgotten_ones_are_stale() -> None:
    feed = cache.ChangeFeed()
    log_tags(["front"])
    feed.read()  # starts from the log's end
    log_tags(["article:first", "story:first"])
    first_epoch = feed.read()
    assert feed.fresh(["article:other"], first_epoch)
    assert not feed.fresh(["article:first"], first_epoch - 1)
    batch = cache.MAX_ROWS_PER_READ - 1
    stored = 0
    while stored < 3 * cache.MAX_TAGS:  # 150,000 articles' tags, in reads of 4,999 rows
        log_tags([f"article:{stored + i}" for i in range(batch)])
        stored += batch
        feed.read()
        assert len(feed._tag_epoch) <= cache.MAX_TAGS + 1
    # The newest tags are still known, with their epochs.
    last = feed.read()
    log_tags(["article:new"])
    after = feed.read()
    assert after == last + 1
    assert not feed.fresh(["article:new"], last) and feed.fresh(["article:new"], after)
    assert not feed.fresh([f"article:{stored - 1}"], last - 1)
    assert feed.fresh([f"article:{stored - 1}"], last)
    # A page rendered long ago, showing a tag that changed after it and was forgotten since,
    # is stale: forgetting never makes an old page look fresh.
    assert not feed.fresh(["article:first"], first_epoch - 1)
    assert not feed.fresh(["article:other"], first_epoch)
