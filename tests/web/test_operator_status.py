"""What the operator is told: the scheduler round's line, the admin's front page, the empty home
shown to staff, `akhbar sources list`'s columns, and quiet task-engine log lines."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from akhbar.logs import TaskLogFilter
from akhbar.pipeline.scheduler import RoundLog
from akhbar.pipeline.tasks import FeedRefreshFailed
from akhbar.sources.models import Feed, FetchLog, Source
from tests.web.factories import make_article, make_source

pytestmark = pytest.mark.django_db(transaction=True)


def failing_site(n: int = 3) -> list[Feed]:
    source = Source.objects.create(slug="far", name="Far Away", homepage="https://far.example/",
                                   languages=["fr"], country="MA")
    feeds = [Feed.objects.create(source=source, url=f"https://far.example/{i}.xml",
                                 error_kind="dns", error_count=2) for i in range(n)]
    feeds.append(Feed.objects.create(source=source, url="https://far.example/slow.xml",
                                     error_kind="timeout"))
    return feeds


def test_round_line_counts_this_rounds_refreshes_and_failing_feeds_by_kind():
    feeds = failing_site()
    FetchLog.objects.create(feed=feeds[0], error_kind="dns")  # before the first round
    rounds = RoundLog()
    assert rounds.line({"feeds": 0}) == ("round: 0 feeds enqueued; 0 feeds refreshed, "
                                         "0 articles stored, 4 feeds failing: 3 dns, 1 timeout (of 4)")
    ok = Feed.objects.create(source=feeds[0].source, url="https://far.example/ok.xml")
    FetchLog.objects.create(feed=ok, new_articles=5)
    FetchLog.objects.create(feed=ok, new_articles=2)
    FetchLog.objects.create(feed=feeds[1], error_kind="dns")
    Feed.objects.filter(url__endswith="slow.xml").update(error_kind="")
    line = rounds.line({"feeds": 1})
    assert line == ("round: 1 feed enqueued; 2 feeds refreshed, 7 articles stored, "
                    "3 feeds failing: dns (of 5)")
    # The next round counts only what came after.
    assert "0 feeds refreshed, 0 articles stored" in rounds.line({})


def test_admin_front_page_and_staff_empty_home_say_why_nothing_comes():
    failing_site()
    anonymous = Client()
    reader_html = anonymous.get("/fr/").content.decode()
    staff = Client()
    staff.force_login(User.objects.create_superuser("ops", "ops@example.org", "pw"))
    admin_html = staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 feeds refreshed, 0 articles stored, 4 feeds failing: 3 dns, 1 timeout (of 4)" in admin_html
    assert "/admin/sources/feed/?error_kind=dns" in admin_html
    assert "the host name does not resolve" in admin_html
    # The admin speaks the staff member's language (browser or django_language cookie).
    admin_fr = staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Collecte, dernière heure :" in admin_fr and "3 flux en erreur : dns</a>" in admin_fr
    assert "Où regarder :" in admin_fr and "Journaux de collecte" in admin_fr
    staff.cookies["django_language"] = "ar"
    admin_ar = staff.get("/admin/").content.decode()
    assert 'dir="rtl"' in admin_ar and "الجلب خلال الساعة الأخيرة:" in admin_ar
    assert "3 خلاصات معطلة: dns</a>" in admin_ar and "سجلات الجلب" in admin_ar
    del staff.cookies["django_language"]
    # The reader's empty home was cached; staff still get their own page, which says why.
    home = staff.get("/fr/")
    html = home.content.decode()
    # Under /fr/ the note is in French; the round line itself stays the log's (English) line.
    assert "Pourquoi cette page est vide" in html and "4 feeds failing: 3 dns, 1 timeout" in html
    assert "Why this page is empty" not in html and "Où regarder :" in html
    assert "akhbar sources list" in html and "/admin/sources/feed/" in html
    assert home["X-Akhbar-Cache"] == "bypass"
    for text in ("Pourquoi cette page est vide", "feeds failing", "/admin/"):
        assert text not in reader_html and text not in anonymous.get("/fr/").content.decode()
    # Every feed failing with a network error: the machine cannot reach the outlets.
    Feed.objects.update(error_kind="dns")
    assert "ne peut sans doute pas joindre les sites des médias" in staff.get("/fr/").content.decode()
    assert "cannot reach the outlets" in staff.get("/en/").content.decode()
    # Once articles come, the home is the readers' one for staff too.
    make_article(make_source("lematin"), title="Tanger Med dépasse les dix millions de conteneurs")
    assert "Pourquoi cette page est vide" not in staff.get("/fr/").content.decode()


def test_sources_list_says_what_each_column_counts_in_one_time_zone():
    now = timezone.now()
    source = make_source("lematin")
    feed = Feed.objects.create(source=source, url="https://lematin.example/rss",
                               last_success_at=now.replace(hour=3, minute=7))
    # Fetched now, published two weeks ago: stored in 24 h, not published in 24 h.
    make_article(source, title="Archive d’il y a deux semaines", published=now - timedelta(days=14))
    make_article(source, title="Dépêche du jour", published=now - timedelta(hours=2))
    out = io.StringIO()
    call_command("sources", "list", stdout=out)
    legend = [ln for ln in out.getvalue().splitlines() if ln.startswith("#")]
    row = next(ln for ln in out.getvalue().splitlines() if ln.startswith("lematin"))
    assert "Africa/Casablanca" in legend[0]
    assert any("24h: published in the last 24 h" in ln and "stored_24h" in ln for ln in legend)
    assert "last_ok" in "".join(legend)
    assert "articles=2 24h=1 stored_24h=2" in row
    local = timezone.localtime(feed.last_success_at).strftime("%Y-%m-%d %H:%M")
    assert row.endswith(f"last_ok={local}") and local != feed.last_success_at.strftime("%Y-%m-%d %H:%M")


def _record(msg: str, args: tuple, exc: BaseException | None = None,
            level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("django_tasks", level if exc is None else logging.ERROR, __file__, 1,
                             msg, args, (type(exc), exc, None) if exc else None)


def test_task_state_lines_are_debug_and_a_stop_is_no_traceback():
    quiet = TaskLogFilter("INFO")
    state = "Task id=%s path=%s state=%s"
    assert not quiet.filter(_record(state, ("1", "akhbar.pipeline.tasks.refresh_feed_task", "RUNNING")))
    assert not quiet.filter(_record(state, ("1", "x", "FAILED"), FeedRefreshFailed("feed 1: dns")))
    stopped = _record(state, ("2", "akhbar.pipeline.tasks.refresh_feed_task", "FAILED"), SystemExit(1))
    assert quiet.filter(stopped) and stopped.levelname == "INFO" and stopped.exc_info is None
    assert "interrupted by its worker's stop" in stopped.getMessage()
    bug = _record(state, ("3", "x", "FAILED"), ZeroDivisionError("bug"))
    assert quiet.filter(bug) and bug.levelname == "ERROR" and bug.exc_info  # a real failure stays
    signal_line = _record("Received %s - shutting down gracefully... (press Ctrl+C again to force)",
                          ("Terminated",), level=logging.WARNING)
    assert not quiet.filter(signal_line)
    assert TaskLogFilter("DEBUG").filter(_record(state, ("1", "x", "RUNNING")))
