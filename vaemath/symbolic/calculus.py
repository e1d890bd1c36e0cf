"""Calculus on penalties in any parametrisation: gradient, Hessian, critical points, Taylor, limits.

Every function takes a penalty (Penalty, sympy expression in mu and sigma, or penalty text) and a
parametrisation name; results are sympy objects, printable with ``sympy.latex``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import factorial

import mpmath
import sympy as sp

from vaemath.symbolic.parser import penalty
from vaemath.symbolic.symbols import mu, reparametrize, sigma
from vaemath.symbolic.symbols import param as _param

# Starting points (mu, sigma) for the numeric search of critical points, in the std parametrisation.
_STARTS = ((0.3, 0.7), (-0.4, 1.5), (1.0, 0.5), (0.1, 2.5), (2.0, 2.0), (-1.5, 0.3))


def variables(param_name: str = "std") -> tuple:
    """The variables (mu, scale symbol) of the parametrisation ``param_name``."""
    return (mu, _param(param_name).symbol)


def _expr(f, param_name: str) -> sp.Expr:
    expr = f if isinstance(f, sp.Expr) else penalty(f).expr
    return reparametrize(expr, param_name)


def gradient(f, param: str = "std") -> sp.Matrix:
    """Gradient (d/dmu, d/dscale) of a penalty in the parametrisation ``param``.

    Examples
    --------
    >>> gradient("kl").T
    Matrix([[mu, sigma - 1/sigma]])
    """
    e = _expr(f, param)
    return sp.Matrix([sp.diff(e, x) for x in variables(param)])


def hessian(f, param: str = "std") -> sp.Matrix:
    """Hessian matrix of a penalty in the parametrisation ``param``, rows and columns (mu, scale)."""
    return sp.hessian(_expr(f, param), variables(param))


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


def taylor(f, point: dict | None = None, order: int = 2, param: str = "std") -> sp.Expr:
    """Taylor polynomial of a penalty at ``point`` to total degree ``order``.

    Parameters
    ----------
    f : Penalty, sympy.Expr or str
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
    e, xs = _expr(f, param), variables(param)
    point = _point(f, point, param)
    poly = _derivative_terms(e, xs, point, order)
    if poly is not None:
        return poly
    if _param(param).name == "std":
        return _directional(e, xs, point, order)
    return _compose_from_std(e, point, order, _param(param))


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


def _point(f, point, param_name: str) -> dict:
    if point is None:
        best = minimizer(f, param_name)
        if best is None:
            raise ValueError("point: the penalty has no interior minimiser; give the expansion point")
        point = best.point
    xs = variables(param_name)
    missing = [x for x in xs if x not in point]
    if missing:
        raise ValueError(f"point: expected values for {xs}, missing {missing}")
    return {x: sp.nsimplify(point[x]) for x in xs}


def hessian_at(f, point: dict, param: str = "std") -> sp.Matrix:
    """Hessian at ``point``, through a series along rays where the printed form is singular there."""
    xs = variables(param)
    quad = sp.expand(taylor(f, point, 2, param))
    d = [sp.Dummy(), sp.Dummy()]
    quad = sp.expand(quad.subs({x: point[x] + di for x, di in zip(xs, d)}, simultaneous=True))
    h = [[quad.coeff(d[i], 2) * 2 if i == j else quad.coeff(d[i], 1).coeff(d[j], 1) for j in range(2)]
         for i in range(2)]
    return sp.Matrix(h).applyfunc(sp.nsimplify)


def definiteness(h: sp.Matrix) -> str:
    """'positive definite', 'positive semidefinite', 'negative definite', 'negative semidefinite',
    'indefinite' or 'unknown' for a symmetric matrix."""
    checks = (("positive definite", h.is_positive_definite), ("negative definite", h.is_negative_definite),
              ("positive semidefinite", h.is_positive_semidefinite),
              ("negative semidefinite", h.is_negative_semidefinite), ("indefinite", h.is_indefinite))
    for name, flag in checks:
        if flag:
            return name
    return "unknown"


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point: location, value, Hessian there and its definiteness, and how it was found."""

    point: dict
    value: sp.Expr
    hessian: sp.Matrix
    definiteness: str
    method: str  # "symbolic" (sympy.solve) or "numeric, exact" (mpmath root recognised by nsimplify)

    def to_dict(self) -> dict:
        """Plain data; expressions as strings that sympy reads back."""
        return {"point": {str(k): str(v) for k, v in self.point.items()}, "value": str(self.value),
                "hessian": [[str(c) for c in row] for row in self.hessian.tolist()],
                "definiteness": self.definiteness, "method": self.method}


def _elementary(e: sp.Expr) -> bool:
    return all(isinstance(fn, (sp.exp, sp.log)) for fn in e.atoms(sp.Function))


def _in_domain(sol: dict, p) -> bool:
    for x, val in sol.items():
        if val.is_real is False or (x is p.symbol and p.lower == 0 and val.is_positive is False):
            return False
    return True


def _solve_symbolic(grad: list, xs: tuple, p) -> list | None:
    try:
        sols = sp.solve(grad, xs, dict=True)
    except (NotImplementedError, ValueError):
        return None
    return [{x: sol.get(x, x) for x in xs} for sol in sols if _in_domain(sol, p)]


def _recognise(r) -> sp.Expr:
    """An exact number close to the root ``r``; only kept if the gradient then vanishes exactly."""
    return sp.S.Zero if abs(r) < 1e-8 else sp.nsimplify(float(r), [sp.pi, sp.E], tolerance=1e-8)


def _stationary(e: sp.Expr, xs: tuple, point: dict) -> bool:
    try:
        linear = _local(e, xs, point, 1)
    except NotImplementedError:
        return False
    return all(sp.simplify(sp.diff(linear, x)) == 0 for x in xs)


def _bounded(fn, a, b):
    """fn(a, b), refusing iterates beyond 1e8: diverging Newton steps make mpmath numbers huge and slow."""
    if abs(a) > 1e8 or abs(b) > 1e8:
        raise ValueError("findroot diverged")
    return fn(a, b)


def _solve_numeric(e: sp.Expr, grad: list, xs: tuple, p) -> list:
    """Roots of the gradient by mpmath.findroot from fixed starts, recognised as exact numbers."""
    fn = sp.lambdify(xs, grad, "mpmath")
    found = []
    with mpmath.workdps(40):
        for m0, s0 in _STARTS:
            start = (m0, float(p.of_sigma.subs(sigma, s0)))
            try:
                root = mpmath.findroot(lambda a, b: _bounded(fn, a, b), start, tol=1e-30, maxsteps=200)
            except (ValueError, ZeroDivisionError, TypeError):
                continue
            exact = {x: _recognise(r) for x, r in zip(xs, root)}
            seen = any(all(abs(exact[x] - q[x]) < 1e-9 for x in xs) for q in found)
            if not seen and _in_domain(exact, p) and _stationary(e, xs, exact):
                found.append(exact)
    return found


def critical_points(f, param: str = "std") -> list:
    """Stationary points of a penalty, each with its value, Hessian and definiteness.

    Solved in the std parametrisation with ``sympy.solve`` when the expression is built from powers, exp
    and log; otherwise roots of the gradient are found with mpmath from fixed starts and kept only when a
    recognised exact point makes the gradient vanish identically (checked by a series, so 0/0 forms are
    handled). Other parametrisations map the points; the Hessian there is J^T H J, exact because the
    gradient vanishes.
    """
    return list(_critical_points(_expr(f, "std"), _param(param).name))


@lru_cache(maxsize=256)
def _critical_points(e: sp.Expr, param_name: str) -> tuple:
    found = _critical_points_std(e)
    if param_name == "std":
        return found
    p = _param(param_name)
    x = p.symbol
    out = []
    for c in found:
        x0 = x if c.point[sigma] is sigma else sp.simplify(p.of_sigma.subs(sigma, c.point[sigma]))
        jac = sp.diag(1, sp.diff(p.sigma_of, x).subs(x, x0))
        h = (jac.T * c.hessian.subs(sigma, p.sigma_of.subs(x, x0)) * jac).applyfunc(sp.simplify)
        out.append(CriticalPoint({mu: c.point[mu], x: x0}, c.value, h, definiteness(h), c.method))
    return tuple(out)


@lru_cache(maxsize=256)
def _critical_points_std(e: sp.Expr) -> tuple:
    p, xs = _param("std"), (mu, sigma)
    grad = [sp.diff(e, x) for x in xs]
    sols = _solve_symbolic(grad, xs, p) if _elementary(e) else None
    method = "symbolic"
    if not sols:
        sols, method = _solve_numeric(e, grad, xs, p), "numeric, exact"
    out = []
    for sol in sols:
        free = sol[mu] is mu or sol[sigma] is sigma
        h = hessian(e).subs(sol) if free else hessian_at(e, sol)
        h = h.applyfunc(sp.simplify)
        out.append(CriticalPoint(sol, sp.simplify(e.subs(sol)), h, definiteness(h), method))
    return tuple(out)


def minimizer(f, param: str = "std") -> CriticalPoint | None:
    """The interior local minimum with the smallest value, or None when there is none."""
    minima = [c for c in critical_points(f, param) if c.definiteness.startswith("positive")]
    return min(minima, key=lambda c: float(c.value) if c.value.is_number else 0.0, default=None)


def limits(f, param: str = "std") -> dict:
    """Limits at the boundary of the parameter space: scale -> its lower and upper ends, mu -> +-oo.

    Returns
    -------
    dict
        Keys like ``"sigma->0+"``, ``"sigma->oo"``, ``"mu->oo"``, ``"mu->-oo"`` (the scale symbol and
        its ends depend on ``param``), values sympy expressions in the other variable.
    """
    p = _param(param)
    e, x = _expr(f, p.name), p.symbol
    lower = "0+" if p.lower == 0 else "-oo"
    out = {
        f"{x}->{lower}": sp.limit(e, x, p.lower, "+") if p.lower == 0 else sp.limit(e, x, -sp.oo),
        f"{x}->oo": sp.limit(e, x, sp.oo),
        "mu->oo": sp.limit(e, mu, sp.oo),
        "mu->-oo": sp.limit(e, mu, -sp.oo),
    }
    return {k: sp.simplify(v) for k, v in out.items()}


def derive(f, param: str = "std", order: int = 2, sigma_means: str = "std") -> dict:
    """Everything ``vaemath derive`` prints about a penalty, as sympy objects.

    Returns
    -------
    dict
        ``penalty``, ``param``, ``sigma_means``, ``value``, ``gradient``, ``hessian``, ``minimizer``
        (point dict or None), ``hessian_at_minimizer``, ``limits`` and ``taylor`` (at the minimiser,
        to total degree ``order``; None without an interior minimiser).
    """
    pen = penalty(f, sigma_means)
    best = minimizer(pen, param)
    return {
        "penalty": pen.name,
        "param": _param(param).name,
        "sigma_means": sigma_means,
        "value": _expr(pen, param),
        "gradient": gradient(pen, param),
        "hessian": hessian(pen, param),
        "minimizer": best.point if best else None,
        "hessian_at_minimizer": best.hessian if best else None,
        "limits": limits(pen, param),
        "taylor": taylor(pen, best.point, order, param) if best else None,
    }


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
    """Sympy objects inside dicts and lists as LaTeX strings."""
    if isinstance(obj, dict):
        return {str(k): to_latex(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_latex(v) for v in obj]
    if isinstance(obj, (sp.Basic, sp.MatrixBase)):
        return sp.latex(obj)
    return obj
