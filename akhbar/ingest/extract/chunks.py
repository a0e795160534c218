"""An article split into several containers of one kind, joined when the extraction stops at the
first.

Some layouts cut the article's text into chunks, each in its own container with the same class,
with advertisements or a newsletter box between them (``<div class="article__chunks">`` of
``<div class="grid"><div class="body">…</div></div>`` rows). trafilatura takes the first
container that looks like a body and stops there: the rest of the article is lost. When the
extracted text holds the first chunk's paragraphs but not the second's, the later chunks'
children are moved into the first chunk, in order, and the extraction is run again.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

# A chunk holds at least one paragraph this long (navigation and teasers do not).
CHUNK_PARAGRAPH_CHARS = 150
# The extraction "holds" a chunk when it has this share of its long paragraphs.
FOUND_SHARE = 0.5
_SPACE = re.compile(r"\s+")


def _key(element: HtmlElement) -> tuple[str, str] | None:
    """The chunk's kind: its tag and class; None for an element without a class."""
    classes = (element.get("class") or "").split()
    return (str(element.tag), " ".join(classes)) if classes else None


def split_body(tree: HtmlElement) -> list[tuple[HtmlElement, list[str]]]:
    """The article's chunks, when it has several: each container with its long paragraphs.

    Chunks are containers of the same tag and class, each with a long paragraph of its own,
    whose rows are siblings (each chunk is a child of its own row, the rows children of one
    element), so that teasers of other articles in a list of one class are not taken for the
    article. The longest such group is the article's; empty when there is none.
    """
    groups: dict[tuple[str, str], list[tuple[HtmlElement, list[str]]]] = {}
    for paragraph in tree.iter("p"):
        parent = paragraph.getparent()
        text = _SPACE.sub(" ", paragraph.text_content()).strip()
        if parent is None or len(text) < CHUNK_PARAGRAPH_CHARS or (key := _key(parent)) is None:
            continue
        members = groups.setdefault(key, [])
        for member, texts in members:
            if member is parent:
                texts.append(text)
                break
        else:
            members.append((parent, [text]))
    best: list[tuple[HtmlElement, list[str]]] = []
    for members in groups.values():
        rows = [member.getparent() for member, _ in members]
        if len(members) < 2 or any(row is None for row in rows) or len({id(row) for row in rows}) != len(rows):
            continue
        if len({id(row.getparent()) for row in rows if row is not None}) != 1:
            continue
        if sum(len(t) for _, texts in members for t in texts) > sum(len(t) for _, texts in best for t in texts):
            best = members
    return best


def stopped_at_first(chunks: list[tuple[HtmlElement, list[str]]], text: str) -> bool:
    """True when ``text`` holds the first chunk's long paragraphs but not the second's (the
    extraction stopped where the article goes on)."""
    flat = _SPACE.sub(" ", text)

    def found(texts: list[str]) -> float:
        return sum(t in flat for t in texts) / len(texts)

    return found(chunks[0][1]) >= FOUND_SHARE and found(chunks[1][1]) < FOUND_SHARE


def join_chunks(chunks: list[tuple[HtmlElement, list[str]]]) -> None:
    """Move the later chunks' content into the first, in order (the tree is changed in place)."""
    first = chunks[0][0]
    for member, _ in chunks[1:]:
        if member.text and member.text.strip():
            etree.SubElement(first, "p").text = member.text
            member.text = None
        for child in list(member):
            first.append(child)
