"""Language identification with py3langid, restricted to the languages we publish."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import py3langid.langid as langid

log = logging.getLogger(__name__)

# Used when the caller does not restrict: the editions' languages and their usual neighbours.
DEFAULT_LANGUAGES = ("fr", "ar", "en", "es", "de", "it", "pt", "nl", "tr", "fa", "ur")
# py3langid scores dialects separately; they count for the standard language.
_ALIASES = {"ary": "ar", "arz": "ar", "apc": "ar", "acm": "ar"}
# 1,000 characters decide among these languages as well as the whole text, at a fraction of the
# cost (py3langid walks the text byte by byte in Python).
SAMPLE_CHARS = 1000


def _cache_path(model: Path) -> Path:
    base = os.environ.get("AKHBAR_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(
        Path.home() / ".cache"
    )
    stat = model.stat()
    return Path(base) / "akhbar" / f"py3langid-{stat.st_size}-{int(stat.st_mtime)}.npz"


def _load_identifier() -> Any:
    """py3langid's identifier, from an uncompressed copy of its model when one is cached.

    The shipped model is LZMA-compressed: decompressing it costs ~0.5 s of CPU at every process
    start (``akhbar extract`` over a few files pays it whole). The first load writes the
    decompressed arrays under ~/.cache/akhbar (or $AKHBAR_CACHE_DIR); later ones read them.
    Any problem with the cache falls back on py3langid's own loader.
    """
    import numpy as np
    from py3langid.modelio import load_model

    model = langid.MODEL_DIR / langid.MODEL_FILE
    cache: Path | None = None
    try:
        cache = _cache_path(model)
        if cache.exists():
            with np.load(cache, allow_pickle=False) as data:
                nextmove = _array(data["nextmove"])
                row = _array(data["nextmove_row"])
                return langid.LanguageIdentifier(
                    np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
                    nextmove, data["out_feat"].tolist(), tk_row=row,
                )
    except Exception as exc:  # noqa: BLE001 — a damaged cache only costs the slow path
        log.debug("language model cache unusable: %s", exc)
    ptc, pc, classes, nextmove, row, output = load_model(model)
    identifier = langid.LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output,
                                           tk_row=row)
    try:
        if cache is None:
            return identifier
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache.parent, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, ptc=ptc, pc=pc, classes=np.array(classes), out_feat=np.asarray(output),
                     nextmove=np.frombuffer(nextmove, dtype=_dtype(nextmove)),
                     nextmove_row=np.frombuffer(row, dtype=_dtype(row)))
        os.replace(tmp.name, cache)
    except Exception as exc:  # noqa: BLE001 — read-only home, full disk: no cache, same result
        log.debug("language model cache not written: %s", exc)
    return identifier


def _dtype(values: Any) -> str:
    return {2: "uint16", 4: "uint32", 8: "uint64"}[values.itemsize]


def _array(values: Any) -> Any:
    from py3langid.modelio import _to_array

    return _to_array(values)


def _identifier() -> Any:
    if langid.IDENTIFIER is None:
        langid.IDENTIFIER = _load_identifier()
    return langid.IDENTIFIER


def detect_language(text: str, allowed: Sequence[str] = ()) -> str | None:
    """ISO 639-1 code of ``text``'s language among ``allowed`` (or a default set); None if no text."""
    sample = text[:SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None
    candidates = {code.lower() for code in (allowed or DEFAULT_LANGUAGES)}
    if len(candidates) == 1:
        return next(iter(candidates))
    # rank() scores every language without touching py3langid's shared identifier, unlike
    # set_languages(), so concurrent callers with different ``allowed`` sets cannot interfere.
    for code, _score in _identifier().rank(sample):
        code = _ALIASES.get(code, code)
        if code in candidates:
            return code
    return None
