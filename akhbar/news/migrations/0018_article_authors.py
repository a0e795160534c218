# Author credits as rows (news.ArticleAuthor), filled from every stored article's author list,
# so an author page is an index search instead of a LIKE over the outlet's whole archive.

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from akhbar.news.models import author_names

    Article = apps.get_model("news", "Article")
    ArticleAuthor = apps.get_model("news", "ArticleAuthor")
    last = 0
    while True:
        batch = list(Article.objects.filter(pk__gt=last).exclude(authors=[])
                     .order_by("pk").values_list("pk", "source_id", "authors")[:2000])
        if not batch:
            return
        ArticleAuthor.objects.bulk_create([
            ArticleAuthor(article_id=pk, source_id=source_id, name=name)
            for pk, source_id, authors in batch for name in author_names(authors)])
        last = batch[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0017_article_reseat_index'),
        ('sources', '0004_source_description'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArticleAuthor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('article', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='author_rows', to='news.article')),
                ('source', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sources.source')),
            ],
            options={
                'indexes': [models.Index(fields=['source', 'name', 'article'], name='author_source_name')],
                'constraints': [models.UniqueConstraint(fields=('article', 'name'), name='article_author_once')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
