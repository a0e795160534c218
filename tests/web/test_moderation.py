"""Readers' image reports: distinct reporters, network caps, blocking everywhere, twins, restore,
rate limits, CSRF, trusted proxies and the moderators' queue. All text written for akhbar's tests.
"""

from __future__ import annotations

import io
import json
import re
from ipaddress import ip_address, ip_network

import pytest
from django.contrib.auth.models import User
from django.test import Client

from akhbar.ingest.images import LOW_DETAIL, hamming, process_image
from akhbar.moderation import services
from akhbar.moderation.models import ImageReport, ModerationDecision, SourceModeration
from akhbar.moderation.network import client_address, network_key, network_prefix
from akhbar.news.models import Article, Image
from tests.config import config
from tests.web.factories import make_article, make_source
from tests.web.press_site import photo_jpeg

pytestmark = pytest.mark.django_db

FR_THANKS = ("Merci d'avoir signalé ! Cette image sera automatiquement bloquée après avoir été "
             "signalée par plusieurs personnes.")
PLACEHOLDER_FR = "Image masquée après des signalements de lecteurs."
# Three different /24 networks (documentation ranges), and three addresses of one /24.
NETWORKS = ("203.0.113.10", "198.51.100.20", "192.0.2.30")
ONE_NETWORK = ("203.0.113.10", "203.0.113.11", "203.0.113.200")


def shown_image(article: Article) -> Image:
    """Mark an article's image as cached by akhbar (renditions listed), so pages show it."""
    image = article.image
    assert image is not None
    Image.objects.filter(pk=image.pk).update(local_path=f"images/t/{image.pk}", widths=[320, 640],
                                             width=900, height=600)
    image.refresh_from_db()
    return image


@pytest.fixture
def article() -> Article:
    source = make_source("le-matin", "Le Matin")
    return make_article(source, title="Le Parlement adopte la loi de finances",
                        image_url="https://le-matin.example/photos/parlement.jpg")


@pytest.fixture
def image(article: Article) -> Image:
    return shown_image(article)


def report(image: Image, ip: str = "203.0.113.10", *, client: Client | None = None,
           reason: str = "violent", lang: str = "fr", **extra: str) -> tuple[int, dict]:
    """One reader (a fresh session unless ``client`` is given) reports ``image`` from ``ip``."""
    client = client or Client()
    resp = client.post(f"/images/{image.pk}/report", {"reason": reason, "lang": lang},
                       REMOTE_ADDR=ip, HTTP_ACCEPT="application/json", **extra)
    return resp.status_code, json.loads(resp.content)


def status_of(image: Image) -> str:
    image.refresh_from_db()
    return image.status


# --- one reporter counts once -----------------------------------------------------------------

def test_first_report_answers_the_french_thanks(image):
    code, data = report(image)
    assert code == 200 and data == {"status": "reported", "message": FR_THANKS}


def test_two_reports_from_one_session_count_once(image):
    reader = Client()
    assert report(image, client=reader)[1]["status"] == "reported"
    code, data = report(image, "198.51.100.20", client=reader, reason="sexual")
    assert code == 200 and data["status"] == "already_reported"
    assert ImageReport.objects.filter(image=image).count() == 1
    assert services.counted_reporters(image) == 1
    assert status_of(image) == "visible"


def test_reports_store_no_raw_address_or_reporter_token(image):
    reader = Client()
    report(image, "203.0.113.77", client=reader)
    row = ImageReport.objects.values().get()
    stored = json.dumps(row, default=str)
    token = reader.cookies["akhbar_reporter"].value.split(":")[0]
    assert "203.0.113" not in stored and token not in stored
    assert len(row["reporter"]) == 64 and len(row["network"]) == 64


def test_report_posts_store_no_session(article, image):
    """A flood of report POSTs, accepted or refused, writes no session row."""
    from django.contrib.sessions.models import Session

    other = shown_image(make_article(article.source, image_url="https://img.example/o.jpg"))
    reader = Client()
    for n in range(30):  # one reader: one report, then already_reported / rate_limited
        report(image if n % 2 else other, f"198.51.100.{n}", client=reader)
    for _ in range(30):  # fresh readers of one network: reported, then rate limited
        report(image, "203.0.113.9")
        Client().post(f"/images/{image.pk + 999}/report", {"reason": "violent"},
                      HTTP_ACCEPT="application/json")  # no such image
        Client().post(f"/images/{image.pk}/report", {"reason": "nope"},
                      HTTP_ACCEPT="application/json")  # invalid reason
    assert Session.objects.count() == 0
    cookie = reader.cookies["akhbar_reporter"]
    assert cookie["path"] == "/images/" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert ImageReport.objects.count() <= 2 + int(services.settings.CONFIG.report_rate_network)


def test_a_forged_reporter_cookie_is_a_new_reader(image):
    reader = Client()
    report(image, "203.0.113.1", client=reader)
    reader.cookies["akhbar_reporter"] = "chosen-by-the-client"
    assert report(image, "198.51.100.1", client=reader)[1]["status"] == "reported"
    assert reader.cookies["akhbar_reporter"].value != "chosen-by-the-client"


def test_expired_sessions_are_cleared():
    from datetime import timedelta

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from akhbar.web.services import clear_expired_sessions

    for _ in range(5):
        store = SessionStore()
        store["x"] = 1
        store.create()
    live = SessionStore()
    live.create()
    Session.objects.exclude(pk=live.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    clear_expired_sessions()
    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]


# --- blocking everywhere --------------------------------------------------------------------

def test_three_reporters_from_three_networks_block_the_image_everywhere(article, image):
    page_url, img_url = f"/fr/articles/{article.pk}/", f"/images/{image.pk}/"
    reader = Client()
    # Pages, feed and API seen (and cached) before the reports.
    assert img_url in reader.get(page_url).content.decode()
    assert reader.get(page_url)["X-Akhbar-Cache"] == "hit"
    assert img_url in reader.get("/fr/").content.decode()
    api = json.loads(reader.get("/api/v1/articles").content)["items"][0]["image"]
    assert api["status"] == "visible" and api["url"].endswith(f"/images/{image.pk}/640.jpg")

    assert report(image, NETWORKS[0])[1]["status"] == "reported"
    assert report(image, NETWORKS[1], reason="unrelated")[1]["status"] == "reported"
    code, data = report(image, NETWORKS[2], reason="other")
    assert code == 200 and data["status"] == "blocked"
    assert data["message"].startswith("Merci d'avoir signalé !")
    assert status_of(image) == "blocked"

    page = reader.get(page_url)
    html = page.content.decode()
    assert page["X-Akhbar-Cache"] == "miss"  # the cached copy was dropped
    assert img_url not in html and PLACEHOLDER_FR in html
    assert "Signaler cette image" not in html
    home = reader.get("/fr/").content.decode()
    assert img_url not in home and PLACEHOLDER_FR in home
    for feed in ("/fr/feed.rss", "/fr/feed.atom", "/fr/sources/le-matin/feed.rss"):
        body = reader.get(feed).content.decode()
        assert article.title in body and img_url not in body
    api = json.loads(reader.get("/api/v1/articles").content)["items"][0]["image"]
    assert api == {"id": image.pk, "url": None, "status": "blocked"}
    assert reader.get(f"/images/{image.pk}/640.jpg").status_code == 404
    decision = ModerationDecision.objects.get(image=image)
    assert decision.action == "auto_block" and decision.moderator is None


def test_three_sessions_from_one_network_do_not_block(image):
    for ip in ONE_NETWORK:
        assert report(image, ip)[1]["status"] == "reported"
    assert ImageReport.objects.filter(image=image).count() == 3
    assert services.counted_reporters(image) == 2  # AKHBAR_REPORTS_PER_NETWORK
    assert status_of(image) == "visible"
    # One more person elsewhere completes the threshold.
    assert report(image, "198.51.100.20")[1]["status"] == "blocked"


def test_ipv6_readers_of_one_slash_64_are_one_network(image):
    for ip in ("2001:db8:1:2::10", "2001:db8:1:2:ffff::1", "2001:db8:1:2::abcd"):
        report(image, ip)
    assert status_of(image) == "visible" and services.counted_reporters(image) == 2
    assert report(image, "2001:db8:2:3::10")[1]["status"] == "blocked"


def test_per_source_threshold_set_by_a_moderator(article, image):
    moderator = User.objects.create_user("mod", is_staff=True)
    services.set_source_threshold(article.source, 5, moderator=moderator)
    for ip in NETWORKS + ("10.1.1.1",):
        assert report(image, ip)[1]["status"] == "reported"
    assert report(image, "10.2.2.2")[1]["status"] == "blocked"
    logged = ModerationDecision.objects.get(action="threshold")
    assert logged.moderator == moderator and logged.source == article.source
    services.set_source_threshold(article.source, None, moderator=moderator)
    assert not SourceModeration.objects.exists()


def test_report_of_an_already_blocked_image_says_so(image):
    Image.objects.filter(pk=image.pk).update(status="blocked")
    assert report(image)[1]["status"] == "blocked"
    assert not ImageReport.objects.exists()


# --- restore --------------------------------------------------------------------------------

def test_restored_image_is_not_reblocked_by_the_same_reporters(article, image):
    readers = [Client() for _ in NETWORKS]
    for reader, ip in zip(readers, NETWORKS, strict=True):
        report(image, ip, client=reader)
    assert status_of(image) == "blocked"
    moderator = User.objects.create_user("mod", is_staff=True)
    assert services.restore_image(image, moderator=moderator) == [image.pk]
    assert status_of(image) == "visible"
    assert ImageReport.objects.filter(image=image).count() == 3  # kept, discarded
    assert services.counted_reporters(image) == 0
    assert PLACEHOLDER_FR not in Client().get(f"/fr/articles/{article.pk}/").content.decode()

    for reader, ip in zip(readers, NETWORKS, strict=True):
        assert report(image, ip, client=reader)[1]["status"] == "already_reported"
    # New sessions from the networks whose reports were discarded do not count either.
    for ip in NETWORKS:
        assert report(image, ip)[1]["status"] == "reported"
    assert status_of(image) == "visible"
    # The full threshold from new people blocks it again.
    assert report(image, "100.64.1.1")[1]["status"] == "reported"
    assert report(image, "100.64.2.1")[1]["status"] == "reported"
    assert report(image, "100.64.3.1")[1]["status"] == "blocked"
    actions = list(ModerationDecision.objects.filter(image=image).order_by("id")
                   .values_list("action", "moderator__username"))
    assert actions == [("auto_block", None), ("restore", "mod"), ("auto_block", None)]


def test_confirm_block_is_logged_with_the_moderator(image):
    moderator = User.objects.create_user("mod", is_staff=True)
    assert services.confirm_block(image, moderator=moderator) == [image.pk]
    assert status_of(image) == "blocked"
    d = ModerationDecision.objects.get()
    assert (d.action, d.moderator, d.image_id) == ("confirm_block", moderator, image.pk)
    assert d.created_at is not None


# --- the same picture elsewhere -----------------------------------------------------------------

def _jpeg(content: bytes, size: tuple[int, int], quality: int) -> bytes:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.open(io.BytesIO(content)).convert("RGB").resize(size).save(out, "JPEG",
                                                                       quality=quality)
    return out.getvalue()


def _flat_png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _stored(source, n: int, content: bytes) -> Image:
    """An article whose image went through akhbar's image processing (fingerprints stored)."""
    processed = process_image(content, widths=(320,))
    article = make_article(source, image_url=f"https://img.example/{n}.jpg")
    Image.objects.filter(pk=article.image_id).update(
        sha256=processed.sha256, phash=processed.phash, detail=processed.detail,
        local_path=f"images/t/{n}", widths=[320], width=processed.width, height=processed.height)
    return Image.objects.get(pk=article.image_id)


def test_perceptual_hash_twin_is_blocked_too_but_a_flat_image_never_spreads():
    source = make_source("le360", "Le360")
    photo = photo_jpeg(7)
    original = _stored(source, 1, photo)
    smaller = _stored(source, 2, _jpeg(photo, (600, 400), 60))  # republished, re-encoded
    same_bytes = _stored(source, 3, photo)
    unrelated = _stored(source, 4, photo_jpeg(8))
    assert original.detail >= LOW_DETAIL and smaller.sha256 != original.sha256
    assert hamming(original.phash, smaller.phash) <= 6 < hamming(original.phash, unrelated.phash)

    flat = _stored(source, 5, _flat_png((800, 500), (200, 30, 30)))
    flat_twin = _stored(source, 6, _flat_png((400, 250), (200, 30, 30)))
    assert flat.detail < LOW_DETAIL and flat.phash == flat_twin.phash

    for ip in NETWORKS:
        report(original, ip)
        report(flat, ip)
    assert [status_of(i) for i in (original, smaller, same_bytes, unrelated)] == [
        "blocked", "blocked", "blocked", "visible"]
    assert (status_of(flat), status_of(flat_twin)) == ("blocked", "visible")
    twins = ModerationDecision.objects.filter(action="twin_block", origin=original)
    assert sorted(twins.values_list("image_id", flat=True)) == [smaller.pk, same_bytes.pk]

    # Restoring the reported picture brings back the copies its block spread to.
    moderator = User.objects.create_user("mod", is_staff=True)
    assert sorted(services.restore_image(original, moderator=moderator)) == sorted(
        [original.pk, smaller.pk, same_bytes.pk])
    assert status_of(smaller) == "visible"


# --- abuse resistance -----------------------------------------------------------------------

@config(report_rate_network=3)
def test_a_flood_from_one_network_is_refused_with_a_clear_message(article):
    images = [shown_image(make_article(article.source, image_url=f"https://img.example/{i}.jpg"))
              for i in range(4)]
    for i, img in enumerate(images[:3]):
        assert report(img, f"203.0.113.{i + 1}")[0] == 200
    code, data = report(images[3], "203.0.113.99")
    assert code == 429 and data["status"] == "rate_limited"
    assert data["message"] == ("Trop de signalements depuis votre connexion. Veuillez réessayer "
                               "dans quelques minutes.")
    assert not ImageReport.objects.filter(image=images[3]).exists()
    assert report(images[3], "198.51.100.1")[0] == 200  # other networks are unaffected
    # HTML readers (htmx) get the message as a fragment, not an error page.
    resp = Client().post(f"/images/{images[0].pk}/report", {"reason": "other", "lang": "fr"},
                         REMOTE_ADDR="203.0.113.50", HTTP_HX_REQUEST="true")
    assert resp.status_code == 429 and "Trop de signalements" in resp.content.decode()


@config(report_rate_session=2)
def test_one_session_is_rate_limited_and_already_reported_takes_precedence(article):
    images = [shown_image(make_article(article.source, image_url=f"https://img.example/{i}.jpg"))
              for i in range(3)]
    reader = Client()
    assert report(images[0], NETWORKS[0], client=reader)[1]["status"] == "reported"
    assert report(images[1], NETWORKS[1], client=reader)[1]["status"] == "reported"
    code, data = report(images[2], NETWORKS[2], client=reader)
    assert (code, data["status"]) == (429, "rate_limited")
    code, data = report(images[0], NETWORKS[2], client=reader)
    assert (code, data["status"]) == (200, "already_reported")


def test_csrf_is_enforced_and_the_edition_page_gives_the_cookie(article, image):
    browser = Client(enforce_csrf_checks=True)
    code, data = report(image, client=browser)
    assert code == 403 and data["status"] == "csrf" and data["message"]
    assert not ImageReport.objects.exists()

    page = browser.get(f"/fr/articles/{article.pk}/")
    token = page.cookies["csrftoken"].value
    html = page.content.decode()
    assert "csrfmiddlewaretoken" not in html and token not in html
    assert "Signaler cette image" in html
    code, data = report(image, client=browser, HTTP_X_CSRFTOKEN=token)
    assert (code, data["status"]) == (200, "reported")

    # A cached copy served to someone else sets no cookie at all (it is answered before the
    # CSRF middleware); the report script then asks /csrf-cookie for the reader's own token.
    other = Client(enforce_csrf_checks=True)
    hit = other.get(f"/fr/articles/{article.pk}/")
    assert hit["X-Akhbar-Cache"] == "hit" and "csrftoken" not in hit.cookies
    assert hit.content == page.content
    given = other.get("/csrf-cookie")
    assert given.status_code == 204 and given["Cache-Control"] == "no-store"
    other_token = given.cookies["csrftoken"].value
    assert other_token and other_token != token
    from tests.web.factories import make_article

    second = make_article(article.source, title="Autre", image_url="https://img.example/z.jpg")
    code, data = report(second.image, client=other, HTTP_X_CSRFTOKEN=other_token)
    assert code == 200 and data["status"] in ("reported", "blocked")


def test_without_javascript_the_report_takes_one_confirmation_page(article, image):
    import re

    html_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/fr/articles/{article.pk}/").content.decode()
    form = re.search(r'<form class="report"[^>]*action="([^"]+)".*?</form>', page, re.S)
    assert form and f'name="next" value="/fr/articles/{article.pk}/"' in form.group(0)
    # The browser posts the cached page's form as it is: no token in it.
    fields = {"reason": "unrelated", "lang": "fr", "next": f"/fr/articles/{article.pk}/"}
    first = browser.post(form.group(1), fields, REMOTE_ADDR=NETWORKS[0], HTTP_ACCEPT=html_accept)
    confirm = first.content.decode()
    assert first.status_code == 403 and first["Content-Type"].startswith("text/html")
    assert first["Cache-Control"] == "no-store"
    assert "Veuillez confirmer votre signalement." in confirm
    assert not ImageReport.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm)
    assert token and '<option value="unrelated" selected>' in confirm
    second = browser.post(form.group(1), fields | {"csrfmiddlewaretoken": token.group(1)},
                          REMOTE_ADDR=NETWORKS[0], HTTP_ACCEPT=html_accept)
    done = second.content.decode()
    assert second.status_code == 200 and FR_THANKS.replace("'", "&#x27;") in done
    assert f'href="/fr/articles/{article.pk}/"' in done
    assert ImageReport.objects.get().reason == "unrelated"
    # A link back elsewhere than this site is not followed.
    third = browser.post(form.group(1), fields | {"csrfmiddlewaretoken": token.group(1),
                                                  "next": "https://evil.example/"},
                         REMOTE_ADDR=NETWORKS[0], HTTP_ACCEPT=html_accept)
    assert "evil.example" not in third.content.decode() and 'href="/fr/"' in third.content.decode()


def test_bad_reason_and_missing_image_are_json_errors(image):
    assert report(image, reason="boring")[0] == 400
    code, data = report(Image(pk=999999))
    assert code == 404 and data["message"]
    assert Client().get(f"/images/{image.pk}/report").status_code == 405


def test_answers_are_translated_for_the_arabic_and_english_editions(image):
    assert report(image, NETWORKS[0], lang="ar")[1]["message"].startswith("شكرا")
    assert report(image, NETWORKS[1], lang="en")[1]["message"].startswith("Thanks for reporting!")


def test_report_buttons_are_labelled_per_edition():
    source = make_source("hespress", "هسبريس", languages=("ar",))
    article = make_article(source, language="ar", image_url="https://hespress.example/p.jpg")
    shown_image(article)
    html = Client().get(f"/ar/articles/{article.pk}/").content.decode()
    assert "الإبلاغ عن هذه الصورة" in html and 'value="ar"' in html


# --- client address and trusted proxies --------------------------------------------------------

def test_client_address_believes_forwarded_for_only_from_trusted_proxies():
    proxies = (ip_network("10.0.0.0/8"),)
    assert client_address("203.0.113.5", "198.51.100.1", ()) == ip_address("203.0.113.5")
    assert client_address("203.0.113.5", "198.51.100.1", proxies) == ip_address("203.0.113.5")
    assert client_address("10.0.0.2", "198.51.100.1", proxies) == ip_address("198.51.100.1")
    # The leftmost entries are the client's word: a spoofed address there is ignored.
    assert client_address("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.7",
                          proxies) == ip_address("198.51.100.1")
    assert client_address("10.0.0.2", "garbage", proxies) == ip_address("10.0.0.2")
    assert client_address("::ffff:203.0.113.5", "", ()) == ip_address("203.0.113.5")
    assert str(network_prefix(ip_address("2001:db8:1:2:3:4:5:6"))) == "2001:db8:1::/48"
    assert network_key(ip_address("203.0.113.1")) == network_key(ip_address("203.0.113.254"))
    assert network_key(ip_address("203.0.113.1")) != network_key(ip_address("203.0.114.1"))


def test_one_ipv6_customer_is_one_network(image):
    # A customer's /48 holds many /64s: three reporters in three of them count as one network
    # (at most AKHBAR_REPORTS_PER_NETWORK=2), so they cannot block an image alone.
    for ip in ("2001:db8:1:1::10", "2001:db8:1:2::20", "2001:db8:1:ff00::30"):
        assert report(image, ip)[0] == 200
    assert status_of(image) == "visible" and services.counted_reporters(image) == 2
    # Three customers (three /48s) do.
    other = Client()
    report(image, "2001:db8:2::1", client=other)
    assert status_of(image) == "blocked"


@config(ipv6_network_prefix=56)
def test_ipv6_network_prefix_is_a_setting():
    assert str(network_prefix(ip_address("2001:db8:1:2ff::1"))) == "2001:db8:1:200::/56"
    assert network_key(ip_address("2001:db8:1:200::1")) == network_key(ip_address("2001:db8:1:2ff::1"))
    assert network_key(ip_address("2001:db8:1:200::1")) != network_key(ip_address("2001:db8:1:300::1"))


def test_forwarded_for_is_ignored_without_a_trusted_proxy(image):
    # Three "different" forwarded addresses through one untrusted peer are one network.
    for fwd in NETWORKS:
        report(image, "192.0.2.1", HTTP_X_FORWARDED_FOR=fwd)
    assert status_of(image) == "visible" and services.counted_reporters(image) == 2


def test_forwarded_for_from_a_trusted_proxy_names_the_reader(image):
    with config(trusted_proxies=(ip_network("10.0.0.0/8"),)):
        for fwd in NETWORKS:
            report(image, "10.0.0.2", HTTP_X_FORWARDED_FOR=f"{fwd}, 10.0.0.9")
    assert status_of(image) == "blocked"


# --- the moderators' admin ----------------------------------------------------------------------

def test_review_queue_lists_reports_and_its_actions_are_logged(image):
    for ip, reason in zip(NETWORKS, ("violent", "sexual", "other"), strict=True):
        report(image, ip, reason=reason)
    assert report(shown_image(make_article(image.articles.get().source,
                                           image_url="https://img.example/x.jpg")),
                  "100.64.0.1")[0] == 200
    reader = Client()
    reader.force_login(User.objects.create_user("reader"))
    assert reader.get("/admin/moderation/reviewitem/").status_code == 302  # staff only

    staff = Client()
    boss = User.objects.create_superuser("boss", "boss@example.org", "pw")
    staff.force_login(boss)
    listing = staff.get("/admin/moderation/reviewitem/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/admin/moderation/reviewitem/{image.pk}/change/" in listing
    detail = staff.get(f"/admin/moderation/reviewitem/{image.pk}/change/",
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Violent" in detail and "Sexual" in detail
    report_row = ImageReport.objects.filter(image=image).first()
    assert report_row.reporter not in detail and report_row.network not in detail

    resp = staff.post("/admin/moderation/reviewitem/", {
        "action": "restore", "_selected_action": [image.pk]})
    assert resp.status_code == 302 and status_of(image) == "visible"
    staff.post("/admin/moderation/reviewitem/", {"action": "confirm",
                                                  "_selected_action": [image.pk]})
    assert status_of(image) == "blocked"
    log = list(ModerationDecision.objects.filter(image=image).order_by("id")
               .values_list("action", "moderator__username"))
    assert log == [("auto_block", None), ("restore", "boss"), ("confirm_block", "boss")]
    assert Image.objects.filter(pk=image.pk).exists()  # nothing deleted


def test_report_settings_are_read_and_validated_from_the_environment(tmp_path):
    from akhbar.config import ConfigError, load_config

    env = {"AKHBAR_DATA_DIR": str(tmp_path), "AKHBAR_SECRET_KEY": "k"}
    default = load_config(env)
    assert (default.report_threshold, default.reports_per_network, default.trusted_proxies) == (
        3, 2, ())
    cfg = load_config({**env, "AKHBAR_REPORT_THRESHOLD": "5",
                       "AKHBAR_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::1"})
    assert cfg.report_threshold == 5
    assert cfg.trusted_proxies == (ip_network("10.0.0.0/8"), ip_network("2001:db8::1/128"))
    for name, bad in (("AKHBAR_TRUSTED_PROXIES", "proxy.example"), ("AKHBAR_REPORT_THRESHOLD", "0"),
                      ("AKHBAR_REPORTS_PER_NETWORK", "two")):
        with pytest.raises(ConfigError, match=name):
            load_config({**env, name: bad})


def test_queue_and_decision_log_show_the_one_number_that_decides(article, image):
    """4 reports from one network are 2 reporters counted (the per-network cap), shown next to
    the threshold in the queue, the image's page and the decision log alike."""
    for ip in (*ONE_NETWORK, "203.0.113.99"):
        assert report(image, ip)[1]["status"] == "reported"
    staff = Client()
    staff.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw"))
    listing = staff.get("/admin/moderation/reviewitem/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reporters counted / threshold" in listing and "<td class=\"field-reporters\">2 / 3</td>" in listing
    assert "At most 2 readers count per network" in listing  # the cap, explained
    fr = staff.get("/admin/moderation/reviewitem/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Lecteurs comptés / seuil" in fr and "Au plus 2 lecteurs comptent par réseau" in fr
    ar = staff.get("/admin/moderation/reviewitem/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "المبلّغون المحتسبون / العتبة" in ar and "ولا يُحتسب أكثر من 2 من القراء لكل شبكة" in ar
    detail = staff.get(f"/admin/moderation/reviewitem/{image.pk}/change/",
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 of the 3 reporters that block it (4 reports received; at most 2 count per network" in detail
    letters = re.findall(r'<td class="field-network_letter">\s*<p>(\w)</p>', detail)
    counts = re.findall(r'<td class="field-counts">\s*<p><img [^>]*alt="(True|False)"', detail)
    assert letters == ["A"] * 4 and sorted(counts) == ["False", "False", "True", "True"]
    # A moderator lowers the source's threshold through a searchable choice, not an id.
    form = staff.get("/admin/moderation/sourcemoderation/add/").content.decode()
    assert "admin-autocomplete" in form and "vForeignKeyRawIdAdminField" not in form
    found = staff.get("/admin/autocomplete/", {"term": "Mat", "app_label": "moderation",
                                               "model_name": "sourcemoderation",
                                               "field_name": "source"}).json()
    assert [r["text"] for r in found["results"]] == ["Le Matin"]
    resp = staff.post("/admin/moderation/sourcemoderation/add/",
                      {"source": article.source.pk, "report_threshold": 2})
    assert resp.status_code == 302 and SourceModeration.objects.get().report_threshold == 2
    assert report(image, "198.51.100.7")[1]["status"] == "blocked"
    note = ModerationDecision.objects.get(image=image, action="auto_block").note
    assert note == "3 / 2 reporters counted"
    listing = staff.get("/admin/moderation/reviewitem/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td class=\"field-reporters\">3 / 2</td>" in listing
