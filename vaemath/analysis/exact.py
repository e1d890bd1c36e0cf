"""Exact decisions about expressions in (mu, sigma): is it identically zero, and its value at a point.

Zero is proved by simplification; non-zero is proved by one evaluation at 50 digits at a fixed
rational point (a value far above the working precision is a certificate). Nothing here samples at
random: the probe points are fixed, so every decision is reproducible.
"""

from __future__ import annotations

import functools

import mpmath
import sympy as sp

from vaemath.symbolic import mu, sigma

DPS = 50
ZERO_TOL = mpmath.mpf(10) ** -30  # far above 50-digit round-off, far below any honest non-zero value

# Fixed rational probe points (mu, sigma), spread over the half-plane.
PROBES = tuple(
    (sp.Rational(m), sp.Rational(s))
    for m, s in (("1/3", "1/2"), ("-7/5", "3/2"), ("2", "1/5"), ("1/7", "11/4"), ("-1/2", "9/10"), ("5/2", "7/3"))
)


def value_at(expr: sp.Expr, point, strict: bool = False) -> mpmath.mpf | None:
    """Value of ``expr`` at the exact point (mu, sigma) to 50 digits; None where it is not a finite real, or, when
    ``strict``, where evalf cannot reach 50 digits within 3000 bits: renyi(1e-400), about 1e-400, cancels to noise at
    50 digits (0 and 3.6e-161 at two points: a false witness, review r8m A3)."""
    with mpmath.workdps(DPS + 10):
        try:
            val = sp.N(expr.subs({mu: point[0], sigma: point[1]}), DPS, **(dict(strict=True, maxn=3000) if strict
                                                                             else {}))
        except (TypeError, ValueError, ZeroDivisionError, sp.core.evalf.PrecisionExhausted):
            return None
        if not val.is_number or val.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or abs(sp.im(val)) > ZERO_TOL:
            return None
        return mpmath.mpf(sp.re(val))


def _with_abs(e: sp.Expr) -> sp.Expr:
    """max(a, b) = (a + b + |a - b|)/2, min(a, b) = (a + b - |a - b|)/2: kinks in one form, where sympy cancels
    max(mu, 0) + min(mu, 0) - mu and max(mu, -mu) - abs(mu)."""
    def fold(sign):
        def rule(*args):
            out = args[0]
            for b in args[1:]:
                out = (out + b + sign * sp.Abs(out - b)) / 2
            return out
        return rule
    return e.replace(sp.Max, fold(1)).replace(sp.Min, fold(-1))


def _simplified_zero(expr: sp.Expr) -> bool:
    for step in (sp.simplify, lambda e: sp.simplify(sp.expand_log(sp.powsimp(e, force=True), force=True)),
                 lambda e: sp.simplify(sp.radsimp(sp.together(e))), lambda e: sp.simplify(_with_abs(e))):
        try:
            if step(expr) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError):
            continue
    return False


@functools.lru_cache(maxsize=1024)  # the equivalence checks ask it again of the same differences
def vanishes(expr: sp.Expr) -> bool | None:
    """Whether ``expr`` is identically zero on mu real, sigma > 0.

    Returns
    -------
    bool or None
        False when a fixed probe point gives a value beyond 1e-30 (proved non-zero); True when sympy
        simplifies it to 0 (proved zero); None when it is zero to 50 digits at every probe but no
        simplification proves it.
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    for point in PROBES:
        val = value_at(expr, point)
        if val is not None and abs(val) > ZERO_TOL:
            return False
    return True if _simplified_zero(expr) else None


def is_constant(expr: sp.Expr) -> bool | None:
    """Whether ``expr`` does not depend on mu or sigma (both partial derivatives vanish identically)."""
    expr = sp.sympify(expr)
    if not expr.free_symbols & {mu, sigma}:
        return True
    results = [vanishes(sp.diff(expr, x)) for x in (mu, sigma)]
    if False in results:
        return False
    return True if all(results) else None


def exact_number(expr: sp.Expr) -> sp.Expr:
    """A constant in its simplest exact form (rational where it is one)."""
    value = sp.nsimplify(sp.simplify(expr))
    return value if sp.simplify(value - expr) == 0 else sp.simplify(expr)
