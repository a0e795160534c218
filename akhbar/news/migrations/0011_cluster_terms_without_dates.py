"""Formerly recomputed the lexical terms of stored clustering features without dates.

Now a no-op that imports nothing live: stored features without a ``terms_version`` (or with
another one) get their terms recomputed by akhbar.pipeline.stories when a process builds its story
memory. Kept so that databases that ran it stay consistent with those that did not."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("news", "0010_clusterstate_embedder")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
