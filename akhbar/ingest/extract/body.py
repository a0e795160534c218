"""The article body: known boilerplate removed in every language, checked against JSON-LD.

trafilatura finds the main text; news pages then still carry blocks it keeps in some layouts:
"read also" links inside the text (French "Lire aussi", Arabic "اقرأ أيضا"), share bars,
newsletter boxes, photo captions and credits, related-article lists, cookie banners. They are
removed twice: by markup before extraction (class / id names every CMS uses, passed to
trafilatura as ``prune_xpath``) and by the text of a block after it (the block's first words).
When the page's JSON-LD carries an ``articleBody``, blocks absent from it are dropped (it is the
publisher's own statement of the text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from lxml.etree import _Element
from lxml.html import HtmlElement

from akhbar.ingest.extract.notices import is_boilerplate_block

# Markup of boilerplate blocks (class or id tokens), removed before extraction. Measured on the
# shared benchmark sets: each family removed leaks without losing article text.
_TOKENS = (
    # share bars and social buttons
    "share", "sharing", "social-share", "share-buttons", "sharedaddy", "addthis", "partage",
    # "read also" / related articles
    "read-also", "readalso", "lire-aussi", "lireaussi", "related", "also-read", "see-also",
    "more-stories", "recommended", "outbrain", "taboola",
    # newsletter and subscription boxes
    "newsletter", "signup", "abonnement",
    # cookie / consent banners
    "cookie", "consent", "gdpr", "rgpd",
    # captions and credits
    "caption", "credit", "wp-caption-text",
    # affiliate and advertiser disclosure boxes (long paragraphs, but never the article)
    "disclosure",
)
_LONG_BOILERPLATE = frozenset({"disclosure"})


_BOILERPLATE_ATTR = re.compile("|".join(re.escape(token) for token in _TOKENS))
# "no-share", "without-related": a theme flag on the article's own container.
_NEGATED = re.compile(r"\b(?:no|without|hide|has)-[\w-]+")
# An element holding more than this share of the page's text, or two paragraphs this long, is
# the article's container, whatever its class says.
WRAPPER_SHARE = 0.3
LONG_PARAGRAPH_CHARS = 250
# Never these: some themes put "share" or "related" in the body's or the article's class list.
_KEPT_TAGS = frozenset({"html", "body", "article", "main", "head"})


def _is_wrapper(element: HtmlElement, page_chars: int, long_paragraphs_allowed: bool = False) -> bool:
    """True for an element that holds the article itself ("entry-content no-share", a page-wide
    "share-zone"): a boilerplate block is a small part of the page without long paragraphs
    (a disclosure box may have some)."""
    if element.tag in ("script", "style", "noscript"):
        return False
    chars = len(element.text_content())
    if chars > WRAPPER_SHARE * page_chars:
        return True
    if long_paragraphs_allowed:
        return False
    long_paragraphs = 0
    for paragraph in element.iter("p"):
        if len(paragraph.text_content()) >= LONG_PARAGRAPH_CHARS:
            long_paragraphs += 1
            if long_paragraphs >= 2:
                return True
    return False


# Inline elements trafilatura's precision mode deletes with the text that follows them when they
# are empty ("<strong></strong>par un dirigeant…": the rest of the sentence).
_EMPTY_INLINE = frozenset({"b", "em", "i", "q", "span", "strong"})


def _mid_sentence(element: _Element) -> bool:
    """True for an element with text before it in its block (not an icon leading a line)."""
    previous = element.getprevious()
    if previous is not None:
        return True
    parent = element.getparent()
    return parent is not None and bool((parent.text or "").strip())


def _remove_keeping_tail(element: _Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def prune_boilerplate(tree: HtmlElement, extra_xpaths: Iterable[str] = ()) -> None:
    """Remove boilerplate blocks from ``tree`` in place (one pass over its elements).

    The same pass readies the text for trafilatura's precision mode: empty inline elements go
    (their following text stays), an e-mail link becomes its address (a paragraph holding only
    the address is no navigation link), and a linked paragraph that is boilerplate by its text
    ("Our Standards: <a>…</a>") is removed before its links make the article's last block look
    like navigation.
    """
    doomed = []
    long_doomed: set[_Element] = set()
    empty = []
    for element in tree.iter(tag=etree.Element):
        tag = element.tag
        if tag in _KEPT_TAGS:
            continue
        if tag == "figcaption":
            doomed.append(element)
            continue
        if (tag in _EMPTY_INLINE and element.text is None and not len(element) and element.tail
                and _mid_sentence(element)):
            empty.append(element)
            continue
        if tag == "a" and (element.get("href") or "").startswith("mailto:"):
            empty.append(element)
        elif tag == "p" and element.find(".//a") is not None and is_boilerplate_block(_block_text(element)):
            doomed.append(element)
            continue
        attrs = f"{element.get('class') or ''} {element.get('id') or ''}"
        if len(attrs) > 1 and (found := _BOILERPLATE_ATTR.search(_NEGATED.sub(" ", attrs.lower().replace("_", "-")))):
            doomed.append(element)
            if found.group() in _LONG_BOILERPLATE:
                long_doomed.add(element)
    if doomed:
        body = tree.find("body")
        page_chars = len((body if body is not None else tree).text_content()) or 1
        doomed = [e for e in doomed if not _is_wrapper(e, page_chars, e in long_doomed)]
    for path in extra_xpaths:
        doomed.extend(e for e in tree.xpath(path) if isinstance(e, HtmlElement))
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    for element in empty:
        if element.getparent() is None:
            continue
        if element.tag == "a":
            element.drop_tag()
        else:
            _remove_keeping_tail(element)


# JSON-LD articleBody checks: a reference this long is used; the extraction "holds" it when it
# has this share of its trigrams, "missed" it below that share, and is "much more" past this
# multiple of its length.
REFERENCE_MIN_CHARS = 500
REFERENCE_HELD = 0.75
REFERENCE_MISSED = 0.2
REFERENCE_EXCESS = 1.5
_WORD = re.compile(r"\w+")


def _block_text(element: _Element) -> str:
    return " ".join("".join(element.itertext()).split())


# Where a block's parts meet without a space in its markup (list items, table cells, lines).
_PARTS = frozenset({"item", "row", "cell", "lb", "p", "head", "list", "quote", "div"})


def _parts_text(element: _Element) -> str:
    """The block's text with its items, cells and lines apart ("2023: Rivas" "2022: Elfath",
    not "Rivas2022")."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        parts.append(node.text or "")
        for child in node:
            if child.tag in _PARTS:
                parts.append(" ")
            walk(child)
            parts.append(child.tail or "")

    walk(element)
    return " ".join("".join(parts).split())


# Containers trafilatura sometimes keeps around the paragraphs.
_CONTAINERS = frozenset({"div", "section"})


def drop_boilerplate_blocks(body: _Element) -> None:
    """Remove the extracted body's blocks that are boilerplate by their text: blocks (also inside
    a kept <div>), list items, and lines of a paragraph split by line breaks ("Also Read- …"
    inside a <p>)."""
    for element in list(body):
        if element.tag in _CONTAINERS:
            drop_boilerplate_blocks(element)
        # Text left between blocks ("<p>…</p>Also read: …<p>") is a line of its own.
        if element.tail and element.tail.strip() and is_boilerplate_block(" ".join(element.tail.split())):
            element.tail = None
        if is_boilerplate_block(_block_text(element)):
            body.remove(element)
        elif element.tag == "list":
            if _is_comment_thread(element):
                body.remove(element)
                continue
            for item in list(element):
                if is_boilerplate_block(_block_text(item)):
                    element.remove(item)
            if not len(element) and not (element.text or "").strip():
                body.remove(element)
        elif element.find("lb") is not None:
            _drop_boilerplate_lines(element)


# A reader's comment ends with its "Reply" link.
_REPLY = re.compile(r"(?:^|\W)(?:reply|répondre|repondre|رد)\W*$", re.IGNORECASE)


def _is_comment_thread(element: _Element) -> bool:
    """True for a list whose items are mostly readers' comments (each ends with "Reply")."""
    items = [item for item in element if _block_text(item)]
    return len(items) >= 2 and 2 * sum(bool(_REPLY.search(_block_text(item))) for item in items) >= len(items)


def _drop_boilerplate_lines(block: _Element) -> None:
    """Remove the lines of ``block`` (text between <lb/>) that are boilerplate."""
    # A line: where its text starts (the block, or the <lb/> whose tail it is) and its inline
    # elements.
    lines: list[tuple[_Element | None, list[_Element]]] = [(None, [])]
    for child in block:
        if child.tag == "lb":
            lines.append((child, []))
        else:
            lines[-1][1].append(child)
    if len(lines) < 2:
        return
    for start, inline in lines:
        head = block.text if start is None else start.tail
        text = " ".join(((head or "") + "".join("".join(e.itertext()) + (e.tail or "") for e in inline)).split())
        if not text or not is_boilerplate_block(text):
            continue
        for element in inline:
            block.remove(element)
        if start is None:
            block.text = None
        else:
            start.tail = None


def _grams(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i:i + size]) for i in range(max(len(words) - size + 1, 1))} if words else set()


# How a teaser ends where the article goes on.
_TRUNCATED = ("…", "...", "[…]", "[...]", "(…)", "(...)")


def is_teaser(reference: str, text: str) -> bool:
    """True for a JSON-LD articleBody cut with an ellipsis where the page's text goes on much
    further: the article's first lines, no statement of what it holds."""
    return reference.rstrip().endswith(_TRUNCATED) and len(text) > REFERENCE_EXCESS * len(reference)


def check_with_reference(body: _Element, text: str, reference: str) -> _Element:
    """The body checked against the page's JSON-LD ``articleBody`` (``reference``).

    Three cases, measured on the shared sets: the extraction holds the reference and much more
    (a live page, comments, other articles): blocks absent from it are dropped; the extraction
    missed it (a teaser, another block of the page): the reference's paragraphs are the body;
    otherwise the blocks absent from it are dropped only when most of the text is in it.
    """
    if len(reference) >= REFERENCE_MIN_CHARS:
        covered = coverage(text, reference)
        if covered >= REFERENCE_HELD and len(text) > REFERENCE_EXCESS * len(reference):
            keep_in_reference(body, reference, force=True)
            return body
        if covered < REFERENCE_MISSED and len(reference) >= 2 * REFERENCE_MIN_CHARS and len(reference) > len(text):
            replacement = etree.Element("body")
            for paragraph in reference_paragraphs(reference):
                etree.SubElement(replacement, "p").text = paragraph
            return replacement
    keep_in_reference(body, reference)
    return body


def keep_in_reference(body: _Element, reference: str, *, force: bool = False) -> bool:
    """Drop the body's blocks absent from ``reference`` (the JSON-LD articleBody), but for long
    paragraphs among the ones it holds.

    Only when the reference is the whole article: most of the extracted text must be in it
    (a teaser or another article's body would remove real paragraphs). Returns True when
    applied.
    """
    ref = _grams(reference)
    if len(ref) < 20:
        return False
    blocks = [(element, _grams(_parts_text(element))) for element in body]
    total = sum(len(grams) for _, grams in blocks)
    inside = sum(len(grams & ref) for _, grams in blocks)
    if not total or (inside < 0.6 * total and not force):
        return False
    held = [bool(grams) and len(grams & ref) >= 0.2 * len(grams) for _, grams in blocks]
    last_held = max((i for i, h in enumerate(held) if h), default=-1)
    for i, (element, grams) in enumerate(blocks):
        # Some publishers' articleBody leaves paragraphs out (one with a lead-in callout, one
        # with an embed): a long paragraph before the reference's last one is kept.
        if grams and not held[i] and (i > last_held or len(_block_text(element)) < LONG_PARAGRAPH_CHARS):
            body.remove(element)
    return True


def reference_paragraphs(reference: str) -> Iterable[str]:
    """The JSON-LD articleBody's paragraphs (it separates them by line breaks, when at all)."""
    return (line.strip() for line in reference.splitlines() if line.strip())


def coverage(text: str, reference: str) -> float:
    """Share of ``reference``'s word trigrams found in ``text``."""
    ref = _grams(reference)
    return len(_grams(text) & ref) / len(ref) if ref else 0.0


# The standfirst: a block after the headline that says what the page's description says. Some
# layouts put it in the page's <header> (which trafilatura's precision mode drops) or outside the
# JSON-LD articleBody, or in a summary <div> of its own; it is the article's first paragraph.
STANDFIRST_MIN_CHARS = 40
# A truncated description's block may go on this much longer.
STANDFIRST_MORE_CHARS = 300
STANDFIRST_TAGS = ("h1", "h2", "h3", "h4", "p", "div")
_NON_ALNUM = re.compile(r"[\W_]+")


def _alnum_key(value: str) -> str:
    return _NON_ALNUM.sub("", value.casefold())


def find_standfirst(tree: _Element, description: str | None) -> str | None:
    """The visible block after the <h1> whose text is the page's ``description``, if any."""
    if not description or len(description) < STANDFIRST_MIN_CHARS:
        return None
    description = description.strip()
    # A description cut short ("… the minister said the…") is matched by its beginning.
    truncated = description.endswith(("…", "..."))
    stem = description.rstrip(" .…") if truncated else description
    want = _alnum_key(stem)
    seen_headline = tree.find(".//h1") is None
    for element in tree.iter(*STANDFIRST_TAGS):
        if element.tag == "h1":
            seen_headline = True
            continue
        if not seen_headline:
            continue
        # Its own text first: a heading left open by broken markup ("<h2>…</h3>") holds the
        # rest of the page.
        for text in (" ".join((element.text or "").split()), " ".join(element.text_content().split())):
            if not len(stem) <= len(text) <= len(stem) + (STANDFIRST_MORE_CHARS if truncated else 20):
                continue
            key = _alnum_key(text)
            if key == want or (truncated and key.startswith(want)):
                return text
    return None


def add_standfirst(body: _Element, standfirst: str | None) -> None:
    """Put the standfirst in front of the body when the extraction left it out."""
    if not standfirst or not len(body):
        return
    if _alnum_key(standfirst) in _alnum_key(" ".join(_block_text(element) for element in body)):
        return
    paragraph = etree.Element("p")
    paragraph.text = standfirst
    body.insert(0, paragraph)
