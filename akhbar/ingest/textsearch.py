"""Text analysis for full-text search: the same tokens at index time and at query time.

Plain Python (no Django): both search engines (SQLite FTS5, PostgreSQL) index the tokens made
here, so a word matches the same way on either. Neither engine's own analysis is enough:
FTS5 has no stemmer, PostgreSQL's ``arabic`` configuration does not remove the article "ال"
and stems "انتخابات" and "الانتخابات" differently (measured: DESIGN.md), so Arabic is
normalised here before the Snowball stemmer (PyStemmer, the same algorithms as PostgreSQL's
snowball dictionaries) sees it.

Each word gives two tokens: its *stem* (folded, elision and Arabic proclitics removed, then
stemmed in the text's language) for word and phrase matching, and its *surface* form (folded,
clitics removed, not stemmed) for ``prefix*`` matching, since a prefix must be compared with
what the reader sees, not with a stem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

from akhbar.ingest.normalize import fold_text

# Languages with a stemmer; any other language's Latin words are stemmed as French (the
# Maghreb press quotes French names and words in Arabic text).
STEMMERS = {"fr": "french", "en": "english", "ar": "arabic"}
LATIN_LANGUAGES = ("fr", "en")

# French elision: "l'élection", "d’un", "qu'il", "jusqu'au" → the word after the apostrophe.
_ELISION = re.compile(r"\b(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ`´](?=\w)", re.IGNORECASE)

# Arabic proclitics before the article: wa-, fa-, bi-, ka-, li- (li+al contracts to "لل").
# Longest first; stripped only when at least two letters remain ("الي" stays "الي").
_AR_PREFIXES = ("وبال", "وكال", "فبال", "فكال", "ولل", "فلل", "وال", "فال", "بال", "كال", "لل", "ال")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")

# A few of each language's most frequent words. They are indexed (phrases keep their
# positions) but dropped from a query that has other words, where they would only slow it.
STOP_WORDS = frozenset(
    "le la les l un une des du de d et ou en au aux a à ce ces cet cette il elle ils elles "
    "on se sa son ses sur pour par dans avec est sont qui que qu ne pas plus the an and or of "
    "to in on for is are was were be by with at as it its this that from "
    "في من على الى عن ان او ما لا مع هذا هذه التي الذي كان قد ثم".split()
)

# Bump when the analysis changes what a word becomes (folding, clitics, stemmer, stop words):
# an index built by another version no longer meets the queries, and /healthz says so until
# `akhbar search --reindex` has run.
ANALYSIS_VERSION = 2  # 2: Arabic article prefix tokens (see article_token)

MIN_PREFIX = 3  # a shorter prefix would expand to too many words to be useful or fast


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer:
    # One stemmer per language per process; PyStemmer's own cache keeps frequent words.
    return Stemmer.Stemmer(STEMMERS[language])


def is_arabic(word: str) -> bool:
    """Whether a (folded) word is written in Arabic script."""
    return bool(_ARABIC_LETTER.search(word))


def strip_proclitics(word: str) -> str:
    """An Arabic word without its article and the proclitics before it."""
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


@lru_cache(maxsize=1 << 16)
def _unclitic(word: str) -> str:
    return strip_proclitics(word) if is_arabic(word) else word


def _folded(text: str) -> list[str]:
    return fold_text(_ELISION.sub("", unicodedata.normalize("NFKC", text))).split()


def surface_words(text: str) -> list[str]:
    """The folded words of a text, French elision and Arabic proclitics removed, in order."""
    return [_unclitic(w) for w in _folded(text)]


# Arabic short prefixes. A reader typing ``الان*`` means the words that begin with "al-an"
# (الانتخابات، والانتخابات، للانتخابات، الآن): without its article the prefix is two letters,
# too short to search for, and the bare word "ان" is a stop word. So each Arabic word that
# carried the article (after any proclitic) is also indexed, for prefixes only, as "ال" and
# the first ARTICLE_LETTERS letters after it, and such a query searches for that token.
ARTICLE_LETTERS = MIN_PREFIX - 1


@lru_cache(maxsize=1 << 16)
def article_token(word: str) -> str:
    """For a folded word: "ال" + the first letters after its proclitics and article, when it
    is an Arabic word that had them stripped (``strip_proclitics``); "" otherwise."""
    if not is_arabic(word):
        return ""
    rest = strip_proclitics(word)
    return "ال" + rest[:ARTICLE_LETTERS] if rest != word else ""


def prefix_words(text: str) -> list[str]:
    """The tokens a ``prefix*`` query is compared with: the surface words, then the article
    tokens of the Arabic words that carried the article (index time and snippets)."""
    folded = _folded(text)
    words = [_unclitic(w) for w in folded]
    return words + [t for t in map(article_token, folded) if t]


def query_prefix(text: str) -> str:
    """The token a reader's ``prefix*`` (without the star) is searched as; "" when it is not a
    single word. Arabic proclitics and the article are removed as in the index; when fewer
    than MIN_PREFIX letters are left, the article is kept (``الان*`` → "الان", matched against
    the article tokens)."""
    folded = _folded(text)
    if len(folded) != 1:
        return ""
    word = folded[0]
    if is_arabic(word):
        for prefix in _AR_PREFIXES:
            if word.startswith(prefix) and len(word) > len(prefix):
                rest = word[len(prefix):]
                return rest if len(rest) >= MIN_PREFIX else "ال" + rest
    return _unclitic(word)


@lru_cache(maxsize=1 << 16)
def stem(word: str, language: str) -> str:
    """The stem of one surface word (see ``surface_words``) as written in ``language``.

    Cached: words follow Zipf's law, so most of an article's words were stemmed before."""
    if word.isdigit():
        return word
    if is_arabic(word):
        return _stemmer("ar").stemWord(word)
    lang = language if language in LATIN_LANGUAGES else "fr"
    # The French stemmer leaves accents in ("élect"): fold again so "election" meets it.
    return fold_text(_stemmer(lang).stemWord(word)).replace(" ", "") or word


def analyze(text: str, language: str) -> tuple[list[str], list[str]]:
    """A text's stems and surface words, position by position (index time)."""
    stems, words, _ = analyze_with_prefixes(text, language)
    return stems, words


def analyze_with_prefixes(text: str, language: str) -> tuple[list[str], list[str], list[str]]:
    """``analyze``, and the text's Arabic article tokens (``article_token``) for prefixes."""
    folded = _folded(text)
    words = [_unclitic(w) for w in folded]
    stemmer_lang = language if language in STEMMERS else "fr"
    return ([stem(w, stemmer_lang) for w in words], words,
            [t for t in map(article_token, folded) if t])


def stem_forms(word: str, languages: Iterable[str]) -> list[str]:
    """The stems a query word may have been indexed under, given the articles' languages.

    A Latin word in a query of unknown language is stemmed as French and as English: an
    English article's "elections" and a French one's "élections" are both found.
    """
    if word.isdigit() or is_arabic(word):
        return [stem(word, "ar")]
    langs = [lang for lang in languages if lang in LATIN_LANGUAGES] or list(LATIN_LANGUAGES)
    return sorted({stem(word, lang) for lang in langs})
