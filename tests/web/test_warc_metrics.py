"""Web archives in and out through the ingestion path; /metrics and /healthz."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
from datetime import UTC, date, datetime
from ipaddress import ip_network

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from warcio.archiveiterator import ArchiveIterator

from akhbar.ingest.types import FetchResult
from akhbar.ingest.warc import response_record
from akhbar.news.models import Article
from akhbar.pipeline.pages import keep_page
from akhbar.sources.models import Feed, Source
from tests.e2e.test_cli import AKHBAR, ROOT, akhbar, env_for
from tests.hostile.hostile_press import page

pytestmark = pytest.mark.django_db(transaction=True)


def sources() -> tuple[Source, Source]:
    alpha = Source.objects.create(slug="alpha", name="Alpha", homepage="https://news.example/alpha/",
                                  languages=["fr"], country="MA")
    beta = Source.objects.create(slug="beta", name="Beta", homepage="https://news.example/beta/",
                                 languages=["fr"], country="MA")
    Feed.objects.create(source=alpha, url="https://news.example/alpha/rss.xml")
    return alpha, beta


def write_warc(path, records: list[tuple[str, bytes, str]]) -> None:
    with open(path, "wb") as fh:
        for url, body, ctype in records:
            fh.write(response_record(url, body, headers={"Content-Type": ctype},
                                     fetched_at=datetime(2024, 5, 1, 8, tzinfo=UTC)))


def run_import(*paths: str) -> tuple[str, int]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import-warc", *paths, stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return out.getvalue().strip().splitlines()[-1], code


def test_a_warc_file_imports_exactly_its_articles_and_a_second_import_adds_none(tmp_path):
    alpha, beta = sources()
    path = tmp_path / "cc-news.warc.gz"
    write_warc(path, [
        ("https://news.example/alpha/1.html", page("Alpha un").encode(), "text/html; charset=utf-8"),
        ("https://www.news.example/alpha/2.html", page("Alpha deux").encode(), "text/html"),
        ("https://news.example/beta/1.html", page("Beta un").encode(), "text/html"),
        ("https://elsewhere.example/x.html", page("Inconnu").encode(), "text/html"),
        ("https://news.example/alpha/logo.png", b"\x89PNG....", "image/png"),  # not a page
    ])
    line, code = run_import(str(path))
    assert (line, code) == ("imported 3, already stored 0, unknown host 1, failed 0", 0)
    assert sorted(Article.objects.values_list("source__slug", "title")) == [
        ("alpha", "Alpha deux"), ("alpha", "Alpha un"), ("beta", "Beta un")]
    # Resumable: a second run (a glob this time) stores nothing new.
    line, code = run_import(str(tmp_path / "*.warc.gz"))
    assert (line, code) == ("imported 0, already stored 3, unknown host 1, failed 0", 0)
    assert Article.objects.count() == 3
    # A file that cannot be read: exit 1, the summary still last.
    line, code = run_import(str(tmp_path / "missing.warc.gz"))
    assert (line, code) == ("imported 0, already stored 0, unknown host 0, failed 0", 1)


def test_export_warc_gives_back_the_pages_akhbar_fetched(tmp_path):
    with override_settings(CONFIG=dataclasses.replace(settings.CONFIG, data_dir=tmp_path)):
        export_and_reimport(tmp_path)


def export_and_reimport(tmp_path):
    alpha, _ = sources()
    body = page("Alpha gardé").encode()
    keep_page(alpha, FetchResult(requested_url="https://news.example/alpha/k.html",
                                 final_url="https://news.example/alpha/k.html", status=200,
                                 content=body, fetched_at=datetime.now(UTC),
                                 headers={"content-type": "text/html"}))
    out = tmp_path / "out.warc.gz"
    call_command("export-warc", "--source", "alpha", "--since", date.today().isoformat(), str(out),
                 stdout=io.StringIO())
    with open(out, "rb") as fh:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                    r.content_stream().read()) for r in ArchiveIterator(fh)]
    assert records[0][0] == "warcinfo"
    assert records[1:] == [("response", "https://news.example/alpha/k.html", body)]
    # Re-imported, the page is the same article: nothing new.
    Article.objects.all().delete()
    assert run_import(str(out))[0].startswith("imported 1,")


def test_metrics_are_for_loopback_only_and_always_list_articles_ingested():
    client = Client()
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "akhbar_articles_ingested_total" in body
    assert "akhbar_queue_depth" in body and "akhbar_page_cache_hit_ratio" in body
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    with override_settings(CONFIG=dataclasses.replace(
            settings.CONFIG, metrics_allow=(ip_network("203.0.113.0/24"),))):
        assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def ingested(client: Client) -> float:
    for line in client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode().splitlines():
        if line.startswith("akhbar_articles_ingested_total "):
            return float(line.split()[1])
    raise AssertionError("akhbar_articles_ingested_total missing")


def test_metrics_count_what_another_process_ingested(tmp_path):
    """An import in another process (sharing the metrics dir) shows in this one's /metrics."""
    client = Client()
    before = ingested(client)
    path = tmp_path / "a.warc.gz"
    write_warc(path, [("https://news.example/alpha/9.html", page("Alpha neuf").encode(),
                       "text/html")])
    env = env_for(tmp_path) | {"PROMETHEUS_MULTIPROC_DIR": os.environ["PROMETHEUS_MULTIPROC_DIR"]}
    assert akhbar("migrate", "--noinput", env=env).returncode == 0
    code = ("import django; django.setup(); from akhbar.sources.models import Source;"
            "Source.objects.create(slug='alpha', name='A', homepage='https://news.example/alpha/',"
            "languages=['fr'], country='MA')")
    subprocess.run([*AKHBAR[:1], "-c", code], check=True, cwd=ROOT, timeout=60,
                   env=env | {"DJANGO_SETTINGS_MODULE": "akhbar.settings.base"})
    done = akhbar("import-warc", str(path), env=env)
    assert done.stdout.strip().splitlines()[-1].startswith("imported 1,"), done.stderr
    assert ingested(client) == before + 1


def test_healthz_reports_database_tasks_and_last_crawl():
    report = Client().get("/healthz").json()
    assert report["status"] == "ok" and report["database"] == "ok"
    assert report["tasks"]["status"] == "ok" and report["last_crawl_age_seconds"] is None
