"""Figures: one function per figure, each returning a matplotlib Figure; the only importer of matplotlib."""

from vaemath.figures.bench import bench_figure
from vaemath.figures.save import save

__all__ = ["bench_figure", "save"]
