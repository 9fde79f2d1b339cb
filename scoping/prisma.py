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
from .curation.status import final_decisions, work_of
from .curation.store import open_store
from .errors import InputError
from .graph import components


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
    databases = _database_names(records, Path(search_log) if search_log else None)
    identified = {
        name: sorted(records.loc[databases == name, "record_id"]) for name in sorted(set(databases))
    }
    works = work_of(build)
    opened = open_store(store) if store is not None else None
    final = final_decisions(opened, stage, works)
    screened = sorted(set(works.values()))
    boxes = {
        "identified": identified,
        "duplicates_removed": sorted(r for r, w in works.items() if r != w),
        "screened": screened,
        "included": sorted(w for w, (d, _) in final.items() if d == "include"),
        "excluded": _by_reason(final, "exclude"),
        "maybe": sorted(w for w, (d, _) in final.items() if d == "maybe"),
        "not_yet_screened": sorted(w for w in screened if w not in final),
    }
    if (build / "fulltext.csv").is_file():
        boxes |= _full_text(build, opened, works, boxes["included"])
        boxes["included_studies"] = studies(build, works, boxes["studies_included"])
    return {"stage": stage, "counts": _counts(boxes), "records": boxes}


def studies(build: Path, works: dict[str, str], included: list[str]) -> list[str]:
    """The studies behind the included reports (works), as PRISMA 2020 counts them.

    Included works joined by a sure link of ``related.csv`` (an erratum and its paper,
    a preprint and its published version, two reports of one trial) are one study; each
    study is named by its smallest work id. Without ``related.csv``, each work is one.
    """
    path = build / "related.csv"
    links = pd.read_csv(path, dtype=str) if path.is_file() else pd.DataFrame()
    pairs = []
    if len(links):
        links = links[links["status"] == "linked"]
        kept = set(included)
        for a, b in zip(links["record_id"], links["related_id"], strict=True):
            x, y = works.get(a), works.get(b)
            if x in kept and y in kept:
                pairs.append((x, y))
    return sorted(set(components(pairs, included).values()))


def _by_reason(final: dict[str, tuple[str, str | None]], decision: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for work, (made, reason) in sorted(final.items()):
        if made == decision:
            out.setdefault(reason or "no reason given", []).append(work)
    return out


def _full_text(build: Path, store: Any, works: dict[str, str], sought: list[str]) -> dict[str, Any]:
    """The full-text boxes of the flow.

    Sought, not retrieved (per reason), assessed, excluded (per reason), included, and
    the works still waiting at either step.
    """
    table = pd.read_csv(build / "fulltext.csv", dtype=str, keep_default_na=False)
    status = dict(zip(table["record_id"], table["status"], strict=True))
    reason = dict(zip(table["record_id"], table["reason"], strict=True))
    retrieved = [w for w in sought if status.get(w) == "retrieved"]
    final = {w: d for w, d in final_decisions(store, "full_text", works).items() if w in retrieved}
    return {
        "sought": sought,
        "not_retrieved": _by_reason(
            {w: ("not", reason.get(w)) for w in sought if status.get(w) == "not retrieved"},
            "not",
        ),
        "awaiting_retrieval": [w for w in sought if status.get(w) in (None, "awaiting retrieval")],
        "retrieved": retrieved,
        "assessed": sorted(final),
        "full_text_excluded": _by_reason(final, "exclude"),
        "full_text_maybe": sorted(w for w, (d, _) in final.items() if d == "maybe"),
        "studies_included": sorted(w for w, (d, _) in final.items() if d == "include"),
        "awaiting_assessment": sorted(w for w in retrieved if w not in final),
    }


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
    problems = _full_text_problems(c)
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


def _full_text_problems(c: dict[str, Any]) -> list[str]:
    if "sought" not in c:
        return []
    problems = []
    not_retrieved = sum(c["not_retrieved"].values())
    if c["sought"] != c["retrieved"] + not_retrieved + c["awaiting_retrieval"]:
        problems.append(
            f"sought {c['sought']} != retrieved + not retrieved + awaiting retrieval "
            f"({c['retrieved'] + not_retrieved + c['awaiting_retrieval']})"
        )
    assessed = c["studies_included"] + sum(c["full_text_excluded"].values()) + c["full_text_maybe"]
    if c["assessed"] != assessed:
        problems.append(f"assessed {c['assessed']} != included + excluded + maybe ({assessed})")
    if c["retrieved"] != c["assessed"] + c["awaiting_assessment"]:
        problems.append(
            f"retrieved {c['retrieved']} != assessed + awaiting assessment "
            f"({c['assessed'] + c['awaiting_assessment']})"
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
    full = ""
    if "sought" in c:
        full = (
            f"; full text: {c['sought']} sought, {sum(c['not_retrieved'].values())} not "
            f"retrieved, {c['assessed']} assessed, {sum(c['full_text_excluded'].values())} "
            f"excluded, {c['studies_included']} reports of "
            f"{c.get('included_studies', c['studies_included'])} studies included"
        )
    return (
        f"prisma: {sum(c['identified'].values())} identified in {len(c['identified'])} "
        f"sources, {c['duplicates_removed']} duplicates removed, {c['screened']} screened: "
        f"{c['included']} included, {excluded} excluded, {c['maybe']} maybe, "
        f"{c['not_yet_screened']} not yet screened{full} ({verdict}) -> {out / 'prisma.json'}"
    )
