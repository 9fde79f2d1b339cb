"""Evaluation against gold duplicate groups: pairwise precision, recall and F1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..ingest import SCHEMA
from ..io import read
from ..records import raw_fields
from .group import DedupeResult, deduplicate
from .params import DedupeParams


# --------------------------------------------------------------------------- #
# Evaluation against gold groups
# --------------------------------------------------------------------------- #
def _pairs_of(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    out = set()
    for group in groups:
        ids = sorted(set(group))
        out.update(frozenset((a, b)) for n, a in enumerate(ids) for b in ids[n + 1 :])
    return out


@dataclass
class Evaluation:
    """Pairwise precision, recall and F1 of predicted groups against gold groups."""

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    false_merges: list[tuple[str, str]]
    missed: list[tuple[str, str]]

    @property
    def precision(self) -> float:
        """Share of predicted duplicate pairs that are true."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true duplicate pairs that were found."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(predicted: Iterable[Iterable[str]], gold: Iterable[Iterable[str]]) -> Evaluation:
    """Score predicted duplicate groups against gold groups, pair by pair.

    >>> e = evaluate([["a", "b", "c"]], [["a", "b"], ["c", "d"]])
    >>> (e.correct_pairs, e.predicted_pairs, e.true_pairs)
    (1, 3, 2)
    """
    pred, true = _pairs_of(predicted), _pairs_of(gold)
    return Evaluation(
        len(true),
        len(pred),
        len(pred & true),
        sorted(tuple(sorted(p)) for p in pred - true),
        sorted(tuple(sorted(p)) for p in true - pred),
    )


@dataclass
class LinkScore:
    """How the links of related reports add to merging, against gold groups.

    A gold pair is *found* when its two records are merged, or their works are linked
    (``related.csv``); ``linked`` counts only links a rule was sure of, ``with_review``
    also those waiting for a person.
    """

    true_pairs: int
    merged: int
    linked: int
    with_review: int
    link_pairs: int
    link_pairs_in_gold: int

    def recall(self, review: bool = False) -> float:
        """Share of gold pairs merged or linked."""
        found = self.with_review if review else self.linked
        return found / self.true_pairs if self.true_pairs else 1.0

    @property
    def link_precision(self) -> float:
        """Share of linked record pairs (sure links) that the gold set groups together."""
        return self.link_pairs_in_gold / self.link_pairs if self.link_pairs else 1.0


def score_links(result: DedupeResult, ids: pd.Series, gold: list[list[str]]) -> LinkScore:
    """Score merged-or-linked pairs of ``result`` (source ids ``ids``) against ``gold``."""
    work = {ids[rid]: group for rid, group in result.group_of.items()}
    related = result.related
    joined: dict[str, set[frozenset[str]]] = {"linked": set(), "review": set()}
    columns = (related[n] for n in ("record_id", "related_id", "status"))
    for a, b, status in zip(*columns, strict=True):
        joined[status].add(frozenset((result.group_of[a], result.group_of[b])))
    true = _pairs_of(gold)
    members: dict[str, list[str]] = {}
    for source_id, group in work.items():
        members.setdefault(group, []).append(source_id)
    link_pairs = {
        frozenset((x, y))
        for pair in joined["linked"]
        for x in members[min(pair)]
        for y in members[max(pair)]
    }
    counts = {"merged": 0, "linked": 0, "with_review": 0}
    for pair in true:
        a, b = sorted(pair)
        works = frozenset((work.get(a), work.get(b)))
        merged = len(works) == 1 and None not in works
        counts["merged"] += merged
        counts["linked"] += merged or works in joined["linked"]
        counts["with_review"] += merged or works in joined["linked"] | joined["review"]
    return LinkScore(
        len(true), **counts, link_pairs=len(link_pairs), link_pairs_in_gold=len(link_pairs & true)
    )


def _norm_id(value: str) -> str:
    """``id_0000699`` and ``699`` name the same record in the benchmark files."""
    text = str(value).strip().removeprefix("id_")
    return text.lstrip("0") or "0" if text.isdigit() else text


def load_gold(path: str | Path) -> list[list[str]]:
    """Gold duplicate groups: a CSV with a ``merged_ids`` column of ``id;id;...``."""
    frame = pd.read_csv(path, dtype=str)
    if "merged_ids" not in frame.columns:
        raise InputError(
            f"{path}: expected a 'merged_ids' column holding 'id;id;...' per duplicate group."
        )
    return [[_norm_id(i) for i in ids.split(";") if i.strip()] for ids in frame["merged_ids"]]


def source_ids(records: pd.DataFrame, id_column: str | None = None) -> pd.Series:
    """Each record's id in its source file (from the raw fields), by record_id."""
    candidates = [id_column] if id_column else ["ID", "id", "record_id", "Key"]
    out = {}
    for rid, raw in zip(records["record_id"], records["raw"], strict=True):
        fields = raw_fields(raw)
        found = next((fields[c] for c in candidates if c in fields), None)
        if found is None:
            raise InputError(
                f"record {rid} has no source id column ({', '.join(candidates)}); pass --id-column."
            )
        out[rid] = _norm_id(found)
    return pd.Series(out)


def evaluate_files(
    records_path: str | Path,
    gold_path: str | Path,
    *,
    id_column: str | None = None,
    params: DedupeParams | None = None,
) -> tuple[Evaluation, DedupeResult, pd.Series]:
    """Ingest a labelled file, deduplicate it, and score its merges against gold groups.

    ``score_links(result, ids, load_gold(gold_path))`` scores the links beside them.
    """
    rows = [r.to_row() for r in read(records_path).records]
    records = pd.DataFrame(rows, columns=SCHEMA.names)
    result = deduplicate(records, params)
    ids = source_ids(records, id_column)
    groups: dict[str, list[str]] = {}
    for rid, root in result.group_of.items():
        groups.setdefault(root, []).append(ids[rid])
    return evaluate(groups.values(), load_gold(gold_path)), result, ids
