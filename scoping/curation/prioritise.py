"""Prioritised screening: rank unscreened records by predicted relevance.

It also replays fully labelled sets, to measure how much screening it saves.

The model is TF-IDF over title and abstract with a linear classifier, retrained after
every decision (as ASReview does). ``order="random"`` gives the calibration baseline.
All randomness comes from the ``seed`` arguments.

Metrics of a simulation (one seed), for N records of which R are relevant:

- ``n_at_95`` / ``n_at_100``: records screened (priors included) until 95 % / all of
  the relevant records had been found (95 % rounded up to whole records);
- ``wss_at_95`` = (N - n_at_95) / N - 0.05, the work saved over sampling at 95 % recall
  (Cohen et al. 2006, as ASReview reports it);
- ``recall``: recall after each screened record.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC
from threadpoolctl import ThreadpoolController

from ..errors import InputError

#: Classifiers by name (all fast enough to retrain after every decision).
CLASSIFIERS = ("svm", "nb", "logistic")


def features(
    texts: list[str], *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2
) -> sparse.csr_matrix:
    """TF-IDF features of the texts (sublinear term frequency, English stop words).

    Below 100 texts every term is kept (``min_df=1``): a small first batch of records
    would otherwise leave no vocabulary at all.
    """
    vectoriser = TfidfVectorizer(
        ngram_range=ngram_range,
        min_df=min_df if len(texts) >= 100 else 1,
        sublinear_tf=True,
        stop_words=sorted(ENGLISH_STOP_WORDS),
        lowercase=True,
    )
    return vectoriser.fit_transform(texts).tocsr()


def _model(name: str, seed: int) -> Any:
    if name == "nb":
        return MultinomialNB(alpha=3.822)  # ASReview's default smoothing for its NB model
    if name == "svm":
        return LinearSVC(C=0.11, class_weight="balanced", random_state=seed)
    if name == "logistic":
        return LogisticRegression(
            C=10.0, class_weight="balanced", solver="liblinear", random_state=seed
        )
    raise InputError(f"unknown classifier {name!r}; use one of {', '.join(CLASSIFIERS)}.")


@functools.cache
def _threads() -> ThreadpoolController:
    """The thread pools of the loaded native libraries, inspected once (inspecting is slow)."""
    return ThreadpoolController()


def _scores(
    x: sparse.csr_matrix, labelled: np.ndarray, labels: np.ndarray, classifier: str, seed: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Unlabelled rows, their relevance scores, and whether the scores are probabilities."""
    if len(set(labels.tolist())) < 2:
        raise InputError("prioritising needs at least one included and one excluded record.")
    pool = np.setdiff1d(np.arange(x.shape[0]), labelled)
    # One BLAS thread: on these small sparse fits, idle BLAS threads spinning on the
    # other cores made retraining 1.6 to 1.8 times slower (measured on 2 cores).
    with _threads().limit(limits=1):
        model = _model(classifier, seed).fit(x[labelled], labels)
        if hasattr(model, "predict_proba"):
            return pool, model.predict_proba(x[pool])[:, list(model.classes_).index(1)], True
        sign = 1 if model.classes_[1] == 1 else -1  # a margin ranks as well as a probability
        return pool, sign * model.decision_function(x[pool]), False


def rank(
    x: sparse.csr_matrix,
    labelled: np.ndarray,
    labels: np.ndarray,
    *,
    classifier: str = "logistic",
    seed: int = 0,
) -> np.ndarray:
    """Indices of the unlabelled rows of ``x``, most likely relevant first.

    Needs at least one relevant and one irrelevant label. Ties keep index order, so the
    ranking is deterministic.
    """
    pool, scores, _ = _scores(x, labelled, labels, classifier, seed)
    return pool[np.argsort(-scores, kind="stable")]


@dataclass
class Simulation:
    """One replay of a labelled set."""

    seed: int
    order: list[int]
    found: list[int] = field(repr=False)
    n_records: int = 0
    n_relevant: int = 0

    def screened_until(self, share: float) -> int:
        """Records screened until ``share`` of the relevant ones had been found."""
        need = math.ceil(share * self.n_relevant)
        return int(np.searchsorted(np.asarray(self.found), need) + 1)

    def wss(self, share: float = 0.95) -> float:
        """Work saved over sampling at ``share`` recall."""
        return (self.n_records - self.screened_until(share)) / self.n_records - (1 - share)


def simulate_once(
    x: sparse.csr_matrix,
    y: np.ndarray,
    seed: int,
    *,
    classifier: str = "logistic",
    order: str = "model",
    priors: tuple[int, int] = (1, 1),
) -> Simulation:
    """Replay the screening of a fully labelled set with one seed.

    Priors (``priors[0]`` included, ``priors[1]`` excluded records) are drawn with the
    seed exactly as ``asreview simulate --prior-seed seed`` draws them (a fresh
    ``RandomState(seed)`` for each class), so a comparison with ASReview is paired: the
    same seed starts both from the same records. Then the model picks the next record
    after every decision, until every relevant record is found (the rest of the order
    does not change the metrics).
    """
    relevant, irrelevant = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(relevant) < priors[0] or len(irrelevant) < priors[1]:
        raise InputError(
            "the labelled set has too few included or excluded records for the priors."
        )
    labelled = [
        int(i)
        for pool, n in ((relevant, priors[0]), (irrelevant, priors[1]))
        for i in np.random.RandomState(seed).choice(pool, n, replace=False)
    ]
    rng = np.random.default_rng(seed)
    priors_drawn = set(labelled)
    random_rest = (int(i) for i in rng.permutation(len(y)) if i not in priors_drawn)
    remaining = int(y.sum()) - priors[0]
    while remaining > 0:
        if order == "random":
            labelled.append(next(random_rest))
        else:
            idx = np.asarray(labelled)
            labelled.append(int(rank(x, idx, y[idx], classifier=classifier, seed=seed)[0]))
        remaining -= int(y[labelled[-1]])
    found = np.cumsum(y[np.asarray(labelled)]).tolist()
    return Simulation(seed, [int(i) for i in labelled], found, len(y), int(y.sum()))


def simulate(
    texts: list[str],
    labels: list[int] | np.ndarray,
    *,
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    classifier: str = "logistic",
    order: str = "model",
) -> dict[str, Any]:
    """Replay a labelled set once per seed; return the metrics as plain data (JSON)."""
    y = np.asarray(labels, dtype=int)
    x = features(texts)
    runs = [simulate_once(x, y, s, classifier=classifier, order=order) for s in seeds]
    per_seed = [
        {
            "seed": r.seed,
            "n_at_95": r.screened_until(0.95),
            "n_at_100": r.screened_until(1.0),
            "wss_at_95": round(r.wss(0.95), 4),
            "recall": [round(f / r.n_relevant, 4) for f in r.found],
        }
        for r in runs
    ]
    return {
        "records": len(y),
        "relevant": int(y.sum()),
        "classifier": classifier,
        "order": order,
        "seeds": list(seeds),
        "priors": {"included": 1, "excluded": 1},
        "mean_wss_at_95": round(float(np.mean([p["wss_at_95"] for p in per_seed])), 4),
        "mean_n_at_95": float(np.mean([p["n_at_95"] for p in per_seed])),
        "mean_n_at_100": float(np.mean([p["n_at_100"] for p in per_seed])),
        "runs": per_seed,
    }


@dataclass
class Queue:
    """The order to screen in next, with the stopping aid (shown, never applied)."""

    order: list[str]
    screened: int
    relevant_found: int
    expected_remaining: float | None
    consecutive_exclusions: int

    def stopping_advice(self, run: int = 100) -> str:
        """The stopping rule's verdict, for a person to weigh; it is never applied.

        Rule: stop after ``run`` exclusions in a row when fewer than one more relevant
        record is expected. The expectation sums the model's probabilities over the
        unscreened records; with class-balanced training it leans high (cautious).
        """
        expected = (
            "unknown" if self.expected_remaining is None else f"{self.expected_remaining:.1f}"
        )
        met = (
            self.consecutive_exclusions >= run
            and self.expected_remaining is not None
            and self.expected_remaining < 1
        )
        return (
            f"{self.screened} screened, {self.relevant_found} included; the last "
            f"{self.consecutive_exclusions} decisions were exclusions; about {expected} "
            f"relevant records expected among the rest. Rule ({run} exclusions in a row and "
            f"under 1 expected): {'met, consider stopping' if met else 'not met'}."
        )


def queue(
    texts: dict[str, str],
    decisions: list[tuple[str, str]],
    *,
    order: str = "model",
    classifier: str = "logistic",
    seed: int = 0,
    x: sparse.csr_matrix | None = None,
) -> Queue:
    """Unscreened records, most likely relevant first (or in seeded random order).

    Parameters
    ----------
    texts : dict
        record_id -> title and abstract.
    decisions : list of (record_id, decision)
        Decisions so far in the order they were made ("include", "exclude", "maybe";
        maybe counts as not relevant for training).
    x : sparse matrix, optional
        ``features()`` of the texts in sorted record_id order, when the caller keeps
        them between calls (the widget does: only the model changes per decision).
    """
    ids = sorted(texts)
    position = {rid: i for i, rid in enumerate(ids)}
    done = [(position[r], d) for r, d in decisions if r in position]
    seen = {i for i, _ in done}
    labels = np.array([int(d == "include") for _, d in done])
    streak = next((n for n, (_, d) in enumerate(reversed(done)) if d == "include"), len(done))
    if order == "random" or len(set(labels.tolist())) < 2:
        rng = np.random.default_rng(seed)
        rest = [i for i in rng.permutation(len(ids)) if i not in seen]
        return Queue([ids[i] for i in rest], len(done), int(labels.sum()), None, streak)
    if x is None:
        x = features([texts[r] for r in ids])
    pool, scores, probabilistic = _scores(
        x, np.array([i for i, _ in done]), labels, classifier, seed
    )
    ranked = pool[np.argsort(-scores, kind="stable")]
    expected = float(scores.sum()) if probabilistic else None
    return Queue([ids[i] for i in ranked], len(done), int(labels.sum()), expected, streak)
