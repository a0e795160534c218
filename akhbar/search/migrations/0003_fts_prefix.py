"""SQLite: the FTS5 table gains prefix indexes (``prefix='3 4 5 6'``), so ``électi*`` reads
one list of matches, newest first, instead of merging those of every word it begins.

FTS5 cannot add a prefix index to an existing table: the table is recreated and filled from
the old one's stored columns, already analysed, so nothing is analysed again and the index
is not stale afterwards (measured in docs/BENCHMARKS.md, issue 13, "Prefix index": a few
minutes at a million articles). PostgreSQL is unchanged (its GIN index answers ``:*``).
"""

from typing import Any

from django.db import migrations

COLUMNS = "title, body, extra, surface, tags"


def rebuild_fts(cursor: Any, prefix: str) -> None:
    """Recreate ``search_fts`` with these prefix lengths ("" for none), keeping its rows.

    Written out here, not imported from live code, so that this migration never changes."""
    option = f", prefix = '{prefix}'" if prefix else ""
    cursor.execute("DROP TABLE IF EXISTS search_fts_new")
    cursor.execute(f"CREATE VIRTUAL TABLE search_fts_new USING fts5({COLUMNS}, "
                   f"tokenize = 'unicode61 remove_diacritics 0'{option})")
    # In rowid order: FTS5 then appends to its pending segment instead of flushing one per row.
    cursor.execute(f"INSERT INTO search_fts_new (rowid, {COLUMNS}) "
                   f"SELECT rowid, {COLUMNS} FROM search_fts ORDER BY rowid")
    cursor.execute("DROP TABLE search_fts")
    cursor.execute("ALTER TABLE search_fts_new RENAME TO search_fts")


def add_prefix(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            rebuild_fts(cursor, "3 4 5 6")


def remove_prefix(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            rebuild_fts(cursor, "")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_searchindexstate")]

    operations = [migrations.RunPython(add_prefix, remove_prefix)]
