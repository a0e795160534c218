"""SiteState moves from the news app to the web layer it serves; its table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [("news", "0012_linkless_url_variants_image_lease")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SiteState",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("version", models.BigIntegerField(default=0)),
                    ],
                    options={"db_table": "news_sitestate"},
                ),
            ],
            database_operations=[],
        ),
    ]
