"""Outputs: duplicates.csv, unique.parquet and dedupe_review.csv, and the stage that writes them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import Outputs
from ..curation.store import open_store, pair_decisions
from ..errors import InputError
from ..records import FIELDS
from .compare import PairResult
from .group import DECISIONS_FILE, DedupeResult, deduplicate, load_decisions
from .keys import _empty
from .params import DedupeParams

# --------------------------------------------------------------------------- #
# Outputs
# --------------------------------------------------------------------------- #
_LIST_UNION = ("keywords", "subjects", "issn", "isbn")
_FILL = tuple(f for f in FIELDS if f not in (*_LIST_UNION, "notes"))


def _placement(result: DedupeResult) -> dict[str, PairResult]:
    """For each merged record, the strongest 'same' pair that placed it in its group."""
    best: dict[str, PairResult] = {}
    for pair in result.pairs:
        if pair.decision != "same":
            continue
        for rid in (pair.a, pair.b):
            if rid not in best or pair.score > best[rid].score:
                best[rid] = pair
    return best


def duplicates_table(result: DedupeResult) -> pd.DataFrame:
    """One row per record: its group, whether primary, and why it is there."""
    placed = _placement(result)
    sizes = Counter(result.group_of.values())
    rows = []
    for rid in result.records.index:
        group, primary = result.group_of[rid], result.primary_of[rid]
        pair = placed.get(rid)
        size = sizes[group]
        rows.append(
            {
                "record_id": rid,
                "group_id": f"g{group[1:]}",
                "is_primary": rid == primary,
                "group_size": size,
                "rule": pair.rule if pair else "unique",
                "score": pair.score if pair else None,
                "matched_with": (pair.b if pair.a == rid else pair.a) if pair else "",
                "agreed": ";".join(pair.agreed) if pair else "",
                "disagreed": ";".join(pair.disagreed) if pair else "",
            }
        )
    return pd.DataFrame(rows)


def review_table(result: DedupeResult) -> pd.DataFrame:
    """Pairs for a person to decide: 'maybe' the same, and 'related' links a rule is unsure of."""
    cols = ["a", "b", "decision", "score", "rule", "agreed", "disagreed", "title_a", "title_b"]
    titles = result.records["title"]
    rows = [
        {
            "a": p.a,
            "b": p.b,
            "decision": p.decision,
            "score": p.score,
            "rule": p.rule,
            "agreed": ";".join(p.agreed),
            "disagreed": ";".join(p.disagreed),
            "title_a": titles[p.a],
            "title_b": titles[p.b],
        }
        for p in result.review
    ]
    return pd.DataFrame(rows, columns=cols)


def unique_table(result: DedupeResult) -> pd.DataFrame:
    """One merged record per group: the primary, gaps filled from the richest member."""
    by_group: dict[str, list[str]] = {}
    for rid, group in result.group_of.items():
        by_group.setdefault(group, []).append(rid)
    return pd.DataFrame([_merge(result, group, ids) for group, ids in sorted(by_group.items())])


def _merge(result: DedupeResult, group: str, ids: list[str]) -> dict[str, Any]:
    rows = result.rows
    primary = result.primary_of[ids[0]]
    row = dict(rows[primary])
    others = sorted(
        (i for i in ids if i != primary), key=lambda i: (result.richness[i], i), reverse=True
    )
    for name in _FILL:
        if _empty(row[name]):
            row[name] = next(
                (rows[i][name] for i in others if not _empty(rows[i][name])), row[name]
            )
    for name in _LIST_UNION:
        values = [v for i in (primary, *others) if not _empty(rows[i][name]) for v in rows[i][name]]
        row[name] = list(dict.fromkeys(values))
    row["group_id"] = f"g{group[1:]}"
    row["member_ids"] = sorted(ids)
    row["sources"] = sorted({rows[i]["source_file"] for i in ids})
    row["databases"] = sorted({rows[i]["database"] for i in ids if not _empty(rows[i]["database"])})
    why = [f"{i}: {result.retracted[i]}" for i in sorted(ids) if i in result.retracted]
    row["retracted"] = bool(why)
    row["retraction"] = "; ".join(why)
    return row


def run(
    folder: str | Path,
    params: DedupeParams | None = None,
    store: str | Path | None = None,
    *,
    stale: Iterable[str] = (),
) -> DedupeResult:
    """``scoping dedupe DIR``: read ``DIR/records.parquet``, write the dedup outputs.

    Writes ``duplicates.csv`` (one row per record), ``unique.parquet`` (one merged
    record per group, with ``retracted`` and why), ``related.csv`` (related reports,
    :mod:`.related`) and ``dedupe_review.csv`` (pairs for a person), swapped in
    together (``stale`` files are removed in the same commit). A person's decisions
    override the algorithm: those in ``DIR/dedupe_decisions.csv`` (columns a, b,
    decision), then those in the decision store ``store`` (the pair-review notebook
    writes there), the store's latest decision winning.
    """
    folder = Path(folder)
    source = folder / "records.parquet"
    if not source.is_file():
        raise InputError(f"{source}: not found; run `scoping ingest ... --out {folder}` first.")
    records = pd.read_parquet(source)
    decisions = load_decisions(folder / DECISIONS_FILE)
    opened = open_store(store) if store is not None else None
    if opened is not None:
        decisions |= pair_decisions(opened)
    result = deduplicate(records, params, decisions)
    with Outputs(folder) as out:
        duplicates_table(result).to_csv(out.path("duplicates.csv"), index=False)
        review_table(result).to_csv(out.path("dedupe_review.csv"), index=False)
        unique_table(result).to_parquet(out.path("unique.parquet"), index=False, compression="zstd")
        result.related.to_csv(out.path("related.csv"), index=False)
        out.remove(*stale)
    return result
