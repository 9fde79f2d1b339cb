"""A pack's files beside its report, written from its data (never by the template).

``evidence.csv`` and ``evidence.xlsx`` (the evidence table), ``references.ris`` and
``references.bib`` (the pack's records for reference managers), and ``trace.json``:
the pack's parameters, the record ids behind every number it shows, and every PRISMA
box. The build writes them after the template has run, so no cell of the template, in
any order, can change them.
"""

from __future__ import annotations

import io
import json
from functools import partial
from pathlib import Path
from typing import Any

from .. import plots
from ..io.writers import link, to_bibtex, to_ris, vancouver, write_csv, write_xlsx
from . import documents, gapmap
from .data import PackData, cite


def trace(data: PackData) -> dict:
    """What ``trace.json`` holds.

    The parameters, the ids behind every number, the PRISMA boxes, the works included,
    and what changed since the previous build.
    """
    return {
        "parameters": data.params.as_dict(),
        "numbers": {k: data.numbers[k] for k in sorted(data.numbers)},
        "prisma": data.flow["records"],
        "included": sorted(data.included),
        "changes": data.changes,
    }


def write(data: PackData, folder: str | Path, baseline: dict | None = None) -> list[Path]:
    """Write every file beside the report into ``folder``.

    The evidence table, the references, the gap map (CSV and HTML), the one-page
    summary (PDF and PNG), the Word file and the slides, the trace, and the baseline
    the changes were measured against.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(data.evidence, out / "evidence.csv")
    write_xlsx(data.evidence, out / "evidence.xlsx")
    records = data.records.to_dict("records")
    (out / "references.ris").write_text(to_ris(records), encoding="utf-8")
    (out / "references.bib").write_text(to_bibtex(records), encoding="utf-8")
    _gap_map(data, out)
    with plots.styled():
        picture = _png(gapmap.figure(data.gap_map, data.params.gap_map_colour))
    cited = partial(cite, data)
    documents.write_summary(documents.summary_html(data, cited, picture), out)
    documents.write_docx(data, cited, picture, out / "pack.docx")
    documents.write_pptx(data, cited, picture, out / "slides.pptx")
    for name, content in (("trace.json", trace(data)), ("baseline.json", baseline or {})):
        (out / name).write_text(
            json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    return [out / n for n in NAMES]


#: The files :func:`write` makes.
NAMES = (
    "evidence.csv",
    "evidence.xlsx",
    "references.ris",
    "references.bib",
    "gap_map.csv",
    "gap_map.html",
    "summary.pdf",
    "summary.png",
    "pack.docx",
    "slides.pptx",
    "trace.json",
    "baseline.json",
)


def _gap_map(data: PackData, out: Path) -> None:
    write_csv(data.gap_map, out / "gap_map.csv")
    references = {
        r["record_id"]: {"citation": vancouver(r), "link": link(r)}
        for r in data.records.to_dict("records")
    }
    (out / "gap_map.html").write_text(
        gapmap.page(
            data.gap_map,
            data.params.gap_map_colour,
            title=f"Evidence and gap map: {data.name}",
            references=references,
            synthetic=data.synthetic,
        ),
        encoding="utf-8",
    )


def _png(ax: Any) -> bytes:
    """A figure as PNG bytes (no software stamp: the same figure, the same bytes)."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=130, metadata={"Software": None})
    return buffer.getvalue()
