"""A pack's files beside its report, written from its data (never by the template).

``evidence.csv`` and ``evidence.xlsx`` (the evidence table), ``references.ris`` and
``references.bib`` (the pack's records for reference managers), and ``trace.json``:
the pack's parameters, the record ids behind every number it shows, and every PRISMA
box. The build writes them after the template has run, so no cell of the template, in
any order, can change them.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..io.writers import to_bibtex, to_ris, write_csv, write_xlsx
from .data import PackData


def trace(data: PackData) -> dict:
    """What ``trace.json`` holds: parameters, the ids behind every number, PRISMA boxes."""
    return {
        "parameters": data.params.as_dict(),
        "numbers": {k: data.numbers[k] for k in sorted(data.numbers)},
        "prisma": data.flow["records"],
    }


def write(data: PackData, folder: str | Path) -> list[Path]:
    """Write the evidence table, the references and the trace into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(data.evidence, out / "evidence.csv")
    write_xlsx(data.evidence, out / "evidence.xlsx")
    records = data.records.to_dict("records")
    (out / "references.ris").write_text(to_ris(records), encoding="utf-8")
    (out / "references.bib").write_text(to_bibtex(records), encoding="utf-8")
    (out / "trace.json").write_text(
        json.dumps(trace(data), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    names = ("evidence.csv", "evidence.xlsx", "references.ris", "references.bib", "trace.json")
    return [out / n for n in names]
