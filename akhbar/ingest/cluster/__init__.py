"""Story clustering: which recent story each new article belongs to, across languages.

One module per job: :mod:`.config` (settings and the article type), :mod:`.terms` (lexical
terms), :mod:`.entities` (cross-script anchors), :mod:`.embed` (sentence embeddings),
:mod:`.memory` (recent stories and term rarity), :mod:`.score` (article-to-story scores),
:mod:`.merge` (the merge pass), :mod:`.clusterer` (assignment, state), :mod:`.command`
(``akhbar cluster``).
"""

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
