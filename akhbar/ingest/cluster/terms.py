"""Lexical terms of an article for story clustering: folded title words and character grams.

Stored features carry :data:`TERMS_VERSION`; features made under other rules are recomputed
(terms only, no re-embedding) by whoever stores them, so bump it whenever a change here would
give any article other terms.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from akhbar.ingest.normalize import fold_text

# The version of the term rules below (stopwords, date words, stems, grams, hashing). 1: words
# without days, months and day numbers (features stored before carry no version).
TERMS_VERSION = 1

# Function words of French, English and Arabic (folded), left out of the lexical overlap.
_STOPWORDS = frozenset(
    fold_text(
        "le la les l de des du d un une et à au aux en pour par sur dans avec sans son sa ses "
        "leur leurs est sont été être a ont avait qui que qu ce cet cette ces il elle ils elles on "
        "nous vous ne pas plus se s y ou où après avant contre entre selon lors depuis comme mais "
        "tout tous the of and to in on for with at by from as is are was were be been has have "
        "had it its this that these those an or not after before over into about than new says "
        "في من على إلى الى عن مع أن ان إن هذا هذه التي الذي الذين و ثم قد لا لم لن ما كما بعد قبل "
        "بين حول خلال عند كان كانت يوم أمس اليوم"
    ).split()
)
_ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
# Days and months (French, English, Arabic with the Maghreb's month names), folded: they say
# when, not what (time is compared through the publication dates), and left in they joined
# "Horoscope du jeudi 27 juin" to "Canicule : les prévisions pour ce jeudi 27 juin". March
# (mars, march, مارس) stays: a planet, a protest, a verb.
_DATE_WORDS = frozenset(
    fold_text(
        "lundi mardi mercredi jeudi vendredi samedi dimanche janvier février avril mai "
        "juin juillet août septembre octobre novembre décembre monday tuesday wednesday "
        "thursday friday saturday sunday january february april may june july august "
        "september october november december الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة "
        "السبت الأحد يناير فبراير أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر "
        "ديسمبر جانفي فيفري أفريل ماي جوان جويلية أوت"
    ).split()
)

NO_TERMS: npt.NDArray[np.uint32] = np.zeros(0, dtype=np.uint32)
# Lexical terms are hashed into this many buckets (document frequencies are an array of it).
TERM_BUCKETS = 1 << 20


def _topic_words(text: str, max_words: int) -> list[str]:
    """Folded words of text, without days, months and day numbers (at most max_words read)."""
    return [w for w in fold_text(text).split()[:max_words]
            if w not in _DATE_WORDS and not (w.isdigit() and len(w) <= 2)]


def content_stems(title: str, text: str = "", *, max_words: int = 30) -> frozenset[str]:
    """Folded content words of the title (or the start of the text when there is no title),
    cut to 6 letters so that inflections of one word meet (démission / démissionne)."""
    source = title if title.strip() else text
    stems = set()
    for word in _topic_words(source, max_words):
        if word in _STOPWORDS or len(word) < 3:
            continue
        for prefix in _ARTICLE_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix) :]
                break
        stems.add(word[:6])
    return frozenset(stems)


def lexical_terms(title: str, text: str = "", anchors: Iterable[str] = (), *,
                  max_words: int = 30) -> npt.NDArray[np.uint32]:
    """Hashed lexical terms of an article: the content stems and the 3- and 4-letter
    character grams of its folded title (of the start of its text when it has no title), and
    its anchors other than plain numbers (which carry across scripts)."""
    source = title if title.strip() else text
    words = _topic_words(source, max_words)
    terms = {f"w:{stem}" for stem in content_stems(title, text, max_words=max_words)}
    for word in words:
        padded = f" {word} "
        for n in (3, 4):
            terms.update(f"g:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    terms.update(f"a:{a}" for a in anchors if not a.startswith("num:"))
    hashed = {zlib.crc32(t.encode("utf-8")) % TERM_BUCKETS for t in terms}
    return np.array(sorted(hashed), dtype=np.uint32)


def encode_terms(terms: npt.NDArray[np.uint32]) -> str:
    """Terms as stored in JSON features (base64 of little-endian uint32)."""
    return base64.b64encode(np.asarray(terms, dtype="<u4").tobytes()).decode("ascii")


def decode_terms(data: Mapping[str, Any]) -> npt.NDArray[np.uint32]:
    """The terms stored in JSON features (none when absent)."""
    raw = data.get("terms")
    if not raw:
        return NO_TERMS
    return np.frombuffer(base64.b64decode(raw), dtype="<u4").astype(np.uint32)
