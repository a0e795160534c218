"""Linkless entries stored under their own identity (url NULL); one key for a URL's variants;
image fetch leases."""

import hashlib
from urllib.parse import urlsplit

from django.db import migrations, models


def _variant_key(url):
    # Frozen copy of akhbar.ingest.normalize.url_variant_key as of this migration (stored URLs
    # are canonical already): a migration must not change when live code does.
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    netloc = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    key = f"{netloc}{path}?{parts.query}" if parts.query else f"{netloc}{path}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def fill_url_keys(apps, schema_editor):
    Article = apps.get_model("news", "Article")
    # The one row that linkless entries used to collapse into keeps its text, without a link.
    Article.objects.filter(url="").update(url=None)
    batch = []
    for pk, url in Article.objects.exclude(url=None).values_list("pk", "url").iterator(2000):
        batch.append(Article(pk=pk, url_key=_variant_key(url)))
        if len(batch) >= 2000:
            Article.objects.bulk_update(batch, ["url_key"])
            batch = []
    if batch:
        Article.objects.bulk_update(batch, ["url_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0011_cluster_terms_without_dates'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='url_key',
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.AddField(
            model_name='image',
            name='fetch_owner',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='image',
            name='fetch_started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='article',
            name='url',
            field=models.URLField(blank=True, max_length=2000, null=True, unique=True),
        ),
        migrations.RunPython(fill_url_keys, migrations.RunPython.noop, elidable=True),
    ]
