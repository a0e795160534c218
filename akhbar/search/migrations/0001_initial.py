"""The search index: its rows, and the engine's full-text part (FTS5 table or tsvector + GIN)."""

from django.db import migrations, models


def create_fulltext(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Raw SQL: neither structure has a Django field. The DDL is written out here (not imported
    # from akhbar.search.engines) so that this migration never changes with live code.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_searchdoc ADD COLUMN document tsvector NOT NULL DEFAULT ''")
        schema_editor.execute(
            "CREATE INDEX search_searchdoc_document ON search_searchdoc USING gin (document)")
    else:
        # unicode61 without diacritics removal: the tokens are analysed already
        # (akhbar.ingest.textsearch) and Arabic letters must not be altered further.
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, extra, surface, tags, "
            "tokenize = 'unicode61 remove_diacritics 0')")


def drop_fulltext(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="SearchDoc",
            fields=[
                ("article_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("source_id", models.BigIntegerField(db_index=True)),
                ("language", models.CharField(max_length=8)),
                ("section", models.CharField(blank=True, max_length=16)),
                ("published", models.DateTimeField(db_index=True)),
                ("digest", models.CharField(max_length=40)),
            ],
        ),
        migrations.CreateModel(
            name="SearchSource",
            fields=[
                ("source_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("state", models.CharField(max_length=40)),
            ],
        ),
        migrations.RunPython(create_fulltext, drop_fulltext),
    ]
