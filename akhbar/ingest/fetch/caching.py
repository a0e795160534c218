"""Pure helpers for HTTP caching and poll scheduling: conditional GET, Retry-After, backoff."""

from __future__ import annotations

import email.utils
import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.I)


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The If-None-Match / If-Modified-Since headers for a conditional GET."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _http_date(value: str) -> datetime | None:
    """An HTTP-date (RFC 9110) as an aware datetime, or None when unparseable."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    when = _http_date(value)
    if when is None:
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def cache_max_age(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the response stays fresh (Cache-Control s-maxage/max-age minus Age, or Expires).

    ``no-cache`` / ``no-store`` give 0; None when the server said nothing.
    """
    low = {k.lower(): v for k, v in headers.items()}
    cc = low.get("cache-control", "")
    if re.search(r"(?:^|,)\s*(no-cache|no-store)\b", cc, re.I):
        return 0.0
    ages: dict[str, int] = {name.lower(): int(val) for name, val in _MAX_AGE.findall(cc)}
    age = 0.0
    if (low.get("age") or "").strip().isdigit():
        age = float(low["age"].strip())
    # We act as a shared cache for all readers, so s-maxage wins over max-age.
    fresh = ages.get("s-maxage", ages.get("max-age"))
    if fresh is not None:
        return max(0.0, fresh - age)
    if "expires" in low:
        expires = _http_date(low["expires"])
        if expires is None:
            return 0.0  # an invalid Expires means "already expired" (RFC 9111)
        base = _http_date(low.get("date", "")) or now or datetime.now(UTC)
        return max(0.0, (expires - base).total_seconds())
    return None


def next_poll_interval(
    *,
    previous: timedelta | None,
    changed: bool,
    cache_max_age: float | None = None,
    minimum: timedelta = timedelta(minutes=5),
    maximum: timedelta = timedelta(minutes=60),
    default: timedelta = timedelta(minutes=10),
) -> timedelta:
    """How long to wait before polling a feed again.

    Halves the interval when the feed changed (busy outlets get polled more often), lengthens it
    by half when it did not, never polls before the server's max-age expires, and stays within
    [minimum, maximum].
    """
    if previous is None:
        interval = default
    elif changed:
        interval = previous / 2
    else:
        interval = previous * 1.5
    if cache_max_age is not None:
        interval = max(interval, timedelta(seconds=cache_max_age))
    return min(maximum, max(minimum, interval))


def backoff_delay(
    error_count: int,
    *,
    base: timedelta = timedelta(minutes=5),
    cap: timedelta = timedelta(hours=6),
    rng: random.Random,
) -> timedelta:
    """Delay before retrying after ``error_count`` consecutive errors (0 → no delay).

    Exponential ``base * 2**(n-1)`` capped at ``cap`` with "equal jitter" (a random point in the
    upper half), so failing sources spread out but are retried forever, never disabled.
    """
    if error_count <= 0:
        return timedelta(0)
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** min(error_count - 1, 32))
    return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))
