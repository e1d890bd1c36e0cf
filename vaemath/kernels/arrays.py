"""Public numeric evaluation: ``grid`` over mu[i] x sigma[j], pointwise ``evaluate``, streaming ``grid_reduce``."""

from __future__ import annotations

import functools
import math
import os

import numba as nb
import numpy as np

from vaemath.kernels.cache import load
from vaemath.kernels.codegen import SINGULAR_TOL, SIZES, WHATS
from vaemath.kernels.frame import frame
from vaemath.symbolic import PARAMS
from vaemath.symbolic import penalty as _penalty

OPS = ("min", "max", "sum", "argmin")
TILE_POINTS = 1 << 22  # points per tile of grid_reduce: 32 MiB of float64
PARALLEL_POINTS = 1 << 15  # from this many points the parallel loops (grid: its own), below it the serial pointwise one


def _what(what) -> tuple:
    names = (what,) if isinstance(what, str) else tuple(what)
    bad = [w for w in names if w not in WHATS]
    if bad or not names or len(set(names)) != len(names):
        raise ValueError(f"what: expected 'value', 'grad', 'hess' or a tuple of them, got {what!r}")
    return tuple(w for w in WHATS if w in names)


def _dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: expected float16, float32 or float64, got {dtype!r}") from None
    if dt not in (np.float16, np.float32, np.float64):
        raise TypeError(f"dtype: expected float16, float32 or float64, got {dt}")
    return dt


def _param_name(param) -> str:
    if param not in PARAMS:
        raise ValueError(f"param: expected one of {', '.join(sorted(PARAMS))}, got {param!r}")
    return param


def _positive(param: str) -> bool:
    return param in ("std", "var")


def _real(name: str, values) -> np.ndarray:
    """``values`` as a float64 array; TypeError naming the argument for strings, complex numbers, booleans and
    other non-real input (never cast silently: float("1") would read a string, complex would lose a part)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "O":  # e.g. sympy numbers: accepted when each is a real number
        try:
            return arr.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name}: expected real numbers, got {values!r:.80} (dtype {arr.dtype})")
    return np.asarray(arr, dtype=np.float64)


def _axis(name: str, values, errors: str, param: str = "std") -> tuple:
    """Validated 1-D float64 array and the mask of invalid entries (kept only with errors='nan')."""
    arr = _real(name, values)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr)  # exact for float16/32 inputs: the kernels compute in float64
    return arr, _invalid(name, arr, errors, param)


def _invalid(name: str, arr: np.ndarray, errors: str, param: str = "std") -> np.ndarray | None:
    bad = ~np.isfinite(arr)
    scale = name == "sigma"
    if scale and _positive(param):
        bad |= ~(arr > 0)
    if not bad.any():
        return None
    if errors == "nan":
        return bad
    first = int(np.flatnonzero(bad.ravel())[0])
    rule = "finite and > 0" if scale and _positive(param) else "finite"
    what = f" for param={param!r} ({PARAMS[param].description})" if scale else ""
    raise ValueError(f"{name}: {int(bad.sum())} value(s) are not {rule}{what}; the first is {name}[{first}] = "
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


def grid(penalty, mu, sigma, what="value", out=None, dtype=np.float64, errors="raise", sigma_means="std",
         param="std", prior=None):
    """Evaluate a penalty and its derivatives on the grid mu[i] x x[j] with a generated numba kernel.

    Parameters
    ----------
    penalty : str, sympy.Expr or Penalty
        Catalogue name, penalty text or expression (see :func:`vaemath.penalty`).
    mu, sigma : array_like, 1-D
        Grid axes. The second axis holds the variable x of ``param``: the standard deviation sigma > 0
        (``"std"``), the variance v = sigma^2 > 0 (``"var"``), s = log sigma (``"logstd"``) or
        l = log sigma^2 (``"logvar"``), finite.
    what : {"value", "grad", "hess"} or tuple of them
        Planes to compute in one fused pass.
    out : numpy.ndarray, optional
        Array of shape (P, len(mu), len(sigma)) and the dtype, P the number of planes (value 1, grad 2,
        hess 3), reused instead of allocating.
    dtype : float16, float32 or float64
        Output dtype; kernels compute in float64 from the axes as given and round once.
    errors : {"raise", "nan"}
        Invalid inputs (NaN, inf, x <= 0 for std/var) raise ValueError, or give NaN in their rows/columns.
    sigma_means : {"std", "var"}
        Reading of sigma in penalty text (see :func:`vaemath.penalty`).
    param : {"std", "var", "logstd", "logvar"}
        Parametrisation of the second axis; the kernel is generated in that variable, and derivatives
        are with respect to (mu, x).
    prior : tuple (mu_p, sigma_p), optional
        The penalty against N(mu_p, sigma_p^2), resolved by :func:`vaemath.symbolic.penalty`; its kernel is
        generated in the prior's frame ((mu - mu_p)/sigma_p, sigma/sigma_p: :mod:`vaemath.kernels.frame`).

    Returns
    -------
    numpy.ndarray or tuple
        ``value``: (len(mu), len(sigma)); ``grad``: (2, len(mu), len(sigma)), d/dmu then d/dx;
        ``hess``: (3, len(mu), len(sigma)), d2/dmu2, d2/dmu dx, d2/dx2. A tuple of these, in the order
        value, grad, hess, when several are asked for. All are views of one block. A derivative that does not
        exist is NaN: at a cone's tip, and at a kink of abs/max/min where the two sides' formulas differ
        (:mod:`vaemath.kernels.kinks`: d/dmu of abs(mu) at mu = 0; d/dmu of abs(mu)**3 there is 0).

    Raises
    ------
    ValueError
        Bad axes (naming the argument, the first bad entry and the param), ``what``, ``errors``,
        ``param`` or ``out``. TypeError: non-real axes or an unsupported dtype. MemoryError: an output
        larger than the available memory (use :func:`grid_reduce`).
    """
    _check_errors(errors)
    what, dt, param = _what(what), _dtype(dtype), _param_name(param)
    mu, bad_mu = _axis("mu", mu, errors)
    sigma, bad_sigma = _axis("sigma", sigma, errors, param)
    pen = _penalty(penalty, sigma_means, prior=prior)
    shape = (sum(SIZES[w] for w in what), mu.size, sigma.size)
    out = _output(out, shape, dt)
    # computed in float64, rounded once at the end: a value beyond float32's range stored as inf was taken for an
    # overflow and redone by a fallback (sqrt(sigma)*exp(mu+3)/(exp(mu-2)+exp(-mu)), logvar, (1e300, 700): e^3 for inf)
    block = out if dt == np.float64 else np.empty(shape)
    _Kernels(pen, what, param).grid(mu, sigma, block)
    if dt != np.float64:
        with np.errstate(over="ignore"):  # beyond the dtype's range is +-inf, the value rounded once
            out[...] = block
    if bad_mu is not None:
        out[:, bad_mu, :] = np.nan
    if bad_sigma is not None:
        out[:, :, bad_sigma] = np.nan
    return _split(out, what)


class _Kernels:
    """The kernel of a penalty in its prior's frame (:mod:`vaemath.kernels.frame`), and, loaded on first need, the one
    in (mu - mu_p, x) for the points whose frame coordinates leave float64's normal range."""

    def __init__(self, pen, what: tuple, param: str):
        self.pen, self.what, self.param, self.frame = pen, what, param, frame(pen, param)
        self.kernel = self._load(scaled=True)

    def _load(self, scaled: bool):
        pen, f = self.pen, self.frame
        if f.standard:
            return load(pen.expr, self.what, pen.name, self.param, pen.domain)
        return load(f.expr(pen.expr, scaled), self.what, pen.name, self.param, f.domain(pen.domain, scaled))

    @functools.cached_property
    def plain(self):
        if not self.frame.scaled:
            return self.kernel
        try:
            return self._load(scaled=False)
        except ValueError as exc:  # its constants, e.g. 1/(2 sigma_p^2), beyond float64
            f = self.frame
            raise ValueError(f"prior: against N({f.mu_p}, ({f.sigma_p})**2), points where (mu - mu_p)/sigma_p or "
                             f"sigma/sigma_p leave float64 need the kernel in (mu - mu_p, sigma), which float64 "
                             f"cannot hold ({exc})") from None

    def grid(self, mu: np.ndarray, x: np.ndarray, block: np.ndarray) -> None:
        """The planes on mu[i] x x[j] into ``block`` (P, len(mu), len(x))."""
        f = self.frame
        shifted = f.shifted(mu)
        if not f.scaled:  # no frame masks on the standard path: the value grids run at write bandwidth
            _grid_planes(self.kernel, shifted, x, block)
            return
        (m, fine_m), (xs, fine_x) = f.m(shifted), f.x(x)
        _grid_planes(self.kernel, np.where(fine_m, m, 0.0), np.where(fine_x, xs, 1.0), block)
        lost = f.to_mu_x(block, self.what)
        lost |= ~fine_m[None, :, None] | ~fine_x[None, None, :]
        if lost.any():
            ii, jj = np.nonzero(lost.any(axis=0))
            block[:, ii, jj] = np.where(lost[:, ii, jj], _pointwise(self.plain, shifted[ii], x[jj]), block[:, ii, jj])

    def points(self, mu: np.ndarray, x: np.ndarray, bad=(), positive=None) -> np.ndarray:
        """The planes (P, n) at contiguous float64 points (mu[i], x[i]), as :func:`_pointwise` gives them."""
        f = self.frame
        shifted = f.shifted(mu)
        if not f.scaled:
            return _pointwise(self.kernel, shifted, x, bad, positive)
        (m, fine_m), (xs, fine_x) = f.m(shifted), f.x(x)
        out = _pointwise(self.kernel, m, xs, bad, positive)
        lost = f.to_mu_x(out, self.what) | ~(fine_m & fine_x)
        redo = np.flatnonzero(lost.any(axis=0))
        if redo.size:
            plain = _pointwise(self.plain, shifted[redo], x[redo], positive=positive)
            out[:, redo] = np.where(lost[:, redo], plain, out[:, redo])
        return out


def _grid_planes(kernel, mu: np.ndarray, x: np.ndarray, block: np.ndarray | None = None) -> np.ndarray:
    """A loaded kernel's planes on mu[i] x x[j], into ``block`` (a new array when None)."""
    if block is None:
        block = np.empty((kernel.N_OUT, mu.size, x.size))
    if mu.size * x.size < PARALLEL_POINTS:  # the pointwise loop, one loop for numba to compile, not two
        m, s = np.meshgrid(mu, x, indexing="ij")
        block[...] = _pointwise(kernel, m.ravel(), s.ravel()).reshape(block.shape)
    else:
        _grid_loop(kernel, mu, x, block)
    return block


def _grid_loop(kernel, mu, sigma, block) -> None:
    """The parallel grid kernel: the scale stage once per axis value, then the planes (tests/test_grid.py checks it
    against the pointwise kernel bit for bit on every region)."""
    S = np.empty((kernel.N_STORED, sigma.size), dtype=np.float64)
    R = np.empty(sigma.size, dtype=np.int64)
    kernel.sigma_stage(sigma, S, R)
    kernel.grid(mu, S, _runs(R), block)
    _removable_grid(kernel.SINGULAR, mu, sigma, block)
    if kernel.FALLBACKS and _to_redo(kernel, block).any():
        ii, jj = np.nonzero(_to_redo(kernel, block).any(axis=0))
        planes = block[:, ii, jj]
        _fallbacks(kernel, mu[ii], sigma[jj], R[jj], planes)
        block[:, ii, jj] = planes
        _removable_grid(kernel.SINGULAR, mu, sigma, block)
    _removable_lines(kernel, mu, sigma, block)


def _expansion(planes, dm, dx) -> np.ndarray:
    """First-order expansions (value, d/dmu, d/dx per plane) at displacements (dm, dx); NaN where none."""
    c = np.array(planes, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        step = np.where(dm == 0, 0.0, c[:, 1, None] * dm) + np.where(dx == 0, 0.0, c[:, 2, None] * dx)
    return c[:, 0, None] + step


def _to_redo(kernel, block) -> np.ndarray:
    """Where a plane's fallback is due: NaN, and +-inf too in the planes of ``FALLBACKS_AT_INF`` (an exp of mu that
    overflows beside a small factor: exp(mu**2/2)*sigma at (40, 1e-300) is 2e47, inf as printed)."""
    redo = np.isnan(block)
    for k in {k for ks in getattr(kernel, "FALLBACKS_AT_INF", {}).values() for k in ks}:
        redo[k] |= np.isinf(block[k])
    return redo


def _fallbacks(kernel, mu, x, regions, planes) -> None:
    """Where a plane (P, n) is NaN as printed at points (mu, x) of the given regions (or +-inf, where
    ``FALLBACKS_AT_INF`` says so), its log-magnitude form (codegen._fallback_fns), in place. Each (region, plane)
    function is compiled on its first use only."""
    at_inf = getattr(kernel, "FALLBACKS_AT_INF", {})
    for r, ks in kernel.FALLBACKS.items():
        for k in ks:
            redo = np.isnan(planes[k]) | np.isinf(planes[k]) if k in at_inf.get(r, ()) else np.isnan(planes[k])
            at = np.flatnonzero((regions == r) & redo)
            if at.size:
                res = np.empty(at.size)
                getattr(kernel, f"fallback_{r}_{k}_at")(mu[at], x[at], res)
                # 0 or NaN where the plane overflowed: the terms' log-magnitudes cancelled to the last bit (d/dmu of
                # cosh(2*mu)/cosh(mu) at 1e200: both round to 1e200) or overflowed, which resolves nothing: inf stays
                res = np.where(((res == 0) | np.isnan(res)) & np.isinf(planes[k, at]), planes[k, at], res)
                planes[k, at] = res


def _removable_grid(points, mu, x, out) -> None:
    """At and within SINGULAR_TOL of each removable singular point, outputs that the printed form left
    non-finite get the limit's first-order expansion where it has one (a plane with no limit there keeps its
    printed +-inf next to the point: d2/dmu2 of log(mu**6) + sigma at (1e-300, 1) is -inf, was NaN); exactly at the
    point, the limit itself."""
    for m0, x0, planes in points:
        rows = np.flatnonzero(np.abs(mu - m0) <= SINGULAR_TOL)
        cols = np.flatnonzero(np.abs(x - x0) <= SINGULAR_TOL)
        if rows.size == 0 or cols.size == 0:
            continue
        dm, dx = np.meshgrid(mu[rows] - m0, x[cols] - x0, indexing="ij")
        fix = _expansion(planes, dm.ravel(), dx.ravel()).reshape((-1,) + dm.shape)
        block = out[:, rows[:, None], cols[None, :]].astype(np.float64)
        replace = (~np.isfinite(block) & ~np.isnan(fix)) | ((dm == 0) & (dx == 0))[None]
        out[:, rows[:, None], cols[None, :]] = np.where(replace, fix, block)


def _singular_arrays(kernel) -> tuple:
    """``kernel.SINGULAR`` as arrays (points' mu, points' x, expansions (points, planes, 3)), built once."""
    arrays = getattr(kernel, "_singular_arrays", None)
    if arrays is None:
        points = kernel.SINGULAR
        column = lambda k: np.array([p[k] for p in points], dtype=np.float64)  # noqa: E731
        arrays = (column(0), column(1), column(2).reshape(len(points), kernel.N_OUT, 3))
        kernel._singular_arrays = arrays
    return arrays


@nb.njit(cache=True)
def _finish(ms, xs, c, tol, positive, mu, x, out):
    """As :func:`_removable_grid` at points (mu[i], x[i]), then (``positive`` 0 or 1, not -1) NaN where the input is
    invalid: one compiled call (the VAE's penalty runs it every step)."""
    if ms.shape[0]:
        _removable_at(ms, xs, c, tol, mu, x, out)
    if positive >= 0:
        _nan_where_invalid(mu, x, positive == 1, out)


def _removable_lines(kernel, mu, x, out) -> None:
    """On and within SINGULAR_TOL of each line of 0/0 (``kernel.LINES``: mu = v0 or x = v0), the line's limit, a
    function of the other variable, plus its first-order term across the line (codegen.line_limits), where it is not
    0 or the printed output is not finite (codegen._line_fns says why). ``out``: a grid block (P, len(mu), len(x)),
    or planes (P, n) at points (mu, x). A grid without axis values near a line pays one comparison per axis value."""
    for n, (axis, v0, limits) in enumerate(kernel.LINES):
        near = np.flatnonzero(np.abs((mu, x)[axis] - v0) <= SINGULAR_TOL) if limits else ()
        if len(near) == 0:  # no axis value near the line, or no limit there (a pole): the printed form stays
            continue
        if out.ndim == 3:
            i, j = np.meshgrid(near, np.arange(x.size), indexing="ij") if axis == 0 else \
                np.meshgrid(np.arange(mu.size), near, indexing="ij")
            ii, jj, index = i.ravel(), j.ravel(), (slice(None), i.ravel(), j.ravel())
        else:
            ii = jj = near
            index = (slice(None), near)
        planes = np.ascontiguousarray(out[index], dtype=np.float64)
        getattr(kernel, f"line_{n}_at")(mu[ii], x[jj], planes)
        out[index] = planes


@nb.njit(cache=True)
def _removable_at(ms, xs, c, tol, mu, x, out):
    for i in range(mu.shape[0]):
        for p in range(ms.shape[0]):
            dm, dx = mu[i] - ms[p], x[i] - xs[p]
            if abs(dm) > tol or abs(dx) > tol:
                continue
            for k in range(out.shape[0]):
                if (dm == 0 and dx == 0) or not np.isfinite(out[k, i]):
                    step = c[p, k, 1] * dm if dm != 0 else 0.0  # the expansion, added as _expansion adds it
                    if dx != 0:
                        step = step + c[p, k, 2] * dx
                    if (dm == 0 and dx == 0) or not np.isnan(c[p, k, 0] + step):
                        out[k, i] = c[p, k, 0] + step


@nb.njit(cache=True)
def _nan_where_invalid(mu, x, positive, out):
    """NaN in every plane at points where mu or x is not finite (or x <= 0 for a positive param)."""
    for i in range(mu.shape[0]):
        if not (np.isfinite(mu[i]) and np.isfinite(x[i]) and (x[i] > 0 or not positive)):
            out[:, i] = np.nan


def _runs(R: np.ndarray) -> np.ndarray:
    """Rows (j0, j1, region) covering the axis in runs of equal region."""
    if R.size == 0:
        return np.empty((0, 3), dtype=np.int64)
    cut = np.flatnonzero(np.diff(R)) + 1
    starts = np.concatenate([[0], cut])
    return np.ascontiguousarray(np.stack([starts, np.concatenate([cut, [R.size]]), R[starts]], axis=1))


def _output(out, shape: tuple, dt: np.dtype) -> np.ndarray:
    if out is None:
        need = math.prod(shape) * (dt.itemsize + (8 if dt != np.float64 else 0))  # + the float64 block
        if need > 0.8 * _available_bytes():
            raise MemoryError(f"grid: the output needs {need / 2**30:.1f} GiB, more than the memory available; "
                              "use vaemath.grid_reduce to stream a reduction over the grid")
        return np.empty(shape, dtype=dt)
    if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != dt or not out.flags.c_contiguous:
        raise ValueError(f"out: expected a C-contiguous {dt} array of shape {shape}, got "
                         f"{getattr(out, 'dtype', type(out))} {getattr(out, 'shape', '')}")
    return out


def evaluate(penalty, mu, sigma, what="value", errors="raise", sigma_means="std", param="std", prior=None):
    """Evaluate a penalty pointwise at broadcast (mu, x); shapes as numpy broadcasting gives.

    ``x`` is the variable of ``param`` (as in :func:`grid`); same planes as :func:`grid` (``grad`` and
    ``hess`` add a leading axis of 2 and 3), derivatives with respect to (mu, x), float64. This is what
    ``Penalty.__call__`` runs.
    """
    _check_errors(errors)
    what, param = _what(what), _param_name(param)
    m, s = np.broadcast_arrays(_real("mu", mu), _real("sigma", sigma))
    flat_m, flat_s = np.ascontiguousarray(m.ravel()), np.ascontiguousarray(s.ravel())
    bad = [_invalid("mu", flat_m, errors), _invalid("sigma", flat_s, errors, param)]
    pen = _penalty(penalty, sigma_means, prior=prior)
    out = _Kernels(pen, what, param).points(flat_m, flat_s, bad)
    block = out.reshape((out.shape[0],) + m.shape)
    result = _split(block, what)
    return result[()] if isinstance(result, np.ndarray) and result.ndim == 0 else result


def _pointwise(kernel, flat_m: np.ndarray, flat_s: np.ndarray, bad=(), positive=None) -> np.ndarray:
    """Planes (P, n) of a loaded kernel at contiguous float64 points; ``bad`` masks (or None) become NaN, and with
    ``positive`` (bool, that of the param) so do points whose mu or x is not finite (or x <= 0 for a positive param)."""
    out = np.empty((kernel.N_OUT, flat_m.size))
    run = kernel.pointwise if flat_m.size >= PARALLEL_POINTS else kernel.pointwise_serial
    run(flat_m, flat_s, out)
    singular, check = _singular_arrays(kernel) + (SINGULAR_TOL,), -1 if positive is None else int(positive)
    if not (kernel.FALLBACKS or kernel.LINES):  # the VAE's usual case: one compiled pass after the kernel
        _finish(*singular, check, flat_m, flat_s, out)
    else:
        _finish(*singular, -1, flat_m, flat_s, out)
        if kernel.FALLBACKS and _to_redo(kernel, out).any():  # as in grid
            nan = np.flatnonzero(_to_redo(kernel, out).any(axis=0))
            S, R = np.empty((kernel.N_STORED, nan.size)), np.empty(nan.size, dtype=np.int64)
            kernel.sigma_stage(flat_s[nan], S, R)
            planes = out[:, nan]
            _fallbacks(kernel, flat_m[nan], flat_s[nan], R, planes)
            out[:, nan] = planes
            _finish(*singular, -1, flat_m, flat_s, out)
        _removable_lines(kernel, flat_m, flat_s, out)
        if positive is not None:
            _nan_where_invalid(flat_m, flat_s, positive, out)
    for mask in bad:
        if mask is not None:
            out[:, mask] = np.nan
    return out


def pointwise(penalty, what="value", sigma_means="std", param="std", prior=None):
    """The lean form of :func:`evaluate` for repeated calls: arguments resolved and the kernel loaded once.

    Returns ``f(mu, x)`` for float64 arrays of one shape, giving the block of planes (P, *shape) that
    ``evaluate(..., errors="nan")`` splits: bit-identical to it, without its per-call checks (use it
    where the caller has validated once, e.g. the VAE's penalty primitive inside a training loop).
    """
    what, param = _what(what), _param_name(param)
    pen = _penalty(penalty, sigma_means, prior=prior)
    kernels = _Kernels(pen, what, param)
    positive, names = _positive(param), f"mu, {PARAMS[param].symbol}"

    def f(mu, x):
        if np.shape(mu) != np.shape(x):  # the kernel reads both flat arrays to the length of mu
            raise ValueError(f"{names}: expected one shape, got {np.shape(mu)} and {np.shape(x)}")
        if np.iscomplexobj(mu) or np.iscomplexobj(x):
            raise TypeError(f"{names}: expected real arrays, got {np.asarray(mu).dtype} and {np.asarray(x).dtype}")
        try:
            flat_m = np.ascontiguousarray(mu, dtype=np.float64).ravel()
            flat_s = np.ascontiguousarray(x, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise TypeError(f"{names}: expected real arrays, got {mu!r} and {x!r}") from None
        out = kernels.points(flat_m, flat_s, positive=positive)
        return out.reshape((out.shape[0],) + np.shape(mu))

    return f


def steepest_subgradient(planes, mu: np.ndarray, x: np.ndarray, block: np.ndarray) -> np.ndarray:
    """``block`` (value, d/dmu, d/dx, ...: shape (P, *mu.shape)) with each first derivative that is NaN where the value
    is finite (a kink, the kernels' rule: |mu| at mu = 0) replaced by the element of least magnitude between the
    one-sided slopes 1e-9 (relative) to either side along that variable (the one-sided limits to about 1e-9 times
    the curvature there): the steepest descent along that axis, an
    element of the subdifferential of a convex kink (Rockafellar 1970, Thm 23.4), 0 where the sides' slopes differ in
    sign. For gradient steps that go on along and across kinks (a VAE trained with abs(sigma - 1), the flow figure).
    ``planes(mu, x)`` gives such blocks (:func:`pointwise` with what=("value", "grad")); ``block`` is changed in place
    and returned."""
    for k in (0, 1):
        at = np.isnan(block[1 + k]) & np.isfinite(block[0])
        if not at.any():
            continue
        sides = []
        for side in (1.0, -1.0):
            y = [np.asarray(mu, dtype=np.float64)[at], np.asarray(x, dtype=np.float64)[at]]
            y[k] = y[k] + side * 1e-9 * np.maximum(1.0, np.abs(y[k]))
            sides.append(planes(*y)[1 + k])
        lo, hi = np.minimum(*sides), np.maximum(*sides)
        block[1 + k][at] = np.where((lo <= 0) & (hi >= 0), 0.0, np.where(lo > 0, lo, hi))
    return block


def _linspace_tile(lo, hi, n, start, stop):
    step = (hi - lo) / (n - 1) if n > 1 else 0.0
    return lo + step * np.arange(start, stop, dtype=np.float64)


def _range(name, rng, param="std") -> tuple:
    try:
        lo, hi = (float(v) for v in rng)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected (low, high), got {rng!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"{name}: expected finite low <= high, got {rng!r}")
    if name == "sigma_range" and _positive(param) and lo <= 0:
        raise ValueError(f"sigma_range: must be > 0 for param={param!r} ({PARAMS[param].description}), "
                         f"got low = {lo!r}")
    return lo, hi


def grid_reduce(penalty, mu_range, sigma_range, shape, op="min", sigma_means="std", param="std", prior=None):
    """Reduce a penalty over the linspace grid mu_range x sigma_range of ``shape`` points, in tiles.

    Memory stays bounded (one tile of at most ``TILE_POINTS`` values) whatever the grid size, so grids
    of 1e10 points and more can be reduced.

    Parameters
    ----------
    penalty : str, sympy.Expr or Penalty
    mu_range, sigma_range : (low, high)
        End points, included, as in ``numpy.linspace``; ``sigma_range`` is in the variable of ``param``
        (> 0 for std and var, finite for logstd and logvar).
    shape : (int, int)
        Points along mu and along sigma.
    op : {"min", "max", "sum", "argmin"}
        ``argmin`` returns ``(value, mu, x)`` at the smallest value.
    sigma_means, param
        As in :func:`grid`.

    Returns
    -------
    float or tuple
    """
    if op not in OPS:
        raise ValueError(f"op: expected one of {', '.join(OPS)}, got {op!r}")
    param = _param_name(param)
    (mlo, mhi), (slo, shi) = _range("mu_range", mu_range), _range("sigma_range", sigma_range, param)
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
            tile = grid(penalty, mus, sig, out=out, sigma_means=sigma_means, param=param, prior=prior)
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
