"""Writes of the news app: storing an extracted article (new, unchanged or revised)."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from akhbar.ingest.images import ProcessedImage
from akhbar.ingest.normalize import canonical_url, url_variant_key
from akhbar.ingest.sections import SectionRules, classify_section, load_section_rules
from akhbar.ingest.types import ArticleDraft, FeedEntry
from akhbar.news.copies import fingerprint_fields, fingerprint_of, link_copies
from akhbar.news.models import Article, ArticleRevision, Image
from akhbar.sources.models import Feed, Source

log = logging.getLogger(__name__)


class StoreResult(StrEnum):
    NEW = "new"
    REVISED = "revised"
    UNCHANGED = "unchanged"


def content_hash(title: str, text: str) -> str:
    """Hash of what a reader sees of an article (title and text, white space folded)."""
    norm = " ".join(title.split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def entry_hash(entry: FeedEntry) -> str:
    """Hash of a feed entry as the feed shows it: a change means the outlet edited it."""
    parts = [
        entry.title,
        entry.summary,
        entry.updated.isoformat() if entry.updated else "",
        entry.published.isoformat() if entry.published else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@functools.cache
def section_rules() -> SectionRules:
    """The default section rules (data/sections.toml), read once per process."""
    return load_section_rules()


def _section(source: Source, entry: FeedEntry, draft: ArticleDraft) -> str:
    return classify_section(
        url=draft.final_url or entry.url,
        categories=[*entry.categories, *draft.categories],
        rules=section_rules(),
        overrides=source.sections or {},
    ) or ""


def _image_for(url: str | None) -> Image | None:
    if not url:
        return None
    url = canonical_url(url)
    if not url.startswith(("http://", "https://")) or len(url) > 2000:
        return None
    image, _ = Image.objects.get_or_create(source_url=url)
    return image


def _match(source: Source, entry: FeedEntry) -> tuple[Q, str, str]:
    """The one filter for every row an entry may be (see ``existing_article``); its identity
    and URL variant key."""
    identity = entry.identity[:500]
    match = Q(source=source, identity=identity)
    key = ""
    if entry.url:
        match |= Q(url=entry.url)
        key = url_variant_key(entry.url)
        if key:
            match |= Q(source=source, url_key=key)
    return match, identity, key


def existing_article(source: Source, entry: FeedEntry, *, lock: bool = False) -> Article | None:
    """The stored article an entry is: same identity in its outlet, else same URL, else the
    same page under another form of its URL (http/https, "www.", trailing slash) in its outlet.

    An entry without a usable link matches on its identity only: it never shares a row with
    another entry. One query (each term has its index) reads every candidate; the order above
    picks among them.
    """
    match, identity, key = _match(source, entry)
    qs = Article.objects.select_for_update() if lock else Article.objects.all()
    rows = list(qs.filter(match).order_by("pk"))
    for row in rows:
        if row.source_id == source.pk and row.identity == identity:
            return row
    for row in rows:
        if entry.url and row.url == entry.url:
            return row
    for row in rows:
        if key and row.source_id == source.pk and row.url_key == key:
            return row
    return None


def article_known(source: Source, entry: FeedEntry) -> bool:
    """Whether ``existing_article`` would find a row (one indexed query, nothing read)."""
    return Article.objects.filter(_match(source, entry)[0]).exists()


def store_article(
    *,
    source: Source,
    feed: Feed | None,
    entry: FeedEntry,
    draft: ArticleDraft,
    now: datetime,
) -> tuple[StoreResult, Article | None]:
    """Store a new article, or record a revision of an existing one; idempotent.

    Runs in one short transaction, after all network I/O is done.
    """
    new_hash = content_hash(draft.title, draft.text)
    ehash = entry_hash(entry)
    # CPU work before the transaction: the fingerprint for syndicated-copy detection.
    fp = fingerprint_of(draft.title, draft.text)
    language = draft.language or entry.language or (source.languages[0] if source.languages else "")
    try:
        with transaction.atomic():
            article = existing_article(source, entry, lock=True)
            if article is None:
                article = Article.objects.create(
                    source=source,
                    feed=feed,
                    url=entry.url or None,
                    identity=entry.identity[:500],
                    guid=(entry.guid or "")[:1000],
                    title=(draft.title or entry.title)[:1000],
                    text=draft.text,
                    html=draft.html,
                    summary=entry.summary,
                    language=(language or "")[:8],
                    section=(section := _section(source, entry, draft)),
                    section_source="rules" if section else "",
                    authors=list(draft.authors or entry.authors),
                    categories=list(dict.fromkeys([*entry.categories, *draft.categories])),
                    feed_published=entry.published,
                    feed_updated=entry.updated,
                    page_published=draft.published,
                    # The feed's date is what the outlet announces (with its zone); pages often
                    # give only a day, so theirs comes second, first-seen time last.
                    published=entry.published or draft.published or now,
                    first_seen_at=now,
                    fetched_at=draft.fetched_at,
                    image=_image_for(draft.image_url or entry.image_url),
                    content_hash=new_hash,
                    entry_hash=ehash,
                    extracted=draft.extracted,
                    extract_error=(draft.error or "")[:50],
                    **fingerprint_fields(fp),
                )
                link_copies(article, fp, created=True)
                return StoreResult.NEW, article

            changed_content = article.content_hash != new_hash
            # A draft that fell back to the feed never overwrites a good extraction.
            if article.extracted and not draft.extracted:
                changed_content = False
            if not changed_content and article.entry_hash == ehash and (
                article.extracted or not draft.extracted
            ):
                if not draft.extracted:
                    article.extract_attempts += 1
                    article.save(update_fields=["extract_attempts"])
                return StoreResult.UNCHANGED, article
            result = StoreResult.UNCHANGED
            # Completing a failed extraction is not a correction by the outlet: no revision.
            is_correction = changed_content and article.extracted
            if is_correction:
                ArticleRevision.objects.create(
                    article=article,
                    number=article.revision,
                    recorded_at=now,
                    title=article.title,
                    text=article.text,
                    html=article.html,
                    content_hash=article.content_hash,
                    feed_updated=article.feed_updated,
                )
                article.revision += 1
                result = StoreResult.REVISED
            if changed_content:
                article.title = (draft.title or entry.title)[:1000]
                article.text = draft.text
                article.html = draft.html
                article.summary = entry.summary
                article.content_hash = new_hash
                article.authors = list(draft.authors or entry.authors)
                article.page_published = draft.published or article.page_published
                image = _image_for(draft.image_url or entry.image_url)
                if image is not None:
                    article.image = image
                article.extracted = draft.extracted
                article.extract_error = (draft.error or "")[:50]
                article.fetched_at = draft.fetched_at
            if not draft.extracted:
                article.extract_attempts += 1
            article.entry_hash = ehash
            article.feed_updated = entry.updated
            article.save()
            if changed_content:
                link_copies(article, fp)
            return result, article
    except IntegrityError:
        # A concurrent worker stored the same article first: nothing left to do.
        log.info("article %s stored concurrently", entry.url or entry.identity)
        return StoreResult.UNCHANGED, existing_article(source, entry)


IMAGE_WIDTHS = (320, 640, 1200)


def _write_atomically(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        # A full disk (or a kill) must not leave half a file behind.
        tmp.unlink(missing_ok=True)
        raise


def remove_partial_renditions(folder: Path) -> int:
    """Delete temporary files an interrupted write left in an image folder; how many."""
    removed = 0
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def store_renditions(processed: ProcessedImage, rel: str) -> dict[str, Any]:
    """Write akhbar's renditions of a picture under MEDIA_ROOT/rel (atomically, file by file);
    the Image fields that describe them."""
    folder = Path(settings.MEDIA_ROOT) / rel
    folder.mkdir(parents=True, exist_ok=True)
    for rendition in processed.renditions:
        ext = "jpg" if rendition.format == "jpeg" else rendition.format
        _write_atomically(folder / f"{rendition.width}.{ext}", rendition.content)
    return {
        "local_path": rel,
        "widths": sorted({r.width for r in processed.renditions}),
        "width": processed.width,
        "height": processed.height,
        "sha256": processed.sha256,
        "phash": processed.phash,
        "detail": processed.detail,
    }
