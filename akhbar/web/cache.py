"""Whole-page cache, invalidated by what changed, with single flight and stale-while-revalidate.

Web processes keep rendered pages in their own memory. Each page is tagged with what it shows
(``article:12``, ``source:3``, ``story:7``, ``section:politics``, ``front`` for edition fronts,
``lists`` for other article lists). Every write says what it changed (``pages_changed``), which
logs those tags in the writing transaction (``PageChange``); each process reads the log rows it
has not seen (one indexed query per request, usually empty) and from then on treats the pages
carrying those tags as stale. A new article thus makes its outlet, section, story and the
edition fronts stale, not the other articles' pages.

A stale page is rendered again by one request while the others are served the previous copy
(stale-while-revalidate); a page with no copy yet is rendered once while the others wait for it
(single flight). Both hold within a process, as the cache does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from akhbar.web.cache_keys import (  # noqa: F401  (signed_in: imported from here by views)
    EDITION_PREFIXES,
    cacheable_query,
    page_key,
    signed_in,
)
from akhbar.web.http import body_digest, give_digest

CACHE_ALIAS = "pages"
PAGE_TTL = 600  # seconds: a bound on memory
# A page is rendered again at least this often, whatever changed: its embedded lists (related
# articles, the latest headlines) may be this old, and the page's script refreshes the ticker.
FRESH_FOR = 300.0
# How long requests wait for another request's render of a page that has no copy yet.
WAIT_FOR_RENDER = 10.0
# A render that has not finished after this long no longer blocks others (it may have died).
RENDER_CLAIM = 30.0
# Log rows are kept this long; a process that read none for longer starts afresh.
CHANGE_LOG_KEEP = timedelta(hours=1)
IDLE_RESET = 45 * 60.0
# Rows committed out of id order (concurrent PostgreSQL transactions) are looked for again in
# this window, this often.
LATE_WINDOW = timedelta(seconds=20)
LATE_SCAN_EVERY = 1.0
MAX_ROWS_PER_READ = 5000
# A process remembers at most this many changed tags (one or more per article stored): past it
# the older half is forgotten, and a page rendered before the newest forgotten one is stale.
MAX_TAGS = 50_000

# Under a stream of news (a crawl storing articles every fraction of a second), a page that
# was just rendered again is served as it is for up to this long after its render, and rendered
# once more then: each web process renders the home page about every 3 s instead of without
# pause, which took the CPU and the GIL from the readers' hits (bench/run_load.py: with 1 s the
# ~50 ms renders still gave a p99 of 89-207 ms while ingesting, with 3 s 41-96 ms). Only pages
# re-rendered in quick succession lag so (STREAM_AFTER renders, each within 2 × RENDER_EVERY of
# the previous one): the first change after a quiet spell shows at once, and so does every
# change that is not news arriving (moderation, corrections, outlets: ``URGENT``).
RENDER_EVERY = 3.0
STREAM_AFTER = 2

EVERYTHING = "*"
# Logged with every change that must show at once even under a stream of news.
URGENT = "!"
DEFAULT_TAGS = ("front", "lists")


# --- what changed --------------------------------------------------------------------------


def change_tags(
    *,
    articles: Iterable[int] = (),
    stories: Iterable[int | None] = (),
    sources: Iterable[int | None] = (),
    sections: Iterable[str | None] = (),
    images: Iterable[int] = (),
    everything: bool = False,
    news: bool = False,
) -> set[str]:
    """The page tags a change touches (with ``URGENT`` unless it is ``news`` arriving)."""
    tags = {f"article:{a}" for a in articles}
    if tags:
        tags |= {"front", "lists"}  # every article list may show (or fold) a changed article
    for story in stories:
        if story:
            tags |= {f"story:{story}", "front"}
    tags |= {f"source:{s}" for s in sources if s}
    tags |= {f"section:{k}" for k in sections if k}
    tags |= {f"image:{i}" for i in images}
    if everything:
        tags.add(EVERYTHING)
    if tags and not news:
        tags.add(URGENT)
    return tags


def pages_changed(
    *,
    articles: Iterable[int] = (),
    stories: Iterable[int | None] = (),
    sources: Iterable[int | None] = (),
    sections: Iterable[str | None] = (),
    images: Iterable[int] = (),
    everything: bool = False,
    news: bool = False,
) -> None:
    """The one call a write makes when what readers see changed: which articles, stories,
    sources, sections and images it touched (``everything`` for a change shown on every page,
    such as an outlet's name).

    ``news``: the change only adds what ingestion brings (a new article stored, placed in a
    story, given a section, its picture fetched). Under a stream of such changes a page may lag
    by up to 3 s (``RENDER_EVERY``); any other change (hiding an article, blocking an
    image, a correction, an outlet) shows at once on the next request.

    Call it inside the write's transaction: the change is logged when the write commits, so a
    reader never sees the new log with the old content. Model saves call it through signals;
    writes with ``.update()`` call it themselves.
    """
    from akhbar.web.models import PageChange

    articles, stories, sources, images = list(articles), list(stories), list(sources), list(images)
    for listener in _listeners:
        listener(articles=articles, stories=stories, sources=sources, images=images,
                 everything=everything)
    tags = change_tags(articles=articles, stories=stories, sources=sources, sections=sections,
                       images=images, everything=everything, news=news)
    if tags:
        now = timezone.now()
        PageChange.objects.bulk_create([PageChange(tag=t[:100], at=now) for t in sorted(tags)])


def prune_page_changes(now: Any = None) -> int:
    """Delete log rows older than the time any process may still need them; how many."""
    from akhbar.web.models import PageChange

    cutoff = (now or timezone.now()) - CHANGE_LOG_KEEP
    deleted, _ = PageChange.objects.filter(at__lt=cutoff).delete()
    return deleted


class ChangeFeed:
    """This process's reading of the change log: which tags changed at which local epoch.

    Epochs are local counters, not log ids: a row committed late (out of id order) still gets
    an epoch after every page rendered before it was seen, so those pages are stale.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.epoch = 0
        self._tag_epoch: dict[str, int] = {}
        self.urgent_epoch = 0  # when the last change that must show at once was seen
        self._last_id: int | None = None
        self._seen: dict[int, float] = {}
        self._last_read = 0.0
        self._last_late_scan = 0.0
        self._last_prune = 0.0

    def reset(self) -> None:
        with self._lock:
            self._reset(time.monotonic())

    def _reset(self, now: float) -> None:
        # Everything cached before is stale: a new epoch under the everything tag.
        self.epoch += 1
        self._tag_epoch = {EVERYTHING: self.epoch}
        self.urgent_epoch = self.epoch
        self._last_id = None
        self._seen.clear()
        self._last_read = now

    def read(self) -> int:
        """Take in the log rows not seen yet; the current epoch."""
        from akhbar.web.models import PageChange

        table = PageChange._meta.db_table
        with self._lock:
            now = time.monotonic()
            if self._last_id is None or now - self._last_read > IDLE_RESET:
                if self._last_id is not None:
                    self._reset(now)
                self._start_from_now(table, now)
                return self.epoch
            self._last_read = now
            # Raw SQL: compiling the ORM query would cost more than running it, on every hit.
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, tag FROM {table} WHERE id > %s ORDER BY id LIMIT %s",
                               [self._last_id, MAX_ROWS_PER_READ])
                rows = cursor.fetchall()
                # SQLite has one writer at a time: its rows commit in id order.
                if connection.vendor != "sqlite" and now - self._last_late_scan >= LATE_SCAN_EVERY:
                    self._last_late_scan = now
                    cursor.execute(f"SELECT id, tag FROM {table} WHERE at >= %s AND id <= %s",
                                   [timezone.now() - LATE_WINDOW, self._last_id])
                    rows += [r for r in cursor.fetchall() if r[0] not in self._seen]
            if len(rows) >= MAX_ROWS_PER_READ:
                self._reset(now)
                self._start_from_now(table, now)
                return self.epoch
            if rows:
                self.epoch += 1
                # Only the late-row scan needs the ids seen (not on SQLite); pruned once per
                # scan period, not at every read that brings rows: under a stream of news
                # (rows every few ms) rebuilding thousands of ids held this lock, which every
                # request of the process takes.
                late = connection.vendor != "sqlite"
                for row_id, tag in rows:
                    self._tag_epoch[tag] = self.epoch
                    if tag == URGENT:
                        self.urgent_epoch = self.epoch
                    if late:
                        self._seen[int(row_id)] = now
                self._last_id = max(self._last_id, max(int(r[0]) for r in rows))
                if late and (len(self._seen) > 10_000 or now - self._last_prune >= LATE_SCAN_EVERY):
                    self._last_prune = now
                    horizon = now - 2 * LATE_WINDOW.total_seconds()
                    self._seen = {i: t for i, t in self._seen.items() if t >= horizon}
                if len(self._tag_epoch) > MAX_TAGS:
                    self._forget_older_tags()
            return self.epoch

    def _forget_older_tags(self) -> None:
        # Without this the map grew by every article stored while a reader came at least once
        # in 45 minutes (IDLE_RESET), i.e. forever on a crawling portal. A forgotten tag's epoch
        # is at most the floor; a page rendered at the floor or after is judged as before, one
        # rendered earlier is stale (as if everything had changed at the floor).
        epochs = sorted(self._tag_epoch.values())
        floor = epochs[len(epochs) - MAX_TAGS // 2]
        kept = {tag: e for tag, e in self._tag_epoch.items() if e > floor}
        kept[EVERYTHING] = max(self._tag_epoch.get(EVERYTHING, 0), floor)
        self._tag_epoch = kept

    def _start_from_now(self, table: str, now: float) -> None:
        # Rows already in the log are before anything this process has cached (its cache is
        # empty, or was just declared stale): read from the newest on, and take the recent
        # ones as seen so the late-row scan does not count them.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE at >= %s",
                           [timezone.now() - LATE_WINDOW])
            self._seen = {int(r[0]): now for r in cursor.fetchall()}
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            self._last_id = int(cursor.fetchone()[0] or 0)
        self._last_read = self._last_late_scan = now

    def fresh(self, tags: Iterable[str], epoch: int) -> bool:
        """Whether a page rendered at ``epoch`` showing ``tags`` is unchanged since."""
        got = self._tag_epoch.get
        if got(EVERYTHING, 0) > epoch:
            return False
        return all(got(tag, 0) <= epoch for tag in tags)


CHANGES = ChangeFeed()


# --- single flight ---------------------------------------------------------------------------


class RenderClaims:
    """Which pages some request of this process is rendering now."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._claims: dict[str, tuple[float, object]] = {}

    def claim(self, key: str) -> object | None:
        """A token when this request may render ``key`` (nobody else is), else None."""
        with self._cond:
            held = self._claims.get(key)
            if held is not None and time.monotonic() - held[0] < RENDER_CLAIM:
                return None
            token = object()
            self._claims[key] = (time.monotonic(), token)
            return token

    def release(self, key: str, token: object) -> None:
        """Give ``key`` back, if this token still holds it."""
        with self._cond:
            held = self._claims.get(key)
            if held is not None and held[1] is token:
                del self._claims[key]
                self._cond.notify_all()

    def wait(self, key: str, timeout: float) -> None:
        """Until the render of ``key`` ends (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while key in self._claims and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)


CLAIMS = RenderClaims()


# --- keys and entries ------------------------------------------------------------------------

_listeners: list[Callable[..., None]] = []


def on_pages_changed(listener: Callable[..., None]) -> None:
    """Call ``listener(articles=…, stories=…, sources=…, images=…, everything=…)`` on every
    change, in the write's transaction (``everything``: the outlets changed). Apps above news
    and sources subscribe here (the search index): the layers that write never import them."""
    if listener not in _listeners:
        _listeners.append(listener)


@dataclass(frozen=True)
class Entry:
    """A cached page: the response, what it shows, and when it was rendered."""

    status: int
    content_type: str
    body: bytes
    tags: tuple[str, ...]
    epoch: int
    rendered_at: float  # time.monotonic() (entries never leave their process)
    streak: int = 0  # renders in quick succession, this one included (see RENDER_EVERY)
    digest: str = ""  # its ETag, computed once (akhbar.web.http.body_digest)

    def fresh(self) -> bool:
        return (time.monotonic() - self.rendered_at < FRESH_FOR
                and CHANGES.fresh(self.tags, self.epoch))

    def may_lag(self, now: float) -> bool:
        """Whether this stale copy is still served as it is: rendered again and again under a
        stream of news, less than RENDER_EVERY ago, and no urgent change since."""
        return (self.streak >= STREAM_AFTER and now - self.rendered_at < RENDER_EVERY
                and CHANGES.urgent_epoch <= self.epoch)

    def next_streak(self, now: float) -> int:
        """The streak of the copy that replaces this stale one, rendered now."""
        return self.streak + 1 if now - self.rendered_at < 2 * RENDER_EVERY else 1


def tag_page(request: HttpRequest, *tags: str | None) -> None:
    """Say what a page shows, for its cache entry (views call it; untagged pages show lists)."""
    have: list[str] = getattr(request, "page_tags", [])
    have.extend(t for t in tags if t)
    request.page_tags = have  # type: ignore[attr-defined]


@dataclass
class _Pending:
    """A request that renders a page for the cache (it holds the page's claim, or not)."""

    key: str
    epoch: int
    token: object | None = None  # the claim, when this request holds it
    streak: int = 0  # of the copy it renders (Entry.streak)

    @property
    def claimed(self) -> bool:
        return self.token is not None

    def release(self) -> None:
        if self.token is not None:
            CLAIMS.release(self.key, self.token)
            self.token = None


def _response(entry: Entry, state: str, edition: str | None) -> HttpResponse:
    response = HttpResponse(entry.body, status=entry.status, content_type=entry.content_type)
    give_digest(response, entry.digest)
    if edition:
        response["Content-Language"] = edition
    response["X-Akhbar-Cache"] = state
    return response


def _lookup(request: HttpRequest, *, claim_new: bool
            ) -> tuple[str, Entry | None, _Pending | None]:
    """("hit" | "stale", entry, None) to answer from the cache, or ("render", None, pending).

    A stale page is claimed for rendering here. A page without any copy is claimed (or waited
    for, when another request renders it) only with ``claim_new``: ``early_hits`` cannot know
    whether the view caches at all, the view's decorator does.
    """
    epoch = CHANGES.read()
    key = page_key(request)
    entry: Entry | None = caches[CACHE_ALIAS].get(key)
    if entry is not None and entry.fresh():
        return "hit", entry, None
    if entry is not None:
        now = time.monotonic()
        if entry.may_lag(now):
            return "stale", entry, None  # rendered again a moment ago, under a stream of news
        token = CLAIMS.claim(key)
        if token is not None:
            return "render", None, _Pending(key, epoch, token, entry.next_streak(now))
        return "stale", entry, None  # another request is rendering the new copy
    pending = _Pending(key, epoch)
    return _claim_or_wait(pending) if claim_new else ("render", None, pending)


def _claim_or_wait(pending: _Pending) -> tuple[str, Entry | None, _Pending | None]:
    """Render a page that has no copy yet, or wait for the request that renders it."""
    pending.token = CLAIMS.claim(pending.key)
    if pending.token is not None:
        return "render", None, pending
    CLAIMS.wait(pending.key, WAIT_FOR_RENDER)
    entry = caches[CACHE_ALIAS].get(pending.key)
    if entry is not None:
        return "hit", entry, None
    return "render", None, _Pending(pending.key, CHANGES.read())


def early_hits(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Serve cached pages before the session, locale, CSRF and auth middleware run.

    A hit needs none of them (cached pages hold nothing per visitor); skipping them halves the
    cost of a hit. Security headers are added here since the inner middleware is skipped.
    """
    from akhbar.web.middleware import CSP

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and not signed_in(request) and (
            request.path.startswith(EDITION_PREFIXES) or request.path.startswith("/api/v1/")
        ):
            state, entry, pending = _lookup(request, claim_new=False)
            if entry is not None:
                edition = request.path[1:3] if request.path.startswith(EDITION_PREFIXES) else None
                response = _response(entry, state, edition)
                response["Content-Security-Policy"] = CSP
                response["X-Frame-Options"] = "DENY"
                if request.method == "HEAD":
                    response.content = b""
                return response
            # The view's decorator renders and stores it (and gives the claim back).
            request.page_pending = pending  # type: ignore[attr-defined]
            try:
                return get_response(request)
            finally:
                if pending is not None:
                    pending.release()
        return get_response(request)

    return middleware


def cached_page(view: Callable[..., HttpResponse] | None = None, *,
                params: Iterable[str] = ()) -> Any:
    """Serve a GET page from the cache while nothing it shows has changed.

    ``@cached_page`` or ``@cached_page(params=("page",))``: ``params`` are the query parameters
    the view reads; a request with any other is rendered but not stored (see
    ``cacheable_query``). The view says what the page shows with ``tag_page``. Only responses
    without cookies are stored, so nothing of one visitor's session is ever served to another.
    """
    allowed = frozenset(params)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if not cacheable_query(request, allowed) or signed_in(request):
                response = view(request, *args, **kwargs)
                response["X-Akhbar-Cache"] = "bypass"
                return response
            pending: _Pending | None = getattr(request, "page_pending", None)
            if pending is None:  # not seen by early_hits (another path): look up here
                state, entry, pending = _lookup(request, claim_new=True)
            elif not pending.claimed:
                state, entry, pending = _claim_or_wait(pending)
            else:
                entry = None
            if entry is not None:
                return _response(entry, state, None)
            assert pending is not None
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                if response.status_code == 200 and not response.cookies and not response.streaming:
                    tags = tuple(dict.fromkeys(getattr(request, "page_tags", None) or DEFAULT_TAGS))
                    caches[CACHE_ALIAS].set(pending.key, Entry(
                        response.status_code, response["Content-Type"], response.content, tags,
                        pending.epoch, time.monotonic(), pending.streak,
                        body_digest(response.content)), PAGE_TTL)
            finally:
                pending.release()
            response["X-Akhbar-Cache"] = "miss"
            return response

        return wrapper

    return decorate(view) if view is not None else decorate
