"""Reference values for the kernels, built independently of them: sympy and mpmath only.

A penalty's sympy expression in (mu, sigma) is moved to the scale variable x of a parametrisation by plain
substitution (sigma = x, sqrt(v), exp(s), exp(l/2)), differentiated here with ``sympy.diff`` and evaluated
with mpmath at the exact float64 inputs. Nothing from ``vaemath.kernels`` or ``vaemath.symbolic.calculus``
is used, so a fault there cannot hide in the reference.

Precision is adaptive: each plane is evaluated at p and p + 40 digits, p = 40 plus twice the largest
decimal exponent of an input, or of sigma^2 for a log scale up to 10^350 (so 1 + v^2 and 1 + exp(l) are
exact for every input and a small part cannot vanish at both levels alike), and accepted when the two agree
to 25 digits (then the second has >= 55 correct), or when both lie beyond the float64 range on the same side
with the same sign (the rounded truth is then +-inf or +-0 whatever the lost digits); otherwise at 200, 400,
... 3400 digits, the same test between successive levels. An exact zero is accepted only when p, p + 40 and
2p + 400 digits all give it.
A plane that fails at every precision (0/0 in its formula) gets the limit: the mean of its values at the
eight points at distance h = 1e-27 along +-mu, +-x and the diagonals (-mu (sigma - 1)/hypot^3, the cone's
d2/dmu dsigma, is 0 along both axes and has no limit), when they agree to 1e-12 (the mean, if below 1e-40,
is an exact zero); otherwise the derivative does not exist there and NaN is the expected answer. The limit is
taken at the point's own digits plus 60, so that each of the eight points is a different point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from vaemath.symbolic import mu, sigma

X = {"std": sp.Symbol("x", positive=True), "var": sp.Symbol("x", positive=True),
     "logstd": sp.Symbol("x", real=True), "logvar": sp.Symbol("x", real=True)}
SIGMA_OF = {"std": lambda x: x, "var": sp.sqrt, "logstd": sp.exp, "logvar": lambda x: sp.exp(x / 2)}
PLANES = ("value", "d/dmu", "d/dx", "d2/dmu2", "d2/dmu dx", "d2/dx2")
WHAT_PLANES = {"value": (0,), "grad": (1, 2), "hess": (3, 4, 5)}

NUM, DOMAIN, UNDEFINED = 0, 1, 2  # kinds of truth: a number; outside the domain (+inf); no limit (NaN)
_LADDER = (200, 400, 800, 1700, 3400)


def planes(expr: sp.Expr, param: str) -> list:
    """The six planes value, f_mu, f_x, f_mumu, f_mux, f_xx of ``expr`` in the parametrisation ``param``."""
    x = X[param]
    f = expr.subs(sigma, SIGMA_OF[param](x))
    fm, fx = sp.diff(f, mu), sp.diff(f, x)
    return [f, fm, fx, sp.diff(fm, mu), sp.diff(fm, x), sp.diff(fx, x)]


def _call(fn, m, x, dps):
    with mpmath.workdps(dps):
        try:
            return fn(mpmath.mpf(m), mpmath.mpf(x))
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return None


def _real(r):
    if r is None:
        return None
    if isinstance(r, mpmath.mpc):
        return r if r.imag != 0 else mpmath.mpf(r.real)
    return mpmath.mpf(r)


def _close(a, b) -> bool:
    if isinstance(a, mpmath.mpc) or isinstance(b, mpmath.mpc) or mpmath.isnan(a) or mpmath.isnan(b):
        return False
    if a == 0 or b == 0:
        return a == b
    return abs(a - b) <= mpmath.mpf(10) ** -25 * abs(b)


def _beyond(a, b) -> bool:
    """Both values beyond the float64 range on the same side and with the same sign: the rounded truth is
    +-inf (or +-0) whatever digits are lost (an exponent of 1e299 rounded at 40 digits is not exact)."""
    if isinstance(a, mpmath.mpc) or isinstance(b, mpmath.mpc) or a * b <= 0:
        return False
    big, small = mpmath.mpf(2) ** 1100, mpmath.mpf(2) ** -1100
    return (abs(a) > big and abs(b) > big) or (abs(a) < small and abs(b) < small)


# decimal exponent of sigma^2 per unit of a log-scale x: sigma^2 = exp(2 s) = exp(l)
_LOG_SCALE = {"logstd": 2 / math.log(10), "logvar": 1 / math.log(10)}


def base_dps(m: float, x: float, param: str = "std") -> int:
    """Working digits for the point (m, x): 40, plus twice the largest decimal exponent of an input (tiny or
    huge), so that 1 + v^2 and v^2 + 1 are held exactly and a small contribution cannot vanish at every level
    alike (mu = 1e150: 2 + 5e299 - 5e299 - 1 is 1, not -1). For a log scale x the exponent of sigma^2 counts
    too: exp(l) + 1 at l = -500 is held exactly, not 1 at 46 and 86 digits alike (bhattacharyya's d2/dl2 there
    read half its value), up to 10^350 (sigma^2 * 10^-740 is below every float64 result); capped at 1440 digits."""
    log_scale = min(abs(x) * _LOG_SCALE.get(param, 0.0), 350.0)
    mag = max([0.0, log_scale] + [abs(math.log10(abs(v))) for v in (m, x) if v != 0])
    return 40 + min(2 * math.ceil(mag), 1400)


def _value(fn, m, x, param="std"):
    """mpmath value of one plane at (m, x) by the precision ladder; None when no precision gives one."""
    p = base_dps(m, x, param)
    prev = _real(_call(fn, m, x, p))
    cur = _real(_call(fn, m, x, p + 40))
    if prev is not None and cur is not None:
        if isinstance(prev, mpmath.mpc) and isinstance(cur, mpmath.mpc):
            return cur
        if _close(prev, cur) and (cur != 0 or _real(_call(fn, m, x, 2 * p + 400)) == 0):
            return cur
    for dps in (d for d in _LADDER if d > p):
        prev, cur = cur, _real(_call(fn, m, x, dps))
        if prev is not None and cur is not None and _close(prev, cur) and cur != 0:
            return cur
    return cur if cur is not None and cur == 0 else None


def _limit(fn, m, x, param="std"):
    h = mpmath.mpf(10) ** -27
    dps = base_dps(m, x, param) + 60  # m + h held exactly (at 100 digits 1.7e308 + h was 1.7e308 itself, and eight
    with mpmath.workdps(dps):         # evaluations of one point agreed on its 100-digit cancellation: 2.6e207 for 0)
        vals = [_real(_call(fn, m + dm, x + dx, dps))
                for dm, dx in ((h, 0), (-h, 0), (0, h), (0, -h), (h, h), (h, -h), (-h, h), (-h, -h))]
        if any(v is None or isinstance(v, mpmath.mpc) for v in vals):
            return None
        mean = sum(vals) / len(vals)
        if max(abs(v - mean) for v in vals) > mpmath.mpf(10) ** -12 * max(1, abs(mean)):
            return None
        return mpmath.mpf(0) if abs(mean) < mpmath.mpf(10) ** -40 else mean


@dataclass
class Truth:
    """Reference on a grid: ``kind`` (6, n, m) of NUM/DOMAIN/UNDEFINED, ``value`` float64 (6, n, m) (the
    mpmath value rounded once; +-inf where it overflows), ``exact`` the mpmath values (object array)."""

    kind: np.ndarray
    value: np.ndarray
    exact: np.ndarray
    mu_sensitivity: np.ndarray  # |mu * d(plane)/dmu| (6, n, m), at 20 digits; 0 where it has no value


@cache
def sensitivities(expr: sp.Expr, param: str):
    """mpmath function of (mu, x) giving mu * d(plane)/dmu for the six planes (third derivatives for the Hessian)."""
    return sp.lambdify((mu, X[param]), [mu * sp.diff(p, mu) for p in planes(expr, param)], modules="mpmath", cse=True)


def _sensitivity(fn, m, x) -> list:
    r = _call(fn, m, x, 20)
    if r is None:
        return [0.0] * 6
    return [float(abs(v)) if not isinstance(v, mpmath.mpc) else 0.0 for v in r]


@cache
def functions(expr: sp.Expr, param: str) -> tuple:
    """mpmath functions of (mu, x): the six planes fused (shared subexpressions computed once), and each alone."""
    ps = planes(expr, param)
    args = (mu, X[param])
    fused = sp.lambdify(args, ps, modules="mpmath", cse=True)
    return fused, tuple(sp.lambdify(args, p, modules="mpmath", cse=True) for p in ps)


def _point(fused, fns, m, x, param="std") -> list:
    """The six planes at (m, x): fused at p and p + 40 digits (``base_dps``), else the ladder plane by plane."""
    p = base_dps(m, x, param)
    lo, hi = _call(fused, m, x, p), _call(fused, m, x, p + 40)
    out = []
    for k, fn in enumerate(fns):
        a, b = (_real(r[k]) if r is not None else None for r in (lo, hi))
        if a is not None and b is not None and b != 0 and (
                _close(a, b) or _beyond(a, b) or (isinstance(a, mpmath.mpc) and isinstance(b, mpmath.mpc))):
            out.append(b)
            continue
        r = _value(fn, m, x, param)
        out.append(_limit(fn, m, x, param) if r is None else r)
    return out


def truth(expr: sp.Expr, param: str, mus, xs) -> Truth:
    """The six planes of ``expr`` in ``param`` on the grid mus x xs (float64 values, taken exactly)."""
    fused, fns = functions(expr, param)
    shape = (6, len(mus), len(xs))
    kind, value, exact = np.zeros(shape, np.int8), np.zeros(shape), np.empty(shape, dtype=object)
    sens, sens_fn = np.zeros(shape), sensitivities(expr, param)
    for i, m in enumerate(mus):
        for j, x in enumerate(xs):
            if m != 0:
                sens[:, i, j] = _sensitivity(sens_fn, float(m), float(x))
            rs = _point(fused, fns, float(m), float(x), param)
            if isinstance(rs[0], mpmath.mpc):
                kind[:, i, j] = DOMAIN  # the formula leaves the reals: the divergence is +inf there
                value[:, i, j] = np.inf
                continue
            for k, r in enumerate(rs):
                if r is None or isinstance(r, mpmath.mpc):
                    kind[k, i, j], value[k, i, j] = UNDEFINED, np.nan
                    continue
                exact[k, i, j] = r
                value[k, i, j] = float(r)  # mpmath rounds to nearest; beyond the float64 range: +-inf
    return Truth(kind, value, exact, sens)


def log_form_failures(t: Truth, got: np.ndarray, allow, where) -> list:
    """Points where ``got`` (the six planes on the grid of ``t``) breaks the rules of the log-magnitude forms' tests:
    an exact zero is exactly 0, a truth beyond the float64 range exactly +-inf, any other truth within ``allow(mag, m)``
    (mag its magnitude, a denormal held to denormal ulps; m the index of mu), named by ``where(k, i, j)``."""
    bad = []
    for k, i, j in np.ndindex(got.shape):
        want, have, exact = t.value[k, i, j], got[k, i, j], t.exact[k, i, j]
        if t.kind[k, i, j] != NUM:
            continue
        if exact is not None and exact == 0:
            ok = have == 0
        elif math.isinf(want):
            ok = have == want
        else:
            ok = math.isfinite(have) and abs(have - want) <= allow(max(abs(want), 5e-324), i)
        if not ok:
            bad.append(f"{where(k, i, j)}: got {have!r}, truth {want!r}")
    return bad


# ---------------------------------------------------------------------------------------------------
# First-order forward error bound of evaluating an expression as written, for user penalties.

_EXACT = (sp.Integer, sp.Symbol)


def _dyadic(c) -> bool:
    return isinstance(c, sp.Rational) and (c.q & (c.q - 1)) == 0 and abs(c.p) < 2**53


def naive_bound(expr: sp.Expr, env: dict):
    """(value, A): the value of ``expr`` at ``env`` and A such that evaluating it in float64 as written,
    every operation rounded once (unit roundoff eps), errs by at most A * eps to first order.

    Rules: exact symbols and dyadic constants A = 0, other constants |c|; a sum of n terms
    sum A_i + (n - 1) sum |t_i|; a product sum_i A_i prod_{j != i} |f_j| + (n - 1)|P|; an integer power b**k
    |k| |b|^(k-1) A_b + |k| |P|; any other power or function f(u) |f'(u)| A_u + |f(u)|.
    """
    if isinstance(expr, sp.Symbol):
        return env[expr], mpmath.mpf(0)
    if expr.is_Number or expr.is_NumberSymbol:
        c = mpmath.mpf(sp.N(expr, 30))
        return c, (mpmath.mpf(0) if isinstance(expr, sp.Integer) or _dyadic(expr) else abs(c))
    if isinstance(expr, sp.Add):
        vals = [naive_bound(a, env) for a in expr.args]
        return sum(v for v, _ in vals), sum(a for _, a in vals) + (len(vals) - 1) * sum(abs(v) for v, _ in vals)
    if isinstance(expr, sp.Mul):
        vals = [naive_bound(a, env) for a in expr.args]
        prod = mpmath.fprod(v for v, _ in vals)
        err = sum(a * mpmath.fprod(abs(w) for j, (w, _) in enumerate(vals) if j != i)
                  for i, (_, a) in enumerate(vals) if a)
        return prod, err + (len(vals) - 1) * abs(prod)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        b, a = naive_bound(expr.base, env)
        k = int(expr.exp)
        val = b**k
        return val, abs(k) * abs(b) ** (k - 1) * a + abs(k) * abs(val)
    u = expr.base if isinstance(expr, sp.Pow) else expr.args[0]
    f, df = _outer(expr.func, expr.exp if isinstance(expr, sp.Pow) else None)
    uv, ua = naive_bound(u, env)
    val = f(uv)
    return val, (abs(df(uv)) * ua if ua else 0) + abs(val)


@cache
def _outer(func, exponent):
    """mpmath f and f' of a one-argument function, or of u**exponent."""
    u = sp.Dummy("u")
    outer = u**exponent if exponent is not None else func(u)
    return sp.lambdify(u, outer, modules="mpmath"), sp.lambdify(u, sp.diff(outer, u), modules="mpmath")
