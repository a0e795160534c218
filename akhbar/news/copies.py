"""Syndicated copies: link a republished dispatch to the earliest article of its group.

Fingerprints come from ``akhbar.ingest.dedup``; the LSH index lives in the database
(``ArticleBand``) so that every worker process finds the same candidates without a rebuild.
"""

from __future__ import annotations

import functools
import hashlib
import struct
from datetime import datetime

from akhbar.ingest.dedup import LSH_PARAMS, Fingerprint, Fingerprinter, is_copy
from akhbar.news.models import Article, ArticleBand
from akhbar.web.cache import pages_changed


@functools.cache
def fingerprinter() -> Fingerprinter:
    """One Fingerprinter per process (it holds the MinHash permutations)."""
    return Fingerprinter()


def fingerprint_of(title: str, text: str) -> Fingerprint:
    return fingerprinter().fingerprint(title, text)


def to_json(fp: Fingerprint) -> dict[str, object]:
    return {"minhash": list(fp.minhash), "shingles": fp.shingles, "length": fp.length}


def from_json(exact: str, data: dict[str, object] | None) -> Fingerprint | None:
    if not data:
        return None
    return Fingerprint(exact=exact, minhash=tuple(data["minhash"]),  # type: ignore[arg-type]
                       shingles=int(data["shingles"]), length=int(data["length"]))  # type: ignore[call-overload]


def band_hashes(fp: Fingerprint) -> list[int]:
    """The article's LSH band keys: (band number, its rows) hashed to a signed 64-bit integer."""
    if not fp.minhash:
        return []
    bands, rows = LSH_PARAMS
    out = []
    for b in range(bands):
        chunk = fp.minhash[b * rows:(b + 1) * rows]
        digest = hashlib.blake2b(struct.pack(f"<I{len(chunk)}Q", b, *chunk), digest_size=8).digest()
        out.append(struct.unpack("<q", digest)[0])
    return out


def _order(article: Article) -> tuple[datetime, int]:
    return (article.published, article.pk)


def link_copies(article: Article, fp: Fingerprint) -> Article | None:
    """Record ``article``'s fingerprint and relink its copy group; returns its original or None.

    The group is the article, the stored articles whose text it near-duplicates, their
    originals and those originals' copies; its earliest member (published, then id) is the
    original of all the others, so an earlier article that arrives late takes over the group.
    Call inside the transaction that stores the article.
    """
    Article.objects.filter(pk=article.pk).update(fp_exact=fp.exact, fingerprint=to_json(fp))
    ArticleBand.objects.filter(article=article).delete()
    bands = band_hashes(fp)
    ArticleBand.objects.bulk_create([ArticleBand(article=article, band=b) for b in bands])
    if fp.length == 0:
        return None
    candidate_ids = set(
        Article.objects.filter(fp_exact=fp.exact).exclude(pk=article.pk).values_list("pk", flat=True)
    )
    if bands:
        candidate_ids |= set(
            ArticleBand.objects.filter(band__in=bands).exclude(article=article)
            .values_list("article_id", flat=True)
        )
    if not candidate_ids:
        return None
    matched = [
        c for c in Article.objects.filter(pk__in=candidate_ids).only(
            "id", "published", "fp_exact", "fingerprint", "copy_of")
        if (cfp := from_json(c.fp_exact, c.fingerprint)) is not None and is_copy(fp, cfp)
    ]
    if not matched:
        return None
    roots = {article.pk} | {m.pk for m in matched} | {m.copy_of_id for m in matched if m.copy_of_id}
    group = list(
        Article.objects.filter(pk__in=roots).only("id", "published", "copy_of")
        | Article.objects.filter(copy_of_id__in=roots).only("id", "published", "copy_of")
    )
    members = {a.pk: a for a in group}
    members[article.pk] = article
    original = min(members.values(), key=_order)
    relinked = []
    for member in members.values():
        wanted = None if member.pk == original.pk else original.pk
        if member.copy_of_id != wanted:
            Article.objects.filter(pk=member.pk).update(copy_of_id=wanted)
            relinked.append(member.pk)
    if relinked:
        pages_changed(articles=relinked)
    article.copy_of_id = None if original.pk == article.pk else original.pk
    return None if original.pk == article.pk else original
