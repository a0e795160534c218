# The story thread's look-up of re-embedded articles (``_reseat``, at every call) as one index
# search: on a 20,000-article archive whose cluster_seq is NULL everywhere, SQLite walked the
# whole published index (17 ms a call) and PostgreSQL read every NULL cluster_seq row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0016_listing_indexes_newest_first'),
        ('sources', '0004_source_description'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(models.ExpressionWrapper(models.Q(('cluster_features__isnull', False)), output_field=models.BooleanField()), models.F('cluster_seq'), models.F('published'), models.F('id'), name='article_reseat'),
        ),
    ]
