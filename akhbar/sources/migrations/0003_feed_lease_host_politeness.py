"""Feed leases and budgets (one worker per feed, backlog), per-host politeness shared by processes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sources', '0002_sections'),
    ]

    operations = [
        migrations.CreateModel(
            name='HostState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('host', models.CharField(max_length=255, unique=True)),
                ('next_start', models.FloatField(default=0.0)),
            ],
        ),
        migrations.AddField(
            model_name='feed',
            name='backlog',
            field=models.PositiveIntegerField(default=0, help_text='entries left for the next poll'),
        ),
        migrations.AddField(
            model_name='feed',
            name='lease_owner',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='feed',
            name='lease_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='fetchlog',
            name='deferred',
            field=models.PositiveIntegerField(default=0, help_text='entries left for the next poll'),
        ),
        migrations.CreateModel(
            name='HostSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('host', models.CharField(max_length=255)),
                ('slot', models.PositiveSmallIntegerField()),
                ('owner', models.CharField(blank=True, max_length=64)),
                ('busy_until', models.FloatField(default=0.0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('host', 'slot'), name='hostslot_host_slot')],
            },
        ),
    ]
