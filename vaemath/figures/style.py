"""House style of every figure: a colour-blind-safe palette, readable fonts, Agg canvases without pyplot.

Figures are built as :class:`matplotlib.figure.Figure` objects on an Agg canvas, never through pyplot, so
no global backend is switched (Jupyter's inline display keeps working) and no figure is left open.
"""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color universal design": distinguishable under the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
REFERENCE, CANDIDATE = OKABE_ITO[0], OKABE_ITO[1]
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1)), (0, (1, 1)), (0, (6, 2)))
SEQUENTIAL, DIVERGING = "cividis", "PuOr_r"

RC = {
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 9.5,
    "xtick.labelsize": 10, "ytick.labelsize": 10, "axes.spines.top": False, "axes.spines.right": False,
    "svg.hashsalt": "vaemath", "svg.fonttype": "path", "pdf.fonttype": 42, "path.simplify": True,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO[:7]),
}


@contextmanager
def style():
    """rcParams of the house style, for the duration of a figure's construction."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float, height: float, **subplots):
    """A Figure on an Agg canvas with constrained layout, and its axes from ``Figure.subplots``."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(**subplots)


LINE_COLOURS = OKABE_ITO[:7] + ("#999999",)  # Okabe-Ito without the yellow (faint on white), plus grey


def colour(i: int) -> str:
    """The i-th line colour (cycling through eight)."""
    return LINE_COLOURS[i % len(LINE_COLOURS)]
