"""Calculus on penalties in any parametrisation: gradient, Hessian, critical points, Taylor, limits.

Every function takes a penalty (Penalty, sympy expression in mu and sigma, or penalty text) and a
parametrisation name; results are sympy objects, printable with ``sympy.latex``.
"""

from __future__ import annotations

import math
import re
import sys
import time
import warnings
from dataclasses import dataclass, replace
from functools import lru_cache
from math import factorial

import mpmath
import numpy as np
import sympy as sp

from vaemath.symbolic.approach import limit_status
from vaemath.symbolic.budget import DEFAULT_BUDGET, SYMPY_FAILED, Memo, attempt, check_budget
from vaemath.symbolic.domains import as_real_root, conditions, domain_edges, real_roots
from vaemath.symbolic.far import FAR_PART, part_minimum
from vaemath.symbolic.far import digits as far_digits
from vaemath.symbolic.hidden_zeros import hyperbolics_as_exp, without_hidden_zeros
from vaemath.symbolic.interval import RANGE, above_level, keeps_sign
from vaemath.symbolic.newton import MPMATH, float_order, newton_escapes, polished, scale_digits, singular_part_dropped
from vaemath.symbolic.nonsmooth import (
    active_branch,
    check_directions,
    d_mu,
    d_sigma,
    directional,
    first_order,
    is_smooth,
    kink_directions,
)
from vaemath.symbolic.parser import penalty as as_penalty
from vaemath.symbolic.penalty import Penalty, domain_arguments, infer_domain
from vaemath.symbolic.symbols import PARAMS, mu, reparametrize, sigma, to_std, vectorized
from vaemath.symbolic.symbols import param as _param

# Starting points (mu, sigma) for the numeric search of critical points, in the std parametrisation.
_STARTS = ((0.3, 0.7), (-0.4, 1.5), (1.0, 0.5), (0.1, 2.5), (2.0, 2.0), (-1.5, 0.3))
NOT_DIFFERENTIABLE = "not differentiable at the minimiser"
NO_HESSIAN = "no Hessian (not twice differentiable there)"
ROOT_SECONDS = 1.5  # wall-clock limit of one numeric root search (whatever the budget: it is numeric already)


def variables(param_name: str = "std") -> tuple:
    """The variables (mu, scale symbol) of the parametrisation ``param_name``."""
    return (mu, _param(param_name).symbol)


def _expr(penalty, param_name: str) -> sp.Expr:
    """The expression the calculus analyses: a Penalty's own with each condition of its domain that the expression
    no longer shows kept in it (:func:`with_domain`)."""
    expr = penalty if isinstance(penalty, sp.Expr) else with_domain(as_penalty(penalty))
    return reparametrize(expr, param_name)


def with_domain(p: Penalty) -> sp.Expr:
    """``p.expr`` plus log(g) + log(1/g) for each condition g(sigma) > 0 of its domain that the expression does not
    show (:func:`~vaemath.symbolic.domains.conditions`): 0 where g > 0, 2 pi i where g < 0 (principal logs), so the
    expression is the penalty inside the domain and complex outside it, and every step that reads a domain from an
    expression (its edges, limits into them, the numeric searches, which skip complex values) reads the penalty's.
    ``renyi(2) + log(2 - sigma**2)/2`` is 2 mu^2/(4 - 2 sigma^2) - log(sigma) once sympy cancels the logs; its domain is
    renyi(2)'s, sigma^2 < 2 (review r8m). Its derivatives are the expression's: those of the pair cancel."""
    if p.domain is None or p.domain.everywhere:
        return p.expr
    c = p.domain.condition
    shown = set(domain_arguments(p.expr))  # infer_domain's conditions, without its judgement of the value outside
    lost = [a.lhs for a in (c.args if isinstance(c, sp.And) else (c,))
            if isinstance(a, sp.StrictGreaterThan) and a.lhs.free_symbols == {sigma} and a.lhs not in shown]
    return p.expr + sum((sp.log(g) + sp.log(1 / g) for g in lost), sp.S.Zero)


def gradient(penalty, param: str = "std") -> sp.Matrix:
    """Gradient (d/dmu, d/dscale) of a penalty in the parametrisation ``param``.

    Examples
    --------
    >>> gradient("kl").T
    Matrix([[mu, sigma - 1/sigma]])
    """
    e = _expr(penalty, param)
    return sp.Matrix([sp.diff(e, x) for x in variables(param)])


def hessian(penalty, param: str = "std") -> sp.Matrix:
    """Hessian matrix of a penalty in the parametrisation ``param``, rows and columns (mu, scale)."""
    return sp.hessian(_expr(penalty, param), variables(param))


def _is_bad(value: sp.Expr) -> bool:
    return value.has(sp.nan, sp.zoo, sp.oo, -sp.oo)


def _directional(e: sp.Expr, xs: tuple, point: dict, order: int) -> sp.Expr:
    """Taylor polynomial at ``point`` in displacement symbols, by one-variable series along a ray.

    Works where derivatives of the printed form are 0/0 at the point (e.g. acosh near 1).
    """
    t = sp.Dummy("t")
    shifts = [sp.Dummy(f"d{x.name}", real=True) for x in xs]
    ray = e.subs({x: point[x] + t * d for x, d in zip(xs, shifts)}, simultaneous=True)
    poly = sp.expand(sp.series(ray, t, 0, order + 1).removeO().subs(t, 1))
    return poly.subs({d: x - point[x] for x, d in zip(xs, shifts)}, simultaneous=True)


def _derivative_terms(e: sp.Expr, xs: tuple, point: dict, order: int) -> sp.Expr | None:
    """Taylor polynomial at ``point`` from derivatives; None where one of them is not finite there."""
    (x, y), terms = xs, []
    for k in range(order + 1):
        for i in range(k + 1):
            coeff = sp.simplify(sp.diff(e, x, i, y, k - i).subs(point)) if k else sp.simplify(e.subs(point))
            if _is_bad(coeff):
                return None
            terms.append(coeff * (x - point[x]) ** i * (y - point[y]) ** (k - i) / (factorial(i) * factorial(k - i)))
    return sp.Add(*terms)


def taylor(penalty, point: dict | None = None, order: int = 2, param: str = "std") -> sp.Expr:
    """Taylor polynomial of a penalty at ``point`` to total degree ``order``.

    Parameters
    ----------
    penalty : Penalty, sympy.Expr or str
    point : dict, optional
        ``{mu: value, scale: value}``; by default the penalty's minimiser.
    order : int
        Total degree, >= 0.
    param : str
        Parametrisation of the expansion.

    Returns
    -------
    sympy.Expr
        Polynomial in (mu - mu0) and (scale - scale0).
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 0:
        raise ValueError(f"order: expected a non-negative integer, got {order!r}")
    e, xs = _expr(penalty, param), variables(param)
    point = _point(penalty, point, param)
    poly = _derivative_terms(e, xs, point, order)
    if poly is not None:
        return poly
    if _param(param).name == "std" and _is_bad(e.subs(point)):
        poly = _taylor_by_limits(e, point, order)
        if poly is not None:
            return poly
    if _param(param).name == "std":
        return _directional(e, xs, point, order)
    return _compose_from_std(e, point, order, _param(param))


def _taylor_by_limits(e: sp.Expr, point: dict, order: int) -> sp.Expr | None:
    """Taylor polynomial of a separable A(mu) + B(sigma) at a removable point, from the two-sided limits of each
    part's derivatives (exp(-1/(sigma - 1)**2) at sigma = 1: every one is 0, where a series along a ray fails); None
    when the penalty is not separable or a limit is not finite and the same on both sides."""
    a, b = e.as_independent(sigma, as_Add=True)
    if b.has(mu):
        return None
    terms = []
    for f, x in ((a, mu), (b, sigma)):
        for j in range(order + 1):
            d = sp.diff(f, x, j)
            v = d.subs(x, point[x])
            if _is_bad(v):
                ends = [sp.limit(d, x, point[x], side) for side in "-+"]
                if not all(w.is_number and w.is_finite for w in ends) or sp.simplify(ends[0] - ends[1]) != 0:
                    return None
                v = ends[0]
            terms.append(v * (x - point[x]) ** j / factorial(j))
    return sp.Add(*terms)


def _compose_from_std(e: sp.Expr, point: dict, order: int, p) -> sp.Expr:
    """Taylor polynomial in another parametrisation: the std expansion composed with that of sigma(x).

    Series of the composed form are slow in sympy (exp inside acosh); composing truncated series is not.
    """
    x, x0 = p.symbol, point[p.symbol]
    std_poly = _directional(_expr(e, "std"), (mu, sigma), {mu: point[mu], sigma: p.sigma_of.subs(x, x0)}, order)
    composed = std_poly.subs(sigma, sp.series(p.sigma_of, x, x0, order + 1).removeO())
    return _truncate(composed, (mu, x), point, order)


def _truncate(expr: sp.Expr, xs: tuple, point: dict, order: int) -> sp.Expr:
    """Drop the terms of total degree above ``order`` in the displacements from ``point``."""
    t, d = sp.Dummy("t"), [sp.Dummy(), sp.Dummy()]
    scaled = sp.expand(expr.subs({x: point[x] + t * di for x, di in zip(xs, d)}, simultaneous=True))
    kept = sum(scaled.coeff(t, k) for k in range(order + 1))
    return sp.expand(kept).subs({di: x - point[x] for x, di in zip(xs, d)}, simultaneous=True)


def _local(e: sp.Expr, xs: tuple, point: dict, order: int) -> sp.Expr:
    poly = _derivative_terms(e, xs, point, order)
    return poly if poly is not None else _directional(e, xs, point, order)


def _point(penalty, point, param_name: str) -> dict:
    if point is None:
        best = minimizer(penalty, param_name)
        if not isinstance(best, CriticalPoint):
            raise ValueError("point: the penalty has no single interior minimiser; give the expansion point")
        point = best.point
    xs = variables(param_name)
    missing = [x for x in xs if x not in point]
    if missing:
        raise ValueError(f"point: expected values for {xs}, missing {missing}")
    return {x: _exact(point[x]) for x in xs}


def _exact(v):
    """Floats read as exact numbers; an exact value kept as it is (nsimplify takes 10**-60 for 0)."""
    v = sp.sympify(v)
    return sp.nsimplify(v) if v.atoms(sp.Float) else v


def hessian_at(penalty, point: dict, param: str = "std") -> sp.Matrix:
    """Hessian at ``point``, through a series along rays where the printed form is singular there."""
    xs = variables(param)
    quad = sp.expand(taylor(penalty, point, 2, param))
    d = [sp.Dummy(), sp.Dummy()]
    quad = sp.expand(quad.subs({x: point[x] + di for x, di in zip(xs, d)}, simultaneous=True))
    h = [[quad.coeff(d[i], 2) * 2 if i == j else quad.coeff(d[i], 1).coeff(d[j], 1) for j in range(2)]
         for i in range(2)]
    return sp.Matrix(h).applyfunc(_exact)


def definiteness(h: sp.Matrix) -> str:
    """'positive definite', 'positive semidefinite', 'negative definite', 'negative semidefinite',
    'indefinite' or 'unknown' for a symmetric matrix (by numeric eigenvalues when its entries are floats;
    'unknown' when sympy's checks run past the default budget).

    A 2 x 2 matrix [[a, b], [b, c]] is decided by the signs of a, c and det = ac - b^2 (:func:`_sign`: exact, or
    50-digit values with a proved error bound); sympy's checks, tried one at a time, are the fallback: its
    ``is_indefinite`` factors the characteristic polynomial and ran for minutes at the minimiser of
    mu**2 + (sigma-1)**2 + exp(-1000*sigma), whose entry 10^6 exp(-1000 - LambertW(500000 e^-1000)) + 2 it
    read as a polynomial of degree 1000 (review 9f B3)."""
    if any(isinstance(c, sp.Float) for c in h):
        return _numeric_definiteness(h)
    if h.shape == (2, 2) and sp.simplify(h[0, 1] - h[1, 0]) == 0:
        kind = _definiteness_2x2(h[0, 0], h[0, 1], h[1, 1])
        if kind is not None:
            return kind
    checks = (("positive definite", "is_positive_definite"), ("negative definite", "is_negative_definite"),
              ("positive semidefinite", "is_positive_semidefinite"),
              ("negative semidefinite", "is_negative_semidefinite"), ("indefinite", "is_indefinite"))
    try:
        done, kind = attempt(lambda: next((name for name, flag in checks if getattr(h, flag)), "unknown"))
    except RecursionError:  # sympy's is_indefinite on quadratic**(5/4)'s Hessian at its minimiser (review helper-98)
        return "unknown"
    return kind if done else "unknown"


def _definiteness_2x2(a: sp.Expr, b: sp.Expr, c: sp.Expr) -> str | None:
    """The definiteness of [[a, b], [b, c]] from the signs of det = ac - b^2, a and c (eigenvalues of equal signs
    when det > 0, of opposite signs when det < 0, one zero when det = 0); None when a sign is not decided."""
    det = _sign(a * c - b * b)
    if det is None:
        return None
    if det < 0:
        return "indefinite"
    sa, sc = _sign(a), _sign(c)
    if sa is None or sc is None:
        return None
    if det > 0:
        return "positive definite" if sa > 0 else "negative definite"
    return "negative semidefinite" if min(sa, sc) < 0 else "positive semidefinite"  # the zero matrix is both


def _sign(v: sp.Expr) -> int | None:
    """-1, 0 or 1: the sign of the real number ``v``, from sympy's assumptions, else from its value at 50 digits
    (``strict``: sympy's error bound proves the sign), else 0 when it simplifies to 0 (after :func:`lambert_exp`);
    None if undecided."""
    v = sp.sympify(v)
    if v.is_zero:
        return 0
    if v.is_positive:
        return 1
    if v.is_negative:
        return -1
    try:
        x = v.evalf(50, strict=True)
    except (sp.core.evalf.PrecisionExhausted, ValueError, TypeError):
        x = None
    if x is not None and x.is_real and x.is_number and x != 0:
        return 1 if x > 0 else -1
    return 0 if sp.simplify(lambert_exp(v)) == 0 else None  # lambert_exp: a root of a level of kl is exact W(.)


def _numeric_definiteness(h: sp.Matrix) -> str:
    try:
        eig = np.linalg.eigvalsh(np.array(_balanced(h).tolist(), dtype=float))
    except (TypeError, ValueError):
        return "unknown"
    if not np.all(np.isfinite(eig)):
        return "unknown"
    tol = 1e-12 * (1 + np.max(np.abs(eig)))
    if eig[0] > tol:
        return "positive definite"
    if eig[-1] < -tol:
        return "negative definite"
    if eig[0] < -tol and eig[-1] > tol:
        return "indefinite"
    return "positive semidefinite" if eig[-1] > tol else "negative semidefinite" if eig[0] < -tol else "unknown"


def _balanced(h: sp.Matrix) -> sp.Matrix:
    """D h D with D = diag(|h_ii|^(-1/2)) (1 where h_ii = 0), in sympy's arbitrary-exponent floats: a congruence,
    so the same definiteness (Sylvester's law of inertia), with entries float64 holds: at sigma = 1e-300 the
    Hessian's d2/dsigma2 is ~1e600, beyond float64."""
    scale = [1 / sp.sqrt(abs(h[i, i])) if h[i, i] != 0 else sp.S.One for i in range(h.shape[0])]
    return sp.Matrix(h.shape[0], h.shape[1], lambda i, j: (h[i, j] * scale[i] * scale[j]).evalf(15))


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point (or kink): location, value, Hessian there and its definiteness, and how it was found.

    ``hessian`` is None where the penalty is not twice differentiable (a kink of abs, max or min);
    ``differentiable`` says whether the gradient exists there; ``order`` is the local order of growth
    near it, the slowest over directions: f - f(p) >= c |x - p|^order (1 at a kink where every one-sided
    directional derivative is positive; 2 at a positive definite Hessian, or at a kink where the first order
    vanishes along some rays and the second is positive there; at a numeric minimiser of higher order, the order
    read at 120 digits along the Hessian's eigenvectors, 8 for (sigma + tanh(sigma) - 2)**8 + mu**2; None when not
    decided).
    """

    point: dict
    value: sp.Expr
    hessian: sp.Matrix | None
    definiteness: str
    method: str  # "symbolic" (sympy.solve), "numeric, exact" (a recognised root), "numeric" (a float root)
    differentiable: bool = True
    order: int | None = None


@dataclass(frozen=True)
class MinimizerSet:
    """A whole set of minimisers: every point of ``region`` has the minimum ``value``.

    ``region`` is a sympy condition in (mu, scale), ``sympy.true`` when the penalty is constant; ``points`` lists
    the minimisers when they are finitely many (then ``region`` is the disjunction of their equations).
    """

    region: sp.Basic
    value: sp.Expr
    method: str
    points: tuple = ()  # the minimisers, when they are finitely many (symmetric penalties: (+-sqrt(2), 1))
    shape: str = ""  # the set as it is, when decided ("the half-line mu <= 0 at sigma = 1")
    on_line: sp.Matrix | None = None  # the Hessian at the points of a line of minimisers, in its free coordinate
    hessians: tuple = ()  # the Hessian at each of ``points`` (None at a kink), when they are finitely many

    @property
    def hessian(self) -> sp.Matrix | None:
        """The zero matrix for a constant penalty (its Hessian everywhere), the Hessian along a line of stationary
        minimisers (1000*mu**2: diag(2000, 0) at every (0, sigma)); None otherwise."""
        return sp.zeros(2) if self.region is sp.true else self.on_line

    @property
    def at_points(self):
        """What derive prints as the Hessian of finitely many minimisers: the one Hessian they share, a list of one per
        point where they differ, or None where one of them is a kink (no Hessian there)."""
        if not self.hessians or any(h is None for h in self.hessians):
            return None
        first = self.hessians[0]
        same = all(h.shape == first.shape and all(sp.simplify(a - b) == 0 for a, b in zip(h, first))
                   for h in self.hessians[1:])
        return first if same else list(self.hessians)

    @property
    def description(self) -> str:
        if self.points:
            shown = ", ".join(f"({', '.join(str(v) for v in p.values())})" for p in self.points)
            return f"{len(self.points)} points, each with the least value {self.value}: {shown}"
        if self.region is sp.true:
            return f"every point (the penalty is constant, {self.value})"
        if isinstance(self.region, sp.Eq):
            shape = f": {self.shape}" if self.shape else ""
            return f"every point where {self.region.lhs} = {self.region.rhs}{shape}"
        if self.shape:
            return f"every point where {self.shape} (value {self.value})"
        return f"every point with {self.region} (value {self.value})"

    @property
    def latex(self) -> str:
        """:attr:`description` as LaTeX (``derive --latex``): points, equations and values in math, words in \\text."""
        value = sp.latex(self.value)
        if self.points:
            shown = ", ".join(r"\left(" + ", ".join(sp.latex(v) for v in p.values()) + r"\right)" for p in self.points)
            return (rf"\text{{{len(self.points)} points, each with the least value }} {value}\text{{: }} {shown}")
        if self.region is sp.true:
            return rf"\text{{every point (the penalty is constant, }} {value}\text{{)}}"
        if isinstance(self.region, sp.Eq):
            shape = rf"\text{{: {_latex_text(self.shape)}}}" if self.shape else ""
            return rf"\text{{every point where }} {sp.latex(self.region)}{shape}"
        # a shape that restates the region (max(kl, 1/2): "kl <= 1/2"; "mu = 0 or sigma - 1 = 0"): the region itself
        return rf"\text{{every point where }} {sp.latex(self.region)} \text{{ (value }} {value}\text{{)}}"


class Described(str):
    """Text that has a LaTeX form too (``.latex``): a set of minimisers in derive's result, printed by
    :func:`to_latex` as LaTeX and everywhere else as this text."""

    def __new__(cls, text: str, latex: str):
        out = super().__new__(cls, text)
        out.latex = latex
        return out


def _latex_text(text: str) -> str:
    """Plain text safe inside LaTeX's \\text{...}."""
    for char in "\\&%$#_{}":
        text = text.replace(char, "\\" + char)
    return text


def hessian_of(best):
    """The Hessian derive and check print for a minimiser: a point's, a set's (constant, line), or the Hessians at
    finitely many minimisers (:attr:`MinimizerSet.at_points`); None where there is none."""
    if isinstance(best, MinimizerSet) and best.points:
        return best.at_points
    return best.hessian if isinstance(best, (CriticalPoint, MinimizerSet)) else None


def corner_path(c: int, a) -> str:
    """The path mu = c t, sigma = t^a, t -> oo as text: sigma = t, t**2, 1/t, t**(1/2) (never t**(1))."""
    power = {1: "t", -1: "1/t"}.get(a, f"t**{a}" if sp.sympify(a).is_Integer else f"t**({a})")
    return f"mu = {'-' if c < 0 else ''}t, sigma = {power}, t->oo"


def _elementary(e: sp.Expr) -> bool:
    return all(isinstance(fn, (sp.exp, sp.log)) for fn in e.atoms(sp.Function))


def _in_domain(sol: dict, p) -> bool:
    for x, val in sol.items():
        if val.is_real is False or (x is p.symbol and p.lower == 0 and val.is_positive is False):
            return False
        if val.is_real is None and val.is_number:  # a root of a cubic in radicals: sympy cannot tell; 50 digits can
            z = complex(sp.N(val, 50))
            if abs(z.imag) > 1e-30 * (1 + abs(z.real)) or (x is p.symbol and p.lower == 0 and z.real <= 0):
                return False
    return True


def _solve_symbolic(e: sp.Expr, grad: list, xs: tuple, p, budget) -> tuple:
    """(solutions or None, whether sympy.solve ran past the budget, or the reason it failed, a string). When sympy's
    own numeric check of its solutions drops them all, they are solved again unchecked and kept where the gradient
    vanishes exactly there (:func:`_stationary`): sympy dropped sigma = exp(-21), the minimiser of
    mu**2 + (log(sigma) + 21)**2."""
    sols = None
    for check in (True, False):
        try:
            done, found = attempt(sp.solve, grad, xs, dict=True, check=check, budget=budget)
        except SYMPY_FAILED as exc:  # sympy's own failure, not the budget: the numeric route, labelled with it
            internal = not isinstance(exc, (NotImplementedError, ValueError, TypeError))
            return sols, f"sympy.solve failed: {type(exc).__name__}" if internal else False
        if not done:
            return sols, sols is None
        sols = [{x: sol.get(x, x) for x in xs} for sol in found if _in_domain(sol, p)]
        if sols:
            break
    if not check:
        sols = [sol for sol in sols if sol[mu].is_number and sol[sigma].is_number and _stationary(e, xs, sol, budget)]
    return sols, False


def _real_radicals_as_roots(sol: dict, budget) -> dict:
    """``sol`` with each real value sympy wrote with I (a cubic's root in radicals) as the CRootOf of its minimal
    polynomial (:func:`~vaemath.symbolic.domains.as_real_root`): renyi(2) + 3*sigma's minimiser is (0,
    CRootOf(3*x**3 - 2*x**2 - 6*x + 2, 1)), exact, where the radicals' value was complex to sympy (review r8l B7)."""
    return {x: as_real_root(v, budget) for x, v in sol.items()}


def _recognise(r, tolerance: float = 1e-8) -> sp.Expr:
    """An exact number close to the root ``r``; only kept if the gradient then vanishes exactly."""
    return sp.S.Zero if abs(r) < tolerance else sp.nsimplify(float(r), [sp.pi, sp.E], tolerance=tolerance)


def _stationary(e: sp.Expr, xs: tuple, point: dict, budget) -> bool:
    """The gradient vanishes at ``point``: from exact derivatives where they are finite there, else every
    one-sided difference quotient (f(p + t d) - f(p)) / t tends to 0 along 5 fixed directions d (a 0/0 form
    such as acosh near 1, where a series along a symbolic ray is slow)."""
    def check():
        linear = _derivative_terms(e, xs, point, 1)
        if linear is not None:
            return all(sp.simplify(sp.diff(linear, x)) == 0 for x in xs)
        t = sp.Dummy("t", positive=True)
        at = e.subs(point)
        for a, b in ((1, 0), (0, 1), (-1, 0), (0, -1), (2, -3)):
            ray = e.subs({xs[0]: point[xs[0]] + a * t, xs[1]: point[xs[1]] + b * t}, simultaneous=True)
            if sp.limit((ray - at) / t, t, 0, "+") != 0:
                return False
        return True
    if _gradient_nonzero(e, xs, point):
        return False
    try:
        done, ok = attempt(check, budget=budget)
    except NotImplementedError:
        return False
    return bool(done and ok)


def _gradient_nonzero(e: sp.Expr, xs: tuple, point: dict) -> bool:
    """A partial derivative is provably non-zero at ``point`` (30 digits, sympy's error bound): a reading of a root
    that is not one, refused at once (simplifying exp(-1000*(1 - 5*E/66 - ...))*(...) took the 5 s budget)."""
    for x in xs:
        v = sp.diff(e, x).subs(point)
        if _is_bad(v):
            continue
        try:
            v = v.evalf(30, strict=True)
        except (sp.core.evalf.PrecisionExhausted, ValueError, TypeError, ArithmeticError):
            continue
        if v.is_number and v.is_finite and not v.is_zero:
            return True
    return False


def _bounded(fn, a, b):
    """fn(a, b), refusing iterates beyond 1e8: diverging Newton steps make mpmath numbers huge and slow."""
    if abs(a) > 1e8 or abs(b) > 1e8:
        raise ValueError("findroot diverged")
    return fn(a, b)


def _roots(grad: list, xs: tuple, p, starts=_STARTS, log_scale: bool = False) -> list:
    """Roots of the gradient by mpmath.findroot from ``starts`` (mu, sigma), at 40 digits, ROOT_SECONDS at most
    each; with ``log_scale`` Newton steps in (mu, log sigma) (std parametrisation only), where a root at sigma =
    1e-300 is as near as one at 1, and the roots are returned as (mu, log sigma). A root is kept where the gradient
    is below 1e-15, or 1e-20 of the sum of its terms' sizes (exp(100) - exp(-100)/sigma**2 is 1e3 at its root in
    40-digit arithmetic)."""
    t = sp.Dummy("t", real=True)
    if log_scale:
        grad, xs = [g.subs(sigma, sp.exp(t)) for g in grad], (mu, t)
    fn = sp.lambdify(xs, grad, "mpmath")
    size = sp.lambdify(xs, [sp.Add(*[abs(a) for a in sp.Add.make_args(g)]) for g in grad], "mpmath")
    out = []
    for m0, s0 in starts:
        start = (m0, math.log(s0) if log_scale else float(p.of_sigma.subs(sigma, s0)))
        with mpmath.workdps(40 + (scale_digits(s0) if log_scale else 0)):  # 1 + 1/sigma is 1 at 40 digits past 1e40
            try:  # far out, each equation divided by its size at the start (1e-282 at sigma = e^650: "singular")
                scale = [w if log_scale and w != 0 else 1 for w in size(*map(mpmath.mpf, start))]
                scaled = lambda a, b, by=scale: [v / w for v, w in zip(_bounded(fn, a, b), by)]  # noqa: E731
                done, root = attempt(mpmath.findroot, scaled, start, tol=1e-30, maxsteps=200, verify=False,
                                     budget=ROOT_SECONDS)
                done = done and _vanishes(fn(*root), size(*root))
            except (ValueError, ArithmeticError, TypeError, MemoryError):  # a diverging start: try the next
                continue
            real = _real_point(root) if done else None
        if real is not None:  # Newton stalls where the gradient is singular (a cone): a bounded time per start
            out.append(real)
    return out


def _vanishes(values: list, sizes: list) -> bool:
    return mpmath.norm(values) ** 2 <= 1e-30 or all(abs(v) <= 1e-15 or abs(v) <= 1e-20 * abs(w)
                                                    for v, w in zip(values, sizes))


def _real_point(root) -> tuple | None:
    """The root's coordinates as real mpf numbers, or None for a complex root (findroot may step off the real
    plane where the gradient holds exp or log of a negative number): only real points are stationary points."""
    out = []
    for r in root:
        z = mpmath.mpc(r)
        if abs(z.imag) > 1e-20 * (1 + abs(z.real)):
            return None
        out.append(mpmath.mpf(z.real))
    return tuple(out)


def _solve_numeric(e: sp.Expr, grad: list, xs: tuple, p, budget, starts=_STARTS, log_scale: bool = False) -> tuple:
    """(points, method): roots recognised as exact numbers where the gradient provably vanishes there
    ("numeric, exact"), else the float roots themselves ("numeric"). With ``log_scale`` (starts far from sigma = 1,
    std parametrisation) the roots are found and read in (mu, log sigma): sigma = exp(-21) exactly, or a float."""
    roots = _roots(grad, xs, p, starts, log_scale)
    exact, floats, snapping = [], [], 0.0
    for root in roots:
        point = {x: _recognise(r) for x, r in zip(xs, root)}
        if log_scale:  # log sigma read as an integer first: nsimplify reads 650 as -38 + 193 E/2 + 271 pi/2
            near = sp.Integer(int(mpmath.nint(root[1])))
            point[sigma] = sp.exp(near if abs(root[1] - near) < 1e-8 else point[sigma])
            root = (root[0], mpmath.exp(root[1]))
        if any(_near(point, q, 1e-9) for q in exact + floats):
            continue
        if not (_in_domain(point, p) and _stationary(e, xs, point, budget)) and snapping < SNAP_SECONDS:
            start = time.perf_counter()
            point = _snapped_root(e, grad, xs, point, root, p, budget) or point
            snapping += time.perf_counter() - start
        if _in_domain(point, p) and _stationary(e, xs, point, budget):
            exact.append(point)
        elif (p.lower != 0 or root[1] > 0) and not _no_sign_change(grad, xs, root, p):
            floats.append({x: sp.Float(r, 15) for x, r in zip(xs, root)})
    return (exact, "numeric, exact") if exact else (floats, "numeric")


SNAP_SECONDS = 3.0  # wall-clock limit of the snapping of one numeric search's roots (each solve up to a second)


def _snapped_root(e: sp.Expr, grad: list, xs: tuple, point: dict, root: tuple, p, budget) -> dict | None:
    """``point`` with a coordinate nsimplify did not read replaced by the exact root, within 1e-8 of the float, of
    its gradient component at the other coordinate (sympy.solve, a second): sigma = atanh(1/2) = log(3)/2 for
    erf(mu)**2 + (tanh(sigma) - 1/2)**2; None when no such root makes the gradient vanish."""
    for i, x in enumerate(xs):
        other = xs[1 - i]
        if not point[other].is_number or isinstance(point[other], sp.Float) or len(str(point[other])) > 12:
            continue  # the other coordinate must be read exactly and plainly (0, 2, pi/4), not as 39414/877435
        g = grad[i].subs(other, point[other])
        for r in _real_roots(g, x):
            try:
                close = abs(complex(r) - complex(root[i])) < 1e-8 * (1 + abs(complex(root[i])))
            except (TypeError, ValueError):
                continue
            if close and r.is_real:
                snapped = {x: sp.expand_log(r, force=True) if i else r, other: point[other]}
                snapped = {y: snapped[y] for y in xs}
                if _in_domain(snapped, p) and _stationary(e, xs, snapped, budget):
                    return snapped
    return None


def _no_sign_change(grad: list, xs: tuple, root: tuple, p) -> bool:
    """A float 'root' where a component of the gradient keeps one strict sign across it (1e-6 relative on either
    side, in as many digits as the scale needs): it only tends to 0 there, towards an edge (cosh(sigma) + mu**2:
    sinh(sigma) = 1.8e-34 at sigma = 1.8e-34 passed the absolute test; mu**2 - tanh(sigma): sech(sigma)^2 at sigma =
    28), whose infimum is approached at the boundary, not attained. A simple root changes sign."""
    with mpmath.workdps(40 + scale_digits(abs(root[1]) + 1e-300)):  # exp(s) - exp(-s) at s = 1e-307
        at = [mpmath.mpf(r) for r in root]
        for k, g in enumerate(grad):
            fn = sp.lambdify(xs, g, "mpmath")
            step = at[k] * mpmath.mpf("1e-6") if k == 1 and p.lower == 0 else mpmath.mpf("1e-6") * (1 + abs(at[k]))
            try:
                ends = [mpmath.re(fn(*[a + (side * step if j == k else 0) for j, a in enumerate(at)]))
                        for side in (-1, 1)]
            except (ValueError, ArithmeticError, TypeError):
                continue
            if ends[0] * ends[1] > 0:
                return True
    return False


def critical_points(penalty, param: str = "std", budget=DEFAULT_BUDGET) -> list:
    """Stationary points of a penalty, each with its value, Hessian and definiteness.

    Solved in the std parametrisation with ``sympy.solve`` when the expression is built from powers, exp
    and log; otherwise, or when sympy runs past ``budget`` seconds, roots of the gradient are found with
    mpmath from fixed starts and kept as exact points when a recognised exact point makes the gradient
    vanish identically (checked by a series, so 0/0 forms are handled; method "numeric, exact"), else as
    floats (method "numeric"). For a penalty with abs, max or min the points are the local minimisers
    found by :func:`minimizer`'s search, kinks included. Other parametrisations map the points; the
    Hessian there is J^T H J, exact because the gradient vanishes.

    Parameters
    ----------
    budget : float or None
        Seconds allowed to each symbolic step (None: no limit); see :mod:`vaemath.symbolic.budget`.
    """
    return list(_critical_points(_expr(penalty, "std"), _param(param).name, check_budget(budget)))


@lru_cache(maxsize=256)
def _critical_points(e: sp.Expr, param_name: str, budget) -> tuple:
    found = _critical_points_std(e, budget) if is_smooth(e) else _kinked_minima(e, budget)
    removable = _removable_minimum(e, budget) if is_smooth(e) else None
    if removable is not None:  # float points a search found around it go (exp(-1/(sigma - 1)**2) is 0 in float64
        found = tuple(c for c in found if not _near(c.point, removable.point, 1e-4)) + (removable,)  # near 1)
    if is_smooth(e) and not any(c.definiteness.startswith("positive") for c in found):
        inner = _through_inner(e, budget)  # acosh(1 + kl)**2: a gradient 0/0 at the minimiser of kl
        found += inner
        if not inner and _has_root(e):
            found += _kinked_minima(e, budget)  # a singular gradient (sqrt(mu**2 + (sigma-1)**2)): search, decide
    found = tuple(_real_parts(c) for c in found if _real_value(c.value))
    if param_name == "std":
        return found
    p = _param(param_name)
    x = p.symbol
    out = []
    for c in found:
        x0 = x if c.point[sigma] is sigma else sp.simplify(p.of_sigma.subs(sigma, c.point[sigma]))
        h = None
        if c.hessian is not None:
            jac = sp.diag(1, sp.diff(p.sigma_of, x).subs(x, x0))
            h = (jac.T * c.hessian.subs(sigma, p.sigma_of.subs(x, x0)) * jac).applyfunc(sp.simplify)
        out.append(CriticalPoint({mu: c.point[mu], x: x0}, c.value, h, definiteness(h) if h is not None
                                 else c.definiteness, c.method, c.differentiable, c.order))
    return tuple(out)


def _real_value(v: sp.Expr) -> bool:
    """The value of a stationary point is a real number or an expression (kept): not complex (the point is outside
    the penalty's domain, sigma**2 > 3 in -log(3 - sigma**2) + mu**2 + sigma, review r8l A4) and not nan (0/0 at a
    point the removable-point rule did not decide: a nan is never an infimum, r8l A3)."""
    if not v.is_number:
        return True
    if v.has(sp.nan) or v.is_real is False:
        return False
    z = complex(sp.N(v, 30)) if v.is_real is None else None
    return z is None or (not math.isnan(z.real) and abs(z.imag) <= 1e-25 * (1 + abs(z.real)))


def _unsure(v) -> bool:
    return isinstance(v, sp.Expr) and v.is_number and v.is_real is None


def _real_parts(c: CriticalPoint) -> CriticalPoint:
    """A real stationary point whose coordinates or value sympy writes with I (a cubic's real root in radicals: the
    minimiser of renyi(2) - log(3 - sigma**2) + sigma, review r8l A4), each as its real part, which float() reads
    (float() of the radicals raised TypeError on an imaginary part of 1e-30 at 15 digits)."""
    if not (_unsure(c.value) or any(_unsure(v) for v in c.point.values())):
        return c

    def real(v):
        return sp.re(v, evaluate=False) if _unsure(v) else v
    h = c.hessian.applyfunc(real) if c.hessian is not None else None
    return replace(c, point={x: real(v) for x, v in c.point.items()}, value=real(c.value), hessian=h)


REMOVABLE = "at a removable point"  # in the method of a minimiser where the penalty's value is a limit


def _removable_minimum(e: sp.Expr, budget) -> CriticalPoint | None:
    """The minimiser of a separable A(mu) + B(sigma) at a point where the penalty is undefined but has a limit, the
    value of its continuous extension (exp(-1/(sigma - 1)**2) at sigma = 1, review r8k B4), as the
    exact infimum attained there (:func:`_separable_infimum`), with the Hessian diag(lim A'', lim B'') (a derivative
    with a limit at a point where the function is continuous has that value there) and the order of growth, the
    larger of the parts' lim log(f(x0 +- t) - f(x0)) / log t (oo: flatter than every power); None otherwise."""
    a, b = e.as_independent(sigma, as_Add=True)
    if b.has(mu) or not a.has(mu) or not b.has(sigma) or not _gap_points(e):
        return None
    sep = _separable_infimum(e, budget)
    at = None if sep is None or not sep["attained"] else sep.get("point")
    if at is None or any(sp.sympify(v).has(mu, sigma) for v in at.values()) or not _is_bad(e.subs(at)):
        return None
    t = sp.Dummy("t", positive=True)
    second, orders = [], []
    for f, x in ((a, mu), (b, sigma)):
        x0 = at[x]
        values = []
        for g in (f, sp.diff(f, x, 2)):
            ends = [g.subs(x, x0)] if not _is_bad(g.subs(x, x0)) else [limit(g, x, x0, side, budget) for side in "-+"]
            if any(v is None or not (v.is_number and v.is_finite) for v in ends) or not _is_zero(ends[0] - ends[-1],
                                                                                                   budget):
                return None
            values.append(ends[0])
        second.append(values[1])
        for side in (1, -1):
            q = limit(sp.log(f.subs(x, x0 + side * t) - values[0]) / sp.log(t), t, 0, "+", budget)
            if q is None or not (q.is_positive or q == sp.oo):
                return None
            orders.append(q)
    h = sp.diag(*second)
    order = max(orders, key=lambda q: math.inf if q == sp.oo else float(q))
    return CriticalPoint(at, sep["value"], h, definiteness(h), f"exact, {REMOVABLE}: {sep['where']}", True,
                         int(order) if order.is_integer else order)


def _gap_points(e: sp.Expr) -> list:
    """The values of sigma or mu (solveset, a second each) where a one-variable denominator of ``e`` vanishes inside
    the domain: candidates for a removable point (1/sigma and 1/log(log(3 + 1/sigma)) never vanish there;
    1/(sigma - 1)**2 does, at 1)."""
    out = []
    for p in e.atoms(sp.Pow):
        if p.exp.is_negative and len(p.base.free_symbols & {mu, sigma}) == 1 and not p.base.is_positive:
            x = mu if p.base.has(mu) else sigma
            try:
                done, zeros = attempt(sp.solveset, p.base, x, sp.Reals if x == mu else sp.Interval.open(0, sp.oo),
                                      budget=1.0)
            except SYMPY_FAILED:
                continue
            if done and isinstance(zeros, sp.FiniteSet):
                out += list(zeros)
    return out


_R = sp.Dummy("r", real=True)


def inner_functions(e: sp.Expr, x: sp.Symbol = _R):
    """Each (h, G) with e = G(h): h an inner expression (not a symbol) carrying all of e's mu and sigma, G(x) free of
    them (acosh(1 + kl)**2: h = 1 + kl, G = acosh(x)**2), smallest h first."""
    inner = sorted({h for h in sp.preorder_traversal(e) if h != e and isinstance(h, sp.Expr) and h.has(mu, sigma)
                    and not h.is_Symbol}, key=sp.count_ops)
    for h in inner:
        g = e.xreplace({h: x})
        if not g.has(mu, sigma) and g.has(x):
            yield h, g


def _through_inner(e: sp.Expr, budget) -> tuple:
    """Minimisers of pen = G(h), h an inner expression carrying all of mu and sigma (acosh(1 + kl)**2: h = 1 + kl,
    G = acosh(r)**2), found at h's own exact minimiser p where G(h(p) + t) - G(h(p)) has a leading term a t^q with
    a, q > 0 (G increasing from h's minimum, where pen's gradient may be 0/0): Hessian a H_h (q = 1), 0 (q > 1) or
    none (q < 1, a cusp), order q times h's. Each inner h, smallest first; () when none applies."""
    t = sp.Dummy("t", positive=True)
    for h, g in inner_functions(e):
        best = minimizer(h, "std", budget)
        if not isinstance(best, CriticalPoint) or best.order is None or any(
                isinstance(v, sp.Float) or sp.sympify(v).free_symbols for v in best.point.values()):
            continue
        h0 = best.value
        done, lead = attempt(lambda g=g, h0=h0: sp.simplify(g.subs(_R, h0 + t) - g.subs(_R, h0)).as_leading_term(t),
                             budget=budget)
        a, q = lead.as_coeff_exponent(t) if done else (None, None)
        if not (done and a.is_positive and q.is_positive and not a.has(t)):
            continue
        hh = best.hessian
        hess = None if q < 1 or hh is None else (a * hh).applyfunc(sp.simplify) if q == 1 else sp.zeros(2, 2)
        kind = best.definiteness if q == 1 else "positive semidefinite" if q > 1 else NOT_DIFFERENTIABLE
        order = q * best.order
        return (CriticalPoint(best.point, sp.simplify(g.subs(_R, h0)), hess, kind,
                              f"exact: the penalty is G({h}) with G(h0 + t) - G(h0) ~ {a}*t**{q} (increasing from "
                              f"h's minimum h0 = {h0}), at h's minimiser ({best.method})",
                              bool(best.differentiable and q >= 1), int(order) if order.is_integer else order),)
    return ()


def _has_root(e: sp.Expr) -> bool:
    """A fractional power of an expression in mu, sigma (sqrt, a cube root): its gradient may be singular
    where that expression vanishes, a minimum the roots of the gradient miss."""
    return any(p.exp.is_Rational and not p.exp.is_integer and p.base.has(mu, sigma) for p in e.atoms(sp.Pow))


def _hessian_there(e: sp.Expr, sol: dict, budget) -> sp.Matrix:
    """The Hessian at a stationary point: exact derivatives where finite, else second difference quotients."""
    if any(isinstance(v, sp.Float) for v in sol.values()):  # at the floats' exact binary values, by mpmath at 30 +
        at = {x: sp.Rational(v) if isinstance(v, sp.Float) else v for x, v in sol.items()}  # scale_digits digits: a
        digits = 30 + scale_digits(sp.N(at[sigma], 20))  # Float sigma = 5e21 makes log(1 + 1/sigma) 0 at 15 digits,
        try:  # and at sigma = e^-100 the terms of d2/dsigma2 log(1 + sigma)/sigma cancel from 1e87 to 2/3
            fn = sp.lambdify((mu, sigma), hessian(e), "mpmath")
            with mpmath.workdps(digits):
                h = fn(*(mpmath.mpf(sp.N(at[x], digits + 10)) for x in (mu, sigma)))
                return sp.Matrix(h.tolist() if hasattr(h, "tolist") else h).applyfunc(
                    lambda v: sp.Float(mpmath.re(v), 15) if abs(mpmath.im(v)) <= abs(mpmath.re(v)) * 1e-20 else sp.nan)
        except (ValueError, ArithmeticError, TypeError, NameError):
            return hessian(e).subs(at).evalf(15)
    free = sol[mu] is mu or sol[sigma] is sigma

    def exact():
        h = hessian(e).subs(sol)
        if free:
            return h.applyfunc(sp.simplify)
        if not any(_is_bad(c) for c in h):  # subs takes mu first: mu^2 d^2/(mu^2 + d^2) gave 2 at (0, 1), no Hessian
            h = h.applyfunc(lambda c: sp.simplify(lambert_exp(c)))
            return h if _quadratic_on_rays(e, sol, h) else None
        return hessian_by_limits(e, sol)
    done, h = attempt(exact, budget=budget)
    if done:
        return h  # None: not twice differentiable there
    h = hessian(e).subs(sol).evalf(15)
    return h if not any(_is_bad(c) for c in h) and _quadratic_on_rays(e, sol, h) else None


def hessian_by_limits(e: sp.Expr, point: dict) -> sp.Matrix | None:
    """Hessian at a stationary point from q(d) = lim_{t->0+} 2 (f(p + t d) - f(p)) / t^2 along three directions.

    Exact where the printed derivatives are 0/0 there (acosh near 1); valid because the gradient vanishes.
    """
    t = sp.Dummy("t", positive=True)
    at, diagonal = e.subs(point), {mu: point[mu] + t, sigma: point[sigma] + t}
    if at.has(sp.nan, sp.zoo):  # a removable 0/0 at the point itself (sinh(mu)/mu at mu = 0): its limit there
        at = sp.limit(e.subs(diagonal, simultaneous=True), t, 0, "+")

    def q(a, b):
        ray = e.subs({mu: point[mu] + a * t, sigma: point[sigma] + b * t}, simultaneous=True)
        return sp.limit(2 * (ray - at) / t**2, t, 0, "+")
    h11, h22, both = q(1, 0), q(0, 1), q(1, 1)
    if any(_is_bad(v) for v in (h11, h22, both)):  # a ray on a line of 0/0 (mu = 0 of sinh(mu)/mu): the printed
        # entries' limits along the diagonal instead
        h = hessian(e).subs(diagonal, simultaneous=True).applyfunc(lambda c: sp.limit(c, t, 0, "+"))
        if any(_is_bad(v) for v in h):
            return None
    else:
        h = sp.Matrix([[h11, (both - h11 - h22) / 2], [(both - h11 - h22) / 2, h22]])
    return h.applyfunc(_exact) if _quadratic_on_rays(e, point, h) else None


RAY_LEVELS = (20, 40, 80, 160, 320, 640)  # the steps t = 10^-k of _quadratic_on_rays


def _quadratic_on_rays(e: sp.Expr, point: dict, h: sp.Matrix, levels=RAY_LEVELS) -> bool:
    """At a stationary point, 2 (f(p + 2 d) - f(p + d)) / 3 is d^T H d to sqrt(t) relative along three rays H was
    not fitted on, d = t (a (1 + |mu|), b sigma) (at 30 + 3 k digits for t = 10^-k; f(p) itself may be 0/0; sigma's
    step relative, for a minimiser at sigma = e^-60): three rays fit any form, so sqrt(kl**2 + mu**4), whose
    second-order limits are no quadratic form, would get a Hessian (1.80 against 2.43 along (1, -1)).
    A twice differentiable f is off by O(t) relative, with a constant as large as f's scale of curvature: renyi(a) at
    (0, 1) is analytic only within sigma**2 < a/(a - 1), so for a = 1e20 the step t = 1e-20 leaves the domain and
    for a = 1e12 its third-order term is 1e-8 of the second. So t shrinks (10^-20, 10^-40, ... 10^-640) until the
    rays fit, and H is refused once they do not and the misfit did not fall by a factor 1000 from the last t (a form
    that does not fit misses by the same fraction at every t). True where f cannot be evaluated near p at any t
    (nothing to refute H)."""
    fn = sp.lambdify((mu, sigma), e, "mpmath")
    inside = [sp.lambdify(sigma, g, "mpmath") for g in conditions(e)]  # renyi(a): a + (1 - a) sigma**2 > 0
    last = None
    for k in levels:
        with mpmath.workdps(30 + 3 * k):
            misfit = _ray_misfit(fn, inside, point, h, mpmath.mpf(10) ** -k, 40 + 3 * k)
        if misfit is None:
            continue  # f not real there (outside the domain at this step): a smaller step
        if misfit <= 1:
            return True
        if last is not None and misfit > last / 1000:
            return False
        last = misfit
    return last is None


def _ray_misfit(fn, inside: list, point: dict, h: sp.Matrix, t, digits: int):
    """The largest |2 (f(p + 2 d) - f(p + d)) / 3 - d^T H d| / slack over three rays d = t (a (1 + |mu|), b sigma),
    slack = sqrt(t) |terms| + 1e10 |d|^3 (a twice differentiable f: off by its third derivative times |d|^3, so by
    O(t) relative; a form that does not fit: by |d|^2, the same fraction at every t, which sqrt(t) exposes even
    beside a much larger smooth part: renyi(1e20) + sqrt(kl**2 + mu**4), 1e-20 of it at (0, 1)); None where f is not
    real, outside the domain (``inside``: functions of sigma positive there) or cannot be evaluated there."""
    # sp.re: a real root of a cubic in radicals evaluates with an imaginary part of 1e-98 (mu**4 - 4 mu**2 + mu)
    m0, s0 = mpmath.mpf(sp.re(sp.N(point[mu], digits))), mpmath.mpf(sp.re(sp.N(point[sigma], digits)))
    hh = [[mpmath.mpf(sp.re(sp.N(h[i, j], digits))) for j in range(2)] for i in range(2)]
    worst = mpmath.mpf(0)
    for a, b in ((1, -1), (1, 2), (2, -1)):
        dm, ds = a * t * (1 + abs(m0)), b * t * s0
        terms = (dm * dm * hh[0][0], 2 * dm * ds * hh[0][1], ds * ds * hh[1][1])
        try:
            if not all(g(s0 + c * ds) > 0 for g in inside for c in (1, 2)):
                return None  # a step outside the domain (its log's imaginary parts cancel in the difference)
            far, near = fn(m0 + 2 * dm, s0 + 2 * ds), fn(m0 + dm, s0 + ds)
        except (ValueError, ArithmeticError, TypeError):
            return None
        tiny = mpmath.mpf(10) ** (-digits // 2)
        if not all(mpmath.isfinite(v) and abs(mpmath.im(v)) <= abs(mpmath.re(v)) * tiny for v in (far, near)):
            return None
        q = 2 * (mpmath.re(far) - mpmath.re(near)) / 3
        slack = mpmath.sqrt(t) * sum(abs(x) for x in terms) + mpmath.mpf("1e10") * (abs(dm) + abs(ds)) ** 3
        worst = max(worst, abs(q - sum(terms)) / slack)
    return worst


_SOLVE_LATE = set()  # penalties (std) whose stationary points sympy.solve did not find within the budget


@lru_cache(maxsize=256)
def _critical_points_std(e: sp.Expr, budget) -> tuple:
    p, xs = _param("std"), (mu, sigma)
    plain = hyperbolics_as_exp(e)
    grad = [_without_positive_factors(sp.diff(plain, x)) for x in xs]
    sols, late = _solve_symbolic(plain, grad, xs, p, budget) if _elementary(plain) else (None, False)
    if _elementary(plain) and (not sols or any(v.has(sp.I) for sol in sols for v in sol.values())):
        exact = _polynomial_stationary(plain, grad, budget)  # a polynomial system: every real root, as CRootOf
        if exact is not None and (exact or not sols):
            sols, late = exact, False
        elif sols:
            sols = [_real_radicals_as_roots(sol, budget) for sol in sols]
    if late is True:
        _SOLVE_LATE.add(e)
    method = "symbolic"
    if not sols:
        sols, method = _solve_numeric(e, grad, xs, p, budget)
        method += f" ({late})" if isinstance(late, str) else f" (sympy.solve ran past the budget of {budget} s)" \
            if late else ""
    out = [_critical_point(e, sol, method, budget) for sol in sols]
    missed = _missed_minima(e, sols)  # a numeric local minimum no solution is near: a root the routes above missed
    for starts, log_scale, where in ((missed, False, "the numeric search"), (_far_wells(e, sols), True, "a scan of "
                                     f"log sigma in [-{FAR}, {FAR}]")):
        if starts:
            more, how = _solve_numeric(e, grad, xs, p, budget, starts, log_scale)
            out += [_critical_point(e, sol, f"{how} (from a minimum of {where})", budget) for sol in more
                    if not any(_near(sol, c.point) for c in out)]
    out = [_refined(e, c, budget) for c in out]
    kept = [c.point for c in out if c.definiteness.startswith("positive") and not (
        any(isinstance(v, sp.Float) for v in c.point.values()) and newton_escapes(e, c.point))]
    return tuple(out) + tuple(_polished_minima(e, kept, budget))


def _polynomial_stationary(e: sp.Expr, grad: list, budget) -> list | None:
    """The stationary points of a penalty whose gradient is rational in (mu, sigma) with rational coefficients, exact,
    where sympy.solve finds none (it returns [] for renyi(3) + sigma**3, whose sigma solves a quintic): the numerators'
    lex Groebner bases give one polynomial in sigma and one in mu (a finite set of points), whose real roots (CRootOf)
    are paired where every numerator vanishes at 50 digits, kept where sigma > 0, no denominator vanishes and the
    point lies inside the penalty's domain (renyi(2) + 3*sigma: sigma in (0, sqrt(2)), so not the root 1.639). None
    when the gradient is not so, the set is not finite or sympy runs past ``budget``."""
    nums, dens = [], []
    for g in grad:
        n, d = sp.fraction(sp.together(g))
        if not (n.is_polynomial(mu, sigma) and d.is_polynomial(mu, sigma)):
            return None  # before Poly, which expands kl**63 * log(sigma) (90 s: check kl --against kl**64)
        try:
            if not all(sp.Poly(q, mu, sigma).domain.is_QQ or sp.Poly(q, mu, sigma).domain.is_ZZ for q in (n, d)):
                return None
        except (sp.PolynomialError, sp.GeneratorsNeeded):
            return None
        nums.append(sp.expand(n))
        dens.append(d)
    roots = {}
    for x, other in ((sigma, mu), (mu, sigma)):
        try:
            done, basis = attempt(sp.groebner, nums, other, x, order="lex", budget=budget)
        except SYMPY_FAILED:
            return None
        if not done:
            return None
        alone = [q for q in basis.exprs if not q.has(other)]
        if len(alone) != 1 or not alone[0].has(x):
            return None  # no stationary point at all (1 in the basis), or a curve of them
        found = real_roots(alone[0], x)
        if found is None:
            return None
        roots[x] = found
    inside = conditions(e)

    def vanishing(q, point):
        return abs(sp.N(q.subs(point), 50)) < 1e-40

    out = []
    for s0 in roots[sigma]:
        if sp.N(s0, 50) <= 0 or any(sp.N(c.subs(sigma, s0), 50) <= 0 for c in inside):
            continue
        for m0 in roots[mu]:
            point = {mu: m0, sigma: s0}
            if all(vanishing(q, point) for q in nums) and not any(vanishing(d, point) for d in dens):
                out.append({mu: m0, sigma: s0})
    return out


def _without_positive_factors(g: sp.Expr) -> sp.Expr:
    """``g`` without its factors positive on the whole domain (exp(1000*sigma - 1000) + 2, exp(mu**2), sigma*e^21 +
    e^-21/sigma): the same zeros, but sympy.solve no longer reads exp(1000*sigma) as a polynomial of degree 1000 (a
    minute, then no answer), nor stops at a factor that never vanishes (exp(mu**2)*cosh(log(sigma) + 21): only
    sigma solved, review 9f A5), and Newton's steps are not scaled by it."""
    g = sp.factor_terms(g)
    return sp.Mul(*[a for a in sp.Mul.make_args(g) if not a.is_positive])


def _critical_point(e: sp.Expr, sol: dict, method: str, budget) -> CriticalPoint:
    h = _hessian_there(e, sol, budget)
    value = e.subs(sol)
    exact = method.startswith(("symbolic", "numeric, exact"))
    value = _simplified(value, budget) if exact else _value_at_floats(e, sol)
    if h is None:  # the second-order limits along rays are no quadratic form: the order from the rays
        done, growth = attempt(_ray_growth, e, sol, value, budget=budget)
        growth = growth if done else None
        if growth is False or (growth is None and not _grows_on_rays(e, sol, value)):
            return CriticalPoint(sol, value, None, "indefinite", method, True, None)
        return CriticalPoint(sol, value, None, NO_HESSIAN, method, True, growth[0] if growth else None)
    kind = definiteness(h)
    order = 2 if kind == "positive definite" else (_separable_order(e, sol, budget)
                                                   or _sum_of_powers_order(e, sol, budget)
                                                   or _homogeneous_order(e, sol, h, budget)) if exact else None
    return CriticalPoint(sol, value, h, kind, method, True, order)


def _value_at_floats(e: sp.Expr, point: dict) -> sp.Expr:
    """The penalty at a float point, evaluated at the point's exact binary value to 50 + :func:`scale_digits` digits,
    then shown to 15: the value of a point that exists, never below the infimum (hellinger_squared at the float (0, 1.0)
    at 15 digits gave -6.8e-17 < 0 by cancellation; sigma*log(1 + 1/sigma) at sigma = e^300 is 0 at 50 digits, not 1,
    review r8l A1). Far out, numerically (evalf's subs): substituted, sympy made (1 + 1/N)^N exact for the integer
    N = 2.7e43 (r8l A2); near 1 substituted, so that a value exactly 0 there comes out 0."""
    at = {x: sp.Rational(v) if isinstance(v, sp.Float) else v for x, v in point.items()}
    far = scale_digits(sp.N(at[sigma], 20)) if at.get(sigma, 0) != 0 else 0
    v = e.subs(at).evalf(50) if far <= 16 else e.evalf(50 + far, subs=at)
    return upper_shown(v) if v.is_number else e.subs(point).evalf(15)


def upper_shown(v: sp.Expr) -> sp.Expr:
    """A value of the penalty at a point (an upper bound on the infimum), shown to 15 significant digits rounded up,
    or to as many more (at most 50) as it takes to see it leave the nearest number of 8 digits: -1 + 3.6e-35, the
    minimum of mu**2 - tanh(sigma) + (sigma-40)**2/10**30, is -0.99999999999999999999999999999999996390944 and
    never -1.00000000000000, which is below it (review r8j B1). ``v`` is exact or has 50 digits."""
    if not (v.is_number and v.is_real and v.is_finite) or v == 0:
        return v.evalf(15) if v.is_number else v
    with mpmath.workdps(60):
        x = mpmath.mpf(sp.N(v, 60))
        lead = mpmath.floor(mpmath.log10(abs(x)))
        gap = abs(x - mpmath.nint(x / mpmath.mpf(10) ** (lead - 7)) * mpmath.mpf(10) ** (lead - 7))
        digits = 15 if gap == 0 or gap >= abs(x) * mpmath.mpf("1e-14") else \
            min(50, int(mpmath.ceil(mpmath.log10(abs(x) / gap))) + 6)
        unit = mpmath.mpf(10) ** (lead - digits + 1)
        up = mpmath.ceil(x / unit) * unit
        for _ in range(3):  # the decimal's binary Float may fall below x by its last bit: then one unit more
            out = sp.Float(mpmath.nstr(up, digits + 5), digits)
            if mpmath.mpf(out) >= x:
                break
            up += unit
        return out


def _separable_order(e: sp.Expr, point: dict, budget) -> int | None:
    """The local order at ``point`` of f = A(mu) + B(sigma): the larger of A's and B's orders there (each the
    exponent of the leading term of A(mu0 + t) - A(mu0) on both sides, with a positive coefficient), since f - f(p)
    >= c (|dmu|^a + |dsigma|^b): mu**2 + (sigma-1)**4 has order 4. None otherwise (for a penalty that is not
    separable, the order along a curve can exceed the order along every straight ray)."""
    a, b = e.as_independent(sigma, as_Add=True)
    if b.has(mu) or not a.has(mu) or not b.has(sigma) or not all(v.is_number for v in point.values()):
        return None
    t = sp.Dummy("t", positive=True)

    def order(part, x):
        out = []
        for step in (t, -t):
            lead = sp.simplify(part.subs(x, point[x] + step) - part.subs(x, point[x])).as_leading_term(t)
            c, q = lead.as_coeff_exponent(t)
            if not (c.is_positive and q.is_positive) or c.has(t):
                return None
            out.append(q)
        return max(out)
    done, found = attempt(lambda: [order(a, mu), order(b, sigma)], budget=budget)
    if not done or None in found:
        return None
    q = max(found)
    return int(q) if q.is_integer else q


def _sum_of_powers_order(e: sp.Expr, point: dict, budget) -> int | sp.Rational | None:
    """The local order at ``point`` of a sum of terms, each a "definite" term growing as |x - p|^q in every direction
    (:func:`_power_term_order`, :func:`_composed_term_order`) or an even power g^k of a smooth g that is 0 there (>= 0
    and at most C |x - p|^k, C |x - p|^(2k) where g's gradient is 0): the least q of the definite terms, when no
    other term is of lower order (kl**4 + quadratic**4: 8; kl**2 + quadratic**2 + mu**4: 4; kl**(3/2) +
    quadratic**2: 3; kl**2*exp(kl): 4; exp(kl**2) - 1: 4). None where a term is of another kind or none is
    definite."""
    if not all(v.is_number for v in point.values()):
        return None

    def order(term):  # (order, definite) or None
        found = _power_term_order(term, point, budget)
        return found if found is not None else _composed_term_order(term, point, budget)
    done, found = attempt(lambda: [order(t) for t in sp.Add.make_args(e) if t.free_symbols], budget=budget)
    if not done or None in found or not any(definite for _, definite in found):
        return None
    q = min(q for q, definite in found if definite)
    if any(p < q for p, definite in found if not definite):
        return None
    return int(q) if q.is_integer else q


def _homogeneous_order(e: sp.Expr, point: dict, h: sp.Matrix, budget, top: int = 8) -> int | None:
    """The local order k at a critical ``point`` of a smooth penalty whose Hessian ``h`` is 0: the degree of its first
    Taylor part P_k that is not 0 (k <= ``top``), when P_k is positive definite (P_k(1, t) has no real root and both
    its end coefficients are positive): then c |x - p|^k <= f - f(p) <= C |x - p|^k near p (exp(kl) - 1 - kl: P_4 =
    Q^2/2, Q = mu^2/2 + (sigma - 1)^2, order 4). None where the first such part vanishes in a direction, or a
    coefficient is not an exact rational."""
    if h != sp.zeros(2, 2) or not is_smooth(e) or not all(v.is_number for v in point.values()):
        return None
    t = sp.Dummy("t", real=True)

    def order():
        for k in range(3, top + 1):
            coeffs = [_simplified(sp.diff(e, mu, i, sigma, k - i).subs(point), budget)
                      / (factorial(i) * factorial(k - i)) for i in range(k + 1)]
            if not all(c.is_Rational for c in coeffs):
                return None
            if any(coeffs):
                part = sp.Poly(sum(c * t ** (k - i) for i, c in enumerate(coeffs)), t)  # P_k(1, t), t = dsigma/dmu
                definite = k % 2 == 0 and coeffs[0] > 0 and coeffs[k] > 0 and part.count_roots() == 0
                return k if definite else None
        return None
    done, found = attempt(order, budget=budget)
    return found if done else None


def _definite_at(g: sp.Expr, point: dict, budget) -> bool:
    """g is smooth, 0 at ``point`` with a zero gradient and a positive definite Hessian there: c |x - p|^2 <= g <=
    C |x - p|^2 near p."""
    vanish = (g, sp.diff(g, mu), sp.diff(g, sigma))
    return (is_smooth(g) and all(_simplified(v.subs(point), budget) == 0 for v in vanish)
            and definiteness(hessian_at(g, point)) == "positive definite")


def _power_term_order(term: sp.Expr, point: dict, budget) -> tuple | None:
    """(order, definite) of a term c h g^k (c > 0, h a factor > 0 at ``point``, g smooth and 0 there, k > 0
    rational): (2k, True) where g is definite (:func:`_definite_at`); else, for k an even integer, (k, False), or
    (2k, False) where g's gradient is 0. None for a term of another kind."""
    c, rest = term.as_coeff_Mul()
    vanishing = [f for f in sp.Mul.make_args(rest) if _simplified(f.subs(point), budget) == 0]
    if not c.is_positive or len(vanishing) != 1:
        return None
    power = vanishing[0]
    g, k = (power.base, power.exp) if power.is_Pow and power.exp.is_Rational and power.exp > 0 else (power, sp.S.One)
    h = _simplified((rest / power).subs(point), budget)
    if not (h.is_positive and h.is_finite and is_smooth(g)):
        return None
    if _definite_at(g, point, budget):
        return 2 * k, True
    flat = all(_simplified(sp.diff(g, x).subs(point), budget) == 0 for x in (mu, sigma))
    return (2 * k if flat else k, False) if k.is_even else None


def _composed_term_order(term: sp.Expr, point: dict, budget) -> tuple | None:
    """(2q, True) for a term F(g), g a definite subexpression (:func:`_definite_at`) and F(y) - F(0) ~ a y^q as
    y -> 0+ with a > 0 (exp(kl**2): F = exp(y**2), q = 2); None otherwise."""
    y = sp.Dummy("y", positive=True)
    for g in sp.preorder_traversal(term):
        if g == term or not isinstance(g, sp.Add) or not g.free_symbols & {mu, sigma}:
            continue
        big_f = term.subs(g, y)
        if big_f.free_symbols & {mu, sigma} or not _definite_at(g, point, budget):
            continue
        a, q = (big_f - big_f.subs(y, 0)).as_leading_term(y).as_coeff_exponent(y)
        return (2 * q, True) if a.is_positive and q.is_positive and not a.has(y) else None
    return None


def _near(p: dict, q: dict, tol: float = 1e-6) -> bool:
    """Two points (mu, sigma) within ``tol``; False where a coordinate is not a number (a line of points)."""
    try:
        return all(abs(complex(p[x]) - complex(q[x])) < tol * (1 + abs(complex(q[x]))) for x in (mu, sigma))
    except (TypeError, ValueError):
        return False


def _flat(e: sp.Expr, m: float, s: float, v: float) -> bool:
    """The penalty has the same float value at four neighbours of (m, s): a plateau where it underflowed (exp(-kl)
    far out is 0.0), not a well."""
    fn, h = vectorized(e), 1e-4
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        near = [complex(fn(np.float64(m + a * h * (1 + abs(m))), np.float64(s * np.exp(b * h))))  # numpy: inf, not
                for a, b in ((1, 0), (-1, 0), (0, 1), (0, -1))]                                # OverflowError
    return all(x == v for x in near)


def _missed_minima(e: sp.Expr, sols: list) -> list:
    """Starts (mu, sigma) at the numeric search's local minima, not on a plateau, that no point of ``sols`` is
    near."""
    out = []
    for m, s, v in sorted(_numeric_minima(e), key=lambda t: t[2]):
        if _flat(e, m, s, v):
            continue
        point = {mu: m, sigma: s}
        on = [{x: sp.sympify(sol[x]).subs({mu: m, sigma: s}) for x in (mu, sigma)} for sol in sols]  # lines: at m, s
        if not any(_near(point, sol, 1e-4) for sol in on) and not any(_near(point, {mu: a, sigma: b}, 1e-4)
                                                                      for a, b in out):
            out.append((m, s))
    return out


_GRID_MU = np.linspace(-3.0, 3.0, 13)
_GRID_SIGMA = np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0])


def real_values(e: sp.Expr, mus: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """The penalty at the points (mus[i], sigmas[i]) in float64; NaN where it is not finite and real there."""
    fn = vectorized(e)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = np.broadcast_to(np.asarray(fn(mus, sigmas), dtype=complex), np.shape(mus))
    return np.where(np.isfinite(values) & (np.abs(values.imag) < 1e-12), values.real, np.nan)


@lru_cache(maxsize=64)
def _on_grid(e: sp.Expr) -> tuple:
    """(mu, sigma, value) at the points of a fixed 13 x 13 grid where the penalty is finite and real."""
    m, s = (a.ravel() for a in np.meshgrid(_GRID_MU, _GRID_SIGMA))
    values = real_values(e, m, s)
    ok = ~np.isnan(values)
    return tuple((float(a), float(b), float(v)) for a, b, v in zip(m[ok], s[ok], values[ok]))


ESCAPE = (1e4, 12.0)  # |mu| and |log sigma| past which a numeric search is drifting to the boundary


class _Escaped(Exception):
    """Raised by the search's objective at an iterate beyond ESCAPE; carries the point."""


@lru_cache(maxsize=64)
def _numeric_search(e: sp.Expr) -> tuple:
    """Nelder-Mead in (mu, log sigma) from the fixed starts and the least point of the grid, restarted (at most
    twice) from where it stops while that still lowers the value (kinks stall the simplex), as (mu, sigma, value,
    escaped) per start; ``escaped``: the iterates left the box ESCAPE (a drift towards the boundary) and the
    triple is the first point beyond."""
    from scipy.optimize import minimize

    fn = vectorized(e)

    def value(x):
        with np.errstate(all="ignore"):
            val = complex(fn(x[0], np.exp(x[1])))
        return val.real if np.isfinite(val) and abs(val.imag) < 1e-12 else np.inf

    def f(x):
        if abs(x[0]) > ESCAPE[0] or abs(x[1]) > ESCAPE[1]:
            raise _Escaped(np.array(x))
        return value(x)

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = min(_on_grid(e), key=lambda t: t[2], default=None)  # a narrow well the fixed starts miss
        for m0, s0 in _STARTS + ((grid[:2],) if grid is not None else ()):
            x, previous = np.array([m0, np.log(s0)]), np.inf
            try:
                for _ in range(3):
                    res = minimize(f, x, method="Nelder-Mead",
                                   options={"xatol": 1e-13, "fatol": 1e-15, "maxiter": 4000})
                    x, done = res.x, not res.fun < previous - 1e-14 * (1 + abs(res.fun))
                    previous = res.fun
                    if done:
                        break
                if np.isfinite(res.fun):
                    out.append((float(x[0]), float(np.exp(x[1])), _exact_value(e, x[0], np.exp(x[1]), res.fun), False))
            except _Escaped as exc:
                x = exc.args[0]
                if np.isfinite(value(x)):
                    out.append((float(x[0]), float(np.exp(x[1])), _exact_value(e, x[0], np.exp(x[1]), value(x)), True))
    return tuple(out)


def _exact_value(e: sp.Expr, m: float, s: float, fallback: float) -> float:
    """The penalty at a numeric point (mu, sigma) = (m, s), by sympy at 30 digits (2 s at most), else ``fallback``:
    float64 loses a penalty's small terms beside large ones (1e30*kl + 1 is 0 at (0, 1) in float64, not 1), and a
    search's least value below the true minimum would discard the true minimiser."""
    at = {mu: sp.Rational(float(m)), sigma: sp.Rational(float(s))}
    try:
        done, v = attempt(lambda: e.subs(at).evalf(30), budget=2.0)
    except SYMPY_FAILED:  # sympy's own failure (an OverflowError on gmpy2's integers): the float64 value
        done = False
    if not (done and v.is_real and v.is_finite):
        return float(fallback)
    return float(v) if abs(v) <= sys.float_info.max else math.copysign(math.inf, v)


def _numeric_minima(e: sp.Expr) -> tuple:
    """The numeric search's local minima inside the box ESCAPE, as float triples (mu, sigma, value)."""
    return tuple((m, s, v) for m, s, v, escaped in _numeric_search(e) if not escaped)


FAR = 700.0  # |log sigma| of the scan for wells beyond ESCAPE: sigma from 1e-304 to 1e304, float64's normal range
_FAR_LOG_SIGMA = np.linspace(-FAR, FAR, 281)


def _far_wells(e: sp.Expr, sols: list) -> tuple:
    """Starts (mu, sigma) in a well of the penalty beyond the numeric search's box ESCAPE that no point of ``sols``
    is in (exp(mu**2)*cosh(log(sigma) + 21), minimal at sigma = e^-21: refused, review 9f A5)."""
    def near(w, sol):  # in (mu, log sigma): every sigma below 1e-6 is near every other in sigma itself
        try:
            return abs(complex(sol[mu]) - w[0]) < 1e-6 * (1 + abs(w[0])) and \
                abs(complex(sp.log(sol[sigma]).evalf(20)) - math.log(w[1])) < 1e-6
        except (TypeError, ValueError):
            return False
    return tuple(w for w in _far_search(e) if not any(near(w, sol) for sol in sols))


FAR_SECONDS = 3.0  # wall-clock limit of the scan's values at high precision, where float64's were caught wrong
_FAR_CHECKS = ((0.0, 1.5), _FAR_LOG_SIGMA[::10])  # the mu and log sigma where float64 is compared with mpmath


def _precise(e: sp.Expr):
    """The penalty as a float function of (mu, log sigma), evaluated by mpmath at 30 + :func:`scale_digits` digits
    (nan where it is not finite and real, +-inf beyond float64's range)."""
    fn = sp.lambdify((mu, sigma), e, MPMATH)

    def value(m, t):
        with mpmath.workdps(30 + scale_digits(mpmath.exp(abs(t)))):
            try:
                v = fn(mpmath.mpf(float(m)), mpmath.exp(mpmath.mpf(float(t))))
                if isinstance(v, mpmath.mpc):
                    if abs(v.imag) > 1e-20:  # absolute: renyi(2) - sigma at 1e304 is -1e304 - pi/2 I, outside
                        return math.nan
                    v = v.real
                v = float(v)
            except (ValueError, ArithmeticError, TypeError, OverflowError):
                return math.nan
        return math.nan if math.isnan(v) else v
    return value


def _float_fails_far(e: sp.Expr, high) -> bool:
    """float64 misreads the penalty far out: at a check point (mu 0 and 1.5, every 50 in log sigma) its value is not
    mpmath's (to 1e-6 relative; nan and a value off float64's range count as +oo). sigma*log(1 + 1/sigma) is 0 in
    float64 past sigma = 1e16, 1 exactly (review r8k B1)."""
    def read(v):
        return math.inf if math.isnan(v) else v
    m, t = (a.ravel() for a in np.meshgrid(*_FAR_CHECKS))
    low = real_values(e, m, np.exp(t))
    for a, b, v in zip(m, t, low):
        x, y = read(float(v)), read(high(a, b))
        if not (x == y or abs(x - y) <= 1e-6 * (1 + abs(y))):
            return True
    return False


def _far_values(e: sp.Expr, m: np.ndarray, t: np.ndarray) -> tuple:
    """(values, value): the penalty on the scan's points (mu m, log sigma t) and a float function of (mu, log sigma)
    for the refinement: float64's, or mpmath's (:func:`_precise`) where float64's are caught wrong
    (:func:`_float_fails_far`). A separable A(mu) + B(sigma) is evaluated part by part (13 + 281 values at high
    precision instead of 3653); a scan past FAR_SECONDS keeps float64's."""
    fn = vectorized(e)

    def low(a, b):
        with np.errstate(all="ignore"):
            val = complex(fn(a, np.exp(b)))
        return val.real if np.isfinite(val) and abs(val.imag) < 1e-12 else math.nan
    values = real_values(e, m, np.exp(t))
    high = _precise(e)
    if not _float_fails_far(e, high):
        return values, low
    a, b = e.as_independent(sigma, as_Add=True)
    start = time.perf_counter()
    if not b.has(mu):  # separable: each part at its own points
        fa, fb = _precise(a), _precise(b)
        parts = [{x: f(x, x) for x in np.unique(z)} for f, z in ((fa, m), (fb, t))]  # a has no sigma, b no mu
        if time.perf_counter() - start > FAR_SECONDS:
            return values, low
        out = np.array([parts[0][x] + parts[1][y] for x, y in zip(m, t)])
    else:
        out = []
        for x, y in zip(m, t):
            if time.perf_counter() - start > FAR_SECONDS:
                return values, low
            out.append(high(x, y))
        out = np.array(out)
    return np.where(np.isfinite(out), out, np.nan), high


@lru_cache(maxsize=64)
def _far_grid(e: sp.Expr) -> tuple:
    """(mu, log sigma, values, value function) of the far scan: the grid's mu x log sigma in [-FAR, FAR] (step 5),
    valued by :func:`_far_values`."""
    m, t = (a.ravel() for a in np.meshgrid(_GRID_MU, _FAR_LOG_SIGMA))
    return (m, t) + tuple(_far_values(e, m, t))


def _far_least(e: sp.Expr) -> tuple | None:
    """(mu, sigma, value) at the far scan's least point beyond the numeric search's box, or None: a value the tool
    has evaluated, which the infimum is never above (review r8l B4: -290.8 at sigma = e^700, reported -11.6)."""
    if e.has(mu) and e.has(sigma) and e in _FAR_SCANNED:
        m, t, values, _ = _far_grid(e)
        if not np.all(np.isnan(values)):
            k = int(np.nanargmin(values))
            if abs(t[k]) > ESCAPE[1]:
                return float(m[k]), float(np.exp(t[k])), float(values[k])
    return None


_FAR_SCANNED = set()  # penalties whose far scan the stationary-point search ran (its values are then at hand)


@lru_cache(maxsize=64)
def _far_search(e: sp.Expr) -> tuple:
    """The least point of the penalty on the grid's mu x log sigma in [-FAR, FAR] (step 5), when it lies beyond
    ESCAPE, refined by Nelder-Mead in (mu, log sigma); none where the search leaves the box of ESCAPE's sizes around
    that point (a drift to the boundary, not a well) or stops on a float plateau (exp(-sigma) underflowed to 0). The
    values are float64's, or mpmath's where float64 rounds a term away (:func:`_far_values`)."""
    from scipy.optimize import minimize

    _FAR_SCANNED.add(e)
    m, t, values, value = _far_grid(e)
    if np.all(np.isnan(values)):
        return ()
    k = int(np.nanargmin(values))
    if abs(t[k]) <= ESCAPE[1]:
        return ()  # inside the box: the numeric search's

    def f(x):  # x = (mu, log sigma - t[k]): the simplex's first steps are 5% of each coordinate
        if abs(x[0]) > ESCAPE[0] or abs(x[1]) > ESCAPE[1]:
            raise _Escaped(x)
        val = value(x[0], t[k] + x[1])
        return val if np.isfinite(val) else np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = minimize(f, np.array([m[k], 0.0]), method="Nelder-Mead",
                           options={"xatol": 1e-13, "fatol": 1e-15, "maxiter": 4000})
        except _Escaped:
            return ()
    s = float(np.exp(t[k] + res.x[1]))
    if not np.isfinite(res.fun) or _flat(e, float(res.x[0]), s, res.fun):
        return ()
    return ((float(res.x[0]), s),)


def _kink_points(e: sp.Expr, budget, near: tuple | None = None) -> list:
    """Exact points where two kinks cross: common zeros of two Abs arguments or Max/Min ties (sympy.solve); with
    ``near`` (a numeric minimum (m0, s0)) only of the switches within NEAR_KINK of 0 there, and only the crossings
    within NEAR_KINK of it."""
    switches, parts = _switches(e), _tie_parts(e)
    if near is not None:
        with mpmath.workdps(30):
            switches = [g for g in switches if _finite_abs(sp.lambdify((mu, sigma), g, "mpmath"), *near) < NEAR_KINK]
    points = []
    for i, a in enumerate(switches):
        for b in switches[i + 1:]:
            if any(set(parts.get(x, ())) & {y} or parts.get(x) == parts.get(y) for x, y in ((a, b), (b, a))
                   if x in parts):
                continue  # g - h with g, h or g + h: the crossing of g and h, tried as that pair
            try:
                done, sols = attempt(sp.solve, [a, b], [mu, sigma], dict=True, budget=budget)
            except SYMPY_FAILED:
                continue
            for sol in sols if done else []:
                first = {x: sol.get(x) for x in (mu, sigma)}
                if any(v is None for v in first.values()):
                    continue
                for point in [first] + [{x: sp.sympify(v).xreplace({w: o}) for x, v in first.items()}  # other W branch
                                        for w in first[sigma].atoms(sp.LambertW) | first[mu].atoms(sp.LambertW)
                                        for o in [_other_branches(w)[-1]] if o != w]:
                    if not (all(v.is_real for v in point.values()) and point[sigma].is_positive):
                        continue
                    if point is not first and not all(abs(sp.N(g.subs(point), 50)) < 1e-40 for g in (a, b)):
                        continue  # the other branch is no common root
                    if near is not None and not _near(point, {mu: near[0], sigma: near[1]}, NEAR_KINK):
                        continue
                    if not any(_same(point, q) for q in points):
                        points.append(point)
    return points


KINK_STEPS = 6  # budgets for the whole search of kinked minima
FEW_SWITCHES = 6  # up to this many switches every pair of them is solved; beyond, only pairs near unexplained minima
NEAR_KINK = 1e-3  # |g| of a switch, and distance of a crossing, at a numeric minimum that counts as near it
ON_A_CURVE = "on a curve of minimisers"  # _verify_kink's answer at a point of a curve with the same value


def _kinked_minima(e: sp.Expr, budget) -> tuple:
    """Local minimisers of a penalty with abs, max or min: exact kink crossings and a numeric search
    recognised exactly, each then decided exactly.

    At a point where one smooth branch is active, the branch's gradient must vanish (Hessian from the
    branch); on a kink, every one-sided directional derivative must be positive (a minimiser of first
    order, not differentiable there) or, where some vanish, the penalty must grow along 360 rays at 30
    digits (method "numeric").
    """
    found, levels = [], []
    minima = {(round(m, 7), round(s, 7)): (m, s, v) for m, s, v in _numeric_minima(e)}.values()

    def on_a_level(v0):  # the value of a curve of minimisers met before: the point is on it, the level set's
        return any(abs(v0 - v) <= 1e-10 * (1 + abs(v)) for v in levels)

    few = len(_switches(e)) <= FEW_SWITCHES

    def explained(m0, s0, v0):  # a minimum on a level set met before, or near a minimiser found
        return on_a_level(v0) or any(_near({mu: m0, sigma: s0}, c.point, NEAR_KINK) for c in found)

    def candidates():
        # every pair of few switches is solved first; of many (55 ties in a max of 11 terms: 1485 pairs, each
        # solve up to a budget), only the pairs near a numeric minimum that no reading explains
        yield from ([p] for p in (_kink_points(e, budget) if few else ()))
        yield from (_below_or_at(e, _readings(e, m0, s0), v0) for m0, s0, v0 in minima if not on_a_level(v0))
        for m0, s0, v0 in () if few else minima:
            if not explained(m0, s0, v0):
                yield from ([p] for p in _kink_points(e, budget, (m0, s0)))

    def verify_each():
        for readings in candidates():
            for point in readings:
                if not point[sigma].is_positive or any(_same(point, c.point) for c in found):
                    continue
                try:
                    done, c = attempt(_verify_kink, e, point, budget=budget)
                except (KeyError, TypeError, ValueError, ZeroDivisionError, NotImplementedError):
                    continue  # sympy cannot decide at this reading: try the next
                if done and c is ON_A_CURVE:
                    levels.append(float(e.subs(point)))
                    break
                if done and c is not None:
                    found.append(c)
                    break

    # many readings of many numeric minima, each up to a budget: the whole search gets KINK_STEPS budgets
    attempt(verify_each, budget=None if budget is None else KINK_STEPS * budget)
    for m0, s0, v0 in minima:  # no exact reading: two kinks crossing at no closed-form point, found numerically
        if not on_a_level(v0) and not any(_near({mu: m0, sigma: s0}, c.point, 1e-5) for c in found):
            c = _crossing(e, m0, s0) or _tie_minimum(e, m0, s0)
            c = _snapped_kink_minimum(e, c, budget) if c is not None else None
            found += [c] if c is not None else []
    return tuple(found)


def _snapped_kink_minimum(e: sp.Expr, c: CriticalPoint, budget) -> CriticalPoint:
    """A numeric minimiser on a kink (``c``, floats from :func:`_crossing` or :func:`_tie_minimum`) put at its exact
    point when a coordinate x sits on a simple value r (:func:`_simple_values`: 0 for mu = 9e-140) and d/dx of the
    penalty vanishes on the line x = r for every value of the other coordinate y, on either side of the kinks (so
    the Lagrange system's root lies on that line): y is then the root, near the float, of the kinks vanishing there
    on x = r, solved exactly (:func:`_every_root`, both branches of LambertW), and checked at 50 digits; the value is
    then computed exactly (abs(kl - 1) + mu**2: 0 at (0, exp(-3/2 - W(-e^-3)/2)), not the search's 8.5e-279, review
    r8p A3). ``c`` when nothing snaps or a step is not decided."""
    if not any(isinstance(v, sp.Float) for v in c.point.values()):
        return c
    near = [g for g in _switches(e) if abs(complex(sp.N(g.subs(c.point), 30))) < 1e-10]  # the point: 15 digits
    if not near:
        return c
    for x, y in ((mu, sigma), (sigma, mu)):
        for r in _simple_values(c.point[x]):
            if x == sigma and not r.is_positive:
                continue
            line = next((g for g in near if not g.has(y) and g.subs(x, r) == 0), None)  # a kink on x = r itself
            if line is None:
                done, zero = attempt(_vanishes_on_line, sp.diff(e, x), x, r, budget=budget)
                if not (done and zero):
                    continue
            eq = next((g.subs(x, r) for g in near if g.subs(x, r).has(y)), None)
            if eq is None:
                continue
            y0 = float(c.point[y])
            for root in _every_root(eq, y, budget):
                if abs(float(sp.N(root, 30)) - y0) > 1e-12 * (1 + abs(y0)):
                    continue
                point = {x: r, y: root}
                if not all(_is_zero(g.subs(point), budget) for g in near):
                    continue
                done, value = attempt(lambda p=point: sp.simplify(lambert_exp(e.subs(p))), budget=budget)
                if not (done and value.is_number and value.is_real and
                        abs(sp.N(value, 30) - sp.N(e.subs(c.point), 30)) < 1e-12 * (1 + abs(sp.N(value, 30)))):
                    continue
                why = (f"the kink {line} = 0 is the line {x} = {r}" if line is not None else
                       f"d/d{x} of the penalty vanishes on {x} = {r} for every {y}, on either side of the kink")
                return replace(c, point={mu: point[mu], sigma: point[sigma]}, value=value,
                               method=f"{c.method}; {x} = {r} exactly ({why}), {y} the exact root of {eq} = 0 "
                               "there: the point and its value exact")
    return c


def _every_root(g: sp.Expr, x: sp.Symbol, budget) -> list:
    """Every real root of g(x) (x = sigma > 0, or mu) that sympy.solve gives, with each LambertW(z) of a root also
    tried on its other real branch, W_-1 for W_0 and W_0 for W_-1 (-1/e < z < 0: both branches are real, and solve
    may give one), each kept where g is 0 at 50 digits; [] where solve fails or runs past the ``budget``."""
    try:
        done, sols = attempt(sp.solve, g, x, budget=budget)
    except SYMPY_FAILED:
        return []
    if not (done and isinstance(sols, list)):
        return []
    out = []
    for r in [v for s_ in sols for v in _other_branches(s_)]:
        if not r.is_number or any(r == q for q in out):
            continue
        v = complex(sp.N(r, 50))
        if abs(v.imag) > 1e-40 or (x == sigma and v.real <= 0):
            continue
        at = sp.N(g.subs(x, r), 50)
        if at.is_number and at.is_finite and abs(at) < 1e-40:
            out.append(r)
    return out


def _other_branches(r: sp.Expr) -> list:
    """[r] and, when r has a LambertW(z) on one real branch with -1/e < z < 0, r with it on the other."""
    ws = [w for w in r.atoms(sp.LambertW) if w.args[0].is_number]
    out = [r]
    for w in ws:
        z, k = w.args[0], (w.args[1] if len(w.args) > 1 else sp.S.Zero)
        if k not in (0, -1) or not (z.is_negative and (z + 1 / sp.E).is_positive):
            continue
        out.append(r.xreplace({w: sp.LambertW(z, -1) if k == 0 else sp.LambertW(z)}))
    return out


def _branches(e: sp.Expr) -> list:
    """(switch g, e on one side, e on the other) for each kink of ``e``: abs(g) read as g and -g, max(a, b) and
    min(a, b) as a and b (g = a - b)."""
    out = []
    for node in e.atoms(sp.Abs):
        out.append((node.args[0], e.xreplace({node: node.args[0]}), e.xreplace({node: -node.args[0]})))
    for node in e.atoms(sp.Max, sp.Min):
        for i, a in enumerate(node.args):
            for b in node.args[i + 1:]:
                out.append((a - b, e.xreplace({node: a}), e.xreplace({node: b})))
    return out


def _tie_minimum(e: sp.Expr, m0: float, s0: float) -> CriticalPoint | None:
    """A minimiser on one kink curve g = 0 (the tie a = b of max(a, b), the zero set of abs(g)) near the numeric
    minimum (m0, s0), away from either branch's own minimiser: the Lagrange condition grad e1 = -t grad e2,
    t >= 0 (e1, e2 the penalty on either side), i.e. g = 0 and grad e1 x grad e2 = 0, by Newton at 50 digits,
    kept where the gradients point opposite ways and the penalty grows along 360 rays at 30 digits there
    (method "numeric", the point a float): max(kl, exp(-mu) - 1/2) at (0.48326..., 1). Where Newton fails on that
    system (a root of high multiplicity: abs(kl - 1) + mu**4, whose cross product vanishes as mu**3), the least
    point along the curve by bisection (:func:`_bisected_on_curve`)."""
    for g, e1, e2 in _branches(e):
        try:
            fg = sp.lambdify((mu, sigma), g, "mpmath")
            if _finite_abs(fg, m0, s0) > 1e-4:
                continue
            g1 = [sp.lambdify((mu, sigma), sp.diff(e1, x), "mpmath") for x in (mu, sigma)]
            g2 = [sp.lambdify((mu, sigma), sp.diff(e2, x), "mpmath") for x in (mu, sigma)]
        except (TypeError, ValueError, NameError, KeyError):
            continue
        with mpmath.workdps(50):
            def system(a, b, fg=fg, g1=g1, g2=g2):
                return [fg(a, b), g1[0](a, b) * g2[1](a, b) - g1[1](a, b) * g2[0](a, b)]
            try:
                root = mpmath.findroot(system, (mpmath.mpf(m0), mpmath.mpf(s0)), tol=1e-60)
                m, s = (mpmath.re(r) for r in root)
                residual = sum(abs(v) for v in system(m, s))
            except (ValueError, ArithmeticError, TypeError, ZeroDivisionError):
                m = s = residual = None
            how = "the Lagrange condition grad e1 = -t grad e2, t >= 0, of the penalty on its two sides, solved"
            if m is None or not (s > 0 and abs(m - m0) + abs(s - s0) < 1e-3 and residual < 1e-40):
                how = ("the least point along it by bisection of the penalty's slope there (Newton on the Lagrange "
                       "condition failed), grad e1 = -t grad e2 with t >= 0 checked")
                try:  # Newton failed numerically: the least point along the curve, by bisection
                    on = _bisected_on_curve(g, e1, m0, s0)
                except (ValueError, ArithmeticError, TypeError, ZeroDivisionError, NameError, KeyError):
                    on = None
                if on is None:
                    continue
                m, s = on
            try:
                dot = g1[0](m, s) * g2[0](m, s) + g1[1](m, s) * g2[1](m, s)
            except (ValueError, ArithmeticError, TypeError, ZeroDivisionError):
                continue
            if not (mpmath.re(dot) <= 0):
                continue
            point = {mu: sp.Float(m, 50), sigma: sp.Float(s, 50)}
            value = e.subs(point).evalf(50)
            if not (value.is_real and _grows_on_rays(e, point, value)):
                continue
        shown = {x: sp.Float(v, 15) for x, v in point.items()}
        return CriticalPoint(shown, value.evalf(15), None, NOT_DIFFERENTIABLE, "numeric (a minimiser on the kink "
                             f"{g} = 0: {how} at 50 digits; the penalty grows along 360 rays at 30 digits)",
                             False, None)
    return None


BISECT_WIDTHS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2)  # half-widths of the brackets _bisected_on_curve tries, in turn


def _bisected_on_curve(g: sp.Expr, e1: sp.Expr, m0: float, s0: float) -> tuple | None:
    """The least point of the penalty along the kink curve g = 0 near the numeric minimum (m0, s0), as 50-digit
    (mu, sigma): the curve is a graph y(x) over the coordinate x along which g changes least (y solved from g = 0 by
    Newton at each x), and the slope d/dx e1(x, y(x)) = e1_x - e1_y g_x / g_y (e1, the penalty on one side, is the
    penalty on the curve) is bisected 200 times on the first bracket [x0 - w, x0 + w] over which it goes from
    negative to positive (w in BISECT_WIDTHS); None where no bracket is found or y(x) is not found. Bisection
    converges whatever the root's multiplicity, where Newton on the Lagrange system stalls (abs(kl - 1) + mu**4 at
    mu = 0, a triple root)."""
    fn = {name: sp.lambdify((mu, sigma), f, "mpmath") for name, f in
          (("g", g), ("g_mu", sp.diff(g, mu)), ("g_sigma", sp.diff(g, sigma)),
           ("e_mu", sp.diff(e1, mu)), ("e_sigma", sp.diff(e1, sigma)))}
    with mpmath.workdps(60):
        m0, s0 = mpmath.mpf(m0), mpmath.mpf(s0)
        along_mu = abs(fn["g_sigma"](m0, s0)) >= abs(fn["g_mu"](m0, s0))  # sigma = y(mu), else mu = y(sigma)

        def at(x):  # the point of the curve over x, or None
            try:
                if along_mu:
                    y = mpmath.re(mpmath.findroot(lambda b: fn["g"](x, b), s0, tol=1e-100))
                    return (x, y) if y > 0 else None
                y = mpmath.re(mpmath.findroot(lambda a: fn["g"](a, x), m0, tol=1e-100))
                return (y, x) if x > 0 else None
            except (ValueError, ArithmeticError, TypeError):
                return None

        def slope(x):  # sign of d/dx of the penalty along the curve at x; None off the curve or the domain
            p = at(x)
            if p is None or abs(fn["g"](*p)) > mpmath.mpf("1e-50"):
                return None
            gm, gs, em, es = (mpmath.re(fn[k](*p)) for k in ("g_mu", "g_sigma", "e_mu", "e_sigma"))
            return em - es * gm / gs if along_mu else es - em * gs / gm

        x0 = m0 if along_mu else s0
        for w in BISECT_WIDTHS:
            lo, hi = x0 - w, x0 + w
            low, high = slope(lo), slope(hi)
            if low is None or high is None or not (low < 0 < high):
                continue
            for _ in range(200):
                mid = (lo + hi) / 2
                d = slope(mid)
                if d is None:
                    return None
                lo, hi = (mid, hi) if d < 0 else (lo, mid)
            p = at((lo + hi) / 2)
            return None if p is None else (mpmath.mpf(p[0]), mpmath.mpf(p[1]))
    return None


def _below_or_at(e: sp.Expr, readings: list, v0: float) -> list:
    """The readings whose value (30 digits) is not above v0, the value at the numeric minimum they read: a local
    minimiser whose basin holds that point is not above it, so the others are spared the exact check (2.5 s each
    for max(abs(mu - tanh(sigma)), abs(sigma - exp(-mu))), where every reading is 1e-12 above, r8g A4)."""
    out = []
    for p in readings:
        try:
            v = complex(e.subs(p).evalf(30))
        except (TypeError, ValueError, ZeroDivisionError):
            out.append(p)
            continue
        if not (np.isfinite(v) and abs(v.imag) < 1e-20 and v.real > v0 + 1e-14 * (1 + abs(v0))):
            out.append(p)
    return out


def _crossing(e: sp.Expr, m0: float, s0: float) -> CriticalPoint | None:
    """A minimiser where two kinks cross near the numeric minimum (m0, s0): the common root of two switches
    (abs arguments, max/min ties) by Newton at 50 digits, kept where the one-sided derivative is positive in every
    direction there (a minimiser of first order; method "numeric", the point a float)."""
    fns = [(g, sp.lambdify((mu, sigma), g, "mpmath")) for g in _switches(e)]
    with mpmath.workdps(50):
        near = [(g, f) for g, f in fns if _finite_abs(f, m0, s0) < 1e-6]
        for i, (gf, f) in enumerate(near):
            for gh, h in near[i + 1:]:
                try:
                    root = mpmath.findroot(lambda a, b, f=f, h=h: [f(a, b), h(a, b)], (m0, s0), tol=1e-80)
                except (ValueError, ArithmeticError, TypeError, ZeroDivisionError):
                    continue
                m, s = (mpmath.re(r) for r in root)
                if not (s > 0 and abs(m - m0) + abs(s - s0) < 1e-4 and abs(f(m, s)) + abs(h(m, s)) < 1e-40):
                    continue
                point = {mu: sp.Float(m, 15), sigma: sp.Float(s, 15)}
                dd = directional(e, {mu: sp.Float(m, 50), sigma: sp.Float(s, 50)})
                if dd is not None and first_order(dd) == "positive":
                    # abs(g) + abs(h) at a common root of g and h (Newton at 50 digits from a nonsingular start,
                    # residual < 1e-40): 0 exactly, what remains once both abs terms are 0
                    rest = e.xreplace({sp.Abs(x): 0 for x in (gf, -gf, gh, -gh)})
                    value = sp.S.Zero if rest == 0 else e.subs(point).evalf(15)
                    return CriticalPoint(point, value, None, NOT_DIFFERENTIABLE, "numeric (two "
                                         "kinks cross: their common root at 50 digits; every one-sided derivative "
                                         "positive there)", False, 1)
    return None


def _finite_abs(f, m: float, s: float) -> float:
    try:
        v = complex(f(mpmath.mpf(m), mpmath.mpf(s)))
    except (ValueError, ArithmeticError, TypeError):
        return math.inf
    return abs(v) if np.isfinite(v) else math.inf


def _readings(e: sp.Expr, m0: float, s0: float) -> list:
    """Exact points a numeric minimum may be: each coordinate read as a rational or algebraic number, or
    with pi and E, and each snapped onto a nearby kink (a root of an Abs argument or a Max/Min tie, solved
    for one coordinate at the other's reading: abs(mu - sqrt(2)) has its kink at mu = sqrt(2), no
    rational)."""
    out = []
    for read in (lambda x: sp.nsimplify(x, tolerance=1e-6, rational=True), lambda x: _recognise(x, 1e-6),
                 lambda x: sp.S.Zero if abs(x) < 1e-6 else sp.nsimplify(x, tolerance=1e-6)):
        point = {mu: read(m0), sigma: read(s0)}
        out.append(point)
        out += _snapped(e, point, (m0, s0))
    unique = []
    for p in out:
        if not any(all(p[x] == q[x] for x in (mu, sigma)) for q in unique):
            unique.append(p)
    return unique


def _switches(e: sp.Expr) -> list:
    """Abs arguments and max/min ties a - b; a tie of abs(a) and abs(b) as a - b and a + b (its zero set), which
    sympy.solve and Newton handle (abs(a) - abs(b) ran solve to its budget each time, r8g A4)."""
    out = [a.args[0] for a in e.atoms(sp.Abs)]
    for m in e.atoms(sp.Max, sp.Min):
        for i, a in enumerate(m.args):
            for b in m.args[i + 1:]:
                out += list(_abs_tie(a, b)) or [a - b]
    return out


def _abs_tie(a: sp.Expr, b: sp.Expr) -> tuple:
    """(g - h, g + h) for the tie of abs(g) and abs(h), else ()."""
    if isinstance(a, sp.Abs) and isinstance(b, sp.Abs):
        return a.args[0] - b.args[0], a.args[0] + b.args[0]
    return ()


def _tie_parts(e: sp.Expr) -> dict:
    """{g -+ h: (g, h)} for each tie of abs(g) and abs(h) in a max or min of ``e``: on g = 0 = h both vanish, so a
    crossing of g -+ h with g, h or each other is the crossing of g and h, found once."""
    out = {}
    for m in e.atoms(sp.Max, sp.Min):
        for i, a in enumerate(m.args):
            for b in m.args[i + 1:]:
                out.update({s_: (a.args[0], b.args[0]) for s_ in _abs_tie(a, b)})
    return out


def _snapped(e: sp.Expr, point: dict, floats: tuple) -> list:
    """``point`` with one coordinate replaced by the exact root, within 1e-6 of the float, of a switch of ``e``."""
    out, parts = [], _tie_parts(e)
    for g in _switches(e):
        if g in parts and all(_finite_abs(sp.lambdify((mu, sigma), h, "mpmath"), *floats) < 1e-6 for h in parts[g]):
            continue  # at the crossing of g = 0 and h = 0 the snaps onto g and h suffice
        if g.subs(point) == 0:
            continue  # the reading is on this kink already: its own snap (the 55 ties of max(mu**2, ...) at (0, 1))
        for k, (x, other) in enumerate(((mu, sigma), (sigma, mu))):
            if not _may_vanish_near(g.subs(other, point[other]), x, floats[k]):
                continue  # no root within 1e-6: spare sympy.solve (a second each, LambertW for the KL's level sets)
            for root in _real_roots(g.subs(other, point[other]), x):
                if root.is_real and abs(float(root) - floats[k]) < 1e-6:
                    out.append({x: root, other: point[other]})
    return out


def _may_vanish_near(g: sp.Expr, x: sp.Symbol, x0: float, width: float = 1e-6) -> bool:
    """False only when g (of x alone) provably keeps one sign on [x0 - width, x0 + width]: the same sign at both
    ends and far from zero in the middle (30 digits); an even root needs |g(x0)| ~ g'' width^2 there."""
    try:
        ends = [g.subs(x, sp.Float(x0 + d, 30)).evalf(30) for d in (-width, 0.0, width)]
        low, mid, high = (complex(v) for v in ends)
    except (TypeError, ValueError, ZeroDivisionError):
        return True
    if any(not np.isfinite(v) or abs(v.imag) > 1e-20 for v in (low, mid, high)):
        return True
    return low.real * high.real <= 0 or abs(mid.real) <= 1e-8


def _level_set(e: sp.Expr, isolated: list = (), budget=DEFAULT_BUDGET):
    """A set of minimisers when the search's least value is taken, exactly, at points 1e-3 or more apart; else
    None, also when each of those points is within 1e-6 of one of the ``isolated`` minimisers (std points), or when
    reading a point's exact value runs past the ``budget`` (review r8o A1: sympy's simplify of max(kl, 1/2)**3 -
    max(kl, 1/2) at the readings of kl = 1/sqrt(3) ran for minutes)."""
    low = [(m, s) for m, s, v in _numeric_minima(e)
           if v <= min(t[2] for t in _numeric_minima(e)) + 1e-10 * (1 + abs(v))]
    if not any(np.hypot(a[0] - b[0], a[1] - b[1]) > 1e-3 for a in low for b in low):
        return None
    if all(any(np.hypot(m - float(p[mu]), s - float(p[sigma])) < 1e-6 for p in isolated) for m, s in low):
        return None  # abs(mu**2 - 2) + (sigma - 1)**2: two points, reported as such
    values = _budgeted(lambda: {_least_reading(e, m, s) for m, s in low}, budget=budget)  # one budget for all
    if values is None or len(values) != 1 or None in values:
        return None
    v, least = values.pop(), min(t[2] for t in _numeric_minima(e))
    if not (v.is_number and abs(complex(v) - least) < 1e-10 * (1 + abs(least))):  # a reading off the minimum
        return None
    found = _increasing_in_max(e, v, budget)
    if found is not None:
        core, k, f = found
        others = [a for a in core.args if a != k]
        t = next(iter(f.free_symbols))
        how = ("" if f == t else f"{f / t} times " if (f / t).is_number else
               f"f(t) = {f.subs(t, sp.Symbol('t'))}, strictly increasing for t >= {k}, of ")
        return MinimizerSet(sp.And(*[sp.Le(a, k) for a in others]), v,
                            f"exact: the penalty is {how}a max with the constant {k}, so it is >= {v}, "
                            f"with equality exactly where every other argument is <= {k} (the numeric search meets "
                            f"{v} at points 1e-3 or more apart)", shape=" and ".join(f"{a} <= {k}" for a in others))
    return MinimizerSet(sp.Eq(e, v), v, "numeric search: its smallest value is taken, exactly, at points 1e-3 or more "
                        "apart: a set of minimisers", shape=_set_shape(e, v, low[0]) or "")


def _increasing_in_max(e: sp.Expr, v: sp.Expr, budget=DEFAULT_BUDGET):
    """(M, k, f) when e = f(M) for a Max M with one constant argument k, f strictly increasing on [k, oo) and
    f(k) = v: then e >= v, with equality exactly where M = k (max(kl, 1/2)/10, max(kl, 1/2) + 1, max(kl, 1/2)**2);
    else None. sympy decides the monotonicity, within the ``budget``."""
    t = sp.Dummy("t", real=True)
    for core in e.find(sp.Max):
        ks = [a for a in core.args if a.is_number]
        f = e.xreplace({core: t})
        if len(ks) != 1 or f.free_symbols != {t} or sp.simplify(f.subs(t, ks[0]) - v) != 0:
            continue
        if _budgeted(sp.is_strictly_increasing, f, sp.Interval(ks[0], sp.oo), t, budget=budget) is True:
            return core, ks[0], f
    return None


def _budgeted(fn, *args, budget):
    """fn(*args) within the ``budget``; None when it runs past it or sympy fails."""
    try:
        done, out = attempt(fn, *args, budget=budget)
    except SYMPY_FAILED:
        return None
    return out if done else None


def _least_reading(e: sp.Expr, m: float, s: float):
    """The least exact value of ``e`` at the exact readings of a numeric minimum (snapped onto kinks: on the curve
    mu sigma = 1 of abs(mu*sigma - 1), where no rational reading of both coordinates lies); None if none is a number."""
    values = []
    for p in _readings(e, m, s):
        v = e.subs(p)
        approx = complex(v.evalf(30)) if v.is_number else complex("nan")
        if np.isfinite(approx) and approx.imag == 0:
            values.append((approx.real, v))
    if not values:
        return None
    v = sp.simplify(min(values, key=lambda a: a[0])[1])
    return v if v.is_number else None


def _set_shape(e: sp.Expr, v: sp.Expr, point: tuple) -> str | None:
    """The set {e = v} as it is, when e = g(mu) + h(sigma) (neither partial derivative has the other variable):
    {g = min g} x {h = min h}, each found by sympy.solveset through the minimiser ``point`` (floats, read exactly);
    None when e is not separable, a solveset is not an interval or finite set, or the set is finitely many points."""
    if sp.diff(e, mu).has(sigma) or sp.diff(e, sigma).has(mu):
        return None
    m0, s0 = _recognise(point[0], 1e-6), _recognise(point[1], 1e-6)
    try:
        done, sets = attempt(lambda: (sp.solveset(sp.Eq(e.subs(sigma, s0), v), mu, sp.S.Reals),
                                      sp.solveset(sp.Eq(e.subs(mu, m0), v), sigma, sp.Interval.open(0, sp.oo))),
                             budget=DEFAULT_BUDGET)
    except SYMPY_FAILED:
        return None
    if not done or not all(isinstance(x, (sp.Interval, sp.FiniteSet)) for x in sets):
        return None
    one = [isinstance(x, sp.FiniteSet) and len(x) == 1 for x in sets]
    if one[0] == one[1]:  # finitely many points (reported as points elsewhere), or a rectangle: the sets as they are
        return None if all(isinstance(x, sp.FiniteSet) for x in sets) else f"mu in {sets[0]}, sigma in {sets[1]}"
    (line, x), (at, y) = ((sets[0], mu), (sets[1], sigma)) if one[1] else ((sets[1], sigma), (sets[0], mu))
    if not isinstance(line, sp.Interval):
        return f"{x} in {line}, {y} = {next(iter(at))}"
    ends = [line.start.is_finite, line.end.is_finite]
    kind = "segment" if all(ends) else "half-line" if any(ends) else "line"
    lo, hi = ("<" if line.left_open else "<="), ("<" if line.right_open else "<=")
    cond = (f"{line.start} {lo} {x} {hi} {line.end}" if all(ends) else f"{x} {hi} {line.end}" if ends[1]
            else f"{line.start} {lo} {x}" if ends[0] else f"every {x}")
    return f"the {kind} {cond}, {y} = {next(iter(at))}"


def _same(p: dict, q: dict) -> bool:
    return all(abs(float(p[x] - q[x])) < 1e-9 for x in (mu, sigma))


def _verify_kink(e: sp.Expr, point: dict) -> CriticalPoint | str | None:
    # log W(a) = log a - W(a) for a > 0, which simplify leaves: |2 - W(e^2) - log W(e^2)| is 0 (a kink crossing);
    # exp(a + k W(z)) = exp(a) (z/W(z))^k on every branch (lambert_exp): |W(-e^-3)/2 + exp(-3 - W(-e^-3))/2| is 0,
    # the value of abs(kl - 1) + abs(mu) at both roots of kl(0, sigma) = 1, which must compare equal (review r8p A2)
    value = sp.simplify(lambert_exp(e.subs(point).replace(
        lambda x: isinstance(x, sp.log) and isinstance(x.args[0], sp.LambertW) and x.args[0].args[0].is_positive,
        lambda x: sp.log(x.args[0].args[0]) - x.args[0])))
    if _is_bad(value) or not value.is_extended_real:  # a pole or log(0) the numeric search ran into
        return None
    branch = active_branch(e, point)
    if branch is None and _off_kink(e, point):
        return None  # a reading 1e-87 off a tie (the snap onto it is tried next), not a kink point
    if branch is not None and _derivative_terms(branch, (mu, sigma), point, 2) is not None:
        if not _stationary(branch, (mu, sigma), point, None):  # smooth near the point: calculus on the branch
            return None
        h = hessian_at(branch, point) if branch.has(mu, sigma) else sp.zeros(2)
        kind = definiteness(h)
        if not kind.startswith("positive"):
            return None
        return CriticalPoint(point, value, h, kind, "numeric, exact", True, 2 if kind == "positive definite" else None)
    dd = directional(e, point)
    first = None if dd is None else first_order(dd)
    if first == "positive":
        return CriticalPoint(point, value, None, NOT_DIFFERENTIABLE, "numeric, exact (one-sided derivatives)", False, 1)
    if first == "negative":
        return None
    if first == "zero" and _level_along_kink(e, point, value, dd):
        return ON_A_CURVE  # abs(mu*sigma - 1) at (1, 1): a point of a curve of minimisers, not an isolated one
    growth = _ray_growth(e, point, value)
    if growth is False:
        return None
    order, h, flat = growth if growth is not None else (None, None, dd is not None and sp.simplify(dd) == 0)
    if order is None and not _grows_on_rays(e, point, value):
        return None
    if order is None:  # abs(mu)**(3/2) + (sigma-1)**2: no ray limit of second order, but separable: order 2
        order = _separable_order(e, point, DEFAULT_BUDGET)
    method = ("numeric, exact (one-sided limits along rays)" if order is not None
              else "numeric (30-digit values along 360 rays)")
    kind = definiteness(h) if h is not None else NOT_DIFFERENTIABLE if not flat else "no Hessian (kink)"
    return CriticalPoint(point, value, h, kind, method, bool(flat), order)


OFF_KINK = (250, "1e-200")  # digits and bound at which a kink argument read as 0 at 80 digits must still be 0


def _off_kink(e: sp.Expr, point: dict) -> bool:
    """True when the exact ``point`` is on a kink of ``e`` only by the 80-digit rule of the one-sided derivatives (an
    abs argument, or the difference of a max/min argument from the max/min, below 1e-60 at 80 digits: log W(e^2) =
    2 - W(e^2), which simplify does not see) while not 0 at OFF_KINK's 250 digits: a reading whose tied parts do not
    tie (max(mu + exp(-200), -mu, ...) at mu = 0, 1e-87 off the tie: its one-sided derivatives are those of a kink
    it is not on, review of kink readings tried before kink crossings). Points with floats are not judged."""
    if any(sp.sympify(v).has(sp.Float) for v in point.values()):
        return False
    digits, bound = OFF_KINK

    def off(v) -> bool:
        if v == 0 or not v.is_number:
            return False
        try:
            if not abs(complex(v.evalf(80))) < 1e-60:
                return False  # off the kink, and read so: not this rule's concern
            return not abs(v.evalf(digits)) < sp.Float(bound, digits)
        except (TypeError, ValueError, ZeroDivisionError):
            return False

    for node in e.atoms(sp.Abs, sp.Max, sp.Min):
        if isinstance(node, sp.Abs):
            gaps = [node.args[0].subs(point)]
        else:
            values = [a.subs(point) for a in node.args]
            try:
                best = (max if isinstance(node, sp.Max) else min)(values, key=lambda v: float(v))
            except (TypeError, ValueError):
                continue
            gaps = [v - best for v in values if v is not best]
        if any(off(v) for v in gaps):
            return True
    return False


def _one_of_tied(value: sp.Expr) -> sp.Expr:
    """A max or min of arguments equal at 100 digits (a point on the tie a = b, read exactly, where sympy cannot
    simplify a - b: exp(-2 W(sqrt(2)/2)) and 2 W(sqrt(2)/2)**2) as its shortest argument, for the infimum shown
    (the minimiser keeps the max, which the ray checks compare with the penalty exactly)."""
    if not isinstance(value, (sp.Max, sp.Min)):
        return sp.simplify(lambert_exp(value)) if value.has(sp.LambertW) else value
    try:
        approx = [a.evalf(100) for a in value.args]
        if all(abs(a - approx[0]) <= sp.Float("1e-90", 100) * (1 + abs(approx[0])) for a in approx):
            return min(value.args, key=sp.count_ops)
    except (TypeError, ValueError):
        pass
    return value


def _level_along_kink(e: sp.Expr, point: dict, value: sp.Expr, dd: sp.Expr, r: str = "1e-5") -> bool:
    """The penalty takes its value at ``point`` again at distance r, within 0.05 rad of a direction where the
    one-sided derivative D vanishes (a curve of minimisers through the point, tangent there): the least value on
    that arc, by a 200-step ternary search at 50 digits, is below 1e-30 (second-order growth leaves ~1e-10)."""
    fn = sp.lambdify((mu, sigma), e - value, "mpmath")
    zeros = [(a, b) for a, b in kink_directions(dd) if dd.subs({d_mu: a, d_sigma: b}) == 0]
    with mpmath.workdps(50):
        m0, s0, r = mpmath.mpf(sp.N(point[mu], 60)), mpmath.mpf(sp.N(point[sigma], 60)), mpmath.mpf(r)

        def height(angle):
            v = fn(m0 + r * mpmath.cos(angle), s0 + r * mpmath.sin(angle))
            return abs(v) if isinstance(v, mpmath.mpc) else v

        for a, b in zeros:
            lo = mpmath.atan2(mpmath.mpf(sp.N(b, 60)), mpmath.mpf(sp.N(a, 60))) - mpmath.mpf("0.05")
            hi = lo + mpmath.mpf("0.1")
            for _ in range(200):
                left, right = lo + (hi - lo) / 3, hi - (hi - lo) / 3
                lo, hi = (lo, right) if height(left) < height(right) else (left, hi)
            if height((lo + hi) / 2) < mpmath.mpf("1e-30"):
                return True
    return False


RAYS = ((1, 0), (0, 1), (1, 1)) + check_directions(8)[1:]  # directions d; (1, 1) for a Hessian's mixed entry


def along_rays(e: sp.Expr, point: dict, value: sp.Expr, k: int) -> list | None:
    """lim_{t->0+} (f(p + t d) - f(p)) / t^k along the rays d of RAYS, exact; None where one is not taken.

    For k <= 2 each abs, max and min is first resolved along the ray by the signs of the Taylor coefficients of
    its argument (or of the difference of its arguments) at p, and the limit read off the Taylor polynomial of
    the smooth branch this gives, where its derivatives to second order are finite; else sympy's limit.
    """
    taylors, out = {}, []
    for d in RAYS:
        branch = None if is_smooth(e) or k > 2 else _ray_branch(e, point, d)
        if branch is not None and branch not in taylors:
            taylors[branch] = _derivative_terms(branch, (mu, sigma), point, 2)
        poly = taylors.get(branch)
        v = _ray_limit(e if poly is None else branch, poly, point, value, d, k)
        if v is None or not v.is_extended_real:
            return None
        out.append(v)
    return out


def _ray_branch(e: sp.Expr, point: dict, d: tuple) -> sp.Expr | None:
    """A smooth expression equal to e, up to terms o(t^2), on the ray p + t d for small t > 0; None if a sign
    is not decided. abs(g) is g times the sign of g's first nonzero Taylor coefficient along d (either sign when
    all vanish to second order: then |g| - g = o(t^2)); max(a, b) the piece with the larger such expansion."""
    def sign(g):
        poly = _derivative_terms(g, (mu, sigma), point, 2)
        if poly is None:
            return None
        for c in _ray_coefficients(poly, point, d)[:3]:
            side = _sign(c)
            if side != 0:
                return side
        return 1

    def resolve(node):
        if is_smooth(node):
            return node
        args = [resolve(a) for a in node.args]
        if any(a is None for a in args):
            return None
        if isinstance(node, sp.Abs):
            side = sign(args[0])
            return None if side is None else side * args[0]
        if isinstance(node, (sp.Max, sp.Min)):
            big = 1 if isinstance(node, sp.Max) else -1
            best = args[0]
            for a in args[1:]:
                side = sign(a - best)
                if side is None:
                    return None
                best = a if side == big else best
            return best
        return node.func(*args) if is_smooth(node.func(*args)) else None
    return resolve(e)


def _ray_coefficients(poly: sp.Expr, point: dict, d: tuple) -> list:
    """Coefficients c_0, c_1, c_2 of the polynomial ``poly`` in (mu, sigma) along p + t d, padded with zeros."""
    t = sp.Dummy("t")
    ray = {mu: point[mu] + d[0] * t, sigma: point[sigma] + d[1] * t}
    return sp.Poly(sp.expand(poly.subs(ray, simultaneous=True)), t).all_coeffs()[::-1] + [sp.S.Zero] * 3


def _ray_limit(e: sp.Expr, poly, point: dict, value: sp.Expr, d: tuple, k: int) -> sp.Expr | None:
    """lim_{t->0+} (e(p + t d) - value) / t^k: from the Taylor polynomial ``poly`` of e at p when given (k <= 2)."""
    if poly is None:
        t = sp.Dummy("t", positive=True)
        ray = {mu: point[mu] + d[0] * t, sigma: point[sigma] + d[1] * t}
        return limit((e.subs(ray, simultaneous=True) - value) / t**k, t, 0, "+", None)
    coeffs = _ray_coefficients(poly - value, point, d)
    for c in coeffs[:k]:
        side = _sign(c)  # not simplify alone: at a root of a level of kl, c_0 is 0 only after lambert_exp
        if side is None:
            return None
        if side != 0:
            return sp.oo * side
    return sp.simplify(lambert_exp(coeffs[k]))


def _slowest_growth(e: sp.Expr, point: dict, value: sp.Expr, first: list):
    """The order of growth along the rays where the first-order limit vanishes (kl + abs(mu) - mu at (0, 1) grows
    as t along mu < 0 and as t^2 along mu > 0: order 2, the slowest), False where it is negative there, else None."""
    second = along_rays(e, point, value, 2)
    if second is None:
        return None
    flat = [v for f, v in zip(first, second) if f == 0]
    if any(v.is_negative for v in flat):
        return False
    return 2 if flat and all(v.is_positive and v.is_finite for v in flat) else None


def _ray_growth(e: sp.Expr, point: dict, value: sp.Expr):
    """(order, hessian, differentiable) from one-sided limits along rays; False where one is negative (not a
    minimum); None where the limits are not taken. Order 1 when every first-order limit is positive; order 2
    when they all vanish and every second-order one is positive; the Hessian when the second-order limits are
    d^T H d of one matrix H (abs(mu)**3 + (sigma-1)**2: diag(0, 2); max(mu**2, (sigma-1)**2): none)."""
    first = along_rays(e, point, value, 1)
    if first is None:
        return None
    if any(v.is_negative for v in first):
        return False
    if any(v != 0 for v in first):
        if all(v.is_positive and v.is_finite for v in first):
            return 1, None, False
        order = _slowest_growth(e, point, value, first)
        return False if order is False else (order, None, False)
    second = along_rays(e, point, value, 2)
    if second is None:
        return None, None, True
    if any(v.is_negative for v in second):
        return False
    q = dict(zip(RAYS, [2 * v for v in second]))
    h = sp.Matrix([[q[1, 0], (q[1, 1] - q[1, 0] - q[0, 1]) / 2], [(q[1, 1] - q[1, 0] - q[0, 1]) / 2, q[0, 1]]])
    quadratic = all(v.is_finite for v in second) and all(
        sp.simplify(a * a * h[0, 0] + 2 * a * b * h[0, 1] + b * b * h[1, 1] - q[a, b]) == 0 for a, b in RAYS)
    return (2 if all(v.is_positive for v in second) else None), (h if quadratic else None), True


def _grows_on_rays(e: sp.Expr, point: dict, value: sp.Expr) -> bool:
    """The penalty exceeds its value at ``point`` at distances 1e-6 and 1e-12 along 360 rays, at 30 digits, or at 90
    where 30 do not show it (exp(kl) - 1 - kl at 1e-12 is 1e-48 above its minimum, 0 at 30 digits)."""
    fn = sp.lambdify((mu, sigma), e - value, "mpmath")
    at = {dps: (sp.N(point[mu], dps + 10), sp.N(point[sigma], dps + 10)) for dps in (30, 90)}

    def above(a, t, dps):  # None where the ray gives no evidence
        with mpmath.workdps(dps):
            m0, s0 = (mpmath.mpf(v) for v in at[dps])
            a, t = 2 * mpmath.pi * a / 360, mpmath.mpf(t)
            try:
                v = fn(m0 + t * mpmath.cos(a), s0 + t * mpmath.sin(a))
            except (ZeroDivisionError, ValueError):  # along mu through a removable point at sigma = 1: undefined
                return None
            if isinstance(v, mpmath.mpc) and v.imag != 0:
                return None  # a ray leaving the real domain (log of sigma < 0 at the edge): no evidence either way
            return mpmath.re(v) > 0
    return all(above(a, t, 30) is not False or above(a, t, 90) is not False
               for a in range(360) for t in ("1e-6", "1e-12"))


def _flat_region(e: sp.Expr, point: dict, value: sp.Expr):
    """The region of the constant branch active at ``point`` (closed), or None when none is constant there."""
    if not _may_have_constant_branch(e):  # spare piecewise_fold: 8 s for max(abs(a), abs(b)), r8g A4
        return None
    folded = sp.piecewise_fold(e.rewrite(sp.Piecewise))
    if not isinstance(folded, sp.Piecewise):
        return sp.true if not folded.has(mu, sigma) else None
    earlier = sp.false
    for expr, cond in folded.args:
        here = sp.And(cond, sp.Not(earlier))
        if here.subs(point) is sp.true:
            if expr.has(mu, sigma) or sp.simplify(expr - value) != 0:
                return None
            return _closure(sp.simplify(here))
        earlier = sp.Or(earlier, cond)
    return None


def _may_have_constant_branch(e: sp.Expr, most: int = 256) -> bool:
    """Whether some choice of branches (abs(g) as g or -g, max/min as one argument) makes ``e`` free of mu and
    sigma (max(kl, 1/2): 1/2; max(mu, sigma) - mu: 0); True when there are more than ``most`` choices."""
    import itertools

    nodes = sorted(e.atoms(sp.Abs, sp.Max, sp.Min), key=sp.default_sort_key)
    options = [(n.args[0], -n.args[0]) if isinstance(n, sp.Abs) else n.args for n in nodes]
    if math.prod(len(o) for o in options) > most:
        return True
    for choice in itertools.product(*options):
        out, mapping = e, dict(zip(nodes, choice))
        for _ in range(len(nodes) + 1):  # xreplace does not look inside what it put: once per nesting level
            out = out.xreplace(mapping)
        if not out.has(mu, sigma):
            return True
    return False


def _closure(region: sp.Basic) -> sp.Basic:
    return region.replace(lambda r: isinstance(r, sp.StrictLessThan), lambda r: sp.Le(*r.args)).replace(
        lambda r: isinstance(r, sp.StrictGreaterThan), lambda r: sp.Ge(*r.args))


def _std_point(point: dict, param: str) -> dict:
    p = _param(param)
    return {mu: point[mu], sigma: p.sigma_of.subs(p.symbol, point[p.symbol])}


def _is_local_minimum(e: sp.Expr, c: CriticalPoint, param: str) -> bool:
    """Positive definite, a kink, or semidefinite with growth along every ray (a flat numeric 'root' such as
    sigma ~ 66 for exp(-sigma) + mu**2, where the gradient has only underflowed towards 0, is not)."""
    if c.definiteness == "indefinite":
        return False
    if any(sp.sympify(v).has(sp.Float) for v in c.point.values()) and c.differentiable and is_smooth(e) \
            and newton_escapes(e, _std_point(c.point, param)):
        return False
    if c.definiteness == "positive definite" or not c.differentiable or c.hessian is None:
        return True
    if c.order is not None and c.order > 2 and any(isinstance(v, sp.Float) for v in c.point.values()):
        return True  # a numeric minimum of high order: its growth was read at 120 digits (:func:`float_order`)
    exact = not any(sp.sympify(v).has(sp.Float) for v in c.point.values())
    if exact and c.order is not None and c.definiteness == "positive semidefinite":
        return True  # an exact point's order is a proved bound f - f(p) >= c |x - p|^q (exp(kl**2) - 1 at 1e-12 is
        # 1e-48, lost at the rays' 30 digits)
    return c.definiteness == "positive semidefinite" and _grows_on_rays(e, _std_point(c.point, param), c.value)


POLISH_STARTS = 2  # numeric minima the search found and no stationary point explains, descended at high precision


def _polished_minima(e: sp.Expr, found: list, budget) -> list:
    """Critical points at the local minima that :func:`polished` reaches from the numeric search's least minima
    (float64 plateaus included: -1 + 3e-19 reads -1) that no point of ``found`` is near, at most POLISH_STARTS;
    method "numeric (...)", the order from 100-digit values along the flattest direction (:func:`float_order`)."""
    out, starts = [], []
    for m0, s0, _ in sorted(_numeric_minima(e), key=lambda t: t[2]):
        if len(starts) == POLISH_STARTS:
            break
        p = {mu: m0, sigma: s0}
        if not any(_near(p, c, 1e-4) for c in found + starts):
            starts.append(p)
    for p in starts:
        reached = polished(e, p[mu], p[sigma])
        c = None if reached is None else _polished_point(e, reached, "numeric (damped Newton steps at 60 or more "
                                                         "digits from a float64 minimum of the search, which float64 "
                                                         "could not resolve)", budget)
        if c is not None and not any(_near(c.point, q) for q in found + [q.point for q in out]):
            out.append(c)
    return out


def _polished_point(e: sp.Expr, reached: tuple, method: str, budget) -> CriticalPoint | None:
    """The critical point at a minimiser :func:`polished` reached (mpf mu, sigma), shown to 15 digits, with its
    order (:func:`float_order`) and its Hessian (singular along the flattest direction when the order exceeds 2);
    None where the Hessian is indefinite or the values do not rise as a power of the distance."""
    point = {mu: sp.Float(reached[0], 15), sigma: sp.Float(reached[1], 15)}
    found = float_order(e, reached)  # the values rise along both eigenvectors: a minimum, whatever the float
    if found is None:                 # Hessian at the point read to 15 digits says ((mu-sigma)**4 + ...: 1e-27)
        return None
    order = max(q for q, _, _ in found)
    h = singular_part_dropped(found, reached)  # at 120 digits; singular along the directions of order > 2
    kind = "positive definite" if order == 2 else "positive semidefinite"
    return CriticalPoint(point, _value_at_floats(e, point), h, kind, method, True, order)


def _refined(e: sp.Expr, c: CriticalPoint, budget) -> CriticalPoint:
    """A float local minimum of the root search, descended at high precision (:func:`polished`) to its minimiser
    when that is within 1e-4 of it, with its order: the gradient's root of a minimum of order q has multiplicity
    q - 1, which Newton's method at 40 digits reads to a few digits only ((sigma + tanh(sigma) - 2)**4*(sigma**2 + 1)**3
    + mu**2: a Hessian of 7e-19 at the reading, 0 at the minimiser); ``c`` itself otherwise."""
    if not (c.definiteness.startswith("positive") and any(isinstance(v, sp.Float) for v in c.point.values())):
        return c
    reached = polished(e, float(c.point[mu]), float(c.point[sigma]))
    if reached is None:
        return c
    better = _polished_point(e, reached, c.method, budget)
    return better if better is not None and _near(better.point, c.point, 1e-4) else c


def _free(c: CriticalPoint) -> bool:
    """Whether the stationary point is a family (its coordinates keep a free symbol)."""
    return any(sp.sympify(v).free_symbols for v in c.point.values())


def _line_of_minima(c: CriticalPoint) -> bool:
    """A line of stationary points with a numeric value is a line of local minima when the Hessian there has
    rank 1 and a positive trace (zero along the line, positive across it: a Morse-Bott minimum)."""
    h = c.hessian
    if h is None or not c.value.is_number:
        return False
    return sp.simplify(h.det()) == 0 and bool(sp.simplify(h.trace()).is_positive)


def minimizer(penalty, param: str = "std", budget=DEFAULT_BUDGET):
    """The interior local minimum with the smallest value, a whole set of minimisers, or None.

    Returns
    -------
    CriticalPoint, MinimizerSet or None
        A :class:`MinimizerSet` when the minimum is taken on a region (a constant penalty: everywhere;
        ``max(kl, 1/2)``: every point with kl <= 1/2); None when there is no interior local minimum.
    """
    budget = check_budget(budget)
    e = without_idle_kinks(_expr(penalty, "std"), budget)
    if not e.has(mu, sigma):
        return MinimizerSet(sp.true, e, "constant")
    curve = _zero_curve_of_abs(e, budget)
    if curve is not None:
        return MinimizerSet(reparametrize(curve.region, param), curve.value, curve.method)
    powered = _powered(e, param, budget)
    if powered is not None:
        return powered
    found = critical_points(e, param, budget)
    lines = [c for c in found if _free(c)]  # a whole line of stationary points, e.g. sigma = 1 for any mu
    minima = [c for c in found if not _free(c) and _is_local_minimum(e, c, param)]
    best = min(minima, key=lambda c: float(c.value) if c.value.is_number else 0.0, default=None)
    line = next((c for c in lines if _line_of_minima(c)), None)
    if line is not None and (best is None or float(line.value) <= float(best.value)):
        region = sp.And(*[sp.Eq(x, v) for x, v in line.point.items() if v != x])
        return MinimizerSet(region, line.value, "a line of stationary points, Hessian positive semidefinite of rank "
                                                "1 across it (a minimum in the other direction)", on_line=line.hessian)
    family = next((c for c in lines if _family_at_least(e, c)), None)
    if family is not None and (best is None or float(family.value) <= float(best.value) + 1e-10):
        return _curve_of_minima(e, family.value, param, "a curve of stationary points at the search's least value, "
                                "a least point of the search on it")  # kl*(kl - 1)**2: kl = 1, and (0, 1)
    if best is not None and not is_smooth(e):
        region = _flat_region(e, _std_point(best.point, param), best.value)
        if region is not None:
            return MinimizerSet(reparametrize(region, param) if region is not sp.true else region, best.value,
                                "the constant branch of the penalty's piecewise form")
    if not is_smooth(e):
        flat = _level_set(e, [_std_point(c.point, param) for c in minima], budget)
        if flat is not None and (best is None or float(flat.value) <= float(best.value)):
            return MinimizerSet(reparametrize(flat.region, param), flat.value, flat.method,
                                shape=flat.shape if _param(param).name == "std" else "")
    if best is not None and _numeric_below(e, best.value):
        return None  # the numeric search found a lower interior value no stationary point explains: not global
    out = _tied(e, best, minima, param, budget)
    tied = [best] if isinstance(out, CriticalPoint) else [c for c in minima
                                                          if out is not None and c.point in out.points]
    if any(c.order is None and c.definiteness != "positive definite" and c.value.is_number
           and _on_level_curve(e, _std_point(c.point, param), c.value) for c in tied):
        return _curve_of_minima(e, out.value, param, "a curve of minimisers: the least value is taken again on "
                                f"circles of radius {' and '.join(LEVEL_RADII)} around a minimiser (50 digits)")
    if isinstance(out, CriticalPoint) and _param(param).name == "std" and any(
            v.has(sp.Float) for v in (out.value, *out.point.values())):
        sep = _separable_infimum(e, budget) if is_smooth(e) else None
        at = sep.get("point") if sep is not None else None
        if at is not None and not any(v.has(mu, sigma) for v in at.values()) and _near(
                {k: float(sp.N(v, 20)) for k, v in at.items()}, {k: float(v) for k, v in out.point.items()}):
            out = CriticalPoint(at, sep["value"], _hessian_there(e, at, budget), out.definiteness,
                                "exact: the penalty is A(mu) + B(sigma), each minimised exactly in one variable")
    if isinstance(out, CriticalPoint) and _param(param).name == "std" and any(
            v.has(sp.Float) for v in (out.value, *out.point.values())):
        zero = _exact_zero(e, out, budget)
        if zero is not None and any(isinstance(v, sp.Float) for v in zero.values()):  # located numerically
            out = replace(out, point={x: sp.Float(v, 15) if isinstance(v, sp.Float) else v for x, v in zero.items()},
                          value=sp.S.Zero,
                          method=f"{out.method}; the value 0 is exact: each term of the penalty (>= 0) vanishes at a "
                          f"point within {ZERO_BRACKET} (relative) of {to_strings(zero)}, where the root of its "
                          "one-variable term changes sign")
        elif zero is not None:  # abs(sigma - exp(-sigma)) + mu**2: (0, W(1)), not the search's (1e-65, 0.567...)
            out = replace(out, point=zero, value=sp.S.Zero,
                          method=f"{out.method}; exact: each term of the penalty (>= 0) vanishes there")
    if isinstance(out, CriticalPoint) and out.differentiable and is_smooth(e):
        out = _on_exact_lines(e, out, param, budget)
    return out


SNAP_DENOMINATOR = 1000  # the largest denominator a numeric minimiser's coordinate is snapped to


def _on_exact_lines(e: sp.Expr, c: CriticalPoint, param: str, budget) -> CriticalPoint:
    """A numeric minimiser with each float coordinate x that sits on a simple exact value r (0 where |x| < 1e-12,
    else the nearest rational of denominator <= SNAP_DENOMINATOR within 1e-12 relative, or sympy's nsimplify) put at
    r, when the penalty's partial derivative in x vanishes at x = r exactly, for every value of the other coordinate
    (renyi(2) + 3*sigma + exp(-sigma) is even in mu: d/dmu = 0 on mu = 0, so mu = 0, not the search's 2.3e-66;
    (mu - 1/3)**2 + a part in sigma: mu = 1/3). The minimiser then lies on that line (the float point is a
    nondegenerate stationary point near it), and the other coordinate, when still a float, is the root of its own
    partial derivative on the line, found again at 50 digits from the float; ``c`` when nothing snaps."""
    p = _param(param)
    xs = (mu, p.symbol)
    ep = reparametrize(e, p.name) if p.symbol is not sigma else e
    point, snapped = dict(c.point), []
    for x, other in ((mu, p.symbol), (p.symbol, mu)):
        v = point[x]
        if not isinstance(v, sp.Float):
            continue
        for r in _simple_values(v):
            if point.get(other) is other:
                continue
            done, zero = attempt(_vanishes_on_line, sp.diff(ep, x), x, r, budget=budget)
            if done and zero:
                point[x] = r
                snapped.append(x)
                break
    if not snapped:
        return c
    free = [x for x in xs if isinstance(point[x], sp.Float)]
    if free:  # the other coordinate: the root of its partial derivative on the line, at 50 digits
        y = free[0]
        g = sp.lambdify(y, sp.diff(ep, y).subs({x: point[x] for x in xs if x is not y}), "mpmath")
        try:
            with mpmath.workdps(50):
                root = mpmath.findroot(g, mpmath.mpf(sp.N(point[y], 20)))
        except (ValueError, ZeroDivisionError, TypeError, ArithmeticError):
            return c
        if mpmath.im(root) != 0 or not abs(root - float(point[y])) < 1e-6 * (1 + abs(float(point[y]))):
            return c
        point[y] = sp.Float(mpmath.re(root), 15)
        value = _value_at_floats(e, _std_point(point, param))
    else:  # both exact: an exact stationary point (the limit there where the printed form is 0/0: sinh(mu)/mu)
        value = _simplified(ep.subs(point), budget)
        if value.has(sp.nan, sp.zoo):
            value = checked_limit(ep.subs(p.symbol, point[p.symbol]), mu, point[mu], "+")[0]
            if value is None or value.has(sp.nan, sp.zoo):
                return c
    h = _hessian_there(ep, point, budget) if p.symbol is sigma else c.hessian
    shown = ", ".join(f"{x} = {point[x]}" for x in snapped)
    return replace(c, point=point, value=value, hessian=h if h is not None else c.hessian,
                   method=f"{c.method}; {shown} exactly (" + ", ".join(
                       f"d/d{x} vanishes at {x} = {point[x]} for every {y}" for x, y in ((mu, p.symbol), (p.symbol, mu))
                       if x in snapped) + ")")


def _simple_values(v: sp.Float) -> list:
    """Exact values a float coordinate may stand for: 0, a rational of small denominator, nsimplify's form."""
    x = float(v)
    if abs(x) < 1e-12:
        return [sp.S.Zero]
    out = []
    r = sp.Rational(x).limit_denominator(SNAP_DENOMINATOR)
    if abs(float(r) - x) <= 1e-12 * abs(x):
        out.append(r)
    try:
        guess = sp.nsimplify(v, tolerance=1e-12 * abs(x), rational=False)
    except (ValueError, TypeError, ArithmeticError):
        guess = None
    if guess is not None and guess not in out and guess.is_number and not guess.has(sp.Float) \
            and sp.count_ops(guess) <= 8 and abs(float(sp.N(guess, 20)) - x) <= 1e-12 * abs(x):
        out.append(guess)
    return out


def _vanishes_on_line(g: sp.Expr, x: sp.Symbol, r: sp.Expr) -> bool:
    """Whether the partial derivative ``g`` (in ``x``) is 0 at x = r for every value of the other coordinate."""
    at = g.subs(x, r)
    if at == 0:
        return True
    if at.has(sp.nan, sp.zoo):  # a removable 0/0 on the line (d/dmu of sinh(mu)/mu at mu = 0): its limits both sides
        return all(checked_limit(g, x, r, side)[::2] == (0, True) for side in "+-")
    if at.has(sp.oo, -sp.oo):
        return False
    return sp.simplify(at) == 0


def _family_at_least(e: sp.Expr, c: CriticalPoint) -> bool:
    """A curve of stationary points (a free coordinate) with a constant value, the numeric search's least value, and
    a least point of the search on it (within 1e-5): a curve of minimisers, whatever its Hessian (which sympy may not
    prove singular), not a ridge of maxima or saddles."""
    if not (c.value.is_number and c.value.is_real):
        return False
    found = _numeric_minima(e)
    if not found:
        return False
    least, v = min(t[2] for t in found), float(c.value)
    if abs(v - least) > 1e-10 * (1 + abs(least)):
        return False
    for m, s, w in found:
        if abs(w - least) <= 1e-10 * (1 + abs(least)):
            try:
                on = {x: complex(sp.sympify(c.point[x]).subs({mu: m, sigma: s})) for x in (mu, sigma)}
            except (TypeError, ValueError):
                continue
            if _near({mu: m, sigma: s}, on, 1e-5):
                return True
    return False


LEVEL_RADII = ("1e-3", "1e-2")  # (mu, log sigma) radii of _on_level_curve's circles: order 8 leaves 1e-24, then 6e-18


def _on_level_curve(e: sp.Expr, point: dict, value: sp.Expr) -> bool:
    """The penalty takes its value at ``point`` again (to 1e-22) on each circle of radius LEVEL_RADII around it in
    (mu, log sigma): a curve of minimisers through a minimiser whose Hessian is only semidefinite (mu = 0 through
    (0, e^-700) for mu**2*(sigma - 1)**2, kl = 1 through a float point for kl*(kl - 1)**2) crosses every small
    circle, while an isolated one rises (growth of order q leaves about r^q: up to order 7 more than 1e-21 at
    radius 1e-3, and kl**4 + quadratic**4, order 8, 6e-18 at 1e-2; order 14 and beyond is not told apart). The
    least value on a circle: 360 angles, then a golden-section search of 120 steps around the least, at 50
    digits."""
    try:
        fn = sp.lambdify((mu, sigma), e, "mpmath")
    except (TypeError, ValueError, NameError, KeyError):
        return False
    with mpmath.workdps(50):
        try:
            m0, t0 = mpmath.mpf(sp.N(point[mu], 60)), mpmath.log(mpmath.mpf(sp.N(point[sigma], 60)))
            v0 = mpmath.mpf(sp.N(value, 60))
        except (TypeError, ValueError):
            return False
        return all(_level_on_circle(fn, m0, t0, v0, mpmath.mpf(r)) for r in LEVEL_RADII)


def _level_on_circle(fn, m0, t0, v0, r) -> bool:
    """fn takes v0 again (to 1e-22 (1 + |v0|)) on the circle of radius r around (m0, t0) in (mu, log sigma)."""
    tol = mpmath.mpf("1e-22") * (1 + abs(v0))

    def height(angle):
        try:
            v = fn(m0 + r * mpmath.cos(angle), mpmath.exp(t0 + r * mpmath.sin(angle)))
        except (ValueError, ZeroDivisionError, TypeError):
            return mpmath.inf
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > tol:
                return mpmath.inf
            v = v.real
        return v - v0 if mpmath.isfinite(v) else mpmath.inf
    step = 2 * mpmath.pi / 360
    heights = [(height(k * step), k) for k in range(360)]
    return any(golden_min(height, (k - 1) * step, (k + 1) * step, 120) <= tol for _, k in sorted(heights)[:3])


def golden_min(f, lo, hi, steps: int):
    """The least value of f found by ``steps`` steps of golden-section search on [lo, hi] (mpmath numbers)."""
    phi = (mpmath.sqrt(5) - 1) / 2
    a, b = hi - phi * (hi - lo), lo + phi * (hi - lo)
    fa, fb = f(a), f(b)
    for _ in range(steps):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - phi * (hi - lo)
            fa = f(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + phi * (hi - lo)
            fb = f(b)
    return min(fa, fb)


def _vanishes_on_grid(g: sp.Expr) -> bool:
    """g is 0 at a point of the 13 x 13 grid or changes sign on it."""
    m, s = (a.ravel() for a in np.meshgrid(_GRID_MU, _GRID_SIGMA))
    values = real_values(g, m, s)
    values = values[~np.isnan(values)]
    return values.size > 0 and (np.any(values == 0) or (values.min() < 0 < values.max()))


def _curve_of_minima(e: sp.Expr, value: sp.Expr, param: str, method: str) -> MinimizerSet:
    """The set {e = value} of a penalty whose least value is taken on a curve: the union of the zero sets of the
    factors of e - value that vanish somewhere (mu**2*(sigma - 1)**2: mu = 0 or sigma = 1), else the level set."""
    g = sp.factor_terms(e - value)
    bases = [b.as_base_exp()[0] if b.is_Pow else b for b in sp.Mul.make_args(g) if b.has(mu, sigma)]
    bases = [b for b in bases if _vanishes_on_grid(b)]  # not 2 + tanh(mu), which never does
    region = sp.Or(*[sp.Eq(b, 0) for b in bases]) if bases else sp.Eq(e, value)
    shape = ""
    if len(bases) > 1:
        shape = " or ".join(f"{b} = 0" for b in bases)
    return MinimizerSet(reparametrize(region, param), value, method, shape=shape)


def _numeric_below(e: sp.Expr, value) -> bool:
    """A local minimum of the numeric search (inside its box) lies below ``value``."""
    if not (value.is_number and value.is_finite):
        return False
    v, slack = float(value), float(value_slack(e, value, 1e-8))
    return any(m[2] < v - slack for m in _numeric_minima(e))


def _tied(e: sp.Expr, best, minima: list, param: str, budget=DEFAULT_BUDGET):
    """``best``, or the set of every minimum in ``minima`` with the same least value at another point (exactly
    equal values, or equal floats to 1e-10 of the penalty's magnitude, at most 1): several global minimisers, never
    one of them as "the" minimiser. renyi(1e-400), about 1e-400 everywhere, has one. Exact values are compared at
    50 digits first and simplified only where they agree there, within ``budget`` seconds (not equal past it)."""
    if best is None:
        return None
    xs = variables(param)

    def same_value(c):
        if c.value.has(sp.Float) or best.value.has(sp.Float):
            return abs(sp.N(c.value - best.value, 30)) <= value_slack(e, best.value, 1e-10)
        # exact values: equal when lambert_exp then simplify (values with W and W_-1) says 0
        gap = c.value - best.value
        if gap.is_number:
            return _is_zero(gap, budget)
        done, out = attempt(sp.simplify, gap, budget=budget)
        return bool(done and out == 0)

    tied = [best]
    for c in minima:
        if same_value(c) and not any(all(abs(float(c.point[x] - t.point[x])) < 1e-8 for x in xs) for t in tied):
            tied.append(c)
    if len(tied) == 1:
        return best
    tied.sort(key=lambda c: tuple(float(c.point[x]) for x in xs))
    region = sp.Or(*[sp.And(*[sp.Eq(x, c.point[x]) for x in xs]) for c in tied])
    return MinimizerSet(region, best.value, f"{len(tied)} local minimisers with the same least value ({best.method})",
                        tuple(c.point for c in tied), hessians=tuple(c.hessian for c in tied))


def without_idle_kinks(penalty, budget=DEFAULT_BUDGET) -> sp.Expr:
    """The penalty with each abs, max and min that is the identity on its arguments' range replaced by the
    argument it always returns: abs(p) -> p, max(p, 0) -> p and min(p, 2 p) -> p for p >= 0 (decided by the
    exact infimum of p, of p - 0, of 2 p - p). A penalty sympy proves constant (sinh(mu)**2 - cosh(mu)**2) is
    replaced by its value."""
    e, budget = _expr(penalty, "std"), check_budget(budget)
    if e.has(mu, sigma) and _proved_constant(e, budget):
        return _constant_value(e)
    return _without_idle_kinks(e, budget)


def _proved_constant(e: sp.Expr, budget) -> bool:
    if _two_values(e):
        return False
    try:  # cancel: (sigma**2 - 1)/(sigma - 1) - sigma, which is_constant leaves undecided; then sympy's proof
        done, cancelled = attempt(sp.cancel, e, budget=budget)  # (kl**64 expands for a minute: budgeted)
        if done and not cancelled.has(mu, sigma):
            return True
        done, constant = attempt(e.is_constant, mu, sigma, budget=budget)
    except SYMPY_FAILED:
        return False
    return done and constant is True


_PROBES = (("3/10", "7/10"), ("-2/5", "3/2"))  # (mu, sigma): fixed generic points where a penalty is valued


def _constant_value(e: sp.Expr) -> sp.Expr:
    """The value of a penalty proved constant, a number: simplified, else its exact value at a fixed point
    (atan(sigma) + atan(1/sigma), which simplify keeps, is atan(7/10) + atan(10/7) there; review r8l B3)."""
    value = sp.simplify(e)
    for m, x in _PROBES:
        if not value.has(mu, sigma):
            break
        value = sp.simplify(e.subs({mu: sp.Rational(m), sigma: sp.Rational(x)}))
    return value


def _two_values(e: sp.Expr) -> bool:
    """``e`` takes two different values (30 digits) at two fixed points, so is not constant: no proof to seek
    (sympy's is_constant ran past its budget on exp(mu**2)*cosh(log(sigma) + 200*pi) + atan(mu)**2)."""
    try:  # max(renyi(2), 1/2) at sigma = 3/2, outside renyi's domain: sympy's Max refuses a complex argument
        a, b = _probe_values(e)
    except ValueError:
        return False
    if not all(v.is_real and v.is_finite for v in (a, b)):
        return False
    if abs(a - b) > 1e-20 * (1 + abs(a)):
        return True
    try:  # two tiny values (kl**64: 5e-54 and 3e-34) differ when both are known to 30 digits: evalf's strict mode
        a, b = _probe_values(e, strict=True)  # raises where it cannot reach them (an exact zero, 0.e-165)
    except (ValueError, ArithmeticError, sp.core.evalf.PrecisionExhausted):
        return False
    return a != 0 and b != 0 and abs(a - b) > 1e-20 * max(abs(a), abs(b))


def value_slack(e: sp.Expr, value: sp.Expr, rel: float) -> sp.Expr:
    """How far apart two values of ``e`` near ``value`` must be to differ: rel (m + |value|), m the penalty's own
    size, at most 1 (the same verdict for a penalty scaled by 1e-12, or renyi(1e-400), about 1e-400 everywhere)."""
    return rel * (sp.Min(1, _magnitude(e)) + abs(sp.N(value, 30)))


@lru_cache(maxsize=64)
def _magnitude(e: sp.Expr) -> sp.Expr:
    """The larger |value| at the probe points, or 1 where neither is a nonzero real number."""
    try:  # strict: a value with no digits (an exact zero at 3000 bits is 2^-17199) raises
        values = [abs(v) for v in _probe_values(e, strict=True)]
    except (ValueError, TypeError, ArithmeticError, sp.core.evalf.PrecisionExhausted):
        return sp.Integer(1)
    return max((v for v in values if v.is_real and v.is_finite and v != 0), default=sp.Integer(1))


def _probe_values(e: sp.Expr, strict: bool = False) -> tuple:
    """``e`` at the probe points to 30 digits, however small (3000 bits: renyi(1e-400) is 2.6e-401 there)."""
    return tuple(sp.N(e.subs({mu: sp.Rational(m), sigma: sp.Rational(s)}), 30, strict=strict, maxn=3000)
                 for m, s in _PROBES)


@lru_cache(maxsize=256)
def _without_idle_kinks(e: sp.Expr, budget) -> sp.Expr:
    if is_smooth(e) or not isinstance(e, (sp.Add, sp.Mul, sp.Pow, sp.Function, sp.Max, sp.Min)):
        return e
    args = [_without_idle_kinks(a, budget) for a in e.args]
    if isinstance(e, sp.Abs) and _nonnegative(args[0], budget):
        return args[0]
    if isinstance(e, (sp.Max, sp.Min)):
        for a in args:
            if all(b is a or _nonnegative(a - b if isinstance(e, sp.Max) else b - a, budget) for b in args):
                return a
    return e.func(*args)


def _nonnegative(g: sp.Expr, budget) -> bool:
    """g >= 0 everywhere, by sympy's assumptions or an exact infimum >= 0 (not a numeric one)."""
    if g.is_nonnegative:
        return True
    if not g.has(mu, sigma) or _negative_on_grid(g):
        return False
    inf = infimum(g, budget)
    v = inf["value"]
    return (v is not None and inf.get("method") == "exact" and v.is_number and not v.has(sp.Float)
            and bool(v >= 0))


def _negative_on_grid(g: sp.Expr) -> bool:
    """g < 0 at a point of the fixed grid, confirmed at 30 digits there: g is not >= 0, with no infimum to take
    (kl**2 - kl < 0 wherever 0 < kl < 1; its infimum takes minutes)."""
    for a, b, v in _on_grid(g):
        if v < -1e-9 * (1 + abs(v)):
            exact = sp.N(g.subs({mu: sp.nsimplify(a), sigma: sp.nsimplify(b)}), 30)
            if exact.is_real and exact < 0:
                return True
    return False


def _powered(e: sp.Expr, param: str, budget):
    """The minimisers of base**k (k > 0, not 1, base >= 0: sqrt(kl), sqrt(mu**2 + (sigma-1)**2), kl**4) are
    those of the base, as x -> x**k is increasing on [0, oo); at a zero of the base of local order m the
    order is k m (not differentiable there when k m <= 1; kl**4 has order 8, which a circle of radius 1e-3 could
    not tell from a curve of minimisers). None when the rule does not apply."""
    if not (e.is_Pow and e.exp.is_number and e.exp.is_positive and e.exp != 1):
        return None
    if e.exp.is_integer and not is_smooth(e.base):  # max(kl, 1/2)**2: the set routes are exact
        return None
    if not _nonnegative(e.base, budget):
        return None
    inner, k = minimizer(e.base, param, budget), e.exp
    if k.is_integer and not (isinstance(inner, CriticalPoint) and inner.value == 0 and inner.order is not None
                             and k * inner.order > 2):
        return None  # an integer power is otherwise decided by its own stationary points (acosh(1 + kl)**2: diag(2, 4))
    how = f"the minimisers of ({e.base})**({k}) are those of its base, which is >= 0"
    if isinstance(inner, MinimizerSet):
        return MinimizerSet(inner.region, sp.simplify(inner.value**k), f"{how} ({inner.method})", shape=inner.shape)
    if not isinstance(inner, CriticalPoint):
        return None
    v = inner.value
    if v != 0:  # the base is positive there: k v^(k-1) H at a stationary point
        h = None if inner.hessian is None else (k * v ** (k - 1) * inner.hessian).applyfunc(sp.simplify)
        return CriticalPoint(inner.point, sp.simplify(v**k), h, inner.definiteness, f"{inner.method}; {how}",
                             inner.differentiable, inner.order)
    if inner.order is None:
        return None
    order = k * inner.order
    if not order.is_integer:
        return None
    order = int(order)
    h = sp.zeros(2) if order > 2 else None
    kind = "positive semidefinite" if h is not None else NOT_DIFFERENTIABLE if order <= 1 else "no Hessian (kink)"
    return CriticalPoint(inner.point, sp.S.Zero, h, kind, f"{inner.method}; {how}", bool(order > 1), order)


def limit(e: sp.Expr, x: sp.Symbol, x0, direction: str = "+", budget=DEFAULT_BUDGET) -> sp.Expr | None:
    """lim_{x -> x0} e, exact; None when sympy cannot take it within ``budget`` seconds.

    abs, max and min are passed through (lim max(a, b) = max(lim a, lim b) where both exist), as sympy's
    own limit fails on them.
    """
    return timed_limit(e, x, x0, direction, budget)[0]


def timed_limit(e: sp.Expr, x: sp.Symbol, x0, direction: str = "+", budget=DEFAULT_BUDGET) -> tuple:
    """(lim_{x -> x0} e or None, whether the budget ran out): a limit past its budget is not decided, whereas
    one sympy cannot take is simply unknown. See :func:`checked_limit`, which also says whether evaluations back it."""
    value, late, _ = checked_limit(e, x, x0, direction, budget)
    return value, late


def checked_limit(e: sp.Expr, x: sp.Symbol, x0, direction: str = "+", budget=DEFAULT_BUDGET) -> tuple:
    """(lim_{x -> x0} e or None, whether the budget ran out, whether evaluations back it), the limit with
    :func:`positive_bases`.

    ``e`` is first rid of its hidden zeros (:func:`without_hidden_zeros`: sinh(x)**2 - cosh(x)**2 + 1 is 0, exactly).
    Each limit is then checked against evaluations of ``e`` at high precision along x -> x0 (:func:`limit_status`):
    sympy's limit of sinh(mu)**2 - cosh(mu)**2 + 3 as mu -> oo is -1, the truth 2 (review r8i A1). A limit the values
    contradict is taken again from ``e`` with its hyperbolics as exponentials, expanded, then simplified, and, for a
    sum, from the limits of its terms (:func:`_divergent_sum`); None when no route gives a limit the values agree with.
    The third item is True when the values back the limit (they settle on it; they run off to +-oo with growing steps
    for an infinite one), False when they neither back nor contradict it (too slow, or not computable): such a limit is
    sympy's alone, and a verdict resting on it is not exact.
    """
    key = (e, x, x0, direction, budget)
    if key in _LIMITS:
        return _LIMITS[key]
    value, late, backed = _checked_limit(e, x, x0, direction, budget)
    found = positive_bases(value), late, backed
    if not late:  # one past its budget may be decided another time
        _LIMITS[key] = found
    return found


_LIMITS = Memo(4096)  # check, infimum and the ratio bounds ask for the same limits again


def positive_bases(v):
    """``v`` with each integer power of a negative constant sum written as one of its positive negation:
    sqrt(-1/(2 - E)) as 1/sqrt(-2 + E), log(-1/(2 - E)) as log(1/(-2 + E)) (review r8o C1: no minus sign inside a
    root or a log of a real value); ``v`` itself when it is not a sympy expression."""
    if not isinstance(v, sp.Basic):
        return v
    return v.replace(lambda p: isinstance(p, sp.Pow) and p.exp.is_Integer and isinstance(p.base, sp.Add)
                     and p.base.is_number and p.base.is_negative,
                     lambda p: (-1) ** p.exp * sp.Pow(sp.Add(*[-t for t in p.base.args]), p.exp))


def _checked_limit(e: sp.Expr, x: sp.Symbol, x0, direction: str, budget) -> tuple:
    e = without_hidden_zeros(e, budget)
    if isinstance(e, sp.Expr) and not e.has(x) and e.is_extended_real and e.is_finite:  # constant along the path
        return e, False, True
    try:  # renyi(2) as sigma -> oo: its closed form is +oo outside its domain, by definition (no value to check)
        if _leaves_domain(e, x, x0, direction, budget):
            return (sp.oo if infer_domain(e).outside == sp.oo else None), False, True
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        pass
    value, late = _timed_limit(e, x, x0, direction, budget)
    status = "unchecked" if value is None else limit_status(e, x, x0, direction, value)
    if value is not None and status != "contradicted":
        if status != "backed" and value.is_infinite:  # sympy's oo for a sum: backed exactly by its terms' limits
            bound = _divergent_sum(e, x, x0, direction, budget)
            if bound == value:
                return value, late, True
        return value, late, status == "backed"
    routes = [lambda g: sp.expand(hyperbolics_as_exp(g)), sp.simplify] if value is not None else []
    for route in routes:
        done, g = attempt(route, e, budget=budget)
        if done and g != e:
            value, ran_out = _timed_limit(g, x, x0, direction, budget)
            late |= ran_out
            status = "unchecked" if value is None else limit_status(e, x, x0, direction, value)
            if value is not None and status != "contradicted":
                return value, late, status == "backed"
    bound = None if late else _divergent_sum(e, x, x0, direction, budget)  # past the budget: no further route
    if bound is not None:
        return bound, late, True
    bound = None if late else _product_limit(e, x, x0, direction, budget)
    if bound is not None:
        return bound, late, True
    return None, late, False


def _product_limit(e: sp.Expr, x: sp.Symbol, x0, direction: str, budget) -> sp.Expr | None:
    """+-oo for a product A(x) B(other) whose part in x tends to oo or -oo (its limit backed by evaluations) while
    B keeps one strict sign for every value of the other variable (:func:`_strict_sign`): exp(mu**2)*atan(sigma) -> oo
    as mu -> +-oo for every sigma > 0, where sympy's limit is oo*I*sign(log(1 - I*sigma) - log(1 + I*sigma)) (review
    r8l B8). None otherwise."""
    if not isinstance(e, sp.Mul) or e.has(sp.I):
        return None
    inner = sp.Mul(*[a for a in e.args if a.has(x)])
    outer = sp.Mul(*[a for a in e.args if not a.has(x)])
    if outer == 1 or inner.free_symbols != {x}:
        return None
    value, _, backed = checked_limit(inner, x, x0, direction, budget)
    if not (backed and value in (sp.oo, -sp.oo)):
        return None
    sign = _strict_sign(outer, budget)
    return None if sign is None else sign * value


def _strict_sign(c: sp.Expr, budget) -> int | None:
    """+1 or -1 when c, a function of one variable (mu real, or sigma > 0), has that strict sign everywhere: by sympy's
    assumptions (exp(mu**2), atan(sigma)), else, for sigma over the whole half-line, by interval arithmetic on [e^-700,
    e^700] (:func:`~vaemath.symbolic.interval.keeps_sign`) and, beyond, by the sign of c's leading term at 0+ and oo
    (sigma - tanh(sigma): sigma**3/3 and sigma). None otherwise."""
    if c.is_positive:
        return 1
    if c.is_negative:
        return -1
    if c.free_symbols != {sigma} or domain_edges((c,), budget):
        return None
    sign = keeps_sign(c, sigma, seconds=min(budget or 5.0, 5.0))
    if sign is None:
        return None
    t = sp.Dummy("t", positive=True)
    for f, end in ((c, 0), (c.subs(sigma, 1 / t), sp.oo)):  # beyond e^+-700: the limit's sign, else the leading term's
        x = sigma if end == 0 else t
        value, _, backed = checked_limit(c, sigma, end, "+" if end == 0 else "-", budget)
        if backed and value is not None and value != 0 and (sign * value).is_positive:
            continue
        try:
            lead = f.as_leading_term(x)
        except (NotImplementedError, ValueError, TypeError, sp.PoleError):
            return None
        if not (sign * lead).is_positive:
            return None
    return sign


def _divergent_sum(e: sp.Expr, x: sp.Symbol, x0, direction: str, budget) -> sp.Expr | None:
    """oo (-oo) for a sum one of whose terms tends to oo (-oo), its limit backed by evaluations, while every other
    term is bounded below (above) near the end: free of x, proved >= 0 (<= 0) by sympy, or with a backed limit that
    is finite or the same infinity. An exact sign/bound argument where sympy's limit of the sum fails
    (mu**2 + cosh(log(sigma) - 650) as mu -> oo: review r8j B4). None otherwise."""
    if not isinstance(e, sp.Add) or len(e.args) > 12 or e.has(sp.I):  # I: the path left the closed form's domain
        return None
    ends = []
    for term in e.args:
        if not term.has(x):
            ends.append((term, True))
            continue
        value, _, backed = checked_limit(term, x, x0, direction, budget)
        ends.append((value, backed))
    for sign in (1, -1):
        if not any(v == sign * sp.oo and backed for v, backed in ends):
            continue
        if all(_bounded_term(t, v, backed, x, sign) for t, (v, backed) in zip(e.args, ends)):
            return sign * sp.oo
    return None


def _bounded_term(term: sp.Expr, v, backed: bool, x: sp.Symbol, sign: int) -> bool:
    """``term`` is bounded below (sign 1) or above (-1) near the end of x: free of x, sign * term >= 0 by sympy, or a
    backed limit that is finite or sign * oo."""
    if not term.has(x) and term.is_extended_real or (sign * term).is_nonnegative:
        return True
    return v is not None and backed and (v == sign * sp.oo or not v.has(sp.oo, -sp.oo, sp.zoo, sp.nan, sp.I))


def _timed_limit(e: sp.Expr, x: sp.Symbol, x0, direction: str, budget) -> tuple:
    if e.has(sp.I):  # a log of a negative number: the path runs outside the closed form's domain
        return None, False
    try:
        if _leaves_domain(e, x, x0, direction, budget):  # renyi(2) as sigma -> oo: its closed form is +oo there
            return (sp.oo if infer_domain(e).outside == sp.oo else None), False
        done, value = attempt(_limit, e, x, x0, direction, budget=budget)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return None, False
    if done and (value is None or value.has(sp.nan, sp.zoo, sp.Limit, sp.AccumBounds, sp.I, sp.sign)):
        value = _polynomial_limit(e, x, x0, budget) or value  # oo*sign(c(sigma)): decided when c keeps one sign
    if not done or value is None or value.has(sp.nan, sp.zoo, sp.Limit, sp.AccumBounds, sp.I):
        return None, not done
    if value.is_number and value.is_finite and not value.is_Rational:  # renyi(pi)/kl as sigma -> 0+:
        value = _shortest(value, budget)  # (-4 + 4*pi)/(2*(-2 + 2*pi)) is 1
    return value, False


def _polynomial_limit(e: sp.Expr, x: sp.Symbol, x0, budget) -> sp.Expr | None:
    """lim_{mu -> +-oo} of a polynomial in mu whose leading coefficient c(sigma) keeps one sign on sigma > 0 (its
    exact infimum > 0, or supremum < 0, in one variable): +-oo by that sign and the degree's parity, for each sigma
    (kl + (e^-sigma - e^-2sigma + e^-3sigma) mu**2: c = 1/2 + x - x^2 + x^3 > 1/2, x = e^-sigma). None otherwise."""
    if x != mu or x0 not in (sp.oo, -sp.oo):
        return None
    try:
        poly = sp.Poly(e, mu)
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError):
        return None
    lc, n = poly.LC(), poly.degree()
    if n < 1 or lc.free_symbols - {sigma}:
        return None
    sign = _kept_sign(lc, budget)
    if sign is None:
        return None
    return sign * sp.oo if x0 == sp.oo or n % 2 == 0 else -sign * sp.oo


@lru_cache(maxsize=64)
def _kept_sign(c: sp.Expr, budget) -> int | None:
    """+1 or -1 when c(sigma) keeps that sign on sigma > 0, exactly; None otherwise. A rational function of
    z = e^-sigma (in (0, 1)) is decided by counting the real roots of its numerator and denominator there (kl + (e^-s -
    e^-2s + ... + e^-5s) mu**2: 10 s of solveset per call before, r8i A5); else by exact infima of c and -c."""
    if not c.has(sigma):
        return 1 if c.is_positive else -1 if c.is_negative else None
    z = sp.Dummy("z", positive=True)
    g = c.replace(lambda a: isinstance(a, sp.exp) and (a.args[0] / sigma).is_Integer,
                  lambda a: z ** (-(a.args[0] / sigma)))
    if not g.has(sigma):
        try:
            num, den = sp.fraction(sp.cancel(sp.together(g)))
            if all(sp.Poly(p, z).count_roots(0, 1) == 0 for p in (num, den) if p.has(z)):
                at = g.subs(z, sp.Rational(1, 2))
                return 1 if at.is_positive else -1 if at.is_negative else None
        except (sp.PolynomialError, ValueError, TypeError, NotImplementedError):
            pass
    for s_, f in ((1, c), (-1, -c)):
        inf = infimum_1d(f, sigma, budget)
        if inf is not None and inf["value"].is_number and inf["value"].is_positive:
            return s_
    return _strict_sign(c, budget)


def _leaves_domain(e: sp.Expr, x: sp.Symbol, x0, direction: str, budget) -> bool:
    """Whether the path x -> x0 ends where the argument of a log (of x alone) is negative: outside the set where
    the closed form holds (a penalty's ``domain``: 2 - sigma^2 > 0 for renyi(2)), where sympy would take the
    limit of its complex continuation."""
    for g in {a.args[0] for a in e.atoms(sp.log) if a.args[0].free_symbols == {x} and not a.args[0].is_positive}:
        done, end = attempt(sp.limit, g, x, x0, direction, budget=budget)
        if done and end == 0:  # at the domain's edge: inside or outside by the side of approach
            done, end = attempt(sp.limit, sp.sign(g), x, x0, direction, budget=budget)
        if done and (end.is_negative or end == -sp.oo):
            return True
    return False


_DISCONTINUOUS = (sp.sign, sp.Heaviside, sp.floor, sp.ceiling, sp.Piecewise, sp.DiracDelta)


def _by_substitution(e: sp.Expr, x: sp.Symbol, x0) -> sp.Expr | None:
    """e at x = x0 when every subexpression is finite there (elementary functions, abs, max and min are continuous
    where finite): a limit that is a plain substitution (abs(mu - exp(-sigma)) + abs(sigma - 1) at sigma = 0:
    abs(mu - 1) + 1); None otherwise (1/sigma, log(sigma), sign)."""
    if not (x0.is_number and x0.is_finite) or e.has(*_DISCONTINUOUS):
        return None
    bad = (sp.zoo, sp.nan, sp.oo, -sp.oo)
    try:  # Max(1/2, zoo) raises: not comparable
        for node in sp.preorder_traversal(e):
            if isinstance(node, sp.Expr) and node.has(x) and node.subs(x, x0).has(*bad):
                return None
            if _singular_unsimplified(node, x, x0):
                return None
        v = e.subs(x, x0)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return None if v.has(*bad) else v


def _singular_unsimplified(node: sp.Expr, x: sp.Symbol, x0) -> bool:
    """A log, or a negative power, of an argument that vanishes at x = x0 without sympy writing it as 0: renyi(pi) at
    its edge sigma = sqrt(pi/(pi - 1)) has log(pi*(1 - pi)/(pi - 1) + pi), which is log(0) (0 by 50 digits)."""
    if isinstance(node, sp.log):
        arg = node.args[0]
    elif node.is_Pow and node.exp.is_negative:
        arg = node.base
    else:
        return False
    if not arg.has(x):
        return False
    at = arg.subs(x, x0)
    if not at.is_number or at.is_Rational:
        return False
    return abs(sp.N(at, 50)) < sp.Float("1e-40")


def _limit(e, x, x0, direction):
    at = _by_substitution(e, x, sp.sympify(x0))
    if at is not None:
        return at
    if is_smooth(e) or not e.has(x):
        return sp.limit(e, x, x0, direction)
    if isinstance(e, (sp.Max, sp.Min, sp.Abs)):  # continuous on the extended reals: the limits of the arguments
        parts = [_limit(a, x, x0, direction) for a in e.args]
        if all(p is not None and not p.has(sp.nan, sp.zoo) for p in parts):
            return e.func(*parts)
    branch = _eventual_branch(e, x, x0, direction)
    if branch is not None:
        return sp.limit(branch, x, x0, direction)
    parts = [_limit(a, x, x0, direction) for a in e.args]
    if any(p is None or p.has(sp.nan, sp.zoo) for p in parts):
        return None
    if isinstance(e, (sp.Abs, sp.Max, sp.Min, sp.Add, sp.Mul)) or (e.is_Pow and parts[1].is_finite):
        return e.func(*parts)
    if isinstance(e, (sp.exp, sp.log, sp.sqrt)) and parts[0].is_extended_real and parts[0] != 0:
        return e.func(*parts)
    return None


def _eventual_branch(e, x, x0, direction):
    """The smooth branch of ``e`` active near the end x -> x0: each abs, max and min resolved by the limits
    of its arguments (a strict order there); None when one of them ties in the limit."""
    def eventual_sign(g):
        """The sign of g near the end (a tie in the limit decided by the sign of what is left: t**2 > 0 as
        t -> 0+, 2 t - 1 > 0 as t -> oo); None when it is 0 there or not decided."""
        if not g.has(x):
            return sp.sign(g) if g.is_extended_real and g != 0 else None
        end = sp.limit(g, x, x0, direction)
        if end.is_extended_real and end != 0 and not end.has(sp.nan, sp.zoo):
            return sp.sign(end)
        v = sp.limit(sp.sign(g), x, x0, direction) if end.is_extended_real else None
        return v if v in (1, -1) else None

    def resolve(node):
        if not node.has(x):
            return node
        if isinstance(node, sp.Abs):
            inner = resolve(node.args[0])
            side = None if inner is None else eventual_sign(inner)
            return None if side is None else side * inner
        if isinstance(node, (sp.Max, sp.Min)):
            args = [resolve(a) for a in node.args]
            if any(a is None for a in args):
                return None
            big = 1 if isinstance(node, sp.Max) else -1
            winners = [a for a in args if all(b is a or eventual_sign(a - b) == big for b in args)]
            return winners[0] if len(winners) == 1 else None
        if is_smooth(node):
            return node
        args = [resolve(a) for a in node.args]
        return None if any(a is None for a in args) else node.func(*args)
    try:
        return resolve(e)
    except (TypeError, ValueError, NotImplementedError):
        return None


def limits(penalty, param: str = "std", budget=DEFAULT_BUDGET) -> dict:
    """Limits at the boundary of the parameter space: scale -> its lower and upper ends, mu -> +-oo.

    Returns
    -------
    dict
        Keys like ``"sigma->0+"``, ``"sigma->oo"``, ``"mu->oo"``, ``"mu->-oo"`` (the scale symbol and
        its ends depend on ``param``), values sympy expressions in the other variable; None where sympy
        could not take the limit within ``budget`` seconds.
    """
    return _limits(penalty, param, budget)[0]


def _limits(penalty, param: str = "std", budget=DEFAULT_BUDGET) -> tuple:
    """(:func:`limits`, the keys whose limit evaluations at high precision do not back: sympy's alone)."""
    p = _param(param)
    e, x = _expr(penalty, p.name), p.symbol
    lower = "0+" if p.lower == 0 else "-oo"
    free = _free_of(e, mu, budget)  # a mu-free penalty (mu terms that cancel too): its own limit as mu -> +-oo
    taken = {
        f"{x}->{lower}": checked_limit(e, x, p.lower, "+", budget),
        f"{x}->oo": checked_limit(e, x, sp.oo, "-", budget),
        "mu->oo": (free, False, True) if free is not None else checked_limit(e, mu, sp.oo, "-", budget),
        "mu->-oo": (free, False, True) if free is not None else checked_limit(e, mu, -sp.oo, "+", budget),
    }
    for key, end in ((f"{x}->{lower}", p.lower), (f"{x}->oo", sp.oo)):
        if _outside_end(penalty, p, end, budget):  # +oo there by the domain's convention, whatever sympy says
            taken[key] = (sp.oo, False, True)
    inside = _sigma_range(penalty, budget)
    out = {k: v if v is None else _shortest(_unsigned(_signs_decided(v, x, inside, budget)), budget)
           for k, (v, _, _) in taken.items()}
    out = {k: None if v is None or _by_cases(v) else v for k, v in out.items()}
    return out, [k for k, (_, _, backed) in taken.items() if out[k] is not None and not backed]


def _free_of(e: sp.Expr, x: sp.Symbol, budget) -> sp.Expr | None:
    """``e`` written without ``x`` when it does not depend on it (its derivative in ``x`` cancels to 0 exactly:
    ``renyi(2) - mu**2/(2 - sigma**2)``), so its limit along x is itself, exactly; None otherwise."""
    if not e.has(x):
        return None if e.has(sp.I, sp.zoo, sp.nan) else e
    if _slope_seen(e, x):
        return None  # it depends on x: cancel below expands kl**64 for seconds to say so
    try:
        done, d = attempt(lambda: sp.cancel(sp.together(sp.diff(e, x))), budget=budget)
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
        return None
    if not done or d != 0:
        return None
    done, g = attempt(lambda: sp.cancel(sp.together(e)), budget=budget)
    g = g if done and not g.has(x) else e.subs(x, 0)
    return None if g.has(sp.I, sp.zoo, sp.nan) else g


def _slope_seen(e: sp.Expr, x: sp.Symbol) -> bool:
    """de/dx is clearly not 0 (relative to e, at 50 digits) at one of two probe points."""
    for m, s in ((sp.Rational(3, 10), sp.Rational(7, 10)), (sp.Rational(3, 2), sp.Rational(5, 2))):
        point = {mu: m, sigma: s}
        slope, value = (sp.N(f.subs(point), 50) for f in (sp.diff(e, x), e))
        if all(v.is_number and v.is_real for v in (slope, value)) and abs(slope) > 1e-20 * (1 + abs(value)):
            return True
    return False


def _sigma_range(penalty, budget) -> sp.Set:
    """The values of sigma inside the penalty's domain (where its closed form holds): renyi(17/10), 0 < sigma <
    sqrt(17/7); renyi(3/2) + renyi(2), 0 < sigma < sqrt(2); sigma > 0 when there is no domain or sympy cannot solve
    its conditions within ``budget``."""
    whole = sp.Interval.open(0, sp.oo)
    try:
        dom = _domain(penalty)
        if dom is None or dom.everywhere or dom.condition.has(mu):
            return whole
        conds = dom.condition.args if isinstance(dom.condition, sp.And) else (dom.condition,)
        done, sets = attempt(_solved_each, conds, sigma, whole, budget=budget)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return whole
    if not done:
        return whole
    inside = positive_bases(sp.Intersection(whole, *sets))
    return inside if isinstance(inside, (sp.Interval, sp.Union)) and inside.measure != 0 else whole


def _domain(penalty):
    """The penalty's domain: a Penalty's own (text's: its renyi terms' as typed, :func:`~vaemath.symbolic.parser
    .penalty`), else the expression's (:func:`~vaemath.symbolic.penalty.infer_domain`)."""
    if isinstance(penalty, sp.Expr):
        return infer_domain(to_std(_expr(penalty, "std")))
    return as_penalty(penalty).domain


def _outside_end(penalty, p, end, budget) -> bool:
    """Whether the scale's ``end`` (p.lower or oo, in param ``p``) lies outside the penalty's domain, where its value
    is +oo by the domain's convention (renyi(2) + log(2 - sigma**2) as sigma -> oo, in every param; review r8m B4):
    the domain's condition, on sigma alone, fails for every sigma beyond its range's last edge."""
    try:
        dom = _domain(penalty)
    except (ValueError, TypeError):
        return False
    if dom is None or dom.everywhere or dom.outside != sp.oo or dom.condition.has(mu):
        return False
    inside = _sigma_range(penalty, budget)
    if inside == sp.Interval.open(0, sp.oo) or not isinstance(inside, (sp.Interval, sp.Union)):
        return False
    at = sp.S.Zero if p.lower in (0, -sp.oo) and end != sp.oo else sp.oo
    bound = inside.inf if at == 0 else inside.sup
    return bool(bound.is_number and (bound > 0 if at == 0 else bound.is_finite))


def _solved_each(conds, x: sp.Symbol, whole: sp.Set) -> list:
    return [sp.solveset(c, x, whole) for c in conds]


def _signs_decided(v: sp.Expr, scale: sp.Symbol = sigma, sigma_range: sp.Set | None = None, budget=1) -> sp.Expr:
    """``v`` with each sign(g) replaced by +-1 where g, in mu alone or in the scale variable alone, has no zero and no
    pole on that variable's range: mu real, sigma in ``sigma_range`` (default sigma > 0; the penalty's domain, where
    the limit is taken: renyi(17/10)'s 0 < sigma < sqrt(17/7)). oo*sign(mu**2 - 6*mu + 58) is oo; oo*sign(1/(34 -
    14*v)) is oo in var on renyi(17/10)'s domain; mu**2/(2 - sigma) gives sign(1/(2 - sigma)), with no zero on
    sigma > 0 but a change of sign at its pole: not decided. The sign is that at one point of the range."""
    sigma_range = sp.Interval.open(0, sp.oo) if sigma_range is None else sigma_range
    of_sigma = {p.symbol: p.sigma_of for p in PARAMS.values()}
    for sg in v.atoms(sp.sign):
        g = sg.args[0]
        if g.free_symbols == {mu}:
            x, h, region = mu, g, sp.S.Reals
        elif g.free_symbols == {scale} and scale in of_sigma:  # in sigma: v**(3/2), exp(l) become powers of sigma
            x, h, region = sigma, _in_sigma(g, scale), sigma_range
        else:
            continue
        try:
            done, kept = attempt(_keeps_sign, h, x, region, budget=budget)
        except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
            continue
        value = h.subs(x, _a_point(region))
        if done and kept and value.is_extended_real and value != 0:
            v = v.subs(sg, sp.sign(value))
        elif x is mu or region == sp.Interval.open(0, sp.oo):  # sympy's assumptions, or intervals (sigma - tanh)
            strict = _strict_sign(h, budget)
            v = v if strict is None else v.subs(sg, strict)
    return v


def _in_sigma(g: sp.Expr, scale: sp.Symbol) -> sp.Expr:
    """g(scale) written in sigma (v = sigma**2, s = log(sigma), l = 2 log(sigma)), powers merged."""
    of_sigma = {p.symbol: p.of_sigma for p in PARAMS.values()}
    return sp.powsimp(sp.powdenest(g.subs(scale, of_sigma[scale]), force=True), force=True)


def _keeps_sign(h: sp.Expr, x: sp.Symbol, region: sp.Set) -> bool:
    """Whether neither the numerator nor the denominator of h vanishes inside ``region`` (an open interval or a union
    of them): a polynomial's real roots exactly (RootOf, compared at 50 digits), else solveset, which must find no
    zero at all."""
    num, den = sp.fraction(sp.together(h))
    for q in (num, den):
        if not q.has(x):
            continue
        roots = real_roots(q, x) if q.is_polynomial(x) else None  # exact, for renyi(pi)'s coefficients too
        if roots is not None:
            if any(_strictly_inside(r, region) for r in roots):
                return False
        elif sp.solveset(q, x, region) is not sp.S.EmptySet:
            return False
    return True


def _strictly_inside(r: sp.Expr, region: sp.Set) -> bool:
    """Whether the real number r lies inside the open interval(s) ``region``, by 50 digits (a root at an end, such as
    sqrt(5) of 2 sigma**2 - 10 on 0 < sigma < sqrt(5), is not inside)."""
    for part in (region.args if isinstance(region, sp.Union) else (region,)):
        if not isinstance(part, sp.Interval):
            return True  # not an interval: not decided, so counted as a zero inside
        above = part.start == -sp.oo or sp.N(r - part.start, 50) > 1e-40
        below = part.end == sp.oo or sp.N(part.end - r, 50) > 1e-40
        if above and below:
            return True
    return False


def _a_point(region: sp.Set) -> sp.Expr:
    """A point inside an interval (or the first interval of a union): a rational near the midpoint (within 1e-6 of
    the width, by 50 digits), or one unit inside an infinite end; 1 for the whole line. Rational, so that sympy can
    sign a function of it: at the midpoint of renyi(log(3))'s 0 < sigma < sqrt(log(3)/(log(3) - 1)) it could not
    (review r8m B1)."""
    if isinstance(region, sp.Union):
        region = region.args[0]
    if not isinstance(region, sp.Interval):
        return sp.S.One
    a, b = region.start, region.end
    if a.is_finite and b.is_finite:
        mid = (a + b) / 2
        if mid.is_Rational:
            return mid
        width = abs(sp.N(b - a, 50))
        return sp.nsimplify(sp.N(mid, 50), rational=True, tolerance=width * sp.Float("1e-6", 50)) if width > 0 \
            else mid
    if a.is_finite:
        return a + 1 if a.is_Rational else sp.floor(sp.N(a, 50)) + 1
    if b.is_finite:
        return b - 1 if b.is_Rational else sp.ceiling(sp.N(b, 50)) - 1
    return sp.S.One


def _unsigned(v: sp.Expr) -> sp.Expr:
    """``v`` with each g^k sign(g) (k a positive integer) written g^(k-1) |g|, equal for real g, 0 at g = 0 too:
    sympy's limit of |mu - sigma| as sigma -> 0+ is mu*sign(mu), which is |mu|."""
    def rule(m):
        args = list(m.args)
        for s in (a for a in m.args if isinstance(a, sp.sign)):
            g = s.args[0]
            for i, a in enumerate(args):
                base, k = a.as_base_exp()
                if base == g and k.is_Integer and k > 0:
                    args[i] = g ** (k - 1) * sp.Abs(g)
                    args.remove(s)
                    return sp.Mul(*args)
        return m

    return v.replace(lambda e: e.is_Mul and any(isinstance(a, sp.sign) for a in e.args), rule)


def _by_cases(v: sp.Expr) -> bool:
    """A limit that depends on the other variable by cases (sympy's sign, Piecewise or nan): not printed."""
    signed = v.has(sp.oo, -sp.oo) and any(isinstance(p.base, sp.Abs) and p.exp.is_negative for p in v.atoms(sp.Pow))
    return signed or v.has(sp.nan, sp.zoo, sp.sign, sp.Piecewise, sp.Heaviside)  # signed: oo*mu/Abs(mu)


def _simplified(v: sp.Expr, budget) -> sp.Expr:
    """sympy's simplify of v when it is not longer (count_ops): sympy accepts up to 1.7 times longer, and wrote
    1 - (1 + 1/log(mu**2 + 2))**log(mu**2 + 2) as a quotient of two powers (review r8j C2)."""
    done, s = attempt(sp.simplify, v, budget=budget)
    return s if done and sp.count_ops(s) <= sp.count_ops(v) else v


def _shortest(v: sp.Expr, budget) -> sp.Expr:
    """The shortest (count_ops) of v, its expansion and sympy's simplify of it, each within ``budget`` seconds (v
    itself when both run out); on a tie the earlier. simplify alone accepts up to 1.7 times longer, and wrote
    1 - (1 + 1/log(mu**2 + 2))**log(mu**2 + 2) as a quotient of two powers (review r8j C2); it also folds a sum into
    a log of a power (mu**2 + 1 - 1/log(log(3)) as (log(log(3**(log(3)**(mu**2)))) - 1)/log(log(3)), review r8k C2),
    which the expansion undoes."""
    best, ops = v, sp.count_ops(v)
    for route in (sp.expand, sp.simplify):
        try:
            done, s = attempt(route, v, budget=budget)
        except (NotImplementedError, ValueError, TypeError, AttributeError, RecursionError):
            continue
        if done and isinstance(s, sp.Expr) and not s.has(sp.nan, sp.zoo) and sp.count_ops(s) < ops:
            best, ops = s, sp.count_ops(s)
    return best


def unbounded_below(penalty, budget=DEFAULT_BUDGET) -> str | None:
    """The boundary path along which the penalty tends to -oo (exact limits), or None if none is found.

    A limit at one end that is -oo, or an expression in the other variable whose own limit at one of that
    variable's ends is -oo (e.g. mu - log(sigma): mu -> -oo); then the sections and curves of
    :func:`_sections`, and the directions the numeric search drifted to with falling values
    ((mu - 2*sigma)**2 - log(1 + sigma): mu = 2 t, sigma = t).
    """
    path = descent_path(penalty, budget)
    return None if path is None else path["where"]


def descent_path(penalty, budget=DEFAULT_BUDGET) -> dict | None:
    """The path of :func:`unbounded_below` with its curve, or None if none is found.

    Returns
    -------
    dict or None
        ``where`` (the text of :func:`unbounded_below`) and ``points``: points (x, mu, sigma) on the curve
        (mu(x), sigma(x)) along which the limit -oo was taken, x five steps towards its end (10, ..., 1e5 for
        oo; 0.1, ..., 1e-5 for 0+), or None for a repeated limit (sigma->0+, then mu->-oo), which is no curve;
        ``sigma``: sigma's limit along the path (0, oo, a number, or None when unknown).
    """
    path = _descent(_expr(penalty, "std"), check_budget(budget))[0]
    if path is None:
        return None
    if path[1] is None:  # a repeated limit: sigma's end is the first limit's when that is in sigma
        first = path[0].split(",")[0]
        end = {"sigma->0+": sp.S.Zero, "sigma->oo": sp.oo}.get(first)
        return {"where": path[0], "points": None, "sigma": end}
    subs, x, x0, side = path[1]
    end = limit(sp.sympify(subs[sigma]), x, x0, side) if sp.sympify(subs[sigma]).has(x) else sp.sympify(subs[sigma])
    return {"where": path[0], "points": _curve_points(*path[1]), "sigma": end}


def _curve_points(subs: dict, x: sp.Symbol, x0, side: str) -> list:
    """(x, mu, sigma) at five values of x towards x0 on the curve ``subs`` = {mu: mu(x), sigma: sigma(x)}."""
    steps = [sp.Integer(10) ** k for k in range(1, 6)]
    if x0 in (sp.oo, -sp.oo):
        xs = [t if x0 == sp.oo else -t for t in steps]
    else:
        xs = [x0 + (1 / t if side == "+" else -1 / t) for t in steps]
    return [(float(t), float(sp.sympify(subs[mu]).subs(x, t).evalf(30)),
             float(sp.sympify(subs[sigma]).subs(x, t).evalf(30))) for t in xs]


def _unbounded_below(e: sp.Expr, budget) -> tuple:
    """(path to -oo or None, whether a boundary limit on the axes ran past the budget: then bounded below is
    not decided, the paths where sympy's limit is -oo but the values do not back it)."""
    if (e, budget) in _DESCENTS:  # infimum, minimizer and the ratio bounds ask again for the same penalty
        path, unverified = _DESCENTS[e, budget]
        return path, False, list(unverified)
    path, late, unverified = _descent(e, budget)
    path = None if path is None else path[0]
    if not late:
        _DESCENTS[e, budget] = path, tuple(unverified)
    return path, late, unverified


_DESCENTS = Memo(256)


def forget() -> None:
    """Empty the memo of limits and descents (they are kept per process; a replaced step must not meet them)."""
    _LIMITS.clear()
    _DESCENTS.clear()


def _descent(e: sp.Expr, budget) -> tuple:
    """((where, curve) or None, late, unverified) for :func:`_unbounded_below`; ``curve`` is (subs, x, x0, side), the
    path {mu: mu(x), sigma: sigma(x)} as x -> x0 from ``side``, or None for a repeated limit. Only a limit -oo that
    the values back is a path (:func:`checked_limit`); the others are listed in ``unverified``."""
    if without_hidden_zeros(e, budget).is_nonnegative:  # proved >= 0 by sympy (squares, abs, sqrt, max with 0...)
        return None, False, []
    ends = {mu: ((sp.oo, "-", "mu->oo"), (-sp.oo, "+", "mu->-oo")), sigma: ((0, "+", "sigma->0+"),
                                                                           (sp.oo, "-", "sigma->oo"))}
    fixed = {mu: sp.S.Zero, sigma: sp.S.One}  # the other variable on the curve of a limit -oo at one end
    late, unverified = False, []  # unverified: paths where sympy's limit is -oo and the values do not back it
    repeated = None  # a repeated limit is named only where no single variable's path goes down
    for x, other in ((sigma, mu), (mu, sigma)):
        if not e.has(x):  # a penalty of mu alone falls along mu: no step in sigma to name ("sigma->0+, then mu->-oo")
            continue
        for x0, side, name in ends[x]:
            value, ran_out, backed = checked_limit(e, x, x0, side, budget)
            late |= ran_out
            if value is None or _by_cases(value):
                continue
            if value == -sp.oo:
                if backed:
                    return (name, ({x: x, other: fixed[other]}, x, x0, side)), late, unverified
                unverified.append(name)
            elif value.has(other) and repeated is None:
                for y0, side2, name2 in ends[other]:
                    inner, ran_out, inner_backed = checked_limit(value, other, y0, side2, budget)
                    late |= ran_out
                    if inner == -sp.oo:
                        if backed and inner_backed:
                            repeated = (f"{name}, then {name2}", None)
                            break
                        unverified.append(f"{name}, then {name2}")
    if repeated is not None:
        return repeated, late, unverified
    return (_unbounded_on_sections(e, budget, unverified) or _unbounded_at_edges(e, budget, unverified)
            or _unbounded_on_drift(e, budget, unverified), late, unverified)


def _drift_paths(e: sp.Expr):
    """(curve {mu: mu(t), sigma: sigma(t)}, where) for the paths the numeric search drifted along with values below
    its least interior minimum: mu = c t, sigma = t (sigma -> oo, c = mu/sigma read as a small fraction); mu = +-t at a
    fixed sigma; sigma -> 0+ at a fixed mu."""
    search = _numeric_search(e)
    inside = [v for _, _, v, escaped in search if not escaped]
    floor = min(inside, default=np.inf)
    for m, s, v, escaped in search:
        if not escaped or not v < floor:
            continue
        if s > np.exp(ESCAPE[1] / 2):
            c = sp.Rational(m / s).limit_denominator(12)
            yield {mu: c * _T, sigma: _T}, f"mu = {c}*t, sigma = t, t->oo (where the numeric search drifted)"
        elif abs(m) > ESCAPE[0] / 2 and s > 1e-3:
            s0 = sp.Rational(s).limit_denominator(12)
            yield {mu: sp.sign(m) * _T, sigma: s0}, f"mu->{'-' if m < 0 else ''}oo at sigma = {s0} " \
                "(where the numeric search drifted)"
        elif s < np.exp(-ESCAPE[1] / 2):
            m0 = sp.Rational(m).limit_denominator(12)
            yield {mu: m0, sigma: 1 / _T}, f"sigma->0+ at mu = {m0} (where the numeric search drifted)"
    escaped = [t for t in search if t[3] and t[2] < floor]
    if escaped:  # curved drifts (mu ~ sigma^2): the valley, fitted
        m, s, _, _ = min(escaped, key=lambda t: t[2])
        yield from _valley_paths(e, m, s)


def _valley_paths(e: sp.Expr, m: float, s: float):
    """(curve {mu: mu(t), sigma: sigma(t)}, where) for the curves fitted to the valley the numeric search drifted
    along to (m, s): at 8 values of sigma between s and sqrt(s) (log scale, towards 1) the least point over mu
    (bounded scalar search), fitted as mu = a sigma^b (least squares in logs) and as mu = a log(sigma) + c, each kept
    when it fits within 1e-2 and tried exactly with a, b, c read as small fractions: (2 mu - 3 sigma^2)^2 - sigma
    along mu = 3/2 sigma^2."""
    from scipy.optimize import minimize_scalar

    fn = vectorized(e)
    width = 2 * abs(m) + 10

    def at(x, sd):
        with np.errstate(all="ignore"):
            val = complex(fn(x, sd))
        return val.real if np.isfinite(val) and abs(val.imag) < 1e-12 else np.inf

    sds = np.exp(np.linspace(np.log(s), np.log(s) / 2, 8))
    mus = np.array([minimize_scalar(at, bounds=(-width, width), args=(sd,), method="bounded",
                                    options={"xatol": 1e-10}).x for sd in sds])
    up = s > 1  # sigma -> oo along the drift, else sigma -> 0+
    toward = {sigma: _T} if up else {sigma: 1 / _T}
    ends = "sigma = t, t->oo" if up else "sigma = 1/t, t->oo (sigma->0+)"
    if np.all(mus > 0) or np.all(mus < 0):
        b, log_a = np.polyfit(np.log(sds), np.log(np.abs(mus)), 1)
        if np.max(np.abs(log_a + b * np.log(sds) - np.log(np.abs(mus)))) < 1e-2:
            a_, b_ = (sp.Rational(x).limit_denominator(12) for x in (np.sign(mus[0]) * np.exp(log_a), b))
            yield ({mu: a_ * toward[sigma] ** b_, **toward},
                   f"mu = {a_ * sigma**b_}, {ends} (a power curve fitted to the valley the numeric search drifted "
                   "along)")
    a, c = np.polyfit(np.log(sds), mus, 1)
    if np.max(np.abs(a * np.log(sds) + c - mus)) < 1e-2 * (1 + np.max(np.abs(mus))):
        a_, c_ = (sp.Rational(x).limit_denominator(12) for x in (a, c))
        yield ({mu: a_ * sp.log(toward[sigma]) + c_, **toward},
               f"mu = {a_ * sp.log(sigma) + c_}, {ends} (a curve fitted to the valley the numeric search drifted "
               "along)")


def _unbounded_on_drift(e: sp.Expr, budget, unverified: list) -> tuple | None:
    tried = set()
    for subs, where in _drift_paths(e):
        if where not in tried and _falls(e.subs(subs, simultaneous=True), _T, sp.oo, "-", budget, where, unverified):
            return where, (subs, _T, sp.oo, "-")
        tried.add(where)
    return None


def _falls(f: sp.Expr, x: sp.Symbol, x0, side: str, budget, where: str, unverified: list) -> bool:
    """The limit of f is -oo, backed by its values at high precision (:func:`checked_limit`); a -oo of sympy's alone
    is added to ``unverified`` (by ``where``) and is not a path to -oo."""
    value, _, backed = checked_limit(f, x, x0, side, budget)
    if value == -sp.oo and not backed:
        unverified.append(where)
    return value == -sp.oo and backed


def backed_limit(e: sp.Expr, x: sp.Symbol, x0, direction: str = "+", budget=DEFAULT_BUDGET) -> sp.Expr | None:
    """The limit of :func:`limit` when evaluations at high precision back it (:func:`checked_limit`), else None: for
    the steps whose answer rests on the limit (a path to -oo, an exact infimum at an end)."""
    value, _, backed = checked_limit(e, x, x0, direction, budget)
    return value if backed else None


_T = sp.Symbol("t", positive=True)


def _sections(e: sp.Expr):
    """(expression in one variable, variable, end, side, where, curve) for the paths beyond the two axes: mu fixed
    at 0 or at a root of d/dmu (in sigma: (mu - exp(sigma))**2 - sigma along mu = exp(sigma)), sigma fixed at 1
    or 2 (each to both ends of the other variable); the
    curves mu = +-t, sigma = t^a into the corners; and the interior points where a log's argument or a
    denominator vanishes (mu or sigma fixed at 1 on the way in). ``curve`` is {mu: mu(x), sigma: sigma(x)}."""
    def on(subs):  # None where sympy's Max refuses a complex argument (min(renyi(2), 1) at sigma = 2, review r8l A6)
        try:
            return e.subs(subs, simultaneous=True), subs
        except ValueError:
            return None, subs

    mus = {sp.S.Zero} | {r for r in _mu_roots(sp.diff(e, mu)) if r.is_real}
    for m0 in sorted(mus, key=sp.default_sort_key):
        f, subs = on({mu: m0, sigma: sigma})
        yield f, sigma, 0, "+", f"sigma->0+ at mu = {m0}", subs
        yield f, sigma, sp.oo, "-", f"sigma->oo at mu = {m0}", subs
    for s0 in (1, 2):
        if _outside_at(e, s0):  # renyi(sqrt(2)) + log(sqrt(2) - (sqrt(2)-1)*sigma**2)/(2*(sqrt(2)-1)) at sigma = 2:
            continue  # its two logs' imaginary parts cancel there, so it reads real, but it is past the edge 1.848
        f, subs = on({mu: mu, sigma: s0})
        for end, side in ((sp.oo, "-"), (-sp.oo, "+")):
            yield f, mu, end, side, f"mu->{end} at sigma = {s0}", subs
    for c, a in ((c, a) for c in (1, -1) for a in (-1, sp.Rational(1, 2), 1, 2)):
        where = corner_path(c, a)
        f, subs = on({mu: c * _T, sigma: _T**a})
        yield f, _T, sp.oo, "-", where, subs
    singular = [a.args[0] for a in e.atoms(sp.log)] + [b.base for b in e.atoms(sp.Pow) if b.exp.is_negative]
    for x, other in ((mu, sigma), (sigma, mu)):
        for g in singular:
            for x0 in _real_roots(g.subs(other, 1), x):
                if x0.is_real and (x is mu or x0 > 0):
                    f, subs = on({x: x, other: 1})
                    for side in ("+", "-"):
                        yield f, x, x0, side, f"{x}->{x0}{side} at {other} = 1", subs


def _outside_at(e: sp.Expr, s0) -> bool:
    """Whether sigma = s0 lies outside the domain of ``e`` (in std): an argument of its domain condition
    (:func:`~vaemath.symbolic.penalty.domain_arguments`) is <= 0 there, at 30 digits."""
    for g in domain_arguments(e):
        v = sp.N(g.subs(sigma, s0), 30)
        if v.is_real and v <= 0:
            return True
    return False


@lru_cache(maxsize=256)
def _real_roots(g: sp.Expr, x: sp.Symbol, budget: float = 1) -> list:
    """Numeric roots of g in x: of a polynomial by sympy.roots when it gives all of them (counted with multiplicity;
    faster than solve, which the snaps of a many-kink max called hundreds of times), else by sympy.solve, each within
    ``budget`` seconds; none where it cannot solve."""
    poly = _polynomial_in(g, x)
    if poly is not None:
        try:
            done, found = attempt(sp.roots, poly, budget=budget)
        except SYMPY_FAILED:
            done = False
        if done and found and sum(found.values()) == poly.degree():  # as solve, none its symbol's assumptions deny
            return [r for r in found if r.is_number and not (x.is_real and r.is_real is False)
                    and not (x.is_positive and r.is_positive is False)]
    try:
        done, roots = attempt(sp.solve, g, x, budget=budget)
    except SYMPY_FAILED:
        return []
    if not (done and isinstance(roots, list)):
        return []
    return list(dict.fromkeys(v for r in roots if r.is_number for v in _other_branches(r)))  # both W branches


def _polynomial_in(g: sp.Expr, x: sp.Symbol) -> sp.Poly | None:
    """g as a polynomial in x of degree >= 1 with numeric coefficients, else None."""
    if g.free_symbols != {x} or not g.is_polynomial(x):
        return None
    try:
        poly = sp.Poly(g, x)
    except sp.PolynomialError:
        return None
    return poly if poly.degree() >= 1 and all(c.is_number for c in poly.all_coeffs()) else None


def _mu_roots(g: sp.Expr) -> list:
    """Roots mu = r(sigma) of g by sympy.solve within its budget, free of I; none where it cannot solve."""
    try:
        done, roots = attempt(sp.solve, g, mu, budget=DEFAULT_BUDGET)
    except SYMPY_FAILED:
        return []
    return [r for r in roots if r.free_symbols <= {sigma} and not r.has(sp.I)] if done and isinstance(roots, list) \
        else []


def _unbounded_on_sections(e: sp.Expr, budget, unverified: list) -> tuple | None:
    for f, x, x0, side, where, subs in _sections(e):
        if f is not None and _falls(f, x, x0, side, budget, where, unverified):
            return where, (subs, x, x0, side)
    return None


def _unbounded_at_edges(e: sp.Expr, budget, unverified: list) -> tuple | None:
    """A path to -oo into an edge of the domain (:func:`~vaemath.symbolic.domains.domain_edges`, the rule ``check``
    uses for the ratio): sigma -> edge from inside at mu = 0 or at a root mu(sigma) of d/dmu (renyi(2) + log(2 -
    sigma**2): sigma -> sqrt(2)- at mu = 0, where it is log(2 - sigma**2)/2 + O(1), review r8l A5)."""
    edges = domain_edges((e,), budget)
    if not edges:
        return None
    mus = {sp.S.Zero} | {r for r in _mu_roots(sp.diff(e, mu)) if r.is_real is not False}
    for m0 in sorted(mus, key=sp.default_sort_key):
        try:
            f = e.subs(mu, m0)
        except ValueError:  # sympy's Max refuses a complex argument
            continue
        for z, side in edges:
            if m0.has(sigma) and not _real_near(m0, z, side):  # a root complex inside the domain is no path there:
                continue  # renyi(2) + log(2 - sigma**2)/2 + mu**4 has mu = -sqrt(2)*sqrt(1/(sigma**2 - 2))/2
            where = f"sigma->{z}{side} at mu = {m0}, the edge of the domain"
            if _falls(f, sigma, z, side, budget, where, unverified):
                return where, ({mu: m0, sigma: sigma}, sigma, z, side)
    return None


def _real_near(r: sp.Expr, z: sp.Expr, side: str) -> bool:
    """Whether r(sigma) is real just inside the edge z (sigma = z (1 -+ 1e-12) from ``side``), at 40 digits."""
    near = z * (1 - sp.Rational(1, 10**12) if side == "-" else 1 + sp.Rational(1, 10**12))
    try:
        v = sp.N(r.subs(sigma, near), 40)
    except SYMPY_FAILED:
        return False
    re_, im_ = v.as_real_imag()
    return bool(v.is_number and abs(im_) <= 1e-30 * (1 + abs(re_)))


def infimum(penalty, budget=DEFAULT_BUDGET) -> dict:
    """The penalty's infimum over mu real, sigma > 0, exact where decided, else an upper bound labelled so.

    Never above a value the tool has evaluated: the numeric search's local minima and the points where it
    drifted to the boundary, and a fixed grid of points.

    Returns
    -------
    dict
        ``value`` (-oo when unbounded below, the minimum value at the minimiser, an upper bound, or None when
        nothing is known), ``attained`` (bool or None), ``where`` (the path to -oo, or the minimiser, or what
        the bound is), ``late`` (a boundary limit ran past the budget) and ``method``: "exact" (an exact path to
        -oo, or an exact minimum whose boundary limits were decided and are not below it), "upper bound" (the least
        boundary limit along the paths taken, or a minimum whose boundary limits ran past the budget) or "numeric"
        (the least value the numeric search or the grid found, below every exact value: an upper bound on the
        infimum).
    """
    return _infimum(penalty, check_budget(budget))


def _infimum(penalty, budget, best=False) -> dict:
    """:func:`infimum`, given the minimiser in std when already found (``best``; False: not yet looked for)."""
    e = _expr(penalty, "std")
    if e.has(mu, sigma) and _proved_constant(e, budget):  # sinh(mu)**2 - cosh(mu)**2 + 3: no boundary to search
        value = _constant_value(e)
        return {"value": value, "attained": True, "where": f"every point (the penalty is constant, {value})",
                "set": MinimizerSet(sp.true, value, "constant"), "method": "exact"}
    path, late, unverified = _unbounded_below(e, budget)
    if path is not None:
        return {"value": -sp.oo, "attained": False, "where": f"unbounded below: {path}", "method": "exact"}
    claim = _exact_claim(penalty, e, late, budget, best)
    lower = _least_evaluated(e, claim["value"])
    out = lower if lower is not None else claim
    if unverified:  # sympy's -oo the values neither back nor contradict: nothing is exact, and the path is named
        note = (f"; sympy's limit is -oo as {' and as '.join(dict.fromkeys(unverified))}, which evaluations at high "
                "precision do not back (not verified): the penalty may be unbounded below")
        out = {**out, "where": out["where"] + note,
               "method": "upper bound" if out["method"] == "exact" else out["method"]}
    return {**out, "late": late}


def _exact_claim(penalty, e: sp.Expr, late: bool, budget, best=False) -> dict:
    """The infimum from the minimiser or the boundary limits, before it is compared with evaluated values."""
    undecided = " (a boundary limit ran past the budget, so lower values there are not excluded)"
    best = minimizer(penalty, "std", budget) if best is False else best
    if best is None:
        curve = _zero_curve_of_abs(e, budget)
        if curve is not None:
            return {"value": curve.value, "attained": True, "where": curve.description, "set": curve,
                    "method": "exact"}
        separable = (_separable_infimum(e, budget) or _product_infimum(e, budget) or _composed_infimum(e, budget)
                     or _far_separable(e, budget))
        if separable is not None:
            return separable
        # the limits along the paths that the values back: sympy's alone is no bound (review r8j A2: -1 for a
        # penalty > 0, with its hidden zero kept)
        ends = [(v, w) for f, x, x0, side, w, _ in _sections(e) if f is not None
                for v, _, backed in [checked_limit(f, x, x0, side, budget)]
                if backed and v is not None and v.is_number and v.is_finite]
        ends += [(v, w) for v, w in _edge_ends(e, (sp.S.Zero,), budget) if v is not None and v.is_finite]
        if not ends:
            return {"value": None, "attained": None, "where": "no interior minimiser found", "method": None}
        value, where = min(ends, key=lambda t: float(t[0]))
        # sympy proves pen > value everywhere (mu**2 + sigma, exp(-kl)): approached only
        if (without_hidden_zeros(e, budget) - value).is_positive:
            return {"value": value, "attained": False, "method": "exact",
                    "where": f"no minimiser; {value} is approached as {where}, and pen - {value} > 0 everywhere "
                             "(sympy): the infimum, not attained"}
        bound = _termwise_bound(e, budget, value)
        if bound is None or not _is_zero(bound[0] - value, budget):
            bound = _termwise_bound_inside(penalty, budget) or bound
        if bound is not None and _is_zero(bound[0] - value, budget):  # approached, and a lower bound: the infimum
            value = min(value, bound[0], key=sp.count_ops)  # one number, its shorter form (review r8o C1)
            if bound[1]:
                return {"value": value, "attained": False, "method": "exact",
                        "where": f"no minimiser; {value} is approached as {where}, and the penalty is > {value} "
                                 f"everywhere, the sum of its parts' infima, one of them never attained: {bound[2]}; "
                                 "the infimum, not attained"}
            return {"value": value, "attained": None, "method": "exact",
                    "where": f"{value} is approached as {where}, and the penalty is >= {value} everywhere, the sum of "
                             f"its parts' infima: {bound[2]}; the infimum (whether a point attains it is not decided: "
                             "each part attains its own)"}
        return {"value": value, "attained": None, "method": "upper bound",
                "where": f"no minimiser found; {value} is approached as {where}, the least of the exact limits along "
                         "the paths taken (boundary sections, corner curves): an upper bound on the infimum (the "
                         "numeric search found nothing lower, which does not prove there is nothing lower)"}
    if isinstance(best, MinimizerSet):
        if sp.sympify(best.value).has(sp.Float):  # a search's float (8.5e-279 for a true 0, review r8p A3): a value
            return {"value": best.value, "attained": True, "where": f"{best.description}: numeric values, an upper "
                    "bound on the infimum", "set": best, "method": "numeric"}  # the penalty takes, never exact
        return {"value": best.value, "attained": True, "where": best.description, "set": best,
                "method": "upper bound" if late else "exact"}
    where = f"minimiser {to_strings(best.point)}"
    if REMOVABLE in best.method:  # exp(-1/(sigma - 1)**2) + mu**2 at (0, 1): the separable parts' exact infima
        return {"value": best.value, "attained": True, "method": "exact", "where": best.method.removeprefix("exact, ")}
    if best.value == 0 and not best.value.has(sp.Float) and e.is_nonnegative:
        return {"value": sp.S.Zero, "attained": True, "method": "exact",
                "where": f"{'numeric ' * any(v.has(sp.Float) for v in best.point.values())}{where} ({best.method}), "
                         "where the penalty is 0 exactly, and the penalty is >= 0 "
                         "(sympy): the infimum 0, attained"}
    zero = _exact_zero(e, best, budget)
    if zero is not None:
        return {"value": sp.S.Zero, "attained": True, "method": "exact",
                "where": f"minimiser {to_strings(zero)}, where each term of the penalty is 0 exactly, and the "
                         "penalty is >= 0 (sympy): the infimum 0, attained"}
    if best.value.has(sp.Float) or any(v.has(sp.Float) for v in best.point.values()):
        how = ("damped Newton steps at 60 or more digits" if "damped Newton" in best.method else
               "a float root of the gradient" if best.differentiable else "on a kink curve, by its Lagrange condition "
               "at 50 digits" if "Lagrange" in best.method else "where two kinks cross, at 50 digits")
        return {"value": best.value, "attained": True, "method": "numeric",
                "where": f"numeric {where} ({how}, the least stationary point found): an upper bound on the infimum"}
    if late:
        return {"value": best.value, "attained": True, "method": "upper bound",
                "where": f"local minimiser {to_strings(best.point)}: an upper bound on the infimum{undecided}"}
    edges = _edge_ends(e, tuple(dict.fromkeys((sp.S.Zero, best.point[mu] if best.point[mu].is_Rational else 0))),
                       budget)
    lower = [(v, w) for v, w in edges
             if v is None or v == -sp.oo or (v.is_finite and float(v) < float(sp.N(best.value, 30)))]
    if lower:  # the edge of the domain is a boundary too: a limit there below the minimum, or not decided
        return {"value": best.value, "attained": True, "method": "upper bound",
                "where": f"local minimiser {to_strings(best.point)}: an upper bound on the infimum (the limit as "
                         f"{lower[0][1]} is {'not decided' if lower[0][0] is None else lower[0][0]})"}
    at_edges = "; the limits at the edge of the domain, " + ", ".join(f"{v} as {w}" for v, w in edges) if edges else ""
    return {"value": _one_of_tied(best.value), "attained": True, "method": "exact",
            "where": f"{where} (the least of the stationary points found; the boundary limits are not below it"
                     f"{at_edges})"}


def _composed_infimum(e: sp.Expr, budget) -> dict | None:
    """The exact infimum, not attained, of pen = G(h), h an inner expression carrying all of mu and sigma, continuous
    on the whole domain (each negative power's base and each log's argument positive, by sympy) with an exact minimum
    h0 attained at a point and unbounded above, so that h takes every value in [h0, oo): the infimum of G over that
    interval, in one variable (:func:`_infimum_1d` on (h0, oo), and G(h0) where it is a number). exp(-1/kl): G(r) =
    exp(-1/r) -> 0 as r -> 0+, undefined at r = 0 (sympy: nan at (0, 1)), so 0 is approached, never attained; kl**-2:
    0 as kl -> oo. None when no inner h serves or G's infimum is attained (the minimiser search is then the judge)."""
    for h, g in inner_functions(e):
        if not is_smooth(h):
            continue
        if any(p.exp.is_negative and not p.base.is_positive for p in h.atoms(sp.Pow)) or any(
                not a.args[0].is_positive for a in h.atoms(sp.log)):
            continue  # a pole or a log's edge inside: h's range may not be one interval
        best = minimizer(h, "std", budget)
        if not isinstance(best, CriticalPoint) or any(
                isinstance(v, sp.Float) or sp.sympify(v).free_symbols for v in best.point.values()):
            continue
        low = _infimum(h, budget, best)
        h0 = low["value"]
        if low["method"] != "exact" or low["attained"] is not True or h0 is None or not (h0.is_number and h0.is_finite):
            continue
        if sp.oo not in limits(h, budget=budget).values():
            continue
        found = _infimum_1d(g, _R, sp.Interval.open(h0, sp.oo), ((h0, "+"), (sp.oo, "-")), budget)
        if found is None or found[1] is not False or not found[0].is_number:
            continue
        at_h0 = g.subs(_R, h0)
        bad = _is_bad(at_h0) or at_h0.has(sp.AccumBounds)  # atan(1/0): AccumBounds(-pi/2, pi/2), not a value
        if not bad and not (at_h0.is_number and at_h0.is_real and sp.N(at_h0 - found[0], 30) > 0):
            continue  # G(h0) as low (attained at h's minimiser: the minimiser search's case), or not decided
        at = f"{at_h0}, not a real number" if bad else f"{at_h0}, above it"
        x0, side = found[4]
        to = "h -> oo" if x0 == sp.oo else f"h -> {x0}{side}"
        return {"value": found[0], "attained": False, "method": "exact",
                "where": f"no minimiser; the penalty is G(h) with h = {h}, G(r) = {g.subs(_R, sp.Symbol('r'))}, and h "
                         f"takes every value in [{h0}, oo) (its exact minimum at {to_strings(best.point)}; unbounded "
                         f"above): {found[0]} is G's infimum over r > {h0}, approached as {to}, never attained "
                         f"(G({h0}) = {at})"}
    return None


def _edge_ends(e: sp.Expr, mus: tuple, budget) -> list:
    """(limit or None, where) as sigma runs to each edge of the domain from inside (:func:`domain_edges`) at each mu
    in ``mus``, the limit backed by evaluations (None: not decided); none when the domain has no edge. The edge is a
    boundary of the penalty's domain as sigma -> 0+ and oo are: renyi(2) + 3*sigma -> oo as sigma -> sqrt(2)-."""
    out = []
    for z, side in domain_edges((e,), budget):
        for m0 in mus:
            v, _, backed = checked_limit(e.subs(mu, m0), sigma, z, side, budget)
            ok = backed and v is not None and v.is_number and v.is_extended_real
            out.append((v if ok else None, f"sigma->{z}{side} at mu = {m0}"))
    return out


def lambert_exp(e: sp.Expr) -> sp.Expr:
    """``e`` with each exp(a + k W(z)) written exp(a) (z / W(z))^k, from W e^W = z on every branch (sympy's simplify
    leaves exp(-LambertW(1)) - LambertW(1), which is 0), and each log(k W(z)) with k z > 0 written log(k z) - W(z)
    (2 log(-2 W(-e^-1/2)) + 2 W(-e^-1/2) + 2 is 0: a root of sigma - 2 log(sigma) - 2, on either branch)."""
    def rule(node):
        rest, factor = [], sp.S.One
        for term in sp.Add.make_args(node.args[0]):
            k, w = term.as_coeff_Mul()
            if isinstance(w, sp.LambertW) and w.args[0] != 0:
                factor *= (w.args[0] / w) ** k
            else:
                rest.append(term)
        return factor * sp.exp(sp.Add(*rest)) if factor != 1 else node

    def log_rule(node):  # log(k W(z)) = log(k z) - W(z) where k z > 0 (then k W > 0 too): W = z e^-W, any branch
        k, w = node.args[0].as_coeff_Mul()
        if isinstance(w, sp.LambertW) and w.args[0].is_number and (k * w.args[0]).is_positive:
            return sp.log(k * w.args[0]) - w
        return node
    e = e.replace(lambda a: isinstance(a, sp.log) and a.has(sp.LambertW), log_rule)
    return e.replace(lambda a: isinstance(a, sp.exp) and a.has(sp.LambertW), rule)


def _is_zero(v: sp.Expr, budget) -> bool:
    """v (a closed number) is 0: below 1e-40 at 50 digits and simplified to 0 after :func:`lambert_exp`."""
    if abs(sp.N(v, 50)) >= 1e-40:
        return False
    done, out = attempt(lambda: sp.simplify(lambert_exp(v)), budget=budget)
    return bool(done and out == 0)


def _exact_zero(e: sp.Expr, best: CriticalPoint, budget) -> dict | None:
    """The exact point where a penalty sympy proves >= 0 vanishes, near a numeric minimiser of value below 1e-12:
    the zeros of its terms, each >= 0 (abs(sigma - exp(-sigma)) + mu**2: mu = 0, sigma = W(1), where the numeric
    minimiser read 1e-130 at mu = 1e-65, review r8i B2), solved together by sympy and checked at 50 digits and by
    simplification; None otherwise."""
    if not (e.is_nonnegative and best.value.is_number and abs(float(best.value)) < 1e-12):
        return None
    terms = sp.Add.make_args(e)
    if not all(t.is_nonnegative for t in terms):
        return None

    def small(g):  # |g| at the numeric minimiser (30 digits), to pick the factor of a product that vanishes there
        try:
            return abs(complex(sp.N(g.subs(best.point), 30)))
        except (TypeError, ValueError):
            return math.inf

    def roots(t):  # the expressions whose common zeros are the term's: |g|, g^(2k), c g^2 -> g; a product: the factor
        t = t.as_coeff_Mul()[1]  # vanishing at the minimiser; a sum of terms >= 0: each term's
        while True:
            if isinstance(t, sp.Abs):
                t = t.args[0]
            elif t.is_Pow and t.exp.is_positive:
                t = t.base
            elif t.is_Mul:
                t = min((f for f in sp.Mul.make_args(t) if f.has(mu, sigma)), key=small)
            elif t.is_Add and all(a.is_nonnegative for a in t.args):
                return [g for a in t.args if a.has(mu, sigma) for g in roots(a)]
            else:
                return [t]
    eqs = [g for t in terms if t.has(mu, sigma) for g in roots(t)]
    try:
        done, sols = attempt(sp.solve, eqs, [mu, sigma], dict=True, budget=budget)
    except SYMPY_FAILED:
        done, sols = False, []
    if not (done and sols):
        return _bracketed_zero(eqs, best.point, budget)
    for sol in sols if done else []:
        if set(sol) != {mu, sigma} or any(v.has(mu, sigma) for v in sol.values()):
            continue
        m, s_ = (complex(sp.N(sol[v], 30)) for v in (mu, sigma))
        if abs(m.imag) > 1e-25 or abs(s_.imag) > 1e-25 or s_.real <= 0:
            continue
        if abs(m.real - float(best.point[mu])) + abs(s_.real - float(best.point[sigma])) > 1e-6:
            continue
        if _is_zero(e.subs(sol), budget):
            return sol
    return None


ZERO_BRACKET = "1e-30"  # relative half-width of the interval where a one-variable term of a zero changes sign


def _bracketed_zero(eqs: list, point: dict, budget) -> dict | None:
    """A common zero of ``eqs`` near the numeric ``point`` that sympy.solve could not give: an equation in one
    variable x whose root r (mpmath, 60 digits, from the point) it brackets by a sign change on r -+ 1e-30 (1 + |r|)
    (so an exact zero r* lies there), with the other equations solved by sympy for the other variable y = phi(x),
    phi(r) near the point: each term vanishes at (phi(r*), r*). (sigma + tanh(sigma) - 2)**8 + mu**2: sigma +
    tanh(sigma) = 2 at sigma = 1.17434113825366..., mu = 0 (review r8j B3). The point's coordinates as Floats of 40
    digits (exact where phi is a constant); None otherwise."""
    for q in eqs:
        if q.has(mu) and q.has(sigma) or not q.has(mu, sigma):
            continue
        x, y = (mu, sigma) if q.has(mu) else (sigma, mu)
        try:
            fn = sp.lambdify(x, q, "mpmath")
            with mpmath.workdps(60):
                r = mpmath.findroot(fn, mpmath.mpf(sp.N(point[x], 40)), tol=mpmath.mpf(10) ** -100)
                if isinstance(r, mpmath.mpc) or (x == sigma and r <= 0):
                    continue
                d = mpmath.mpf(ZERO_BRACKET) * (1 + abs(r))
                ends = [fn(r - d), fn(r + d)]
                if any(isinstance(v, mpmath.mpc) for v in ends) or not ends[0] * ends[1] < 0:
                    continue
                root = sp.Float(r, 40)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError, NameError):
            continue
        rest = [g for g in eqs if g is not q]
        if not rest or any(not g.has(y) for g in rest):
            continue  # y free (a line of zeros), or a second equation in x alone, which need not vanish at r*
        try:
            done, sols = attempt(sp.solve, rest, [y], dict=True, budget=budget)
        except SYMPY_FAILED:
            continue
        for sol in sols if done else []:
            phi = sp.sympify(sol.get(y, y))
            if phi.free_symbols - {x}:
                continue
            at = complex(sp.N(phi.subs(x, root), 40))
            if abs(at.imag) > 1e-30 or (y == sigma and at.real <= 0) or \
                    abs(at.real - float(point[y])) > 1e-6 * (1 + abs(at.real)):
                continue
            other = phi if not phi.has(x) else sp.Float(at.real, 40)  # mu = 0: exact
            return {x: root, y: other} if x == mu else {mu: other, sigma: root}
    return None

def _separable_infimum(e: sp.Expr, budget) -> dict | None:
    """The exact infimum of a separable penalty A(mu) + B(sigma): inf A + inf B, each found in one variable (every
    critical point by solveset on the open domain, the limits at both ends), attained when both are; None when the
    penalty is not separable or a step is not decided (exp(sigma) - sigma + mu**2: 1, approached as sigma -> 0+)."""
    a, b = e.as_independent(sigma, as_Add=True)
    if b.has(mu) or not e.has(mu, sigma) or not is_smooth(e):  # atan(mu), -exp(-sigma**2): one part absent
        return None
    parts = []
    for f, x, domain, ends in ((a, mu, sp.Reals, ((-sp.oo, "+"), (sp.oo, "-"))),
                               (b, sigma, sp.Interval.open(0, sp.oo), ((0, "+"), (sp.oo, "-")))):
        part = _infimum_1d(f, x, domain, ends, budget) if f.has(x) else (f, True, f"{x} absent", x)
        if part is None:
            return None
        parts.append(part)
    value = sp.simplify(parts[0][0] + parts[1][0])
    if not (value.is_number and value.is_finite):
        return None
    attained = parts[0][1] and parts[1][1]
    how = (f"the penalty is A(mu) + B(sigma), so its infimum is inf A + inf B, each exact in one variable (A = {a}: "
           f"{parts[0][0]}, {parts[0][2]}; B = {b}: {parts[1][0]}, {parts[1][2]})")
    if attained:
        return {"value": value, "attained": True, "method": "exact", "where": f"minimum {value}: {how}",
                "point": {mu: parts[0][3], sigma: parts[1][3]}}
    approach = " and ".join(p[2].removeprefix("approached as ") for p in parts if not p[1])
    return {"value": value, "attained": False, "method": "exact",
            "where": f"no minimiser; {value} is approached as {approach}: {how}; the infimum, not attained"}


def far_minimum_1d(b: sp.Expr, budget=DEFAULT_BUDGET, inside: bool = False) -> dict | None:
    """The least point of b(sigma) (sigma alone) past float64's range, by mpmath in t = log sigma
    (:func:`vaemath.symbolic.far.part_minimum`): {"t", "sigma" (exp(t), unevaluated), "value" (b there, 60 digits
    rounded up: a value b takes, an upper bound on its infimum), "kind" ("minimum" or "falling"), "where"}; None
    when b's least scanned value lies inside float64's range (unless ``inside``), or b tends to a limit at that end
    from above."""
    b = sp.sympify(b)
    if b.free_symbols - {sigma} or not b.has(sigma) or not is_smooth(b):
        return None
    ends = {}
    for side, (x0, d) in ((-1, (0, "+")), (1, (sp.oo, "-"))):
        v = limit(b, sigma, x0, d, budget)
        ends[side] = v if v is not None and v.is_number and v.is_extended_real else None
        if ends[side] == -sp.oo:
            return None  # unbounded below: the descent's to name
    found = part_minimum(b, ends, inside=inside)
    if found is None:
        return None
    t, v = found["t"], sp.Float(mpmath.nstr(found["value"], 60), 60)
    at = sp.exp(t, evaluate=False)
    if found["kind"] == "minimum":
        where = (f"sigma = {at}, past float64's range, where its derivative in t = log sigma changes sign (found by "
                 "mpmath in t at 30 + 2|log10 sigma| digits)")
    else:
        where = (f"sigma = {at}: {b} still falls there, the farthest point followed by mpmath in t = log sigma "
                 f"(|t| <= {FAR_PART:g}): a lower value may lie further out")
    return {"t": t, "sigma": at, "value": v, "kind": found["kind"], "where": where}


def _far_in_param(e: sp.Expr, best, param: str):
    """A far minimiser found in std (sigma = exp(t) unevaluated, :func:`_far_separable`) in ``param``'s variables:
    s = t, l = 2t, v = exp(2t), and the Hessian in them by mpmath at :func:`vaemath.symbolic.far.digits` + 10 digits
    (review r8m B2: found in std, lost in logvar); None for any other minimiser (those are sought in ``param``)."""
    s_ = best.point.get(sigma) if isinstance(best, CriticalPoint) else None
    if not isinstance(s_, sp.exp) or not isinstance(s_.args[0], sp.Float):
        return None
    p, t = _param(param), s_.args[0]
    x = {"std": s_, "logstd": t, "logvar": 2 * t, "var": sp.exp(2 * t, evaluate=False)}[p.name]
    h = None
    try:
        fn = sp.lambdify((mu, p.symbol), hessian(e, p.name), "mpmath")
        with mpmath.workdps(far_digits(t) + 10):
            tt = mpmath.mpf(str(t))
            at = {"std": mpmath.exp(tt), "logstd": tt, "logvar": 2 * tt, "var": mpmath.exp(2 * tt)}[p.name]
            m = fn(mpmath.mpf(sp.N(best.point[mu], far_digits(t) + 10)), at)
            rows = m.tolist() if hasattr(m, "tolist") else m
            h = sp.Matrix([[sp.Float(mpmath.re(v), 15) if abs(mpmath.im(v)) <= abs(mpmath.re(v)) * 1e-20 else sp.nan
                            for v in row] for row in rows])
    except (ValueError, ArithmeticError, TypeError, NameError):
        h = None
    ok = h is not None and not any(_is_bad(c) for c in h)
    return CriticalPoint({mu: best.point[mu], p.symbol: x}, best.value, h if ok else None,
                         definiteness(h) if ok else "not decided", best.method)


def _far_separable(e: sp.Expr, budget) -> dict | None:
    """A numeric infimum (an upper bound, labelled "numeric") of a separable A(mu) + B(sigma) whose part B has its
    least value past float64's range (e^800: review r8l B4): inf A exact, attained at mu0, plus B at the point
    exp(t) found by :func:`far_minimum_1d`; the penalty's value at (mu0, exp(t)), rounded up. The minimiser is in
    ``set``, a CriticalPoint with sigma = exp(t) unevaluated."""
    a, b = e.as_independent(sigma, as_Add=True)
    if b.has(mu) or not a.has(mu) or not b.has(sigma) or not is_smooth(e):
        return None
    part = _infimum_1d(a, mu, sp.Reals, ((-sp.oo, "+"), (sp.oo, "-")), budget)
    if part is None or not part[1] or part[3] is None or not (part[0].is_number and part[0].is_finite):
        return None
    far = far_minimum_1d(b, budget)
    if far is None:
        return None
    value = upper_shown(sp.N(part[0], 60) + far["value"])
    point = {mu: part[3], sigma: far["sigma"]}
    with mpmath.workdps(30):
        h = _hessian_there(e, {mu: part[3], sigma: sp.Float(mpmath.exp(mpmath.mpf(str(far["t"]))), 30)}, budget)
    kind = definiteness(h) if h is not None and not any(_is_bad(c) for c in h) else "not decided"
    how = (f"the penalty is A(mu) + B(sigma): A = {a}: {part[0]}, {part[2]}; B = {b}: least at {far['where']}")
    where = (f"numeric minimiser {to_strings(point)} ({how}): an upper bound on the infimum" if far["kind"] ==
             "minimum" else f"numeric: the value at {to_strings(point)} ({how}): an upper bound on the infimum")
    method = ("numeric (B's least point in t = log sigma by mpmath, past float64's range)" if far["kind"] == "minimum"
              else "numeric (the farthest point followed in t = log sigma; B still falls there)")
    best = CriticalPoint(point, value, h, kind, method)
    return {"value": value, "attained": True if far["kind"] == "minimum" else None, "method": "numeric",
            "where": where, "set": best if far["kind"] == "minimum" else None}


def _termwise_bound(e: sp.Expr, budget, target=None) -> tuple | None:
    """(L, strict, how): a lower bound L on the penalty, the sum of exact infima of its parts: each term in one
    variable alone by :func:`infimum_1d` (the terms in mu alone, or in sigma alone, taken together instead when the
    sum of theirs is not ``target``), and 0 for each term in both that sympy proves >= 0; ``strict``: pen > L
    everywhere, since a part never attains its infimum (-tanh(sigma) > -1). None when a part is not decided.
    (mu-sigma)**4 - tanh(sigma) + 2*exp(-sigma) > -1 + 0 + 0 (review r8j B2)."""
    if not e.is_Add:
        return None
    const, rest = e.as_independent(mu, sigma, as_Add=True)
    groups = {mu: [], sigma: [], None: []}
    for t in sp.Add.make_args(rest):
        groups[mu if not t.has(sigma) else sigma if not t.has(mu) else None].append(t)
    mixed = []
    for t in groups[None]:
        if t.is_positive:
            mixed.append((sp.S.Zero, False, f"{t} > 0 (sympy)"))
        elif t.is_nonnegative:
            mixed.append((sp.S.Zero, None, f"{t} >= 0 (sympy)"))
        else:
            return None

    def inf(f, x):
        found = infimum_1d(f, x, budget)
        return None if found is None else (found["value"], found["attained"], f"{f} >= {found['value']} "
                                                                              f"({found['where']})")

    def total(parts):
        if any(p is None or not (p[0].is_number and p[0].is_finite) for p in parts):
            return None
        bound = const + sp.Add(*[v for v, _, _ in parts])
        return bound, any(a is False for _, a, _ in parts), "; ".join(w for _, _, w in parts)
    each = total([inf(t, x) for x in (mu, sigma) for t in groups[x]] + mixed)  # term by term: quick
    if each is not None and (target is None or _is_zero(each[0] - target, budget)):
        return each
    together = [inf(sp.Add(*groups[x]), x) for x in (mu, sigma) if len(groups[x]) > 1]
    singles = [inf(groups[x][0], x) for x in (mu, sigma) if len(groups[x]) == 1]
    return total(together + singles + mixed) or each


def _termwise_bound_inside(penalty, budget) -> tuple | None:
    """:func:`_termwise_bound` on the penalty's domain, an interval lo < sigma < hi (:func:`_sigma_range`): the terms
    in sigma alone together by their exact infimum there, those in mu alone by theirs, and 0 for each c(mu) h(sigma)
    with c >= 0 (sympy) and h > 0 on the whole interval (no zero or pole inside, positive at a point). For a text whose
    renyi term's log cancelled: ``renyi(2) + log(2 - sigma**2)/2`` = 2 mu^2/(4 - 2 sigma^2) - log(sigma) > -log(2)/2
    for sigma^2 < 2 (review r8m). An expression (``check``'s) gives its domain by :func:`with_domain`'s marks, dropped
    here. None when a part is not decided or the domain is the half-line."""
    pen = penalty if isinstance(penalty, sp.Expr) else as_penalty(penalty)
    region = _sigma_range(pen, budget)
    e = without_domain_marks(pen if isinstance(pen, sp.Expr) else pen.expr)
    if not isinstance(region, sp.Interval) or region == sp.Interval.open(0, sp.oo) or not e.is_Add:
        return None
    const, rest = e.as_independent(mu, sigma, as_Add=True)
    in_mu, in_sigma, parts = [], [], []
    try:
        for t in sp.Add.make_args(rest):
            if not t.has(sigma):
                in_mu.append(t)
            elif not t.has(mu):
                in_sigma.append(t)
            else:
                c, h = t.as_independent(sigma, as_Mul=True)
                if not (c.is_nonnegative and h.free_symbols == {sigma} and _keeps_sign(h, sigma, region)
                        and h.subs(sigma, _a_point(region)).is_positive):
                    return None
                parts.append((sp.S.Zero, None, f"{t} >= 0 for {region.start} < sigma < {region.end}"))
        if in_mu:
            found = infimum_1d(sp.Add(*in_mu), mu, budget)
            if found is None:
                return None
            parts.append((found["value"], found["attained"], f"{sp.Add(*in_mu)} >= {found['value']}"))
        if in_sigma:
            f = sp.Add(*in_sigma)
            found = _infimum_1d(_proportional_logs(f), sigma, region, ((region.start, "+"), (region.end, "-")),
                                budget)
            if found is None:
                return None
            parts.append((found[0], found[1], f"{f} >= {found[0]} for {region.start} < sigma < {region.end} "
                                              f"({found[2]})"))
    except SYMPY_FAILED:
        return None
    if any(not (v.is_number and v.is_finite) for v, _, _ in parts):
        return None
    return const + sp.Add(*[v for v, _, _ in parts]), any(a is False for _, a, _ in parts), "; ".join(
        w for _, _, w in parts)


def _product_infimum(e: sp.Expr, budget) -> dict | None:
    """The exact infimum of a product c A(mu) B(sigma): A and B are continuous on connected domains, so their ranges
    are intervals, from the exact infimum and supremum of each (:func:`infimum_1d`), and a product of two intervals
    is least at a corner (erf(mu)*erf(sigma) > -1 = (-1)(1), not attained: review r8i B4). None when a part is not
    decided, or a corner is 0 times an infinite end not attained."""
    if not is_smooth(e) or not e.has(mu) or not e.has(sigma):
        return None
    if e.has(sp.sinh, sp.cosh, sp.tanh):
        done, g = attempt(lambda: sp.simplify(hyperbolics_as_exp(e)), budget=budget)
        e = g if done else e
    c, rest = e.as_coeff_Mul()
    a, b = rest.as_independent(sigma, as_Add=False)
    if b.has(mu) or not a.has(mu) or not b.has(sigma) or not c.is_number or c == 0:
        return None
    ranges = []
    for f, x in ((c * a, mu), (b, sigma)):
        lo, hi = _range_end(f, x, 1, budget), _range_end(f, x, -1, budget)
        if lo is None or hi is None:
            return None
        ranges.append([(*lo, 1), (*hi, -1)])
    corners = []
    for (u, u_at, u_where, u_side), (v, v_at, v_where, v_side) in ((p, q) for p in ranges[0] for q in ranges[1]):
        if (u == 0 and v.is_infinite) or (v == 0 and u.is_infinite):
            # near the corner the product has the sign of the side the 0 is approached from times the infinite end's
            sign = u_side * sp.sign(v) if u == 0 else v_side * sp.sign(u)
            if sign < 0 and not ((u == 0 and u_at) or (v == 0 and v_at)):
                return None
            value = sp.S.Zero
        else:
            value = u * v
        corners.append((value, u_at and v_at or value == 0 and (u == 0 and u_at or v == 0 and v_at),
                        f"c A(mu) = {c * a} {u_where} and B(sigma) = {b} {v_where}"))
    if any(v is sp.nan or not v.is_extended_real for v, _, _ in corners):
        return None
    least = min(corners, key=lambda t: (float(t[0]) if t[0].is_finite else -math.inf if t[0] == -sp.oo else math.inf,
                                        not t[1]))
    value, attained, where = least
    tied = [t for t in corners if t[0] == value]
    attained = any(t[1] for t in tied)
    how = ("the penalty is c A(mu) B(sigma), so its infimum is the least product of the ends of the two ranges "
           f"(each exact in one variable): {where}")
    if value == -sp.oo:
        return None  # a path to -oo is the descent's to name
    if attained:
        return {"value": value, "attained": True, "method": "exact", "where": f"minimum {value}: {how}"}
    return {"value": value, "attained": False, "method": "exact",
            "where": f"no minimiser; {value} is approached: {how}; the infimum, not attained"}


def _range_end(f: sp.Expr, x: sp.Symbol, side: int, budget) -> tuple | None:
    """(inf f, attained, where) for side 1, (sup f, ...) for side -1, exact in one variable; an infinite end from the
    limit at an end of x's range (exp(-mu): sup oo as mu -> -oo); None when not decided."""
    found = infimum_1d(side * f, x, budget)
    if found is not None:
        return side * found["value"], found["attained"], found["where"]
    for x0, d in (((-sp.oo, "+"), (sp.oo, "-")) if x == mu else ((0, "+"), (sp.oo, "-"))):
        if backed_limit(f, x, x0, d, budget) == -side * sp.oo:
            return -side * sp.oo, False, f"as {x} -> {x0}{d if x0 == 0 else ''}"
    return None


def infimum_1d(f, x: sp.Symbol, budget=DEFAULT_BUDGET) -> dict | None:
    """The exact infimum of a smooth f of ``x`` alone (mu on the reals, sigma on (0, oo), or on f's domain when that
    is an interval with an edge: -log(sigma) + log(2 - sigma**2) + log(1/(2 - sigma**2)), :func:`with_domain`'s
    renyi(2) + log(2 - sigma**2)/2 at mu = 0, is -log(2)/2 approached as sigma -> sqrt(2)-) as {"value", "attained",
    "where", "method": "exact"}, from every critical point and the limits at both ends; None when not decided."""
    f = sp.sympify(f)
    if f.free_symbols - {x} or x not in (mu, sigma) or not is_smooth(f):
        return None
    domain, ends = ((sp.Reals, ((-sp.oo, "+"), (sp.oo, "-"))) if x == mu
                    else (sp.Interval.open(0, sp.oo), ((0, "+"), (sp.oo, "-"))))
    if x == sigma and domain_arguments(f):  # a domain with an edge: the infimum over it, the marks dropped
        region = _sigma_range(f, check_budget(budget))  # a union (sqrt((sigma - 1)**2): sigma != 1): as before
        if region != domain and isinstance(region, sp.Interval) and region.left_open and region.right_open:
            domain, ends = region, ((region.start, "+"), (region.end, "-"))
            f = _proportional_logs(without_domain_marks(f))
    found = _infimum_1d(f, x, domain, ends, check_budget(budget)) if f.has(x) else (f, True, f"{x} absent", x)
    if found is None:
        return None
    return {"value": found[0], "attained": found[1], "where": found[2], "method": "exact",
            "end": found[4] if len(found) > 4 else None}


def _infimum_1d(f: sp.Expr, x: sp.Symbol, domain, ends: tuple, budget) -> tuple | None:
    """(infimum, attained, where, at, end) of a smooth f of x alone on an open interval: the least of its values at
    every critical point (solveset, a finite set) and its limits at both ends, ``at`` the critical point where it is
    attained (else None), ``end`` the (x0, side) it is approached at (else None); None when not decided."""
    try:
        entire = f.replace(lambda a: isinstance(a, (sp.erf, sp.erfc, sp.atan, sp.tanh)),
                           lambda a: sp.exp(a.args[0]))  # continuous where their argument is, as exp: sympy has no rule
        done, cont = attempt(lambda: sp.calculus.util.continuous_domain(entire, x, domain), budget=budget)
    except SYMPY_FAILED:
        return None
    if not done:
        return None
    gaps = _isolated_gaps(domain, cont) if cont != domain else sp.S.EmptySet  # isolated points f is undefined at
    if not (isinstance(gaps, sp.FiniteSet) or gaps is sp.S.EmptySet) or len(gaps) > 5 or not all(
            g.is_real for g in gaps):
        return None
    try:  # solveset raises TypeError on undecidable set membership (log(sigma)/sigma**(1/100) + sigma**(1/3))
        done, crit = attempt(sp.solveset, sp.diff(f, x), x, cont, budget=budget)
    except SYMPY_FAILED:
        return None
    how = monotone = ""
    if (not done or isinstance(crit, sp.ConditionSet)) and x == sigma and gaps is sp.S.EmptySet:
        proved = _monotone(f, budget)  # sigma/(1 + sigma) - 1/log(log(3 + 1/sigma)) (review r8k C2): before solve
        if proved is not None:  # the infimum is the limit at the lower end: the other end's limit is not needed
            sign, monotone = proved
            done, crit, ends = True, sp.S.EmptySet, ends[:1] if sign > 0 else ends[1:]
    if (not done or isinstance(crit, sp.ConditionSet)) and x == sigma and gaps is sp.S.EmptySet:
        above = _above_ends(f, budget)  # tanh(sigma) - sigma/(1 + sigma): > 0, -> 0 at both ends (review r8l B5)
        if above is not None:
            return above
    if not done or isinstance(crit, sp.ConditionSet):  # sqrt(sigma) and log(sigma): Lambert W roots, by solve; and
        done, crit = True, _solved_roots(sp.diff(f, x), x, budget, tuple(gaps))  # when solveset ran past the budget
        how = " (sympy.solve; every sign change of the derivative on a grid of 4000 points is at one of them)"
    if not done or crit is None or not (crit is sp.S.EmptySet or isinstance(crit, sp.FiniteSet) and len(crit) <= 20):
        return None
    if crit is sp.S.EmptySet and gaps is sp.S.EmptySet and len(ends) == 2 and not monotone:
        sign = _one_sign(sp.diff(f, x), x, domain, budget)  # exp(exp(exp(exp(mu)))): mu -> oo is past every
        if sign is not None:  # evaluation, and not needed: increasing, the infimum is the limit as mu -> -oo
            ends = ends[:1] if sign > 0 else ends[1:]
            monotone = (f" ({'in' if sign > 0 else 'de'}creasing: its derivative, continuous, has no root and is "
                        f"{'positive' if sign > 0 else 'negative'} at one point)")
    found = []
    for c in crit:
        if c in gaps:  # a root where f is undefined: its value is the limit, taken below with the other gaps
            continue
        v = sp.simplify(f.subs(x, c))
        if _is_bad(v):  # 0/0 at a root the gaps did not list: not decided here (review r8l A3: nan is no infimum)
            return None
        found.append((v, True, f"at {x} = {c}{how}", c, None))
    for x0, side in ends:
        v = backed_limit(f, x, x0, side, budget)  # an exact infimum: sympy's limit alone is not enough
        if v is None or not v.is_number or v.is_finite is None or v == -sp.oo:
            return None
        if v.is_finite:
            found.append((v, False, f"as {x} -> {x0}{'' if x0 in (sp.oo, -sp.oo) else side}{monotone}", None,
                          (x0, side)))
    for r in gaps:  # exp(-1/(sigma - 1)**2) at sigma = 1 (review r8k B4)
        sides = [backed_limit(f, x, r, side, budget) for side in ("-", "+")]
        if any(v is None or not v.is_number or v.is_finite is None or v == -sp.oo for v in sides):
            return None
        if sides[0].is_finite and _is_zero(sides[0] - sides[1], budget):  # removable: the extension attains it
            found.append((sides[0], True, f"at {x} = {r}, a removable point (the limit from both sides, the value "
                                          "of the penalty's continuous extension there)", r, None))
        else:
            found += [(v, False, f"as {x} -> {r}{side}", None, (r, side)) for v, side in zip(sides, "-+")
                      if v.is_finite]
    if not found or any(not v.is_real for v, *_ in found):
        return None
    least = min(float(sp.N(v, 30)) for v, *_ in found)
    tied = [t for t in found if abs(float(sp.N(t[0], 30)) - least) <= 1e-25 * (1 + abs(least))]
    best = next((t for t in tied if t[1]), tied[0])  # attained where a critical point reaches it
    return best[0], best[1], ("attained " if best[1] else "approached ") + best[2], best[3], best[4]


def _isolated_gaps(domain: sp.Set, cont: sp.Set) -> sp.Set:
    """The points of the open interval ``domain`` where f is not continuous, given sympy's continuous domain ``cont``:
    a FiniteSet when they are isolated points. sympy may leave them as Complement(domain, Intersection({r}, domain))
    where it cannot decide r is inside: renyi(E/2)'s log pair has r = sqrt(2)*sqrt(-1/(1 - E/2))*exp(1/2)/2, the
    domain's own edge sqrt(E/(E - 2)), outside it; each r is then kept when it lies inside by 50 digits, more than
    1e-40 (relative) from both ends."""
    gaps = sp.Complement(domain, cont)
    if isinstance(gaps, sp.FiniteSet) or gaps is sp.S.EmptySet or not (
            isinstance(cont, sp.Complement) and cont.args[0] == domain):
        return gaps
    removed = cont.args[1]
    points = removed if isinstance(removed, sp.FiniteSet) else next(
        (a for a in getattr(removed, "args", ()) if isinstance(a, sp.FiniteSet)), None)
    if points is None or len(points) > 5 or not isinstance(domain, sp.Interval):
        return gaps
    kept = []
    for r in points:
        v = sp.N(r, 50)
        if not (v.is_real and v.is_finite):
            return gaps
        ends = [sp.N(b, 50) for b in (domain.start, domain.end) if b.is_finite]
        if any(abs(v - b) <= 1e-40 * (1 + abs(b)) for b in ends):
            continue
        if (domain.start.is_finite and not v > sp.N(domain.start, 50)) or (
                domain.end.is_finite and not v < sp.N(domain.end, 50)):
            continue
        kept.append(r)
    return sp.FiniteSet(*kept)


def without_domain_marks(e: sp.Expr) -> sp.Expr:
    """``e`` without :func:`with_domain`'s pairs log(g) + log(1/g) (0 inside the domain): the penalty's own
    expression, for steps that take its domain from elsewhere."""
    if not e.is_Add:
        return e
    terms = list(e.args)
    logs = {t.args[0]: t for t in terms if isinstance(t, sp.log)}
    drop = set()
    for g, t in logs.items():
        inverse = logs.get(1 / g)
        if inverse is not None and t not in drop and inverse is not t:
            drop |= {t, inverse}
    return sp.Add(*[t for t in terms if t not in drop]) if drop else e


def _proportional_logs(f: sp.Expr) -> sp.Expr:
    """``f`` with each pair c log(a) - c log(b) whose arguments are proportional (a/b a positive number k) written
    c log(k): equal where both are defined, and renyi(E/2)'s log(E - (E-2) sigma^2)/(E-2) - log(sigma^2 (1 - E/2) +
    E/2)/(E-2) is log(2)/(E-2), whose limits and critical points sympy finds in a fraction of the time."""
    terms = list(sp.Add.make_args(f))
    logs = [(i, *t.as_independent(sigma, as_Add=False)) for i, t in enumerate(terms)]
    logs = [(i, c, r) for i, c, r in logs if isinstance(r, sp.log) and r.args[0].has(sigma)]
    used = set()
    for i, c, r in logs:
        for j, c2, r2 in logs:
            if i >= j or {i, j} & used or not (c + c2 == 0 or sp.simplify(c + c2) == 0):
                continue
            k = sp.cancel(r.args[0] / r2.args[0])
            if k.is_number and k.is_positive:
                terms[i], terms[j] = c * sp.log(k), sp.S.Zero
                used |= {i, j}
    return sp.Add(*terms) if used else f


def _one_sign(d: sp.Expr, x: sp.Symbol, domain, budget) -> int | None:
    """The sign of a derivative with no root on the open interval ``domain``, where it is continuous (sympy's
    continuous_domain is the whole interval): its sign at one point (x = 0, or 1 for sigma), read at 30 digits; None
    where that is not decided."""
    try:
        done, cont = attempt(lambda: sp.calculus.util.continuous_domain(d, x, domain), budget=budget)
    except SYMPY_FAILED:
        return None
    if not done or cont != domain:
        return None
    at = sp.S.One if x == sigma else sp.S.Zero
    try:
        v = sp.N(d.subs(x, at), 30)
    except SYMPY_FAILED:
        return None
    if not (v.is_number and v.is_real and v.is_finite) or v == 0:
        return None
    return 1 if v > 0 else -1


MONOTONE_SECONDS = 4.0  # wall-clock limit of one proof by interval arithmetic that a derivative keeps its sign


def _monotone(f: sp.Expr, budget) -> tuple | None:
    """(+1 or -1, how) when f(sigma) is strictly increasing (decreasing) on sigma > 0: its derivative's sign proved by
    sympy, or by interval arithmetic on [e^-RANGE, e^RANGE] (:func:`keeps_sign`) with the same sign in the limit as
    sigma -> 0+ and oo (sympy); None otherwise."""
    d = sp.diff(f, sigma)

    def said(sign, how):
        return sign, f" ({'in' if sign > 0 else 'de'}creasing: its derivative is {'>' if sign > 0 else '<'} 0 {how})"
    sign = 1 if d.is_positive else -1 if d.is_negative else None
    if sign is not None:
        return said(sign, "on sigma > 0 (sympy)")
    sign = keeps_sign(d, sigma, seconds=MONOTONE_SECONDS)
    if sign is None:
        return None
    for x0, side in ((0, "+"), (sp.oo, "-")):
        end = limit(d, sigma, x0, side, budget)
        if end is None or not end.is_extended_real:
            return None
        if end == 0:
            end = limit(sp.sign(d), sigma, x0, side, budget)
        if end is None or sp.sign(end) != sign:
            return None
    return said(sign, f"for sigma in [e^-{RANGE:g}, e^{RANGE:g}] by interval arithmetic, and beyond by the sign of its "
                      "limits as sigma -> 0+ and oo")


ABOVE_SECONDS = 30.0  # wall-clock limit of a proof that a part stays above its end limits (4 s on an idle machine)


def _above_ends(f: sp.Expr, budget) -> tuple | None:
    """(L, False, where, None): f(sigma) > L on sigma > 0, L the lesser of its limits at 0+ and oo (both backed,
    finite), so its infimum is L, approached at that end and never attained; proved by interval arithmetic
    (:func:`vaemath.symbolic.interval.above_level`: f' > 0 up from 0+, f' < 0 down from oo, f - L > 0 between) on
    [e^-RANGE, e^RANGE], and beyond by the signs of the limits of f - L and f' at each end. None when not proved."""
    d = sp.diff(f, sigma)
    lims, signs = [], []
    for x0, side, toward in ((0, "+", 1), (sp.oo, "-", -1)):
        v, _, backed = checked_limit(f, sigma, x0, side, budget)
        if not (backed and v is not None and v.is_number and v.is_finite and v.is_real):
            return None
        slope = limit(sp.sign(d), sigma, x0, side, budget)
        lims.append(v)
        signs.append(toward if slope is not None and slope == toward else None)
    level = min(lims, key=lambda v: float(sp.N(v, 30)))
    for k, v in enumerate(lims):  # each end: f moves up away from it, or stays above the level (a larger limit)
        if signs[k] is None and not (v - level).is_positive:
            return None
    if not above_level(f, sigma, level, tuple(signs), seconds=ABOVE_SECONDS):
        return None
    end = "sigma -> 0+" if lims[0] == level else "sigma -> oo"
    moves = [w for w, k in (("increasing up from 0+", 0), ("decreasing down from oo", 1)) if signs[k] is not None]
    return level, False, (f"approached as {end} ({f} > {level} on sigma > 0: {', '.join(moves + [''])}above "
                          f"{level} between, by interval arithmetic for sigma in [e^-{RANGE:g}, e^{RANGE:g}], and "
                          "beyond by the signs of its limits)"), None


def _solved_roots(d: sp.Expr, x: sp.Symbol, budget, gaps: tuple = ()):
    """The real zeros of d(x) (sigma > 0 or mu real) that sympy.solve finds, directly or in y with sigma = y**2 (log
    sigma = 2 log y: 1 - (log(sigma) + 2)/sqrt(sigma) has the roots 4 W(-e^-1/2)^2 and 4 W_-1(-e^-1/2)^2), each a
    zero at 50 digits, as a FiniteSet; None unless every sign change of d on a grid of 4000 points (sigma from 1e-12 to
    1e12, mu from -1e12 to 1e12) lies between two grid points around one of them or around one of ``gaps`` (points
    where the function is undefined, whose value the caller takes as a limit: sinh(sigma - 1)/(sigma - 1) at 1, where
    solve finds no root, review r8l A3). A root where d itself is 0/0 is no zero at 50 digits: it is dropped, and
    counts only as one of ``gaps``."""
    y = sp.Symbol("y", positive=True)
    routes = [(d, x, lambda r: r)]
    if x == sigma:
        routes.append((sp.expand_log(d.subs(sigma, y**2), force=True), y, lambda r: r**2))
    for g, z, back in routes:
        try:
            done, sols = attempt(sp.solve, sp.numer(sp.together(g)), z, budget=budget)
        except SYMPY_FAILED:
            continue
        if not done or not sols:
            continue
        roots = []
        for r in [v for s_ in sols for v in _other_branches(back(s_))]:  # both real branches of a LambertW
            v = complex(sp.N(r, 50))
            if abs(v.imag) > 1e-30 or (x == sigma and v.real <= 0):
                continue
            at = sp.N(d.subs(x, r), 50)
            if not (at.is_number and at.is_finite) or abs(at) > 1e-40:  # nan (0/0) compares with nothing
                continue
            roots.append((v.real, r))
        if roots and _every_sign_change_at(d, x, [v for v, _ in roots] + [float(g) for g in gaps]):
            return sp.FiniteSet(*[r for _, r in roots])
    if gaps and _every_sign_change_at(d, x, [float(g) for g in gaps]):
        return sp.FiniteSet(*gaps)  # no root solve could find: every sign change is at a gap (limits taken there)
    return None


def _every_sign_change_at(d: sp.Expr, x: sp.Symbol, roots: list) -> bool:
    """Every sign change of d on the grid (see :func:`_solved_roots`) brackets one of ``roots``."""
    half = np.logspace(-12, 12, 2000)
    grid = half if x == sigma else np.concatenate([-half[::-1], half])
    with np.errstate(all="ignore"):
        vals = np.asarray(sp.lambdify(x, d, "numpy")(grid), dtype=float) * np.ones_like(grid)
    ok = np.isfinite(vals) & (vals != 0)
    g, v = grid[ok], np.sign(vals[ok])
    return all(any(g[i] <= r <= g[i + 1] for r in roots) for i in np.nonzero(v[1:] != v[:-1])[0])


def _least_evaluated(e: sp.Expr, value) -> dict | None:
    """The least value the numeric search or the grid found, when it is below ``value`` (None: nothing known),
    labelled an upper bound on the infimum; else None."""
    found = [(a, b, v, False) for a, b, v in _on_grid(e)] + [t for t in _numeric_search(e) if np.isfinite(t[2])]
    far = _far_least(e)
    if far is not None:  # far out, the value at 50 + scale_digits digits (30 lose sigma*log(1 + 1/sigma))
        exact = _value_at_floats(e, {mu: sp.Float(far[0]), sigma: sp.Float(far[1])})
        if exact.is_real and exact.is_finite:  # renyi(1e300) at a float past its edge 1 + 5e-301: complex
            found.append((far[0], far[1], float(exact), "far"))
    if not found:
        return None
    a, b, v, escaped = min(found, key=lambda t: t[2])
    v = _exact_value(e, a, b, v) if escaped != "far" else v  # the grid's values are float64's
    if value is not None and not (value.is_number and value.is_finite and v < float(value) - 1e-8 * (1 + abs(v))):
        return None
    drift = (" where the search drifted towards the boundary: the penalty may be unbounded below along a path not "
             "tried exactly" if escaped is True else f", the least point of the scan of log sigma in [-{FAR:g}, "
             f"{FAR:g}] (float64's range), at its edge: the penalty may fall further out" if escaped == "far" and
             abs(math.log(b)) > FAR - 1 else ", the least point of the scan of log sigma" if escaped == "far" else "")
    at = {mu: sp.Rational(a), sigma: sp.Rational(b)}  # the value at the point itself, 50 digits, rounded up: float64
    done, exact = attempt(lambda: e.subs(at).evalf(50) if escaped != "far" else _value_at_floats(e, at),
                          budget=2.0)  # read -1 + 3e-19 as -1 (review r8j B1)
    shown = upper_shown(exact) if done and exact.is_number and exact.is_real and exact.is_finite else sp.Float(v, 15)
    return {"value": shown, "attained": None, "method": "numeric",
            "where": f"numeric search: least value {shown} at (mu, sigma) = ({a:.10g}, {b:.10g}){drift}, an upper "
                     "bound on the infimum (no exact minimiser recognised there; the exact limits are not below it)"}


def _abs_argument(e: sp.Expr) -> sp.Expr | None:
    """g where e is abs(g), or g to an even power with g a function of both mu and sigma (mu**2 is left to the
    stationary points, which describe its line), under positive constant factors and positive powers
    (2*abs(g)**3, (3*g**2)**(1/3)); else None."""
    while True:
        coeff, e = e.as_independent(mu, sigma, as_Add=False)
        if not coeff.is_positive:
            return None
        if isinstance(e, sp.Abs):
            return e.args[0]
        if not (e.is_Pow and e.exp.is_positive):
            return None
        if e.exp.is_even and not isinstance(e.base, sp.Abs):  # g**2 of a g of both variables: a curve, not a line
            return e.base if e.base.has(mu) and e.base.has(sigma) else None
        e = e.base


def _zero_curve_of_abs(e: sp.Expr, budget=DEFAULT_BUDGET) -> MinimizerSet | None:
    """abs(g) or g**(2k) (times a positive constant, to a positive power, plus a constant c) is least, c, on the
    curve g = 0
    when g takes both signs (intermediate values) on the grid of test points or in its exact boundary limits
    (kl - 25 is below 0 at (0, 1) and tends to +oo as sigma -> 0+): a set of minimisers."""
    c, e = e.as_coeff_Add() if e.is_Add else (sp.S.Zero, e)
    g = _abs_argument(e)
    if g is None:
        return None
    signs = {sp.sign(g.subs({mu: m, sigma: s}).evalf(20)) for m in (-2, 0, 1, 3) for s in (sp.S(1) / 10, 1, 3)}
    if not {1, -1} <= signs:
        ends = [backed_limit(g.subs(y, y0), x, x0, side, budget) for x, y, y0 in ((sigma, mu, 0), (mu, sigma, 1))
                for x0, side in (((0, "+"), (sp.oo, "-")) if x is sigma else ((sp.oo, "-"), (-sp.oo, "+")))]
        signs |= {sp.sign(v) for v in ends if v is not None and v.is_extended_real}
    if not {1, -1} <= signs:
        return None
    return MinimizerSet(sp.Eq(g, 0), c, "the zero set of g in abs(g) or g**2 (g takes both signs)")


def derive(penalty, param: str = "std", order: int = 2, sigma_means: str = "std", budget=DEFAULT_BUDGET,
           prior=None) -> dict:
    """Everything ``vaemath derive`` prints about a penalty, as sympy objects.

    Parameters
    ----------
    penalty : Penalty, sympy.Expr or str
        Catalogue name, penalty text, expression in mu and sigma, or Penalty.
    budget : float or None
        Seconds allowed to each symbolic step (default 5); past it the step falls back to its numeric
        route and says so in ``minimizer_method`` and ``notes``.
    prior : tuple (mu_p, sigma_p), optional
        The prior N(mu_p, sigma_p^2) of catalogue entries and of ``mu_p``, ``sigma_p`` in text (default N(0, 1)).

    Returns
    -------
    dict
        ``penalty``, ``param``, ``sigma_means``, ``value``, ``gradient``, ``hessian``, ``minimizer``
        (point dict, a description of a set of minimisers, or None), ``minimizer_method``,
        ``hessian_at_minimizer`` (None at a kink; along a line of minimisers, in its free coordinate),
        ``infimum`` (-oo when unbounded below), ``infimum_method`` ("exact"; "upper bound" or "numeric": an upper
        bound on the infimum, see :func:`infimum`), ``limits``,
        ``taylor`` (at a point minimiser, to total degree ``order``; None otherwise) and ``notes``.
    """
    budget = check_budget(budget)
    pen = as_penalty(penalty, sigma_means, prior=prior)
    best = minimizer(pen, param, budget)
    inf = _infimum(pen, budget, best if _param(param).name == "std" else False)  # the minimiser is not sought twice
    if inf["value"] == -sp.oo or best is None or inf["attained"] is not True:  # a lower value: not a minimiser
        best = inf.get("set") if inf["value"] != -sp.oo else None
        if best is not None and _param(param).name != "std":  # a far minimiser is found in std: moved to param
            best = _far_in_param(pen.expr, best, param)
    notes = []
    point = best.point if isinstance(best, CriticalPoint) else None
    poly = None
    # a non-smooth penalty smooth near its minimiser (kl + abs(mu - 3)/2 at (1/2, 1)): the Taylor polynomial of the
    # branch active there
    smooth = pen if is_smooth(pen.expr) else active_branch(pen.expr, point) if point and param == "std" else None
    differentiable = not isinstance(best, CriticalPoint) or best.differentiable  # a cone's tip has no Taylor polynomial
    if point is not None and smooth is not None and differentiable and all(not v.has(sp.Float) for v in point.values()):
        done, poly = attempt(taylor, smooth, point, order, param, budget=budget)
        if not done:
            notes.append(f"taylor: not found within the budget of {budget} s")
        elif poly is not None and not poly.is_polynomial(*variables(param)):  # kl**(3/2): |x|^3 terms
            notes.append(f"taylor: none of degree {order} (the expansion at the minimiser is {poly}, not a polynomial)")
            poly = None
    if not is_smooth(pen.expr):
        notes.append("gradient and hessian are sympy's formal derivatives (sign, Heaviside, DiracDelta): they hold "
                     "away from the kinks of abs, max and min")
    if isinstance(best, CriticalPoint) and not best.differentiable:
        order = "not decided" if best.order is None else best.order
        notes.append(f"the penalty is not differentiable at the minimiser (a kink): no Hessian, local order {order} "
                     "(the slowest growth over directions)")
    elif isinstance(best, CriticalPoint) and best.order == sp.oo:
        notes.append("a minimum flatter than every power (order oo, as exp(-1/t**2)): the Hessian at the minimiser is "
                     "singular, and the penalty grows more slowly than any power of the distance along its flat "
                     "direction")
    elif isinstance(best, CriticalPoint) and isinstance(best.order, int) and best.order > 2:
        notes.append(f"a minimum of order {best.order}: the Hessian at the minimiser is singular, and along the "
                     f"flattest straight line through it the penalty grows as the distance to the power {best.order} "
                     "(along a curved valley it can grow more slowly still)")
    elif isinstance(best, CriticalPoint) and best.hessian is None:
        order = "not decided" if best.order is None else best.order
        notes.append(f"the penalty is differentiable but not twice at the minimiser: no Hessian, local order {order} "
                     "(the slowest growth over directions)")
    if isinstance(best, MinimizerSet) and best.points:
        h = best.at_points
        notes.append(f"hessian_at_minimizer: {'none: the penalty is not twice differentiable at ' if h is None else ''}"
                     f"{'each' if h is None or isinstance(h, sp.Matrix) else 'one per point, in order, at each'} of "
                     f"the {len(best.points)} minimisers" + (" (the same Hessian at each)" if isinstance(h, sp.Matrix)
                                                            else ""))
    if isinstance(best, CriticalPoint) and "budget" in best.method:
        notes.append(f"minimizer: {best.method}")
    if inf["value"] == -sp.oo:
        notes.append(f"the penalty is {inf['where']}: it has no minimum")
    elif inf["attained"] is False or inf["method"] != "exact":
        notes.append(f"infimum: {inf['where']}")
    lims, unbacked = _limits(pen, param, budget)
    if isinstance(best, MinimizerSet) and best.region is sp.true:  # proved constant: so is every limit
        lims, unbacked = dict.fromkeys(lims, best.value), []
    if unbacked:
        notes.append(f"limits: {', '.join(unbacked)} sympy's, which evaluations at high precision neither back nor "
                     "contradict (not verified)")
    if any(v is None for v in lims.values()):
        notes.append("limits: None where sympy could not take the limit within the budget, or where it depends "
                     "on the other variable by cases (sign, nan)")
    method = ((None if inf["method"] == "exact" or inf["value"] == -sp.oo else "none found, not decided "
               f"(the infimum is {_a(inf['method'])}{_why_undecided(pen, inf, budget)})") if best is None
              else best.method if inf["method"] == "exact" else
              f"{best.method}; not established as the global minimiser (the infimum is {_a(inf['method'])}: a lower "
              "value may exist elsewhere)")
    return {
        "penalty": pen.name,
        "param": _param(param).name,
        "sigma_means": sigma_means,
        "value": reparametrize(pen.expr, param),
        "gradient": gradient(pen, param),
        "hessian": hessian(pen, param),
        "minimizer": point if point is not None else (Described(best.description, best.latex) if best is not None
                                                      else None),
        "minimizer_method": None if method is None else in_param_words(method, param),
        "hessian_at_minimizer": hessian_of(best),
        "infimum": inf["value"],
        "infimum_method": inf["method"],
        "limits": lims,
        "taylor": poly,
        "notes": [in_param_words(n, param) for n in notes],
    }


_SIGMA_AT = re.compile(r"sigma(\s*->\s*|\s*=\s*|': ')")


def in_param_words(text: str, param: str) -> str:
    """A note written in sigma, its points and approaches in ``param``'s variable (review r8m D5): "sigma->0+" is
    "l->-oo" in logvar, "'sigma': 'exp(-800.0)'" is "'l': '-1600.0'"; a value that is not one sympy-readable token
    (no spaces) is left as written."""
    p = _param(param)
    if p.name == "std" or "sigma" not in text:
        return text
    out, i = [], 0
    for m in _SIGMA_AT.finditer(text):
        if m.start() < i or (m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")):
            continue
        j, depth = m.end(), 0
        while j < len(text) and (depth or text[j] not in " ,;:'"):
            if text[j] == ")" and not depth:
                break
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        token, rest = text[m.end():j], text[j:]
        arrow = "->" in m.group(1)
        side = token[-1] if arrow and token[-1:] in "+-" and len(token) > 1 else ""
        token = token[:len(token) - len(side)]
        if not token or re.match(r"\s+[-+*/]\s", rest):
            continue
        try:
            value = sp.sympify(token, locals={"oo": sp.oo, "E": sp.E}, evaluate=False)
            if value in (0, sp.oo):
                x = p.lower if value == 0 else p.upper
            elif isinstance(value, sp.exp):  # a far point exp(t): t, 2t, exp(2t) (never a float of 700 digits)
                t = value.args[0]
                x = {"logstd": t, "logvar": 2 * t, "var": sp.exp(2 * t, evaluate=False)}[p.name]
            else:
                x = sp.logcombine(sp.simplify(p.of_sigma.subs(sigma, value)), force=True)
        except (sp.SympifyError, TypeError, ValueError, AttributeError):
            continue
        if not x.is_number:
            continue
        side = "" if x.is_infinite else side
        out += [text[i:m.start()], f"{p.symbol}{m.group(1)}{x}{side}"]
        i = j
    return "".join(out) + text[i:]


def _a(method: str) -> str:
    """An infimum's label as a phrase: "an upper bound", "numeric"."""
    return f"an {method}" if method == "upper bound" else method


def _why_undecided(pen, inf: dict, budget) -> str:
    """Why no minimiser was found, for derive's ``minimizer_method``: a budget that ran out (then a larger one may find
    one), else only that the search found none (review r8j B2: "a larger budget may find one" where none exists)."""
    e = _expr(pen, "std")
    if "still falls there" in str(inf.get("where")):  # past float64's range no budget helps (review r8l B4)
        return "; the part in sigma still falls at the farthest point followed, past float64's range"
    if "may fall further out" in str(inf.get("where")):
        return "; the least value found is at the edge of float64's range, where the penalty may fall further out"
    if "past float64's range, where its derivative" in str(inf.get("where")):  # review r8m B2: not a budget's fault
        return "; the minimiser lies past float64's range: the infimum's note names it in sigma"
    if inf.get("late") or any(x in _SOLVE_LATE for x in (e, without_idle_kinks(e, budget))):
        return "; a symbolic step ran past the budget: a larger budget may find one"
    return "; the numeric search found no minimiser, which does not prove there is none"


def to_strings(obj):
    """Sympy objects inside dicts and lists as strings that ``sympy.sympify`` reads back."""
    if isinstance(obj, dict):
        return {str(k): to_strings(v) for k, v in obj.items()}
    if isinstance(obj, sp.MatrixBase):
        return [[str(c) for c in row] for row in obj.tolist()] if obj.cols > 1 else [str(c) for c in obj]
    if isinstance(obj, (list, tuple)):
        return [to_strings(v) for v in obj]
    if isinstance(obj, sp.Basic):
        return str(obj)
    return obj


def to_latex(obj):
    """Sympy objects inside dicts and lists as LaTeX strings (a set of minimisers, :class:`Described`, too)."""
    if isinstance(obj, Described):
        return obj.latex
    if isinstance(obj, dict) and obj and all(isinstance(k, sp.Symbol) for k in obj):  # a point: (mu, sigma) = (0, 1)
        return (rf"\left({', '.join(map(sp.latex, obj))}\right) = "
                rf"\left({', '.join(sp.latex(sp.sympify(v)) for v in obj.values())}\right)")
    if isinstance(obj, dict):
        return {str(k): to_latex(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_latex(v) for v in obj]
    if isinstance(obj, (sp.Basic, sp.MatrixBase)):
        return sp.latex(obj)
    return obj
