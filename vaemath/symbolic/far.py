"""The least point of a function of sigma alone scanned in t = log sigma by mpmath, past float64's range.

float64 ends at sigma = e^+-709; ``mu**2 + sigma*log(1 + 1/sigma) - log(sigma)/sigma**(1/800)`` has its minimum at
sigma = e^800 (review r8l B4). A part B(sigma) that still falls at the scan's edge e^+-FAR, below its limit at that
end, has a minimum further out: it is followed outward in t by mpmath (geometric steps, up to |t| = FAR_PART) until
it rises again, and the minimiser refined where dB/dt changes sign. Every value is mpmath's at the point itself, at
30 + 2 |log10 sigma| digits (:func:`vaemath.symbolic.newton.scale_digits`), so it is a value B takes.
"""

from __future__ import annotations

import time

import mpmath
import sympy as sp

from .newton import MPMATH, scale_digits
from .symbols import sigma

FAR = 700.0  # |log sigma| of the scan in float64's range
FAR_PART = 1.0e4  # |log sigma| to which a part still falling at e^+-FAR is followed (sigma = e^10000: 8700 digits)
FAR_RATIO = 1.02  # ratio of successive |t| beyond FAR
FAR_PART_SECONDS = 6.0  # wall-clock limit of the walk beyond FAR
_GRID = [-FAR + 5.0 * i for i in range(281)]  # t from -700 to 700, step 5


def digits(t) -> int:
    """Working digits at sigma = e^t: 30 + :func:`~vaemath.symbolic.newton.scale_digits` (2 |log10 sigma|)."""
    return 30 + scale_digits(mpmath.exp(mpmath.mpf(t)))


def _valued(b: sp.Expr):
    """B(e^t) and dB/dt = sigma B'(sigma) as mpmath functions of t (value's optional ``extra`` digits); None where
    not finite and real."""
    fn = sp.lambdify(sigma, b, MPMATH)
    dfn = sp.lambdify(sigma, sigma * sp.diff(b, sigma), MPMATH)

    def call(f, t, extra=0):
        with mpmath.workdps(digits(t) + extra):
            try:
                v = f(mpmath.exp(mpmath.mpf(t)))
            except (ValueError, ArithmeticError, TypeError, OverflowError, ZeroDivisionError):
                return None
            if isinstance(v, mpmath.mpc):
                if abs(v.imag) > mpmath.mpf(10) ** -20:  # absolute: complex past a Renyi edge, however large
                    return None
                v = v.real
            if not mpmath.isfinite(v):
                return None
            return +v
    return (lambda t, extra=0: call(fn, t, extra)), (lambda t: call(dfn, t))


def part_minimum(b: sp.Expr, limits: dict, seconds: float = FAR_PART_SECONDS, inside: bool = False) -> dict | None:
    """The least point of B(sigma) (``b``, sigma alone) found by mpmath in t = log sigma, when it lies beyond
    float64's range (|t| > FAR - 5), else None; with ``inside``, wherever it lies (a least scanned point inside
    float64's range refined the same way: linear's collapse, whose own search stops at sigma = e^10).

    ``limits`` maps -1 and 1 to B's limits as sigma -> 0+ and oo (sympy numbers, or None when unknown): the walk
    beyond e^+-FAR is taken only where B at the edge is below that end's limit (or the limit is unknown), so that it
    must turn up again further out.

    Returns
    -------
    dict or None
        ``t`` (a sympy Float, 30 digits: the point is sigma = exp(t) exactly), ``value`` (B there, mpmath at
        :func:`digits` + 20 digits, an mpf), ``kind`` ("minimum": dB/dt changes sign around t, bracketed by two
        scanned points above it; "falling": B still falls at t, the farthest point followed, within FAR_PART or
        the time limit) and ``reach`` (the largest |t| scanned).
    """
    value, slope = _valued(b)
    ts, vs = [], []
    for t in _GRID:
        v = value(t)
        ts.append(t)
        vs.append(v if v is not None else mpmath.inf)
    finite = [i for i, v in enumerate(vs) if v != mpmath.inf]
    if not finite:
        return None
    k = min(finite, key=lambda i: vs[i])
    if k not in (0, len(ts) - 1):
        if not inside:
            return None  # the least grid point inside float64's range: the float routes' (no far minimum)
        return _refined(value, slope, [(ts[i], vs[i]) for i in (k - 1, k, k + 1)], 1, FAR)
    side = 1 if k else -1
    end = limits.get(side)
    if end is not None and end.is_number and end.is_finite:
        with mpmath.workdps(digits(FAR) + 20):  # at the edge's precision: -log(2) + e^-700 is above -log(2), which
            above = not vs[k] < mpmath.mpf(str(sp.N(end, digits(FAR) + 20)))  # float(-log(2)) is not
        if above:
            return None  # approaching its limit at that end from above: the infimum is that limit, decided elsewhere
    start, t, reach = time.perf_counter(), FAR, FAR
    walk = [(side * (FAR - 5.0), vs[k - side]), (side * FAR, vs[k])]  # the edge, below its neighbour
    while t < FAR_PART and time.perf_counter() - start < seconds:
        t = min(FAR_PART, t * FAR_RATIO)
        v = value(side * t)
        if v is None:
            break
        walk.append((side * t, v))
        reach = t
        if v > walk[-2][1]:
            break  # up again after falling: a minimum bracketed by walk[-3] and walk[-1]
    j = min(range(len(walk)), key=lambda i: walk[i][1])
    if j == len(walk) - 1:
        tt = sp.Float(walk[j][0], 30)
        return {"t": tt, "value": _at(value, tt), "kind": "falling", "reach": reach}
    return _refined(value, slope, walk, j, reach)


def _refined(value, slope, walk: list, j: int, reach: float) -> dict:
    """The minimum bracketed by walk[j - 1] and walk[j + 1] (points (t, B)), walk[j] least: the root of dB/dt there
    (Anderson-Bjorck at 40 digits in t), kept only when B there is not above B at walk[j]."""
    lo, hi = sorted((walk[j - 1][0], walk[j + 1][0]))
    best = walk[j][0]
    with mpmath.workdps(40):
        s_lo, s_hi = slope(lo), slope(hi)
        if s_lo is not None and s_hi is not None and s_lo < 0 < s_hi:
            try:
                root = mpmath.findroot(lambda x: slope(x), (mpmath.mpf(lo), mpmath.mpf(hi)), solver="anderson",
                                       tol=mpmath.mpf(10) ** -30, maxsteps=200)
                if lo <= root <= hi:
                    best = root
            except (ValueError, ZeroDivisionError, TypeError):
                pass
    tt = sp.Float(mpmath.nstr(best, 30), 30)
    v = _at(value, tt)
    if v is None or v > walk[j][1]:  # the refinement must not lose to the scanned point
        tt = sp.Float(walk[j][0], 30)
        v = _at(value, tt)
    return {"t": tt, "value": v, "kind": "minimum", "reach": reach}


def _at(value, t: sp.Float):
    """B at sigma = exp(t) for the exact decimal t, 20 digits beyond :func:`digits`, shown to 60 digits rounded up
    (never below the value B takes there)."""
    with mpmath.workdps(digits(t) + 20):
        v = value(mpmath.mpf(str(t)), 20)
    if v is None:
        return None
    with mpmath.workdps(60):
        return +v + abs(+v) * mpmath.mpf(10) ** -55 + mpmath.mpf(10) ** -300
