"""An index with nothing in it was built by every analysis: a fresh install is not stale.

Analysis version 2 (Arabic article-prefix tokens) made every existing index stale until
``akhbar search --reindex``; that is right for a database holding articles, wrong for a new one.
"""

from django.db import migrations


def empty_index_is_current(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The version is written out, not imported: the migration must not change with live code.
    if not apps.get_model("news", "Article").objects.exists():
        apps.get_model("search", "SearchIndexState").objects.filter(pk=1).update(
            analysis_version=2)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_fts_prefix"), ("news", "0016_listing_indexes_newest_first")]

    operations = [migrations.RunPython(empty_index_is_current, migrations.RunPython.noop)]
