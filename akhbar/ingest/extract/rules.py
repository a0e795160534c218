"""Per-outlet extraction rules: the registry's optional ``[source.extract]`` table, as data.

For an outlet the generic path gets wrong, four CSS selectors, each optional:

- ``content``: the element(s) holding the article (the generic extractor runs inside them only);
- ``drop``: selectors of blocks to remove before extraction (a list);
- ``date``: the element printing the publication date (its ``datetime`` / ``content``
  attribute, else its text, read like any printed date line);
- ``author``: the byline element(s) (names only: "Par …", newsroom and dates are dropped).

Selectors are compiled to XPath once, when the registry is loaded: a bad one stops the load.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from lxml.html import HtmlElement, fromstring

from akhbar.ingest.extract.metadata import PageMetadata, person_names

RULE_KEYS = ("content", "drop", "date", "author")


class RuleError(ValueError):
    """A rule table that cannot be used (unknown key, bad selector)."""


@lru_cache(maxsize=512)
def css_to_xpath(selector: str) -> str:
    """The XPath of a CSS selector; RuleError when it is not valid CSS."""
    from cssselect import HTMLTranslator, SelectorError

    try:
        return HTMLTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise RuleError(f"{selector!r} is not a valid CSS selector: {exc}") from exc


@dataclass(frozen=True)
class ExtractRules:
    """One outlet's selectors (CSS, as written in the registry)."""

    content: str = ""
    drop: tuple[str, ...] = ()
    date: str = ""
    author: str = ""

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> ExtractRules:
        """Validate a ``[source.extract]`` table; RuleError names the problem."""
        if not isinstance(table, Mapping):
            raise RuleError("extract must be a table such as extract = { content = \"article .body\" }")
        unknown = sorted(set(table) - set(RULE_KEYS))
        if unknown:
            raise RuleError(f"extract: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(RULE_KEYS)}")
        drop = table.get("drop", ())
        if isinstance(drop, str):
            drop = (drop,)
        if not isinstance(drop, list | tuple) or not all(isinstance(d, str) and d.strip() for d in drop):
            raise RuleError("extract.drop must be a list of CSS selectors")
        values = {}
        for key in ("content", "date", "author"):
            value = table.get(key, "")
            if not isinstance(value, str):
                raise RuleError(f"extract.{key} must be a CSS selector string")
            values[key] = value.strip()
        rules = cls(drop=tuple(d.strip() for d in drop), **values)
        for selector in (rules.content, rules.date, rules.author, *rules.drop):
            if selector:
                css_to_xpath(selector)
        return rules

    def as_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {k: getattr(self, k) for k in ("content", "date", "author") if getattr(self, k)}
        if self.drop:
            table["drop"] = list(self.drop)
        return table

    def drop_xpaths(self) -> list[str]:
        return [css_to_xpath(selector) for selector in self.drop]

    def _select(self, tree: HtmlElement, selector: str) -> list[HtmlElement]:
        if not selector:
            return []
        return [e for e in tree.xpath(css_to_xpath(selector)) if isinstance(e, HtmlElement)]

    def content_tree(self, tree: HtmlElement) -> HtmlElement | None:
        """A document made of the content elements only (None: no rule, or nothing matched)."""
        elements = self._select(tree, self.content)
        if not elements:
            return None
        document = fromstring("<html><body></body></html>")
        body = document.find("body")
        assert body is not None
        for element in elements:
            body.append(copy.deepcopy(element))
        return document

    def date_lines(self, tree: HtmlElement) -> list[str] | None:
        """The date element's machine value and text, for the date reader (None: no rule)."""
        if not self.date:
            return None
        lines = []
        for element in self._select(tree, self.date):
            for value in (element.get("datetime"), element.get("content"), element.text_content()):
                if value and value.strip():
                    lines.append(" ".join(value.split()))
        return lines

    def apply_metadata(self, tree: HtmlElement, page: PageMetadata) -> PageMetadata:
        """The page's metadata with the rule's authors, when the rule finds some."""
        names: list[str] = []
        for element in self._select(tree, self.author):
            names.extend(person_names(element.get("content") or element.text_content()))
        return replace(page, authors=tuple(dict.fromkeys(names))) if names else page
