"""Grouping: merged pairs joined into groups, and each group's primary record.

A person's decisions ("same" / "different") override the rules. A "different" keeps
the two records apart however other pairs chain: a merge that would put them in one
group is not made, and its pair goes back to a person ("maybe", saying why). A
person's "same" that contradicts their own "different" (A-B same, B-C same, A-C
different) is not applied either, and goes back to a person the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .blocking import candidate_pairs
from .compare import PairResult, compare
from .keys import _empty, prepare
from .params import DedupeParams
from .related import COLUMNS, find_links, link_table, retractions


# --------------------------------------------------------------------------- #
# Grouping
# --------------------------------------------------------------------------- #
class _Groups:
    """Union-find over record ids; the smallest id is a group's root (deterministic).

    ``apart`` holds the pairs a person said are different: :meth:`join` never puts
    them in one group.
    """

    def __init__(self, ids: Iterable[str], apart: Iterable[frozenset[str]] = ()) -> None:
        self.parent = {i: i for i in ids}
        self.members = {i: {i} for i in self.parent}
        self.apart: dict[str, set[str]] = {}
        for pair in apart:
            a, b = sorted(pair)
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)

    def blocker(self, a: str, b: str) -> tuple[str, str] | None:
        """A pair kept apart that joining ``a``'s and ``b``'s groups would put together."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        small, large = sorted((self.members[ra], self.members[rb]), key=len)
        for x in sorted(small):
            for y in sorted(self.apart.get(x, set()) & large):
                return (min(x, y), max(x, y))
        return None

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
            self.members[min(ra, rb)] |= self.members.pop(max(ra, rb))


#: A person's pair decisions kept beside the records (``a,b,decision``).
DECISIONS_FILE = "dedupe_decisions.csv"
#: What a person can decide on a pair: one work or two; related reports, or not.
PERSON_DECISIONS = ("same", "different", "related", "not related")
#: The pair decision each person's word stands for ("not related": two works, unlinked).
_AS_PAIR = {
    "same": "same",
    "different": "different",
    "related": "related",
    "not related": "different",
}


def load_decisions(path: Path) -> dict[frozenset[str], str]:
    """A person's pair decisions (``a,b,decision[,reviewer,note]``), latest line wins."""
    if not path.is_file():
        return {}
    frame = pd.read_csv(path, dtype=str).fillna("")
    missing = {"a", "b", "decision"} - set(frame.columns)
    if missing:
        raise InputError(
            f"{path}: needs columns a, b, decision; missing {', '.join(sorted(missing))}."
        )
    out: dict[frozenset[str], str] = {}
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        if row.decision not in PERSON_DECISIONS:
            raise InputError(
                f"{path} line {line}: decision must be one of "
                f"{', '.join(map(repr, PERSON_DECISIONS))}, not {row.decision!r}."
            )
        out[frozenset((row.a, row.b))] = row.decision
    return out


def _richness(row: dict[str, Any]) -> tuple[bool, bool, int]:
    """How complete a record is: has an abstract, has a DOI, fields filled."""
    filled = sum(1 for v in row.values() if not _empty(v))
    return (not _empty(row.get("abstract")), not _empty(row.get("doi")), filled)


@dataclass
class DedupeResult:
    """Groups, pair decisions and the evidence, ready to write."""

    records: pd.DataFrame
    group_of: dict[str, str]
    primary_of: dict[str, str]
    pairs: list[PairResult]
    params: DedupeParams
    #: Each record as a dict, and its richness, by record_id (computed once).
    rows: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    richness: dict[str, tuple[bool, bool, int]] = field(default_factory=dict, repr=False)
    #: The pairs a person's "same" merged (that no rule had merged first).
    person_merges: list[PairResult] = field(default_factory=list)
    #: Related reports (``related.csv``, see :mod:`.related`).
    related: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMNS)))
    #: Record id -> why its work is retracted.
    retracted: dict[str, str] = field(default_factory=dict)

    def summary(self, out: Path) -> str:
        """What dedupe did, in one line, naming every merge a person's decision made."""
        works = len(set(self.group_of.values()))
        merged = "; ".join(f"{p.a} = {p.b}" for p in self.person_merges)
        return (
            f"dedupe: {len(self.group_of)} records -> {works} unique works "
            f"({len(self.group_of) - works} duplicates grouped, none deleted); "
            f"{len(self.person_merges)} merged by a person's decision"
            f"{f' ({merged})' if merged else ''}; "
            f"{len(self.related)} related reports linked "
            f"({len({self.group_of[r] for r in self.retracted})} works retracted); "
            f"{len(self.review)} pairs to review -> {out / 'duplicates.csv'}, "
            f"{out / 'unique.parquet'}, {out / 'related.csv'}, {out / 'dedupe_review.csv'}"
        )

    @property
    def review(self) -> list[PairResult]:
        """Pairs a person should look at: maybe the same, or related but unsure.

        A "maybe" pair whose records other pairs already joined into one work is not
        asked about: it is one work whatever a person says of this pair.
        """
        unsure = self.related[self.related["status"] == "review"]
        wanted = {frozenset(p) for p in zip(unsure["record_id"], unsure["related_id"], strict=True)}
        return [
            p
            for p in self.pairs
            if (p.decision == "maybe" and self.group_of[p.a] != self.group_of[p.b])
            or (p.decision == "related" and frozenset((p.a, p.b)) in wanted)
        ]


def _join(
    ids: Iterable[str], pairs: list[PairResult], decisions: dict[frozenset[str], str]
) -> tuple[_Groups, list[PairResult]]:
    """Groups from the pairs judged the same, and the merges a person's decision made.

    A person's word comes first; a merge that a person's "different" forbids goes back
    to review.
    """
    groups = _Groups(ids, [p for p, d in decisions.items() if _AS_PAIR[d] == "different"])
    for pair in pairs:
        manual = decisions.get(frozenset((pair.a, pair.b)))
        if manual:
            pair.decision, pair.rule = _AS_PAIR[manual], f"person: {manual}"
    person_merges = []
    for pair in sorted(pairs, key=lambda p: not p.rule.startswith("person")):
        if pair.decision != "same":
            continue
        blocker = groups.blocker(pair.a, pair.b)
        if blocker is not None:
            pair.decision = "maybe"
            pair.rule += f"; not merged: a person said {blocker[0]} and {blocker[1]} differ"
            continue
        if pair.rule.startswith("person") and groups.find(pair.a) != groups.find(pair.b):
            person_merges.append(pair)
        groups.union(pair.a, pair.b)
    return groups, person_merges


def deduplicate(
    records: pd.DataFrame,
    params: DedupeParams | None = None,
    decisions: dict[frozenset[str], str] | None = None,
) -> DedupeResult:
    """Group duplicate records (see the module docstring for the method).

    Parameters
    ----------
    records : DataFrame
        Records as written by ingest (``records.parquet``).
    params : DedupeParams, optional
        Thresholds; the documented defaults if omitted.
    decisions : dict, optional
        A person's decisions, {frozenset({id_a, id_b}): "same" | "different"}; they
        override the algorithm.

    Returns
    -------
    DedupeResult
    """
    params = params or DedupeParams()
    decisions = decisions or {}
    keys = prepare(records)
    rows = keys.to_dict("records")
    pairs = []  # only the pairs anyone needs: merged, for review, or decided by a person
    for (a, b), rule in sorted(candidate_pairs(keys, params).items()):
        pair = compare(rows[a], rows[b], rule, params)
        if pair.decision != "different" or frozenset((pair.a, pair.b)) in decisions:
            pairs.append(pair)
    known = {frozenset((p.a, p.b)) for p in pairs}
    for pair, decision in sorted(decisions.items(), key=lambda kv: sorted(kv[0])):
        if pair not in known and len(pair) == 2 and pair <= set(keys["record_id"]):
            a, b = sorted(pair)
            pairs.append(PairResult(a, b, _AS_PAIR[decision], 1.0, f"person: {decision}"))
    groups, person_merges = _join(keys["record_id"], pairs, decisions)
    ordered = records.sort_values("record_id", kind="stable").set_index("record_id", drop=False)
    by_id = {row["record_id"]: row for row in ordered.to_dict("records")}
    richness = {rid: _richness(row) for rid, row in by_id.items()}
    group_of = {rid: groups.find(rid) for rid in by_id}
    members: dict[str, list[str]] = {}
    for rid, root in group_of.items():
        members.setdefault(root, []).append(rid)
    primary_of = {}
    for ids in members.values():
        best = max(sorted(ids), key=richness.__getitem__)  # ties: the smallest id
        for rid in ids:
            primary_of[rid] = best
    by_record = keys.set_index("record_id", drop=False)
    related = link_table(find_links(ordered, by_record, pairs), group_of)
    return DedupeResult(
        ordered,
        group_of,
        primary_of,
        pairs,
        params,
        by_id,
        richness,
        person_merges,
        related,
        retractions(ordered, by_record, related),
    )
