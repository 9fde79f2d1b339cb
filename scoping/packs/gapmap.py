"""The evidence and gap map: interventions (rows) by outcome domains (columns).

Each cell is the number of studies that looked at the intervention and the outcome,
drawn as a bubble sized by that number and coloured by study design or by direction
of effect; an empty cell is a gap, drawn as a hollow mark. :func:`figure` draws it for
the pack's HTML and PDF; :func:`page` writes it as a self-contained HTML page
(``gap_map.html``: inline SVG and CSS, no script, no font or file fetched), where
hovering a bubble lists its studies and clicking it goes to them, each with its link.
Record text is escaped: a title cannot become markup or a ``javascript:`` link.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: Colours (colour-blind safe, Okabe-Ito) for the values that colour the bubbles.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
DIRECTION_COLOURS = {
    "improved": "#009E73",
    "mixed": "#E69F00",
    "no change": "#999999",
    "worse": "#D55E00",
    "not reported": "#56B4E9",
    "not charted": "#CCCCCC",
}


def cells(table: pd.DataFrame, colour: str) -> pd.DataFrame:
    """One row per (intervention, outcome): studies, and studies per colour value."""
    rows = []
    for (i, o), group in table.groupby(["intervention", "outcome"], sort=False):
        ids = sorted({r for found in group["record_ids"] for r in found.split("; ") if r})
        parts: dict[str, set[str]] = {}
        for row in group[group["n_studies"] > 0].itertuples():
            parts.setdefault(getattr(row, colour), set()).update(row.record_ids.split("; "))
        main = max(sorted(parts), key=lambda k: len(parts[k])) if parts else ""
        rows.append(
            {
                "intervention": i,
                "outcome": o,
                "n": len(ids),
                "ids": ids,
                "main": main,
                "parts": {k: len(v) for k, v in sorted(parts.items())},
            }
        )
    return pd.DataFrame(rows, columns=["intervention", "outcome", "n", "ids", "main", "parts"])


def colours(values: list[str], colour: str) -> dict[str, str]:
    """A fixed colour for each value (directions by meaning, designs in order)."""
    if colour == "direction":
        return {v: DIRECTION_COLOURS.get(v, "#999999") for v in values}
    return {v: PALETTE[n % len(PALETTE)] for n, v in enumerate(sorted(values))}


def figure(table: pd.DataFrame, colour: str = "design", *, ax: Axes | None = None) -> Axes:
    """The gap map as a figure: bubbles sized by studies, coloured by ``colour``."""
    grid = cells(table, colour)
    rows = list(dict.fromkeys(grid["intervention"]))
    columns = list(dict.fromkeys(grid["outcome"]))
    if ax is None:
        width = max(6.0, 1.25 * len(columns) + 3.5)
        ax = Figure(
            figsize=(width, max(3.0, 0.42 * len(rows) + 1.8)), layout="constrained"
        ).subplots()
    if grid.empty or not rows:
        ax.text(0.5, 0.5, "No intervention or outcome charted or drafted yet", ha="center")
        ax.set_axis_off()
        return ax
    values = sorted({m for m in grid["main"] if m})
    palette = colours(values, colour)
    largest = max(grid["n"].max(), 1)
    for row in grid.itertuples():
        x, y = columns.index(row.outcome), rows.index(row.intervention)
        if row.n:
            size = 80 + 900 * math.sqrt(row.n / largest)
            ax.scatter(x, y, s=size, color=palette[row.main], alpha=0.85, edgecolors="#333333")
            ax.text(x, y, str(row.n), ha="center", va="center", fontsize=7, color="white")
        else:
            ax.scatter(x, y, s=30, facecolors="none", edgecolors="#BBBBBB", linewidths=0.8)
    ax.set_xticks(range(len(columns)), [c.replace(" and ", " &\n") for c in columns], fontsize=7)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.grid(True, color="#EEEEEE")
    ax.set_axisbelow(True)
    for label in ax.get_xticklabels():
        label.set(rotation=30, horizontalalignment="right")
    handles = [ax.scatter([], [], s=60, color=palette[v], label=v) for v in values] + [
        ax.scatter([], [], s=30, facecolors="none", edgecolors="#BBBBBB", label="gap: no study")
    ]
    ax.legend(
        handles=handles,
        title=f"Coloured by {colour}",
        fontsize=6,
        title_fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    ax.set_title("Evidence and gap map: studies by intervention and outcome", fontsize=10)
    return ax


def page(
    table: pd.DataFrame,
    colour: str,
    *,
    title: str,
    references: dict[str, dict[str, str]],
    synthetic: bool,
) -> str:
    """``gap_map.html``: the map as inline SVG, its studies listed under it, no script.

    ``references`` gives each record id its citation and link.
    """
    grid = cells(table, colour)
    rows = list(dict.fromkeys(grid["intervention"]))
    columns = list(dict.fromkeys(grid["outcome"]))
    values = sorted({m for m in grid["main"] if m})
    palette = colours(values, colour)
    svg = _svg(grid, rows, columns, palette, references)
    legend = "".join(
        f"<li><span class='dot' style='background:{palette[v]}'></span>{html.escape(v)}</li>"
        for v in values
    )
    notice = (
        "<p class='synthetic'>SYNTHETIC DEMONSTRATION: built from the workbench's invented "
        "demonstration corpus; none of these studies exists.</p>"
        if synthetic
        else ""
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>{notice}"
        f"<h1>{html.escape(title)}</h1><p>Each bubble is the number of studies that looked "
        f"at an intervention (row) and an outcome (column), coloured by "
        f"{html.escape(colour)}. Hover a bubble to list its studies; click it to go to "
        f"them. A hollow ring is a gap: no study yet.</p><ul class='legend'>{legend}</ul>"
        f"{svg}{_lists(grid, references)}</body></html>\n"
    )


STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5em; color: #1a1a1a; }
h1 { color: #003087; font-size: 1.4em; } h2 { color: #003087; font-size: 1.05em; }
.synthetic { border: 3px solid #d5281b; background: #fde8e6; color: #8a1c12; padding: .5em;
             font-weight: bold; }
.legend { list-style: none; padding: 0; } .legend li { display: inline-block; margin-right: 1em; }
.dot { display: inline-block; width: .9em; height: .9em; border-radius: 50%;
       margin-right: .3em; vertical-align: middle; }
svg a:hover circle { stroke: #000; stroke-width: 2; }
.cell { margin-bottom: 1em; } .cell:target { background: #fff4cc; }
li.study { font-size: .85em; margin-bottom: .2em; }
"""


def _svg(
    grid: pd.DataFrame,
    rows: list[str],
    columns: list[str],
    palette: dict[str, str],
    references: dict[str, dict[str, str]],
) -> str:
    left, top, step = 260, 150, 90
    width, height = left + step * len(columns) + 20, top + 44 * len(rows) + 20
    largest = max(grid["n"].max() if len(grid) else 1, 1)
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"role='img' aria-label='Evidence and gap map'>"
    ]
    for x, name in enumerate(columns):
        cx = left + step * x + step / 2
        parts.append(
            f"<text x='{cx:.0f}' y='{top - 12}' font-size='11' text-anchor='start' "
            f"transform='rotate(-35 {cx:.0f} {top - 12})'>{html.escape(name)}</text>"
        )
    for y, name in enumerate(rows):
        parts.append(
            f"<text x='{left - 10}' y='{top + 44 * y + 26}' font-size='11' "
            f"text-anchor='end'>{html.escape(name)}</text>"
        )
    for number, row in enumerate(grid.itertuples()):
        cx = left + step * columns.index(row.outcome) + step / 2
        cy = top + 44 * rows.index(row.intervention) + 22
        if not row.n:
            parts.append(f"<circle cx='{cx:.0f}' cy='{cy}' r='5' fill='none' stroke='#bbb'/>")
            continue
        r = 7 + 15 * math.sqrt(row.n / largest)
        studies = "&#10;".join(
            html.escape(references.get(rid, {}).get("citation", rid)[:110]) for rid in row.ids
        )
        parts.append(
            f"<a href='#cell-{number}'><circle cx='{cx:.0f}' cy='{cy}' r='{r:.1f}' "
            f"fill='{palette[row.main]}' fill-opacity='0.85' stroke='#333'><title>"
            f"{html.escape(row.intervention)} x {html.escape(row.outcome)}: {row.n} "
            f"studies&#10;{studies}</title></circle><text x='{cx:.0f}' y='{cy + 4}' "
            f"font-size='10' fill='white' text-anchor='middle'>{row.n}</text></a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _lists(grid: pd.DataFrame, references: dict[str, dict[str, str]]) -> str:
    out = ["<h2>The studies in each cell</h2>"]
    for number, row in enumerate(grid.itertuples()):
        if not row.n:
            continue
        items = "".join(_item(references.get(rid, {"citation": rid})) for rid in row.ids)
        out.append(
            f"<div class='cell' id='cell-{number}'><h3>{html.escape(row.intervention)} x "
            f"{html.escape(row.outcome)}: {row.n} studies</h3><ul>{items}</ul></div>"
        )
    return "".join(out)


def _item(reference: dict[str, Any]) -> str:
    url = reference.get("link", "")
    link = f" <a href='{html.escape(url)}'>[link]</a>" if url.startswith("https://") else ""
    return f"<li class='study'>{html.escape(reference.get('citation', ''))}{link}</li>"
