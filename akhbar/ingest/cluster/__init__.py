"""Story clustering: which recent story each new article belongs to, across languages.

One module per job: :mod:`.config` (settings and the article type), :mod:`.terms` (lexical
terms), :mod:`.entities` (cross-script anchors), :mod:`.embed` (sentence embeddings),
:mod:`.memory` (recent stories and term rarity), :mod:`.score` (article-to-story scores),
:mod:`.merge` (the merge pass), :mod:`.clusterer` (assignment, state), :mod:`.command`
(``akhbar cluster``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from akhbar.ingest.cluster.clusterer import StoryClusterer
    from akhbar.ingest.cluster.config import ClusterConfig, ClusterDoc
    from akhbar.ingest.cluster.memory import terms_are_current, with_current_terms
    from akhbar.ingest.cluster.terms import (
        TERM_BUCKETS,
        TERMS_VERSION,
        content_stems,
        encode_terms,
        lexical_terms,
    )

# Loaded on first use (PEP 562): a submodule such as .entities (topics, in every web process)
# must not pull the clusterer's numpy and scipy (~50 MB) along with the package.
_LAZY = {
    "StoryClusterer": "clusterer", "ClusterConfig": "config", "ClusterDoc": "config",
    "terms_are_current": "memory", "with_current_terms": "memory",
    "TERM_BUCKETS": "terms", "TERMS_VERSION": "terms", "content_stems": "terms",
    "encode_terms": "terms", "lexical_terms": "terms",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TERMS_VERSION",
    "TERM_BUCKETS",
    "ClusterConfig",
    "ClusterDoc",
    "StoryClusterer",
    "content_stems",
    "encode_terms",
    "lexical_terms",
    "terms_are_current",
    "with_current_terms",
]
