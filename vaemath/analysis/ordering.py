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

from vaemath.analysis.exact import value_at, vanishes
from vaemath.symbolic import DEFAULT_BUDGET, CriticalPoint, hessian, mu, sigma
from vaemath.symbolic.budget import attempt
from vaemath.symbolic.calculus import (
    RAYS,
    _leaves_domain,
    _sign,
    along_rays,
    checked_limit,
    corner_path,
    hessian_by_limits,
    real_values,
)
from vaemath.symbolic.domains import domain_edges
from vaemath.symbolic.nonsmooth import (
    active_branch,
    check_directions,
    d_mu,
    d_sigma,
    directional,
    kink_directions,
    pieces,
    zeros_on,
)
from vaemath.symbolic.symbols import vectorized

_MU_GRID = ("-3", "-2", "-3/2", "-1", "-1/2", "-1/4", "0", "1/4", "1/2", "1", "3/2", "2", "3")
_SIGMA_GRID = ("1/20", "1/10", "1/5", "7/20", "1/2", "7/10", "17/20", "1", "6/5", "3/2", "2", "3", "5")
GRID = tuple((sp.Rational(m), sp.Rational(s)) for m, s in product(_MU_GRID, _SIGMA_GRID))


def _on_grid(expr: sp.Expr) -> np.ndarray:
    pts = np.array([[float(m), float(s)] for m, s in GRID])
    return real_values(expr, pts[:, 0], pts[:, 1])


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
    pairs = ((candidate, p), (candidate, q), (reference, p), (reference, q))
    cp, cq, rp, rq = (value_at(e, x, strict=True) for e, x in pairs)  # strict: 50 digits however small
    if None in (cp, cq, rp, rq) or not (cp < cq and rp > rq):
        return None

    def show(x):
        return mpmath.nstr(x, 30)

    return {"p": {"mu": str(p[0]), "sigma": str(p[1])}, "q": {"mu": str(q[0]), "sigma": str(q[1])},
            "candidate": [show(cp), show(cq)], "reference": [show(rp), show(rq)],
            "verified": "mpmath, 50 digits: candidate(p) < candidate(q) and reference(p) > reference(q)"}


def ratio_bounds(candidate: sp.Expr, reference: sp.Expr, best_r=None, budget=DEFAULT_BUDGET) -> dict:
    """Infimum and supremum of candidate / reference, with the path or point where each is approached.

    Parameters
    ----------
    candidate, reference : sympy.Expr
    best_r : CriticalPoint, MinimizerSet or None
        The reference's minimiser; the boundary paths run through it ((0, 1) otherwise) and, where the
        reference vanishes there, the ratio's limits into it follow from the leading terms of both.
    budget : float or None
        Seconds per symbolic limit.

    Returns
    -------
    dict
        ``inf``, ``sup`` (strings; "oo" or "-oo" when unbounded), ``inf_path``, ``sup_path``,
        ``inf_method``, ``sup_method`` ("exact" for limits along boundary paths, along the curves
        mu = +-t, sigma = t^a into the corners and into the reference's minimiser, when no value of the
        numeric search goes beyond them; a value found only by the Nelder-Mead search of the interior, or
        beyond every exact limit, is labelled a bound with where it is reached: "numeric search: an upper
        bound on the inf" / "a lower bound on the sup"), ``bounded_away_from_0``
        and ``bounded_above`` (None where only the numeric search speaks) and ``method``.
    """
    if vanishes(reference) is True:
        return {"inf": None, "sup": None, "inf_path": None, "sup_path": None, "inf_method": None, "sup_method": None,
                "bounded_away_from_0": None, "bounded_above": None,
                "method": "the reference is identically 0: the ratio is not defined"}
    ratio = candidate / reference
    point = best_r.point if isinstance(best_r, CriticalPoint) else {}
    m0, s0 = point.get(mu, sp.S.Zero), point.get(sigma, sp.S.One)
    if not (m0.is_Rational or m0.is_number and not m0.has(sp.Float)) or m0.has(mu):
        m0 = sp.S.Zero
    if not (s0.is_number and not s0.has(sp.Float)) or s0.has(sigma):
        s0 = sp.S.One
    found, late = [], False  # (value, where, exact); late: a limit ran past the budget (a path not decided)
    for where, args in (("sigma->0+", (ratio.subs(mu, m0), sigma, 0, "+")),
                        ("sigma->oo", (ratio.subs(mu, m0), sigma, sp.oo, "-")),
                        ("mu->oo", (ratio.subs(sigma, s0), mu, sp.oo, "-")),
                        ("mu->-oo", (ratio.subs(sigma, s0), mu, -sp.oo, "+"))):
        fixed = f"mu = {m0}" if where.startswith("sigma") else f"sigma = {s0}"
        if _outside(*args, budget):  # renyi(2) as sigma -> oo: +oo by convention, no path to name
            continue
        value, ran_out, backed = checked_limit(*args, budget=budget)
        late |= ran_out or (value is not None and not backed)  # sympy's alone: the path is not decided
        if value is not None and backed and value.is_number and value.is_extended_real:
            found.append((value, f"{where} at {fixed}", True))
    corners, ran_out = _corner_limits(ratio, budget)
    found.extend(corners)
    edges, edge_late = _edge_limits(ratio, (candidate, reference), m0, budget)
    found.extend(edges)
    late |= edge_late
    done, near = attempt(near_minimizer, candidate, reference, best_r, budget=budget)
    found.extend(near if done else [])
    found.extend(_interior(ratio, reference))
    found.extend(_on_grid_ratio(candidate, reference))
    return _attained(_summarise(found, late or ran_out or not done), candidate, reference)


def _nondecreasing(parts: list, x: sp.Symbol) -> bool:
    """Each piece's branch has a derivative >= 0 on its open interval (sympy), so f, continuous, is non-decreasing."""
    for a, b, branch in parts:
        d = sp.simplify(sp.diff(branch, x))
        if d.is_nonnegative or d == 0:
            continue
        try:
            below = sp.solveset(d < 0, x, sp.Interval.open(a, b))
        except (NotImplementedError, ValueError, TypeError):
            return False
        if below != sp.S.EmptySet:
            return False
    return True


def ratio_through(f: sp.Expr, x: sp.Symbol, lower, of: str = "reference", method: str | None = None) -> dict | None:
    """Infimum and supremum of candidate / reference when candidate = f(reference) exactly and the reference takes
    every value in [lower, oo) (its attained minimum; unbounded above), or every real value (``lower`` -oo: unbounded
    both ways, log(kl)): the ratio is q(x) = f(x)/x over x in [lower, oo) minus x = 0, a problem in one variable,
    solved exactly piece by piece between the kinks of f (:func:`~vaemath.symbolic.nonsmooth.pieces`) and 0: the
    critical points of q on each piece, its values at the kinks, its limits at the ends and, when 0 is inside, on
    both sides of it (kl against log(kl): exp(r)/r -> -oo as r -> 0-). None when sympy does not find every critical
    point and kink, or a value is not a real number (or +-oo). ``of``: whose value x is, in the paths ("candidate"
    when reference = F(candidate): the ratio x/F(x) is then read as f(x)/x with f(x) = x**2/F(x)); ``method``: the
    method's text instead of the default.

    Returns
    -------
    dict or None
        As :func:`ratio_bounds`, with ``inf_method`` and ``sup_method`` "exact".
    """
    lower = sp.sympify(lower)
    parts = pieces(f, x, lower, sp.oo)
    if parts is None:
        return None
    poles = _poles(f, x, lower)  # q's poles: 0 when inside the range, and (of the candidate) the zeros of F
    if poles is None:
        return None
    for z in poles:  # the pieces split at each pole
        parts = [p for a, b, branch in parts for p in (
            ((a, z, branch), (z, b, branch)) if (a < z) is sp.true and (z < b) is sp.true else ((a, b, branch),))]
    q = f / x
    try:  # the end limits on the end pieces' smooth branches (sympy's limit of a Max may fail)
        found, constant = [], {}  # values attained first: they win ties with the limits at the ends
        for a, b, branch in parts:
            slope = sp.simplify(sp.diff(branch / x, x))
            if slope == 0:  # the ratio is constant on this piece (max(kl, kl**2)/kl = 1 on kl <= 1)
                left = "[" if a.is_finite and a != 0 else "("  # f is continuous: a finite end is included (not 0)
                right = "]" if b.is_finite and b != 0 else ")"
                constant.setdefault(sp.simplify(branch / x), []).append(f"{left}{a}, {b}{right}")
                continue
            zeros = zeros_on(sp.fraction(sp.together(slope))[0], x, sp.Interval.open(a, b))
            if zeros != sp.S.EmptySet and not isinstance(zeros, sp.FiniteSet):
                return None
            found += [((branch / x).subs(x, z), f"where the {of} = {z} (attained)") for z in zeros]
        found += [(q.subs(x, a), f"where the {of} = {a} (attained)") for a, _, _ in parts[1:] if a not in poles]
        at_min = f"(mu, sigma) -> the {of}'s minimiser, where the {of} -> 0+"
        found += [(_pole_limit(branch / x, x, z, side), f"the {of} -> {z}{side}")  # both sides of each pole
                  for z in poles for a, b, branch in parts for side in "-+" if (b, a)[side == "+"] == z]
        found.append((sp.limit(parts[0][2] / x, x, 0, "+"), at_min) if lower == 0
                     else (sp.limit(parts[0][2] / x, x, -sp.oo), f"the {of} -> -oo") if lower == -sp.oo
                     else (q.subs(x, lower), f"at the {of}'s minimiser (attained)"))
        found.append((sp.limit(parts[-1][2] / x, x, sp.oo), f"the {of} -> oo"))
        # one value on several pieces is named on all of them (mu against mu: 1 on (-oo, 0) or (0, oo))
        found = [(v, f"wherever the {of} is in {' or '.join(on)}; attained") for v, on in constant.items()] + found
    except (NotImplementedError, ValueError, TypeError):
        return None
    found = [(sp.simplify(v), where, True) for v, where in found]
    if not all(v.is_number and (v.is_extended_real is True) for v, _, _ in found):
        return None
    summary = _summarise(found)
    summary["nondecreasing"] = _nondecreasing(parts, x)
    values = "every real value r" if lower == -sp.oo else f"values r >= {lower}"
    summary["method"] = method or (f"exact: candidate = f(reference) with f(r) = {f}, so the ratio is f(r)/r over the "
                         f"reference's {values}, r != 0 (one variable: critical points and kinks by sympy, "
                         "limits at the ends)")
    return summary


def _pole_limit(q: sp.Expr, x: sp.Symbol, z, side: str) -> sp.Expr:
    """lim q(x) as x -> z from ``side`` at a pole z: sympy's limit at 0; elsewhere +-oo with the sign of the numerator
    at z times that of the denominator beside z, from its first derivative not 0 at z (sympy's limit of x/(x + log x)
    at W(1) substitutes, W(1)/(log W(1) + W(1)), not seeing that the denominator is 0). NaN where a sign is not
    decided (then the caller has no exact answer)."""
    if z == 0:
        return sp.limit(q, x, 0, side)
    num, den = sp.fraction(sp.together(q))
    top = _sign(num.subs(x, z))
    for k in range(1, 7):
        s = _sign(sp.diff(den, x, k).subs(x, z))
        if s != 0:
            break
    if not top or not s:
        return sp.nan
    return sp.oo * top * s * (1 if side == "+" or k % 2 == 0 else -1)


def _poles(f: sp.Expr, x: sp.Symbol, lower) -> list | None:
    """The poles of f(x)/x in (lower, oo), in order: 0 where lower < 0, and the real zeros of the denominator of f
    (f = x**2/F when reference = F(candidate): kl against kl + log(kl), F(W(1)) = 0, where the ratio goes from -oo to
    +oo), by :func:`~vaemath.symbolic.nonsmooth.zeros_on`; None where they are not found as a finite set."""
    den, where = sp.denom(sp.together(f)), sp.Interval.open(lower, sp.oo)
    zeros = sp.S.EmptySet if not den.has(x) else zeros_on(den, x, where)
    if not isinstance(zeros, sp.FiniteSet) and zeros != sp.S.EmptySet:
        return None
    found = set(zeros) | ({sp.S.Zero} if lower.is_extended_negative else set())
    return sorted(found, key=lambda z: float(z))


def _on_grid_ratio(candidate: sp.Expr, reference: sp.Expr) -> list:
    """The least and the largest ratio at the grid points (the witness's), away from the reference's zeros: values
    evaluated, so no exact bound may lie beyond them (a limit that ran past its budget is simply missing)."""
    c, r = _on_grid(candidate), _on_grid(reference)
    with np.errstate(all="ignore"):
        ratio = np.where(np.abs(r) > 1e-6, c / r, np.nan)
    if not np.isfinite(ratio).any():
        return []
    out = []
    for k in (int(np.nanargmin(ratio)), int(np.nanargmax(ratio))):
        m, s = GRID[k]
        out.append((sp.Float(ratio[k], 15), f"at the grid point (mu, sigma) = ({m}, {s})", False))
    return out


_T = sp.Symbol("t", positive=True)
CORNER_POWERS = (-1, sp.Rational(1, 2), 1, 2)  # sigma = t^a along mu = +-t: a < 0 runs to sigma -> 0, a > 0 to oo


def _corner_limits(ratio: sp.Expr, budget) -> tuple:
    """Exact limits of the ratio along the curves mu = +-t, sigma = t^a, t -> oo, into the four corners
    (mu -> +-oo with sigma -> 0 or oo), which the paths along the axes miss, each backed by evaluations at high
    precision (:func:`~vaemath.symbolic.calculus.checked_limit`); and whether one ran past the budget or is sympy's
    alone (not backed): that path is not decided."""
    out, late = [], False
    for c, a in product((1, -1), CORNER_POWERS):
        path = ratio.subs({mu: c * _T, sigma: _T**a})
        if _outside(path, _T, sp.oo, "-", budget):  # mu = t, sigma = t**(1/2) leaves renyi(17/10)'s domain at once
            continue
        value, ran_out, backed = checked_limit(path, _T, sp.oo, "-", budget=budget)
        late |= ran_out or (value is not None and not backed)
        if value is not None and backed and value.is_number and value.is_extended_real:
            out.append((value, corner_path(c, a), True))
    return out, late


def _outside(e: sp.Expr, x: sp.Symbol, x0, direction: str, budget) -> bool:
    """Whether the path x -> x0 ends outside a penalty's domain (a log of x alone has a negative argument there):
    the value is the domain's convention (+oo), not a limit, and such a path is never named as a witness."""
    try:
        return _leaves_domain(e, x, x0, direction, budget)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return False


def _edge_limits(ratio: sp.Expr, exprs: tuple, m0, budget) -> tuple:
    """Exact limits of the ratio as sigma runs to an edge of the penalties' domain from inside, at mu = m0: where
    Renyi's divergence of order a > 1 runs to +oo inside its domain (the corner paths that leave it are not
    witnesses); and whether one ran past the budget or is sympy's alone."""
    out, late = [], False
    for z, side in domain_edges(exprs, budget):
        value, ran_out, backed = checked_limit(ratio.subs(mu, m0), sigma, z, side, budget=budget)
        if value is None or not backed:  # sympy's limit of the quotient past the budget: the quotient of the limits
            parts = _quotient_of_limits(*(e.subs(mu, m0) for e in exprs[:2]), z, side, budget)
            value, ran_out, backed = (parts, False, True) if parts is not None else (value, ran_out, backed)
        late |= ran_out or (value is not None and not backed)
        if value is not None and backed and value.is_number and value.is_extended_real:
            out.append((value, f"sigma->{z}{side} at mu = {m0}, the edge of the domain", True))
        for m, inf in _edge_infinities(ratio, z, side, m0, value, budget):
            out.append((inf, f"sigma->{z}{side} at mu = {m}, the edge of the domain", True))
    return out, late


def _quotient_of_limits(c: sp.Expr, r: sp.Expr, z, side: str, budget):
    """lim c/r as sigma -> z from ``side``, from the limits of c and r, each backed by evaluations, where their
    quotient is determinate: a finite c over r -> +-oo is 0, c -> +-oo over a finite r != 0 is +-oo by the signs, two
    finite ones with r != 0 their quotient. renyi((1+sqrt(5))/2) + mu**2 over renyi(sqrt(3)) as sigma runs to the
    reference's edge sqrt((3 + sqrt(3))/2): 0, where sympy's limit of the quotient ran past 5 s (review r8m B1).
    None otherwise."""
    ends = []
    for e in (c, r):
        v, _, backed = checked_limit(e, sigma, z, side, budget=budget)
        if v is None or not backed or not v.is_number or v.is_extended_real is not True:
            return None
        ends.append(v)
    a, b = ends
    if a.is_finite and b.is_infinite:
        return sp.S.Zero
    if a.is_infinite and b.is_finite and (b.is_positive or b.is_negative):
        return a * sp.sign(b)
    if a.is_finite and b.is_finite and (b.is_positive or b.is_negative):
        return sp.simplify(a / b)
    return None


EDGE_MUS = tuple(sp.Rational(k, 2) for k in (2, -2, 1, -1, 4, -4, 6, -6))  # mu = 1, -1, 1/2, -1/2, 2, -2, 3, -3


def _edge_infinities(ratio: sp.Expr, z, side: str, m0, at_m0, budget) -> list:
    """(mu, +-oo) for each infinity of the ratio's limit into the edge sigma -> z at a mu other than m0 (where the
    limit is ``at_m0``): the limit with mu free is +-oo times the sign of a function h(mu) (sympy's, which holds off
    the zeros of h: renyi(3) + log(3/2 - sigma**2) over kl is oo*sign(mu**2/...) as sigma -> sqrt(6)/2-, +oo at every
    mu != 0 and -oo at mu = 0, review r8m B3), read at the mu of ``EDGE_MUS``; the first mu of each infinity not
    at m0 is kept once the limit at that mu, taken on its own, is backed by evaluations."""
    wanted = {sp.oo, -sp.oo} - {at_m0}
    if not wanted:
        return []
    general, _, backed = checked_limit(ratio, sigma, z, side, budget=budget)
    if general is None or not backed or not general.has(mu) and general not in wanted:
        return []
    out = []
    for m in EDGE_MUS:
        if not wanted or m == m0:
            continue
        guess = general.subs(mu, m)
        if guess not in wanted:
            continue
        value, _, backed = checked_limit(ratio.subs(mu, m), sigma, z, side, budget=budget)
        if backed and value == guess:
            out.append((m, value))
            wanted.discard(value)
    return out


def near_minimizer(candidate: sp.Expr, reference: sp.Expr, best_r) -> list:
    """Exact limits of candidate / reference into the reference's minimiser p where the reference vanishes.

    From the leading terms of both along rays p + t d, t -> 0+: a candidate non-zero at p gives +-oo; a
    candidate of first order (D_c(d) != 0) against a reference of second order gives +oo where D_c > 0 and
    -oo where D_c < 0; two first-order terms give D_c / D_r, whose extremes over directions lie on the
    directions where a piece of either switches; two second-order terms give the generalised eigenvalues of
    the two Hessians (the range of d^T H_c d / d^T H_r d).

    Returns
    -------
    list of (value, where, True)
    """
    if not isinstance(best_r, CriticalPoint) or best_r.value != 0 or any(
            isinstance(v, sp.Float) or not v.is_number for v in best_r.point.values()):
        return []
    p = best_r.point
    where = f"(mu, sigma) -> ({p[mu]}, {p[sigma]}), the reference's minimiser"
    c0 = sp.simplify(candidate.subs(p))
    if c0.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.AccumBounds) or not (c0.is_number and c0.is_extended_real):
        return []  # 1/kl at (0, 1): zoo; atan(1/kl): AccumBounds(-pi/2, pi/2); no sign to read
    if c0 != 0:
        return [(sp.oo * sp.sign(c0), f"{where}, where the reference vanishes and the candidate does not", True)]
    d_c, d_r = directional(candidate, p), directional(reference, p)
    if d_r is None:
        return []
    if d_c is None:  # no finite slope (a cone, sqrt, a power below 1): exact limits along fixed rays instead
        directions, first_c = list(RAYS), along_rays(candidate, p, sp.S.Zero, 1)
        if first_c is None:
            return []
    else:
        directions = kink_directions(d_c) + kink_directions(d_r) + list(check_directions())
        first_c = [sp.simplify(d_c.subs({d_mu: a, d_sigma: b})) for a, b in directions]
    if best_r.order == 2:
        if any(v != 0 for v in first_c):
            signs = {sp.sign(v) for v in first_c if v != 0}
            order = "first order" if d_c is not None else "lower order (a cone, or a power below 1)"
            return [(sp.oo * s, f"{where}: the candidate vanishes to {order} there, the reference to second",
                     True) for s in signs]
        h_c = _hessian_at_zero_gradient(candidate, p)
        if h_c is None and best_r.hessian is not None and best_r.hessian.is_positive_definite:
            return _second_order_on_rays(candidate, best_r.hessian, p, where)
        if h_c is None or best_r.hessian is None or best_r.hessian.det() == 0:
            return []
        eig = (best_r.hessian.inv() * h_c).eigenvals()
        return [(_exact_value(e), f"{where}: " + ("ratio of the second-order terms" if e != 0 else  # kl**64 (r8m D1)
                 "the candidate vanishes to higher order than second there, the reference to second"), True)
                for e in eig]
    if best_r.order == 1:
        values = [c / sp.simplify(d_r.subs({d_mu: a, d_sigma: b})) for c, (a, b) in zip(first_c, directions)]
        return [(sp.simplify(v), f"{where}: ratio of the first-order terms", True) for v in values if v.is_finite]
    return []


def _exact_value(e: sp.Expr) -> sp.Expr:
    """``e`` simplified; rationalised only when it holds floats (nsimplify of 1 + exp(-1000) is 1, and of sympy's
    factored eigenvalue of diag(1 + exp(-1000), ...) 0: cancellation in its float evaluation)."""
    s = sp.simplify(e)
    return sp.nsimplify(s) if s.has(sp.Float) else s


def _second_order_on_rays(candidate: sp.Expr, h_r: sp.Matrix, p: dict, where: str) -> list:
    """Exact limits of the ratio along the rays p + t d, t -> 0+, from the candidate's second-order limits
    (a kink with no Hessian: min(mu**2, (sigma-1)**2)) over the reference's d^T H d / 2."""
    second = along_rays(candidate, p, sp.S.Zero, 2)
    if second is None:
        return []
    out = []
    for v, (a, b) in zip(second, RAYS):
        q_r = (sp.Matrix([[a, b]]) * h_r * sp.Matrix([a, b]))[0] / 2
        why = ("the candidate vanishes to lower order than second there" if v.is_infinite
               else "ratio of the second-order terms")
        out.append((_exact_value(v / q_r), f"{where} along the ray ({a}, {b}): {why}", True))
    return out


def _hessian_at_zero_gradient(e: sp.Expr, p: dict) -> sp.Matrix | None:
    """The Hessian of ``e`` at ``p``, where its gradient vanishes; None if it is not twice differentiable there."""
    branch = active_branch(e, p)
    if branch is None:
        return None
    h = hessian(branch).subs(p)
    if any(c.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for c in h):
        return hessian_by_limits(branch, p)
    return h.applyfunc(sp.simplify)


def _interior(ratio: sp.Expr, reference: sp.Expr) -> list:
    """Local extremes of the ratio by Nelder-Mead in (mu, log sigma), away from the reference's zeros."""
    fn, ref = vectorized(ratio), vectorized(reference)

    def f(x, sign):
        try:  # huge values (exp, cosh far out) overflow in exp, in complex() or in abs(): not usable points
            with np.errstate(all="ignore"):
                val, den = complex(fn(x[0], np.exp(x[1]))), complex(ref(x[0], np.exp(x[1])))
            usable = (np.isfinite(val) and abs(val.imag) < 1e-12 and abs(val.real) < 1e300  # not at overflow's edge
                      and abs(den) > 1e-6)  # 0/0 round-off near a zero
        except (OverflowError, ValueError, ZeroDivisionError):
            return np.inf
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
                where = f"near (mu, sigma) = ({res.x[0]:.6g}, {np.exp(res.x[1]):.6g})"
                out.append((sp.Float(sign * res.fun, 15), where, False))
    return out


def _attained(summary: dict, candidate: sp.Expr, reference: sp.Expr) -> dict:
    """``summary`` with each exact, finite bound that the ratio takes at a grid point, exactly there, named as attained
    at that point (abs(mu)/(abs(mu) + abs(sigma - 1)) is 1 on sigma = 1, not only as mu -> oo)."""
    with np.errstate(all="ignore"):
        values = _on_grid(candidate) / _on_grid(reference)
    for end in ("inf", "sup"):
        if summary[f"{end}_method"] != "exact" or summary[end] in ("oo", "-oo"):
            continue
        bound = sp.sympify(summary[end])
        for k in np.flatnonzero(np.isclose(values, float(bound), rtol=1e-12, atol=1e-300)):
            m, s = GRID[k]
            c, r = (e.subs({mu: m, sigma: s}) for e in (candidate, reference))
            if r.is_zero is False and sp.simplify(c / r - bound) == 0:
                summary[f"{end}_path"] += f"; attained at (mu, sigma) = ({m}, {s})"
                break
    return summary


def _summarise(found: list, late: bool = False) -> dict:
    if not found:
        return {"inf": None, "sup": None, "inf_path": None, "sup_path": None, "inf_method": None, "sup_method": None,
                "bounded_away_from_0": None, "bounded_above": None, "method": "no value found"}
    (lo, lo_path, lo_how), (hi, hi_path, hi_how) = _extreme(found, min, late), _extreme(found, max, late)
    return {"inf": str(lo), "sup": str(hi), "inf_path": lo_path, "sup_path": hi_path,
            "inf_method": lo_how, "sup_method": hi_how,
            "bounded_away_from_0": False if float(lo) <= 0 else (True if lo_how == "exact" else None),
            "bounded_above": False if hi == sp.oo else (True if hi_how == "exact" else None),
            "method": "exact limits along boundary paths, along mu = +-t, sigma = t^a into the corners and into "
                      "the reference's minimiser (leading terms); Nelder-Mead over the interior, whose values are "
                      "bounds only"}


def _exact_extreme(exact: list, pick) -> tuple:
    """The extreme of exact values, ties in float64 broken exactly (1 and 1 + exp(-52) are one float)."""
    best = pick(exact, key=lambda t: float(t[0]))
    for t in exact:
        if t is not best and float(t[0]) == float(best[0]) and np.isfinite(float(best[0])):
            d = sp.N(t[0] - best[0], 30)
            if d.is_real and (d < 0 if pick is min else d > 0):
                best = t
    return best


def _extreme(found: list, pick, late: bool = False) -> tuple:
    """(value, where, how): the exact extreme unless the numeric search went beyond it (then a bound), or unless an
    exact step ran past the budget (``late``: the extreme over the paths decided is then a bound, unless it is
    +-oo, which no path can go beyond)."""
    exact = [t for t in found if t[2]]
    numeric = [t for t in found if not t[2]]
    best_exact = _exact_extreme(exact, pick) if exact else None
    best_numeric = pick(numeric, key=lambda t: float(t[0])) if numeric else None
    if best_exact is not None:
        e = float(best_exact[0])
        tol = 1e-8 * (1 + abs(e)) if np.isfinite(e) else 0.0
        beyond = best_numeric is not None and (  # an interior value beyond every exact limit (also +-oo) wins
            float(best_numeric[0]) > e + tol if pick is max else float(best_numeric[0]) < e - tol)
        kind = "a lower bound on the sup" if pick is max else "an upper bound on the inf"
        if not beyond and late and np.isfinite(e):
            return (best_exact[0], best_exact[1],
                    f"exact along the paths decided, others ran past the budget or are not verified: {kind}")
        if not beyond:
            return best_exact[0], best_exact[1], "exact"
    kind = "a lower bound on the sup" if pick is max else "an upper bound on the inf"
    return best_numeric[0], f"{best_numeric[1]} (numeric)", f"numeric search: {kind}"
