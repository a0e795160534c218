"""Small helpers to create sources and articles directly in the database for view tests."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from akhbar.news.models import Article, Image
from akhbar.sources.models import Source

_seq = count(1)


def make_source(slug: str = "le-matin", name: str = "Le Matin", *, languages=("fr",),
                display: str = "full", country: str = "MA") -> Source:
    return Source.objects.create(slug=slug, name=name, homepage=f"https://{slug}.example/",
                                 languages=list(languages), country=country, display=display)


def make_article(source: Source, *, title: str | None = None, text: str = "", language: str = "fr",
                 published: datetime | None = None, image_url: str | None = None,
                 url: str | None = None) -> Article:
    n = next(_seq)
    image = Image.objects.create(source_url=image_url) if image_url else None
    return Article.objects.create(
        source=source,
        url=url or f"https://{source.slug}.example/articles/{n}.html",
        identity=f"id-{n}",
        title=title or f"Titre {n}",
        text=text or f"Premier paragraphe de l'article {n}.\n\nSecond paragraphe {n}.",
        language=language,
        published=published or datetime(2020, 12, 17, 9, 30, tzinfo=UTC),
        image=image,
    )
