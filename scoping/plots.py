"""Figures for the briefing packs: pure functions from tables to matplotlib Axes.

Figures are made with matplotlib's object interface (no pyplot, no backend switch),
so they behave the same in a notebook, a script or a headless build.

Each function takes a tidy DataFrame (or the PRISMA counts), draws on ``ax`` (a new
figure when omitted) and returns the Axes; the caller decides where figures go. No
function reads files or changes global state beyond seaborn's theme set by
:func:`style`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import matplotlib as mpl
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

PALETTE = "colorblind"


def style() -> None:
    """Seaborn's clean style with a colour-blind-safe palette, for every pack figure."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """The pack figures' style for the figures drawn inside, whatever the process's own.

    matplotlib's defaults, then :func:`style`, all undone on leaving: a figure written
    to a file has the same bytes in a fresh process and in one that changed its
    settings before (a notebook kernel, a test session).
    """
    with mpl.rc_context():
        mpl.rcdefaults()
        style()
        yield


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").subplots()


def _empty(ax: Axes, message: str) -> Axes:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return ax


def years_by_theme(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Records per year for each theme (``frame``: one row per record and theme)."""
    ax = _axes(ax, (8, 4))
    if frame.empty:
        return _empty(ax, "No records with a year and a theme")
    counts = frame.groupby(["year", "theme"]).size().rename("records").reset_index()
    sns.lineplot(data=counts, x="year", y="records", hue="theme", marker="o", ax=ax)
    ax.set(xlabel="Year of publication", ylabel="Records", title="Records per year by theme")
    ax.legend(title=None, fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    ax.xaxis.get_major_locator().set_params(integer=True)
    return ax


def theme_by_setting(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Heat map of records per theme (rows) and setting (columns)."""
    ax = _axes(ax, (8, 4.5))
    if table.empty or table.to_numpy().sum() == 0:
        return _empty(ax, "No records tagged with both a theme and a setting")
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, ax=ax)
    ax.set(xlabel="", ylabel="", title="Records by theme and setting")
    for label in ax.get_xticklabels():
        label.set(rotation=35, horizontalalignment="right")
    return ax


def design_mix(counts: pd.Series, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars: records per study design (``counts`` indexed by design)."""
    ax = _axes(ax, (7, 3.5))
    if counts.empty or counts.sum() == 0:
        return _empty(ax, "No records tagged with a study design")
    data = counts.rename("records").rename_axis("design").reset_index()
    sns.barplot(data=data, y="design", x="records", color=sns.color_palette(PALETTE)[0], ax=ax)
    ax.set(xlabel="Records", ylabel="", title="Study design mix")
    return ax


def topics_over_time(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of each year's records in each topic (``frame``: topic label, year, records)."""
    ax = _axes(ax, (8, 4))
    if frame.empty:
        return _empty(ax, "No topics to show")
    wide = frame.pivot_table(index="year", columns="topic", values="records", fill_value=0)
    share = wide.div(wide.sum(axis=1), axis=0)
    share.plot.area(
        ax=ax,
        linewidth=0,
        colormap=None,
        color=sns.color_palette(PALETTE, n_colors=len(share.columns)),
    )
    ax.set(
        xlabel="Year of publication",
        ylabel="Share of the year's records",
        title="Topic prevalence over time",
        ylim=(0, 1),
    )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(title=None, fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def record_map(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """A 2-D map of records (``frame``: x, y, topic), each coloured by its main topic."""
    ax = _axes(ax, (8, 5))
    if frame.empty:
        return _empty(ax, "No records to map")
    sns.scatterplot(
        data=frame,
        x="x",
        y="y",
        hue="topic",
        s=18,
        alpha=0.8,
        linewidth=0,
        palette=sns.color_palette(PALETTE, n_colors=frame["topic"].nunique()),
        ax=ax,
    )
    ax.set(
        xlabel="First component",
        ylabel="Second component",
        title="Map of records by their topic weights",
    )
    ax.legend(title=None, fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str, colour: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle="round,pad=0.01",
            linewidth=1,
            edgecolor="#333333",
            facecolor=colour,
        )
    )
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=8, wrap=True)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#333333"})


def _steps(counts: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The flow's main boxes, each with its side boxes (text, colour), top to bottom."""
    identified = counts["identified"]
    lines = "\n".join(f"{name}: {n:,}" for name, n in identified.items())
    steps = [
        (
            f"Records identified\n{lines}\nTotal: {sum(identified.values()):,}",
            [(f"Duplicates grouped\n(kept, not deleted): {counts['duplicates_removed']:,}", GREY)],
        ),
        (
            f"Records screened (unique works): {counts['screened']:,}",
            [
                (_reasons("Records excluded", counts["excluded"]), GREY),
                (
                    f"Awaiting a decision: {counts['maybe'] + counts['not_yet_screened']:,}\n"
                    f"maybe {counts['maybe']:,}; not yet screened {counts['not_yet_screened']:,}",
                    WAITING,
                ),
            ],
        ),
    ]
    if "sought" not in counts:
        return [*steps, (f"Included: {counts['included']:,}", [])]
    return [
        *steps,
        (
            f"Reports sought for retrieval: {counts['sought']:,}",
            [
                (_reasons("Reports not retrieved", counts["not_retrieved"]), GREY),
                (f"Awaiting retrieval: {counts['awaiting_retrieval']:,}", WAITING),
            ],
        ),
        (
            f"Reports retrieved: {counts['retrieved']:,}\n"
            f"assessed for eligibility: {counts['assessed']:,}",
            [
                (_reasons("Reports excluded", counts["full_text_excluded"]), GREY),
                (
                    f"Awaiting a decision: "
                    f"{counts['awaiting_assessment'] + counts['full_text_maybe']:,}\nmaybe "
                    f"{counts['full_text_maybe']:,}; not yet assessed "
                    f"{counts['awaiting_assessment']:,}",
                    WAITING,
                ),
            ],
        ),
        (
            f"Studies included in review: "
            f"{counts.get('included_studies', counts['studies_included']):,}\n"
            f"Reports of included studies: {counts['studies_included']:,}",
            [],
        ),
    ]


GREY, WAITING, MAIN, DONE = "#f2f2f2", "#fff4cc", "#dbe9f6", "#d5ecd4"


def _reasons(what: str, reasons: dict[str, int]) -> str:
    lines = "".join(f"\n{r}: {n:,}" for r, n in sorted(reasons.items()))
    return f"{what}: {sum(reasons.values()):,}{lines}"


def prisma_flow(
    counts: dict[str, Any], *, in_pack: str | None = None, ax: Axes | None = None
) -> Axes:
    """A PRISMA 2020 flow diagram drawn from the pipeline's counts (``prisma.json``).

    Identification, screening, and, once the full-text stage has run, retrieval and
    eligibility; every box is a count of the flow, "maybe" and "not yet" in boxes of
    their own, never inside "excluded".
    """
    steps = _steps(counts)
    heights = [
        max(1.0, 0.32 * (1 + max([t.count("\n") for t, _ in [(m, 0), *s]]))) for m, s in steps
    ]
    heights = [max(h, 1.1 * len(s)) for h, (_, s) in zip(heights, steps, strict=True)]
    total = sum(heights) + 0.5 * len(steps) + (1.6 if in_pack else 0)
    ax = _axes(ax, (8.5, 0.62 * total + 0.6))
    ax.set(xlim=(0, 10), ylim=(0, total + 0.3))
    ax.set_axis_off()
    top = total
    for number, ((main, sides), height) in enumerate(zip(steps, heights, strict=True)):
        y = top - height
        last = number == len(steps) - 1
        _box(ax, 0.2, y, 4.8, height, main, DONE if last else MAIN)
        if not last:
            _arrow(ax, (2.6, y), (2.6, y - 0.5))
        side_h = (height - 0.1 * (len(sides) - 1)) / max(len(sides), 1)
        for index, (text, colour) in enumerate(sides):
            side_y = top - (index + 1) * side_h - index * 0.1
            _box(ax, 5.7, side_y, 4.1, side_h, text, colour)
            _arrow(ax, (5.0, side_y + side_h / 2), (5.7, side_y + side_h / 2))
        top = y - 0.5
    if in_pack is not None:
        _box(ax, 0.2, 0.1, 9.6, 1.2, in_pack, "#fdebd0")
    ax.set_title("PRISMA 2020 flow of records", fontsize=11)
    return ax
