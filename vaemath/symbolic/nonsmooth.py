"""Penalties built with abs, max and min: the smooth branch active at a point, and one-sided derivatives.

A penalty is non-smooth where an ``Abs`` argument vanishes or the arguments of a ``Max``/``Min`` tie. Away
from such points it equals one smooth branch (:func:`active_branch`), to which ordinary calculus applies. At
a kink the one-sided directional derivative D(d) = lim_{t->0+} (f(p + t d) - f(p)) / t exists and is
computed exactly by the chain rule with D|u| = |Du| where u(p) = 0 and D max(a, b) = max(Da, Db) where
a(p) = b(p) (Clarke 1983, Optimization and Nonsmooth Analysis, Sec. 2.3): p is a strict local minimiser of
first order when D(d) > 0 for every direction d.
"""

from __future__ import annotations

import math
from functools import cache

import sympy as sp

from vaemath.symbolic.budget import SYMPY_FAILED
from vaemath.symbolic.symbols import mu, sigma

KINKS = (sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.sign, sp.Heaviside)
d_mu, d_sigma = sp.symbols("d_mu d_sigma", real=True)  # a direction (d_mu, d_sigma)


def is_smooth(e: sp.Expr) -> bool:
    """False when the expression contains abs, max, min or another kink."""
    return not e.has(*KINKS)


def _zero(value: sp.Expr) -> bool:
    if value.is_number and value.has(sp.Float):  # at a point known to 50 digits (two kinks crossing): 0 to 1e-40
        return abs(complex(value)) < 1e-40
    if value == 0 or sp.simplify(value) == 0:
        return True
    # 2 - W(e^2) - log(W(e^2)) is 0, which simplify does not see: an exact number below 1e-60 at 80 digits
    return bool(value.is_number and abs(complex(value.evalf(80))) < 1e-60)


def _active(args, values, pick):
    best = pick(values, key=lambda v: float(v))
    return [a for a, v in zip(args, values) if _zero(v - best)]


def active_branch(e: sp.Expr, point: dict) -> sp.Expr | None:
    """The smooth expression equal to ``e`` near ``point``; None when ``point`` is on a kink."""
    if is_smooth(e):
        return e
    if isinstance(e, sp.Abs):
        u = e.args[0]
        u0 = u.subs(point)
        if _zero(u0):
            return None
        inner = active_branch(u, point)
        return None if inner is None else (inner if u0 > 0 else -inner)
    if isinstance(e, (sp.Max, sp.Min)):
        values = [a.subs(point) for a in e.args]
        active = _active(e.args, values, max if isinstance(e, sp.Max) else min)
        return active_branch(active[0], point) if len(active) == 1 else None
    if not isinstance(e, (sp.Add, sp.Mul, sp.Pow, sp.Function)):
        return None
    args = [active_branch(a, point) for a in e.args]
    return None if any(a is None for a in args) else e.func(*args)


def directional(e: sp.Expr, point: dict) -> sp.Expr | None:
    """One-sided directional derivative D(d_mu, d_sigma) of ``e`` at ``point``, exact; None if infinite."""
    if not e.has(mu, sigma):
        return sp.S.Zero
    if is_smooth(e):
        grad = [sp.diff(e, x).subs(point) for x in (mu, sigma)]
        if any(g.has(sp.oo, -sp.oo, sp.zoo, sp.nan) for g in grad):
            return None
        return grad[0] * d_mu + grad[1] * d_sigma
    if isinstance(e, sp.Abs):
        u = e.args[0]
        du, u0 = directional(u, point), u.subs(point)
        if du is None:
            return None
        return sp.Abs(du) if _zero(u0) else sp.sign(u0) * du
    if isinstance(e, (sp.Max, sp.Min)):
        values = [a.subs(point) for a in e.args]
        active = _active(e.args, values, max if isinstance(e, sp.Max) else min)
        parts = [directional(a, point) for a in active]
        return None if any(p is None for p in parts) else e.func(*parts)
    return _chain(e, point)


def _chain(e: sp.Expr, point: dict) -> sp.Expr | None:
    """Chain rule through a smooth head (sum, product, power, function) with non-smooth arguments."""
    parts = [directional(a, point) for a in e.args]
    if any(p is None for p in parts):
        return None
    dummies = [sp.Dummy() for _ in e.args]
    head = e.func(*dummies)
    at = {x: a.subs(point) for x, a in zip(dummies, e.args)}
    total = sp.S.Zero
    for x, part in zip(dummies, parts):
        if part == 0:
            continue
        slope = sp.diff(head, x).subs(at)
        if slope.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            return None
        total += slope * part
    return total


@cache
def check_directions(n: int = 16) -> tuple:
    """Fixed directions with rational components near (cos, sin) of n equally spaced angles."""
    out = []
    for k in range(n):
        angle = 2 * math.pi * k / n
        out.append((sp.Rational(str(round(math.cos(angle), 6))), sp.Rational(str(round(math.sin(angle), 6)))))
    return tuple(out)


def kink_directions(dd: sp.Expr) -> list:
    """Directions where a piece of the piecewise-linear D switches: zeros of its Abs arguments and of Max/Min ties."""
    forms = [a.args[0] for a in dd.atoms(sp.Abs)]
    for m in dd.atoms(sp.Max, sp.Min):
        forms += [a - b for i, a in enumerate(m.args) for b in m.args[i + 1:]]
    rays = []
    for form in forms:
        poly = sp.Poly(form, d_mu, d_sigma) if form.is_polynomial(d_mu, d_sigma) else None
        if poly is None or poly.total_degree() != 1:
            continue
        a, b = poly.coeff_monomial(d_mu), poly.coeff_monomial(d_sigma)
        rays += [(-b, a), (b, -a)]
    return rays


def first_order(dd: sp.Expr) -> str:
    """'positive' if D(d) > 0 in every direction, 'zero' if it vanishes in some and is >= 0, else 'negative'.

    D is positively homogeneous and linear between the directions where one of its pieces switches, so
    checking the switching directions together with 16 fixed ones (cones narrower than pi) decides it.
    """
    values = [_sign(dd.subs({d_mu: a, d_sigma: b})) for a, b in kink_directions(dd) + list(check_directions())]
    if -1 in values:
        return "negative"
    return "positive" if all(v == 1 for v in values) else "zero"


def _sign(value: sp.Expr) -> int:
    """The sign of an exact number: by sympy's assumptions, else at 30 digits (0 below 1e-25)."""
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    if value.is_zero:
        return 0
    x = sp.N(value, 30)
    return 0 if abs(x) < 1e-25 else (1 if x > 0 else -1)


def zeros_on(g: sp.Expr, x: sp.Symbol, span: sp.Interval) -> sp.Set:
    """The zeros of g on the open interval ``span`` (sympy.solveset). Where solveset leaves some implicit (a
    ConditionSet, alone or in a union with the zeros of g's other factors), each is decided by
    :func:`_monotone_zeros` where it can be. Where solveset raises and x > 0 on the span, x's fractional powers are
    cleared by x = y**k, k the lcm of their denominators (y > 0): r**(1/4) - r**(3/4) is y - y**3, whose zeros are
    all found (solveset raised on the radicals: max(kl, kl**3) against kl**4). Raises what sympy raises."""
    try:
        zeros = sp.solveset(g, x, span)
    except SYMPY_FAILED:
        if not sp.sympify(span.start).is_extended_nonnegative:
            raise
        return _zeros_of_powers(g, x, span)
    parts = zeros.args if isinstance(zeros, sp.Union) else (zeros,)
    if not any(isinstance(z, sp.ConditionSet) for z in parts):
        return zeros
    return sp.Union(*(_monotone_zeros(z) if isinstance(z, sp.ConditionSet) else z for z in parts))


def _monotone_zeros(zeros: sp.ConditionSet) -> sp.Set:
    """The set {x in (a, b): g(x) = 0} that solveset left implicit, where g is strictly monotone there (g' has no zero,
    by solveset): one zero if g's one-sided limits at a and b have opposite signs (then sympy's solve gives it,
    r + log(r): W(1)), else none (e**r*(1 - r) - 1 on (0, oo): 0 at 0+, -oo at oo); ``zeros`` itself otherwise."""
    x, span, cond = zeros.sym, zeros.base_set, zeros.condition
    if not (isinstance(cond, sp.Eq) and isinstance(span, sp.Interval)):
        return zeros
    g = cond.lhs - cond.rhs
    if sp.solveset(sp.diff(g, x), x, span) != sp.S.EmptySet:
        return zeros
    ends = [sp.limit(g, x, span.start, "+"), sp.limit(g, x, span.end, "-")]
    if not all(e.is_extended_real for e in ends):
        return zeros
    if _sign(ends[0]) * _sign(ends[1]) >= 0:  # a strictly monotone g that does not cross 0 inside
        return sp.S.EmptySet
    try:
        found = [z for z in sp.solve(g, x) if z.is_real and span.contains(z) is sp.true]
    except SYMPY_FAILED:  # one zero, not in closed form (x + atan(x) = 1/10): left implicit
        found = []
    return sp.FiniteSet(*found) if len(found) == 1 else zeros


def _zeros_of_powers(g: sp.Expr, x: sp.Symbol, span: sp.Interval) -> sp.Set:
    """:func:`zeros_on` where solveset raised: x's fractional powers cleared (x > 0 on the span)."""
    dens = {p.exp.q for p in g.atoms(sp.Pow) if p.base == x and p.exp.is_Rational}
    k = math.lcm(*dens) if dens else 1
    if k == 1:
        raise ValueError("no fractional power of x to clear")
    y = sp.Dummy("y", positive=True)
    ends = [sp.S.Zero if e == 0 else sp.oo if e == sp.oo else e ** sp.Rational(1, k) for e in (span.start, span.end)]
    zeros = sp.solveset(sp.powsimp(g.subs(x, y**k), force=True), y, sp.Interval.open(*ends))
    return sp.FiniteSet(*[z**k for z in zeros]) if isinstance(zeros, sp.FiniteSet) else zeros


def pieces(f: sp.Expr, x: sp.Symbol, lower, upper) -> list | None:
    """f of one variable x, with abs, max, min, split at its kinks on the open interval (lower, upper).

    The kinks are the points where an abs argument vanishes or two max/min arguments tie, all found by
    ``sympy.solveset``; between two of them f is one smooth branch (:func:`active_branch` at the midpoint).

    Returns
    -------
    list of (a, b, branch) or None
        The pieces in order, or None when sympy does not find every kink (not a finite set) or a midpoint lies on
        a kink.
    """
    span = sp.Interval.open(lower, upper)
    cuts = set()
    try:
        for kink in f.atoms(sp.Abs, sp.Max, sp.Min):
            args = kink.args
            ties = [args[0]] if isinstance(kink, sp.Abs) else [a - b for i, a in enumerate(args) for b in args[i + 1:]]
            for tie in ties:
                zeros = zeros_on(tie, x, span)
                if zeros != sp.S.EmptySet and not isinstance(zeros, sp.FiniteSet):
                    return None
                cuts |= set(zeros) if zeros != sp.S.EmptySet else set()
    except SYMPY_FAILED:
        return None
    ends = [lower] + sorted(cuts, key=lambda z: float(z)) + [upper]
    out = []
    for a, b in zip(ends, ends[1:]):
        mid = (a + 1 if b == sp.oo else (a + b) / 2) if a.is_finite else (0 if b == sp.oo else b - 1)
        branch = active_branch(f, {x: mid})
        if branch is None:
            return None
        out.append((a, b, branch))
    return out
