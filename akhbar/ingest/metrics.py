"""Clustering quality: BCubed and pairwise precision, recall and F1 against gold labels."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PRF:
    """Precision, recall and their harmonic mean."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _check(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> list[str]:
    """The item ids, which must be the same in both mappings."""
    if set(predicted) != set(gold):
        missing = set(gold) ^ set(predicted)
        raise ValueError(f"predicted and gold cover different items, e.g. {sorted(missing)[:3]}")
    return sorted(gold)


def bcubed(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> PRF:
    """BCubed precision/recall (Bagga & Baldwin 1998): per item, the share of its predicted
    cluster that shares its gold class, and of its gold class that shares its predicted cluster,
    averaged over items."""
    items = _check(predicted, gold)
    if not items:
        return PRF(1.0, 1.0)
    joint = Counter((predicted[i], gold[i]) for i in items)
    pred_size = Counter(predicted[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    precision = sum(joint[(predicted[i], gold[i])] / pred_size[predicted[i]] for i in items)
    recall = sum(joint[(predicted[i], gold[i])] / gold_size[gold[i]] for i in items)
    return PRF(precision / len(items), recall / len(items))


def pairwise(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> PRF:
    """Pairwise precision/recall over all pairs of items put together (1.0 when no pairs)."""
    items = _check(predicted, gold)
    joint = Counter((predicted[i], gold[i]) for i in items)
    pred_size = Counter(predicted[i] for i in items)
    gold_size: defaultdict[Hashable, int] = defaultdict(int)
    for i in items:
        gold_size[gold[i]] += 1

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    together = sum(pairs(n) for n in joint.values())
    predicted_pairs = sum(pairs(n) for n in pred_size.values())
    gold_pairs = sum(pairs(n) for n in gold_size.values())
    return PRF(
        together / predicted_pairs if predicted_pairs else 1.0,
        together / gold_pairs if gold_pairs else 1.0,
    )
