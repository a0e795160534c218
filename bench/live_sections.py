"""Sections as the live pipeline gives them, on the Google News FR shared set:
``python -m bench.live_sections``.

The set's 704 headlines are stored in a throw-away SQLite database (title only, one outlet each,
all published at the same time: the set has no dates, text or outlets) and go through the live
pipeline (``akhbar.pipeline.stories.assign_stories``: embedding, the section model per article,
story placement, then each story's section). Reports, on the 549 headlines with one of the five
portal sections, the accuracy on answered headlines and the coverage: each article's own
decision (``annotate_article``, from its stored features and title) and what the site shows
after placement (``annotate_stories``). Compare with ``python -m bench.sections`` (``akhbar
classify`` and ``akhbar classify --stories`` offline).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sections import GNEWS, LABELS  # noqa: E402


def main() -> int:
    if not GNEWS.exists():
        print(f"bench.live_sections: {GNEWS} is missing (the shared benchmark data); skipped")
        return 0
    data = tempfile.mkdtemp(prefix="akhbar-bench-live-sections-")
    os.environ.update(AKHBAR_DATA_DIR=data, DJANGO_SETTINGS_MODULE="akhbar.settings.base",
                      AKHBAR_DATABASE_URL=f"sqlite:///{data}/bench.sqlite3",
                      AKHBAR_SECRET_KEY="bench-" + "x" * 60)
    import django

    django.setup()
    from django.core.management import call_command

    from akhbar.news.annotate import STORY_MEMBERS, model_section
    from akhbar.news.models import Article
    from akhbar.pipeline import stories as pipeline
    from akhbar.pipeline.stories import articles_awaiting_story, assign_stories
    from akhbar.sources.models import Source

    # The story-section step's own CPU time, within the pipeline's.
    spent = [0.0]
    step = pipeline.annotate_stories

    def timed(story_ids: Iterable[int], members: int = STORY_MEMBERS) -> int:
        begin = time.process_time()
        try:
            return step(story_ids, members)
        finally:
            spent[0] += time.process_time() - begin

    pipeline.annotate_stories = timed
    call_command("migrate", verbosity=0)
    rows = [json.loads(line) for line in open(GNEWS, encoding="utf-8") if line.strip()]
    when = datetime.now(UTC) - timedelta(hours=1)
    for n, row in enumerate(rows):
        source = Source.objects.create(slug=f"o{n}", name=f"Outlet {n}", languages=["fr"],
                                       homepage=f"https://o{n}.example/", country="FR")
        Article.objects.create(source=source, url=f"https://o{n}.example/{row['id']}",
                               identity=row["id"], title=row["title"], text="", language="fr",
                               published=when)
    started, cpu = time.perf_counter(), time.process_time()
    while articles_awaiting_story():
        if not assign_stories():
            break
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    gold = {row["id"]: LABELS[row["section"]] for row in rows if row["section"] in LABELS}
    articles = list(Article.objects.filter(identity__in=gold))
    alone = {a.identity: model_section(a.cluster_features or {}, a.title) or "" for a in articles}
    live = {a.identity: a.section for a in articles}
    stories = Article.objects.values("story_id").distinct().count()
    print(f"{len(rows)} headlines through the live pipeline in {elapsed:.1f} s "
          f"({cpu:.1f} s CPU, of which the story sections {spent[0]:.2f} s), {stories} stories; "
          f"{len(gold)} with one of the five sections")
    for name, answers in (("each article alone (annotate_article)", alone),
                          ("after placement (annotate_stories)", live)):
        answered = [i for i in gold if answers[i]]
        right = sum(answers[i] == gold[i] for i in answered)
        print(f"{name}: accuracy {right / max(len(answered), 1):.3f} "
              f"coverage {len(answered) / len(gold):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
