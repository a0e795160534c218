"""The analysis version the index was built with (so /healthz can say when it is stale)."""

from django.db import migrations, models


def record_first_version(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Indexes built before this migration were made by analysis version 1 (written out, not
    # imported: the migration must not change with live code).
    apps.get_model("search", "SearchIndexState").objects.create(pk=1, analysis_version=1)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="SearchIndexState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("analysis_version", models.PositiveIntegerField()),
                ("rebuilt_at", models.DateTimeField(null=True)),
            ],
        ),
        migrations.RunPython(record_first_version, migrations.RunPython.noop),
    ]
