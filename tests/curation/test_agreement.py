import numpy as np
import pandas as pd
import pytest

from scoping.curation import agreement, cohen_kappa, fleiss_kappa, percent_agreement


def test_cohen_kappa_hand_worked():
    # 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    # p_o = 35/50 = 0.70; p_e = 0.5*0.6 + 0.5*0.4 = 0.50; kappa = (0.70-0.50)/(1-0.50) = 0.40
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert percent_agreement(a, b) == pytest.approx(0.70)
    assert cohen_kappa(a, b) == pytest.approx(0.40)


def test_fleiss_kappa_hand_worked():
    # Fleiss (1971) style table: 10 subjects, 14 raters, 5 categories.
    # P-bar = 0.3780, P_e = 0.2127 (from the column shares), kappa = 0.2099.
    table = np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    )
    assert fleiss_kappa(table) == pytest.approx(0.2099, abs=1e-4)


def test_fleiss_needs_equal_ratings():
    with pytest.raises(ValueError, match="same number of ratings"):
        fleiss_kappa(np.array([[1, 1], [1, 0]]))


def _current(rows):
    return pd.DataFrame(rows, columns=["reviewer", "target", "decision"])


def test_agreement_counts_only_shared_records():
    current = _current(
        [
            ("A", "r1", "include"),
            ("B", "r1", "include"),
            ("A", "r2", "exclude"),
            ("B", "r2", "include"),
            ("A", "r3", "exclude"),
        ]
    )  # r3 seen by A only: not counted
    result = agreement(current)
    assert result["records"] == 2 and result["statistic"] == "Cohen's kappa"
    assert result["percent_agreement"] == 0.5


def test_agreement_three_reviewers_uses_fleiss():
    current = _current(
        [(r, t, "include") for r in "ABC" for t in ("r1", "r2")]
        + [("A", "r3", "exclude"), ("B", "r3", "exclude"), ("C", "r3", "include")]
    )
    result = agreement(current)
    assert result["statistic"] == "Fleiss' kappa" and result["records"] == 3


def test_agreement_with_one_reviewer():
    assert agreement(_current([("A", "r1", "include")]))["records"] == 1
