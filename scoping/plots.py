"""Figures for the briefing packs: pure functions from tables to matplotlib Axes.

Figures are made with matplotlib's object interface (no pyplot, no backend switch),
so they behave the same in a notebook, a script or a headless build.

Each function takes a tidy DataFrame (or the PRISMA counts), draws on ``ax`` (a new
figure when omitted) and returns the Axes; the caller decides where figures go. No
function reads files or changes global state beyond seaborn's theme set by
:func:`style`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

PALETTE = "colorblind"


def style() -> None:
    """Seaborn's clean style with a colour-blind-safe palette, for every pack figure."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")


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


def prisma_flow(
    counts: dict[str, Any], *, in_pack: str | None = None, ax: Axes | None = None
) -> Axes:
    """A PRISMA 2020 flow diagram drawn from the pipeline's counts (``prisma.json``)."""
    ax = _axes(ax, (8, 7))
    ax.set(xlim=(0, 10), ylim=(0, 10))
    ax.set_axis_off()
    identified = counts["identified"]
    lines = [f"{name}: {n:,}" for name, n in identified.items()]
    _box(
        ax,
        0.2,
        7.6,
        5.2,
        2.2,
        "Records identified\n" + "\n".join(lines) + f"\nTotal: {sum(identified.values()):,}",
        "#dbe9f6",
    )
    _box(
        ax,
        6.2,
        8.2,
        3.6,
        1.0,
        f"Duplicates grouped\n(kept, not deleted): {counts['duplicates_removed']:,}",
        "#f2f2f2",
    )
    _arrow(ax, (5.4, 8.7), (6.2, 8.7))
    _box(
        ax,
        0.2,
        5.6,
        5.2,
        1.2,
        f"Records screened (unique works): {counts['screened']:,}",
        "#dbe9f6",
    )
    _arrow(ax, (2.8, 7.6), (2.8, 6.8))
    excluded = counts["excluded"]
    reasons = "\n".join(f"{r}: {n:,}" for r, n in sorted(excluded.items()))
    _box(ax, 6.2, 5.0, 3.6, 2.5, f"Excluded: {sum(excluded.values()):,}\n{reasons}", "#f2f2f2")
    _arrow(ax, (5.4, 6.2), (6.2, 6.2))
    _box(
        ax,
        6.2,
        3.4,
        3.6,
        1.2,
        f"Awaiting a decision: {counts['maybe'] + counts['not_yet_screened']:,}\n"
        f"Maybe: {counts['maybe']:,}; not yet screened: {counts['not_yet_screened']:,}",
        "#fff4cc",
    )
    _arrow(ax, (5.4, 5.9), (6.2, 4.0))
    _box(ax, 0.2, 3.6, 5.2, 1.2, f"Included: {counts['included']:,}", "#d5ecd4")
    _arrow(ax, (2.8, 5.6), (2.8, 4.8))
    if in_pack is not None:
        _box(ax, 0.2, 1.4, 9.6, 1.4, in_pack, "#fdebd0")
    ax.set_title("PRISMA 2020 flow of records", fontsize=11)
    return ax
