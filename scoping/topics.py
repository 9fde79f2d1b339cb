"""Reproducible TF-IDF topic models, with the number of topics chosen by the data.

The model follows scikit-learn's conventions: parameters in ``__init__``, learnt state
in attributes ending in ``_``, ``fit`` / ``transform``. Every random step takes the
explicit ``random_state``; the same texts and parameters give the same topics, labels
and assignments in any process.

How k is chosen (``n_topics="auto"``), over ``k_range``:

1. For each k, fit the model and compute the **coherence** of each topic: the mean
   normalised pointwise mutual information (NPMI, Bouma 2009) of its top terms over
   pairs, from document co-occurrence in the corpus itself (no outside reference
   corpus). NPMI runs from -1 (never together) to 1 (always together).
2. Refit on ``n_stability_runs`` random subsamples (``subsample`` of the documents,
   each drawn from ``random_state``) and match each topic to its best partner
   (Hungarian matching on the Jaccard overlap of top terms). The mean matched overlap
   is the **stability** of that k (Greene, O'Callaghan and Cunningham 2014).
3. **Facets are joined** (``join_facets``): two topics whose document weights are
   positively correlated (Pearson, over the documents) turn up in the same records
   more often than chance would put them there; they are two facets of one subject
   ("cartilage / knee / autologous" and "cartilage / cells / repair"), not two
   subjects. The most correlated pair is joined (weights and terms added) until no
   pair is positively correlated. Coherence and stability are measured on the joined
   topics, each subsample refit joined by the same rule.
4. Among the k whose joined topics are mostly stable (at most a third flagged
   unstable; if no k qualifies, the k with the smallest share), take the most stable
   topics any k shows. If a k that shows that many joined facets, the corpus's
   subjects are all found (more topics only split them), and the smallest k that
   shows that many is chosen. When none did (every topic a subject of its own), the
   chosen k maximises coherence x stability instead. Either way a small corpus gets
   fewer, stable topics rather than many flagged ones. The whole table is kept in
   ``selection_``.
5. The range scales with the corpus (``k_range="auto"``: from 3 to 5 topics up to 6
   to 20, by the square root of the number of documents). A choice at the top of the
   range widens the search (up to twice, five more each time, at most 30); a choice at
   the bottom is said in ``selection_note_``.

Topic terms are about subjects: English stop words and the shipped research-method and
reporting words (:data:`METHOD_WORDS`: trial, randomised, qualitative, systematic
review, participants...) are left out of the vocabulary, plus any ``stop_words`` given.
Study designs stay available as codebook tags. Each topic's label is its most
*distinctive* terms (class-based TF-IDF, as BERTopic labels topics): frequent in its
records and rare elsewhere, two-word phrases included when the records write them so
(:func:`phrases_as_written`), a word mostly said in a phrase put as that phrase.

Each topic of the final model keeps its own stability; topics below
``stable_threshold`` are flagged ``stable=False`` in every output, never hidden.
On large corpora, model selection runs on a seeded sample of ``selection_sample``
documents and the final model is fitted on all of them.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer

from . import resources
from .atomic import Outputs
from .errors import InputError
from .tags import records_file
from .text import stem

METHODS = ("nmf", "lda")


def _method_words() -> tuple[str, ...]:
    """The shipped research-method and reporting words (``topic_stop_words.txt``)."""
    text = resources.path(resources.TOPIC_STOP_WORDS).read_text(encoding="utf-8")
    words = {w for line in text.splitlines() if not line.startswith("#") for w in line.split()}
    return tuple(sorted(words))


#: Research-method and reporting words kept out of topic terms by default.
METHOD_WORDS = _method_words()
#: The marker every title of the synthetic demonstration corpus starts with
#: ("[Synthetic demo]"), left out of that corpus's topic terms: its topics are about the
#: invented subjects (the packs still say SYNTHETIC on every page).
DEMO_MARK_WORDS = ("synthetic", "demo")


def corpus_stop_words(given: Iterable[str], synthetic: bool) -> tuple[str, ...]:
    """The words a corpus's topic models leave out besides the shipped lists.

    The workspace's own (``topics: stop_words``) and, on the synthetic demonstration
    corpus, its title marker (:data:`DEMO_MARK_WORDS`). The corpus model and every
    pack's own model take them from here.
    """
    return tuple(given) + (DEMO_MARK_WORDS if synthetic else ())


#: Most topics a search widened from the top of its range may reach.
K_CEILING = 30
#: Largest share of a k's topics that may be unstable for that k to be chosen.
MOST_UNSTABLE = 1 / 3
#: Fewest documents for which ``n_jobs`` starts worker processes (the demonstration
#: corpus's 261 works: 2.9 s of waiting for workers against about 1 s of fits).
PARALLEL_FROM = 2000


def auto_range(n_docs: int) -> tuple[int, int]:
    """The k tried for ``n_docs`` documents: 3 to 5 topics up to 6 to 20.

    Both ends grow with the square root of the corpus: about 280 records are searched
    over 3..8 topics, 1,000 over 5..16, 1,600 or more over 5..20.
    """
    root = float(np.sqrt(max(n_docs, 1)))
    low = int(np.clip(round(root / 6), 3, 5))
    return low, int(np.clip(round(root / 2), max(6, low + 1), 20))


def _stems(term: str) -> set[str]:
    return {stem(w) for w in term.split()}


def npmi(binary: csr_matrix, terms: np.ndarray) -> float:
    """Mean NPMI over pairs of ``terms`` (column indices) in a binary document matrix.

    A pair that never occurs together scores -1, the lowest value.
    """
    sub = binary[:, terms]
    n_docs = binary.shape[0]
    joint = (sub.T @ sub).toarray() / n_docs
    single = np.diag(joint).copy()
    upper = np.triu_indices(len(terms), k=1)
    p_ij = joint[upper]
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.log(p_ij / (single[upper[0]] * single[upper[1]])) / -np.log(p_ij)
    scores = np.where(p_ij > 0, scores, -1.0)
    scores = np.where(p_ij >= 1.0, 1.0, scores)
    return float(scores.mean()) if len(scores) else 0.0


def top_indices(components: np.ndarray, top_n: int) -> np.ndarray:
    """Column indices of each topic's ``top_n`` heaviest terms, heaviest first.

    Ties break on the term index, so the order never depends on the sort algorithm.
    """
    order = np.lexsort(
        (np.arange(components.shape[1])[None, :].repeat(len(components), 0), -components), axis=1
    )
    return order[:, :top_n]


def match_topics(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard overlap of top terms for each topic of ``a`` with its matched topic in ``b``.

    ``a`` and ``b`` are arrays of top-term indices (topics x terms); matching is
    one-to-one (Hungarian), so the score cannot be inflated by two topics matching one.
    """
    sets_a = [set(row) for row in a]
    sets_b = [set(row) for row in b]
    jaccard = np.array([[len(x & y) / len(x | y) for y in sets_b] for x in sets_a])
    rows, cols = linear_sum_assignment(-jaccard)
    matched = np.zeros(len(sets_a))
    matched[rows] = jaccard[rows, cols]
    return matched


def distinctive_terms(
    binary: csr_matrix, doc_topic: np.ndarray, terms: np.ndarray, top_n: int
) -> list[list[str]]:
    """Each topic's most distinctive terms, by class-based TF-IDF (as BERTopic does).

    A term's weight in a topic is how often it occurs in the topic's records (each
    record counted by its share of that topic), as a share of the topic's words, times
    ``log(1 + A / f)``: ``A`` is the mean number of words per topic, ``f`` the term's
    frequency over all topics. Frequent in one topic and rare in the rest ranks first.
    """
    totals = doc_topic.sum(axis=1, keepdims=True)
    share = np.divide(doc_topic, totals, out=np.zeros_like(doc_topic), where=totals > 0)
    counts = np.asarray((binary.T @ share).T)  # topics x terms
    within = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1e-12)
    spread = counts.sum(axis=0)
    weight = within * np.log1p(counts.sum() / counts.shape[0] / np.maximum(spread, 1e-12))
    return [[str(terms[i]) for i in row] for row in top_indices(weight, top_n)]


#: Where the words of a label's phrase may not be apart: a sentence's or clause's end, a
#: bracket.
_BREAKS = re.compile(r"(?<=[.!?;:])\s+|[()\[\]]")
#: How many records holding a phrase are read to see how it is written there.
_PHRASE_SAMPLE = 50


def phrases_as_written(
    phrases: Iterable[str], texts: list[str], binary: csr_matrix, vocabulary: dict, words: Any
) -> set[str]:
    """The two-word terms written as such, side by side in one sentence, in most records.

    The vectoriser pairs words that stand apart: across a sentence's end ("...staff
    care. Try..." gives "care try") or across a left-out word ("primary care could try"
    gives "care try" too). Such a pair is a feature of the model but no phrase a reader
    knows, so labels leave it out. For each phrase, the first ``_PHRASE_SAMPLE``
    records that hold it are split at sentence ends and brackets, and each part into
    ``words`` (the model's own preprocessing and tokens, nothing left out).
    """
    kept = set()
    columns = binary.tocsc()
    for phrase in phrases:
        rows = columns[:, vocabulary[phrase]].indices[:_PHRASE_SAMPLE]
        written = sum(
            any(phrase in _pairs(words(part)) for part in _BREAKS.split(texts[row])) for row in rows
        )
        if 2 * written >= len(rows):
            kept.add(phrase)
    return kept


def _said_as_phrases(terms: list[str], counts: dict[str, float]) -> list[str]:
    """``terms`` with a word that is mostly said in one of their phrases put as that phrase.

    "psychological" becomes "psychological safety" when at least half of the records
    holding the word hold the phrase, and the phrase's other word is not among the terms
    before it ("pleural", "malignant" stay two terms rather than "malignant pleural");
    the phrase's own place is then given up.
    """
    out: list[str] = []
    for term in terms:
        before = {word for t in out for word in t.split()}
        if term in out or term in before:
            continue
        holding = [p for p in terms if term in p.split() and not (set(p.split()) - {term}) & before]
        best = max((p for p in holding if " " in p), key=lambda p: (counts[p], p), default="")
        out.append(best if " " not in term and best and 2 * counts[best] >= counts[term] else term)
    return out


def _pairs(tokens: list[str]) -> set[str]:
    return {f"{a} {b}" for a, b in itertools.pairwise(tokens)}


def join_facets(doc_topic: np.ndarray) -> np.ndarray:
    """Which fitted topics are facets of one subject: a 0/1 matrix, fitted x joined.

    Two topics whose weights are positively correlated over the documents share their
    records more often than chance would. The most correlated pair is joined (its
    columns added) and the correlations measured again, until no pair is positively
    correlated or two topics are left. A topic of no weight anywhere is joined to none.
    Joined topics keep the order of their first fitted topic.
    """
    groups = [[t] for t in range(doc_topic.shape[1])]
    columns = np.array(doc_topic, dtype=float)
    while columns.shape[1] > 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.nan_to_num(np.corrcoef(columns, rowvar=False), nan=-1.0)
        np.fill_diagonal(corr, -1.0)
        first, second = sorted(np.unravel_index(np.argmax(corr), corr.shape))
        if not corr[first, second] > 0:
            break
        columns[:, first] += columns[:, second]
        columns = np.delete(columns, second, axis=1)
        groups[first] += groups.pop(second)
    member = np.zeros((doc_topic.shape[1], len(groups)), dtype=doc_topic.dtype)
    for joined, topics in enumerate(groups):
        member[topics, joined] = 1
    return member


@dataclass(frozen=True)
class _Fit:
    """A factorisation, and its topics after facets are joined (``member``)."""

    model: Any
    member: np.ndarray
    doc_topic: np.ndarray
    top: np.ndarray


class TopicModel(BaseEstimator, TransformerMixin):
    """TF-IDF topic model (NMF by default, or LDA) with k chosen by coherence x stability.

    Parameters
    ----------
    n_topics : int or "auto"
        Number of topics, or ``"auto"`` to choose it over ``k_range``.
    method : {"nmf", "lda"}
        NMF on TF-IDF weights (default), or LDA on term counts.
    k_range : tuple of int, or "auto"
        Smallest and largest k tried when ``n_topics="auto"`` (inclusive); ``"auto"``
        scales them with the corpus (:func:`auto_range`).
    random_state : int
        Seed for every random step (subsamples, LDA, NMF tie-breaking).
    n_stability_runs : int
        Subsample refits used to measure stability.
    subsample : float
        Share of documents in each stability refit.
    top_n : int
        Top terms per topic, used for coherence, stability and labels.
    stable_threshold : float
        Topics whose matched top-term overlap is below this are flagged unstable.
    min_df, max_df, max_features, ngram_range :
        Vocabulary settings passed to scikit-learn's vectoriser.
    method_words : bool
        Leave the shipped research-method and reporting words (:data:`METHOD_WORDS`) out
        of the vocabulary, as well as English stop words (default True).
    stop_words : tuple of str
        More words to leave out (a workspace's own, from ``scoping.yml``).
    widen : bool
        Widen the search when the best k is at the top of the range (default True).
    join_facets : bool
        When k is chosen (``n_topics="auto"``), join topics that are facets of one
        subject and choose k on the joined topics (default True; see the module's
        notes). A given ``n_topics`` is always fitted and shown as asked.
    selection_sample : int
        Largest number of documents used to choose k (a seeded sample).
    max_iter, tol : int, float
        Largest number of iterations, and the convergence tolerance, of the factorisation.
    n_jobs : int or None
        Processes used to try the values of k (joblib's convention: None is 1, -1 is
        all cores). Results do not depend on it. Corpora of fewer than
        :data:`PARALLEL_FROM` documents are modelled in one process, where starting
        workers takes longer than the fits.
    """

    def __init__(
        self,
        n_topics: int | str = "auto",
        method: str = "nmf",
        k_range: tuple[int, int] | str = "auto",
        random_state: int = 2026,
        n_stability_runs: int = 3,
        subsample: float = 0.8,
        top_n: int = 10,
        stable_threshold: float = 0.6,
        min_df: int | float = 3,
        max_df: float = 0.5,
        max_features: int | None = 20000,
        ngram_range: tuple[int, int] = (1, 2),
        selection_sample: int = 8000,
        max_iter: int = 400,
        tol: float = 1e-3,
        n_jobs: int | None = None,
        method_words: bool = True,
        stop_words: tuple[str, ...] = (),
        widen: bool = True,
        join_facets: bool = True,
    ) -> None:
        self.n_topics = n_topics
        self.method = method
        self.k_range = k_range
        self.random_state = random_state
        self.n_stability_runs = n_stability_runs
        self.subsample = subsample
        self.top_n = top_n
        self.stable_threshold = stable_threshold
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.selection_sample = selection_sample
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.method_words = method_words
        self.stop_words = stop_words
        self.widen = widen
        self.join_facets = join_facets

    # -- set-up -------------------------------------------------------------------
    def k_bounds(self, n_docs: int) -> tuple[int, int]:
        """The k range searched for ``n_docs`` documents (``k_range``, or scaled)."""
        if self.k_range == "auto":
            return auto_range(n_docs)
        return tuple(self.k_range)  # type: ignore[return-value]

    def _check_params(self, n_docs: int) -> None:
        if self.method not in METHODS:
            raise InputError(f"topic method {self.method!r} is not one of {', '.join(METHODS)}.")
        if self.n_topics != "auto" and not (isinstance(self.n_topics, int) and self.n_topics >= 2):
            raise InputError(
                f"n_topics must be an integer of 2 or more, or 'auto'; got {self.n_topics!r}."
            )
        if self.k_range != "auto" and not (
            len(self.k_range) == 2 and 2 <= self.k_range[0] <= self.k_range[1]
        ):
            raise InputError(
                "k_range must be 'auto' or (low, high) with 2 <= low <= high; "
                f"got {self.k_range!r}."
            )
        seed = self.random_state
        if not isinstance(seed, Integral) or isinstance(seed, bool) or not 0 <= seed < 2**32:
            raise InputError(
                f"the seed must be a whole number from 0 to {2**32 - 1}; got {self.random_state!r}."
            )
        low = self.k_bounds(n_docs)[0]
        if n_docs < 2 * max(low, 2):
            raise InputError(
                f"{n_docs} documents are too few for topic modelling from {low} topics up; "
                f"need at least {2 * max(low, 2)}, or fewer topics."
            )

    def _vectoriser(self) -> TfidfVectorizer | CountVectorizer:
        kind = TfidfVectorizer if self.method == "nmf" else CountVectorizer
        extra = {"sublinear_tf": True} if self.method == "nmf" else {}
        return kind(
            stop_words=self.vocabulary_stop_words(),
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            ngram_range=self.ngram_range,
            token_pattern=r"(?u)\b[^\W\d_][\w-]*[^\W_]\b",
            dtype=np.float32,
            **extra,
        )

    def vocabulary_stop_words(self) -> list[str]:
        """Every word left out of the vocabulary: English, method words, the given ones."""
        words = set(ENGLISH_STOP_WORDS) | {w.lower() for w in self.stop_words}
        if self.method_words:
            words |= set(METHOD_WORDS)
        return sorted(words)

    def _factorise(self, x: csr_matrix, k: int, seed: int) -> _Fit:
        if self.method == "nmf":
            model = NMF(k, init="nndsvd", random_state=seed, max_iter=self.max_iter, tol=self.tol)
        else:
            model = LatentDirichletAllocation(
                k, learning_method="batch", random_state=seed, max_iter=min(self.max_iter, 50)
            )
        # Convergence is reported as converged_, not printed. On a tiny corpus NMF can fit
        # exactly, and rounding makes its squared error a hair below zero (a NaN root).
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            doc_topic = model.fit_transform(x)
        if not (self.join_facets and self.n_topics == "auto"):
            member = np.eye(k, dtype=doc_topic.dtype)
            return _Fit(model, member, doc_topic, top_indices(model.components_, self.top_n))
        member = join_facets(doc_topic)
        terms = member.T @ model.components_  # a joined topic's terms: its facets' added
        return _Fit(model, member, doc_topic @ member, top_indices(terms, self.top_n))

    # -- model selection ------------------------------------------------------------
    def _score_k(
        self, x: csr_matrix, binary: csr_matrix, k: int, jobs: int | None = None
    ) -> tuple[dict[str, float], _Fit, np.ndarray, list[float]]:
        full = self._factorise(x, k, self.random_state)
        coherence = [npmi(binary, t) for t in full.top]
        rng = np.random.default_rng([self.random_state, k])
        samples = [
            np.sort(rng.choice(x.shape[0], int(self.subsample * x.shape[0]), replace=False))
            for _ in range(self.n_stability_runs)
        ]
        refits = Parallel(n_jobs=jobs)(
            delayed(self._factorise)(x[rows], k, self.random_state + run + 1)
            for run, rows in enumerate(samples)
        )
        overlaps = [match_topics(full.top, refit.top) for refit in refits]
        stability = np.mean(overlaps, axis=0) if overlaps else np.ones(len(full.top))
        row = {
            "k": k,
            "topics": len(full.top),
            "coherence": float(np.mean(coherence)),
            "stability": float(np.mean(stability)),
            "unstable": int(np.sum(np.asarray(stability) < self.stable_threshold)),
        }
        row["score"] = row["coherence"] * row["stability"]
        return row, full, stability, coherence

    def fit(self, texts: list[str], y: Any = None) -> TopicModel:
        """Learn the vocabulary, choose k if asked, and fit the final topics."""
        texts = [t or "" for t in texts]
        self._check_params(len(texts))
        self.vectorizer_ = self._vectoriser()
        try:
            with warnings.catch_warnings():  # hyphenated stop words: said once, not printed
                warnings.simplefilter("ignore", UserWarning)
                x = self.vectorizer_.fit_transform(texts).tocsr()
        except ValueError as exc:
            raise InputError(
                f"no usable words for topic modelling ({exc}); check that the "
                "records have titles or abstracts."
            ) from None
        self.terms_ = self.vectorizer_.get_feature_names_out()
        if self.n_topics != "auto" and self.n_topics > min(x.shape):
            raise InputError(
                f"{self.n_topics} topics need at least as many records and distinct words; "
                f"these records have {x.shape[0]} and {x.shape[1]}: ask for fewer topics."
            )
        chosen, scored = self._select(x)
        binary = (x > 0).astype(np.float32).tocsr()
        if scored is None:  # chosen on a sample, or given: fit on every document
            scored = self._score_k(x, binary, chosen, jobs=self._jobs(x))
        _row, fit, stability, coherence = scored
        self.n_fitted_ = chosen
        self.n_topics_ = len(fit.top)
        self.model_ = fit.model
        self.join_ = fit.member
        self.doc_topic_ = fit.doc_topic
        self.top_terms_ = [[str(self.terms_[i]) for i in t] for t in fit.top]
        self.label_terms_ = self._label_terms(texts, binary, fit.doc_topic)
        self.topic_stability_ = np.asarray(stability, dtype=float)
        self.topic_coherence_ = np.asarray(coherence, dtype=float)
        self.converged_ = bool(getattr(fit.model, "n_iter_", 0) < fit.model.max_iter)
        return self

    def _label_terms(
        self, texts: list[str], binary: csr_matrix, doc_topic: np.ndarray
    ) -> list[list[str]]:
        """Each topic's ``top_n`` most distinctive terms, less phrases not written as such."""
        ranked = distinctive_terms(binary, doc_topic, self.terms_, 2 * self.top_n)
        phrases = {term for terms in ranked for term in terms if " " in term}
        vectoriser = self.vectorizer_
        tokens, prepare = vectoriser.build_tokenizer(), vectoriser.build_preprocessor()
        kept = phrases_as_written(
            sorted(phrases), texts, binary, vectoriser.vocabulary_, lambda t: tokens(prepare(t))
        )
        counts = dict(zip(self.terms_, np.asarray(binary.sum(axis=0)).ravel(), strict=True))
        return [
            _said_as_phrases([t for t in terms if " " not in t or t in kept], counts)[: self.top_n]
            for terms in ranked
        ]

    def _select(self, x: csr_matrix) -> tuple[int, tuple | None]:
        """The k to use, and its scored fit when that was made on every document."""
        self.selection_note_ = ""
        if self.n_topics != "auto":
            self.selection_ = pd.DataFrame(columns=list(SELECTION_COLUMNS))
            return int(self.n_topics), None
        sample = x
        if x.shape[0] > self.selection_sample:
            rng = np.random.default_rng(self.random_state)
            sample = x[np.sort(rng.choice(x.shape[0], self.selection_sample, replace=False))]
        binary = (sample > 0).astype(np.float32).tocsr()
        low, high = self.k_bounds(x.shape[0])
        ceiling = min(K_CEILING, sample.shape[0] // 2, sample.shape[1])
        if ceiling < 2:
            raise InputError(
                f"only {sample.shape[1]} distinct words in {x.shape[0]} records: too few for "
                "topics; topic modelling needs records with titles or abstracts."
            )
        scored: dict[int, tuple] = {}
        tried = range(min(low, ceiling), min(high, ceiling) + 1)
        for _widening in range(3):  # the range, then up to twice five more at its top
            new = [k for k in tried if k not in scored]
            for k, result in zip(new, self._score_all(sample, binary, new), strict=True):
                scored[k] = result
            best = self._best(pd.DataFrame([scored[k][0] for k in sorted(scored)]))
            top = max(scored)
            if best < top or top >= ceiling or not self.widen:
                break
            tried = range(top + 1, min(top + 5, ceiling) + 1)
        self.selection_ = pd.DataFrame([scored[k][0] for k in sorted(scored)])
        if best == min(scored):
            self.selection_note_ = (
                f"k={best} is the fewest topics tried: the corpus gave no finer set of "
                "topics that hang together and come back when it is resampled."
            )
        elif best == max(scored):
            self.selection_note_ = f"k={best} is the most topics tried (at most {ceiling})."
        return best, scored[best] if sample is x else None

    def _score_all(self, sample: csr_matrix, binary: csr_matrix, ks: list[int]) -> list[tuple]:
        jobs = self._jobs(sample)
        return Parallel(n_jobs=jobs)(delayed(self._score_k)(sample, binary, k) for k in ks)

    def _jobs(self, x: csr_matrix) -> int | None:
        """``n_jobs``, or one process for a corpus too small to gain from more."""
        return self.n_jobs if x.shape[0] >= PARALLEL_FROM else None

    @staticmethod
    def _best(table: pd.DataFrame) -> int:
        """The k to use, among the mostly stable ones.

        Mostly stable: at most :data:`MOST_UNSTABLE` of its (joined) topics flagged; when
        no k is, the k with the smallest share of unstable topics. Among them, if the
        most stable topics any k shows is reached at a k where facets were joined, the
        corpus's subjects are all found (more topics only split them): the smallest k
        that shows that many. Otherwise the best coherence x stability (then the
        smaller k).
        """
        share = table["unstable"] / table["topics"]
        eligible = table[share <= MOST_UNSTABLE]
        if eligible.empty:
            eligible = table[share == share.min()]
        subjects = eligible["topics"] - eligible["unstable"]
        most = eligible[subjects == subjects.max()]
        if (most["topics"] < most["k"]).any():
            return int(most["k"].min())
        ranked = eligible.sort_values(["score", "k"], ascending=[False, True])
        return int(ranked.iloc[0]["k"])

    def transform(self, texts: list[str]) -> np.ndarray:
        """Document-topic weights for new texts (facets joined as in the fit)."""
        x = self.vectorizer_.transform([t or "" for t in texts])
        return self.model_.transform(x) @ self.join_

    # -- description ------------------------------------------------------------------
    def labels(self, n_terms: int = 3) -> list[str]:
        """A short label per topic: its most distinctive terms, no word twice."""
        out = []
        for terms in getattr(self, "label_terms_", self.top_terms_):
            picked: list[str] = []
            for term in terms:
                words = {stem(w) for w in term.split()}
                if any(words & p for p in map(_stems, picked)):  # no word twice
                    continue
                picked.append(term)
                if len(picked) == n_terms:
                    break
            out.append(" / ".join(picked))
        return out

    def assignments(self) -> tuple[np.ndarray, np.ndarray]:
        """Each fitted document's main topic and that topic's share of its weight.

        A document with no weight on any topic (no vocabulary words) gets topic -1.
        """
        totals = self.doc_topic_.sum(axis=1)
        main = np.argmax(self.doc_topic_, axis=1)
        share = np.divide(
            self.doc_topic_[np.arange(len(main)), main],
            totals,
            out=np.zeros(len(main)),
            where=totals > 0,
        )
        return np.where(totals > 0, main, -1), share


#: Columns of ``topic_selection.csv``: the k fitted, and the topics it shows once
#: facets are joined, with their coherence, stability and unstable count.
SELECTION_COLUMNS = ("k", "topics", "coherence", "stability", "unstable", "score")
#: Columns of ``topics.csv``.
TOPIC_COLUMNS = (
    "topic",
    "label",
    "size",
    "stable",
    "stability",
    "coherence",
    "top_terms",
    "representative",
    "first_year",
    "last_year",
)
#: Files written by :func:`run`.
OUTPUTS = (
    "topics.csv",
    "doc_topics.csv",
    "doc_topic_weights.parquet",
    "topic_years.csv",
    "topic_selection.csv",
)


def _write_empty(out: Outputs) -> None:
    """Outputs with headers and no rows, for a corpus too small to model."""
    columns = {
        "topics.csv": TOPIC_COLUMNS,
        "doc_topics.csv": ("record_id", "topic", "weight"),
        "topic_years.csv": ("topic", "year", "records"),
        "topic_selection.csv": SELECTION_COLUMNS,
    }
    for name, names in columns.items():
        pd.DataFrame(columns=list(names)).to_csv(out.path(name), index=False)
    pd.DataFrame({"record_id": pd.Series(dtype=str)}).to_parquet(
        out.path("doc_topic_weights.parquet"), index=False
    )


def record_text(records: pd.DataFrame, keywords: bool = False) -> list[str]:
    """The text a topic model reads per record: title (twice) and abstract.

    With ``keywords``, also the record's keywords and subject headings. Off by default,
    everywhere: exports differ in whether they carry them (an OpenAlex or MEDLINE file
    does, a CSV of titles and abstracts often does not), and the same records should
    give the same topics through every door.
    """

    def column(name: str) -> pd.Series:
        if name not in records:
            return pd.Series([""] * len(records), index=records.index)
        return records[name].map(
            lambda v: (
                "; ".join(v)
                if isinstance(v, (list, np.ndarray))
                else (v if isinstance(v, str) else "")
            )
        )

    title = column("title")
    text = title + ". " + title + ". " + column("abstract")
    if keywords:
        text = text + " " + column("keywords") + " " + column("subjects")
    return text.tolist()


def modelled_texts(records: pd.DataFrame, keywords: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """The records and their texts (:func:`record_text`) in the order they are modelled.

    In the order of their text, then id: the same records from any export, whatever ids
    and file order they came with, give the same topics.
    """
    texts = record_text(records, keywords=keywords)
    order = sorted(range(len(records)), key=lambda i: (texts[i], records["record_id"].iat[i]))
    return records.iloc[order].reset_index(drop=True), [texts[i] for i in order]


def describe(model: TopicModel, records: pd.DataFrame, n_representative: int = 5) -> pd.DataFrame:
    """One row per topic: label, size, stability, coherence, top terms, key records."""
    main, share = model.assignments()
    rows = []
    for topic, (label, terms) in enumerate(zip(model.labels(), model.top_terms_, strict=True)):
        members = np.flatnonzero(main == topic)
        order = members[np.lexsort((records["record_id"].to_numpy()[members], -share[members]))]
        years = pd.to_numeric(records["year"].iloc[members], errors="coerce").dropna()
        rows.append(
            {
                "topic": topic,
                "label": label,
                "size": len(members),
                "stable": bool(model.topic_stability_[topic] >= model.stable_threshold),
                "stability": round(float(model.topic_stability_[topic]), 4),
                "coherence": round(float(model.topic_coherence_[topic]), 4),
                "top_terms": "; ".join(terms),
                "representative": "; ".join(records["record_id"].iloc[order[:n_representative]]),
                "first_year": int(years.min()) if len(years) else None,
                "last_year": int(years.max()) if len(years) else None,
            }
        )
    return pd.DataFrame(rows).astype({"first_year": "Int64", "last_year": "Int64"})


def document_topics(model: TopicModel, records: pd.DataFrame) -> pd.DataFrame:
    """Each record's main topic (-1 when it has no modelled words) and its weight.

    The weight is the main topic's share of the record's total topic weight (0 to 1).
    """
    main, share = model.assignments()
    return pd.DataFrame(
        {"record_id": records["record_id"].to_numpy(), "topic": main, "weight": np.round(share, 4)}
    )


def weights(model: TopicModel, records: pd.DataFrame) -> pd.DataFrame:
    """The full document-topic weight matrix: one row per record, one column per topic."""
    frame = pd.DataFrame(
        np.round(model.doc_topic_, 6), columns=[f"topic_{t}" for t in range(model.n_topics_)]
    )
    frame.insert(0, "record_id", records["record_id"].to_numpy())
    return frame


def topic_years(doc_topics: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Records per topic per year: the topic's trend."""
    years = pd.to_numeric(records["year"], errors="coerce").astype("Int64").to_numpy()
    frame = pd.DataFrame({"topic": doc_topics["topic"].to_numpy(), "year": years})
    frame = frame[(frame["topic"] >= 0) & frame["year"].notna()]
    return (
        frame.groupby(["topic", "year"])
        .size()
        .rename("records")
        .reset_index()
        .sort_values(["topic", "year"], ignore_index=True)
    )


def run(
    folder: str | Path,
    model: TopicModel | None = None,
    *,
    stale: Iterable[str] = (),
    keywords: bool = False,
) -> tuple[TopicModel, pd.DataFrame]:
    """``scoping topics DIR``: model the topics of the records in DIR.

    Reads ``unique.parquet`` (else ``records.parquet``). Writes ``topics.csv`` (one row
    per topic), ``doc_topics.csv`` (each record's main topic and its weight),
    ``doc_topic_weights.parquet`` (the full weight matrix), ``topic_years.csv`` (the
    trend of each topic) and ``topic_selection.csv`` (coherence and stability per k),
    swapped in together (``stale`` files are removed in the same commit). ``keywords``:
    read keywords and subject headings too (:func:`record_text`).
    """
    folder = Path(folder)
    records, texts = modelled_texts(pd.read_parquet(records_file(folder)), keywords=keywords)
    model = model if model is not None else TopicModel(n_jobs=-1)
    with Outputs(folder) as out:
        out.remove(*stale)
        if len(records) < 2 * max(model.k_bounds(len(records))[0], 2):
            _write_empty(out)
            return model, pd.DataFrame(columns=TOPIC_COLUMNS)
        model.fit(texts)
        table = describe(model, records)
        docs = document_topics(model, records)
        table.to_csv(out.path("topics.csv"), index=False)
        docs.to_csv(out.path("doc_topics.csv"), index=False)
        weights(model, records).to_parquet(out.path("doc_topic_weights.parquet"), index=False)
        topic_years(docs, records).to_csv(out.path("topic_years.csv"), index=False)
        model.selection_.round(4).to_csv(out.path("topic_selection.csv"), index=False)
    return model, table


def summary(model: TopicModel, table: pd.DataFrame, out: Path) -> str:
    """What topic modelling did, in one line."""
    if not hasattr(model, "n_topics_"):
        return (
            f"topics: none; {records_file(out)} has too few records for a topic "
            f"model -> {out / 'topics.csv'}"
        )
    how = "as set"
    if model.n_topics == "auto":
        how = "chosen by coherence and stability"
        if model.n_fitted_ != model.n_topics_:
            how += f"; {model.n_fitted_} fitted, facets of one subject joined"
    unstable = int((~table["stable"]).sum())
    converged = (
        ""
        if model.converged_
        else f"; the final fit stopped at max_iter={model.max_iter} before converging"
    )
    note = f"; {model.selection_note_}" if getattr(model, "selection_note_", "") else ""
    return (
        f"topics: {model.n_topics_} {model.method.upper()} topics ({how}, seed "
        f"{model.random_state}), {unstable} flagged unstable{converged}{note} -> "
        f"{out / 'topics.csv'}"
    )


def draft_tag(topics: pd.DataFrame, topic: int, n_terms: int = 8) -> dict[str, Any]:
    """A codebook tag draft from one topic of ``topics.csv``, its terms pre-filled.

    The draft is a starting point for the scoping group: the definition says where it
    came from and must be rewritten before the tag is used in a pack.
    """
    match = topics[topics["topic"] == topic]
    if match.empty:
        known = f"topics are 0 to {len(topics) - 1}" if len(topics) else "it holds no topics"
        raise InputError(f"topic {topic} is not in topics.csv ({known}).")
    row = match.iloc[0]
    name = "_".join(str(row["label"]).split(" / ")[0].split())
    return {
        "name": f"draft_{name}",
        "group": "theme",
        "definition": f"DRAFT from topic {topic} ({row['label']}): write the definition.",
        "include": str(row["top_terms"]).split("; ")[:n_terms],
        "fields": ["title", "abstract", "keywords"],
    }
