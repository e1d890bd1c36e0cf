"""Public numeric evaluation: ``grid`` over mu[i] x sigma[j], pointwise ``evaluate``, streaming ``grid_reduce``."""

from __future__ import annotations

import math
import os

import numpy as np

from vaemath.kernels.cache import load
from vaemath.kernels.codegen import SIZES, WHATS
from vaemath.symbolic import penalty as _penalty

OPS = ("min", "max", "sum", "argmin")
TILE_POINTS = 1 << 22  # points per tile of grid_reduce: 32 MiB of float64


def _what(what) -> tuple:
    names = (what,) if isinstance(what, str) else tuple(what)
    bad = [w for w in names if w not in WHATS]
    if bad or not names or len(set(names)) != len(names):
        raise ValueError(f"what: expected 'value', 'grad', 'hess' or a tuple of them, got {what!r}")
    return tuple(w for w in WHATS if w in names)


def _dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"dtype: expected float32 or float64, got {dt}")
    return dt


def _axis(name: str, values, errors: str, dtype) -> tuple:
    """Validated 1-D array and the mask of invalid entries (kept only with errors='nan')."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    return arr, _invalid(name, arr, errors)


def _invalid(name: str, arr: np.ndarray, errors: str) -> np.ndarray | None:
    bad = ~np.isfinite(arr)
    if name == "sigma":
        bad |= ~(arr > 0)
    if not bad.any():
        return None
    if errors == "nan":
        return bad
    first = int(np.flatnonzero(bad.ravel())[0])
    rule = "finite and > 0" if name == "sigma" else "finite"
    raise ValueError(f"{name}: {int(bad.sum())} value(s) are not {rule}; the first is {name}[{first}] = "
                     f"{arr.ravel()[first].item()!r} (pass errors='nan' to get NaN there instead)")


def _check_errors(errors: str) -> None:
    if errors not in ("raise", "nan"):
        raise ValueError(f"errors: expected 'raise' or 'nan', got {errors!r}")


def _available_bytes() -> int:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):  # not POSIX: let numpy's own MemoryError speak
        return 1 << 62


def _split(block: np.ndarray, what: tuple):
    planes, start = [], 0
    for w in what:
        n = SIZES[w]
        planes.append(block[start] if w == "value" else block[start:start + n])
        start += n
    return planes[0] if len(planes) == 1 else tuple(planes)


def grid(penalty, mu, sigma, what="value", out=None, dtype=np.float64, errors="raise", sigma_means="std", prior=None):
    """Evaluate a penalty and its derivatives on the grid mu[i] x sigma[j] with a generated numba kernel.

    Parameters
    ----------
    penalty : str, sympy.Expr or Penalty
        Catalogue name, penalty text or expression (see :func:`vaemath.penalty`).
    mu, sigma : array_like, 1-D
        Grid axes; sigma is the standard deviation, > 0.
    what : {"value", "grad", "hess"} or tuple of them
        Planes to compute in one fused pass.
    out : numpy.ndarray, optional
        Array of shape (P, len(mu), len(sigma)) and the dtype, P the number of planes (value 1, grad 2,
        hess 3), reused instead of allocating.
    dtype : float32 or float64
        Output dtype; kernels compute in float64 and round once.
    errors : {"raise", "nan"}
        Invalid inputs (sigma <= 0, NaN, inf) raise ValueError, or give NaN in their rows/columns.
    prior : tuple (mu_p, sigma_p), optional
        The penalty against N(mu_p, sigma_p^2), resolved by :func:`vaemath.symbolic.penalty`.

    Returns
    -------
    numpy.ndarray or tuple
        ``value``: (len(mu), len(sigma)); ``grad``: (2, len(mu), len(sigma)), d/dmu then d/dsigma;
        ``hess``: (3, len(mu), len(sigma)), d2/dmu2, d2/dmu dsigma, d2/dsigma2. A tuple of these, in
        the order value, grad, hess, when several are asked for. All are views of one block.
    """
    _check_errors(errors)
    what, dt = _what(what), _dtype(dtype)
    mu, bad_mu = _axis("mu", mu, errors, dt)
    sigma, bad_sigma = _axis("sigma", sigma, errors, dt)
    pen = _penalty(penalty, sigma_means, prior=prior)
    planes = sum(SIZES[w] for w in what)
    shape = (planes, mu.size, sigma.size)
    if out is None:
        need = math.prod(shape) * dt.itemsize
        if need > 0.8 * _available_bytes():
            raise MemoryError(f"grid: the output needs {need / 2**30:.1f} GiB, more than the memory available; "
                              "use vaemath.grid_reduce to stream a reduction over the grid")
        out = np.empty(shape, dtype=dt)
    elif not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != dt or not out.flags.c_contiguous:
        raise ValueError(f"out: expected a C-contiguous {dt} array of shape {shape}, got "
                         f"{getattr(out, 'dtype', type(out))} {getattr(out, 'shape', '')}")
    kernel = load(pen.expr, what, pen.name)
    S = np.empty((kernel.N_STORED, sigma.size), dtype=np.float64)
    kernel.sigma_stage(sigma, S)
    kernel.grid(mu, S, out)
    if bad_mu is not None:
        out[:, bad_mu, :] = np.nan
    if bad_sigma is not None:
        out[:, :, bad_sigma] = np.nan
    return _split(out, what)


def evaluate(penalty, mu, sigma, what="value", errors="raise", sigma_means="std", prior=None):
    """Evaluate a penalty pointwise at broadcast (mu, sigma); shapes as numpy broadcasting gives.

    Same planes as :func:`grid` (``grad`` and ``hess`` add a leading axis of 2 and 3). This is what
    ``Penalty.__call__`` runs.
    """
    _check_errors(errors)
    what = _what(what)
    m, s = np.broadcast_arrays(np.asarray(mu, dtype=np.float64), np.asarray(sigma, dtype=np.float64))
    flat_m, flat_s = np.ascontiguousarray(m.ravel()), np.ascontiguousarray(s.ravel())
    bad = [_invalid(n, a, errors) for n, a in (("mu", flat_m), ("sigma", flat_s))]
    pen = _penalty(penalty, sigma_means, prior=prior)
    kernel = load(pen.expr, what, pen.name)
    out = np.empty((sum(SIZES[w] for w in what), flat_m.size))
    kernel.pointwise(flat_m, flat_s, out)
    for mask in bad:
        if mask is not None:
            out[:, mask] = np.nan
    block = out.reshape((out.shape[0],) + m.shape)
    result = _split(block, what)
    return result[()] if isinstance(result, np.ndarray) and result.ndim == 0 else result


def _linspace_tile(lo, hi, n, start, stop):
    step = (hi - lo) / (n - 1) if n > 1 else 0.0
    return lo + step * np.arange(start, stop, dtype=np.float64)


def _range(name, rng) -> tuple:
    try:
        lo, hi = (float(v) for v in rng)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected (low, high), got {rng!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"{name}: expected finite low <= high, got {rng!r}")
    if name == "sigma_range" and lo <= 0:
        raise ValueError(f"sigma_range: sigma must be > 0, got low = {lo!r}")
    return lo, hi


def grid_reduce(penalty, mu_range, sigma_range, shape, op="min", sigma_means="std", prior=None):
    """Reduce a penalty over the linspace grid mu_range x sigma_range of ``shape`` points, in tiles.

    Memory stays bounded (one tile of at most ``TILE_POINTS`` values) whatever the grid size, so grids
    of 1e10 points and more can be reduced.

    Parameters
    ----------
    penalty : str, sympy.Expr or Penalty
    mu_range, sigma_range : (low, high)
        End points, included, as in ``numpy.linspace``; sigma > 0.
    shape : (int, int)
        Points along mu and along sigma.
    op : {"min", "max", "sum", "argmin"}
        ``argmin`` returns ``(value, mu, sigma)`` at the smallest value.

    Returns
    -------
    float or tuple
    """
    if op not in OPS:
        raise ValueError(f"op: expected one of {OPS}, got {op!r}")
    (mlo, mhi), (slo, shi) = _range("mu_range", mu_range), _range("sigma_range", sigma_range)
    try:
        n, m = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape: expected two positive integers, got {shape!r}") from None
    if n < 1 or m < 1:
        raise ValueError(f"shape: expected two positive integers, got {shape!r}")
    cols = min(m, 1 << 16)
    rows = max(1, TILE_POINTS // cols)
    buf = np.empty(rows * cols)
    best, total = (math.inf, None), []
    for j0 in range(0, m, cols):
        sig = _linspace_tile(slo, shi, m, j0, min(m, j0 + cols))
        for i0 in range(0, n, rows):
            mus = _linspace_tile(mlo, mhi, n, i0, min(n, i0 + rows))
            out = buf[:mus.size * sig.size].reshape(1, mus.size, sig.size)
            tile = grid(penalty, mus, sig, out=out, sigma_means=sigma_means, prior=prior)
            best, total = _fold(op, tile, best, total, mus, sig)
    if op == "sum":
        return math.fsum(total)
    if op == "argmin":
        return best[0], best[1][0], best[1][1]
    return best[0] if op == "min" else -best[0]


def _fold(op, tile, best, total, mus, sig):
    if op == "sum":
        total.append(float(tile.sum()))
        return best, total
    values = -tile if op == "max" else tile
    k = int(np.argmin(values))
    if values.flat[k] < best[0]:
        i, j = divmod(k, tile.shape[1])
        best = (float(values.flat[k]), (float(mus[i]), float(sig[j])))
    return best, total
