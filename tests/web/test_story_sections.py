"""Sections in the live pipeline are decided per story, as `akhbar classify --stories` measures
them: the members whose section did not come from the rules get the model's decision on the mean
of their story's probabilities, and the pages that show the change are told."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from akhbar.news.annotate import annotate_stories
from akhbar.news.models import Article, Story
from akhbar.pipeline.stories import assign_stories, compute_features
from akhbar.web.models import PageChange
from tests.web.factories import make_article, make_source


def _tags_since(last: int) -> set[str]:
    return set(PageChange.objects.filter(id__gt=last).values_list("tag", flat=True))


def _last_change() -> int:
    return PageChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _main(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


@pytest.mark.django_db
def test_a_member_the_model_misreads_alone_gets_its_story_section_rules_still_win(client):
    now = timezone.now()
    sources = [make_source(f"outlet-{n}", f"Outlet {n}") for n in range(4)]
    first = make_article(sources[0], title="Le Raja bat le Wydad 2-1 dans le derby de Casablanca",
                         text="Le Raja s'est imposé dimanche soir face au Wydad.",
                         published=now - timedelta(hours=3))
    second = make_article(sources[1], title="Derby de Casablanca : le Raja s'impose face au Wydad",
                          text="Le Raja a battu le Wydad au stade Mohammed V.",
                          published=now - timedelta(hours=2, minutes=30))
    # An outlet's category said society: the rules win over the story's section.
    ruled = make_article(sources[3], title="Raja-Wydad : le derby de Casablanca sous haute tension",
                         text="Le derby entre le Raja et le Wydad s'est joué dimanche.",
                         published=now - timedelta(hours=2, minutes=20))
    Article.objects.filter(pk=ruled.pk).update(section="society", section_source="rules")
    assert assign_stories() == 3
    assert client.get("/fr/sections/sports/").status_code == 200
    before = _last_change()

    # Alone the model reads this one as world news; it is the derby's story.
    late = make_article(sources[2],
                        title="Raja-Wydad : la fête gâchée par des incidents dans les tribunes",
                        text="Des incidents ont éclaté dans les tribunes après le derby.",
                        published=now - timedelta(hours=2))
    assert assign_stories() == 1
    rows = {a.pk: a for a in Article.objects.filter(pk__in=[first.pk, second.pk, ruled.pk,
                                                             late.pk])}
    assert len({a.story_id for a in rows.values()}) == 1
    assert {(a.section, a.section_source) for pk, a in rows.items() if pk != ruled.pk} == {
        ("sports", "model")}
    assert (rows[ruled.pk].section, rows[ruled.pk].section_source) == ("society", "rules")
    # The late article's page and both sections it moved between are told, and nothing else
    # than what the pipeline itself changed.
    tags = _tags_since(before)
    assert {f"article:{late.pk}", "section:world", "section:sports"} <= tags
    assert f"article:{first.pk}" not in tags and f"article:{ruled.pk}" not in tags
    assert "Incidents dans les tribunes" not in _main(
        client.get("/fr/sections/world/").content.decode())
    assert "la fête gâchée" in _main(client.get("/fr/sections/sports/").content.decode())
    items = {i["id"]: i for i in json.loads(client.get("/api/v1/articles").content)["items"]}
    assert (items[late.pk]["section"], items[late.pk]["section_source"]) == ("sports", "model")
    assert (items[ruled.pk]["section"], items[ruled.pk]["section_source"]) == ("society", "rules")

    # Nothing changed: nothing is written, no page is told.
    before = _last_change()
    assert annotate_stories([late.story_id]) == 0
    assert _tags_since(before) == set()


@pytest.mark.django_db
def test_a_member_the_model_is_unsure_of_alone_gets_its_story_section(client):
    now = timezone.now()
    fire = [("Incendie à Tanger : trois morts dans un immeuble",
             "Les pompiers sont intervenus dans la nuit."),
            ("Tanger : un incendie fait trois morts dans le quartier Beni Makada",
             "Le feu s'est déclaré au deuxième étage."),
            ("Drame de Tanger : les habitants réclament des comptes",
             "Les voisins dénoncent la lenteur des secours.")]
    articles = [make_article(make_source(f"outlet-{n}", f"Outlet {n}"), title=title, text=text,
                             published=now - timedelta(hours=3 - n))
                for n, (title, text) in enumerate(fire)]
    compute_features()
    # Alone, the model is sure of two (society) and unsure of the second.
    assert [a.section for a in Article.objects.order_by("published")] == [
        "society", "", "society"]
    before = _last_change()
    assert assign_stories() == 3
    rows = list(Article.objects.filter(pk__in=[a.pk for a in articles]))
    assert len({a.story_id for a in rows}) == 1
    assert {(a.section, a.section_source) for a in rows} == {("society", "model")}
    assert {f"article:{articles[1].pk}", "section:society"} <= _tags_since(before)
    assert "Beni Makada" in _main(client.get("/fr/sections/society/").content.decode())


@pytest.mark.django_db
def test_a_story_whose_members_disagree_gets_no_section_from_the_model(client):
    now = timezone.now()
    source = make_source("outlet", "Outlet")
    titles = ["Incendie à Tanger : trois morts dans un immeuble",
              "Tanger : un incendie fait trois morts dans le quartier Beni Makada",
              "Drame de Tanger : les habitants réclament des comptes"]
    articles = [make_article(source, title=title, published=now - timedelta(hours=3 - n))
                for n, title in enumerate(titles)]
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(text="")  # titles alone
    compute_features()
    # Alone, the members read as world news (two) or society (one), each above the threshold.
    assert [(a.section, a.section_source) for a in Article.objects.order_by("published")] == [
        ("world", "model"), ("world", "model"), ("society", "model")]
    # Placed in one story (as the clusterer would, with the leads), the model is unsure of the
    # story: no section rather than a wrong one, and the pages of both sections are told.
    story = Story.objects.create(key="tanger-fire", title=titles[0], last_published=now)
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(story=story)
    for path in ("/fr/sections/world/", "/fr/sections/society/"):
        client.get(path)
        assert client.get(path)["X-Akhbar-Cache"] == "hit"
    before = _last_change()
    # As after an upgrade: `akhbar annotate --stories` gives existing stories their section.
    out = io.StringIO()
    call_command("annotate", "--days", "7", "--stories", stdout=out)
    assert out.getvalue().splitlines()[-1] == "gave 3 articles their story's section (1 stories)"
    assert set(Article.objects.values_list("section", "section_source")) == {("", "")}
    assert {"section:world", "section:society"} | {f"article:{a.pk}" for a in articles} <= (
        _tags_since(before))
    for path in ("/fr/sections/world/", "/fr/sections/society/"):
        assert "Tanger" not in _main(client.get(path).content.decode())
