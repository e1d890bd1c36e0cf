"""Figures: one function per figure, each returning a matplotlib Figure; the only importer of matplotlib.

Names are loaded lazily, so importing :mod:`vaemath.figures` does not import matplotlib.
"""

from importlib import import_module

_EXPORTS = {"bench_figure": "vaemath.figures.bench", "save": "vaemath.figures.save"}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vaemath.figures' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
