"""Page metadata that trafilatura may miss: JSON-LD articles, OpenGraph / meta tags, <time>."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml.html import HtmlElement

from akhbar.ingest.extract.authors import byline_authors, person_names
from akhbar.ingest.normalize import is_placeholder_date, plausible_date

# schema.org types that describe one article (NewsArticle and its subtypes, blog posts…).
ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle",
        "BlogPosting", "LiveBlogPosting", "Report", "ScholarlyArticle", "TechArticle",
    }
)
# Meta tags that carry the publication date, most specific first.
DATE_META_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "publishdate", "publish-date", "pubdate", "parsely-pub-date",
    "sailthru.date", "dc.date.issued", "dcterms.created", "dc.date", "date",
)
# Meta tags that carry the date of the page's last change.
MODIFIED_META_KEYS = ("article:modified_time", "og:article:modified_time", "og:updated_time",
                      "datemodified", "last-modified")
AUTHOR_META_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                    "byl")
TITLE_META_KEYS = ("og:title", "twitter:title", "title", "dc.title")
SITENAME_META_KEYS = ("og:site_name", "application-name", "twitter:site")
SECTION_META_KEYS = ("article:section", "parsely-section", "section")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SPACES = re.compile(r"\s+")
# Separators between a headline and the site's name in <title> / og:title ("Headline | Site").
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-\u2013\u2014\u2022\u00b7:\u00bb]|::)\s+")
_NON_WORD = re.compile(r"\W+")
_WORD = re.compile(r"\w+")
# How much a <h1> must share with the metadata title to be taken as the article's headline.
HEADLINE_OVERLAP = 0.3


@dataclass(frozen=True)
class PageMetadata:
    """Metadata read from a page's markup (JSON-LD first, then meta tags, then <time>)."""

    title: str | None = None  # the JSON-LD headline
    # As written on the page: aware when it carried a zone, naive otherwise.
    published: datetime | None = None
    # Where ``published`` came from: "jsonld", "meta" or "time".
    published_from: str | None = None
    authors: tuple[str, ...] = ()
    image: str | None = None
    description: str | None = None
    html_lang: str | None = None
    headings: tuple[str, ...] = ()  # the first <h1> texts
    meta_title: str | None = None  # og:title, twitter:title or <title>
    sitename: str | None = None
    categories: tuple[str, ...] = ()
    article_body: str | None = None  # the JSON-LD articleBody
    # The page's last change as its markup gives it (JSON-LD ``dateModified``, meta tags).
    modified: datetime | None = None


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = _SPACES.sub(" ", value).strip()
    return value or None


def parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 (or RFC 2822) date string as a datetime; naive when it carries no zone.

    None when it cannot be read or is a placeholder (0001, 1970…), so that the next date source
    of the page is tried.
    """
    value = _clean(value)
    if not value or is_placeholder_date(value):
        return None
    if _ISO_DATE.match(value):
        candidate = value.replace(" ", "T", 1) if len(value) > 10 and value[10] == " " else value
        # Python 3.11 fromisoformat reads most ISO forms; drop what it does not (e.g. " UTC").
        for attempt in (candidate, candidate.removesuffix(" UTC").removesuffix("UTC"), candidate[:19],
                        candidate[:10]):
            try:
                return plausible_date(datetime.fromisoformat(attempt))
            except ValueError:
                continue
        return None
    try:
        return plausible_date(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def _json_objects(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document, following lists and @graph."""
    if isinstance(data, list):
        for item in data:
            yield from _json_objects(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _json_objects(data["@graph"])
        main = data.get("mainEntity")
        if isinstance(main, dict | list):
            yield from _json_objects(main)


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def json_ld_articles(tree: HtmlElement, pages: list[dict[str, Any]] | None = None,
                     nodes: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The schema.org Article-like objects of a page's JSON-LD blocks, in page order (its
    ``WebPage`` objects go to ``pages``, and every object with an ``@id`` to ``nodes`` by that
    id, when given)."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            # Some CMSs leave raw newlines or a trailing semicolon in the block.
            try:
                data = json.loads(raw.rstrip(";").replace("\n", " "), strict=False)
            except ValueError:
                continue
        for obj in _json_objects(data):
            if nodes is not None and isinstance(obj.get("@id"), str):
                nodes.setdefault(obj["@id"], obj)
            kinds = _types(obj)
            if kinds & ARTICLE_TYPES:
                found.append(obj)
            elif pages is not None and "WebPage" in kinds:
                pages.append(obj)
    return found


def _names(value: Any) -> list[str]:
    """Person names from a JSON-LD ``author`` value (string, object or list of them)."""
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    if isinstance(value, dict):
        if "Organization" in _types(value):
            return []
        name = value.get("name")
        if isinstance(name, list):  # "name": ["Dave Epstein"]
            return [n for item in name if isinstance(item, str) for n in person_names(item)]
        return person_names(name if isinstance(name, str) else None)
    return person_names(value if isinstance(value, str) else None)


def _referenced(value: Any, nodes: dict[str, dict[str, Any]]) -> Any:
    """A JSON-LD value with its bare ``{"@id": …}`` references replaced by the objects they name."""
    if isinstance(value, list):
        return [_referenced(item, nodes) for item in value]
    if isinstance(value, dict) and "name" not in value and isinstance(value.get("@id"), str):
        return nodes.get(value["@id"], value)
    return value


def _section(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _section(item)]
    section = _clean(value)
    return [section] if section else []


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        return next((url for item in value if (url := _image_url(item))), None)
    if isinstance(value, dict):
        return _clean(value.get("url") or value.get("contentUrl"))
    return _clean(value)


def meta_values(tree: HtmlElement, keys: tuple[str, ...]) -> list[str]:
    """Contents of <meta name|property|itemprop=KEY> for each key, in the order of ``keys``."""
    wanted = {k: i for i, k in enumerate(keys)}
    hits: list[tuple[int, str]] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower().strip()
        if key in wanted and (content := _clean(meta.get("content"))):
            hits.append((wanted[key], content))
    return [content for _, content in sorted(hits, key=lambda hit: hit[0])]


def _time_element_date(tree: HtmlElement) -> datetime | None:
    """The datetime of the article's own <time> element (inside <article> or marked as published)."""
    paths = (
        '//time[@itemprop="datePublished"][@datetime]',
        "//time[@pubdate][@datetime]",
        "//article//time[@datetime]",
    )
    for path in paths:
        for element in tree.xpath(path):
            parsed = parse_date(element.get("datetime"))
            if parsed is not None:
                return parsed
    return None


def _publisher(article: dict[str, Any]) -> str | None:
    publisher = article.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    return _clean(publisher.get("name")) if isinstance(publisher, dict) else None


def read_page_metadata(tree: HtmlElement) -> PageMetadata:
    """JSON-LD article fields, then OpenGraph / meta tags, then <time datetime>."""
    title = image = description = sitename = body = None
    authors: list[str] = []
    sections: list[str] = []
    published: datetime | None = None
    modified: datetime | None = None
    source: str | None = None
    pages: list[dict[str, Any]] = []
    nodes: dict[str, dict[str, Any]] = {}
    referenced: list[str] = []
    for article in json_ld_articles(tree, pages, nodes):
        headline = article.get("headline")
        if not title and isinstance(headline, str):
            title = _clean(html.unescape(headline))
        image = image or _image_url(article.get("image"))
        description = description or _clean(article.get("description"))
        authors = authors or _names(article.get("author"))
        # A WordPress (Yoast) graph names its authors by reference ({"@id": "…/schema/person/…"}):
        # the account that posted, which the meta tags' author may correct (a TV newsroom's web
        # producer posting a reporter's story), so it comes after them.
        referenced = referenced or _names(_referenced(article.get("author"), nodes))
        sitename = sitename or _publisher(article)
        sections = sections or _section(article.get("articleSection"))
        if body is None and isinstance(article.get("articleBody"), str):
            # Some CMSs write the text HTML-escaped ("Europa&apos;s").
            body = html.unescape(article["articleBody"]).strip()
        if published is None and (published := parse_date(article.get("datePublished"))):
            source = "jsonld"
        modified = modified or parse_date(article.get("dateModified"))
    if published is None:
        for value in meta_values(tree, DATE_META_KEYS):
            if published := parse_date(value):
                source = "meta"
                break
    if published is None and (published := _time_element_date(tree)):
        source = "time"
    # A WordPress (Yoast) graph may date only the WebPage node: it is this article's page.
    for page in pages if published is None else ():
        if published := parse_date(page.get("datePublished")):
            source = "webpage"
            modified = modified or parse_date(page.get("dateModified"))
            break
    if modified is None:
        modified = next(filter(None, map(parse_date, meta_values(tree, MODIFIED_META_KEYS))), None)
    sitename = sitename or next(
        (v.lstrip("@") for v in meta_values(tree, SITENAME_META_KEYS) if not v.startswith("http")), None
    )
    # The outlet's own name in the author field is not an author: a source that names only the
    # outlet ("author": {"@type": "Person", "name": "L'Opinion"}) gives way to the next one.
    site_key = _key(sitename)

    def people(names: list[str]) -> list[str]:
        return [a for a in names if not site_key or _key(a) not in site_key and site_key not in _key(a)]

    authors = people(authors)
    if not authors:
        authors = next(filter(None, (people(person_names(v))
                                     for v in meta_values(tree, AUTHOR_META_KEYS))), [])
    # Before the bylines in the markup: a page's first rel="author" may be a related story's.
    authors = authors or people(referenced)
    if not authors:
        authors = people(byline_authors(tree, sitename))
    image = image or next(iter(meta_values(tree, ("og:image", "twitter:image"))), None)
    description = description or next(iter(meta_values(tree, ("og:description", "description"))), None)
    meta_title = next(iter(meta_values(tree, TITLE_META_KEYS)), None)
    if meta_title is None and (element := tree.find(".//title")) is not None:
        meta_title = _clean(element.text_content())
    sections = sections or meta_values(tree, SECTION_META_KEYS)[:1]
    lang = tree.xpath("string(/html/@lang)") or tree.xpath("string(/html/@xml:lang)")
    html_lang = lang.strip().lower().replace("_", "-").split("-")[0] or None
    return PageMetadata(
        title=title, published=published, published_from=source, authors=tuple(authors),
        image=image, description=description, html_lang=html_lang, headings=tuple(headings(tree)),
        meta_title=html.unescape(meta_title) if meta_title else None, sitename=sitename,
        categories=tuple(dict.fromkeys(sections)), article_body=body or None, modified=modified,
    )


def _key(value: str | None) -> str:
    return _NON_WORD.sub("", (value or "").casefold())


def strip_site_name(title: str, sitename: str | None, host: str | None) -> str:
    """``title`` without a leading or trailing site name ("Headline | Le Site" → "Headline")."""
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    site = _key(sitename)
    domain = _key((host or "").removeprefix("www.").rsplit(".", 1)[0])

    def is_site(part: str) -> bool:
        key = _key(part)
        # Very short names ("AP", "tn") would match inside ordinary words; a headline that names
        # the site ("… : PolitiFact's Lie of the Year") is longer than a site's name.
        return 3 <= len(key) and len(part.split()) <= SITE_MAX_WORDS and any(
            len(ref) >= 3 and (key in ref or (len(ref) >= 4 and ref in key)) for ref in (site, domain)
        )

    if is_site(title[separators[-1].end():]):
        # "Headline | AOC media - Analyse Opinion Critique": the site's name may hold a separator.
        return strip_site_name(title[: separators[-1].start()].strip(), sitename, host)
    if is_site(title[: separators[0].start()]):
        return title[separators[0].end():].strip()
    return title


SITE_MAX_WORDS = 6
# A kicker printed in the <h1> before the headline ("Opinion", "Politics |", "News") is this short.
KICKER_MAX_WORDS = 3
# "(video)", "[Watch]": a media tag after the headline.
_MEDIA_TAG = re.compile(r"\s*[\[(](?:watch|video|videos|photos?|pics|gallery|listen|audio)[\])]$", re.IGNORECASE)
# "Headline | Editorial": one word after a bar is the kind of article, not the headline.
_KIND_SUFFIX = re.compile(r"\s+\|\s+\w+$")
KIND_MIN_WORDS = 5


def _fold_quotes(value: str) -> str:
    return value.casefold().translate(_QUOTES)


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def tidy_headline(heading: str, meta_title: str | None) -> str:
    """The headline without a kicker the metadata title lacks ("Opinion | …", "News …"), a
    media tag ("(video)") or a one-word kind after a bar ("… | Editorial")."""
    heading = _MEDIA_TAG.sub("", heading)
    if meta_title:
        words, meta_words = heading.split(), _MEDIA_TAG.sub("", meta_title).split()
        extra = len(words) - len(meta_words)
        if 0 < extra <= KICKER_MAX_WORDS and [_fold_quotes(w) for w in words[extra:]] == [
            _fold_quotes(w) for w in meta_words
        ]:
            heading = " ".join(words[extra:])
        else:
            # "Open ProgressWhy collaborative thinking…": a kicker glued to the headline.
            folded, meta_folded = _fold_quotes(" ".join(words)), _fold_quotes(" ".join(meta_words))
            prefix = folded[: len(folded) - len(meta_folded)]
            if (len(meta_words) >= KIND_MIN_WORDS and folded.endswith(meta_folded) and prefix
                    and len(prefix.split()) <= KICKER_MAX_WORDS):
                heading = " ".join(meta_words)
    if _KIND_SUFFIX.search(heading) and len(heading.split()) >= KIND_MIN_WORDS + 2:
        heading = _KIND_SUFFIX.sub("", heading)
    return heading


def choose_title(meta_title: str | None, headings: Sequence[str], sitename: str | None = None,
                 others: Sequence[str] = ()) -> str:
    """The visible <h1> headline when it matches the metadata title (or one of ``others``, the
    page's other metadata titles), else the metadata title.

    Measured on the benchmark pages: the <h1> is the headline as printed, while metadata titles
    are often rewritten for search engines; an <h1> unrelated to them is a logo or a section name.
    """
    references = [ref for ref in (meta_title, *others) if ref]
    site = _key(sitename)
    for heading in headings:
        if site and _key(heading) == site:  # the logo's <h1>
            continue
        if not references:
            return tidy_headline(heading, None)
        words = set(_WORD.findall(heading.casefold()))
        for reference in references:
            ref_words = set(_WORD.findall(reference.casefold()))
            if words and len(words & ref_words) / len(words | ref_words) >= HEADLINE_OVERLAP:
                return tidy_headline(heading, reference)
    return tidy_headline(meta_title, None) if meta_title else ""


def headings(tree: HtmlElement, limit: int = 3) -> list[str]:
    """The text of the page's first few <h1> elements (white space folded, empty ones skipped)."""
    found = []
    for element in tree.iter("h1"):
        text = _SPACES.sub(" ", element.text_content()).strip()
        if text and len(text) <= 300:
            found.append(text)
            if len(found) == limit:
                break
    return found
