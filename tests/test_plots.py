"""Pack figures: their bytes do not depend on what the process set before."""

import io

import matplotlib as mpl
import pandas as pd

from scoping import plots


def _png() -> bytes:
    with plots.styled():
        ax = plots.design_mix(pd.Series({"Survey": 5, "Trial": 2}))
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def test_a_figure_drawn_styled_ignores_and_keeps_the_process_settings():
    clean = _png()
    with mpl.rc_context({"font.size": 23, "axes.facecolor": "black", "figure.dpi": 50}):
        assert _png() == clean
        assert mpl.rcParams["font.size"] == 23  # put back on leaving
