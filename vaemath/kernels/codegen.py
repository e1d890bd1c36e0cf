"""Numba source generated from a penalty's sympy expression: value, gradient, Hessian, fused, by region.

The planes are written in (mu, T), T = sigma in every parametrisation, and rewritten
for accuracy once per region of T (:mod:`vaemath.kernels.rewrite`): near 1 (T in [1/2, 2]) in
d = T - 1, exact there; below and above in T itself, every sum of powers of T written as its dominant
power times 1 + a small remainder. Each region's planes are split into the parts that depend on mu only,
on the scale only, and on both, and their shared subexpressions found by ``sympy.cse``. On a grid
mu[i] x x[j], the region and the scale-only subexpressions are computed once per x (``sigma_stage``),
the mu-only ones once per mu, and only the mixed part per point, in one inner loop per plane and run
of equal regions: the branch between regions is never taken per point.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.rewriting import optimize
from sympy.printing.pycode import PythonCodePrinter

from vaemath.kernels import kinks, rewrite, scaled, series, special
from vaemath.kernels.rewrite import ACCURACY_OPTIMS, T, accurate, d, factor_rational, far, lg
from vaemath.symbolic import mu, sigma
from vaemath.symbolic import param as _param
from vaemath.symbolic.budget import DEFAULT_BUDGET, attempt, expired
from vaemath.symbolic.symbols import to_std

GENERATOR_VERSION = "86"
WHATS = ("value", "grad", "hess")
SIZES = {"value": 1, "grad": 2, "hess": 3}  # hess planes: d2/dmu2, d2/dmu dx, d2/dx2
NEAR = (0.5, 2.0)  # T where the d-form is used: d = T - 1 is exact there (Sterbenz), and the form at its best
REGIONS = ("low", "near", "high")  # region codes 0, 1, 2; 3 is outside the penalty's domain
OUTSIDE = 3
# Near sigma = 1, a penalty with acosh(X) has a second form for |mu| > BIG_MU (code 4, chosen once per mu, never per
# point): acosh(X)^2 through acoshsq(X - 1), analytic at X = 1, cancels as log(X) at large X (fisher_rao_squared's
# d2/dmu dsigma at mu = 1e150: 1e3 ulp); the far form below sigma = 1/2, acoshexp(log X) (:func:`rewrite.log_form`),
# is right wherever X >= 3 (|mu| >= 4: mu^2 dominates every (sigma - 1)^2 there, so no d is needed), but not at X = 1;
# the one above 2 would divide mu by sigma, which overflows below sigma = 1 at |mu| near the largest float.
BIG_MU, BIG_MU_CODE = 4.0, 4

sg = sp.Symbol("sg", real=True)  # the axis value x as given
vv, dv = sp.Symbol("vv", positive=True), sp.Symbol("dv", real=True)  # param="var": T^2 = v and T^2 - 1, exact
SCALE_SYMBOLS = (d, sg, T, lg, vv, dv)


@dataclass(frozen=True)
class Scale:
    """How a parametrisation's variable x gives T = sigma: T = x (std), sqrt(x) (var), exp(c x) (logstd
    c = 1, logvar c = 1/2); and d = T - 1, computed without cancellation from x."""

    param: str

    @property
    def sigma_of_T(self) -> sp.Expr:
        return T

    def x_of_T(self) -> sp.Expr:
        return {"std": T, "var": T**2, "logstd": sp.log(T), "logvar": 2 * sp.log(T)}[self.param]

    def code_T(self) -> str:
        return {"std": "sg", "var": "math.sqrt(sg)", "logstd": "math.exp(sg)", "logvar": "math.exp(0.5 * sg)"}[
            self.param]

    def code_d(self) -> str:  # (v - 1) / (sqrt(v) + 1) = sqrt(v) - 1; expm1 for the logs
        return {"std": "sg - 1.0", "var": "(sg - 1.0) / (math.sqrt(sg) + 1.0)", "logstd": "math.expm1(sg)",
                "logvar": "math.expm1(0.5 * sg)"}[self.param]

    def code_lg(self) -> str:
        return {"std": "math.log(sg)", "var": "0.5 * math.log(sg)", "logstd": "sg", "logvar": "0.5 * sg"}[
            self.param]

    @property
    def lg_range(self) -> tuple:
        """The values log(T) takes: sigma (var: its square) from the least denormal to the largest float64."""
        lo, hi = math.log(5e-324), math.log(sys.float_info.max)
        return {"std": (lo, hi), "var": (lo / 2, hi / 2)}.get(self.param, rewrite.ALL_LG)

    @property
    def exact_powers(self) -> bool:
        """Powers of T printed as T**k (std, var), else as exp(k lg): no overflow of T where T^k is finite."""
        return self.param in ("std", "var")


def scale(param: str = "std") -> Scale:
    return Scale(_param(param).name)


def in_param(expr: sp.Expr, param: str = "std") -> sp.Expr:
    """``expr`` (in mu and sigma) written in mu and the variable of ``param``; logs of products expanded
    only where that is an identity (no forced branch choices)."""
    p = _param(param)
    return sp.expand_log(to_std(expr).subs(sigma, p.sigma_of))


def outputs(expr: sp.Expr, what: tuple, param: str = "std") -> list:
    """The sympy expressions of the requested planes, in order: value; d/dmu, d/dx; d2/dmu2, d2/dmu dx,
    d2/dx2, with x the variable of ``param`` (sigma, v, s = log sigma or l = log sigma^2)."""
    return [p for w in what for p in _planes(expr, w, param)]


@functools.lru_cache(maxsize=64)
def _planes(expr: sp.Expr, w: str, param: str) -> tuple:
    """One kind of planes, differentiated once per process: each kernel asks for them once per region and
    once for its removable singularities, and kernels of the same penalty share them."""
    e, x = in_param(expr, param), _param(param).symbol
    if w == "value":
        return (e,)
    if w == "grad":
        return kinks.resolve(sp.diff(e, mu)), kinks.resolve(sp.diff(e, x))
    return tuple(kinks.resolve(p) for p in (sp.diff(e, mu, 2), sp.diff(e, mu, x), sp.diff(e, x, 2)))


def _in_T(e: sp.Expr, sc: Scale) -> sp.Expr:
    return sp.expand_log(e.subs(_param(sc.param).symbol, sc.x_of_T()))


def _d_groups(e: sp.Expr, sc: Scale) -> sp.Expr:
    """A near form's sum whose terms are one mixed factor M times c_i d^i (the expansion in d = T - 1 of a polynomial
    in T, in hypot-bounded ratios: the cone's d2/ds2, mu^2/r^3 (1 + 3 d + 2 d^2), r = hypot(d, mu), printed as three
    terms) where P(d) = sum c_i d^i has a root inside the near region (2 T^2 - T at T = 1/2, the region's edge): each
    term's own rounding of M was carried to the cancelling sum (89 ulp next to s = -log 2) -> one term M P(d) (its
    lowest power's form, times P), whose P :func:`compensated` takes (croot in the log params, chorner in std and
    var). Only where M has the hypot (the bounded ratios of :func:`rewrite.accurate`); hellinger_squared's near form
    (M an exp of mu^2 and powers of 1 + T^2) grouped so was worse (d2/dmu dsigma 219 ulp at sigma = 1/2, was 119).
    Sums without such a group are returned as they are."""
    if not isinstance(e, sp.Add):
        return e
    groups = {}
    for t in e.args:
        q = sp.expand(rewrite.plain_pw(t))
        if isinstance(q, sp.Add):
            return e
        c, rest = q.as_coeff_Mul()
        i = rest.as_powers_dict().get(d, 0)
        if not (c.is_Rational and sp.sympify(i).is_Integer and i >= 0):
            return e
        groups.setdefault(sp.simplify(rest / d**i), []).append((int(i), c, t))
    out, changed = [], False
    for key, terms in groups.items():
        if len(terms) > 1 and key.has(rewrite.hypot):
            i0, c0, t0 = min(terms, key=lambda r: r[0])
            poly = sp.Add(*(c * d**(i - i0) for i, c, _ in terms))
            if compensated(poly, "near", sc) != poly:
                out.append(t0 / c0 * poly)
                changed = True
                continue
        out += [t for _, _, t in terms]
    return sp.Add(*out) if changed else e


def _region_planes(expr: sp.Expr, what: tuple, sc: Scale, region: str) -> list:
    """Every plane as (mu-only, scale-only, mixed) parts, rewritten for ``region``."""
    pieces = []
    # sigma out of the log form's hypot where it leaves the float64 range (the log params above 2), not near 1
    scale_out = region == "high" and not sc.exact_powers
    region = "low" if region == "near_big_mu" else region  # X >= 3 there: the log form of sigma < 1/2 holds
    form = rewrite.acosh_square_form(expr) if region == "near" else rewrite.log_form(expr, region, scale_out)
    form = rewrite.logpoly_atoms(form)
    for e in outputs(form, what, sc.param):
        e = _in_T(e, sc)
        if region == "near":
            for p in _near_parts(e, sc):
                hess = "hess" in what and len(pieces) // 3 >= sum(SIZES[w] for w in what) - 3
                pieces.append(_d_groups(p, sc) if hess and len(pieces) % 3 == 2 else p)
        else:
            pieces.extend(_far_parts(e, sc, region))
    return [rewrite.powers_over_abs(rewrite.logpoly_forms(p, frozenset({d, dv}))) for p in pieces]


def _near_parts(e: sp.Expr, sc: Scale) -> list:
    """The near form of one plane (in mu and T) as its (mu-only, scale-only, mixed) parts."""
    e = accurate(rewrite.onep_ratios(e), T, 1)
    e = e if sc.exact_powers else rewrite.log_scale_near(e)
    e = rewrite.growing_exp_split(e)
    out = []
    for p in _split(rewrite.in_every_sum(rewrite.collect_mu, e)):
        p = rewrite.in_every_sum(rewrite.collect_mu, _exact_variance(_prefer_T(factor_rational(p)), sc))
        out.append(rewrite.power_last(rewrite.scale_first(rewrite.mixed_sums(p, near=True), {d, dv})))
    return out


def _far_parts(e: sp.Expr, sc: Scale, region: str) -> list:
    """The far form (``region`` low or high) of one plane as its (mu-only, scale-only, mixed) parts."""
    far_form = _divided_by_T(_accurate_logs(far(e, region, sc.exact_powers, sc.lg_range), sc), sc, region)
    far_form = _far_symbols(_coefficient_chains(far_form, sc), sc)
    mu_part, *rest = _split(far_form)
    return [rewrite.power_last(_exact_variance(p, sc)) for p in (_far_mu_part(mu_part), *rest)]


def _far_mu_part(e: sp.Expr) -> sp.Expr:
    """A far form's mu-only part as the near form has it: accurate in mu and, where mu is in a denominator, its
    rational parts over one denominator, factored (d/dmu of log(mu^2 + 2 mu^4) below 1/2 is 2 (4 mu^2 + 1)/(mu (2 mu^2
    + 1)), 2e300 at mu = 1e-300, was 2 mu (..)/(mu^2 + 2 mu^4) = inf)."""
    if any(sp.fraction(t)[1].has(mu) for t in sp.Add.make_args(e)):
        e = factor_rational(e)
    return rewrite.accurate_in_mu(e)


class ddcoef_hi(sp.Function):  # noqa: N801
    """ddcoef_hi(x, y, mode, c_n, ..., c_0): the high part of c_n w^n + ... + c_0 at w = x y (mode 0), 1/(x y) (1),
    exp(y x) (2) or 1/sqrt(x) (3), in double-double (:func:`special.ddcoef_hi`); ddcoef_lo its low part."""


class ddcoef_lo(sp.Function):  # noqa: N801
    """The low part of :class:`ddcoef_hi`'s polynomial."""


class ddhorner(sp.Function):  # noqa: N801
    """ddhorner(x, sq, a_hi, a_lo, h_n, ..., h_0, l_n, ..., l_0) = sum (h_k + l_k) y^k, y = (x (a_hi + a_lo))^2 where sq
    is 1 (else x), by Horner in double-double (:func:`special.ddhorner`)."""


class ddplane(sp.Function):  # noqa: N801
    """ddplane(F, P) = F P, printed mul0(F, P): 0 where the factor F (an exp of mu^2 times powers) is 0 and P, a
    polynomial in mu, overflows."""

    nargs = 2


def _dd_form(e: sp.Expr, sc: Scale, region: str) -> tuple | None:
    """A d2 plane F(mu, T) P(mu, T) with P a polynomial with rational coefficients in mu and T (T^2 where P is even in
    T) that has terms of both signs, F a product of powers and exps with an exp of mu (hellinger_squared's planes:
    exp(-mu^2/(4 (1 + T^2))) T^a (1 + T^2)^b mu^c times P, 0 on a curve T(mu)) -> (F', ddhorner of P'): P in mu (mu^2
    where even) by Horner in double-double, its coefficients c_k(w) polynomials in w = T^2 evaluated in double-double
    per sigma (w = T T by TwoProduct, v in var, exp(2 lg) to 100 bits in the log params, not the rounded T squared);
    F in the region's own form. Above sigma = 2 (P even in mu and T, terms mu^2a w^b, N the largest a + b):
    P = w^N P'(z, u), z = (mu a)^2, a = 1/T, u = 1/w, so that no power of T or mu overflows where the plane is finite
    (F' = F w^N). Next to P's zero curve, the plain sum of the terms, each right to an ulp, cancelled (d2/dv2 1340 ulp
    at v = 1/4 + ulp; d2/dl2 215 ulp at (5, l = 1.443) from T = exp(l/2) rounded). None for any other plane."""
    exps = e.atoms(sp.exp)  # before any factor: sympy's factor of a polynomial in exp(650) did not end
    if (not any(f.args[0].has(mu) and f.args[0].has(T) for f in exps) or any(f.is_number for f in exps)
            or any(not isinstance(f, sp.exp) for f in e.atoms(sp.Function))):
        return None
    f = sp.factor(sp.together(e))
    polys = [a for a in sp.Mul.make_args(f) if isinstance(a, sp.Add) and a.has(mu) and a.has(T)
             and a.is_polynomial(mu, T)]
    if len(polys) != 1:
        return None
    q = sp.Poly(polys[0], mu, T)
    pref = f / polys[0]
    if (not all(c.is_Rational for c in q.coeffs()) or len({c > 0 for c in q.coeffs()}) < 2
            or not any(isinstance(a, sp.exp) and a.has(mu) for a in sp.Mul.make_args(pref))):
        return None
    even = all(j % 2 == 0 for _, j in q.monoms())
    sq = int(all(i % 2 == 0 for i, _ in q.monoms()))  # P in mu^2: Horner in the double-double mu^2
    if not even and sc.param == "var":
        return None
    if not even and not sc.exact_powers:
        return None
    # the double-double w = T^2 (or T), u = 1/w and a = 1/T as _dd_of's (x, y, mode): in the log params from lg
    # exactly (exp to 100 bits), not from the rounded T = exp(lg)
    step = 2 if even else 1
    w_of, u_of, a_of = {
        "std": ((T, T, 0), (T, T, 1), (T, 1, 1)), "var": ((vv, 1, 0), (vv, 1, 1), (vv, 1, 3)),
        "logstd": ((lg, 2, 2), (lg, -2, 2), (lg, -1, 2)), "logvar": ((lg, 2, 2), (lg, -2, 2), (lg, -1, 2)),
    }[sc.param] if even else ((T, 1, 0), None, None)
    terms = q.as_dict()  # (i, j) -> coefficient of mu^i T^j
    of, ah, al = w_of, sp.Integer(1), sp.Integer(0)
    if region == "high":
        if not (even and sq):
            return None
        n = max(i // 2 + j // 2 for i, j in terms)
        terms = {(i, step * (n - i // 2 - j // 2)): c for (i, j), c in terms.items()}  # mu^2a u^(N-a-b)
        pref *= T**(2 * n)
        of, ah, al = u_of, ddcoef_hi(*a_of, 1, 0), ddcoef_lo(*a_of, 1, 0)
    his, los = [], []
    for k in range(max(i for i, _ in terms), -1, -1 - sq):
        top = max((j for i, j in terms if i == k), default=0) // step
        coeffs = [terms.get((k, step * i), sp.Integer(0)) for i in range(top, -1, -1)]
        his.append(ddcoef_hi(*of, *coeffs) if top else coeffs[0])
        los.append(ddcoef_lo(*of, *coeffs) if top else sp.Integer(0))
    return pref, ddhorner(mu, sp.Integer(sq), ah, al, *his, *los)


def _dd_planes(expr: sp.Expr, what: tuple, sc: Scale, region: str, coded: list, code) -> list:
    """``coded`` with each d2 plane that :func:`_dd_form` takes as (0, 0, ddplane(F, P))."""
    planes = outputs(expr, what, sc.param)
    out = list(coded)
    for k in range(len(planes) - 3, len(planes)):
        found = _dd_form(_in_T(planes[k], sc), sc, region)
        if found is None:
            continue
        pref, poly = found
        parts = _near_parts(pref, sc) if region == "near" else _far_parts(pref, sc, region)
        out[3 * k:3 * k + 3] = [sp.Integer(0), sp.Integer(0), ddplane(sp.Add(*(code(p) for p in parts)), poly)]
    return out


def _accurate_logs(e: sp.Expr, sc: Scale) -> sp.Expr:
    """The far forms' logs of a sum next to 1, as the log form of acosh makes them (fisher_rao_squared next to sigma = 2
    and 1/2: log X = lg + 2 log(hypot(mu/(sqrt(2) T), sqrt(1 + T^-2))) - log 2 is 0.22 from terms of 0.7, 12 ulp off):
    log(hypot(a, sqrt(onep(r)))) -> loghyp1p(a, r), log1p of the sum r + a^2 instead of the log of its rounded root;
    in std and var, +-lg + log(c), c = 2^j, -> +-logscaled(y, lg, ..): the log of the exact product c T (c^2 v) instead
    of a rounded lg beside a constant it cancels (in the log parametrisations lg is the exact axis value already)."""
    def hyp(a: sp.log) -> sp.Expr:
        h = a.args[0]
        for x, b in (h.args, h.args[::-1]):
            if isinstance(b, sp.Pow) and b.exp == sp.S.Half and isinstance(b.base, rewrite.onep):
                return loghyp1p(x, b.base.args[0])
        return a
    e = e.replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], rewrite.hypot), hyp)
    e = e.replace(lambda a: isinstance(a, sp.Add) and len(a.args) == 2 and sp.S.One in a.args, _one_minus_exp)
    if not sc.exact_powers:
        return e
    y, k = (T, sp.S.One) if sc.param == "std" else (vv, sp.S.Half)

    def dyadic_log(t: sp.Expr):  # q log((2^i)^x) -> q i x, q and x rational (log(sqrt(2)) of a product's constant)
        q, r = t.as_coeff_Mul()
        if q.is_Rational and isinstance(r, sp.log):
            c, x = r.args[0].as_base_exp()
            if c.is_Rational and c > 0 and x.is_Rational and (c.p & (c.p - 1)) == 0 and (c.q & (c.q - 1)) == 0:
                return q * x * (int(c.p).bit_length() - int(c.q).bit_length())
        return None

    def pair(s: sp.Add) -> sp.Expr:
        terms = list(s.args)
        gs = [t.as_coeff_Mul()[0] for t in terms if t.as_coeff_Mul()[1] == lg and t.as_coeff_Mul()[0].is_Rational]
        logs = [t for t in terms if dyadic_log(t) is not None]
        if len(gs) != 1 or len(logs) != 1:
            return s
        g, j = gs[0], dyadic_log(logs[0])  # g lg + j log 2 = g k log(2^(j / (g k)) y), exact where j/(g k) is whole
        e2 = j / (g * k)
        if not e2.is_Integer:
            return s
        terms = [t for t in terms if t is not logs[0] and t != g * lg]
        return sp.Add(*terms, g * logscaled(y, lg, sp.Integer(2) ** e2, k))
    return e.replace(lambda a: isinstance(a, sp.Add) and a.has(lg), pair)


def _positive_scale_factor(f: sp.Expr) -> bool:
    """A positive constant, a power of T, or a power of onep(c T^k), c > 0: a factor whose log the far forms take."""
    base, _ = f.as_base_exp()
    if f.is_number:
        return bool(f.is_positive)
    if base == T:
        return True
    if isinstance(base, rewrite.onep):
        c, r = base.args[0].as_coeff_Mul()
        return c > 0 and r.as_base_exp()[0] == T
    return False


def _one_minus_exp(s: sp.Add) -> sp.Expr:
    """1 - P exp(E), P a product of positive scale factors -> -expm1(E + log P), log P term by term (k lg + log1p(..)
    + log c): next to 1 (hellinger_squared's far forms next to sigma = 2, P exp(E) = 0.89) the difference of the rounded
    product cancels (7 ulp); the near form has the same -expm1 already."""
    t = s.args[0] if s.args[1] == 1 else s.args[1]
    q, rest = t.as_coeff_Mul()
    exps = [f for f in sp.Mul.make_args(rest) if isinstance(f, sp.exp)]
    if q != -1 or len(exps) != 1:
        return s
    factors = [f for f in sp.Mul.make_args(rest) if f is not exps[0]]
    if not factors or not all(_positive_scale_factor(f) for f in factors):
        return s
    return -rewrite._expm1(exps[0].args[0] + rewrite._log_of_product(sp.Mul(*factors)))


def _coefficient_chains(e: sp.Expr, sc: Scale) -> sp.Expr:
    """c T^(p/q) F, c a constant far from 1 (|log2 c| > 64), F free of T, q in (1, 2, 4), the power not an integer
    from -4 to 4 in std and var (those the printer divides or multiplies from c outward) -> pw(c, T^(1/q), p, 1) F:
    c / T^(1/q) ... / T^(1/q), each step between c and c T^(p/q), so none leaves the float64 range unless the product
    does (-2.5e-301 sigma^(-3/2) at sigma = 1e-300 is -2.5e149, was -2.5e-301 (1 / sigma^1.5) = -inf; 3e-300 exp(3 s)
    at s = 300 is 3e91, was 3e-300 inf)."""
    def rule(m: sp.Mul) -> sp.Expr:
        powers, c = [f for f in m.args if f.as_base_exp()[0] == T], _far_constant(m)
        if len(powers) != 1 or c is None:
            return m
        k = powers[0].as_base_exp()[1]
        if not k.is_Rational or k.q not in (1, 2, 4) or (k.is_Integer and abs(k) <= 4 and sc.exact_powers) \
                or abs(k.p) > 16:
            return m
        rest = sp.Mul(*(f for f in m.args if not f.is_number and f is not powers[0]))
        return rest * rewrite.pw(c, T ** sp.Rational(1, k.q), k.p, 1)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def _far_constant(m: sp.Mul) -> sp.Number | None:
    """The product of the constant factors of ``m`` as one number (an exact constant to 30 digits: correctly rounded
    when printed) where float64 holds it, non-zero, with |log2 c| > 64; else None (a product of constants beyond
    float64, exp(-1000) 10^6 / 2, is left as it is: its factors are printed and rounded one by one)."""
    c = sp.Mul(*(f for f in m.args if f.is_number))
    c = c if c.is_Number else sp.N(c, 30)
    return c if c.is_Number and c != 0 and _in_float64(c) and abs(math.log2(abs(float(c)))) > 64 else None


def _exact_variance(e: sp.Expr, sc: Scale) -> sp.Expr:
    """param="var": even powers of T = sqrt(v) as powers of v, and T^2 - 1 (as d (T + 1) or d (d + 2)) as
    v - 1, both exact from the axis, not rebuilt from the rounded sqrt(v)."""
    if sc.param != "var":
        return e
    e = e.subs({d * (T + 1): dv, d * (d + 2): dv})
    return e.replace(lambda a: isinstance(a, sp.Pow) and a.base == T and a.exp.is_Integer and a.exp % 2 == 0,
                     lambda a: vv ** (a.exp / 2))


def _divided_by_T(e: sp.Expr, sc: Scale, region: str) -> sp.Expr:
    """std, below 1/2: pw(m, 1/T, k, n) -> pw(m, T, -k, n), printed as m / T / ... / T: 1/T overflows at a denormal
    sigma where m / T does not (3 mu / sigma at mu = 1e-200, sigma = 1e-310 is 3e110, was inf)."""
    if sc.param != "std" or region != "low":
        return e
    e = e.replace(lambda a: isinstance(a, rewrite.pw) and a.args[1] == 1 / T,
                  lambda a: rewrite.pw(a.args[0], T, -a.args[2], a.args[3]))
    return e.replace(lambda a: isinstance(a, sp.Mul), _hypot_before_T)


def _hypot_before_T(m: sp.Mul) -> sp.Expr:
    """m / (T h) times h^-r (pw(m, 1/(T h), 1, 1) h^-r, h a hypot) -> m / h / ... / h / T: the divisions by the
    hypot first, then by T. mul0(m, 1/(T h)) overflows where 1/(T h) does (fisher_rao_squared's d2/dmu dsigma at
    sigma = 1e-310: mu / (T h) / h at mu = 1e150 is 8e160 but mu / (T h) is inf; at mu = 1e-200, 1/T is inf)."""
    ratios = [f for f in m.args if isinstance(f, rewrite.pw) and f.args[2:] == (1, 1)
              and isinstance(1 / (f.args[1] * T), rewrite.hypot)]
    if len(ratios) != 1:
        return m
    a, h = ratios[0].args[0], 1 / (ratios[0].args[1] * T)
    k = m.as_powers_dict().get(h, 0)
    r = int(-k) if sp.sympify(k).is_Integer and k < 0 else 0
    rest = sp.Mul(*(f for f in m.args if f is not ratios[0]))
    return rest * h**r * rewrite.pw(rewrite.pw(a, h, -(1 + r), 1), T, -1, 1)


def _far_symbols(e: sp.Expr, sc: Scale) -> sp.Expr:
    """For the log parametrisations, powers of T as exp(k lg): no overflow of T where T^k is finite."""
    if sc.exact_powers:
        return e
    e = e.replace(lambda a: isinstance(a, sp.Pow) and a.base == T, lambda a: sp.exp(a.exp * lg)).subs(T, sp.exp(lg))
    return _halved_exp_factors(e)


def _halved_exp_factors(e: sp.Expr) -> sp.Expr:
    """pw(m, exp(E), k, n) -> pw(m, exp(E/2), 2 k, n): mu exp(-lg) at lg = 745 is mu times a denormal (4.9e-324
    for 2.8e-324); mu exp(-lg/2) exp(-lg/2) rounds each step in the normal range."""
    return e.replace(lambda a: isinstance(a, rewrite.pw) and isinstance(a.args[1], sp.exp),
                     lambda a: rewrite.pw(a.args[0], sp.exp(a.args[1].args[0] / 2), 2 * a.args[2], a.args[3]))


def _split(e: sp.Expr) -> tuple:
    """(mu-only, scale-only, mixed) parts of a sum; constants join the scale part, where they may cancel."""
    parts = {"mu": [], "sigma": [], "mixed": [], "const": []}
    for t in sp.Add.make_args(e):
        free = t.free_symbols
        scale_dep = bool(free & set(SCALE_SYMBOLS))
        parts["mixed" if mu in free and scale_dep else "sigma" if scale_dep else "mu" if mu in free
              else "const"].append(t)
    parts["sigma" if parts["sigma"] or not parts["mu"] else "mu"] += parts["const"]
    return tuple(sp.Add(*parts[k]) for k in ("mu", "sigma", "mixed"))


def _prefer_T(e: sp.Expr) -> sp.Expr:
    """Polynomials in d whose coefficients in T share one sign are evaluated in T (no cancellation for
    T > 0, and no rounding of d = T - 1 when T is small)."""
    def better(p):
        q = sp.Poly(sp.expand(p.subs(d, T - 1)), T)
        signs = {c > 0 for c in q.coeffs()}
        return q.as_expr() if len(signs) == 1 else p
    return e.replace(lambda x: isinstance(x, sp.Add) and x.free_symbols == {d} and x.is_polynomial(d), better)


class expc(sp.Function):  # noqa: N801
    """expc(c_hi, c_lo, lg) = exp((c_hi + c_lo) lg), c_hi the float64 of c and c_lo the rest (numbers, which cse leaves
    alone), whole so that cse cannot take c lg apart: printed expmul (:func:`special.expmul`)."""

    nargs = 3


def _expc(c: sp.Expr) -> expc:
    hi = _float64(c)
    return expc(sp.Float(hi, 17), sp.Float(float((c - sp.Float(hi, 60)).evalf(40)), 17), lg)


def _lg_multiple(arg: sp.Expr) -> sp.Expr | None:
    """c where ``arg`` is c lg, c a real number whose product with lg rounds (not a power of 2), else None."""
    c, rest = arg.as_independent(lg, as_Add=False)
    if rest != lg or not (c.is_number and c.is_real) or c == 0:
        return None
    return None if c.is_Rational and sp.log(abs(c), 2).is_Integer else c


def exact_products(e: sp.Expr) -> sp.Expr:
    """Every exp(c lg) whose product c lg rounds as expc(c, lg), before cse (sigma^(7/5) + 1 was printed exp(x) after
    cse took x = 1.4 lg out: 304 ulp at s = 320.95), for float and irrational c too; lg is exact in the log params."""
    return e.replace(lambda a: isinstance(a, sp.exp) and _lg_multiple(a.args[0]) is not None,
                     lambda a: _expc(_lg_multiple(a.args[0])))


class muchain(sp.Function):  # noqa: N801
    """muchain(F, mu, n) = F mu^n, F free of mu, printed ((F mu) mu)...: the power of mu meets its coefficient first
    (:func:`mu_chains`)."""

    nargs = 3


_MAX_CHAIN = 8  # mu^n up to this is a chain of n products; beyond, pow (as printed before)


def mu_chains(e: sp.Expr) -> sp.Expr:
    """Every product F mu^n, n an integer from 1 to 8 and F != 1 free of mu (a number, a scale quantity, a product or
    sum of them; for n = 1 a product of two or more), as muchain(F, mu, n): F first, then mu one factor at a time
    (-2 mu / sigma^3 at mu = -1.8e308, sigma = 1.5 is 1.07e308, was (-2 mu) / sigma^3 = inf in the fused kernels,
    where cse had left -2 mu and 1/sigma^3 apart). The partial products F, F mu, F mu^2, ...
    are monotone in magnitude (|mu| >= 1: growing from |F|; |mu| < 1: falling to the result), so each lies between
    F and F mu^n and none overflows or underflows unless F or the result does; mu^n first overflows at |mu| above
    1.34e154 (n = 2) where F mu^n is finite (kl's mu^2/2 at mu = 1.8e154 is 1.6e308, was inf; reverse_kl's 3 mu^2 /
    sigma^4 near sigma = 2), and 0 inf = NaN where F is 0. As many roundings as mu^n F; one product more per point
    where F is a scale quantity (F mu, then mu), none where it is a number (the mu stage)."""
    def rule(m: sp.Mul) -> sp.Expr:
        n = m.as_powers_dict().get(mu, 0)
        if not (sp.sympify(n).is_Integer and 1 <= n <= _MAX_CHAIN):
            return m
        others = [f for f in m.args if f.as_base_exp()[0] != mu]
        rest = sp.Mul(*others)
        if rest == 1 or (n == 1 and len(others) < 2) or rest.has(mu) or rest.has(muchain):
            return m
        return muchain(rest, mu, n)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


class chorner(sp.Function):  # noqa: N801
    """chorner(x, c_n, ..., c_0) = c_n x^n + ... + c_0, by the compensated Horner scheme (:func:`special.chorner`)."""


class xmlog1p_or_log(sp.Function):  # noqa: N801
    """xmlog1p_or_log(a, q) = a - log1p(a), q = 1 + a: xmlog1p(a) where a >= -0.7, a - log(q) below
    (:func:`special.xmlog1p_or_log`)."""

    nargs = 2


class log1p_or_log(sp.Function):  # noqa: N801
    """log1p_or_log(a, q) = log1p(a) = log(q) for q = 1 + a: log1p where |a| < 1/2, log(q) elsewhere
    (:func:`special.log1p_or_log`)."""

    nargs = 2


class loghyp1p(sp.Function):  # noqa: N801
    """loghyp1p(a, r) = log(hypot(a, sqrt(1 + r))), r >= 0: 0.5 log1p(r + a^2), one rounding of the sum, where a^2 is
    in range, so that a log of a number next to 1 keeps its digits (:func:`special.loghyp1p`)."""

    nargs = 2

    def _eval_is_nonnegative(self):  # the log of a number >= 1: an exp of -loghyp1p does not grow (rewrite.grows_exp)
        return True if self.args[1].is_nonnegative else None


class logscaled(sp.Function):  # noqa: N801
    """logscaled(y, lg, c, k) = lg + k log(c) with lg = k log(y): k log(c y) from the product c y, exact for a dyadic c
    (:func:`special.logscaled`)."""

    nargs = 4


class claurent(sp.Function):  # noqa: N801
    """claurent(x, kmin, c_n, ..., c_0) = (c_n x^n + ... + c_0) x^kmin, compensated (:func:`special.claurent`)."""


class lograt(sp.Function):  # noqa: N801
    """lograt(kind, x, n, c_N..., c_D...) = log1p(N/D) (kind 0) or xmlog1p(N/D) (kind 1), the first n coefficients
    N's, from 106-bit N, D and u = N / (N + 2 D) (:func:`special.lograt`)."""


class croot(sp.Function):  # noqa: N801
    """croot(lg, l0, l0_lo, n, window, plain, b_0, ..., b_m-1) = f(T) / T^n next to a root r = exp(l0 + l0_lo) of f,
    T = exp(lg) rounded, from E = expm1(lg - log r) (:func:`special.croot`); ``plain`` elsewhere."""


class lgsum(sp.Function):  # noqa: N801
    """lgsum(lg, kind, q, c, r, rest) = q lg + c + r rest, q and r rational, c a number that is not a power of 2 (to
    30 digits), with every product's and sum's rounding error kept (:func:`special.lgsum`); lg's own error too where it
    is computed from the axis value (kind 1: std, 2: var, lg = log(sg), log(sg)/2: :func:`special.lglo`; 0: exact)."""


def _lg_sums(e: sp.Expr, region: str, sc: Scale) -> sp.Expr:
    """A far form's scale-only sum q lg + c + rest (c a number that is not rational, :func:`_numbers_once`) that
    cancels at the region's edge sigma = 1/2 or 2 (|sum| < max |term| / 2 there) -> lgsum(lg, kind, q, c, r, rest):
    renyi(0.3)'s value, -lg + 5/7 log1p(7 sigma^2/3) - 0.86 below 1/2 and 3/7 lg + 5/7 log1p(3/(7 sigma^2)) - 0.25
    above 2, is 0.115 at sigma = 2 from terms of 0.3, and each term's rounding (q lg, c, the sums) reached the result:
    5-6 ulp."""
    if region not in ("low", "high") or not isinstance(e, sp.Add):
        return e
    consts = [a for a in e.args if a.is_Float]
    lgs = [a for a in e.args if a.as_coeff_Mul()[1] == lg and a.as_coeff_Mul()[0].is_Rational]
    if len(consts) != 1 or len(lgs) != 1:
        return e
    t0 = sp.Rational(NEAR[0]) if region == "low" else sp.Rational(NEAR[1])
    at = {T: t0, lg: sp.log(t0), d: t0 - 1, vv: t0**2, dv: t0**2 - 1, sg: sc.x_of_T().subs(T, t0)}
    try:
        vals = [complex(sp.N(rewrite.elementary(a).subs(at), 20)) for a in e.args]
    except (TypeError, ValueError):
        return e
    if any(v.imag or not math.isfinite(v.real) for v in vals) or not abs(sum(vals).real) < max(
            abs(v.real) for v in vals) / 2:
        return e
    rest = sp.Add(*(a for a in e.args if a is not consts[0] and a is not lgs[0]))
    r, rest = rest.as_coeff_Mul(rational=True)
    kind = sp.Integer({"std": 1, "var": 2}.get(sc.param, 0))
    return lgsum(lg, kind, lgs[0].as_coeff_Mul()[0], consts[0], r, rest)


# Where the scale quantity is exact (std: T = sigma, and d = T - 1 in the near form; var: v = T^2, the axis value) and
# a (Laurent) polynomial in it has a root other than 0 inside the region, its plain sum cancels next to the root:
# (x, lo, hi) per region. In the log parametrisations T = exp(lg) is rounded: the ranges are of T (croot).
_HALF = sp.Rational(1, 2)
_EXACT_RANGES = {
    "std": {"low": ((T, 0, _HALF),), "near": ((d, -_HALF, 1), (T, _HALF, 2)), "high": ((T, 2, sp.oo),)},
    "var": {"low": ((vv, 0, _HALF / 2),), "near": ((vv, _HALF / 2, 4),), "high": ((vv, 4, sp.oo),)},
    "log": {"low": ((T, 0, _HALF),), "near": ((T, _HALF, 2),), "high": ((T, 2, sp.oo),)},
}
# roots left to the d-form: sigma = 1 (v = 1), where d = expm1(lg) (v - 1) is already exact; and 0
_SKIPPED = {"std": (0,), "var": (0, 1), "log": (0, 1)}


def _in_v(a: sp.Expr) -> sp.Expr | None:
    """param="var": ``a`` in v = T^2 alone (d = T - 1, dv = v - 1, T^2 = v), or None where an odd power of T stays."""
    if not a.free_symbols <= {vv, dv, d, T}:
        return None
    a = sp.expand(sp.expand(a.subs({dv: vv - 1, d: T - 1})).subs(T, sp.sqrt(vv)))
    return a if a.free_symbols <= {vv} else None


def _in_T_powers(a: sp.Expr) -> sp.Expr | None:
    """The log params: ``a`` in T alone (d = T - 1, exp(k lg) = T^k for an integer k), or None."""
    if not a.free_symbols <= {d, T, lg}:
        return None

    def power(e):
        k = sp.simplify(e.args[0] / lg)
        return T**k if k.is_Integer else e
    a = a.subs(d, T - 1).replace(lambda e: isinstance(e, sp.exp) and e.args[0].free_symbols == {lg}, power)
    return a if lg not in a.free_symbols else None


def _cancelling(a: sp.Expr, x: sp.Symbol, lo, hi, kind: str = "std") -> tuple | None:
    """(kmin, P, lo, hi) with ``a`` = x^kmin P(x) (T read as 1 + d where x is d; in var, T^2 as v; in the log params
    exp(k lg) as T^k), P a polynomial of rational coefficients with a real root in [lo, hi] other than those
    :data:`_SKIPPED`; else None."""
    if not a.free_symbols:
        return None
    a = _in_v(a) if x == vv else _in_T_powers(a) if kind == "log" else a
    if a is None or not a.free_symbols or not a.free_symbols <= {x, T}:
        return None
    a = sp.expand(a.subs(T, 1 + d) if x == d else a)
    powers = [t.as_coeff_exponent(x)[1] for t in sp.Add.make_args(a)]
    if not all(k.is_Integer for k in powers):
        return None
    kmin = min(min(powers), 0)
    try:
        p = sp.Poly(sp.expand(a * x**-kmin), x)
    except sp.PolynomialError:
        return None
    if p.degree() < 1 or p.degree() > 64 or not all(c.is_Rational for c in p.all_coeffs()):
        return None
    if not _roots_in(p, lo, hi, _SKIPPED[kind]):
        return None
    return int(kmin), p, lo, hi


def _roots_in(p: sp.Poly, lo, hi, skipped=(0,)) -> list:
    return [r for r in sp.real_roots(p) if r not in skipped and lo <= r <= hi]


def _compensated_form(found, x, region: str) -> sp.Expr | None:
    """x^kmin P(x) as a product over P's irreducible factors f^k of (compensated f)^k: a repeated root is a factor's
    simple root, raised (the expanded (sigma^2 - 5)^2 cancels beyond even twice the working precision). Above sigma =
    2 each factor is divided by x^deg f (claurent: finite where x^deg f overflows), else taken whole (chorner); the
    coefficients integers below 2^53."""
    kmin, p, lo, hi = found
    content, factors = sp.factor_list(p.as_expr(), x)
    out, shift = sp.S(content), kmin
    for f, k in factors:
        q = sp.Poly(f, x)
        coeffs = q.all_coeffs()
        if not _roots_in(q, lo, hi):  # no cancellation in this factor: as it is
            out *= f**k
            continue
        if not all(c.is_Integer and abs(c) <= 2**53 for c in coeffs):
            return None
        n = len(coeffs) - 1 if region == "high" else 0
        out *= (claurent(x, -n, *coeffs) if n else chorner(x, *coeffs)) ** k
        shift += n * k
    return out * x**shift


def _T_power(k, region: str) -> sp.Expr:
    """T^k as the log params print it: T (= 1 + d) near 1, exp(k lg) in the far regions (no overflow of T)."""
    return T**k if region == "near" else sp.exp(k * lg)


def _croot_form(found, region: str) -> sp.Expr | None:
    """The log params: T^kmin P(T) as a product over P's irreducible factors f^k; a factor with a root r inside the
    region (not 0 or 1) is croot(.., f(T) / T^n, ..)^k, n = deg f above sigma = 2 (no overflow of T^n), else 0: its
    value from expm1(lg - log r) within the root's window, the plain sum elsewhere (a second root in the region:
    nested)."""
    kmin, p, lo, hi = found
    content, factors = sp.factor_list(p.as_expr(), T)
    out, shift = sp.S(content), kmin
    for f, k in factors:
        q = sp.Poly(f, T)
        roots = _roots_in(q, lo, hi, _SKIPPED["log"])
        if not roots:
            out *= f**k
            continue
        if q.degree() > 8:
            return None
        n = q.degree() if region == "high" else 0
        form = sp.expand(f / T**n)
        form = form if region == "near" else form.replace(lambda a: isinstance(a, sp.Pow) and a.base == T,
                                                          lambda a: sp.exp(a.exp * lg)).subs(T, sp.exp(lg))
        for r in roots:
            form = _croot(q, r, n, form)
        out *= form**k
        shift += n * k
    return out * _T_power(shift, region)


def _croot(q: sp.Poly, r, n: int, plain: sp.Expr) -> croot:
    """croot of the factor q at its simple root r: b_k = q^(k)(r) r^(k - n) / k! (k = m .. 1), to 60 digits; the
    window in t = lg - log r: |E| at most half the distance |r_j / r - 1| to every other root r_j, and t <= 1/2."""
    import mpmath

    with mpmath.workdps(60):
        rr = mpmath.mpf(str(sp.N(r, 70)))
        a = [mpmath.mpf(int(c.p)) / int(c.q) for c in reversed(q.all_coeffs())]  # a[j] T^j
        m = q.degree()
        b = [sum(a[j] * mpmath.binomial(j, k) * rr ** (j - k) for j in range(k, m + 1)) * rr ** (k - n)
             for k in range(m, 0, -1)]
        others = [z for z in mpmath.polyroots(list(reversed(a)), maxsteps=200, extraprec=200)
                  if abs(z - rr) > mpmath.mpf(10) ** -40]
        gap = min([abs(z / rr - 1) for z in others], default=mpmath.mpf(2))
        window = min(mpmath.mpf(1) / 2, mpmath.log1p(gap / 2))
        l0 = mpmath.log(rr)
        hi = float(l0)
        args = [lg, sp.Float(hi, 17), sp.Float(float(l0 - hi), 17), sp.Integer(n), sp.Float(float(window), 17), plain]
        return croot(*args, *(sp.Float(float(v), 17) for v in b))


_EXACT_SYMBOLS = (d, T, vv, dv)


def _lograt(a: sp.Expr, kind: str) -> lograt | None:
    """log1p(A) or xmlog1p(A) near sigma = 1 (std: d, T exact; var: v), A a ratio of polynomials in the exact
    quantity formed with more than one rounding (not c x^k y^m of exact x, y): lograt of N(x) and D(x), integer
    coefficients below 2^53, x = d in std, v in var. reverse_kl's value in std, xmlog1p(-d (T + 1) / T^2), was 7 ulp
    off on sigma in [1.5, 2] (A rounded four times, xmlog1p's condition 3.5 there); renyi(0.3)'s log1p, 9 ulp at
    0.51."""
    arg = a.args[0]
    if all(f.is_number or (f.as_base_exp()[0] in _EXACT_SYMBOLS and f.as_base_exp()[1].is_Integer)
           for f in sp.Mul.make_args(arg)):
        return None  # one rounding at most (d, -dv / v)
    if not arg.free_symbols or not arg.free_symbols <= set(_EXACT_SYMBOLS):
        return None
    x = vv if kind == "var" else d
    num, den = sp.fraction(sp.together(arg))
    polys = []
    for part in (num, den):
        part = _in_v(part) if kind == "var" else sp.expand(part.subs(T, 1 + d))
        if part is None or not part.free_symbols <= {x}:
            return None
        try:
            polys.append(sp.Poly(part, x))
        except sp.PolynomialError:
            return None
    if max(p.degree() for p in polys) > 16 or not all(c.is_Rational for p in polys for c in p.all_coeffs()):
        return None
    scale = sp.ilcm(*[c.q for p in polys for c in p.all_coeffs()])
    coeffs = [[c * scale for c in p.all_coeffs()] for p in polys]
    if not all(abs(c) <= 2**53 for cs in coeffs for c in cs):
        return None
    return lograt(sp.Integer(int(isinstance(a, rewrite.xmlog1p))), x, sp.Integer(len(coeffs[0])), *coeffs[0],
                  *coeffs[1])


def compensated(e: sp.Expr, region: str, sc: Scale) -> sp.Expr:
    """Sums in ``e`` that are (Laurent) polynomials in the scale with a root inside ``region`` -> their compensated
    form; log1p(A) where 1 + A is one -> log1p_or_log(A, that form). In std and var, where the quantity (T, d; v) is
    exact, the compensated Horner scheme; in the log params, where T = exp(lg) is rounded, croot (from expm1(lg -
    log r): as right as the input lg allows). A domain edge is such a root (Renyi's a + (1 - a) sigma^2: its plain sum
    was 2e-3 off at the float below sqrt(2) in std, 4.5e11 ulp at v = 2(1 - 1e-12) in var), and so is a plane's zero
    (reverse_kl's d2/dsigma2 at sigma = sqrt(3), d2/dv2 at v = 2)."""
    kind = sc.param if sc.param in ("std", "var") else "log"
    if region not in _EXACT_RANGES[kind]:
        return e

    def form(a):  # in d first, where the near form in std has it, else in T (v)
        for x, lo, hi in _EXACT_RANGES[kind][region]:
            found = _cancelling(a, x, lo, hi, kind)
            if found:
                return _croot_form(found, region) if kind == "log" else _compensated_form(found, x, region)
            if x == vv:  # sigma times a polynomial in v (renyi(3/2)'s joined logs: sigma (3 - v) / 2)
                found = _cancelling(sp.expand(a.subs(d, T - 1) / T), x, lo, hi, kind)
                c = _compensated_form(found, x, region) if found else None
                if c is not None:
                    return T * c
        return None

    def rule(a):
        if isinstance(a, (rewrite._log1p, rewrite.log1p, rewrite.xmlog1p)):  # 1 + A next to its root, A near 0
            c = form(1 + a.args[0])
            fn = xmlog1p_or_log if isinstance(a, rewrite.xmlog1p) else log1p_or_log
            if c is None and region == "near" and kind != "log":
                return _lograt(a, kind) or a
            return a if c is None else fn(a.args[0], c)
        c = form(1 + a.args[0] if isinstance(a, rewrite.onep) else a)
        return a if c is None else c
    def sums(a):
        return a.replace(lambda b: isinstance(b, (sp.Add, rewrite.onep)), rule)
    done = {}

    def logs(a):  # before the sums inside A, which would hide the polynomial 1 + A (renyi(9/4)'s near form)
        b = rule(a)
        if b is a:
            return a
        done[k := sp.Dummy()] = b.func(sums(b.args[0]), *b.args[1:]) if b.func in (log1p_or_log, xmlog1p_or_log) else b
        return k
    e = e.replace(lambda a: isinstance(a, (rewrite._log1p, rewrite.log1p, rewrite.xmlog1p)), logs)
    return sums(e).xreplace(done)


class BeyondFloat64(ValueError):
    """A number the generated code needs (in a derivative or an expanded form) is not a normal float64."""


def _in_float64(v: sp.Expr) -> bool:
    """A real number that float64 holds as a normal number, or exactly 0 (compared exactly: float() of 1e-400 is 0)."""
    return bool(v.is_zero) or sys.float_info.min <= abs(v) <= sys.float_info.max


def _float64(expr) -> float:
    if not _in_float64(expr):
        raise BeyondFloat64(f"its kernel needs the number {sp.N(expr, 3)} (in a derivative or an expanded form: "
                            "9e307*mu**2 has the gradient 1.8e308*mu), beyond float64's range (magnitudes from about "
                            "2.2e-308 to 1.8e308); rescale the penalty")
    return float(expr)


class _Printer(PythonCodePrinter):
    def __init__(self):
        super().__init__({"allow_unknown_functions": True, "fully_qualified_modules": True})

    def _print_Rational(self, expr):
        return f"{_float64(expr)!r}"

    def _print_Integer(self, expr):
        return f"{_float64(expr)!r}"

    def _print_Float(self, expr):
        if expr != 0 and abs(expr) < sys.float_info.min and float(expr) == expr:  # a denormal: scaled's summands
            return repr(float(expr))
        _float64(expr)
        return super()._print_Float(expr)

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp.is_Integer and 2 <= exp <= 4:  # repeated products: exact and faster than pow
            return f"({'*'.join([f'({self._print(base)})'] * int(exp))})"
        if exp.is_Integer and -4 <= exp <= -2:
            return f"(1.0{self._divisions(base, -exp)})"
        if exp.is_Rational and not exp.is_Integer and exp.q & (exp.q - 1) and base.is_positive is not False:
            # any base not known to be negative (cse symbols carry no sign: |mu|^(2/3) as x0**0.666 was 66 ulp off
            # at mu = 1e150); rootpow is pow itself where x <= 0 or the power overflows
            return f"rootpow({self._print(base)}, {exp.p}, {exp.q})"
        return super()._print_Pow(expr, rational)

    def _divisions(self, base, k) -> str:
        """/b/b.../b: as many roundings as /(b*b...*b), but no b^k that overflows (or underflows) where the
        quotient is a finite float or a denormal (1/T^3 at T = 1.3e103 is 4e-310, not 0)."""
        return f"/({self._print(base)})" * int(k)

    def _print_Mul(self, expr):
        num, den = [], []
        for f in expr.as_ordered_factors():
            b, k = f.as_base_exp()
            if k.is_Integer and -4 <= k <= -2:
                den.append((b, -k))
            else:
                num.append(f)
        c, rest = expr.as_coeff_Mul()
        if not den and c.is_Number and not c.is_zero and abs(math.log2(abs(_float64(c)))) > 64:
            return self._coefficient_first(c, rest)
        if not den or not num:
            return super()._print_Mul(expr)
        return f"(({self._print(sp.Mul(*num))}){''.join(self._divisions(b, k) for b, k in den)})"

    def _coefficient_first(self, c, rest) -> str:
        """c x x ... as ((c x) x)...: with |c| far from 1, c mu^2 at mu = 1e-200 is 1e300 * 1e-400, which mu * mu
        underflows to 0 first; from c outward each product lies between c and the result, so none overflows or
        underflows unless the result does."""
        factors = []
        for f in sp.Mul.make_args(rest):
            b, k = f.as_base_exp()
            factors += [b] * int(k) if k.is_Integer and 2 <= k <= 4 else [f]
        return f"({'*'.join([repr(_float64(c))] + [f'({self._print(f)})' for f in factors])})"

    def _print_muchain(self, expr):
        f, x, n = expr.args
        text = f"({self._print(f)})"
        for _ in range(int(n)):
            text = f"({text}*{self._print(x)})"
        return text

    def _print_powman(self, expr):
        return f"{type(expr).__name__}({self._print(expr.args[0])}, {int(expr.args[1])}, {int(expr.args[2])})"

    _print_powexp = _print_powman

    def _print_onep(self, expr):
        return f"(1.0 + {self._print(expr.args[0])})"

    def _print_pw(self, expr):
        m, h, k, n = expr.args
        base = self._print(m)
        for _ in range(abs(int(k))):  # nested: 0 stays 0 even where h is inf; k < 0: divided by h (h > 0)
            base = f"mul0({base}, {self._print(h)})" if k > 0 else f"({base} / {self._print(h)})"
        if n.is_Integer and 1 <= n <= 4:
            return f"({'*'.join([f'({base})'] * int(n))})"
        return f"({base})**{self._print(n)}"

    def _print_lexp(self, expr):
        return f"math.exp({self._print(expr.args[0])})"

    def _print_llog(self, expr):
        return f"math.log(abs({self._print(expr.args[0])}))"

    def _print_lzero(self, expr):
        return f"(-math.inf if {self._print(expr.args[0])} == 0 else {self._print(expr.args[1])})"

    def _print_lrel(self, expr):
        a, b = (self._print(x) for x in expr.args)
        return f"(1.0 if {a} == {b} else math.exp({a} - {b}))"

    def _print_lmax(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_sgn(self, expr):
        x = self._print(expr.args[0])
        return f"(0.0 if {x} == 0 else math.copysign(1.0, {x}))"

    def _print_kink(self, expr):
        """a where g > 0, b where g < 0; at g = 0, a if a == b and c == 0, else NaN (:mod:`vaemath.kernels.kinks`)."""
        g, a, b, c = (self._print(x) for x in expr.args)
        same = f"{a} == {b}" + ("" if expr.args[3] == 0 else f" and {c} == 0.0")
        return f"({a} if {g} > 0.0 else {b} if {g} < 0.0 else {a} if {same} else math.nan)"

    def _print_horner(self, expr):
        """c0 + u*(c1 + u*(... + u*cN)): the Taylor polynomial of :mod:`vaemath.kernels.series`."""
        u, cs = self._print(expr.args[0]), expr.args[1:]
        text = repr(float(cs[-1]))
        for c in reversed(cs[:-1]):
            text = f"{float(c)!r} + ({u}) * ({text})"
        return f"({text})"

    def _print_pick(self, expr):
        m, b, x, y = (self._print(a) for a in expr.args)
        return f"(({x}) if {m} <= {b} else ({y}))"

    _print_dpick = _print_pick  # the printer's lookup by name finds sympy's Function first

    def _print_logabs(self, expr):
        return f"math.log(abs({self._print(expr.args[0])}))"

    _print_dlogabs = _print_logabs

    def _print_absval(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_hypot(self, expr):
        return f"math.hypot({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_expc(self, expr):
        hi, lo, x = expr.args
        return f"expmul({float(hi)!r}, {float(lo)!r}, {self._print(x)})"

    def _print_log1p_or_log(self, expr):
        return f"{type(expr).__name__}({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    _print_xmlog1p_or_log = _print_log1p_or_log

    def _print_loghyp1p(self, expr):
        return f"loghyp1p({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_logscaled(self, expr):
        y, lg_, c, k = expr.args
        return f"logscaled({self._print(y)}, {self._print(lg_)}, {float(c)!r}, {float(k)!r})"

    def _print_ddcoef_hi(self, expr):
        x, y, mode, *coeffs = expr.args
        return (f"{type(expr).__name__}({self._print(x)}, {self._print(y)}, {int(mode)}, "
                f"({', '.join(self._print(c) for c in coeffs)},))")

    _print_ddcoef_lo = _print_ddcoef_hi

    def _print_ddhorner(self, expr):
        x, sq, uh, ul, *c = expr.args
        n = len(c) // 2
        his, los = (", ".join(self._print(a) for a in part) for part in (c[:n], c[n:]))
        return f"ddhorner({self._print(x)}, {bool(sq)}, {self._print(uh)}, {self._print(ul)}, ({his},), ({los},))"

    def _print_ddplane(self, expr):
        return f"mul0({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_chorner(self, expr):
        x, *coeffs = expr.args
        return f"chorner({self._print(x)}, ({', '.join(repr(float(c)) for c in coeffs)},))"

    def _print_claurent(self, expr):
        x, kmin, *coeffs = expr.args
        return f"claurent({self._print(x)}, ({', '.join(repr(float(c)) for c in coeffs)},), {int(kmin)})"

    def _print_lograt(self, expr):
        kind, x, n, *c = expr.args
        num, den = (", ".join(repr(float(v)) for v in part) for part in (c[:int(n)], c[int(n):]))
        return f"lograt({int(kind)}, {self._print(x)}, ({num},), ({den},))"

    def _print_croot(self, expr):
        lg_, l0, l0_lo, n, window, plain, *b = expr.args
        coeffs = ", ".join(repr(float(c)) for c in b)
        return (f"croot({self._print(lg_)}, {float(l0)!r}, {float(l0_lo)!r}, ({coeffs},), {int(n)}, {float(window)!r}, "
                f"{self._print(plain)})")

    def _print_lgsum(self, expr):
        lg_, kind, q, c, r, rest = expr.args
        qh, ch, rh = float(q), float(c), float(r)
        ql, cl, rl = float(q - sp.Rational(qh)), float(sp.N(c - sp.Float(ch, 30), 30)), float(r - sp.Rational(rh))
        lo = f"lglo(sg, {self._print(lg_)}, {(0.0, 1.0, 0.5)[int(kind)]!r})" if int(kind) else "0.0"
        return (f"lgsum({self._print(lg_)}, {lo}, {qh!r}, {ql!r}, {ch!r}, {cl!r}, {rh!r}, {rl!r}, "
                f"{self._print(rest)})")

    def _print_log1p(self, expr):
        return f"math.log1p({self._print(expr.args[0])})"

    def _print_expm1(self, expr):
        return f"math.expm1({self._print(expr.args[0])})"


def _stage(sym, stages: dict) -> str:
    return stages.get(sym, "mu" if sym == mu else "sigma" if sym in SCALE_SYMBOLS else "const")


def plan(expr: sp.Expr, what: tuple, param: str = "std", region: str = "near") -> dict:
    """Split and cse one region's planes; classify every subexpression as const, mu, sigma or mixed stage.

    Returns ``replacements`` (cse pairs), ``parts`` (per output plane: its mu-only, sigma-only and
    mixed parts, in terms of the cse symbols) and ``stages`` (cse symbol -> stage). Symbols are
    prefixed by the region's code, so the regions' plans can share one module.
    """
    k = _code(region)
    sc = scale(param)
    raw = _region_planes(expr, what, sc, region)
    raw = series.moved_constants(raw, sc) if region in ("near", "low", "high") else raw
    plain_pieces = [_constants_as_numbers(scaled.products(p)) for p in raw]
    def form(e):  # a part as the kernel has it
        return mu_chains(_numbers_once(exact_products(compensated(_constants_as_numbers(scaled.products(e)), region,
                                                                  sc))))

    code = lambda e: _Printer().doprint(form(e))  # noqa: E731  (as the kernel prints it)
    patched = series.patch(raw, sc, region, code)  # parts whose printed form is measured wrong
    coded = [mu_chains(_numbers_once(exact_products(compensated(q, region, sc) if p is r
                                                    else _constants_as_numbers(scaled.products(p)))))
             for p, r, q in zip(patched, raw, plain_pieces)]
    coded = [_lg_sums(c, region, sc) if i % 3 == 1 else c for i, c in enumerate(coded)]
    if "hess" in what and region in REGIONS:
        coded = _dd_planes(expr, what, sc, region, coded, form)
    replacements, reduced = sp.cse(coded, symbols=sp.numbered_symbols(f"x{k}_"), optimizations="basic")
    stages, hoisted = {}, _Hoister(f"h{k}_")
    for sym, sub in replacements:
        stages[sym] = _kind(sub, stages)
    reps = []
    for sym, sub in replacements:  # inside mixed expressions, hoist pure subtrees out of the inner loop
        reps.append((sym, hoisted(sub, stages) if stages[sym] == "mixed" else sub))
    reduced = [hoisted(e, stages) if _kind(e, stages) == "mixed" else e for e in reduced]
    stages.update(hoisted.stages)
    order = {"const": 0, "sigma": 1, "mu": 2, "mixed": 3}  # a valid evaluation order, stage by stage
    reps = sorted(reps + hoisted.reps, key=lambda r: order[stages[r[0]]])
    parts = [tuple(reduced[3 * k:3 * k + 3]) for k in range(len(reduced) // 3)]
    return {"replacements": reps, "parts": parts, "stages": stages, "fallbacks": _fallbacks(raw, f"f{k}_")}


def _numbers_once(e: sp.Expr) -> sp.Expr:
    """The constant part of every sum and product that is not rational (5/7 log(3/10), log(2)/2 + 1/3) as one number
    to 30 digits, printed and so rounded once: as printed, log(0.3) took the rounded 0.3 and the product and the sum
    rounded again, and a constant that cancels against the scale's terms carries that to the result (renyi(0.3)'s
    value far from sigma = 1, 5/7 log(3/10) - log(sigma) + 5/7 log1p(7 sigma^2/3): 9 ulp at sigma = 1/2). Rationals
    (printed correctly rounded) and constants beyond the float64 range (left to the printer, factor by factor) stay."""
    def number(c):
        v = sp.N(c, 30)
        return v if v.is_Float and _in_float64(v) else None

    def walk(a):
        if a.is_Atom:
            return a
        if a.is_number and not a.is_Rational:
            return number(a) or a
        if isinstance(a, (sp.Add, sp.Mul)):
            nums = [t for t in a.args if t.is_number]
            c = number(a.func(*nums)) if nums and not all(t.is_Rational for t in nums) else None
            if c is not None:
                return a.func(c, *(walk(t) for t in a.args if not t.is_number))
        return a.func(*(walk(t) for t in a.args))
    return walk(e)


def _constants_as_numbers(e: sp.Expr) -> sp.Expr:
    """In every product, its constant factors (exp(-700), sqrt(2) exp(-650)) as one number c to 30 digits where that is
    far from 1 (|log2 c| > 64), and c mu^n as pw(c, mu, n, 1) = (c mu) mu ...: kept whole, cse makes exp(-700) and
    mu^2 variables that the printer cannot order (exp(-700) mu^2 at mu = 1e160 was mu * mu * x0 = inf, true 9.9e15;
    mu (4e-300 mu^2 + 2) was inf, true 4e180); from c outward each product lies between c and the result."""
    def rule(m: sp.Mul) -> sp.Expr:
        c = _far_constant(m)
        if c is None:
            return m
        rest = [f for f in m.args if not f.is_number]
        powers = [f for f in rest if f.as_base_exp()[0] == mu and f.as_base_exp()[1].is_Integer
                  and 1 <= f.as_base_exp()[1] <= 8]
        if not powers:
            return sp.Mul(c, *rest)
        return sp.Mul(*(f for f in rest if f is not powers[0])) * rewrite.pw(c, mu, powers[0].as_base_exp()[1], 1)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def _code(region: str) -> int:
    return BIG_MU_CODE if region == "near_big_mu" else REGIONS.index(region)


def _fallbacks(pieces: list, prefix: str) -> list:
    """Per plane, None or (assignments, value, at_inf) of its log-magnitude form s exp(L)
    (:func:`rewrite.log_magnitude`) where a sum of terms in mu of either sign may be inf - inf as printed. Evaluated
    only where the plane is NaN, and with ``at_inf`` where it is +-inf too: where an exp of mu may grow
    (:func:`rewrite.grows_exp`), whose overflow beside a small factor is inf as printed where the product is finite.
    Built from the pieces before scaled products: ldexpf's exponents are clamped (exp(1e8) is 2^262144), their logs
    not."""
    out = []
    for k in range(len(pieces) // 3):
        plane = sp.Add(*pieces[3 * k:3 * k + 3])
        if not rewrite.may_cancel_overflowing(plane):
            out.append(None)
            continue
        reps, names, seen = [], sp.numbered_symbols(f"{prefix}{k}_"), {}

        def emit(e, reps=reps, names=names, seen=seen):
            if e.is_Atom:
                return e
            if e not in seen:  # a sum met again (the plane repeats its sub-sums) is computed once
                seen[e] = next(names)
                reps.append((seen[e], e))
            return seen[e]
        zeros = rewrite.grows_exp(plane)  # an exp of mu that overflows beside an exact 0 (or sign 0) is 0
        log_abs, sign = rewrite.log_magnitude(rewrite.exps_plain(plane) if zeros else plane, emit, zeros)
        out.append((reps, rewrite.pw(sign, rewrite.lexp(log_abs), 1, 1) if zeros else sign * rewrite.lexp(log_abs),
                    zeros))
    return out


def _fallback_fns(regions: list, sc: Scale) -> list:
    """``fallback_<region>_<plane>(mu, sg)``, the plane's log-magnitude form, and ``fallback_<region>_<plane>_at(mu,
    sg, res)`` over arrays of points, called where the printed plane is NaN (``FALLBACKS``: region -> planes).
    Apart from the parallel kernels, which stay as small (and quick to compile) as without them, and one function
    per plane, so that only the planes a caller meets NaN in are compiled (seconds each)."""
    pr, out = _Printer(), []
    for r in regions:
        for k, fb in enumerate(r.fallbacks):
            if fb is not None:
                reps, value, _ = fb
                body = [*(f"    {s} = {pr.doprint(exact_products(sub))}" for s, sub in reps),
                        f"    return {pr.doprint(exact_products(value))}"]
                name = f"fallback_{r.code}_{k}"
                head, body = _prologue(sc, "    ", body, r.code)
                out += ["", "", _JIT, f"def {name}(mu, sg):", *head, *body,
                        "", "", _JIT, f"def {name}_at(mu, sg, res):", "    for i in range(mu.shape[0]):",
                        f"        res[i] = {name}(np.float64(mu[i]), np.float64(sg[i]))"]
    return out


def _fallback_table(regions: list, at_inf: bool = False) -> dict:
    """region -> planes with a fallback (``at_inf``: those whose fallback is due at +-inf too, :func:`_fallbacks`)."""
    due = lambda fb: fb is not None and (not at_inf or fb[2])  # noqa: E731
    return {r.code: tuple(k for k, fb in enumerate(r.fallbacks) if due(fb)) for r in regions
            if any(due(fb) for fb in r.fallbacks)}


def _needed(e: sp.Expr, reps: list, stages: dict) -> set:
    """The cse and hoisted symbols that ``e`` depends on, transitively."""
    need, defs = set(e.free_symbols), dict(reps)
    for s, sub in reversed(reps):
        if s in need and stages[s] == "mixed":  # pure symbols come from S or the outer loop
            need |= sub.free_symbols
    return need & set(defs) | (need & set(SCALE_SYMBOLS))


def _kind(e: sp.Expr, stages: dict) -> str:
    kinds = {_stage(s, stages) for s in e.free_symbols} - {"const"}
    return "mixed" if len(kinds) > 1 or "mixed" in kinds else (kinds.pop() if kinds else "const")


class _Hoister:
    """Replaces the largest mu-only and sigma-only subtrees of mixed expressions by new symbols."""

    def __init__(self, prefix: str = "h"):
        self.reps, self.stages, self._names = [], {}, sp.numbered_symbols(prefix)

    def __call__(self, e: sp.Expr, stages: dict) -> sp.Expr:
        kind = _kind(e, {**stages, **self.stages})
        if kind in ("mu", "sigma"):
            if e.is_Atom:
                return e
            sym = next(self._names)
            self.reps.append((sym, e))
            self.stages[sym] = kind
            return sym
        if kind != "mixed" or not e.args:
            return e
        if isinstance(e, (sp.Add, sp.Mul)):  # group the pure arguments, so each group is hoisted whole
            groups = {"const": [], "mu": [], "sigma": [], "mixed": []}
            for a in e.args:
                groups[_kind(a, {**stages, **self.stages})].append(a)
            pure = [self(e.func(*g), stages) for k, g in groups.items() if g and k in ("mu", "sigma")]
            return e.func(*groups["const"], *pure, *(self(a, stages) for a in groups["mixed"]))
        if isinstance(e, sp.Piecewise):  # a far form of a mixed term's mu factor: its conditions in mu stay
            return sp.Piecewise(*((self(x, stages), c) for x, c in e.args))
        return e.func(*(self(a, stages) for a in e.args))


# --- Removable singularities -----------------------------------------------------------------------------------

SINGULAR_TOL = 1e-100  # |mu - mu0| and |x - x0| within which a non-finite output is replaced by the expansion
_DIGITS = 160


def candidate_points(expr: sp.Expr, param: str = "std") -> list:
    """Points (mu0, x0) where a printed plane may be 0/0: the optimum (0, x(sigma = 1)) and the isolated real
    zeros of polynomial radicands (the tip of sqrt(mu^2 + (sigma - 2)^2))."""
    e, x = in_param(expr, param), _param(param).symbol
    x1 = sp.S.One if _param(param).name in ("std", "var") else sp.S.Zero
    points = [(sp.S.Zero, x1)]
    for base in {p.base for p in e.atoms(sp.Pow) if not p.exp.is_Integer}:
        if not base.is_polynomial(mu, x) or sp.Poly(base, mu, x).total_degree() > 4:
            continue
        try:
            sols = sp.solve([base, sp.diff(base, mu), sp.diff(base, x)], [mu, x], dict=True)
        except (NotImplementedError, ValueError):
            continue
        points += [(s[mu], s[x]) for s in sols if set(s) == {mu, x} and s[mu].is_real and s[x].is_real]
    return list(dict.fromkeys(points))


def _limit(f, m0, x0, value: bool = False, digits: int = _DIGITS) -> tuple | None:
    """(limit, d/dmu, d/dx) of ``f`` at (m0, x0), from ``f`` at ``digits`` on 8 rays of lengths r and 2r,
    r = 1e-40 (Richardson for the limit). None where the rays disagree (no limit: the gradient at a cone's
    tip); NaN slopes where the limit exists but is not approached linearly (:func:`_sublinear`: the cone's value, the
    gradient of (mu^2 + (sigma - 1)^2)^(3/4)); (+-inf, 0, 0) at a :func:`_pole` of the ``value`` plane
    (1/(mu^2 + (sigma - 1)^2) at (0, 1) is +inf: its rays agree, and were extrapolated to 1.75e80). Results below
    1e-30 of the scale are the expansion's own error, O(r), and are read as 0."""
    import mpmath

    with mpmath.workdps(digits):
        r = mpmath.mpf(10) ** -40
        dirs = [(mpmath.cos(k * mpmath.pi / 4), mpmath.sin(k * mpmath.pi / 4)) for k in range(8)]
        pole = _pole(f, m0, x0, r) if value else None
        if pole is not None:
            return pole, 0.0, 0.0
        rays = _on_rays(f, m0, x0, dirs, (r, 2 * r))
        if rays is None:
            return None
        vals, vals2 = rays
        limits = [2 * v - v2 for v, v2 in zip(vals, vals2)]
        slopes = [(v2 - v) / r for v, v2 in zip(vals, vals2)]
        size = max([abs(v) for v in limits + vals] + [1])
        if max(limits) - min(limits) > 1e-30 * size:
            limit = _sublinear(f, m0, x0, dirs, r)
            return None if limit is None else (limit, math.nan, math.nan)
        limit = 0.0 if abs(limits[0]) <= 1e-30 * size else float(limits[0])
        g_mu, g_x = slopes[0], slopes[2]
        size = max([abs(s) for s in slopes] + [size])
        if any(abs(s - (a * g_mu + b * g_x)) > 1e-30 * size for (a, b), s in zip(dirs, slopes)):
            return limit, math.nan, math.nan
        snap = lambda v: 0.0 if abs(v) <= 1e-30 * size else float(v)  # noqa: E731
        return limit, snap(g_mu), snap(g_x)


def _sublinear(f, m0, x0, dirs, r) -> float | None:
    """The limit of ``f`` at (m0, x0) where it is approached as a power of the distance below 1 (|mu|^(1/2)), which
    Richardson's step cannot extrapolate: the rays at lengths r^2 and r^3 agree in every direction and with each
    other, or are all below 1e-30 (0); None where they do not (a limit that depends on the direction, or one
    approached too slowly to read, as 1/log r)."""
    rays = _on_rays(f, m0, x0, dirs, (r**2, r**3))
    if rays is None:
        return None
    close, closer = rays
    if max(abs(v) for v in close + closer) <= 1e-30:
        return 0.0
    end = closer[0]
    if any(abs(v - end) > 1e-20 * abs(end) for v in close + closer):
        return None
    return float(end)


def _on_rays(f, m0, x0, dirs, lengths) -> list | None:
    """``f`` on the rays ``dirs`` out of (m0, x0), one list per length (real mpf), or None where ``f`` is undefined,
    infinite or complex on any of them."""
    import mpmath

    try:
        rays = [[mpmath.mpmathify(f(m0 + t * a, x0 + t * b)) for a, b in dirs] for t in lengths]
    except (ZeroDivisionError, ValueError, TypeError):
        return None
    if any(not mpmath.isfinite(v) or mpmath.im(v) != 0 for ray in rays for v in ray):
        return None
    return [[mpmath.re(v) for v in ray] for ray in rays]


def _pole(f, m0, x0, r) -> float | None:
    """+-inf where ``f`` grows without bound with one sign on every ray into (m0, x0), else None: on 16 rays, by half
    again in size from length r to r^2 (a finite limit L cannot: opposite rays are L +- g r, and one of them is at
    least |L|); a ray on which ``f`` is not defined (the line sigma = 1 of 1/(sigma - 1)^2) is left out."""
    import mpmath

    signs = set()
    for k in range(16):  # the axes exactly: mu = 0 is a line of poles of log|mu|, not a ray at mu = 1e-200
        a, b = ((1, 0), (0, 1), (-1, 0), (0, -1))[k // 4] if k % 4 == 0 else \
            (mpmath.cos(k * mpmath.pi / 8), mpmath.sin(k * mpmath.pi / 8))
        try:
            far, close = (mpmath.mpmathify(f(m0 + t * a, x0 + t * b)) for t in (r, r**2))
        except ZeroDivisionError:
            continue
        except (ValueError, TypeError):
            return None
        if mpmath.im(far) or mpmath.im(close):
            return None
        if mpmath.isinf(far) and mpmath.isinf(close) and far == close:  # a line of poles through the point: on it the
            signs.add(mpmath.sign(far))  # plane is that infinity (log(sqrt(mu**2 + mu**4)) on mu = 0: -inf)
            continue
        if not (mpmath.isfinite(far) and mpmath.isfinite(close)) or abs(close) <= 3 * abs(far) / 2:
            return None
        signs |= {mpmath.sign(mpmath.re(far)), mpmath.sign(mpmath.re(close))}
    if len(signs) != 1 or 0 in signs:
        return None
    return math.copysign(math.inf, signs.pop())


def singular(expr: sp.Expr, what: tuple, param: str = "std") -> list:
    """[(mu0, x0, [expansion or None per plane])] at every :func:`candidate_points` point."""
    x = _param(param).symbol
    fns = [sp.lambdify((mu, x), e, "mpmath") for e in outputs(expr, what, param)]
    values = [w == "value" for w in what for _ in _ORDERS[w]]
    out = []
    for m0, x0 in candidate_points(expr, param):
        import mpmath

        with mpmath.workdps(_DIGITS):
            m, xx = mpmath.mpf(sp.Float(m0, _DIGITS)), mpmath.mpf(sp.Float(x0, _DIGITS))
            planes = [_at_point(f, m, xx, v) for f, v in zip(fns, values)]
            if any(v and p is not None and math.isinf(p[0]) for v, p in zip(values, planes)):
                planes = [p if v else None for v, p in zip(values, planes)]  # no derivative of an infinite value
            out.append((float(m0), float(x0), planes))
    return out


def _at_point(f, m0, x0, value: bool = False) -> tuple | None:
    """:func:`_limit`, but the value there is the plane's own wherever it is finite at the point itself: the rays'
    extrapolation is off by the curvature times r^2 (1e200 (mu^2 + (sigma - 1)^2) at (0, 1) came out -2e120). A value
    that differs at 320 digits is the rounding of an exact 0 (renyi(7/3) at (0, 1) read -6.7e-162 at 160: a negative
    divergence), one that does not is kept (1e-200 mu^2 sigma^2's d2/dmu2, 2e-200)."""
    import mpmath

    try:
        at = mpmath.mpmathify(f(m0, x0))
    except kinks.Undecided:  # at a kink whose sides differ there: no derivative (NaN), whatever the rays say
        return None
    except (ZeroDivisionError, ValueError, TypeError):
        at = None
    near = _limit(f, m0, x0, value)
    if near is None or math.isnan(near[1]):  # the rays' terms may cancel past 160 digits: again at 480
        again = _limit(f, m0, x0, value, 3 * _DIGITS)
        near = again if again is not None else near
    if at is None:
        return near
    if not mpmath.isfinite(at) or mpmath.im(at) != 0:
        return near
    with mpmath.workdps(2 * _DIGITS):  # a value that moves with the precision is the rounding of an exact 0
        again = mpmath.re(mpmath.mpmathify(f(m0, x0)))
    at = mpmath.re(at) if abs(again - mpmath.re(at)) <= mpmath.mpf(10) ** -20 * abs(again) else 0
    return (float(at),) + (near[1:] if near is not None else (math.nan, math.nan))


# --- Removable singularities along lines -----------------------------------------------------------------------

_ORDERS = {"value": ((0, 0),), "grad": ((1, 0), (0, 1)), "hess": ((2, 0), (1, 1), (0, 2))}  # (d/dmu, d/dx) orders
_ONE_SIDED = (sp.Abs, sp.sign, sp.Piecewise, sp.Heaviside)


def candidate_lines(expr: sp.Expr, param: str = "std", budget=DEFAULT_BUDGET) -> list:
    """Lines (axis, v0), mu = v0 (axis 0) or x = v0 (axis 1), on which a printed plane may be 0/0 for every value of
    the other variable: the real zeros of the denominators that depend on one variable alone (sigma - 1 and
    log(sigma) at sigma = 1, exp(mu^2) - 1 at mu = 0), inside the variable's range."""
    p = _param(param)
    bases = {b.base for b in in_param(expr, param).atoms(sp.Pow) if b.exp.is_negative and len(b.base.free_symbols) == 1}
    lines = []
    for base in sorted(bases, key=sp.default_sort_key):
        v = next(iter(base.free_symbols))
        done, zeros = (True, sp.FiniteSet(0)) if base == v else attempt(sp.solveset, base, v, sp.S.Reals, budget=budget)
        if not done or not isinstance(zeros, sp.FiniteSet):
            continue
        for z in sorted(zeros, key=sp.default_sort_key):
            if v == mu or (v == p.symbol and (z > 0 or p.name not in ("std", "var"))):
                lines.append((0 if v == mu else 1, z))
    return list(dict.fromkeys(lines))


def _taylor(e: sp.Expr, v: sp.Symbol, v0, order: int) -> list | None:
    """Coefficients a_0..a_{order-1} of e = sum a_k(other) h^k + O(h^order), h = v - v0, by sympy.series; None where
    e is not a power series in h there (a pole, log h, a fractional power, sides that differ) or a coefficient is
    not finite and real."""
    h = sp.Dummy("h", real=True)
    f = e.subs(v, v0 + h)
    smooth = not f.has(*_ONE_SIDED) and all(b.exp.is_Integer for b in f.atoms(sp.Pow))
    if smooth:
        quotient = _by_quotient(f, h, order)
        if quotient is not False:
            return quotient
    sides = ("+",) if smooth else ("+", "-")
    found = []
    for side in sides:
        for n in range(order, order + 4):  # sympy's series may stop short of the order asked for
            s = sp.series(f, h, 0, n, dir=side)
            if s.getO() is None or sp.O(h**order, (h, 0)).contains(s.getO()):
                break
        else:
            return None
        s = s.removeO()
        if not s.is_polynomial(h):
            return None
        found.append([sp.expand(s).coeff(h, k) for k in range(order)])
    coeffs = found[0]
    if any(sp.simplify(a - b) != 0 for a, b in zip(found[-1], coeffs)):
        return None
    if any(c.has(h, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.I) for c in coeffs):
        return None
    return coeffs


def _by_quotient(f: sp.Expr, h: sp.Symbol, order: int) -> list | None | bool:
    """The coefficients of f = N/D (sympy.together) at h = 0 from the Taylor coefficients of N and D, found by
    differentiation (D's first p vanish for every value of the other variable, N's too: 0/0): a power series
    division, many times faster than sympy.series (1.9 s for (exp(exp(h) - 1) - 1)/(exp(h) - 1), here 0.05 s).
    None where N's do not vanish with D's (a pole); False where N or D is not smooth at 0 (sympy.series decides)."""
    num, den = sp.fraction(sp.together(f))
    n_coeffs, d_coeffs, dn, dd = [], [], num, den
    for k in range(order + 3):
        n_coeffs.append(dn.subs(h, 0) / math.factorial(k))
        d_coeffs.append(dd.subs(h, 0) / math.factorial(k))
        if any(c.has(sp.oo, -sp.oo, sp.zoo, sp.nan) for c in (n_coeffs[-1], d_coeffs[-1])):
            return False
        if sp.simplify(d_coeffs[-1]) != 0:
            break
        if sp.simplify(n_coeffs[-1]) != 0:
            return None
        dn, dd = sp.diff(dn, h), sp.diff(dd, h)
    else:
        return False
    p = len(d_coeffs) - 1
    for k in range(p + 1, p + order):  # the coefficients the division reads
        dn, dd = sp.diff(dn, h), sp.diff(dd, h)
        n_coeffs.append(dn.subs(h, 0) / math.factorial(k))
        d_coeffs.append(dd.subs(h, 0) / math.factorial(k))
        if any(c.has(sp.oo, -sp.oo, sp.zoo, sp.nan) for c in (n_coeffs[-1], d_coeffs[-1])):
            return False
    a = []
    for k in range(order):
        a.append((n_coeffs[p + k] - sum(d_coeffs[p + j] * a[k - j] for j in range(1, k + 1))) / d_coeffs[p])
    return a


def _series(e: sp.Expr, v: sp.Symbol, v0, order: int, budget) -> list | None:
    """:func:`_taylor` under ``budget`` seconds; None where it fails or runs out of time."""
    try:
        done, coeffs = attempt(_taylor, e, v, v0, order, budget=budget)
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None
    return coeffs if done else None


def _orders(what: tuple, axis: int) -> list:
    """Per plane, its orders of differentiation (along the line, across it)."""
    return [o if axis == 1 else o[::-1] for w in what for o in _ORDERS[w]]


def _line(value: sp.Expr, what: tuple, param: str, axis: int, v0, budget) -> tuple:
    """(coefficients of the value's series across the line or None, per plane None or (c0, c1)): each plane's limit
    on the line and its slope across it, functions of the other variable, by differentiating the series term by term."""
    x = _param(param).symbol
    v, other = (mu, x) if axis == 0 else (x, mu)
    orders = _orders(what, axis)
    coeffs = _series(value, v, v0, max(n for _, n in orders) + 2, budget)
    if coeffs is None:
        return None, [None] * len(orders)
    return coeffs, [(kinks.resolve(math.factorial(n) * sp.diff(coeffs[n], other, k)),
                     kinks.resolve(math.factorial(n + 1) * sp.diff(coeffs[n + 1], other, k))) for k, n in orders]


def _crossing(coeffs: list, m0, what: tuple, budget) -> list:
    """At the crossing (m0, x0) of the line x = x0 (the value's series there: coefficients a_k(mu)) and a line
    mu = m0: per plane d^i/dmu^i d^j/dx^j, (limit, d/dmu, d/dx) = (j! a_j^(i), j! a_j^(i+1), (j+1)! a_(j+1)^(i)) at
    m0, each a_k^(i)(m0) from a_k's own series in mu there; None where one is missing."""
    orders = _orders(what, 1)
    series = [_series(a, mu, m0, max(i for i, _ in orders) + 2, budget) for a in coeffs]
    f = math.factorial

    def at(k, i):  # a_k^(i)(m0)
        return None if series[k] is None or not series[k][i].is_number else f(i) * series[k][i]
    out = []
    for i, j in orders:
        vals = (at(j, i), at(j, i + 1), at(j + 1, i))
        out.append(None if None in vals else (f(j) * vals[0], f(j) * vals[1], f(j + 1) * vals[2]))
    return [None if p is None else tuple(float(v) for v in p) for p in out]


def line_limits(expr: sp.Expr, what: tuple, param: str = "std", budget=DEFAULT_BUDGET) -> tuple:
    """Lines [(axis, v0, [(c0, c1) or None per plane])] on every :func:`candidate_lines` line: each plane's limit
    there, c0, and its first-order term in the displacement h across the line, c1 h, as functions of the other
    variable (sympy, each series under ``budget`` seconds; None where none is found in time: the plane stays NaN
    there); and crossings [(m0, x0, [(limit, d/dmu, d/dx) or None per plane])], where a line mu = m0 meets a line
    x = x0 (both limits are 0/0 there), in :func:`singular`'s form."""
    value = in_param(expr, param)
    found = [(axis, v0, *_line(value, what, param, axis, v0, budget))
             for axis, v0 in candidate_lines(expr, param, budget)]
    crossings = [(float(m0), float(x0), _crossing(coeffs, m0, what, budget))
                 for a, x0, coeffs, _ in found if a == 1 and coeffs is not None for b, m0, _, _ in found if b == 0]
    return [(axis, v0, planes) for axis, v0, _, planes in found], crossings


def _line_fns(lines: list, param: str) -> list:
    """``line_<n>(mu, sg)``: every plane's limit on line n plus its first-order term across it (NaN for a plane
    without one), and ``line_<n>_at(mu, sg, out)``, for points within SINGULAR_TOL of the line: written into the planes
    of out (P, n) that have one, where it is finite and not 0 or the printed plane is not finite. There the printed
    form is 0/0, cancels (d/dl of log(sigma)/(sigma - 1) at l = 1e-300 was 1.1e284, true -1/4) or underflows
    (mu^3/(exp(mu^2) - 1) at mu = 1e-155 was 0, true 1e-155), and a non-zero expansion is exact to about 1e-100
    relative. Where another line crosses, the coefficients are 0/0 (not written): SINGULAR holds the crossing."""
    pr, x, out = _Printer(), _param(param).symbol, []
    for n, (axis, v0, planes) in enumerate(lines):
        if all(p is None for p in planes):  # listed in LINES with no planes, never called
            continue
        code = lambda e: pr.doprint(optimize(e, ACCURACY_OPTIMS).subs(x, sg))  # noqa: E731
        terms = ["math.nan" if p is None else f"({code(p[0])})" if p[1] == 0
                 else f"({code(p[0])}) + (({code(p[1])}) * h if h != 0.0 else 0.0)" for p in planes]
        has = [k for k, p in enumerate(planes) if p is not None]
        out += ["", "", _JIT, f"def line_{n}(mu, sg):", f"    h = {'mu' if axis == 0 else 'sg'} - {float(v0)!r}",
                f"    return ({', '.join(terms)},)",
                "", "", _JIT, f"def line_{n}_at(mu, sg, out):", "    for i in range(mu.shape[0]):",
                f"        r = line_{n}(np.float64(mu[i]), np.float64(sg[i]))",
                *[line for k in has for line in (
                    f"        if np.isfinite(r[{k}]) and (r[{k}] != 0.0 or not np.isfinite(out[{k}, i])):",
                    f"            out[{k}, i] = r[{k}]")]]
    return out


def _inside(domain, param: str, x0) -> bool:
    """Whether the line (or point) x = x0 is inside the penalty's domain (outside it, the kernel's value is the
    domain's)."""
    if domain is None or domain.condition is sp.true:
        return True
    p = _param(param)
    return domain.condition.subs(sigma, p.sigma_of.subs(p.symbol, x0)) != sp.false


def _lines_literal(lines: list) -> str:
    """LINES: (axis, v0, planes that have a limit there) per line; a line with none keeps NaN, and says so here."""
    return "[" + ", ".join(f"({axis}, {float(v0)!r}, {tuple(k for k, p in enumerate(ps) if p is not None)!r})"
                           for axis, v0, ps in lines) + "]"


# --- The module, one function per kernel ------------------------------------------------------------------------

_HEADER = '''"""Generated by vaemath.kernels.codegen (version {version}); do not edit. Penalty: {name}; param={param}"""
import math
import re

import numba as nb
import numpy as np

from vaemath.kernels.special import {functions}

N_OUT = {n_out}
N_STORED = {n_stored}
OUTSIDE_VALUE = {outside}
SINGULAR = {singular}
FALLBACKS = {fallbacks}
LINES = {lines}
COMPLETE = {complete}  # False: a symbolic step ran past its budget while this was generated (not kept in the cache)
'''
_JIT = '@nb.njit(cache=True, error_model="numpy")'
_PARALLEL = '@nb.njit(cache=True, parallel=True, error_model="numpy")'


@dataclass
class _Region:
    """One region's plan with the rows of S it stores."""

    code: int
    reps: list
    stages: dict
    parts: list
    loaded: list  # scale-stage symbols the mixed parts read, one row of S each
    stored: list  # loaded symbols, then the scale-only part of each plane, then the axis value if a fallback needs it
    fallbacks: list  # per plane, None or its log-magnitude form (evaluated where the plane is NaN)
    sc: Scale
    base: int = 0  # its first row of S (the near region's large-mu form stores after the near form's rows)

    @classmethod
    def build(cls, expr, what, param, region):
        p = plan(expr, what, param, region)
        reps, stages, parts = p["replacements"], p["stages"], p["parts"]
        mixed = [e for s, e in reps if stages[s] == "mixed"] + [m for _, _, m in parts]
        loaded = sorted({s for e in mixed for s in e.free_symbols if _stage(s, stages) == "sigma"}, key=str)
        stored = list(loaded) + [s for _, s, _ in parts if s != 0]
        if any(f is not None for f in p["fallbacks"]) and sg not in stored:
            stored.append(sg)
        return cls(_code(region), reps, stages, parts, loaded, stored, p["fallbacks"], scale(param))

    def row(self, e) -> int:
        return self.base + next(k for k, s in enumerate(self.stored) if s is e)

    def lines(self, keep, indent, fmt) -> list:
        return [f"{indent}{s} = {fmt(e)}" for s, e in self.reps if self.stages[s] in keep]


def _prologue(sc: Scale, indent: str, body: list, region: int) -> tuple:
    """(lines, body): the scale quantities (tt, d, lg; vv, dv for var) the lines of ``body`` read, and only those:
    numba keeps a libm call whose result is unused, and the pointwise kernels pay for each per point."""
    quantities = {"tt": sc.code_T(), "d": sc.code_d(), "lg": sc.code_lg()}
    if sc.param == "var":
        quantities.update(vv="sg", dv="sg - 1.0")
    text = "\n".join(body)
    used = set(re.findall(r"\b\w+\b", text))
    if "d" in used and not sc.exact_powers and region == REGIONS.index("near"):
        quantities = {"lg": quantities["lg"], "d": quantities["d"], "tt": "1.0 + d"}  # 1 + expm1(x): one libm call
        if "expm1mx(lg)" in text:  # expm1(lg) from that series: one series per point, not a libm call too
            quantities = {"lg": quantities["lg"], "em": "expm1mx(lg)", "d": "em + lg", "tt": "1.0 + d"}
            body, used = [line.replace("expm1mx(lg)", "em") for line in body], used | {"lg", "em"}
    return [f"{indent}{name} = {code}" for name, code in quantities.items() if name in used], body


def _region_fn(sc: Scale, domain) -> list:
    """``region(sg)``: 0 below, 1 near, 2 above the d-form's interval of T = sigma, compared in the axis
    variable x itself (no exp per point); 3 outside the domain."""
    lo, hi = (float(sc.x_of_T().subs(T, sp.Rational(t))) for t in NEAR)
    inside = []
    if domain is not None and domain.condition is not sp.true:
        cond = domain.condition.subs(sigma, sc.sigma_of_T)
        kind = sc.param if sc.param in ("std", "var") else "log"
        x = vv if kind == "var" else T

        def edge(a):  # the edge's sign from the compensated polynomial (std, var: x exact; log: croot, lg exact)
            found = _cancelling(a, x, 0, sp.oo, kind)
            if not found:
                return a
            return (_croot_form(found, "low") if kind == "log" else _compensated_form(found, x, "low")) or a
        cond = cond.replace(lambda a: isinstance(a, sp.Add), edge)
        text = _Printer().doprint(cond)
        used = set(re.findall(r"\b\w+\b", text))
        head = [f"    {name} = {code}" for name, code in (("tt", sc.code_T()), ("lg", sc.code_lg()), ("vv", "sg"))
                if name in used]
        inside = [*head, f"    if not ({text}):", f"        return {OUTSIDE}"]
    return [_JIT, "def region(sg):", *inside, f"    if sg < {lo!r}:", "        return 0",
            f"    if sg <= {hi!r}:", "        return 1", "    return 2"]


def _point_fns(regions: list, sc: Scale, big=None) -> list:
    pr, out = _Printer(), []
    for r in regions + ([big] if big else []):
        body = [*r.lines({"const", "mu", "sigma", "mixed"}, "    ", pr.doprint),
                f"    return ({', '.join(_sum_of_parts(ps, pr.doprint) for ps in r.parts)},)"]
        head, body = _prologue(sc, "    ", body, r.code)
        out += ["", "", _JIT, f"def point_{r.code}(mu, sg):", *head, *body]
    n = len(regions[0].parts)
    outside = ", ".join(["OUTSIDE_VALUE"] + ["math.nan"] * (n - 1))
    out += ["", "", _JIT, "def point(mu, sigma):", "    mu = np.float64(mu)", "    sg = np.float64(sigma)",
            "    r = region(sg)"]
    for r in regions:
        out += [f"    if r == {r.code}:"]
        if big is not None and r.code == 1:
            out += [f"        if abs(mu) > {BIG_MU!r}:", f"            return point_{big.code}(mu, sg)"]
        out += [f"        return point_{r.code}(mu, sg)"]
    out += [f"    return ({outside},)"]
    body = ["        r = point(mu[i], sigma[i])", *[f"        out[{k}, i] = r[{k}]" for k in range(n)]]
    out += ["", "", _PARALLEL, "def pointwise(mu, sigma, out):", "    for i in nb.prange(mu.shape[0]):", *body]
    # the serial twin: below some thousands of points, starting the threads costs more than the loop
    out += ["", "", _JIT, "def pointwise_serial(mu, sigma, out):", "    for i in range(mu.shape[0]):", *body]
    return out


def _sigma_stage_fn(regions: list, sc: Scale, big=None) -> list:
    """``sigma_stage(sigma, S, R)``: per axis value, its region in R and that region's scale-only rows in S (near
    sigma = 1, those of the large-mu form too, after the near form's)."""
    pr = _Printer()
    out = ["", "", _JIT, "def sigma_stage(sigma, S, R):", "    for j in range(sigma.shape[0]):",
           "        sg = np.float64(sigma[j])", "        r = region(sg)", "        R[j] = r"]
    for r in regions:
        body = []
        for q in [r] + ([big] if big is not None and r.code == 1 else []):
            body += [*q.lines({"const", "sigma"}, "            ", pr.doprint),
                     *[f"            S[{q.base + k}, j] = {pr.doprint(e)}" for k, e in enumerate(q.stored)]]
        head, body = _prologue(sc, "            ", body, r.code)
        out += [f"        if r == {r.code}:", *head, *(body or ["            pass"])]
    return out


def _sum_of_parts(parts: tuple, code, stored=None) -> str:
    """mu-only + scale-only + mixed part, added in that order as printed (a sympy sum would reorder the terms:
    mu**2 + (sqrt(1 + sigma**2) - 1) became mu**2 + sqrt(..) - 1, 0 at mu = 1e-8); the grid and the pointwise
    kernels add the same parts alike."""
    a, s, m = parts
    terms = [code(a) if a != 0 else None, (stored or code)(s) if s != 0 else None, code(m) if m != 0 else None]
    return " + ".join(f"({t})" for t in terms if t) or "0.0"


def _inner(r: _Region, k: int, code) -> list:
    """One j-loop over a run for plane k: one write stream at a time is faster than interleaving planes
    that lie a power of two apart in memory; mixed work a plane needs is recomputed in its loop."""
    a, s, m = r.parts[k]
    need = _needed(m, r.reps, r.stages)
    value = _sum_of_parts((a, s, m), code, lambda s: f"S[{r.row(s)}, j]")
    lines = ["                for j in range(j0, j1):",
             *[f"                    {s} = S[{r.base + i}, j]" for i, s in enumerate(r.loaded) if s in need],
             *[f"                    {s} = {code(e)}" for s, e in r.reps if s in need and r.stages[s] == "mixed"],
             f"                    out[{k}, i, j] = {value}"]
    return lines


def _grid_fn(regions: list, big=None) -> list:
    """``grid(mu, S, runs, out)``: out[k, i, j] for plane k at (mu[i], x[j]); ``runs`` rows (j0, j1, region)
    cover the axis in runs of equal region. For large grids only: below ``arrays.PARALLEL_POINTS`` points a grid
    goes through the pointwise kernel, so that numba compiles one loop where both are used, not two (a serial twin
    of this loop took 8.2 s to compile for a 6-plane kernel, the pointwise one 5.2 s)."""
    pr, mu_i = _Printer(), sp.Symbol("mu_i")
    code = lambda e: pr.doprint(e.subs(mu, mu_i))  # noqa: E731  (grid loop: mu is the array)
    n = len(regions[0].parts)
    out = ["        mu_i = np.float64(mu[i])"]
    for r in regions + ([big] if big is not None else []):
        out += r.lines({"const", "mu"}, "        ", code)
    if big is not None:
        out += [f"        big_mu = abs(mu_i) > {BIG_MU!r}"]
    # unsigned run bounds: a signed j of unknown sign costs a negative-index wraparound per load and store,
    # which turns the vector loads and stores of the inner loops into per-element ones (2x slower grids)
    out += ["        for q in range(runs.shape[0]):",
            "            j0, j1, r = np.uint64(runs[q, 0]), np.uint64(runs[q, 1]), runs[q, 2]"]
    for r in regions:
        loops = [line for k in range(n) for line in _inner(r, k, code)]
        if big is not None and r.code == 1:
            loops = ["                if big_mu:", *("    " + line for k in range(n) for line in _inner(big, k, code)),
                     "                else:", *("    " + line for line in loops)]
        out += [f"            if r == {r.code}:", *loops]
    out += [f"            if r == {OUTSIDE}:", "                for j in range(j0, j1):",
            "                    out[0, i, j] = OUTSIDE_VALUE",
            *[f"                    out[{k}, i, j] = math.nan" for k in range(1, n)]]
    return ["", "", _PARALLEL, "def grid(mu, S, runs, out):", "    for i in nb.prange(mu.shape[0]):", *out]


def _singular_literal(points: list) -> str:
    """Python literal of :func:`singular`'s result; planes without an expansion get NaN (documented rule)."""
    num = lambda v: "math.nan" if v != v else repr(v) if math.isfinite(v) else f"{'-' if v < 0 else ''}math.inf"  # noqa: E731
    plane = lambda p: "(math.nan, math.nan, math.nan)" if p is None else f"({', '.join(num(v) for v in p)})"  # noqa: E731
    return "[" + ", ".join(f"({num(m)}, {num(x)}, [{', '.join(plane(p) for p in planes)}])"
                           for m, x, planes in points) + "]"


def check_float64(expr: sp.Expr, name: str = "") -> None:
    """Refuse a penalty holding a number beyond float64's range (1e400*mu**2, 1e-400*sigma, exp(-800)*mu**2): the
    kernels compute in float64, where it would be inf (and inf * 0 = NaN where the true value is finite) or 0 or a
    subnormal (exp(-800)*mu**2 would hold nothing, and is NaN at mu = 1e160 where it is 3.7e-28).

    Raises
    ------
    ValueError
        Naming the penalty and the number.
    """
    big = [n for n in _numbers(expr) if _beyond_float64(n)]
    if big:
        shown = f"{name!r}: " if name else ""
        number = sp.N(big[0], 3) if big[0].is_Atom else f"{big[0]} = {sp.N(big[0], 3)}"
        raise ValueError(f"penalty: {shown}the number {number} is beyond float64's range (magnitudes from about "
                         "2.2e-308 to 1.8e308); the kernels compute in float64 (rescale the penalty)")


def _numbers(expr: sp.Expr) -> list:
    """The number atoms of ``expr`` and its largest numeric subexpressions (exp(1000), 2**(1/2)**3000)."""
    out, stack = list(expr.atoms(sp.Number)), [expr]
    while stack:
        e = stack.pop()
        if e.is_number and not e.is_Atom:
            out.append(e)
        else:
            stack.extend(e.args)
    return out


def _beyond_float64(n: sp.Expr) -> bool:
    v = sp.N(n, 20)
    return bool(v.is_real and v.is_finite) and not _in_float64(v)


def _log_abs(expr: sp.Expr) -> sp.Expr:
    """Each log of the abs of a polynomial in mu (times other factors: log(3 mu^2 |mu|), sympy's log|3 mu^3|; log((mu -
    1)**2 |mu - 1|), sympy's log|(mu - 1)^3|; over such factors: log(1/|mu - 2|)) as a sum of logs of its factors over
    the rationals (:func:`_log_abs_poly`), the same function: an abs inside a log is no kink (d/dmu log|mu| = 1/mu on
    both sides), and as a kink it kept its part from the small-mu and far forms (d/dmu of
    sqrt(mu**2 + mu**4)*log(abs(mu)) at 5e-324 was inf for -743.4; log(abs(mu**2 - 4)) at 1e200 inf for 921.03). Other
    factors of the log's argument stay in a log of their own (log(a b) = log a + log b wherever both are real)."""
    def has_abs_poly(a):
        return isinstance(a, sp.log) and any(_abs_poly(f) is not None or _even_poly_power(f) and not sp.Poly(
            f.as_base_exp()[0], mu).is_monomial for f in sp.Mul.make_args(a.args[0]))

    def split(a):
        c, num, den, rest = sp.S.One, sp.S.One, sp.S.One, []
        for f in sp.Mul.make_args(a.args[0]):
            if f.is_Number and f > 0:
                c *= f
            elif _abs_poly(f) is not None:
                g, k = _abs_poly(f)
                num, den = (num * g**k, den) if k > 0 else (num, den * g**-k)
            elif _even_poly_power(f) or _positive_poly_power(f):
                base, k = f.as_base_exp()
                num, den = (num * f, den) if k > 0 else (num, den * base**-k)
            else:
                rest.append(f)
        return (_log_abs_poly(c * num) - (_log_abs_poly(den) if den != 1 else 0)
                + (sp.log(sp.Mul(*rest)) if rest else 0))
    def root_of_poly(a):  # log(sqrt(mu**2 + mu**4)) = log(mu**2 + mu**4)/2: d2/dmu2 at 1e156 was 0.0 for -2e-312
        if not isinstance(a, sp.log):
            return False
        base, q = a.args[0].as_base_exp()
        return q.is_Rational and not q.is_Integer and _rational_poly(base) and (
            rewrite._mu_polynomial_terms(base) is not None or _positive_poly_power(base))
    expr = expr.replace(root_of_poly, lambda a: a.args[0].as_base_exp()[1] * sp.log(a.args[0].as_base_exp()[0]))
    return expr.replace(has_abs_poly, split)


def _rational_poly(g: sp.Expr) -> bool:
    return g.free_symbols == {mu} and g.is_polynomial(mu) and sp.Poly(g, mu).domain in (sp.ZZ, sp.QQ)


def _abs_poly(f: sp.Expr) -> tuple | None:
    """(g, k) of a factor |g|^k (k a nonzero integer), g a polynomial in mu alone with rational coefficients; else
    None."""
    base, k = f.as_base_exp()
    if isinstance(base, sp.Abs) and k.is_Integer and k != 0 and _rational_poly(base.args[0]):
        return base.args[0], k
    return None


def _positive_poly_power(f: sp.Expr) -> bool:
    """f = g^k, k a nonzero integer, g a polynomial in mu alone with rational coefficients, no real root and a positive
    leading coefficient (1 + mu**2 beside |mu**2 - 4|)."""
    base, k = f.as_base_exp()
    if not (k.is_Integer and k != 0 and _rational_poly(base)):
        return False
    poly = sp.Poly(base, mu)
    return poly.degree() > 0 and poly.LC() > 0 and poly.count_roots() == 0


def _even_poly_power(f: sp.Expr) -> bool:
    """f = g^k, k a positive even integer, g a polynomial in mu alone with rational coefficients: |g|^k."""
    base, k = f.as_base_exp()
    return k.is_Integer and k > 0 and k % 2 == 0 and _rational_poly(base)


def _logpoly(p: sp.Poly) -> sp.Expr:
    """log(p) as :class:`rewrite.logpoly`, one atom of mu through differentiation whose forms on each side of |mu| = 1
    divide by mu last (log(mu**2 + 4)*sigma at 1e200 was inf, its d/dmu 0.0)."""
    return rewrite.logpoly(sp.S.Zero, mu, *reversed(p.all_coeffs()))


def _log_abs_poly(g: sp.Expr) -> sp.Expr:
    """log|g|, g a polynomial in mu with rational coefficients, as the sum of the logs of its factors over the
    rationals: c mu^k as log(c**2 mu**(2k))/2 and a factor with no real root as the log of itself or its negative, each
    a :class:`rewrite.logpoly` (one atom through differentiation whose forms divide by mu last: d/dmu of
    mu**2*log(abs(3*mu**3)) at 5e-324 was -inf for -2.2e-320, d2/dmu2 of log|mu| at 1e156 0.0 for -1e-312), a factor
    with real roots in one log|f_1^e_1 ...| whose d/dmu is sum e_i f_i'/f_i on both sides of a root
    (:class:`rewrite.dlogabs`: exact next to a rational root, log|mu - 2| at 2 + 2**-51; the square of a polynomial
    with another root, expanded, would cancel there). Two forms of the latter are picked per point by |mu|
    (:class:`rewrite.dpick`): below half the least root magnitude, where the 1/(mu - r) of roots of both signs cancel
    (d/dmu of log|mu - 2| + log|mu + 2| at 1e-8), the polynomial of those factors with its sign there; beyond 64 times
    the greatest (and 1; there log1p(rest) is small beside deg log|mu|), their product p as log(s p) (log(s p mu) -
    log|mu| at odd degree), s its sign there, a :class:`rewrite.logpoly`, whose forms do not overflow (log|mu**2 - 2|
    at 1e200 was inf, the 1/(mu - r)**2 of its d2/dmu2 joined over one numerator -inf). mu = 2 in log|mu**2 - 4| stays a
    pole, -inf."""
    c, factors = sp.factor_list(sp.expand(g), mu)
    k, out, rooted, roots = 0, sp.S.Zero, sp.S.One, []
    for f, e in factors:
        poly = sp.Poly(f, mu)
        if poly.is_monomial:
            k += e * poly.degree()
            c *= poly.LC() ** e
        elif poly.count_roots() == 0:
            out += e * _logpoly(poly if poly.LC() > 0 else -poly)
        else:
            roots += sp.real_roots(poly)
            rooted = rooted * f**e
    if roots:
        middle = rewrite.dlogabs(rooted)
        p = sp.Poly(rooted, mu)
        p = p if p.LC() > 0 else -p
        far = _logpoly(p) if p.degree() % 2 == 0 else _logpoly(p * mu) - _logpoly(sp.Poly(mu**2, mu)) / 2
        magnitudes = [sp.Rational(abs(r).evalf(8)) for r in roots]
        inner = middle if p.degree() == 1 else rewrite.dpick(sp.Abs(mu), 64 * max(*magnitudes, 1), middle, far)
        if any(r > 0 for r in roots) and any(r < 0 for r in roots):  # 1/(mu - 2) + 1/(mu + 2) cancels at mu = 0
            low = sp.log(p.as_expr() if p.eval(0) > 0 else -p.as_expr())
            inner = rewrite.dpick(sp.Abs(mu), min(magnitudes) / 2, low, inner)
        out += inner
    return (_logpoly(sp.Poly(c**2 * mu ** (2 * k), mu)) / 2 if k else sp.log(sp.Abs(c))) + out


def source(expr: sp.Expr, what: tuple, name: str = "", param: str = "std", domain=None) -> str:
    """Python source of a module with ``region``, ``point``, ``pointwise`` (and its serial twin
    ``pointwise_serial``), ``sigma_stage`` and ``grid``.

    ``sigma_stage(x, S, R)`` stores each axis value's region in ``R`` and its scale-only quantities in
    the rows of ``S``; ``grid(mu, S, runs, out)`` fills ``out[k, i, j]`` for the k-th plane at
    (mu[i], x[j]). Outside ``domain`` the value plane is ``domain.outside`` and the derivatives NaN.
    """
    sc = scale(param)
    if domain is not None and domain.condition.free_symbols - {sigma}:
        raise ValueError(f"domain: the kernels take conditions on sigma alone, got {domain.condition}")
    expr = _log_abs(expr)
    steps_expired = expired()
    regions = [_Region.build(expr, what, param, region) for region in REGIONS]
    big = _Region.build(expr, what, param, "near_big_mu") if expr.has(sp.acosh) else None
    if big is not None:
        big.base = len(regions[1].stored)
    outside = sp.oo if domain is None else domain.outside
    plain = expr.replace(lambda a: isinstance(a, rewrite.logpoly) and type(a) is rewrite.logpoly,  # for mpmath
                         lambda a: sp.log(sp.Add(*(c * a.args[1] ** i for i, c in enumerate(a.args[2:])))))
    lines, crossings = line_limits(plain, what, param)
    lines = [ln for ln in lines if ln[0] == 0 or _inside(domain, param, ln[1])]
    points = {(m, x): planes for m, x, planes in singular(plain, what, param) + crossings  # crossings win
              if _inside(domain, param, x)}
    n_stored = max(*(len(r.stored) for r in regions), big.base + len(big.stored) if big else 0, 1)
    body = [*_region_fn(sc, domain), *_fallback_fns(regions, sc), *_line_fns(lines, sc.param),
            *_point_fns(regions, sc, big), *_sigma_stage_fn(regions, sc, big), *_grid_fn(regions, big)]
    used = set(re.findall(r"\b(\w+)\(", "\n".join(body)))
    functions = sorted(rewrite.KERNEL_FUNCTIONS) + [f for f in (*scaled.FUNCTIONS, *special.PRINTED) if f in used]
    header = _HEADER.format(version=GENERATOR_VERSION, name=name.replace('"', "'"), param=sc.param,
                            functions=", ".join(functions), n_out=len(regions[0].parts),
                            n_stored=n_stored,
                            outside="math.inf" if outside == sp.oo else "math.nan",
                            singular=_singular_literal([(m, x, planes) for (m, x), planes in points.items()]),
                            fallbacks=_fallback_table(regions), lines=_lines_literal(lines),
                            complete=expired() == steps_expired)
    at_inf = _fallback_table(regions, at_inf=True)
    if at_inf:  # only where an exp of mu may grow: other kernels' source is unchanged
        header += f"FALLBACKS_AT_INF = {at_inf}\n"
    return "\n".join([header, "", *body]) + "\n"
