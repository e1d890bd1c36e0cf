"""Where two penalties disagree: order-reversal witnesses and the bounds of their ratio.

A witness is a pair of points p, q with candidate(p) < candidate(q) but reference(p) > reference(q):
the two penalties rank them oppositely, so no increasing function maps one onto the other. Pairs are
searched on a fixed grid (float64) and then confirmed with mpmath at 50 digits at the exact points.
"""

from __future__ import annotations

import warnings
from itertools import product

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import minimize

from vaemath.analysis.exact import value_at
from vaemath.symbolic import mu, sigma

_MU_GRID = ("-3", "-2", "-3/2", "-1", "-1/2", "-1/4", "0", "1/4", "1/2", "1", "3/2", "2", "3")
_SIGMA_GRID = ("1/20", "1/10", "1/5", "7/20", "1/2", "7/10", "17/20", "1", "6/5", "3/2", "2", "3", "5")
_UNBOUNDED = 1e12
GRID = tuple((sp.Rational(m), sp.Rational(s)) for m, s in product(_MU_GRID, _SIGMA_GRID))


def _on_grid(expr: sp.Expr) -> np.ndarray:
    fn = sp.lambdify((mu, sigma), expr, "numpy")
    pts = np.array([[float(m), float(s)] for m, s in GRID])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np.broadcast_to(np.asarray(fn(pts[:, 0], pts[:, 1]), dtype=complex), (len(GRID),))
    return np.where(np.isfinite(out) & (np.abs(out.imag) < 1e-12), out.real, np.nan)


def witness(candidate: sp.Expr, reference: sp.Expr) -> dict | None:
    """Two grid points that the penalties order oppositely, confirmed at 50 digits; None if none found.

    Returns
    -------
    dict or None
        ``p``, ``q`` (exact points as {"mu", "sigma"} strings), ``candidate`` and ``reference`` (the
        values at p and q, 30 significant digits) and ``verified`` ("mpmath, 50 digits").
    """
    c, r = _on_grid(candidate), _on_grid(reference)
    dc, dr = c[:, None] - c[None, :], r[:, None] - r[None, :]
    scale_c, scale_r = 1 + np.abs(c[:, None]) + np.abs(c[None, :]), 1 + np.abs(r[:, None]) + np.abs(r[None, :])
    margin = np.minimum(np.abs(dc) / scale_c, np.abs(dr) / scale_r)
    margin = np.where((dc < 0) & (dr > 0), margin, -1.0)
    for flat in np.argsort(np.nan_to_num(margin, nan=-1.0), axis=None)[::-1][:20]:
        i, j = np.unravel_index(flat, margin.shape)
        if not margin[i, j] > 0:
            return None
        found = _confirm(candidate, reference, GRID[i], GRID[j])
        if found is not None:
            return found
    return None


def _confirm(candidate, reference, p, q) -> dict | None:
    cp, cq, rp, rq = (value_at(e, x) for e, x in ((candidate, p), (candidate, q), (reference, p), (reference, q)))
    if None in (cp, cq, rp, rq) or not (cp < cq and rp > rq):
        return None

    def show(x):
        return mpmath.nstr(x, 30)

    return {"p": {"mu": str(p[0]), "sigma": str(p[1])}, "q": {"mu": str(q[0]), "sigma": str(q[1])},
            "candidate": [show(cp), show(cq)], "reference": [show(rp), show(rq)],
            "verified": "mpmath, 50 digits: candidate(p) < candidate(q) and reference(p) > reference(q)"}


def ratio_bounds(candidate: sp.Expr, reference: sp.Expr, base: tuple, local: tuple | None) -> dict:
    """Infimum and supremum of candidate / reference, with the path or point where each is approached.

    Parameters
    ----------
    candidate, reference : sympy.Expr
    base : tuple
        Exact point (mu0, sigma0) through which the boundary paths run (the reference's minimiser).
    local : tuple or None
        ``(value, eigenvalues)`` of the ratio's limit at the reference's minimiser: the candidate's value
        there when the reference vanishes and the candidate does not, else the generalised eigenvalues of
        the two Hessians (the ratio's range along rays into the minimiser).

    Returns
    -------
    dict
        ``inf``, ``sup`` (strings; "0", "oo" or "-oo" when unbounded), ``inf_path``, ``sup_path`` and
        ``method``: exact limits along boundary paths and at the minimiser, plus a multi-start
        Nelder-Mead search over the interior (its values are floats).
    """
    ratio = candidate / reference
    m0, s0 = base
    found = []  # (value as sympy number, where)
    for where, path in (("sigma->0+", (ratio.subs(mu, m0), sigma, 0, "+")),
                        ("sigma->oo", (ratio.subs(mu, m0), sigma, sp.oo, "-")),
                        ("mu->oo", (ratio.subs(sigma, s0), mu, sp.oo, "-")),
                        ("mu->-oo", (ratio.subs(sigma, s0), mu, -sp.oo, "+"))):
        fixed = f"mu = {m0}" if where.startswith("sigma") else f"sigma = {s0}"
        try:
            value = sp.limit(*path)
        except (NotImplementedError, ValueError, TypeError):
            continue
        if value.is_number and value.is_extended_real:
            found.append((value, f"{where} at {fixed}"))
    if local is not None:
        for value in local:
            found.append((value, f"(mu, sigma) -> ({m0}, {s0}), the reference's minimiser"))
    found.extend(_interior(ratio, reference))
    return _summarise(found)


def _interior(ratio: sp.Expr, reference: sp.Expr) -> list:
    """Local extremes of the ratio by Nelder-Mead in (mu, log sigma), away from the reference's zeros."""
    fn, ref = sp.lambdify((mu, sigma), ratio, "numpy"), sp.lambdify((mu, sigma), reference, "numpy")

    def f(x, sign):
        with np.errstate(all="ignore"):
            val, den = complex(fn(x[0], np.exp(x[1]))), complex(ref(x[0], np.exp(x[1])))
        usable = np.isfinite(val) and abs(val.imag) < 1e-12 and abs(den) > 1e-6  # 0/0 round-off near a zero
        return sign * val.real if usable else np.inf

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sign, start in product((1.0, -1.0), ((0.5, 0.0), (-1.0, -1.0), (2.0, 1.0), (0.3, -2.0), (0.0, 1.5))):
            if not np.isfinite(f(start, sign)):
                continue
            res = minimize(f, start, args=(sign,), method="Nelder-Mead",
                           options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 1000})
            if np.isfinite(res.fun) and abs(res.x[0]) < 50 and abs(res.x[1]) < 8:
                where = f"near (mu, sigma) = ({res.x[0]:.6g}, {np.exp(res.x[1]):.6g}) (numeric)"
                value = sign * res.fun
                if abs(value) > _UNBOUNDED:  # the search ran into a singularity of the ratio
                    out.append((sp.oo * sp.sign(value), f"{where[:-10]} (numeric: the ratio exceeds {value:.3g})"))
                else:
                    out.append((sp.Float(value, 15), where))
    return out


def _summarise(found: list) -> dict:
    if not found:
        return {"inf": None, "sup": None, "inf_path": None, "sup_path": None, "method": "no value found"}
    lo, hi = _extreme(found, min), _extreme(found, max)
    return {"inf": str(lo[0]), "sup": str(hi[0]), "inf_path": lo[1], "sup_path": hi[1],
            "bounded_away_from_0": bool(float(lo[0]) > 0), "bounded_above": bool(hi[0] != sp.oo),
            "method": "exact limits along boundary paths and at the minimiser; Nelder-Mead over the interior"}


def _extreme(found: list, pick) -> tuple:
    """The extreme value; an exact one is preferred to a numeric one that matches it to 1e-8."""
    best = float(pick(found, key=lambda t: float(t[0]))[0])
    tol = 1e-8 * (1 + abs(best)) if np.isfinite(best) else 0.0
    close = [t for t in found if float(t[0]) == best or abs(float(t[0]) - best) <= tol]
    return min(close, key=lambda t: isinstance(t[0], sp.Float))
