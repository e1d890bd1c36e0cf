"""Numba kernels generated from the symbolic layer: fast, accurate, bounded in memory.

Tiers, as in numba-stats: accurate scalar special functions (:mod:`.special`), generated per-penalty
scalar and parallel loops (:mod:`.codegen`, cached as modules by :mod:`.cache`), and the public array
functions :func:`grid`, :func:`evaluate` (and its lean form :func:`pointwise`) and :func:`grid_reduce`
(:mod:`.arrays`).
"""

import os

import numba

# The default OpenMP layer spins on a busy 2-core machine; workqueue yields. The user's choice wins.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

from vaemath.kernels.arrays import evaluate, grid, grid_reduce, pointwise, steepest_subgradient  # noqa: E402
from vaemath.kernels.cache import cache_dir  # noqa: E402

__all__ = ["cache_dir", "evaluate", "grid", "grid_reduce", "pointwise", "steepest_subgradient"]
