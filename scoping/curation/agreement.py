"""Agreement between reviewers, over the records they all saw, per stage.

Cohen's kappa (two reviewers, scikit-learn's implementation), Fleiss' kappa (three or
more, each record rated by all), and percentage agreement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def percent_agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of items on which two reviewers gave the same decision."""
    if not len(a):
        return float("nan")
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two reviewers' decisions on the same items."""
    # scikit-learn is loaded here, not with the module: every command loads this
    # package (with the store); `scoping --help` took 2.8 s with it loaded, 1.2 s without.
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(list(a), list(b)))


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa from an items x categories table of rating counts.

    Every item must have the same number of ratings.

    >>> round(fleiss_kappa(np.array([[2, 0], [0, 2], [1, 1]])), 4)
    0.3333
    """
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(axis=1)
    if len(set(n)) != 1:
        raise ValueError("every item needs the same number of ratings for Fleiss' kappa")
    raters = n[0]
    p_items = ((counts * (counts - 1)).sum(axis=1)) / (raters * (raters - 1))
    p_bar = p_items.mean()
    p_cat = counts.sum(axis=0) / counts.sum()
    p_e = (p_cat**2).sum()
    return float((p_bar - p_e) / (1 - p_e)) if p_e < 1 else 1.0


def agreement(current: pd.DataFrame) -> dict[str, float | int | str]:
    """Agreement of the reviewers in ``current`` (one stage's latest decisions).

    Only records every reviewer decided are counted. With two reviewers: percentage
    agreement and Cohen's kappa; with more: mean pairwise agreement and Fleiss' kappa.
    """
    table = current.pivot(index="target", columns="reviewer", values="decision").dropna()
    reviewers = list(table.columns)
    out: dict[str, float | int | str] = {"reviewers": len(reviewers), "records": len(table)}
    if len(reviewers) < 2 or table.empty:
        return out | {"statistic": "none (fewer than two reviewers on shared records)"}
    if len(reviewers) == 2:
        a, b = table[reviewers[0]], table[reviewers[1]]
        return out | {
            "percent_agreement": percent_agreement(a, b),
            "kappa": cohen_kappa(a, b),
            "statistic": "Cohen's kappa",
        }
    categories = sorted(set(table.values.ravel()))
    counts = np.array([[list(row).count(c) for c in categories] for row in table.values])
    pairs = [
        percent_agreement(table[x], table[y])
        for i, x in enumerate(reviewers)
        for y in reviewers[i + 1 :]
    ]
    return out | {
        "percent_agreement": float(np.mean(pairs)),
        "kappa": fleiss_kappa(counts),
        "statistic": "Fleiss' kappa",
    }
