"""Prioritised screening: rank unscreened records by predicted relevance.

It also replays fully labelled sets, to measure how much screening it saves.

A model is a row of :data:`MODELS`: how title and abstract become TF-IDF features, and
the linear classifier retrained on them after every decision (as ASReview does). The
default, ``elas-u4``, is the equivalent of ASReview 3's default model (ELAS u4): it tied
ASReview within 0.017 of WSS@95 on every labelled set tried, and no model chosen on those
sets was ahead of it on sets left out of the choice (``benchmarks/README.md``).
``order="random"`` gives the calibration baseline. All randomness comes from ``seed``.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC
from threadpoolctl import ThreadpoolController

from ..errors import InputError


@dataclass(frozen=True)
class Model:
    """A screening model: its TF-IDF settings, its classifier and its class weights.

    ``ratio``, when set, weighs the classes as ASReview's "balanced" sample weights do:
    each excluded record weighs ``n_included / (ratio * n_excluded)`` of an included
    one. Without it the classifier balances the classes itself.
    """

    vectoriser: dict[str, Any]
    classifier: Callable[[int], Any]
    ratio: float | None
    about: str


#: The screening models by name; every one is fast enough to retrain after each decision.
MODELS = {
    "elas-u4": Model(
        {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 1, "max_df": 0.95},
        lambda seed: LinearSVC(C=0.11, loss="squared_hinge", random_state=seed),
        9.8,
        "ASReview 3's default (ELAS u4): TF-IDF of words and word pairs, linear SVM",
    ),
    "logistic": Model(
        {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 2, "stop_words": "english"},
        lambda seed: LogisticRegression(
            C=10.0, class_weight="balanced", solver="liblinear", random_state=seed
        ),
        None,
        "TF-IDF of words and word pairs without stop words, logistic regression",
    ),
    "nb": Model(
        {"stop_words": "english"},
        lambda seed: MultinomialNB(alpha=3.822),
        1.2,
        "ASReview's ELAS u3: TF-IDF of words without stop words, naive Bayes",
    ),
}
#: The model used unless another is named.
DEFAULT_MODEL = "elas-u4"


def model(name: str) -> Model:
    """The model called ``name``; an unknown name is one clear error."""
    if name not in MODELS:
        raise InputError(f"unknown classifier {name!r}; use one of {', '.join(MODELS)}.")
    return MODELS[name]


@dataclass(frozen=True)
class Earlier:
    """Decisions already made on a related review: its texts and their 1/0 labels.

    Trained on beside the decisions of the review being screened (never screened,
    never counted), so a group screening an update starts from what it decided before.
    """

    texts: tuple[str, ...]
    labels: tuple[int, ...]
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError("an earlier review needs one label per text.")
        if len(set(self.labels)) < 2:
            raise InputError(
                f"{self.source or 'the earlier review'}: its decisions need at least one "
                "included and one excluded record to train on; screen some first, or leave "
                "it out."
            )

    def counts(self) -> dict[str, Any]:
        """How many earlier decisions, and of them included (plain data, for JSON)."""
        return {
            "source": self.source,
            "records": len(self.labels),
            "included": int(sum(self.labels)),
        }


def features(texts: list[str], classifier: str = DEFAULT_MODEL) -> sparse.csr_matrix:
    """TF-IDF features of the texts, as the model named ``classifier`` reads them.

    Below 100 texts every term is kept (``min_df=1``, ``max_df=1.0``): a small first
    batch of records would otherwise leave little or no vocabulary.
    """
    settings = dict(model(classifier).vectoriser)
    if len(texts) < 100:
        settings.update(min_df=1, max_df=1.0)
    return TfidfVectorizer(lowercase=True, **settings).fit_transform(texts).tocsr()


def sample_weights(labels: np.ndarray, ratio: float) -> np.ndarray:
    """ASReview's balanced sample weights: excluded records down-weighted to ``ratio``."""
    included = int(labels.sum())
    weight = np.where(labels == 1, 1.0, included / (ratio * (len(labels) - included)))
    return weight * (len(labels) / weight.sum())


def fit(x: sparse.csr_matrix, labels: np.ndarray, classifier: str, seed: int) -> Any:
    """The model named ``classifier`` fitted on the rows ``x`` with their 1/0 labels."""
    chosen = model(classifier)
    weights = None if chosen.ratio is None else sample_weights(labels, chosen.ratio)
    return chosen.classifier(seed).fit(x, labels, sample_weight=weights)


def _relevance(fitted: Any, x: sparse.csr_matrix) -> np.ndarray:
    """Scores of the rows: higher, more likely relevant."""
    if hasattr(fitted, "predict_proba"):
        return fitted.predict_proba(x)[:, list(fitted.classes_).index(1)]
    sign = 1 if fitted.classes_[1] == 1 else -1  # a margin ranks as well as a probability
    return sign * fitted.decision_function(x)


@functools.cache
def _threads() -> ThreadpoolController:
    """The thread pools of the loaded native libraries, inspected once (inspecting is slow)."""
    return ThreadpoolController()


def _scores(
    x: sparse.csr_matrix, labelled: np.ndarray, labels: np.ndarray, classifier: str, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The unlabelled rows and their relevance scores (higher: more likely relevant)."""
    if len(set(labels.tolist())) < 2:
        raise InputError("prioritising needs at least one included and one excluded record.")
    pool = np.setdiff1d(np.arange(x.shape[0]), labelled)
    if pool.size == 0:  # every record decided: nothing left to rank
        return pool, np.empty(0)
    # One BLAS thread: on these small sparse fits, idle BLAS threads spinning on the
    # other cores made retraining 1.6 to 1.8 times slower (measured on 2 cores).
    with _threads().limit(limits=1):
        return pool, _relevance(fit(x[labelled], labels, classifier, seed), x[pool])


#: Decisions needed before the estimate of relevant records left is given.
ESTIMATE_AFTER = 50


def relevant_left(labels: np.ndarray, unscreened: int) -> float | None:
    """Relevant records expected among the ``unscreened``, from the screening so far.

    The chance that a screened record was relevant is fitted as a logistic curve of its
    place in the order screened (``labels``, 1 relevant, in the order decided); that
    curve, carried on over the places still to screen and summed, is the estimate. A
    rate that is not falling is carried on as it is. It reads only the decisions, so it
    is the same whatever the model.
    Before :data:`ESTIMATE_AFTER` decisions, or with one class only, it is unknown
    (None): early on, the curve swings too much to mean anything.
    """
    if len(labels) < ESTIMATE_AFTER or len(set(labels.tolist())) < 2:
        return None
    place = np.arange(1, len(labels) + 1) / len(labels)
    curve = LogisticRegression(C=1e4).fit(place[:, None], labels)
    if curve.coef_[0, 0] >= 0:  # not falling: the rate so far, carried on
        return float(labels.mean() * unscreened)
    later = np.arange(len(labels) + 1, len(labels) + unscreened + 1) / len(labels)
    return float(expit(curve.intercept_[0] + curve.coef_[0, 0] * later).sum())


def rank(
    x: sparse.csr_matrix,
    labelled: np.ndarray,
    labels: np.ndarray,
    *,
    classifier: str = DEFAULT_MODEL,
    seed: int = 0,
) -> np.ndarray:
    """Indices of the unlabelled rows of ``x``, most likely relevant first.

    Needs at least one relevant and one irrelevant label. Ties keep index order, so the
    ranking is deterministic.
    """
    pool, scores = _scores(x, labelled, labels, classifier, seed)
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
    classifier: str = DEFAULT_MODEL,
    order: str = "model",
    priors: tuple[int, int] = (1, 1),
    extra: np.ndarray | None = None,
) -> Simulation:
    """Replay the screening of a fully labelled set with one seed.

    ``extra``: labels of the rows of ``x`` beyond ``y``, trained on at every step and
    never screened or counted: the group's own text of what it includes (labelled 1),
    or its decisions on an earlier, related review (:func:`simulate`).

    Priors (``priors[0]`` included, ``priors[1]`` excluded records) are drawn with the
    seed exactly as ``asreview simulate --prior-seed seed`` draws them (a fresh
    ``RandomState(seed)`` for each class), so a comparison with ASReview is paired: the
    same seed starts both from the same records. ``(0, 0)`` starts from the ``extra``
    rows alone, which then need both classes. Then the model picks the next record
    after every decision, until every relevant record is found (the rest of the order
    does not change the metrics).
    """
    extra = np.zeros(0, dtype=int) if extra is None else np.asarray(extra, dtype=int)
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
    extra_rows = list(range(len(y), len(y) + len(extra)))
    remaining = int(y.sum()) - priors[0]
    while remaining > 0:
        if order == "random":
            labelled.append(next(random_rest))
        else:
            idx = np.asarray(labelled + extra_rows, dtype=int)
            known = np.concatenate([y[labelled], extra]).astype(int)
            labelled.append(int(rank(x, idx, known, classifier=classifier, seed=seed)[0]))
        remaining -= int(y[labelled[-1]])
    found = np.cumsum(y[np.asarray(labelled, dtype=int)]).tolist()
    return Simulation(seed, [int(i) for i in labelled], found, len(y), int(y.sum()))


def simulate(
    texts: list[str],
    labels: list[int] | np.ndarray,
    *,
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    classifier: str = DEFAULT_MODEL,
    order: str = "model",
    criteria: str = "",
    earlier: Earlier | None = None,
    priors: tuple[int, int] = (1, 1),
) -> dict[str, Any]:
    """Replay a labelled set once per seed; return the metrics as plain data (JSON).

    ``criteria``: the group's own text of what it includes, trained on as one more
    included record (see :func:`simulate_once`); empty for none. ``earlier``: the
    group's decisions on an earlier, related review (an earlier round of the same
    question, say), trained on beside the decisions made so far; never screened.
    """
    y = np.asarray(labels, dtype=int)
    extra_texts = [criteria] if criteria.strip() else []
    extra = [1] * len(extra_texts)
    if earlier is not None:
        extra_texts += list(earlier.texts)
        extra += [int(v) for v in earlier.labels]
    x = features(list(texts) + extra_texts, classifier)
    runs = [
        simulate_once(
            x, y, s, classifier=classifier, order=order, priors=priors, extra=np.array(extra)
        )
        for s in seeds
    ]
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
        "criteria": criteria.strip(),
        "earlier": None if earlier is None else earlier.counts(),
        "order": order,
        "seeds": list(seeds),
        "priors": {"included": priors[0], "excluded": priors[1]},
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

        Rule: stop after ``run`` records in a row that were not included, when fewer
        than one more relevant record is expected (:func:`relevant_left`).
        """
        expected = (
            f"unknown before {ESTIMATE_AFTER} decisions with an inclusion"
            if self.expected_remaining is None
            else f"about {self.expected_remaining:.1f}"
        )
        met = (
            self.consecutive_exclusions >= run
            and self.expected_remaining is not None
            and self.expected_remaining < 1
        )
        return (
            f"{self.screened} screened, {self.relevant_found} included; "
            f"{self.consecutive_exclusions} screened since the last inclusion; relevant "
            f"records expected among the rest: {expected}. Rule ({run} in a row not "
            f"included, under 1 expected): {'met, consider stopping' if met else 'not met'}."
        )


def queue(
    texts: dict[str, str],
    decisions: list[tuple[str, str]],
    *,
    order: str = "model",
    classifier: str = DEFAULT_MODEL,
    seed: int = 0,
    x: sparse.csr_matrix | None = None,
    earlier: Earlier | None = None,
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
        :func:`queue_features` of the texts, when the caller keeps them between calls
        (the widget does: only the model changes per decision).
    earlier : Earlier, optional
        Decisions on an earlier, related review, trained on too: the order is the
        model's from the first record. The counts and the stopping aid are of this
        review's decisions only.
    """
    ids = sorted(texts)
    position = {rid: i for i, rid in enumerate(ids)}
    done = [(position[r], d) for r, d in decisions if r in position]
    seen = {i for i, _ in done}
    labels = np.array([int(d == "include") for _, d in done], dtype=int)
    before = np.array(earlier.labels if earlier else (), dtype=int)
    streak = next((n for n, (_, d) in enumerate(reversed(done)) if d == "include"), len(done))
    if order == "random" or len(set(labels.tolist() + before.tolist())) < 2:
        rng = np.random.default_rng(seed)
        rest = [i for i in rng.permutation(len(ids)) if i not in seen]
        expected = relevant_left(labels, len(rest))
        return Queue([ids[i] for i in rest], len(done), int(labels.sum()), expected, streak)
    if x is None:
        x = queue_features(texts, classifier, earlier)
    trained = np.array([i for i, _ in done] + list(range(len(ids), len(ids) + len(before))))
    pool, scores = _scores(
        x, trained.astype(int), np.concatenate([labels, before]), classifier, seed
    )
    ranked = pool[np.argsort(-scores, kind="stable")]
    expected = relevant_left(labels, len(pool))
    return Queue([ids[i] for i in ranked], len(done), int(labels.sum()), expected, streak)


def queue_features(
    texts: dict[str, str], classifier: str = DEFAULT_MODEL, earlier: Earlier | None = None
) -> sparse.csr_matrix:
    """The features :func:`queue` ranks by: the texts in record_id order, then the earlier's."""
    more = list(earlier.texts) if earlier else []
    return features([texts[r] for r in sorted(texts)] + more, classifier)
