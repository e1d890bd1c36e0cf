"""Figures: one function per figure, each returning a matplotlib Figure; the only importer of matplotlib.

Names are loaded lazily, so importing :mod:`vaemath.figures` does not import matplotlib. Figures are built on
Agg canvases without pyplot (:mod:`vaemath.figures.style`), so no global backend is changed.
"""

from importlib import import_module

_EXPORTS = {
    "bench_figure": "vaemath.figures.bench",
    "save": "vaemath.figures.files",
    "check_formats": "vaemath.figures.files",
    "landscape_figure": "vaemath.figures.penalties",
    "sigma_slice_figure": "vaemath.figures.penalties",
    "ratio_figure": "vaemath.figures.penalties",
    "gradient_flow_figure": "vaemath.figures.penalties",
    "rescaling_figure": "vaemath.figures.penalties",
    "linear_path_figure": "vaemath.figures.linear",
    "linear_training_figure": "vaemath.figures.linear",
    "history_figure": "vaemath.figures.training",
    "samples_figure": "vaemath.figures.training",
    "aggregate_posterior_figure": "vaemath.figures.training",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vaemath.figures' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
