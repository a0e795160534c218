"""SiteState now belongs to the web app (akhbar.web.models); the table is kept as it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("news", "0012_linkless_url_variants_image_lease"),
        ("web", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SiteState")],
            database_operations=[],
        ),
    ]
