# authors_key ("|Name One|Name Two|", searched with LIKE) is replaced by the author credits of
# 0018. Dropped in place: Django's RemoveField of an indexed column remakes the whole article
# table on SQLite (a copy of every row); its indexes are dropped first, then the column alone.

from django.db import migrations


def drop_column(apps, schema_editor):
    conn = schema_editor.connection
    table = apps.get_model("news", "Article")._meta.db_table
    with conn.cursor() as cursor:
        found = conn.introspection.get_constraints(cursor, table)
    qn = schema_editor.quote_name
    for name, info in found.items():
        if info["columns"] == ["authors_key"] and info["index"] and not info["primary_key"]:
            schema_editor.execute(f"DROP INDEX {qn(name)}")
    schema_editor.execute(f"ALTER TABLE {qn(table)} DROP COLUMN {qn('authors_key')}")


def add_column(apps, schema_editor):
    # Back to 0018's state (the column and its index, empty: 0005 filled it).
    Article = apps.get_model("news", "Article")
    schema_editor.add_field(Article, Article._meta.get_field("authors_key"))


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0018_article_authors'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_column, add_column)],
            state_operations=[migrations.RemoveField(model_name='article', name='authors_key')],
        ),
    ]
