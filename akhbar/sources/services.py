"""Use cases of the sources app: importing the registry of outlets and their feeds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from akhbar.ingest.registry import SourceSpec
from akhbar.sources.models import Feed, Source


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def import_sources(specs: Iterable[SourceSpec]) -> ImportResult:
    """Create or update sources and their feeds from registry entries (idempotent)."""
    result = ImportResult()
    for spec in specs:
        values = {
            "name": spec.name,
            "homepage": spec.homepage,
            "languages": list(spec.languages),
            "country": spec.country,
            "timezone": spec.timezone,
            "display": spec.display,
            "editions": list(spec.editions),
            "sections": {k: list(v) for k, v in spec.sections.items()},
            "verified": spec.verified,
            "notes": spec.notes,
            "description": spec.description,
        }
        wanted = [(u, Feed.Kind.FEED) for u in spec.feeds] + [
            (u, Feed.Kind.SITEMAP) for u in spec.sitemaps
        ]
        with transaction.atomic():
            source = Source.objects.filter(slug=spec.slug).first()
            changed = False
            if source is None:
                source = Source.objects.create(slug=spec.slug, **values)
                result.created.append(spec.slug)
            else:
                for key, value in values.items():
                    if getattr(source, key) != value:
                        setattr(source, key, value)
                        changed = True
                if changed:
                    source.save()
            for url, kind in wanted:
                feed = Feed.objects.filter(url=url).first()
                if feed is None:
                    Feed.objects.create(source=source, url=url, kind=kind)
                    changed = True
                elif feed.source_id != source.pk or feed.kind != kind or not feed.active:
                    feed.source, feed.kind, feed.active = source, kind, True
                    feed.save(update_fields=["source", "kind", "active"])
                    changed = True
            # Feeds dropped from the registry stop being polled; their articles stay.
            stale = source.feeds.filter(active=True, discovered=False).exclude(
                url__in=[u for u, _ in wanted]
            )
            if stale.update(active=False):
                changed = True
        if spec.slug not in result.created:
            (result.updated if changed else result.unchanged).append(spec.slug)
    return result
