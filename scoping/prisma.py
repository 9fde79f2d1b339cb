"""PRISMA 2020 flow counts from the pipeline's own outputs, each traced to its records.

Every box of the flow is a list of ids, and its count is the length of that list, so
a reviewer can ask which records stand behind any number:

- identified: every record read, per database (the search log's database name for the
  file, else the database the export names, else the file name);
- duplicates removed: records grouped under another record (``duplicates.csv``);
- screened: one record per unique work (the group's primary record);
- at title/abstract: included, excluded (per reason), maybe, and not yet screened.

A decision on any member of a duplicate group counts for the group, so decisions
follow works through re-deduplication. The final decision on a work is the latest
decision made on it at the stage, by anyone: a third person resolving a conflict
records the last word.

The counts add up by construction: identified = duplicates removed + screened, and
screened = included + excluded + maybe + not yet screened. :func:`check` tests both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import atomic
from .curation.store import latest, open_store
from .errors import InputError


def _database_names(records: pd.DataFrame, search_log: Path | None) -> pd.Series:
    by_file: dict[str, str] = {}
    if search_log is not None and search_log.is_file():
        for entry in (yaml.safe_load(search_log.read_text(encoding="utf-8")) or {}).get(
            "searches", []
        ):
            by_file[str(entry.get("file"))] = str(entry.get("database"))
    names = []
    for source, database in zip(records["source_file"], records["database"], strict=True):
        base = Path(str(source).split("!", 1)[0]).name
        names.append(
            by_file.get(base) or (database if isinstance(database, str) and database else base)
        )
    return pd.Series(names, index=records.index)


def flow(
    build: str | Path,
    *,
    store: str | Path | None = None,
    search_log: str | Path | None = None,
    stage: str = "title_abstract",
) -> dict[str, Any]:
    """Counts and record ids of every PRISMA box for a built workspace folder."""
    build = Path(build)
    for needed in ("records.parquet", "duplicates.csv"):
        if not (build / needed).is_file():
            raise InputError(
                f"{build / needed}: not found; run `scoping run` (ingest and dedupe) first."
            )
    records = pd.read_parquet(
        build / "records.parquet", columns=["record_id", "source_file", "database"]
    )
    groups = pd.read_csv(build / "duplicates.csv", dtype={"record_id": str, "group_id": str})
    databases = _database_names(records, Path(search_log) if search_log else None)
    identified = {
        name: sorted(records.loc[databases == name, "record_id"]) for name in sorted(set(databases))
    }
    primary = groups[groups["is_primary"]]
    group_primary = dict(zip(primary["group_id"], primary["record_id"], strict=True))
    work_of = {
        rid: group_primary[g]
        for rid, g in zip(groups["record_id"], groups["group_id"], strict=True)
    }
    final: dict[str, tuple[str, str | None]] = {}
    opened = open_store(store) if store is not None else None
    if opened is not None:
        log = opened.events()
        log = log[(log["stage"] == stage) & log["target"].isin(work_of)]
        last = latest(log.assign(work=log["target"].map(work_of)), ("work",))
        rows = zip(last["work"], last["decision"], last["reason"], strict=True)
        final = {w: (d, r if isinstance(r, str) else None) for w, d, r in rows}
    screened = sorted(group_primary.values())
    excluded: dict[str, list[str]] = {}
    for work, (decision, reason) in sorted(final.items()):
        if decision == "exclude":
            excluded.setdefault(reason or "no reason given", []).append(work)
    boxes = {
        "identified": identified,
        "duplicates_removed": sorted(r for r, w in work_of.items() if r != w),
        "screened": screened,
        "included": sorted(w for w, (d, _) in final.items() if d == "include"),
        "excluded": excluded,
        "maybe": sorted(w for w, (d, _) in final.items() if d == "maybe"),
        "not_yet_screened": sorted(w for w in screened if w not in final),
    }
    return {"stage": stage, "counts": _counts(boxes), "records": boxes}


def _counts(boxes: dict[str, Any]) -> dict[str, Any]:
    return {
        name: ({k: len(v) for k, v in ids.items()} if isinstance(ids, dict) else len(ids))
        for name, ids in boxes.items()
    }


def check(result: dict[str, Any]) -> list[str]:
    """The flow's arithmetic, as a list of broken identities (empty when it adds up)."""
    c = result["counts"]
    identified = sum(c["identified"].values())
    screened_parts = (
        c["included"] + sum(c["excluded"].values()) + c["maybe"] + c["not_yet_screened"]
    )
    problems = []
    if identified != c["duplicates_removed"] + c["screened"]:
        problems.append(
            f"identified {identified} != duplicates removed "
            f"{c['duplicates_removed']} + screened {c['screened']}"
        )
    if c["screened"] != screened_parts:
        problems.append(
            f"screened {c['screened']} != included + excluded + maybe + "
            f"not yet screened ({screened_parts})"
        )
    return problems


def write(build: str | Path, *, stale: Iterable[str] = (), **kwargs: Any) -> dict[str, Any]:
    """Compute the flow for ``build`` and write ``build/prisma.json`` (atomically).

    Keyword arguments go to :func:`flow`; ``stale`` files of ``build`` are removed in
    the same commit.
    """
    result = flow(build, **kwargs)
    result["checks"] = check(result) or [
        "identified = duplicates removed + screened",
        "screened = included + excluded + maybe + not yet screened",
    ]
    with atomic.Outputs(build) as out:
        out.path("prisma.json").write_text(
            json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        out.remove(*stale)
    return result


def summary(result: dict[str, Any], out: Path) -> str:
    """The flow in one line."""
    c = result["counts"]
    excluded = sum(c["excluded"].values())
    verdict = "adds up" if not check(result) else "DOES NOT ADD UP: " + "; ".join(check(result))
    return (
        f"prisma: {sum(c['identified'].values())} identified in {len(c['identified'])} "
        f"sources, {c['duplicates_removed']} duplicates removed, {c['screened']} screened: "
        f"{c['included']} included, {excluded} excluded, {c['maybe']} maybe, "
        f"{c['not_yet_screened']} not yet screened ({verdict}) -> {out / 'prisma.json'}"
    )
