"""Language identification with py3langid, restricted to the languages we publish."""

from __future__ import annotations

from collections.abc import Sequence

import py3langid.langid as langid

# Used when the caller does not restrict: the editions' languages and their usual neighbours.
DEFAULT_LANGUAGES = ("fr", "ar", "en", "es", "de", "it", "pt", "nl", "tr", "fa", "ur")
# py3langid scores dialects separately; they count for the standard language.
_ALIASES = {"ary": "ar", "arz": "ar", "apc": "ar", "acm": "ar"}


def detect_language(text: str, allowed: Sequence[str] = ()) -> str | None:
    """ISO 639-1 code of ``text``'s language among ``allowed`` (or a default set); None if no text."""
    # 2,000 characters decide the language as well as the whole text, at a fraction of the cost.
    sample = text[:2000]
    if not any(ch.isalpha() for ch in sample):
        return None
    candidates = {code.lower() for code in (allowed or DEFAULT_LANGUAGES)}
    # rank() scores every language without touching py3langid's shared identifier, unlike
    # set_languages(), so concurrent callers with different ``allowed`` sets cannot interfere.
    for code, _score in langid.rank(sample):
        code = _ALIASES.get(code, code)
        if code in candidates:
            return code
    return None
