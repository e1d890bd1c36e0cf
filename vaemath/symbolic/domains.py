"""The edges of a penalty's domain (where a log or a fractional power of sigma alone has a positive argument), exact
for any order of Renyi's divergence, rational or not: renyi(a), a > 1, is finite for sigma < sqrt(a/(a - 1)).

One rule for every step that looks at an edge: the limits of :func:`~vaemath.symbolic.calculus.derive`, the paths to
-oo of :func:`~vaemath.symbolic.calculus.descent_path`, the ratio of :func:`vaemath.check`.
"""

from __future__ import annotations

import sympy as sp

from vaemath.symbolic.budget import attempt
from vaemath.symbolic.symbols import sigma


def real_roots(q: sp.Expr, x: sp.Symbol) -> list | None:
    """The real roots of the polynomial ``q`` in ``x``, exact and sorted: RootOf for rational coefficients; for other
    number coefficients (renyi(pi)'s pi + (1 - pi) sigma**2, E, sqrt(2)) sympy's roots in radicals, each kept when its
    imaginary part is below 1e-40 at 50 digits (written as its real part). None when sympy finds fewer roots than the
    degree (a quintic over ZZ[pi]): not decided. Raises sympy's PolynomialError when ``q`` is not a polynomial."""
    poly = sp.Poly(q, x)
    if poly.degree() < 1:
        return []
    if poly.domain.is_ZZ or poly.domain.is_QQ:
        return poly.real_roots()
    found = sp.roots(poly)
    if sum(found.values()) != poly.degree():
        return None
    out = []
    for r in found:
        v = sp.N(r, 50)
        if abs(sp.im(v)) < 1e-40:
            out.append(r if r.is_real else sp.re(r))
    return sorted(out, key=lambda r: sp.N(r, 50))


def conditions(e: sp.Expr) -> list:
    """The expressions g(sigma) that must be positive inside the domain of ``e`` (:func:`infer_domain`)."""
    from vaemath.symbolic.penalty import infer_domain

    c = infer_domain(e).condition
    return [a.lhs for a in (c.args if isinstance(c, sp.And) else (c,)) if isinstance(a, sp.StrictGreaterThan)]


def domain_edges(exprs: tuple, budget) -> list:
    """(edge, side) for the edges of the expressions' domains inside every other condition: sigma -> edge from the side
    ("-" below, "+" above) where each log argument of sigma alone is positive (renyi(17/10): sigma -> sqrt(119)/7-;
    renyi(pi): sigma -> sqrt(pi/(pi - 1))-). Each edge is a positive root of a condition, exact (:func:`real_roots`,
    else sympy's solveset within ``budget``)."""
    conds = [g for e in exprs for g in conditions(e)]
    out = []
    for g in dict.fromkeys(conds):
        zeros = _positive_zeros(g, budget)
        for z in zeros:
            for side, near in (("-", z * (1 - sp.Rational(1, 10**12))), ("+", z * (1 + sp.Rational(1, 10**12)))):
                try:
                    if all(sp.N(h.subs(sigma, near), 40) > 0 for h in conds) and (z, side) not in out:
                        out.append((z, side))
                except TypeError:  # not comparable: complex there
                    continue
    return out


def _positive_zeros(g: sp.Expr, budget) -> list:
    """The positive zeros of g(sigma), exact; none where neither route decides them."""
    try:
        if g.is_polynomial(sigma):
            roots = real_roots(g, sigma)
            if roots is not None:
                return [r for r in roots if sp.N(r, 50) > 0]
        done, zeros = attempt(sp.solveset, g, sigma, sp.Interval.open(0, sp.oo), budget=budget)
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
        return []
    return list(zeros) if done and isinstance(zeros, sp.FiniteSet) else []


def as_real_root(v: sp.Expr, budget) -> sp.Expr:
    """``v``, a real number sympy writes with I (a cubic's real root in radicals, the casus irreducibilis: renyi(2) +
    3*sigma's stationary sigma), as the real root of its minimal polynomial equal to it at 50 digits, a CRootOf
    (CRootOf(3*x**3 - 2*x**2 - 6*x + 2, 1)); ``v`` unchanged when it has no I, is not real by 50 digits, or sympy
    finds no rational minimal polynomial within ``budget``."""
    if not (isinstance(v, sp.Expr) and v.is_number and v.has(sp.I)):
        return v
    re, im = sp.N(v, 50).as_real_imag()
    if abs(im) > 1e-30 * (1 + abs(re)):
        return v
    x = sp.Dummy("x")
    try:
        done, p = attempt(sp.minimal_polynomial, v, x, budget=budget)
        if not done:
            return v
        poly = sp.Poly(p, x)
        if not (poly.domain.is_ZZ or poly.domain.is_QQ):
            return v
        near = [r for r in poly.real_roots() if abs(sp.N(r, 50) - re) < 1e-25 * (1 + abs(re))]
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
        return v
    return near[0] if len(near) == 1 else v
