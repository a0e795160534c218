"""jusText's all-language stop words (trafilatura's balanced pass on a page of no stated
language) are held once per task worker, as a set, not also as a 154,000-word tuple."""

from __future__ import annotations

import json
import subprocess
import sys

from justext import get_stoplist, get_stoplists
from justext.core import define_stoplist
from trafilatura import external

import akhbar.ingest.extract.article  # noqa: F401  (sets trafilatura's stop-word key)

PAGE = """<html><body><div>
<p>Le conseil municipal a voté hier soir le budget de la ville pour l'année prochaine, après
un long débat entre la majorité et l'opposition sur le prix des transports publics.</p>
<p>Les élus de l'opposition ont demandé que les tarifs restent les mêmes pour les étudiants et
pour les personnes âgées, ce que le maire a promis d'étudier avant la fin du mois.</p>
<p><a href="/a">Accueil</a> | <a href="/b">Contact</a> | <a href="/c">Mentions légales</a></p>
</div></body></html>"""


def test_the_same_stop_words_reach_justext() -> None:
    assert not isinstance(external.JT_STOPLIST, tuple)
    # What trafilatura built (a tuple of every language's words), as jusText lower-cases it.
    original = tuple({word for language in get_stoplists() for word in get_stoplist(language)})
    assert define_stoplist(external.JT_STOPLIST) == frozenset(w.lower() for w in original)


def test_justext_keeps_the_same_paragraphs() -> None:
    from lxml.html import fromstring

    ours = external.try_justext(fromstring(PAGE), None, None)
    kept = [p.text for p in ours.iter("p")]
    assert len(kept) == 2 and kept[0].startswith("Le conseil municipal")
    original = tuple({word for language in get_stoplists() for word in get_stoplist(language)})
    saved = external.JT_STOPLIST
    external.JT_STOPLIST = original
    try:
        theirs = external.try_justext(fromstring(PAGE), None, None)
    finally:
        external.JT_STOPLIST = saved
    assert [p.text for p in theirs.iter("p")] == kept


MEASURE = """
import json, sys, tracemalloc
from lxml.html import fromstring
if sys.argv[1] == "akhbar":
    import akhbar.ingest.extract.article
from trafilatura import external
page = fromstring(sys.argv[2])
tracemalloc.start()
external.try_justext(page, None, None)
print(json.dumps(tracemalloc.get_traced_memory()[0]))
"""


def test_the_stop_words_cost_less_memory() -> None:
    def held(which: str) -> int:
        out = subprocess.run([sys.executable, "-c", MEASURE, which, PAGE], capture_output=True,
                             text=True, check=True, timeout=120).stdout
        return int(json.loads(out.strip().splitlines()[-1]))

    ours, trafilaturas = held("akhbar"), held("plain")
    # About 20 MB (the set jusText keeps) against about 34 MB (the tuple as well).
    assert ours < 0.7 * trafilaturas, (ours, trafilaturas)
