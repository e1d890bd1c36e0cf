"""Series forms for the parts of a region's planes whose printed float64 form cancels or overflows.

The rewrite rules (:mod:`vaemath.kernels.rewrite`) know the catalogue's cancellations (x - log1p(x), expm1...). A
user's text may hold others: sqrt(sigma) - 1 - log(sigma)/2 near sigma = 1, exp(sigma) - 1 - sigma at small sigma,
sqrt(sigma^2 + 1) - sigma at large sigma, log(1 + mu^2) at |mu| = 1e200. The rule here is general and applied only
where the printed form is measured wrong: each scale-only part, each scale coefficient c(d) of a mixed term
mu^k c(d) near sigma = 1 and each mu-only part is evaluated as printed (in Python, float64, the kernel's own code) at
probe points of its region and compared with mpmath at 50+ digits; where it is more than ``BAD_ULPS`` off,

- a scale function is replaced, on |u| <= r, by its Taylor polynomial in the region's series variable u (d = sigma - 1,
  or v - 1 in var, or log sigma in the log params, near 1; sigma below 1/2; 1/sigma above 2, times a power of sigma
  where it has a pole there), Horner-evaluated, its coefficients from a Chebyshev interpolant at 140 digits on real
  points (no complex branch is met), its degree such that the tail is below 2^-64, r from 1/2 down to 1/64 until
  the polynomial is the function to 2^-60 (:func:`series_form`), and beyond r to the region's edge (sigma = 2 or 1/2)
  by polynomials in u - c on pieces where the printed form is off there (:func:`_cover`); the truth behind them at a
  precision raised with the point (:func:`_at`: a cancellation of order k at u = 2^-192 loses 58 k digits);
- where that fails (log(cosh(sigma)): no series in 1/sigma) above 2, and for a mu-only part at large |mu|, by sympy's
  asymptotic series at infinity (log(1 + mu^2) = 2 log|mu| + 1/mu^2 + ..., log(cosh(x)) = x - log 2 + exp(-2x)),
  above the least threshold R (4 to 1e150) at which it is right (:func:`asymptotic_form`).

Each form is checked in float64 against mpmath at generation time, and is used only if it passes.
"""

from __future__ import annotations

import functools
import math
import sys

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp

from vaemath.kernels import rewrite, scaled, special
from vaemath.kernels.rewrite import T, absval, d, lg
from vaemath.symbolic import mu
from vaemath.symbolic.budget import SYMPY_FAILED, attempt

BAD_ULPS = 8.0  # a printed part further off than this at a probe point is replaced (where its replacement passes)
GOOD_ULPS = 4.0  # a replacement must be within this at every check point
_DPS = 50
_CHEB_DPS, _CHEB_N = 140, 100
_DEBUG = bool(__import__("os").environ.get("VAEMATH_SERIES_DEBUG"))
_MU_PROBES = (4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 1e3, 1e8, 1e16, 1e32, 1e64, 1e100, 1e155, 1e300, 1.7e308)
_MU_THRESHOLDS = (1e150, 1e100, 1e64, 1e32, 1e16, 1e8, 1e3, 128.0, 64.0, 32.0, 16.0, 8.0, 4.0)


class horner(sp.Function):  # noqa: N801  (printed c0 + u*(c1 + u*(...)) with float64 coefficients)
    """horner(u, c0, c1, ..., cN): the polynomial sum c_k u^k, evaluated by Horner's rule."""

    def _eval_is_real(self):
        return True


def plain(e: sp.Expr) -> sp.Expr:
    """A series form in elementary functions: horner as its sum, absval as Abs."""
    e = e.replace(lambda a: isinstance(a, horner), lambda a: horner_value(a.args))
    return e.replace(lambda a: isinstance(a, absval), lambda a: sp.Abs(a.args[0]))


def horner_value(args) -> sp.Expr:
    u, cs = args[0], args[1:]
    return sp.Add(*(c * u**k for k, c in enumerate(cs)))


# --- Evaluating a part as the kernel prints it, and as mpmath does ------------------------------------------------

class _Math:
    """math as numba runs it (error_model="numpy"): inf on overflow, -inf for log(0), NaN outside a domain; float64
    results (so that 1.0 / 0.0 further on is inf, not ZeroDivisionError)."""

    def __getattr__(self, name):
        fn = getattr(math, name)
        if not callable(fn):
            return fn
        by_numpy = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "sqrt": np.sqrt,
                    "cosh": np.cosh, "sinh": np.sinh, "pow": np.power, "atanh": np.arctanh, "acosh": np.arccosh}

        def run(*args):
            with np.errstate(all="ignore"):
                if name in by_numpy:
                    return np.float64(by_numpy[name](*(np.float64(a) for a in args)))
                try:
                    v = fn(*args)
                except (OverflowError, ValueError):
                    return np.float64(math.nan)
                return np.float64(v) if isinstance(v, float) else v
        return run


def _namespace() -> dict:
    ns = {"math": _Math(), "np": np, "abs": abs, "max": max, "min": min}
    for name in (*rewrite.KERNEL_FUNCTIONS, *scaled.FUNCTIONS, *special.PRINTED):
        fn = getattr(special, name, None)
        if fn is not None:
            ns[name] = getattr(fn, "py_func", fn)
    return ns


_NS = None


def printed(code: str):
    """A Python function of the kernel's names (mu, sg, tt, d, lg, vv, dv) running the printed ``code`` in float64."""
    global _NS
    if _NS is None:
        _NS = _namespace()
    fn = eval(f"lambda mu, sg, tt, d, lg, vv, dv: {code}", _NS)  # noqa: S307  (our own generated code)

    def run(**q):
        try:
            with np.errstate(all="ignore"):
                v = fn(*(np.float64(q[k]) for k in ("mu", "sg", "tt", "d", "lg", "vv", "dv")))
            return float(v)
        except (ZeroDivisionError, OverflowError, ValueError):
            return math.nan
    return run


def quantities(sc, sg: float, region: str, mu_value: float = 0.0) -> dict:
    """The kernel's scale quantities at the axis value ``sg`` (as its prologue computes them)."""
    sg = np.float64(sg)
    with np.errstate(all="ignore"):
        ns = {"math": _Math(), "sg": sg}
        try:
            q = {k: float(eval(code, ns)) for k, code in (("tt", sc.code_T()), ("d", sc.code_d()),  # noqa: S307
                                                          ("lg", sc.code_lg()))}
        except (ZeroDivisionError, OverflowError, ValueError):
            q = {"tt": math.nan, "d": math.nan, "lg": math.nan}
        if region == "near" and not sc.exact_powers:
            q["tt"] = 1.0 + q["d"]
    q.update(mu=mu_value, sg=float(sg), vv=float(sg), dv=float(sg) - 1.0)
    return q


_SIGMA_OF_X = {"std": lambda x: x, "var": mpmath.sqrt, "logstd": mpmath.exp, "logvar": lambda x: mpmath.exp(x / 2)}
_X_OF_SIGMA = {"std": lambda s: s, "var": lambda s: s**2, "logstd": mpmath.log, "logvar": lambda s: 2 * mpmath.log(s)}


def _symbols_at(sc, s) -> dict:
    """Every scale symbol's exact value at sigma = s (mpmath, real or complex)."""
    from vaemath.kernels.codegen import dv, sg, vv
    return {T: s, d: s - 1, lg: mpmath.log(s), vv: s**2, dv: s**2 - 1, sg: _X_OF_SIGMA[sc.param](s)}


_MEMO_FUNCTIONS = ("exp", "log", "sqrt", "cosh", "sinh", "tanh", "atan", "asinh", "acosh", "atanh", "cos", "sin",
                   "erf", "expm1", "log1p")
_MEMO_LIMIT = 1 << 16


def _memo_key(a):
    """A hashable key of an mpmath argument that determines the value exactly (None: not memoised)."""
    if isinstance(a, mpmath.mpf):
        return a._mpf_
    if isinstance(a, mpmath.mpc):
        return ("c", a._mpc_)
    if type(a) in (int, float, bool):
        return (type(a).__name__, a)
    return None


def _memoised(name: str, fn, memo: dict):
    """mpmath's ``fn``, its results kept per (argument, working precision, rounding): a truth of a plane holds the same
    exp(-1/sigma) in many terms and the parts of one expression share it (exp(-1/sigma) was 44 exp calls per point).
    The value returned is the one the call would return (mpmath's functions are functions of these)."""
    ctx, real = mpmath.mp, mpmath.mpf

    def run(*args):
        if len(args) == 1 and type(args[0]) is real:  # the common case, keyed quickly
            key = (name, args[0]._mpf_, *ctx._prec_rounding)
        else:
            keys = tuple(_memo_key(a) for a in args)
            if None in keys:
                return fn(*args)
            key = (name, keys, *ctx._prec_rounding)
        v = memo.get(key)
        if v is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            v = memo[key] = fn(*args)
        return v
    return run


_MPMATH_MEMO: dict = {}
_MPMATH_NS = {name: _memoised(name, getattr(mpmath, name), _MPMATH_MEMO) for name in _MEMO_FUNCTIONS}


def truth(expr: sp.Expr, sc):
    """f(mu, sigma) in mpmath from the elementary form of a rewritten part (None where it cannot be built)."""
    from vaemath.kernels.codegen import dv, sg, vv
    syms = (mu, T, d, lg, vv, dv, sg)
    try:
        e = plain(rewrite.elementary(expr))
        if e.atoms(sp.Function) - set().union(*(e.atoms(f) for f in (sp.exp, sp.log, sp.sqrt, sp.cosh, sp.sinh,
                                                                        sp.tanh, sp.atan, sp.asinh, sp.acosh,
                                                                        sp.atanh, sp.cos, sp.sin, sp.erf,
                                                                        sp.Abs, sp.sign))):
            return None
        fn = sp.lambdify(syms, e, [_MPMATH_NS, "mpmath"])  # the mpmath printer, its functions memoised
    except Exception:  # noqa: BLE001  (anything sympy cannot turn into mpmath: the part stays as printed)
        return None

    def f(m, s):
        vals = _symbols_at(sc, s)
        return fn(m, *(vals[k] for k in syms[1:]))
    return f


def _ulps(got: float, want) -> float:
    """|got - want| in ulps of want rounded to float64 (denormal ulps below the normal range)."""
    if not mpmath.isfinite(want):
        return 0.0 if got == float(want) else math.inf
    w = float(want)
    if math.isinf(w):
        return 0.0 if got == w else math.inf
    if not math.isfinite(got):
        return math.inf
    ulp = max(math.ulp(w), 5e-324)
    return float(abs(mpmath.mpf(got) - want) / ulp)


def _true_at(f, m, s):  # s: sigma, or a function giving it at the working precision (from an axis value)
    """f at (m, s) to about 20 digits: evaluated at 50 digits plus twice the inputs' decimal exponents (1 + 1e-300 is
    1 below 300, and log(1 + sigma) - sigma agrees with -sigma at two levels there), doubled until two levels agree,
    are not 0 and resolve the value (:func:`_resolves`; 1 - tanh(64)^2 needs 56 more digits; an exact 0 is 0 at every
    level), and doubled where a denominator cancels to 0 (log(1 + mu^4)^(3/4) at mu = 1e-300 is 0 below 1200 digits)."""
    with mpmath.workdps(20):
        s0 = s() if callable(s) else s
    if not all(mpmath.isfinite(v) for v in (mpmath.mpf(m), s0)):  # an axis value beyond float64 (v = sigma^2 in var)
        return None
    digits = _DPS + 2 * max(abs(int(mpmath.log10(abs(v)))) if v != 0 else 0 for v in (mpmath.mpf(m), s0))
    prev = None
    while digits <= 4000:
        try:
            with mpmath.workdps(digits):
                v = f(mpmath.mpf(m), s() if callable(s) else s)
                if isinstance(v, mpmath.mpc):
                    if abs(v.imag) > 1e-40 * max(abs(v.real), mpmath.mpf(10) ** -300):
                        return None
                    v = v.real
                v = mpmath.mpf(v)
        except ZeroDivisionError:
            prev, digits = None, 2 * digits
            continue
        except (ValueError, TypeError, OverflowError):
            return None
        if prev is not None and v != 0 and abs(v - prev) <= mpmath.mpf(10) ** -20 * abs(v) and _resolves(digits, v):
            return v
        prev, digits = v, 2 * digits
    return prev


def _resolves(digits: int, v) -> bool:
    """``digits`` are 20 more than |v|'s decimal exponent below 1 (to 1e-330, past float64): two levels that both
    cancel O(1) terms to exactly 0 agree on what is left (1 - tanh(128)^2 written as sums of exps was half the truth
    at both 54 and 108 digits)."""
    return digits >= 20 + min(330, max(0, -int(mpmath.log10(abs(v)))))


# --- Scale functions: Taylor series in the region's series variable ------------------------------------------------

# region -> probe values of sigma
_PROBES = {"near": [1 + k * t for t in (2.0**-52, 1e-8, 1e-3, 0.1, 0.4) for k in (1, -1)] + [1.0, 1.9]
           + [0.6 + k * 0.7 / 32 for k in range(1, 33)],  # the region up to 2 (a printed error is scattered); not
           # below 0.6, where the catalogue's quadratic and w2_squared in logstd and logvar would change (d2/dx2 has a
           # zero at sigma = 1/2: 0.0 for 2.3e-17 at x = log(0.5) rounded; kept byte-identical, reported)
           "low": [1e-300, 1e-100, 1e-20, 1e-8, 1e-3, 0.1, 0.3, 0.45],
           "high": [2.5, 10.0, 1e3, 1e8, 1e20, 1e100, 1e300]}


def _x_probes(sc, region: str) -> list:
    """Axis values (floats) of the region's probe sigmas, kept inside the region and the float64 range."""
    from vaemath.kernels.codegen import NEAR
    lo, hi = (float(_X_OF_SIGMA[sc.param](mpmath.mpf(t))) for t in NEAR)
    out = []
    for s in _PROBES[region]:
        with mpmath.workdps(30):
            x = float(_X_OF_SIGMA[sc.param](mpmath.mpf(s)))
        inside = {"near": lo <= x <= hi, "low": x < lo, "high": x > hi}[region]
        if inside and math.isfinite(x) and (sc.param in ("logstd", "logvar") or x > 0):
            out.append(x)
    if region == "near":
        out += [math.nextafter(1.0 if sc.exact_powers else 0.0, k) for k in (math.inf, -math.inf)]
    return sorted(set(out))


def _x_of(sc, s: float) -> float:
    """The axis value of sigma = s, rounded to float64 (the kernel's input; its sigma is _sigma_at_x of it)."""
    with mpmath.workdps(30):
        return float(_X_OF_SIGMA[sc.param](mpmath.mpf(s)))


def _sigma_at_x(sc, x) -> mpmath.mpf:
    return _SIGMA_OF_X[sc.param](mpmath.mpf(x))


def _variable(sc, region: str):
    """(u as a sympy expression of the kernel's symbols, sigma as a function of u, u from sigma)."""
    from vaemath.kernels.codegen import dv
    if region == "near":
        if sc.param == "std":
            return d, lambda u: 1 + u, lambda s: s - 1
        if sc.param == "var":
            return dv, lambda u: mpmath.sqrt(1 + u), lambda s: s**2 - 1
        return lg, mpmath.exp, mpmath.log
    if region == "low":
        return T, lambda u: u, lambda s: s
    u = sp.exp(-lg) if not sc.exact_powers else 1 / T
    return u, lambda u: 1 / u, lambda s: 1 / s


_WANTS: dict = {}  # (truth, mu, param, axis value, working precision) -> its _true_at


def _bad(run, f, sc, region: str, xs: list, mu_value=0.0, bound=BAD_ULPS) -> bool:
    """Whether ``run`` (a part as printed) is more than ``bound`` ulp off its truth at an axis value of ``xs`` (each
    truth computed once: a piece of :func:`_cover` checks the printed part and its polynomial at the same points, and
    shares 9 of them with its halves)."""
    for x in xs:
        key = (f, mu_value, sc.param, x, mpmath.mp.prec)
        if key not in _WANTS:
            if len(_WANTS) >= _MEMO_LIMIT:
                _WANTS.clear()
            _WANTS[key] = _true_at(f, mu_value, functools.partial(_sigma_at_x, sc, x))
        want = _WANTS[key]
        if want is None:
            continue
        if _ulps(run(**quantities(sc, x, region, mu_value)), want) > bound:
            return True
    return False


def _coefficients(g, lo, hi, n: int = _CHEB_N) -> list | None:
    """Taylor coefficients a_0.. a_n at u = 0 of the degree-n Chebyshev interpolant of g on [lo, hi] (real nodes: no
    branch of a complex continuation is met), at _CHEB_DPS digits; those below 1e-45 of max |g| are 0.

    The arithmetic is mpmath's on raw values (libmp), each operation the one ``mpf`` arithmetic would do in the same
    order at the same precision, so the same numbers; the nodes, T_k at the nodes and T_k's integer coefficients
    depend on n alone and are computed once (:func:`_chebyshev_tables`)."""
    with mpmath.workdps(_CHEB_DPS):
        prec, rnd = mpmath.mp._prec_rounding
        lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
        c0, h = (hi + lo) / 2, (hi - lo) / 2
        xs, t_at_nodes, t_coeffs = _chebyshev_tables(n, prec, rnd)
        try:
            vals = [_node_value(g, c0 + h * x, abs(x) < 1e-100) for x in xs]
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None
        if not all(mpmath.isfinite(v) for v in vals):
            return None
        big = max(abs(v) for v in vals)
        raw = [v._mpf_ for v in vals]
        n1 = libmp.from_int(n + 1)
        cheb = [libmp.mpf_div(libmp.mpf_sum(raw, prec, rnd), n1, prec, rnd)]
        for k in range(1, n + 1):  # 2 * fsum(v * T_k(x)) / (n + 1)
            s = libmp.mpf_sum([libmp.mpf_mul(v, t, prec, rnd) for v, t in zip(raw, t_at_nodes[k])], prec, rnd)
            cheb.append(libmp.mpf_div(libmp.mpf_mul_int(s, 2, prec, rnd), n1, prec, rnd))
        # sum c_k T_k(x), x = (u - c0) / h, as a polynomial in u: T_k's integer coefficients (adding c_k * 0 leaves a
        # sum at the working precision as it is)
        poly_x = [libmp.fzero] * (n + 1)
        poly_x[0] = libmp.mpf_add(poly_x[0], cheb[0], prec, rnd)
        for k in range(1, n + 1):
            ck = cheb[k]
            for i, a in t_coeffs[k]:
                poly_x[i] = libmp.mpf_add(poly_x[i], libmp.mpf_mul(ck, a, prec, rnd), prec, rnd)
        # x = (u - c0) / h: p(u) by Horner's rule on polynomials, p = (...(b_n x + b_(n-1)) x + ...) + b_0; entry j of
        # out * (u - c0) / h is (0 + out[j-1] / h) - out[j] * c0 / h, as the loop over out's entries left it
        h_, c0_ = h._mpf_, c0._mpf_
        out = [libmp.fzero]
        for b in reversed(poly_x):
            m = len(out)
            shifted = []
            for j in range(m + 1):
                v = libmp.fzero
                if j >= 1:
                    v = libmp.mpf_add(v, libmp.mpf_div(out[j - 1], h_, prec, rnd), prec, rnd)
                if j < m:
                    v = libmp.mpf_sub(v, libmp.mpf_div(libmp.mpf_mul(out[j], c0_, prec, rnd), h_, prec, rnd),
                                      prec, rnd)
                shifted.append(v)
            shifted[0] = libmp.mpf_add(shifted[0], b, prec, rnd)
            out = shifted
        out = [mpmath.mp.make_mpf(a) for a in out[:n + 1]]
        return [a if abs(a) * max(abs(lo), abs(hi)) ** k > 1e-45 * big else mpmath.mpf(0) for k, a in enumerate(out)]


_TABLES: dict = {}


def _chebyshev_tables(n: int, prec: int, rnd: str) -> tuple:
    """(the n + 1 Chebyshev nodes as mpf, T_k at the nodes as raw values by the recurrence 2 x T_k - T_(k-1), T_k's
    nonzero integer coefficients [(i, raw a_i)]) for k = 0.. n, at precision ``prec``: the same numbers for every
    interpolant of degree n."""
    key = (n, prec, rnd)
    if key not in _TABLES:
        xs = [mpmath.cos(mpmath.pi * (j + mpmath.mpf(1) / 2) / (n + 1)) for j in range(n + 1)]
        t_prev, t_cur = [libmp.fone] * (n + 1), [x._mpf_ for x in xs]
        t_at_nodes = [t_prev, t_cur]
        for _ in range(2, n + 1):
            t_prev, t_cur = t_cur, [libmp.mpf_sub(libmp.mpf_mul(libmp.mpf_mul_int(x._mpf_, 2, prec, rnd), t, prec, rnd),
                                                  tp, prec, rnd) for x, t, tp in zip(xs, t_cur, t_prev)]
            t_at_nodes.append(t_cur)
        coeffs, p_prev, p_cur = [[(0, libmp.fone)]], [1], [0, 1]
        for _ in range(1, n + 1):
            coeffs.append([(i, libmp.from_int(a)) for i, a in enumerate(p_cur) if a])
            nxt = [2 * a for a in [0, *p_cur]]
            for i, a in enumerate(p_prev):
                nxt[i] -= a
            p_prev, p_cur = p_cur, nxt
        _TABLES[key] = (xs, t_at_nodes[:n + 1], coeffs)
    return _TABLES[key]


def _node_value(g, u, central: bool = False) -> mpmath.mpf:
    """g(u) at the working precision; at the ``central`` node (u = 4e-142 from the expansion point, where a removable
    point's formula cancels completely: expm1(u^2)/u^2 as (exp(u^2) - 1)/u^2 is 0 at 140 digits, (1 - exp(-u^2))^2 is
    0/0) or where g raises ZeroDivisionError, by :func:`_at` to the working precision's digits and rounded (the
    interpolant's coefficients need every node to all its digits: the constant term of expm1(u^2)/u^2 was 0, not 1)."""
    if not central:
        try:
            return mpmath.mpf(g(u))
        except ZeroDivisionError:
            pass
    v = _at(g, u, mpmath.mp.dps + 5)
    if not v:
        raise ZeroDivisionError(f"no value at the node {u}")
    return +v


def _at(g, u, agree: int = 30) -> mpmath.mpf:
    """g(u) to about ``agree`` digits: at _CHEB_DPS digits plus twice u's decimal exponent, doubled until two levels
    agree (a cancellation of order k at u = 2^-192 loses 58 k digits: exp(u) - 1 - u - u^2/2, sigma^3 -
    log(1 + sigma^3); a 0 at two levels is no answer: exp(u^5) - (1 + u^5) is 0.0 at 256 and 512 digits, 5e-582 at
    1024)."""
    with mpmath.workdps(30):
        digits = _CHEB_DPS + (2 * abs(int(mpmath.log10(abs(u)))) if u != 0 else 0)
    prev = None
    while digits <= 8000:
        with mpmath.workdps(digits):
            try:
                v = mpmath.mpf(mpmath.re(g(mpmath.mpf(u))))
            except ZeroDivisionError:  # a denominator that cancels to 0 at this precision ((1 - exp(-u^2))^3)
                prev, digits = None, 2 * digits
                continue
        if prev is not None and v != 0 and abs(v - prev) <= mpmath.mpf(10) ** -agree * abs(v):  # 0 is 0 at every level
            return v
        prev, digits = v, 2 * digits
    return prev


def _interpolates(g, coeffs: list, lo, hi) -> bool:
    """The polynomial is g to 2^-60 relative at 60 points of [lo, hi] (log- and linearly spaced, both signs): the
    Taylor series of an analytic g; a function with no series at 0 (exp(-1/u), u log u) fails."""
    with mpmath.workdps(_CHEB_DPS):
        fractions = [mpmath.mpf(2) ** -k for k in range(0, 200, 8)] + [mpmath.mpf(j) / 16 for j in range(1, 16)]
        pts = [mpmath.mpf(hi) * t for t in fractions]
        pts += [mpmath.mpf(lo) * abs(t) / hi for t in pts] if lo < 0 else []
        for u in pts:
            try:
                want = _at(g, u)
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                return False
            got = mpmath.polyval(coeffs[::-1], u)
            if abs(got - want) > mpmath.mpf(2) ** -60 * abs(want):
                return False
    return True


def _degree(coeffs: list, r) -> int | None:
    """The degree after which the terms' sum on |u| <= r is below 2^-64 of the lowest term, or None."""
    m = next((k for k, a in enumerate(coeffs) if a != 0), None)
    if m is None:
        return 0
    lead = abs(coeffs[m]) * mpmath.mpf(r) ** m
    for n in range(m, len(coeffs) - 8):
        if all(abs(a) * mpmath.mpf(r) ** k < lead * mpmath.mpf(2) ** -64 for k, a in enumerate(coeffs[n + 1:], n + 1)):
            return n
    return None


def _leading_power(g) -> int | None:
    """k such that g(u) ~ c u^k at u -> 0+ (k an integer from -64 to 64, any order of zero or pole: sigma^3 -
    log(1 + sigma^3) ~ sigma^6/2; 0 where g has a finite limit)."""
    try:
        a, b = mpmath.mpf(10) ** -20, mpmath.mpf(10) ** -30
        ga, gb = _at(g, a), _at(g, b)
        if ga == 0 or gb == 0:
            return 0
        with mpmath.workdps(_CHEB_DPS):
            k = mpmath.log(abs(gb / ga)) / mpmath.log(b / a)
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None
    n = int(mpmath.nint(k))
    return n if abs(k - n) < 1e-3 and -64 <= n <= 64 else None


def series_form(part: sp.Expr, f, sc, region: str, code) -> sp.Expr | None:
    """``part`` (a function of the scale alone, its truth ``f(0, sigma)``) as its Taylor polynomial in the region's
    series variable u on |u| <= r, times u^p where it has a pole of order -p at u = 0, and beyond r to the region's
    edge as polynomials in u - c on pieces of the rest (:func:`_cover`; its printed form only on a piece where none
    passes); None where no r from 1/2 down to 1/64 gives a series that float64 Horner evaluates to GOOD_ULPS at the
    checks."""
    u, sigma_of_u, u_of_sigma = _variable(sc, region)
    with mpmath.workdps(_DPS):
        g0 = lambda w: f(0, sigma_of_u(w))  # noqa: E731
        p = 0 if region == "near" else _leading_power(g0)
    if p is None:
        return None
    p = min(p, 0)  # only poles are factored out; zeros of g at u = 0 are zero coefficients
    g = (lambda w: g0(w) * w ** (-p)) if p else g0
    xs = _x_probes(sc, region)
    lo_u, hi_u = _extent(sc, region, u_of_sigma)
    for r in (0.5, 0.25, 0.125, 1 / 16, 1 / 64):
        poly = _taylor_polynomial(g, -r if region == "near" else 0, r, u)
        if poly is None:
            continue
        scale_power = _power(u, p, sc, region) if p else 1
        core = poly * scale_power
        run = printed(code(core))
        with mpmath.workdps(30):  # the series is checked where it is used; beyond r the pieces are checked on their own
            checks = [x for x in xs if abs(u_of_sigma(_sigma_at_x(sc, x))) <= r]
        with mpmath.workdps(30):
            for t in (r, r / 2, r / 8, r / 64, r / 2**20, r / 2**40):
                for s in ((1, -1) if region == "near" else (1,)):
                    x = float(_X_OF_SIGMA[sc.param](sigma_of_u(mpmath.mpf(s * t))))
                    if math.isfinite(x):
                        checks.append(x)
        if _bad(run, f, sc, region, checks, bound=GOOD_ULPS):
            if _DEBUG:
                print("series_form: r", r, "degree", len(poly.args) - 2, "fails",
                      [(x, _ulps(run(**quantities(sc, x, region)),
                                 _true_at(f, 0, functools.partial(_sigma_at_x, sc, x)))) for x in checks])
            continue
        piece = functools.partial(_cover, g, part, u, scale_power, f, sc, region, code, sigma_of_u)
        above = _joined(piece(r, hi_u) if r < hi_u else [], part)
        if region != "near":
            return core if r >= hi_u else sp.Piecewise((core, u <= r), *((pf, u <= b) for _, b, pf in above),
                                                       (part, True))
        below = _joined(piece(lo_u, -r) if -r > lo_u else [], part, reverse=True)
        if r >= hi_u and -r <= lo_u:
            return core
        if not above and not below:
            return sp.Piecewise((core, sp.Abs(u) <= r), (part, True))
        neg = sp.Piecewise(*((pf, u >= a) for a, _, pf in reversed(below)), (part, True)) if below else part
        pos = sp.Piecewise(*((pf, u <= b) for _, b, pf in above), (part, True)) if above else part
        return sp.Piecewise((core, sp.Abs(u) <= r), (neg, u < 0), (pos, True))
    return None


def _joined(pieces: list, part, reverse: bool = False) -> list:
    """Pieces with runs of the printed part joined, and none where only the printed part is left at the far end."""
    seq = list(reversed(pieces)) if reverse else list(pieces)  # from u = r outward
    out = []
    for a, b, form in seq:
        if out and form is part and out[-1][2] is part:
            a0, b0, _ = out[-1]
            out[-1] = (min(a, a0), max(b, b0), part)
        else:
            out.append((a, b, form))
    while out and out[-1][2] is part:
        out.pop()
    return list(reversed(out)) if reverse else out


def _extent(sc, region: str, u_of_sigma) -> tuple:
    """The region's range of u (near: sigma from 1/2 to 2; low and high: u = sigma, 1/sigma up to 1/2)."""
    from vaemath.kernels.codegen import NEAR
    if region != "near":
        return 0.0, 0.5
    with mpmath.workdps(30):
        return tuple(float(u_of_sigma(mpmath.mpf(t))) for t in NEAR)


_MIN_PIECE, _PIECE_N = 1 / 32, 64


def _cover(g, part, u, scale_power, f, sc, region, code, sigma_of_u, a: float, b: float) -> list:
    """[(a_i, b_i, form_i)] covering [a, b]: where the printed part is more than GOOD_ULPS off at one of 17 points of a
    piece, the Chebyshev interpolant of g on it as a polynomial in u - c (c its middle; g has no cancellation there,
    it is away from u = 0), checked to 2^-60 against mpmath and in float64 to GOOD_ULPS at those points; a piece
    whose polynomial fails is halved, down to _MIN_PIECE, then left as printed (the near form of sigma^(2/7) - 1 -
    2 log(sigma)/7 at sigma = 1.6 was 111 ulp off beyond |d| <= 1/2)."""
    with mpmath.workdps(30):
        pts = [float(_X_OF_SIGMA[sc.param](sigma_of_u(mpmath.mpf(a + (b - a) * t / 16)))) for t in range(17)]
    pts = [x for x in pts if math.isfinite(x)]
    if not _bad(printed(code(part)), f, sc, region, pts, bound=GOOD_ULPS):  # the part was found wrong elsewhere
        return [(a, b, part)]
    c, h = (a + b) / 2, (b - a) / 2
    gc = lambda w: g(c + w)  # noqa: E731
    coeffs = _coefficients(gc, -h, h, _PIECE_N)
    if coeffs is not None:
        n = _degree(coeffs, h)
        if n is not None and _fits(gc, coeffs[:n + 1], h):
            form = horner(u - sp.Float(c, 17), *(sp.Float(float(x), 17) for x in coeffs[:n + 1])) * scale_power
            if not _bad(printed(code(form)), f, sc, region, pts, bound=GOOD_ULPS):
                return [(a, b, form)]
    if b - a <= _MIN_PIECE:
        return [(a, b, part)]
    return _cover(g, part, u, scale_power, f, sc, region, code, sigma_of_u, a, c) + \
        _cover(g, part, u, scale_power, f, sc, region, code, sigma_of_u, c, b)


def _fits(g, coeffs: list, h) -> bool:
    """The polynomial is g to 2^-60 relative at 41 points of [-h, h] (ends, Chebyshev points and a uniform grid)."""
    with mpmath.workdps(_CHEB_DPS):
        h = mpmath.mpf(h)
        pts = [h * mpmath.cos(mpmath.pi * j / 20) for j in range(21)] + [h * (j - 10) / 10 for j in range(21)]
        for w in pts:
            try:
                want = mpmath.mpf(mpmath.re(g(w)))
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                return False
            if want == 0 or abs(mpmath.polyval(coeffs[::-1], w) - want) > mpmath.mpf(2) ** -60 * abs(want):
                return False
    return True


def _power(u, p: int, sc, region: str) -> sp.Expr:
    """u^p (p < 0) as the kernel computes it: T^-p above 2 (exp(-p lg) in the log params), 1/T^-p below 1/2."""
    if region == "high":
        return T ** (-p) if sc.exact_powers else sp.exp(-p * lg)
    return 1 / T ** (-p)


_TRUTHS: dict = {}  # (elementary formula, variable, param, probe) -> truth: log1p(cosh(mu) - 1) near 1 is log(cosh(mu))
_ASYMPTOTIC: dict = {}  # (formula, terms) -> sympy's asymptotic series


def _rate(t: sp.Expr, x: sp.Symbol):
    """k for a term c x^n exp(k x + b) (its exps' coefficients of x summed, numbers), else None."""
    k = 0
    for f in sp.Mul.make_args(t):
        base, p = f.as_base_exp()
        if isinstance(base, sp.exp) or base is sp.E:
            arg = sp.expand((base.args[0] if isinstance(base, sp.exp) else 1) * p)
            slope = arg.coeff(x, 1)
            if not (slope.is_number and (arg - slope * x).is_number):
                return None
            k += slope
        elif f.has(x) and not (f == x or f.is_Pow and f.base == x and f.exp.is_number):
            return None
    return k


def _exp_first(t: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """c x^n exp(E) (n a positive integer) as c pw(exp(E), x, n, 1), printed mul0(...mul0(exp(E), x)..., x): 0 where
    exp(E) underflows, never 0 * inf (x**2*exp(-2*x) at x = 1.7e308 was NaN as printed); any other t as it is."""
    factors = sp.Mul.make_args(t)
    powers = [f for f in factors if f == x or f.is_Pow and f.base == x]
    exps = [f for f in factors if isinstance(f, sp.exp)]
    n = powers[0].as_base_exp()[1] if len(powers) == 1 else None
    if not exps or n is None or not (n.is_Integer and n > 0):
        return t
    rest = [f for f in factors if f not in powers and f not in exps]
    return sp.Mul(*rest) * rewrite.pw(sp.Mul(*exps), x, n, 1)


def dominant_exp(e: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """``e``, a ratio N/D of sums of terms c x^n exp(k x), as N'/D' with both sums divided by D's fastest exp: the
    same function, whose sums no longer overflow or cancel at large x (cosh(x) exp(-x) - 1 is exp(-2x)/2 - 1/2;
    cosh(2x)/cosh(x) is (exp(x) + exp(-3x))/(1 + exp(-2x))), each term's exp kept in the term (:func:`_exp_first`:
    x**2*exp(-x)/(1 + exp(-x)) at x = 1e200 is 0, was exp(-x) times inf, NaN); None for any other e."""
    num, den = sp.fraction(sp.together(e.rewrite(sp.exp)))
    sums = []
    for a in (num, den):
        terms = sp.Add.make_args(sp.powsimp(sp.expand(a)))
        ks = [_rate(t, x) for t in terms]
        if None in ks:
            return None
        sums.append((terms, max(ks)))
    (top, kn), (bottom, kd) = sums
    if (kn, kd) == (0, 0):
        return None
    top, bottom = ([sp.powsimp(t * sp.exp(-kd * x)) for t in terms] for terms in (top, bottom))
    lead = [t for t in bottom if t.is_number]  # D's leading term made 1: 2 e x / e^2 at x = 1.7e308 overflowed,
    scale = lead[0] if len(lead) == 1 and lead[0] != 0 else 1  # 2 x / e does not
    n, dd = (sp.Add(*(_exp_first(sp.powsimp(t / scale), x) for t in terms)) for terms in (top, bottom))
    return n / dd


def _far_expansion(e: sp.Expr, x: sp.Symbol, n: int) -> sp.Expr | None:
    """n = 0: e's exact exp form (:func:`dominant_exp`), else sympy's asymptotic series at x = oo to n terms, with the
    generator's budget (it ran for hours on sqrt(exp(mu**2) - 1)); None where there is none."""
    try:
        if n == 0:
            return dominant_exp(e, x)
        done, a = attempt(sp.series, e.rewrite(sp.exp), x, sp.oo, n, budget=LIMIT_BUDGET)
        return a.removeO() if done else None
    except Exception:  # noqa: BLE001  (anything sympy raises: no far form)
        return None


def _divided(a: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """A series in x with each term c x^-n (n a positive integer) as c / x / ... / x (:class:`rewrite.pw`): x^n
    overflows where the term does not (d2/dmu2 of log(1 + sqrt(mu**2 + mu**4)) ~ -2/mu^2 at 1e156 was -0.0)."""
    def term(t):
        c, n = t.as_coeff_exponent(x)
        return rewrite.pw(c, x, n, 1) if n.is_Integer and n < 0 and not c.has(x) else t
    return sp.Add(*(term(t) for t in sp.Add.make_args(a)))


def asymptotic_form(part: sp.Expr, f, var: str, code, sc=None, whole=None) -> sp.Expr | None:
    """``part`` (mu-only: var = "mu"; or a scale part above sigma = 2: var = "T") where its printed form fails at
    large arguments: sympy's asymptotic series at infinity (n terms; each side of mu = 0 its own; of ``whole``, the
    part as one function, where given) above a threshold R below which the printed form was right; None where none
    passes the checks."""
    x = sp.Symbol("xpos", positive=True)
    e = rewrite.elementary(part if whole is None else whole)
    if var == "mu":
        probes = [s * m for m in _MU_PROBES for s in (1, -1)]
        sides = {1: e.subs(mu, x), -1: e.subs(mu, -x)}
        parity = next((p for p in (1, -1) if sp.expand(sides[-1] - p * sides[1]) == 0), None)
        val = lambda v: (v, None)  # noqa: E731
    else:
        if part.free_symbols - {T, lg}:
            return None
        probes = [m for m in _MU_PROBES if m > 2]
        sides = {1: e.subs(lg, sp.log(x)).subs(T, x)}
        parity = None
        val = lambda v: (0.0, v)  # noqa: E731

    def run_at(run, v):
        m, s = val(v)
        if s is None:
            return run(mu=m, sg=1.0, tt=1.0, d=0.0, lg=0.0, vv=1.0, dv=0.0)
        return run(**quantities(sc, _x_of(sc, s), "high"))

    def want_at(v):  # each probe's truth once per formula (cosh(1e300) at 650 digits costs 10 ms)
        key = (e, var, sc.param if sc is not None else None, v)
        if key not in _TRUTHS:
            m, s = val(v)
            _TRUTHS[key] = _true_at(f, m, mpmath.mpf(1) if s is None else lambda: _sigma_at_x(sc, _x_of(sc, s)))
        return _TRUTHS[key]

    run = printed(code(part))
    failing = [abs(v) for v in probes if (w := want_at(v)) is not None and _ulps(run_at(run, v), w) > BAD_ULPS]
    if not failing:
        return None
    first, found = min(failing), None
    for n in (0, 4, 8, 16):  # 0: the exact form of a ratio of sums of exps (sympy's series of one can be wrong)
        forms = {}
        for s, es in sides.items():
            if s == -1 and parity is not None:  # an even or odd part: its series for mu < 0 from that for mu > 0
                forms[s] = parity * forms[1]
                continue
            if (es, n) not in _ASYMPTOTIC:
                _ASYMPTOTIC[es, n] = _far_expansion(es, x, n)
            a = _ASYMPTOTIC[es, n]
            if a is None:  # no series: the printed form stays; no exact exp form: the series are tried
                if n:
                    return None
                break
            a = sp.expand_log(a, force=True)
            if a.has(sp.Order, sp.I) or not a.free_symbols <= {x}:  # I: a log past a domain edge (renyi(101/100))
                return None
            if var == "mu":
                forms[s] = _divided(a, x).subs(x, absval(mu))
            else:
                forms[s] = a.subs(sp.log(x), lg).subs(x, T if sc.exact_powers else sp.exp(lg))
        if len(forms) < len(sides):  # no exact exp form
            continue
        far_form = forms[1] if len(forms) == 1 or sp.expand(forms[1] - forms[-1]) == 0 else \
            sp.Piecewise((forms[1], mu > 0), (forms[-1], True))
        # the least threshold above which the asymptotic form is right (below, the printed form, right below `first`)
        for big in sorted(_MU_THRESHOLDS):
            if found is not None and big >= found[0]:
                break
            v = sp.Abs(mu) if var == "mu" else T
            form = sp.Piecewise((part, v < big), (far_form, True))
            run2 = printed(code(form))
            checks = [v for v in probes if abs(v) >= big] + [s * big for s in ((1, -1) if var == "mu" else (1,))]
            if all(w is None or _ulps(run_at(run2, c), w) <= GOOD_ULPS for c in checks for w in [want_at(c)]):
                found = (big, form)
                break
        if found is not None and found[0] <= first:
            break
    return None if found is None else found[1]


# --- Applied to a region's pieces --------------------------------------------------------------------------------

def _scale_symbols():
    from vaemath.kernels.codegen import SCALE_SYMBOLS
    return set(SCALE_SYMBOLS)


_DONE: dict = {}  # (part, param, region) -> its form: the mu-only parts recur in every region, parts in every kernel


def _memo(fn):
    def run(part, sc, region, code):
        key = (part, sc.param, region)
        if key not in _DONE:
            form = fn(part, sc, region, code)
            _DONE[key] = None if form is part else form  # unchanged: the caller's own object, whichever it is
        return part if _DONE[key] is None else _DONE[key]
    return run


def _printed_once(code):
    """``code``, its text kept per expression object: :func:`_cover` prints the part it covers on every piece."""
    done = {}

    def run(e):
        kept = done.get(id(e))
        if kept is None or kept[0] is not e:
            kept = done[id(e)] = (e, code(e))
        return kept[1]
    return run


@_memo
def _fix_scale(part: sp.Expr, sc, region: str, code) -> sp.Expr:
    """A scale-only expression, replaced by its series form where its printed form is measured wrong."""
    if part.is_number or part.is_Symbol or region not in ("near", "low", "high"):
        return part
    if part.has(sp.Piecewise, horner, sp.Abs, sp.sign, sp.Heaviside):
        return part
    f = truth(part, sc)
    if f is None:
        return part
    code = _printed_once(code)
    if not _bad(printed(code(part)), f, sc, region, _x_probes(sc, region)):
        return part
    form = series_form(part, f, sc, region, code)
    if form is None and region == "high":
        form = asymptotic_form(part, f, "T", code, sc)
    return part if form is None else form


_SMALL_MU = [s * t for t in (5e-324, 1e-300, 1e-100, 1e-8, 1e-3, 0.1, 0.4) for s in (1, -1)]


def _bad_in_mu(run, f, sc, mus: list, bound=BAD_ULPS) -> bool:
    """Whether ``run`` (a mu-only part as printed) is more than ``bound`` ulp off its truth at a mu of ``mus``."""
    for m in mus:
        want = _true_at(f, m, mpmath.mpf(1))
        if want is not None and _ulps(run(**quantities(sc, 1.0, "near", m)), want) > bound:
            return True
    return False


def small_mu_form(part: sp.Expr, f, sc, code, rest: sp.Expr) -> sp.Expr | None:
    """``part`` (mu-only) as its Taylor polynomial in mu on |mu| <= r, ``rest`` beyond, where its printed form cancels
    near mu = 0 (sinh(mu) - mu at 1e-8 was 10x too big, mu - atan(mu) 0.0); coefficients as in :func:`series_form`.
    Where it has no Taylor series at 0 (sqrt(log(1 + mu**2 + mu**4)) ~ |mu|: its d/dmu at 1e-300 was inf, truth 1),
    one polynomial in |mu| for each side. None where no r from 1/2 down to 1/16 gives polynomials that run to
    GOOD_ULPS."""
    for r in (0.5, 0.25, 0.125, 1 / 16):
        poly = _taylor_polynomial(lambda w: f(w, mpmath.mpf(1)), -r, r, mu)
        if poly is None:
            sides = [_taylor_polynomial(lambda t, s=s: f(s * t, mpmath.mpf(1)), 0, r, sp.Abs(mu)) for s in (1, -1)]
            if None in sides:
                continue
            poly = sp.Piecewise((sides[0], mu >= 0), (sides[1], True))
        form = sp.Piecewise((poly, sp.Abs(mu) <= r), (rest, True))
        checks = [s * r * t for t in (1, 1 / 2, 1 / 8, 2.0**-20, 2.0**-40, 2.0**-200) for s in (1, -1)]
        if not _bad_in_mu(printed(code(form)), f, sc, checks, GOOD_ULPS):
            return form
    return None


_TINY_MU = [s * t for t in (5e-324, 1e-310, 1e-300, 1e-150) for s in (1, -1)]  # checks of a generalized form
_SMALL_SERIES: dict = {}  # (one side's formula, order) -> sympy's series at 0+, or None


def _monomial(t: sp.Expr, x: sp.Symbol) -> tuple | None:
    """(c, p, k) for a term c x^p log(x)^k of a series at x = 0+ (p rational, k a nonnegative integer), else None."""
    c, m = t.as_independent(x, as_Add=False)
    p, k = sp.S.Zero, 0
    for a in sp.Mul.make_args(m):
        base, e = a.as_base_exp()
        if base == x and e.is_Rational:
            p += e
        elif isinstance(base, sp.log) and base.args[0] == x and e.is_Integer and e > 0:
            k += int(e)
        elif a != 1:
            return None
    return (c, p, k) if c.is_number and c.is_real and c != 0 else None


def _small_series(e: sp.Expr, x: sp.Symbol, orders: tuple = (6, 12)) -> list | None:
    """[(c, p, k)]: sympy's series of ``e`` at x = 0+ to the first of ``orders`` that shows a term, its terms c x^p
    log(x)^k, with the generator's budget; None where sympy gives none or another kind of term."""
    for n in orders:
        if (e, n) not in _SMALL_SERIES:
            try:
                done, a = True, sp.S.Zero
                for term in sp.Add.make_args(e):  # term by term: each faster, its own budget (a d2/dmu2's 7 terms)
                    done, b = attempt(sp.series, term, x, 0, n, budget=LIMIT_BUDGET)
                    if not done:
                        break
                    a += b.removeO()
                a = sp.expand(sp.expand_log(a, force=True)) if done else None
            except Exception:  # noqa: BLE001  (anything sympy raises: no series)
                a = None
            _SMALL_SERIES[e, n] = a
        a = _SMALL_SERIES[e, n]
        if a is None or a.has(sp.I):
            return None
        terms = [_monomial(t, x) for t in sp.Add.make_args(a) if t != 0]
        if None in terms:
            return None
        if terms:
            return terms
    return None


def _near_function(part: sp.Expr) -> sp.Expr | None:
    """``part`` as one function of mu for |mu| <= 1 (each pick's side there, :func:`_one_function` otherwise): sympy's
    series at 0 of it is the faster (d2/dmu2 of (mu**2 + mu**4)**(1/3)*log(1 + (mu**2 + mu**4)**(-1/2)): 0.6 s, 1.8 s
    from the far side's form)."""
    return _one_function(part.replace(lambda a: isinstance(a, rewrite.pick), lambda a: a.args[2]))


def _sides_series(e: sp.Expr, x: sp.Symbol, orders: tuple = (6, 12)) -> list | None:
    """[terms for mu = x, terms for mu = -x] (:func:`_small_series`), the second from the first where e is even or
    odd."""
    pos, neg = e.subs(mu, x), e.subs(mu, -x)
    first = _small_series(pos, x, orders)
    if first is None:
        return None
    parity = next((p for p in (1, -1) if sp.expand(neg - p * pos) == 0), None)
    second = [(parity * c, p, k) for c, p, k in first] if parity else _small_series(neg, x, orders)
    return None if second is None else [first, second]


def _generalized_sides(whole: sp.Expr, f, r: float) -> list | None:
    """:func:`_sides_at` from sympy's series to 3 orders (the leading term and the powers' denominators), to 6 where
    that fails (a log term beyond x^3): the series of a d2/dmu2 of a sum of roots took 1.2 s to 6 orders, 0.7 s to 3."""
    for orders in ((3, 6, 12), (6, 12)):
        sides = _sides_at(whole, f, r, orders)
        if sides is not None:
            return sides
    return None


def _sides_at(whole: sp.Expr, f, r: float, orders: tuple) -> list | None:
    """Per side of mu = 0 (s = 1, -1; x = |mu|), ``whole`` as x^p log(x)^k P(t) (x^p log(x)^k its series' leading
    term) or as L(x) + x^p0 P(t) (L the series' terms with a log, x^p0 the least power of the others' unless a Taylor
    series' own), P a polynomial (:func:`_taylor_polynomial`) in t = x^(1/q) on [0, r^(1/q)], q the least common
    denominator of the differences of the powers it holds: the kind with no Taylor series in mu or |mu|
    (log(1 + (mu**2 + mu**4)**(-1/2)) ~ -log|mu| + |mu|: inf at 5e-324 for 744.4; (mu**2 + mu**4)**(1/3) - (mu**2 +
    mu**6)**(1/3) ~ |mu|^(8/3)/3: 0.0 at 1e-8 for 1.5e-22; log(1 + (mu**2 + mu**6)**(-1/3)) ~ -2 log|mu|/3 +
    |mu|^(2/3): its d2/dmu2 NaN at 1e-150). None where a side has neither."""
    x = sp.Symbol("xsmall", positive=True)
    e = plain(rewrite.elementary(whole))
    ax = absval(mu)
    out, series = [], _sides_series(e, x, orders)
    if series is None:
        return None
    for s, terms in zip((1, -1), series):
        side = None
        _, p, k = min(terms, key=lambda t: (t[1], -t[2]))
        if k or not (p.is_Integer and p >= 0):  # f / (x^p log(x)^k), a polynomial in t
            q = sp.ilcm(1, *(sp.Rational(pi - p).q for _, pi, _ in terms))

            def g(t, s=s, p=p, k=k, q=q):  # the exponents at the working precision
                w = t**q
                return f(s * w, mpmath.mpf(1)) / (w ** (mpmath.mpf(p.p) / p.q) * mpmath.log(w) ** k)
            poly = _taylor_polynomial(g, 0, r ** (1 / q), ax ** sp.Rational(1, q) if q > 1 else sp.Abs(mu))
            if poly is not None:
                side = poly * sp.log(ax) ** k
                side = rewrite.pw(side, ax, p, 1) if p.is_Integer else side * ax**p
        logs = [(c, p, k) for c, p, k in terms if k]
        rest = [p for _, p, k in terms if not k]
        if side is None and logs and rest:  # f - L = x^p0 P(t), L the log terms
            p0 = min(rest) if not (min(rest).is_Integer and min(rest) >= 0) else sp.S.Zero
            q = sp.ilcm(1, *(sp.Rational(p - p0).q for p in rest))
            low = sp.Add(*(c * x**p * sp.log(x)**k for c, p, k in logs))
            fl = sp.lambdify(x, low, "mpmath")

            def g(t, s=s, fl=fl, q=q, p0=p0):
                w = t**q
                return (f(s * w, mpmath.mpf(1)) - fl(w)) / w ** (mpmath.mpf(p0.p) / p0.q)
            poly = _taylor_polynomial(g, 0, r ** (1 / q), ax ** sp.Rational(1, q) if q > 1 else sp.Abs(mu))
            if poly is not None:
                poly = poly if p0 == 0 else rewrite.pw(poly, ax, p0, 1) if p0.is_Integer else poly * ax**p0
                side = _divided(low, x).subs(sp.log(x), sp.log(ax)).subs(x, ax) + poly
        if side is None:
            return None
        out.append(side)
    return out


def _infinite_terms(part: sp.Expr, f, sc, code) -> bool:
    """Whether two terms of ``part`` (a sum) print to +-inf at a small mu of _SMALL_MU where its truth overflows: the
    kernel's common subexpressions may order their factors otherwise, one as inf - inf (d2/dmu2 of
    log((mu**2 + mu**4)**(1/3) + (mu**2 + mu**4)**(1/2)) at 1e-300 was NaN for -inf; 1/D^2 times |mu| (mu^2 + 3)
    taken together: inf times 3e-300, for a term of 3e-100)."""
    terms = [t for t in sp.Add.make_args(part) if t.has(mu)]
    if len(terms) < 2:
        return False
    runs = None
    for m in _SMALL_MU:
        want = _true_at(f, m, mpmath.mpf(1))
        if want is None or abs(want) <= mpmath.mpf(sys.float_info.max):
            continue
        runs = runs or [printed(code(t)) for t in terms]
        q = quantities(sc, 1.0, "near", m)
        if sum(math.isinf(run(**q)) for run in runs) >= 2:
            return True
    return False


def generalized_small_mu_form(part: sp.Expr, whole: sp.Expr, f, sc, code, rest: sp.Expr) -> sp.Expr | None:
    """``part`` (mu-only) on |mu| <= r as :func:`_generalized_sides` writes it, ``rest`` beyond: where it has no Taylor
    series at mu = 0 in mu or |mu| but one after its series' leading term (a fractional power, a pole, a log) is
    divided out or its singular terms subtracted; checked as :func:`small_mu_form` is, and down to subnormal mu."""
    whole = _near_function(part) or whole
    for r in (0.5, 0.25, 0.125, 1 / 16):
        sides = _generalized_sides(whole, f, r)
        if sides is None:
            continue
        form = sp.Piecewise((sp.Piecewise((sides[0], mu >= 0), (sides[1], True)), sp.Abs(mu) <= r), (rest, True))
        checks = [s * r * t for t in (1, 1 / 2, 1 / 8, 2.0**-20, 2.0**-40, 2.0**-200) for s in (1, -1)] + _TINY_MU
        if not _bad_in_mu(printed(code(form)), f, sc, checks, GOOD_ULPS):
            return form
    return _truncated_series_form(whole, f, sc, code, rest)


_MU_SMALL_THRESHOLDS = (1e-3, 1e-8, 1e-16, 1e-32, 1e-64, 1e-100, 1e-150, 1e-200, 1e-300)


def _truncated_series_form(whole: sp.Expr, f, sc, code, rest: sp.Expr) -> sp.Expr | None:
    """``whole`` as sympy's series at mu = 0 to 6 (or 12) orders on each side (terms c |mu|^p log|mu|^k, poles divided,
    :func:`_divided`) below the greatest threshold R at which it is right (above, ``rest`` is the form it was), as the
    far forms are taken (:func:`asymptotic_form`): where a log's factor is no finite sum (|mu|^(2/3) (1 + mu^2)^(1/3)
    log|mu| in (mu**2 + mu**4)**(1/3)*log(1 + (mu**2 + mu**4)**(-1/2)), inf at 5e-324 for 2.2e-213). None where no R
    passes."""
    x = sp.Symbol("xsmall", positive=True)
    e = plain(rewrite.elementary(whole))
    ax = absval(mu)
    for n in (6, 12):  # 12 where 6 is right below no threshold
        series = _sides_series(e, x, (n,))
        if series is None:
            continue
        sides = []
        for terms in series:
            a = _divided(sp.Add(*(c * x**p * sp.log(x)**k for c, p, k in terms)), x)
            sides.append(a.subs(sp.log(x), sp.log(ax)).subs(x, ax))
        near = sides[0] if sp.expand(sides[0] - sides[1]) == 0 else \
            sp.Piecewise((sides[0], mu >= 0), (sides[1], True))
        for big in _MU_SMALL_THRESHOLDS:
            form = sp.Piecewise((near, sp.Abs(mu) < big), (rest, True))
            checks = [m for m in _SMALL_MU + _TINY_MU if abs(m) < big] + [s * big * t for t in (0.5, 1e-3)
                                                                          for s in (1, -1)]
            if not _bad_in_mu(printed(code(form)), f, sc, checks, GOOD_ULPS):
                return form
    return None


def _taylor_polynomial(g, lo, hi, var: sp.Expr) -> sp.Expr | None:
    """g's Taylor polynomial at 0 on [lo, hi] in ``var`` (Horner, float64 coefficients, degree from the Chebyshev
    coefficients' decay to ``hi``), or None where g has none or it does not interpolate g."""
    coeffs = _coefficients(g, lo, hi)
    n = None if coeffs is None else _degree(coeffs, hi)
    if n is None or not _interpolates(g, coeffs[:n + 1], lo, hi):
        return None
    return horner(var, *(sp.Float(float(a), 17) for a in coeffs[:n + 1]))


def moved_constants(pieces: list, sc) -> list:
    """Per plane (mu-only, scale-only, mixed): the mu-only part's value c at mu = 0, where it is a nonzero number,
    moved to the scale part (a - c, s + c), where the plane's other constants are: both parts then vanish where the
    plane's sum would cancel them ((exp(mu**2) - 1 - mu**2)/mu**2 + (sigma-1)**2 at (1e-8, 1) was 0.0 for 5e-17: a mu
    part 1 + mu^2/2 and a scale part sigma^2 - 2 sigma); a - c is then the series rule's (:func:`small_mu_form`).
    Not where the plane has no scale part, or a tends to 0 at large |mu| (d2/dmu2 of mu**2/(1 + mu**2) + ..., -6e-40
    at mu = 1e10: a - c and s + c would cancel there instead)."""
    out = list(pieces)
    for k in range(0, len(pieces), 3):
        a, s = pieces[k:k + 2]
        c = _value_at_zero(a) if s.free_symbols & _scale_symbols() else None
        if c is not None and not _vanishes_far(a, sc, c):
            out[k], out[k + 1] = a - c, s + c
    return out


def _vanishes_far(part: sp.Expr, sc, c) -> bool:
    """Whether a mu-only part falls below |c|/1000 at mu = +-1e8 (or cannot be evaluated there)."""
    f = truth(part, sc)
    values = [None if f is None else _true_at(f, m, mpmath.mpf(1)) for m in (1e8, -1e8)]
    return any(v is None or abs(v) < abs(c) / 1000 for v in values)


LIMIT_BUDGET = 2  # seconds for each sympy limit or series the generator takes (no user budget reaches it)


def _value_at_zero(part: sp.Expr) -> sp.Expr | None:
    """A mu-only part's exact value (its limit, where removable) at mu = 0 when a nonzero real number, else None."""
    if part.free_symbols != {mu} or part.has(sp.Piecewise, sp.Abs, sp.sign, sp.Heaviside):
        return None
    e = plain(rewrite.elementary(part))
    c = e.subs(mu, 0)
    if not (c.is_number and c.is_finite):
        try:  # one value from both sides, or no constant to move
            sides = [attempt(sp.limit, e, mu, 0, side, budget=LIMIT_BUDGET) for side in "+-"]
        except SYMPY_FAILED:
            return None
        if not all(done for done, _ in sides) or sides[0][1] != sides[1][1]:
            return None
        c = sides[0][1]
    return c if c.is_number and c.is_finite and c.is_real and c != 0 else None


def _no_value_at_0(a) -> bool:
    return isinstance(a, sp.Piecewise) and a.args[0][0] is sp.nan and a.args[0][1] == sp.Eq(mu, 0)


def _one_function(part: sp.Expr) -> sp.Expr | None:
    """``part`` as one function of mu, for its truth and its series: each pick(m, b, x, y) of two forms of one quantity
    (a root's or a log's sides, rewrite.logpoly_forms) as y, a derivative's NaN at mu = 0 as its formula, absval and
    sgn as Abs and sign; None where the part holds a kink of the penalty's own (Abs, sign, Heaviside, Piecewise)."""
    e = part.replace(lambda a: isinstance(a, rewrite.pick), lambda a: a.args[3])
    e = e.replace(_no_value_at_0, lambda a: a.args[1][0])
    if e.has(sp.Piecewise, sp.Abs, sp.sign, sp.Heaviside):
        return None
    return e.replace(rewrite.absval, sp.Abs).replace(rewrite.sgn, sp.sign)


def _tanh_sech(part: sp.Expr) -> sp.Expr | None:
    """``part``, a polynomial P in t = tanh(u) (u a function of mu), as Q(t) (t^2 - 1) + R(t) with t^2 - 1 written
    -1/cosh(u)^2 (exact division: R of degree 1 or 0): 1 - tanh(u)^2, which sympy's derivatives hold, cancels as
    printed where |u| is large (d2/dmu2 of tanh(mu**4), 32 mu^6 t^3 - 32 mu^6 t - 12 mu^2 t^2 + 12 mu^2, was 1.2e17 at
    mu = 1e8 for about 0; its d/dmu at mu = 2 0.06 % off; d/dmu of mu*tanh(mu**2) at 1e8 0.0 for 1). The product with
    Q is ordered (0 where 1/cosh(u)^2 underflows, even where Q overflows). None where t^2 - 1 does not divide a part."""
    ts = [a for a in part.atoms(sp.tanh) if a.free_symbols == {mu}]
    if len(ts) != 1:
        return None
    t, y = ts[0], sp.Dummy("y")
    poly = part.subs(t, y)
    if poly.has(sp.tanh) or not poly.is_polynomial(y):
        return None
    q, r = sp.div(sp.expand(poly), y**2 - 1, y)
    if q == 0:
        return None
    return rewrite.pw(-1 / sp.cosh(t.args[0]) ** 2, q.subs(y, t), 1, 1) + r.subs(y, t)


@_memo
def _fix_mu(part: sp.Expr, sc, region, code) -> sp.Expr:
    whole = None if part == 0 or part.is_number else _one_function(part)
    f = None if whole is None else truth(whole, sc)
    if f is None:
        return part
    factored = _tanh_sech(part)
    if factored is not None:  # kept where it is right at every probe
        probes = [s * m for m in _MU_PROBES for s in (1, -1)] + _SMALL_MU + [2.0, -3.0]
        part = part if _bad_in_mu(printed(code(factored)), f, sc, probes, GOOD_ULPS) else factored
    form = asymptotic_form(part, f, "mu", code, whole=whole) or part  # large |mu|
    if _bad_in_mu(printed(code(part)), f, sc, _SMALL_MU) or _infinite_terms(part, f, sc, code):  # and small |mu|
        small = small_mu_form(part, f, sc, code, form) or generalized_small_mu_form(part, whole, f, sc, code, form)
        if small is not None:  # no derivative at mu = 0 stays none (the cone |mu| sqrt(1 + mu^2))
            form = sp.Piecewise((sp.nan, sp.Eq(mu, 0)), (small, True)) if part.has(sp.nan) else small
    return form


def _sum_of_exps(g: sp.Expr) -> bool:
    return g.has(sp.cosh, sp.sinh, sp.tanh) or any(isinstance(a, sp.Add) and a.has(sp.exp, rewrite.expm1)
                                                   for a in sp.preorder_traversal(g))


def _far_mu_factors(terms: tuple, sc, code) -> tuple:
    """(terms, fixed): mixed terms c_i g_i(mu) h(scale) that share h, where g = sum c_i g_i holds a sum of exps of mu
    (or cosh, sinh, tanh) whose printed form overflows or cancels where g does not (exp(mu)/(exp(mu) + exp(-mu))*sigma
    at mu = 800 was inf/inf, its log-magnitude 1.0 for 1.5; its d/dmu, three such terms in d, cancelled to 0 at mu =
    30), made one term: as they are below the threshold R of g's far form (:func:`asymptotic_form`), above it that form
    times h (0 where the form is 0, even where h overflows). ``fixed`` flags the terms so made."""
    groups = {}
    for t in terms:
        scale_factor, rest = _separated(t)
        c, h = scale_factor.as_coeff_Mul()
        groups.setdefault(h, []).append((t, c * rest))
    out, fixed = [], []
    for h, members in groups.items():
        whole = _far_times(members, h, sc, code) if len(members) > 1 else None
        if whole is not None:
            out.append(whole)
            fixed.append(True)
            continue
        for t, g in members:  # else each term alone
            one = _far_times([(t, g)], h, sc, code)
            out.append(t if one is None else one)
            fixed.append(one is not None)
    return (out, fixed) if any(fixed) else (list(terms), fixed)  # nothing made: the terms in their order


def _scale_out(t: sp.Expr) -> tuple:
    """(h, g): t = h(scale) g(mu), a pick(m, b, h x, h y) of two forms with the same scale factor as h pick(m, b, x, y);
    (None, None) where t is no such product."""
    hs, gs = [], []
    for a in sp.Mul.make_args(t):
        if isinstance(a, rewrite.pick):
            (cx, hx, x), (cy, hy, y) = ((*h.as_coeff_Mul(), g) for h, g in
                                        (a.args[k].as_independent(mu, as_Add=False) for k in (2, 3)))
            if hx != hy:
                return None, None
            hs.append(hx)
            gs.append(rewrite.pick(a.args[0], a.args[1], cx * x, cy * y))
        elif a.has(mu):
            gs.append(a)
        else:
            hs.append(a)
    c, h = sp.Mul(*hs).as_coeff_Mul()  # the number with g: terms of one h in d and -d are one group
    g = c * sp.Mul(*gs)
    return (h, g) if g.free_symbols == {mu} and not h.has(mu) else (None, None)


def _small_mu_factors(terms: list, fixed: list, sc, code) -> tuple:
    """(terms, fixed): mixed terms h(scale) g_i(mu) that share h (those not made one by :func:`_far_mu_factors`), where
    g = sum g_i is no polynomial and its printed form is wrong at small |mu|, made h times g's small-mu form
    (:func:`_small_mu_form_of`); near sigma = 1, ((mu**2 + mu**4)**(1/3) - (mu**2 + mu**6)**(1/3))*sigma has the part
    g d beside g: at (1e-8, 1.5) it was 1.547e-22 for 2.32e-22 once g had its form, 0.0 before."""
    groups = {}
    for i, t in enumerate(terms):
        if fixed[i]:
            continue
        h, g = _scale_out(t)
        if h is not None and h.free_symbols & _scale_symbols():
            groups.setdefault(h, []).append((i, g))
    out, flags, dropped = list(terms), list(fixed), set()
    for h, members in groups.items():
        g = sp.Add(*(g for _, g in members))
        if g.is_polynomial(mu):
            continue
        small = _small_mu_form_of(g, sc, code)
        if small is None:
            continue
        first = members[0][0]
        out[first], flags[first] = rewrite.pw(small, h, 1, 1), True
        dropped.update(i for i, _ in members[1:])
    keep = [k for k in range(len(out)) if k not in dropped]
    return [out[k] for k in keep], [flags[k] for k in keep]


_SMALL_DONE: dict = {}  # (g, param) -> its small-mu form or None


def _small_mu_form_of(g: sp.Expr, sc, code) -> sp.Expr | None:
    """A mu-only factor's small-mu form (g beyond it), where its printed form is wrong at small |mu|; else None."""
    key = (g, sc.param)
    if key not in _SMALL_DONE:
        _SMALL_DONE[key] = None
        whole = _one_function(g)
        f = None if whole is None else truth(whole, sc)
        if f is not None and (_bad_in_mu(printed(code(g)), f, sc, _SMALL_MU) or _infinite_terms(g, f, sc, code)):
            _SMALL_DONE[key] = small_mu_form(g, f, sc, code, g) or generalized_small_mu_form(g, whole, f, sc, code, g)
    return _SMALL_DONE[key]


def _separated(t: sp.Expr) -> tuple:
    """(h, g) with t = h(scale) g(mu) where the sympy factorisation of t finds one (mu (1 + d)^-1 exp(mu)/(1 + exp(mu))
    from mu exp(mu)/(d expm1(mu) + 2 d + exp(mu) + 1)); else t's factors in mu and the rest."""
    flat = rewrite.plain_pw(t)
    h, g = flat.as_independent(mu, as_Add=False)
    if g.free_symbols == {mu} or not _sum_of_exps(flat):
        return h, g
    in_exp = flat.replace(lambda a: isinstance(a, sp.Function) and a.free_symbols == {mu}, rewrite.elementary)
    h2, g2 = sp.factor(in_exp).as_independent(mu, as_Add=False)
    return (h2, g2) if g2.free_symbols == {mu} else (h, g)


def _far_times(members: list, h: sp.Expr, sc, code) -> sp.Expr | None:
    """The terms of ``members`` (term, c_i g_i) as one: below the threshold of the far form of g = sum c_i g_i as they
    are, above it that form times h; None where g has no far form."""
    g = sp.Add(*(r for _, r in members))
    if not (g.free_symbols == {mu} and h.free_symbols & _scale_symbols() and _sum_of_exps(g)):
        return None
    new = _fix_mu(g, sc, "mu", code)
    if isinstance(new, sp.Piecewise) and new.args[0][0] != g and isinstance(new.args[-1][0], sp.Piecewise):
        new = new.args[-1][0]  # a small-mu form around the far one: the terms as they are there
    if not (isinstance(new, sp.Piecewise) and new.args[0][0] == g):  # no far form
        return None
    (_, below), *far_pieces = new.args  # the far form: one piece, or one for each sign of mu
    return sp.Piecewise((sp.Add(*(t for t, _ in members)), below),
                        *((rewrite.pw(f, h, 1, 1), c) for f, c in far_pieces))


def _fixed_scale_coefficient(t: sp.Expr, sc, code) -> sp.Expr:
    """Near sigma = 1, a mixed term mu^k c(d) with c replaced by its series form where it is measured wrong; else t."""
    scale_factor, rest = t.as_independent(mu, as_Add=False)
    monomial = rest.is_Pow and rest.base == mu or rest == mu or rest.is_Mul and all(
        a.is_number or a == mu or a.is_Pow and a.base == mu for a in rest.args)
    if monomial and scale_factor.free_symbols & _scale_symbols():
        new = _fix_scale(scale_factor, sc, "near", code)
        return t if new is scale_factor else sp.Mul(new, rest, evaluate=False)
    # c mu^k written scale first, pw(pw(c, mu, 1, 1), mu, 1, 1) = (c mu) mu (rewrite.scale_first)
    new_t = t.replace(lambda a: isinstance(a, rewrite.pw) and a.args[1] == mu and not a.args[0].has(mu)
                      and bool(a.args[0].free_symbols & _scale_symbols()),
                      lambda a: rewrite.pw(_fix_scale(a.args[0], sc, "near", code), *a.args[1:]))
    return t if new_t == t else new_t


def patch(pieces: list, sc, region: str, code) -> list:
    """Per plane (mu-only, scale-only, mixed): the parts whose printed form is wrong at probe points replaced by their
    series or asymptotic forms, mixed terms' factors in mu too (:func:`_far_mu_factors`), and near sigma = 1 the
    scale coefficients of mixed terms mu^k c(d) (in the far forms a mixed term's factors are ordered and scaled as a
    whole: :mod:`vaemath.kernels.scaled`); every other part returned as it is (the same object)."""
    if region not in ("near", "low", "high"):
        return pieces
    out = list(pieces)
    for k in range(0, len(pieces), 3):
        a, s, m = pieces[k:k + 3]
        out[k] = _fix_mu(a, sc, "mu", code)
        out[k + 1] = _fix_scale(s, sc, region, code)
        terms, fixed = _far_mu_factors(sp.Add.make_args(m), sc, code)
        terms, fixed = _small_mu_factors(terms, fixed, sc, code)
        changed = any(fixed)
        for i, t in enumerate(terms):
            if region == "near" and not fixed[i]:  # near 1: mu^k times a scale coefficient
                terms[i] = _fixed_scale_coefficient(t, sc, code)
                changed = changed or terms[i] is not t
        if changed:
            out[k + 2] = sp.Add(*terms, evaluate=False)
    return out
