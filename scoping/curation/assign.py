"""Who screens what, and which disagreements wait for a third person.

:func:`assign` shares records among reviewers: every reviewer gets every record
(``overlap=1.0``, full dual screening), or each record goes to one reviewer and a
seeded share of the records (``overlap``) goes to two, so that agreement can be
measured on those. The assignment is a table (``curation/assignments.csv``), versioned
with the project; the screening widget shows a reviewer only their records.

:func:`conflicts` lists the records whose reviewers disagree at a stage, with each
reviewer's decision and reason, and whether a third person has resolved it: a later
decision by someone who was not in the disagreement. That later decision is the one
the PRISMA flow counts (the latest decision on a record wins).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..text import said
from .store import DecisionStore, effective, latest


def assign(
    record_ids: Iterable[str], reviewers: Iterable[str], *, overlap: float = 1.0, seed: int = 0
) -> pd.DataFrame:
    """Assign records to reviewers; one row per (record_id, reviewer).

    Parameters
    ----------
    record_ids : iterable of str
        The records to screen.
    reviewers : iterable of str
        Two or more reviewer names (one is allowed with ``overlap=1.0``).
    overlap : float
        Share of records screened by two reviewers (1.0: every reviewer screens every
        record). The rest are dealt out in turn, so workloads differ by at most one.
    seed : int
        Seed of the shuffle that picks the overlap and deals the records.
    """
    ids = sorted(set(record_ids))
    names = [r.strip() for r in reviewers if r and r.strip()]
    if len(set(names)) != len(names) or not names:
        raise InputError("give each reviewer once, by name.")
    if not 0.0 <= overlap <= 1.0:
        raise InputError(f"overlap must be between 0 and 1 (a share of records); got {overlap}.")
    if overlap == 1.0:
        rows = [(rid, name) for rid in ids for name in names]
        return pd.DataFrame(rows, columns=["record_id", "reviewer"])
    if len(names) < 2 and overlap > 0:
        raise InputError("double screening needs two reviewers or more.")
    rng = random.Random(seed)
    shuffled = ids[:]
    rng.shuffle(shuffled)
    doubled = round(overlap * len(shuffled))
    rows, turn = [], 0
    for position, rid in enumerate(shuffled):
        first = names[turn % len(names)]
        rows.append((rid, first))
        turn += 1
        if position < doubled:
            rows.append((rid, names[turn % len(names)]))
            turn += 1
    table = pd.DataFrame(rows, columns=["record_id", "reviewer"])
    return table.sort_values(["record_id", "reviewer"], ignore_index=True)


def write_assignments(table: pd.DataFrame, path: str | Path) -> Path:
    """Save an assignment table (CSV) for the widget and for version control."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return Path(path)


def assigned_to(path: str | Path, reviewer: str) -> set[str] | None:
    """The record ids assigned to ``reviewer``, or None when there is no assignment file."""
    path = Path(path)
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype=str)
    if set(table.columns) != {"record_id", "reviewer"}:
        raise InputError(f"{path}: expected the columns record_id and reviewer.")
    return set(table.loc[table["reviewer"] == reviewer.strip(), "record_id"])


def conflicts(store: DecisionStore, stage: str = "title_abstract") -> pd.DataFrame:
    """Records on which reviewers' latest decisions differ, and how each was resolved.

    One row per record: the decisions (``reviewer: decision (reason)``), the notes they
    left, whether a third person has decided since (``resolved``), and that person's
    decision.
    """
    log = effective(store.events())
    rows = _disagreements(log[log["stage"] == stage].sort_values("seq"))
    columns = ["record_id", "decisions", "notes", "resolved", "resolution"]
    return pd.DataFrame([{k: row[k] for k in columns} for row in rows], columns=columns)


def resolved_by(log: pd.DataFrame, reviewer: str) -> set[str]:
    """The records on which ``reviewer`` settled a disagreement of others.

    ``log`` is one stage's standing events. A resolution is not a screening of one's own.
    """
    mine = set(log.loc[log["reviewer"] == reviewer, "target"])
    voices = log[log["target"].isin(mine)].groupby("target")["reviewer"].nunique()
    disputed = log[log["target"].isin(voices.index[voices >= 3])]  # two sides and a third
    return {r["record_id"] for r in _disagreements(disputed) if r["resolver"] == reviewer}


def _disagreements(log: pd.DataFrame) -> list[dict[str, object]]:
    """One dict per disagreeing record, with its resolver ("" when none yet).

    ``log`` is one stage's standing events, in the order of ``seq``.
    """
    rows = []
    for target, events in log.groupby("target", sort=True):
        current = latest(events, ("reviewer",))
        split = current[current["decision"] != current.iloc[0]["decision"]]
        if split.empty:
            continue
        parties = _parties(events)
        after = events[
            (events["seq"] > parties["seq"].max()) & ~events["reviewer"].isin(parties["reviewer"])
        ]
        rows.append(
            {
                "record_id": target,
                "decisions": "; ".join(
                    f"{r.reviewer}: {r.decision}" + (f" ({r.reason})" if said(r.reason) else "")
                    for r in parties.itertuples()
                ),
                "notes": "; ".join(
                    f"{r.reviewer}: {r.note}" for r in parties.itertuples() if said(r.note)
                ),
                "resolved": not after.empty,
                "resolver": "" if after.empty else after.iloc[-1]["reviewer"],
                "resolution": ""
                if after.empty
                else f"{after.iloc[-1]['reviewer']}: {after.iloc[-1]['decision']}",
            }
        )
    return rows


def _parties(events: pd.DataFrame) -> pd.DataFrame:
    """The reviewers of the disagreement: those who decided before the first resolver.

    Walking the log in order, a reviewer joins the disagreement while all decisions so
    far agree or split; the first person to decide after a split, who was not part of
    it, is a resolver and ends the walk.
    """
    seen: dict[str, pd.Series] = {}
    for _, event in events.iterrows():
        split = len({e["decision"] for e in seen.values()}) > 1
        if split and event["reviewer"] not in seen:
            break
        seen[event["reviewer"]] = event
    return pd.DataFrame(list(seen.values()))
