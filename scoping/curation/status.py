"""Where each work stands: the final decision on it at a stage, whoever made it.

A decision on any copy of a work (any record of its duplicate group) counts for the
work, so decisions follow works through re-deduplication. The final decision is the
latest at the stage, by anyone: a third person resolving a conflict has the last word.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from .store import DecisionStore, latest


def work_of(build: str | Path) -> dict[str, str]:
    """Each record's work: the primary record of its duplicate group (``duplicates.csv``)."""
    path = Path(build) / "duplicates.csv"
    if not path.is_file():
        raise InputError(f"{path}: not found; run `scoping run` (ingest and dedupe) first.")
    groups = pd.read_csv(path, dtype={"record_id": str, "group_id": str})
    primary = groups[groups["is_primary"]]
    group_primary = dict(zip(primary["group_id"], primary["record_id"], strict=True))
    return {
        rid: group_primary[g]
        for rid, g in zip(groups["record_id"], groups["group_id"], strict=True)
    }


def final_decisions(
    store: DecisionStore | None, stage: str, works: dict[str, str]
) -> dict[str, tuple[str, str | None]]:
    """The final decision and reason on each work at ``stage``.

    Works never decided at the stage are absent.
    """
    if store is None:
        return {}
    log = store.events()
    log = log[(log["stage"] == stage) & log["target"].isin(works)]
    last = latest(log.assign(work=log["target"].map(works)), ("work",))
    rows = zip(last["work"], last["decision"], last["reason"], strict=True)
    return {w: (d, r if isinstance(r, str) else None) for w, d, r in rows}
