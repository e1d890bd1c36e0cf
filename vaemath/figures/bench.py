"""Benchmark bar chart: speed-up over numpy per case and implementation, and share of write bandwidth."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from vaemath.figures.style import colour, new_figure, style


def bench_figure(result: dict):
    """Grouped bars from the dict that :func:`vaemath.bench.run` returns.

    Left: speed-up over numpy broadcasting (log scale) for each case and implementation. Right: the
    fraction of the machine's write bandwidth that vaemath's kernels reach.
    """
    cases = [c["case"] for c in result["cases"]]
    impls = [i for i in result["implementations"] if i != "numpy"]
    with style():
        return _draw(result, cases, impls)


def _draw(result, cases, impls):
    fig, (ax, bw) = new_figure(13, 4.8, ncols=2, gridspec_kw={"width_ratios": [3, 1.4]})
    width = 0.8 / max(len(impls), 1)
    x = np.arange(len(cases))
    for k, impl in enumerate(impls):
        ratios = [c["ratio_to_numpy"].get(impl, np.nan) for c in result["cases"]]
        ax.bar(x + (k - (len(impls) - 1) / 2) * width, ratios, width, label=impl, color=colour(k))
    ax.axhline(1.0, color="black", lw=0.8, label="numpy broadcasting (= 1)")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # labels below 1 too: 0.2, 0.5, ...
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(x, cases, rotation=20, ha="right", fontsize=10)
    ax.set_ylabel("speed-up over numpy broadcasting (x)", fontsize=11)
    ax.set_title(f"{result['size']} x {result['size']} float64 grid, median of {result['repeat']} runs", fontsize=11)
    ax.legend(fontsize=9, ncol=len(impls) + 1, loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False)
    frac = [c["fraction_of_bandwidth"].get("vaemath", np.nan) for c in result["cases"]]
    bw.barh(x, frac, color=colour(2))
    bw.axvline(1.0, color="black", lw=0.8)
    bw.set_yticks(x, cases, fontsize=10)
    bw.invert_yaxis()
    bw.set_xlabel("vaemath / write bandwidth (fraction)", fontsize=11)
    bw.set_title(f"write bandwidth {result['bandwidth_gb_s']:.1f} GB/s", fontsize=11)
    return fig
