"""Charting: the values reviewers record for each included work, field by field.

Every charted value is an event in the decision log (stage ``charting``): who, when,
which work (``target``), which field of the form (``decision``), the value as JSON
(``note``), and where it came from (``reason``: ``draft`` when a reviewer accepted the
drafted value unchanged, ``entered`` when they wrote or changed it, ``reconciled``
for the agreed value after a disagreement). Values are checked against the charting
form before they are stored, so a value outside a field's allowed list never enters
the log. The audit covers charting like any decision.

Two reviewers can chart the same work blind; :func:`consensus` then gives each field's
agreed value (both gave it, or a reconciliation was recorded) or marks a conflict, and
:func:`agreement` reports agreement per field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import Outputs
from ..form import Form
from ..io.writers import vancouver, write_csv, write_xlsx
from .agreement import cohen_kappa
from .store import DecisionStore, latest, open_store

STAGE = "charting"
#: Where a charted value came from.
SOURCES = ("draft", "entered", "reconciled")
LONG_COLUMNS = ("record_id", "field", "reviewer", "value", "source", "recorded_at", "seq")


def record_value(
    store: DecisionStore,
    form: Form,
    *,
    reviewer: str,
    record_id: str,
    field: str,
    value: Any,
    source: str = "entered",
) -> dict[str, Any]:
    """Check ``value`` against the form and store it as a charting event."""
    (event,) = record_values(store, form, [(reviewer, record_id, field, value, source)])
    return event


def record_values(
    store: DecisionStore, form: Form, values: Iterable[tuple[str, str, str, Any, str]]
) -> list[dict[str, Any]]:
    """Store many values at once: ``(reviewer, record_id, field, value, source)`` each.

    Every value is checked against the form first; then all are stored in one
    transaction, or none is.
    """
    events = []
    for reviewer, record_id, field, value, source in values:
        if source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
        events.append(
            {
                "reviewer": reviewer,
                "target": record_id,
                "stage": STAGE,
                "decision": field,
                "reason": source,
                "note": form.check(field, value),
            }
        )
    return store.record_many(events)


def charted(store: DecisionStore | None, *, own: bool = False) -> pd.DataFrame:
    """Each reviewer's current value of each field of each work (the latest event).

    With ``own``, each reviewer's latest value of their own charting, before any
    reconciliation (what agreement between reviewers is measured on).
    """
    if store is None:
        return pd.DataFrame(columns=list(LONG_COLUMNS))
    log = store.events()
    log = log[log["stage"] == STAGE]
    if own:
        log = log[log["reason"] != "reconciled"]
    last = latest(log, ("reviewer", "target", "decision"))
    table = pd.DataFrame(
        {
            "record_id": last["target"],
            "field": last["decision"],
            "reviewer": last["reviewer"],
            "value": [json.loads(v) if isinstance(v, str) else None for v in last["note"]],
            "source": last["reason"],
            "recorded_at": last["recorded_at"],
            "seq": last["seq"],
        }
    )
    return table.sort_values(["record_id", "field", "reviewer"], ignore_index=True)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def consensus(values: pd.DataFrame) -> pd.DataFrame:
    """Each work's and field's value, and whether it is agreed or in conflict.

    ``status`` is ``reconciled`` when the latest event on the field is a
    reconciliation, ``agreed`` when every reviewer who charted it gave the same value
    (one reviewer alone counts as agreed, ``single``), and ``conflict`` otherwise,
    with ``value`` empty.
    """
    rows = []
    events = values.sort_values(["record_id", "field", "seq"], kind="stable").to_dict("records")
    for (rid, field), rows_of in groupby(events, key=itemgetter("record_id", "field")):
        group = list(rows_of)  # plain rows: a data frame per group was slow
        last = group[-1]
        distinct = {_key(e["value"]) for e in group}
        if last["source"] == "reconciled":
            status, value = "reconciled", last["value"]
        elif len(distinct) == 1:
            status = "single" if len(group) == 1 else "agreed"
            value = last["value"]
        else:
            status, value = "conflict", None
        rows.append(
            {
                "record_id": rid,
                "field": field,
                "value": value,
                "status": status,
                "reviewers": "; ".join(sorted(e["reviewer"] for e in group)),
                "checked": status != "single" or last["source"] != "draft",
            }
        )
    columns = ["record_id", "field", "value", "status", "reviewers", "checked"]
    return pd.DataFrame(rows, columns=columns)


def disagreements(values: pd.DataFrame) -> pd.DataFrame:
    """The fields on which reviewers differ and no reconciliation is recorded yet."""
    table = consensus(values)
    conflicts = table[table["status"] == "conflict"][["record_id", "field"]]
    return conflicts.merge(values, on=["record_id", "field"]).sort_values(
        ["record_id", "field", "reviewer"], ignore_index=True
    )


def agreement(values: pd.DataFrame, form: Form) -> pd.DataFrame:
    """Agreement per field on the works that two or more reviewers charted.

    ``values`` as :func:`charted` gives them with ``own=True``: each reviewer's own
    values, before any reconciliation (a reconciled value left in is ignored). Works
    compared, works agreeing, percentage, and Cohen's kappa for a choice field charted
    by exactly two reviewers.
    """
    before = values[values["source"] != "reconciled"]
    rows = []
    for field in form.fields:
        mine = before[before["field"] == field.name]
        shared = mine.groupby("record_id").filter(lambda g: g["reviewer"].nunique() >= 2)
        works = shared.groupby("record_id")["value"].agg(lambda v: len({_key(x) for x in v}) == 1)
        kappa = None
        if field.type == "choice" and shared["reviewer"].nunique() == 2 and len(works):
            wide = shared.pivot(index="record_id", columns="reviewer", values="value")
            kappa = cohen_kappa(wide.iloc[:, 0].map(_key), wide.iloc[:, 1].map(_key))
        rows.append(
            {
                "field": field.name,
                "works_compared": len(works),
                "works_agreeing": int(works.astype(bool).sum()),  # empty: 0, not ""
                "percent_agreement": round(100 * works.mean(), 1) if len(works) else None,
                "kappa": None if kappa is None else round(float(kappa), 3),
            }
        )
    return pd.DataFrame(rows)


def display(value: Any) -> str:
    """A charted value as a cell of the charting table."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def chart_table(form: Form, agreed: pd.DataFrame, works: pd.DataFrame) -> pd.DataFrame:
    """One row per charted work, one column per field of the form.

    ``works`` gives each work's ``record_id`` and ``citation``. Added columns: who
    charted it, whether any field was reconciled, which fields are in conflict, and
    which required fields are empty.
    """
    rows = []
    for rid, group in agreed.groupby("record_id", sort=True):
        by_field = dict(zip(group["field"], group["value"], strict=True))
        status = dict(zip(group["field"], group["status"], strict=True))
        row = {"record_id": rid}
        row |= {f.label: display(by_field.get(f.name)) for f in form.fields}
        names = {r for found in group["reviewers"] for r in found.split("; ")}
        row["charted by"] = "; ".join(sorted(names))
        row["reconciled"] = any(s == "reconciled" for s in status.values())
        row["fields in conflict"] = "; ".join(f for f, s in status.items() if s == "conflict")
        row["required fields empty"] = "; ".join(form.missing(by_field))
        rows.append(row)
    columns = ["record_id", *(f.label for f in form.fields)]
    columns += ["charted by", "reconciled", "fields in conflict", "required fields empty"]
    table = pd.DataFrame(rows, columns=columns)
    citations = works.set_index("record_id")["citation"]
    table.insert(1, "citation", table["record_id"].map(citations).fillna(""))
    return table


def run(
    build: str | Path,
    store: str | Path | None,
    form: Form,
    *,
    stale: Iterable[str] = (),
) -> pd.DataFrame:
    """The charting stage: the agreed value of every charted field, and the chart table.

    Writes ``charted.csv`` (one row per work and field: value as JSON, status,
    reviewers, checked) and ``charting.csv`` (one row per work, one column per field)
    into ``build`` together.
    """
    build = Path(build)
    agreed = consensus(charted(open_store(store) if store else None))
    records = pd.read_parquet(build / "unique.parquet")
    works = pd.DataFrame(
        {
            "record_id": records["record_id"],
            "citation": [vancouver(r) for r in records.to_dict("records")],
        }
    )
    table = chart_table(form, agreed, works)
    with Outputs(build) as out:
        agreed.assign(value=agreed["value"].map(_key)).to_csv(out.path("charted.csv"), index=False)
        table.to_csv(out.path("charting.csv"), index=False)
        out.remove(*stale)
    return table


def summary(table: pd.DataFrame, out: Path) -> str:
    """What the charting stage found, in one line."""
    conflicts = int((table["fields in conflict"] != "").sum())
    incomplete = int((table["required fields empty"] != "").sum())
    return (
        f"charting: {len(table)} works charted, {int(table['reconciled'].sum())} with a "
        f"reconciled field, {conflicts} with fields in conflict, {incomplete} with required "
        f"fields empty -> {out / 'charting.csv'}"
    )


def export(table: pd.DataFrame, agreement_table: pd.DataFrame, folder: str | Path) -> list[Path]:
    """``scoping chart-export``: the chart table as XLSX (with agreement) and CSV."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(table, folder / "charting.csv")
    write_xlsx(table, folder / "charting.xlsx", sheet="Charting")
    write_csv(agreement_table, folder / "charting_agreement.csv")
    return [folder / "charting.csv", folder / "charting.xlsx", folder / "charting_agreement.csv"]
