"""The article-extraction benchmark's scoring, as its evaluate.py counts (bench/aeb.py)."""

from __future__ import annotations

import pytest

from bench.aeb import evaluate, page_scores, tp_fp_fn

TRUTH = "one two three four five six seven eight"


def test_a_page_is_normalised_shingle_counts() -> None:
    # 5 true shingles; the prediction holds the first 3 and adds "eight nine" (2 new shingles).
    tp, fp, fn = tp_fp_fn(TRUTH, "one two three four five six nine ten")
    assert (tp, fp, fn) == pytest.approx((3 / 7, 2 / 7, 2 / 7))
    # Tokens keep their case: "One" is another token.
    assert page_scores(TRUTH, TRUTH.replace("one", "One"))[0] == pytest.approx(4 / 5)


def test_means_leave_empty_predictions_out_of_precision() -> None:
    truths, predictions = [TRUTH] * 10, [TRUTH] * 9 + [""]
    metrics = evaluate(truths, predictions)
    assert metrics["precision"][0] == 1.0  # the empty page has no precision
    assert metrics["recall"][0] == pytest.approx(0.9)
    assert metrics["F1"][0] == pytest.approx(2 * 0.9 / 1.9)
    assert metrics["accuracy"][0] == pytest.approx(0.9)
    # Seeded bootstrap: the same figures each run.
    assert evaluate(truths, predictions) == metrics
