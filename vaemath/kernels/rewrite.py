"""Accuracy rewrites of a penalty's sympy expression before it is printed as numba code.

The expression is moved to d = sigma - 1 (exact in floating point for sigma in [1/2, 2]), so that
cancellations near the KL's minimiser (0, 1) become visible to algebra, then:

1. logs are combined, and log(R) of a rational R becomes log1p(R - 1) with R - 1 factored;
2. acosh(1 + y) becomes log1p(y + sqrt(y (y + 2)));
3. ``sympy.codegen.rewriting`` turns the remaining log(1 + x) and exp(x) - 1 into log1p and expm1
   (skipped above OPTIMIZE_MAX_OPS operations, where its pattern search takes minutes);
4. in every sum, the pairs c x - c log1p(x) and c expm1(x) - c x become c xmlog1p(x) and c expm1mx(x),
   functions evaluated without cancellation (see :mod:`vaemath.kernels.special`); where a log1p(x)
   cancels against a rational part R only after a power, c log1p(x) + R becomes -k xmlog1p(y) + (R + k y)
   with y = (1 + x)^p - 1, k = c / p, for the p in (1, -1, 2, -2) that leaves R + k y of highest order
   in d (at least d^2);
5. the rational part of every sum is put over one denominator and factored, so that e.g.
   sigma - 1/sigma prints as d (d + 2) / (d + 1).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.rewriting import FuncMinusOneOptim, ReplaceOptim, optimize

from vaemath.symbolic import mu, sigma
from vaemath.symbolic.budget import attempt

d = sp.Symbol("d", real=True)  # sigma - 1
OPTIMIZE_MAX_OPS = 1500
FACTOR_MAX_DEGREE = 64  # exp(1000*d) is exp(d)**1000 to sympy's factor: 90 s of Hensel lifting (review 9f B3)
FACTOR_SECONDS = 30.0  # a hang guard on that factor (wall clock); the catalogue's take under 0.2 s of CPU


def _factor_costly(e: sp.Expr) -> bool:
    """Whether sympy's ``factor`` would see a generator of degree above FACTOR_MAX_DEGREE: it reads exp(k x), k = p/q,
    as exp(x/q)**p, so exp(1000*(sigma - 1))*mu**2 is a polynomial of degree 1000 in exp(d); or two exps of the
    variables (the derivatives of exp(-1/sigma)/sigma**20 + exp(-sigma)*sigma**20: 10 s a plane, no catalogue
    entry has two)."""
    if len([a for a in e.atoms(sp.exp) if a.free_symbols]) >= 2:
        return True
    for a in e.atoms(sp.exp, sp.Pow):
        power = a.args[0] if isinstance(a, sp.exp) else a.exp
        if power.free_symbols:
            for t in sp.Add.make_args(power):
                c = t.as_coeff_Mul(rational=True)[0]
                if max(abs(c.p), c.q) > FACTOR_MAX_DEGREE:
                    return True
    return False


def _factor(e: sp.Expr) -> sp.Expr:
    return e if _factor_costly(e) else e.factor()


class _FuncMinusOne(FuncMinusOneOptim):
    """sympy's exp(x) - 1 -> expm1(x) optimisation, without its ``factor`` where that is costly (:func:`_factor`) or
    runs past FACTOR_SECONDS."""

    def __call__(self, expr):
        alt1 = ReplaceOptim.__call__(self, expr)
        done, factored = (False, None) if _factor_costly(expr) else attempt(expr.factor, budget=FACTOR_SECONDS)
        return self.cheapest(alt1, ReplaceOptim.__call__(self, factored)) if done else alt1


_u = sp.Wild("u")


def _log1p_of(arg: sp.Expr) -> bool:
    """log(arg) -> log1p(arg - 1) only for a sum with a constant term or a product that is 1 at mu = d = 0: log(sigma)
    as log1p(sigma - 1) is -inf at sigma = 1e-20, log(mu^2 (mu^2 + 1)) as log1p(mu^4 + mu^2 - 1) NaN at mu = 1e-100,
    where log itself is exact to an ulp."""
    if isinstance(arg, sp.Add):
        return any(t.is_Number for t in arg.args)
    return arg.subs({mu: 0, d: 0}) == 1


def _mu_polynomial_terms(arg: sp.Expr) -> dict | None:
    """{k: c_k} of a polynomial sum c_k mu^k in mu alone with no constant term, two or more terms, the least and
    greatest powers even with positive coefficients (> 0 for mu != 0 near 0 and far out); else None."""
    if arg.free_symbols != {mu} or not arg.is_polynomial(mu):
        return None
    terms = {k: c for (k,), c in sp.Poly(sp.expand(arg), mu).terms()}
    lo, hi = min(terms), max(terms)
    if len(terms) < 2 or lo == 0 or lo % 2 or hi % 2 or not (terms[lo].is_real and terms[lo] > 0 and terms[hi] > 0):
        return None
    return terms


def _log_of_mu_polynomial(arg: sp.Expr) -> sp.Expr | None:
    """log(sum c_k mu^k) of :func:`_mu_polynomial_terms` -> log(c_lo) + lo log|mu| + log1p(sum c_k/c_lo mu^(k - lo))
    where |mu| <= 1, log(c_hi) + hi log|mu| + log1p(sum c_k/c_hi mu^(k - hi)) above: no power of mu underflows or
    overflows where the log is a finite number (log(mu^4 + mu^6) at mu = 1e-100 is -918.03, was -inf; at 1e200
    2766.10, was inf); else None."""
    terms = _mu_polynomial_terms(arg)
    if terms is None:
        return None
    lo, hi = min(terms), max(terms)
    log1p_ = sp.Function("log1p")

    def side(k0):
        rest = sp.Add(*(c / terms[k0] * mu ** (k - k0) for k, c in terms.items() if k != k0))
        return sp.log(terms[k0]) + k0 * logabs(mu) + log1p_(rest)
    return pick(sp.Abs(mu), sp.S.One, side(lo), side(hi))


class logpoly(sp.Function):  # noqa: N801  (never printed: :func:`logpoly_forms` replaces it first)
    """logpoly(j, mu, c_0, ..., c_n): the j-th derivative in mu of log(sum c_k mu^k), a polynomial that
    :func:`_log_of_mu_polynomial` takes, kept whole through differentiation and the rewrites, so that every plane
    and every product holding it (log(mu^4 + mu^6) sigma, its d/dmu) has the one accurate function of mu."""

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        return logpoly(self.args[0] + 1, *self.args[1:])


class rootpoly(logpoly):  # noqa: N801  (never printed: :func:`logpoly_forms` replaces it first)
    """rootpoly(j, q, a, mu, c_0, ..., c_n): the j-th derivative in mu of mu^a (sum c_k mu^k)^q, q a fraction, a an
    integer and the polynomial one that :func:`_mu_polynomial_terms` takes; a logpoly for :func:`logpoly_forms`, with
    its own sides (:func:`_rootpoly_sides`)."""

    def fdiff(self, argindex=4):
        if argindex != 4:
            raise sp.ArgumentIndexError(self, argindex)
        return rootpoly(self.args[0] + 1, *self.args[1:])


def logpoly_atoms(e: sp.Expr) -> sp.Expr:
    """``e`` (in mu and sigma) with every log(P(mu)) that :func:`_log_of_mu_polynomial` takes as logpoly(0, mu, ..)
    and every fractional power P(mu)^q of such a polynomial, with the power of mu beside it, as rootpoly(0, q, a, mu,
    ..): applied before differentiation (the derivatives P'/P, (P'/P)', of mu^a P^q are then atoms of mu alone too,
    and mu**2/sqrt(mu**2 + mu**4)'s derivatives one term each, not terms of order 1/mu that cancel)."""
    def coeffs(arg):
        return reversed(sp.Poly(sp.expand(arg), mu).all_coeffs())

    def log_rule(x):
        arg = x.args[0]
        return x if _log_of_mu_polynomial(arg) is None else logpoly(sp.S.Zero, mu, *coeffs(arg))

    def root_rule(x):
        if isinstance(x, sp.Pow):
            fraction = x.exp.is_Rational and not x.exp.is_Integer
            ok = fraction and x.base.free_symbols == {mu} and _mu_polynomial_terms(x.base) is not None
            return rootpoly(sp.S.Zero, x.exp, sp.S.Zero, mu, *coeffs(x.base)) if ok else x
        roots = [f for f in x.args if isinstance(f, rootpoly) and f.args[0] == 0]
        a = x.as_powers_dict().get(mu, sp.S.Zero)
        if len(roots) != 1 or not (a.is_Integer and a != 0):
            return x
        j, q, a0, *rest = roots[0].args
        return x / (roots[0] * mu**a) * rootpoly(j, q, a0 + a, *rest)
    e = e.replace(lambda x: isinstance(x, sp.log) and x.args[0].free_symbols == {mu}, log_rule)
    return e.replace(lambda x: isinstance(x, (sp.Pow, sp.Mul)) and x.has(mu), root_rule)


@functools.lru_cache(maxsize=256)
def _rootpoly_sides(a: rootpoly) -> tuple:
    """((R_low, 0), (R_high, 0)) with rootpoly(j, q, a, ..) = R on each side of |mu| = 1: the j-th derivative of
    mu^a P^q is mu^(a - j) N P^(q - j), N a polynomial (N_0 = 1, N_i+1 = (a - i) P N_i + mu ((q - i) P' N_i + P N_i'),
    sympy's exact algebra), and on the side where P ~ c mu^K and N ~ mu^n (least powers where |mu| <= 1, greatest
    above) it is sgn(mu)^(a - j + n) |mu|^E, E = a - j + n + K (q - j), times the bounded ratio (N/mu^n) (P/mu^K)^(q -
    j): one power of |mu|, which leaves the float64 range only where the derivative does (d/dmu of sqrt(mu^2 + mu^4)
    at 1e156 is 2e156, was NaN from mu^3/mu^2; at 5e-324 1, was inf from mu/|mu|). NaN at mu = 0 where the
    derivative does not exist there."""
    j, q, a0, x, *coeffs = a.args
    p = sp.Add(*(c * mu**k for k, c in enumerate(coeffs)))
    num = sp.S.One
    for i in range(int(j)):
        num = sp.expand((a0 - i) * p * num + mu * ((q - i) * sp.diff(p, mu) * num + p * sp.diff(num, mu)))
    n_poly, p_poly = sp.Poly(num, mu), sp.Poly(p, mu)

    def side(n, k, ratio_n, ratio_p):
        e, odd = a0 - j + n + k * (q - j), (a0 - j + n) % 2
        return ratio_n * ratio_p ** (q - j) * (sgn(mu) if odd else 1) * absval(mu) ** e  # not |mu| 6/mu^8 (inf)
    lo_n, lo_p = min(k for (k,) in n_poly.monoms()), min(k for (k,) in p_poly.monoms())
    low = side(lo_n, lo_p, sp.expand(num / mu**lo_n), sp.expand(p / mu**lo_p))
    # near 0 the atom is sgn(mu)^a |mu|^m times a smooth positive factor, m = a + lo q: smooth where that is mu^m,
    # else its j-th derivative exists at 0 only for j < m (the cone |mu| sqrt(1 + mu^2): no d/dmu, no d2/dmu2); a
    # value with a pole of one sign on both sides is +inf as printed (|mu|^-3 / sqrt(1 + mu^2) at 0, was NaN)
    m = a0 + lo_p * q
    if not (m.is_integer and m >= 0 and (m - a0) % 2 == 0 or j < m or j == 0 and m < 0 and a0 % 2 == 0):
        low = sp.Piecewise((sp.nan, sp.Eq(mu, 0)), (low, True))
    u, hi_n, hi_p = 1 / mu, n_poly.degree(), p_poly.degree()
    high = side(hi_n, hi_p, sp.Add(*(c * u ** (hi_n - k) for (k,), c in n_poly.terms())),
                sp.Add(*(c * u ** (hi_p - k) for (k,), c in p_poly.terms())))
    return (low.subs(mu, x), 0), (high.subs(mu, x), 0)


def _chain(e: sp.Expr, n: int) -> sp.Expr:
    """e (1/mu)^n as e / mu / mu ...: partial products between e and the result, no (1/mu)^n overflow beside a
    small e (:class:`pw`); n < 0: e mu^-n."""
    return e if n == 0 else pw(e, 1 / mu, n, 1) if n > 0 else e * mu**-n


@functools.lru_cache(maxsize=256)
def _logpoly_sides(a: logpoly) -> tuple:
    """((R_low, k_low), (R_high, k_high)) with logpoly(j, ..) = R (1/mu)^k on each side of |mu| = 1, R bounded there:
    j = 0 is :func:`_log_of_mu_polynomial`'s (k = 0); j >= 1 is N/P^j with N a polynomial (sympy's exact algebra: no
    cancellation of P''P - P'^2's leading terms), divided by mu^(j lo) where |mu| <= 1 and by mu^(j hi) above: the
    quotients of polynomials in mu (in 1/mu above), k = j."""
    if isinstance(a, rootpoly):
        return _rootpoly_sides(a)
    j, x, *coeffs = a.args
    j = int(j)
    p = sp.Add(*(c * mu**k for k, c in enumerate(coeffs)))
    if j == 0:
        by_powers = _log_of_mu_polynomial(p)
        if by_powers is None:  # codegen's log|p| (a polynomial with a constant term, or with real roots where |mu|
            terms = {k: c for (k,), c in sp.Poly(p, mu).terms()}  # is beyond them): positive on the side it is used

            def side(k0):
                rest = sp.Add(*(c / terms[k0] * mu ** (k - k0) for k, c in terms.items() if k != k0))
                return sp.log(abs(terms[k0])) + k0 * logabs(mu) + (sp.Function("log1p")(rest) if rest != 0 else 0)
            by_powers = pick(sp.Abs(mu), sp.S.One, side(min(terms)), side(max(terms)))
        low, high = by_powers.args[2:]
        return (low.subs(mu, x), 0), (high.subs(mu, x), 0)
    num = sp.cancel(sp.diff(sp.log(p), mu, j) * p**j)  # a polynomial: (log P)^(j) = N / P^j
    n_poly, p_poly = sp.Poly(num, mu), sp.Poly(p, mu)
    lo_p, hi_p = min(k for (k,) in p_poly.monoms()), p_poly.degree()
    lo_n, hi_n = min(k for (k,) in n_poly.monoms()), n_poly.degree()
    low = sp.expand(num / mu**lo_n) / sp.expand(p / mu**lo_p) ** j
    u = 1 / mu
    high = (sp.Add(*(c * u ** (hi_n - k) for (k,), c in n_poly.terms()))
            / sp.Add(*(c * u ** (hi_p - k) for (k,), c in p_poly.terms())) ** j)
    return (low.subs(mu, x), j * lo_p - lo_n), (high.subs(mu, x), j * hi_p - hi_n)


def powers_over_abs(e: sp.Expr) -> sp.Expr:
    """Each product mu^a |mu|^b (a > 0, b < 0 integers) as sgn(mu)^(a mod 2) |mu|^(a + b), NaN at mu = 0 where it was
    0/0: mu/|mu| at a subnormal mu was mu times 1/|mu| = inf, inf for 1 (d/dmu of sqrt(mu**2 + mu**4) at 1e-310);
    mu^2/|mu| at 1e-300 was 0 (mu^2 underflows) for 1e-300."""
    a_mu = sp.Abs(mu)

    def rule(m: sp.Mul) -> sp.Expr:
        powers = m.as_powers_dict()
        a, b = powers.get(mu, sp.S.Zero), powers.get(a_mu, sp.S.Zero)
        if not (a.is_Integer and b.is_Integer and a > 0 and b < 0):
            return m
        rest = sp.Mul(*(f for f in m.args if f.as_base_exp()[0] not in (mu, a_mu)))
        new = rest * (sgn(mu) if a % 2 else 1) * a_mu**(a + b)
        return sp.Piecewise((sp.nan, sp.Eq(mu, 0)), (new, True))
    return e.replace(lambda x: isinstance(x, sp.Mul) and x.has(a_mu), rule)


def logpoly_forms(e: sp.Expr, vanishing: frozenset = frozenset()) -> sp.Expr:
    """Every :class:`logpoly` in ``e`` in its accurate form, chosen per point by |mu| <= 1 (:class:`pick`): a product
    holding logpoly atoms to positive integer powers as F R_1^e_1 ... (1/mu)^K on each side, F its other factors and
    K = sum e_i k_i (:func:`_logpoly_sides`), the divisions by mu last: the product is finite where a factor is not
    (d2/dmu2 of log(mu^4 + mu^6) sigma, -4/mu^2 sigma, at mu = sigma = 1e-300 is -4e300, was -inf from -4e600; at
    mu = sigma = 1e200 -6e-200, was 0 from -6e-400) and no power of mu underflows or overflows where the derivative is
    a finite number (d/dmu of log(mu^4 + mu^6) sigma at (1e-100, 3) is 1.2e101, was inf). Chains holding mu among
    the other factors are multiplied out first, so that their powers of mu cancel (d/dmu of mu^2 log(mu^2 + mu^4) sigma
    at (1e-300, 1) holds mu^2 (2/mu) = 2e-300, not 0 from mu^2), and what is left of them beside a factor of
    ``vanishing`` (d = sigma - 1) chained again (:func:`scale_first`)."""
    if not e.has(logpoly):
        return e

    def atoms(m):
        return [f for f in sp.Mul.make_args(m) if isinstance(f.as_base_exp()[0], logpoly)
                and f.as_base_exp()[1].is_Integer and f.as_base_exp()[1] > 0]

    def unchained(f):  # a chain holding mu (scale_first's, _group_mu's) as its plain product: its powers of mu cancel
        if isinstance(f, pw) and f.has(mu):
            return sp.Mul(*(unchained(g) for g in sp.Mul.make_args((f.args[0] * f.args[1] ** f.args[2]) ** f.args[3])))
        return f

    def side(m, s):  # m on side s (0: |mu| <= 1, 1: above), any other logpoly in it in that side's form
        held = atoms(m)
        rest = sp.Mul(*(unchained(f) for f in sp.Mul.make_args(m) if f not in held))
        ratio = rest.replace(lambda x: isinstance(x, logpoly), lambda x: _chain(*_logpoly_sides(x)[s]))
        k = 0
        for f in held:
            (r, kf), n = _logpoly_sides(f.as_base_exp()[0])[s], f.as_base_exp()[1]
            ratio, k = ratio * r**n, k + kf * n
        ratio = ratio * mu**-k  # a power of mu among the other factors cancels first (mu^2 2/mu at mu = 1e-300 is
        k = -ratio.as_powers_dict().get(mu, 0)  # 2e-300, was 0 from mu^2)
        if not (sp.sympify(k).is_Integer and k > 0):  # mu^n left: chained again beside a factor vanishing at sigma = 1
            return scale_first(ratio, set(vanishing))
        ratio = ratio * mu**k
        if rest.has(T, lg):  # a factor of the scale over mu^k: no order of the multiplications is right everywhere
            from vaemath.kernels import scaled  # (sigma^2 2/mu at mu = sigma = 1e200 is 2e200, was inf from sigma^2):
            return scaled.scaled(*scaled._flatten(ratio * mu**-k))  # mantissas and exponents apart
        return _chain(ratio, k)

    def walk(x):
        if x.is_Atom or not x.has(logpoly):
            return x
        if isinstance(x, pw) and x.has(mu):  # power_last's pw(L2, (mu T^c), 2, 1): mu^2 with L2's 1/mu^2 (mu^2 L2 T
            return walk(unchained(x))  # at mu = 1e200 is -4 T, was 0 from L2 = -4e-400)
        if isinstance(x, sp.Mul):  # a product of a sum holding logpoly, distributed: each term its own divisions
            for f in x.args:  # (T (2 L1^2 + 2 L0 L2) at mu = T = 1e200 is T 2 R^2/mu^2, not T 0)
                if isinstance(f, sp.Add) and f.has(logpoly):
                    rest = x / f
                    return walk(sp.Add(*(rest * t for t in f.args)))
        if atoms(x):
            return pick(sp.Abs(mu), sp.S.One, side(x, 0), side(x, 1))
        return x.func(*(walk(a) for a in x.args))
    return walk(e)


def _log_of_monomial(e: sp.log) -> sp.Expr:
    """log(c x^k) -> log(c) + k log|x| (c > 0; the argument is positive wherever the penalty is real): log(mu^2) is
    -inf at mu = 1e-300, where mu^2 underflows, and 2 log|mu| is -1381.55; a log of a polynomial in mu alone with no
    constant term by its least power near 0 and its greatest beyond 1 (:func:`_log_of_mu_polynomial`)."""
    by_powers = _log_of_mu_polynomial(e.args[0])
    if by_powers is not None:
        return by_powers
    c, rest = e.args[0].as_coeff_Mul()
    base, k = rest.as_base_exp()
    return sp.log(c) + k * logabs(base) if c > 0 and base.is_Symbol and k.is_Integer and k > 1 else e


def _accurate_log(a: sp.log) -> sp.Expr:
    """sympy.codegen.rewriting's log1p_opt, its ``factor`` skipped where costly, log1p only where the argument is near
    1 (:func:`_log1p_of`), a log of a power of a variable as a multiple of log|x| (:func:`_log_of_monomial`)."""
    a = a.replace(lambda x: isinstance(x, sp.log) and _log_of_mu_polynomial(x.args[0]) is not None, _log_of_monomial)
    e = sp.expand_log(a.replace(sp.log, lambda arg: sp.log(_factor(arg))))
    e = e.replace(lambda x: isinstance(x, sp.log) and _log1p_of(x.args[0]), lambda x: log1p(x.args[0] - 1))
    return e.replace(lambda x: isinstance(x, sp.log), _log_of_monomial)


# log1p_opt and expm1_opt of sympy.codegen.rewriting, each ``factor`` skipped where it is costly
ACCURACY_OPTIMS = (ReplaceOptim(lambda e: isinstance(e, sp.log), _accurate_log), _FuncMinusOne(sp.exp, expm1))


@dataclass(frozen=True)
class Special:
    """One accurate function of the kernels: its elementary form (what the rewrite replaces, and what
    :func:`plain` puts back), its derivative, and where its numba implementation lives."""

    name: str
    arity: int
    plain: Callable  # args -> elementary sympy expression
    derivative: Callable | None  # args -> d/d(first arg), for sympy's differentiation of rewritten forms
    numba: str  # "special.<name>" (vaemath.kernels.special), "math.<name>", or "" (printed inline)
    doc: str
    symmetric: bool = False  # f(a, b) = f(b, a): the derivative in b is ``derivative`` with the arguments swapped


# The one table: every sympy function class below, the kernel header's imports, and plain() come from it.
SPECIALS = (
    Special("xmlog1p", 1, lambda x: x - sp.log(1 + x), lambda x: x / (1 + x), "special.xmlog1p",
            "x - log1p(x), without cancellation near 0"),
    Special("expm1mx", 1, lambda x: sp.exp(x) - 1 - x, lambda x: sp.exp(x) - 1, "special.expm1mx",
            "expm1(x) - x, without cancellation near 0"),
    Special("log1p", 1, lambda x: sp.log(1 + x), lambda x: 1 / (1 + x), "math.log1p", "log(1 + x)"),
    Special("expm1", 1, lambda x: sp.exp(x) - 1, lambda x: sp.exp(x), "math.expm1", "exp(x) - 1"),
    Special("onep", 1, lambda x: 1 + x, lambda x: sp.S.One, "", "1 + x kept whole, so that its log is log1p(x)"),
    Special("pw", 4, lambda m, h, k, n: (m * h**k) ** n, None, "special.mul0",
            "pw(mu, h, k, n) = (mu h^k)^n, h = T^c, computed as (mul0(mu, h) h ... h)^n: no factor overflows or "
            "underflows unless the result does ((mu / sigma)^2 at mu = 1e150, sigma = 1e-200), and 0 at mu = 0 "
            "even where h is inf"),
    Special("hypot", 2, lambda a, b: sp.sqrt(a**2 + b**2), lambda a, b: a / hypot(a, b), "math.hypot",
            "sqrt(a^2 + b^2) without forming a^2 or b^2: no underflow at (1e-200, 0), no overflow at (1e200, 0)",
            symmetric=True),
    Special("rootpow", 3, lambda x, p, q: x ** (p / q), None, "special.rootpow",
            "x^(p/q), q not a power of 2, to about 1 ulp: printed for such powers of a positive base (T^(-1/3) of "
            "mu^3/sigma at sigma = 1e300: pow with the rounded exponent is 300 ulp off)"),
    Special("acoshexp", 1, lambda x: sp.acosh(sp.exp(x)), lambda x: 1 / sp.sqrt(-_expm1(-2 * x)), "special.acoshexp",
            "acosh(exp(L)) for L >= 0, as L + log1p(sqrt(-expm1(-2 L))): acosh of an argument beyond the float64 "
            "range from its log (fisher_rao_squared at sigma = 1e-310)"),
    Special("acoshsq", 1, lambda y: sp.acosh(1 + y) ** 2, lambda y: acoshsq1(y), "special.acoshsq",
            "acosh(1 + y)^2 for y >= 0, analytic at y = 0 where acosh(1 + y) is not: a penalty acosh(X)^2 near its "
            "zero X = 1 (fisher_rao_squared near (0, 1)) differentiated through it has no hypot(mu, d) and no "
            "cancellation of its Hessian's terms (1/h - mu^2/h^3)"),
    Special("acoshsq1", 1, lambda y: 2 * sp.acosh(1 + y) / (sp.sqrt(y) * sp.sqrt(y + 2)),
            lambda y: acoshsq2(y) / onep(y) ** 2, "special.acoshsq1", "d/dy acosh(1 + y)^2, 2 at y = 0"),
    Special("acoshsq2", 1, lambda y: (1 + y) ** 2 * (2 / (y * (y + 2)) - 2 * (1 + y) * sp.acosh(1 + y)
                                                     / (sp.sqrt(y) * sp.sqrt(y + 2)) ** 3), None, "special.acoshsq2",
            "(1 + y)^2 d2/dy2 acosh(1 + y)^2: in range where the second derivative underflows (y = 1e300, about "
            "-2 log(2 y) / y^2); its 1 / (1 + y)^2 is paired with the factors growing with y (:func:`onep_ratios`)"),
)
KERNEL_FUNCTIONS = tuple(sorted(s.numba.split(".")[1] for s in SPECIALS if s.numba.startswith("special.")))


def _function(spec: Special):
    def fdiff(self, argindex=1):
        if spec.derivative is not None and argindex == 1:
            return spec.derivative(*self.args)
        if spec.derivative is not None and spec.symmetric and argindex == 2:
            return spec.derivative(*reversed(self.args))
        raise sp.ArgumentIndexError(self, argindex)

    def canonical(cls, *args):  # f(b, a) is f(a, b): one object, so products see f(a, b) f(b, a) as f(a, b)^2
        if spec.symmetric and list(args) != sorted(args, key=sp.default_sort_key):
            return cls(*sorted(args, key=sp.default_sort_key))
        return None
    def nonnegative(self):  # signs sympy can prove, so that sums of one sign need no log-magnitude fallback
        if spec.name in ("xmlog1p", "expm1mx", "hypot", "acoshexp", "acoshsq", "acoshsq1"):
            return True
        if spec.name == "pw" and self.args[3].is_Integer and self.args[3] % 2 == 0:
            return True
        return None

    def nonpositive(self):
        return True if spec.name == "acoshsq2" else None
    return type(spec.name, (sp.Function,), {"nargs": spec.arity, "fdiff": fdiff, "__doc__": spec.doc,
                                            "eval": classmethod(canonical), "_eval_is_nonnegative": nonnegative,
                                            "_eval_is_nonpositive": nonpositive})


(xmlog1p, expm1mx, _log1p, _expm1, onep, pw, hypot, rootpow, acoshexp,  # noqa: N816
 acoshsq, acoshsq1, acoshsq2) = (_function(s) for s in SPECIALS)


def _rational(e: sp.Expr) -> bool:
    return e.is_rational_function(d, *sorted(e.free_symbols - {d}, key=str))


def _log_of_rational(e: sp.Expr) -> sp.Expr:
    """log(R) -> log1p(R - 1), and log1p(R) -> log1p(R), with R rational and R - 1 factored; log(R) only where R is 1
    at mu = d = 0 (:func:`_log1p_of`)."""
    from sympy.codegen.cfunctions import log1p

    def rule(arg, shift):
        if _rational(arg) and arg.free_symbols and (not shift or _log1p_of(arg)):
            return sp.Function("log1p")(sp.factor(sp.together(arg - shift)))
        return sp.log(arg) if shift else log1p(arg)
    return e.replace(sp.log, lambda a: rule(a, 1)).replace(log1p, lambda a: rule(a, 0))


def _acosh(e: sp.Expr) -> sp.Expr:
    def rule(arg):
        y = sp.factor(sp.together(arg - 1))
        return sp.Function("log1p")(y + sp.sqrt(y * (y + 2)))
    return e.replace(sp.acosh, rule)


def _square_root(t: sp.Expr):
    """r with r^2 = t for a term c X^2 Y^4 onep(R)... (c > 0 a number; onep(R) > 0, far forms), else None."""
    c, rest = t.as_coeff_Mul()
    if not (c > 0 and rest.free_symbols):
        return None
    root = sp.sqrt(c)
    for f in sp.Mul.make_args(rest):
        if isinstance(f, sp.exp) or (f.is_number and f.is_positive):  # exp(E) = exp(E/2)^2, a constant such as E
            root *= sp.exp(f.args[0] / 2) if isinstance(f, sp.exp) else sp.sqrt(f)  # (sqrt(mu**2 + exp(sigma)) at
            continue                                                                # mu = 1e200 was inf for 1e200)
        base, k = f.as_base_exp()
        if isinstance(base, onep) or (k.is_Integer and k % 2 == 0):
            root *= base ** (k / 2)
        else:
            return None
    return root


def _grouped_roots(s: sp.Add) -> list | None:
    """[a, b] with a^2 + b^2 = s, a the root of its mu terms and b of the rest, each group a square once factored
    or the rest a positive polynomial (mu^2 + d^2 + 2 d + 1 near sigma = 1: [mu, d + 1]; mu^2 + d^2 + 2 d + 2: [mu,
    sqrt(d^2 + 2 d + 2)]), else None: mu^2 is then never formed, and overflows nowhere the value does not."""
    mu_terms = sp.Add(*(t for t in s.args if t.has(mu)))
    groups = [sp.factor(mu_terms), sp.factor(s - mu_terms)]
    if groups[0].has(*(x for x in groups[1].free_symbols)) or not all(g.free_symbols for g in groups):
        return None
    roots = [_square_root(groups[0]), _square_root(groups[1]) or _positive_root(groups[1])]
    return None if None in roots else roots


def _positive_root(r: sp.Expr) -> sp.Expr | None:
    """sqrt(r) for a polynomial r in one variable, positive where that variable lives (d = T - 1 in [-1/2, 1], the
    near region; a positive symbol: nonnegative coefficients; else everywhere), else None."""
    if len(r.free_symbols) != 1 or not r.is_polynomial():
        return None
    x = next(iter(r.free_symbols))
    poly = sp.Poly(r, x)
    if x.is_positive:
        positive = all(c >= 0 for c in poly.all_coeffs()) and poly.eval(1) > 0
    else:
        lo, hi = (-sp.S.Half, 1) if x == d else (None, None)
        positive = poly.count_roots(lo, hi) == 0 and poly.eval(0) > 0
    return sp.sqrt(r) if positive else None


def _times(powers: dict, x: sp.Expr) -> int:
    """How many times the product x divides the product of ``powers`` (base -> exponent, same signs)."""
    ks = [powers.get(b, 0) / e for b, e in x.as_powers_dict().items()]
    return int(min(ks)) if ks and all(k.is_number for k in ks) and min(ks) >= 1 else 0


def _hypot_ratio(m: sp.Expr) -> sp.Expr:
    """A product with hypot^n, n < 0, as bounded ratios pw(x, 1/hypot, 1, k) = (x / hypot)^k (see :func:`_hypot`)."""
    hs = [(f.as_base_exp()) for f in m.args if isinstance(f.as_base_exp()[0], hypot)]
    if len(hs) == 1 and hs[0][1].is_Rational and hs[0][1].q == 2 and hs[0][1] < -1:  # h^(-7/2) as h^-4 h^(1/2): the
        h, n = hs[0]  # ratios take the integer power ((mu^2 + sigma^2)^(1/4)'s d2/dmu2 at mu = 1e100 was 0, -2.5e-151)
        return _hypot_ratio(m / h**n * h ** sp.floor(n)) * h ** (n - sp.floor(n))
    if len(hs) != 1 or not hs[0][1].is_Integer or hs[0][1] >= 0:
        return m
    h, n = hs[0]
    powers = dict(m.as_powers_dict())
    powers.pop(h)
    out = []
    mu_power = _mu_power_arg(h)
    for x in sorted(h.args, key=lambda a: not a.has(mu)) if mu_power else h.args:
        # an argument x of the hypot as a sub-product of m, at most -n times: |x| / hypot <= 1
        # (or x = c y, c a number, with y a sub-product: |y| / hypot <= 1/|c|; mu^2 / h^6 beside h = hypot(mu/sqrt(2),
        # ..) in fisher_rao_squared's logvar Hessian at mu = 1e200 was inf 0)
        y = x.as_independent(*x.free_symbols, as_Add=False)[1] if x.free_symbols else x
        x = x if _times(powers, x) else y
        k = min(_times(powers, x), -n) if n < 0 and x.free_symbols else 0
        if k:
            out.append(pw(x, 1 / h, 1, k))
            powers.update({b: powers[b] - k * e for b, e in x.as_powers_dict().items()})
            n += k
        p = powers.get(mu, 0)
        if mu_power and x.has(mu) and sp.sympify(p).is_Integer and p > 0 and n < 0:
            # beside a hypot of a power of mu, mu left over goes with the hypot left over before the other argument:
            # -2 mu^3 sigma / h^3, h = hypot(mu^2, sigma), at mu = 1e100 is -2 (mu^2/h) (mu/h) sigma, -2e-300, was 0
            # from h^2 = inf; -3 mu^5 T^2 / h^3 (logstd, h = hypot(mu^3, T)) at mu = 1e200 -0.0, was -inf (T/h)^2 = NaN
            k = min(p, -n)
            out.append(pw(mu, 1 / h, 1, k))
            powers[mu] -= k
            n += k
    for x in h.args:  # the power of T in an argument (T sqrt(onep(T^-2)) above 1): T / hypot <= 1 too
        tp = [f for f in sp.Mul.make_args(x) if f.as_base_exp()[0] == T and f.as_base_exp()[1] > 0]
        k = min(_times(powers, tp[0]), -n) if tp and n < 0 else 0
        if k:
            out.append(pw(tp[0], 1 / h, 1, k))
            powers[T] -= k * tp[0].as_base_exp()[1]
            n += k
    first = next(((b, e) for b, e in powers.items() if e.is_Integer and e > 0 and b.free_symbols), None)
    if not out and first is not None:  # no argument: the first positive power (onep(-1/T)^2 / h^3)
        k = min(first[1], -n)
        out.append(pw(first[0], 1 / h, 1, k))
        powers[first[0]] -= k
        n += k
    for i, p in enumerate(list(out)):  # (mu/h)^2 / T^2 as (mu/(T h))^2: 0 at mu = 0 where 1/T^2 is inf (v = 1e-310)
        j = min(p.args[3], -powers.get(T, 0))
        if p.args[0].has(mu) and j > 0:
            out[i] = pw(p.args[0], 1 / (T * h), 1, j)
            out.append(pw(p.args[0], 1 / h, 1, p.args[3] - j))
            powers[T] += j
    j = min(-powers.get(T, 0), -n)
    if j > 0:  # 1/(T^3 h^2) as (1/(T h))^2 / T: T^-3 overflows at T = 1e-150 where the quotient does not
        out.append(pw(1 / T, 1 / h, 1, j))
        powers[T] += j
        n += j
    out = [_mu_power_ratio(p.args[0], h, p.args[3]) if p.args[1] == 1 / h else p for p in out if p.args[3] != 0]
    return sp.Mul(*out, *(b**e for b, e in powers.items()), h**n)


def _mu_power_arg(h: sp.Expr) -> bool:
    """h is a hypot one of whose arguments is c mu^n S, n >= 2, c > 0 a number, S positive and free of mu."""
    held = [a for a in h.args if a.has(mu)]
    if not isinstance(h, hypot) or len(held) != 1:
        return False
    n = held[0].as_powers_dict().get(mu, 0)
    rest = held[0] / mu**n
    return bool(sp.sympify(n).is_Integer and n >= 2 and not rest.has(mu) and rest.is_positive)


def _mu_power_ratio(x: sp.Expr, h: hypot, k) -> sp.Expr:
    """(x / h)^k = pw(x, 1/h, 1, k); where the argument a of h holding mu is a c mu^n S, n >= 2 (S free of mu, c > 0),
    a / h as sgn(mu)^n / hypot(1, b / a), b / a = (b / (c S)) / mu / ... / mu, beside mu = 0: mu^n overflows where the
    ratio is about 1 (d/dmu of sqrt(mu**4 + sigma**2), 2 mu (mu^2 / hypot(mu^2, sigma)), at (1e200, 1) is 2e200, was
    inf/inf = NaN), and underflows where it is not small (mu^2 / hypot(mu^2, b) at (1e-200, b = 1e-300) is 1e-100)."""
    base = pw(x, 1 / h, 1, k)
    if not _mu_power_arg(h):
        return base
    a = next(y for y in h.args if y.has(mu))
    b = next(y for y in h.args if y is not a)
    n = a.as_powers_dict().get(mu, 0)
    rest = a / mu**n
    if not (x / a).is_number:
        return base
    q = (x / a) * (sgn(mu) if n % 2 else 1) / hypot(sp.S.One, pw(b / rest, 1 / mu, n, 1))
    return pick(sp.Abs(mu), sp.S.Zero, base, q if k == 1 else pw(q, sp.S.One, 0, k))


def _hypot(e: sp.Expr, scale_out: bool = False) -> sp.Expr:
    """(a^2 + b^2)^(n/2), n odd -> hypot(a, b)^n, and (a^2 + b^2)^(n/q) -> hypot(a, b)^(2n/q) for q = 3, 4, 6 (its 4th
    root at mu = 1e200 was inf for 1e100, its cube root at 1e160 inf for 4.6e106); then in a product with hypot^n,
    n < 0, each argument x of the hypot found in it as x^k -> pw(x, 1/hypot, 1, k) hypot^(n + k), k <= -n (else the
    first positive power):
    |x| / hypot <= 1, so no square underflows or overflows where the value does not (the cone
    sqrt(mu^2 + (sigma - 1)^2) at mu = 1e-200, sigma = 1, its d2/dsigma2 = mu^2 / hypot^3 = 1e200; 3 d mu^2/h^3 is
    3 (d/h) (mu/h)^2, not 0 from d/h^3 = 1e-460 at mu = 1e150; d^2/h is (d/h) d, not h (d/h)^2, denormal at
    d = 1e-10, mu = 1e150); negative powers of T go with mu into its ratio, then pair with the hypot:
    (mu/h)^2 / T^3 / h = (mu/(T h))^2 / (T h), 0 at mu = 0 and no T^-3 overflow at T = 1e-150.
    ``scale_out`` (far forms above 1): a power of T under the hypot taken out of it, hypot(mu, T b) =
    T hypot(mu / T, b), so that T / hypot is 1 / hypot(mu / T, b) where T = exp(l / 2) overflows (the cone's d/dl
    at l = 1e4: +inf)."""
    def to_hypot(p):
        roots = [_square_root(t) for t in p.base.args]
        if len(roots) != 2 or None in roots:
            roots = _grouped_roots(p.base)
        if roots is None:
            return p
        powers = [f for r in roots for f in sp.Mul.make_args(r) if f.as_base_exp()[0] == T and f.as_base_exp()[1] > 0]
        if scale_out and len(powers) == 1:
            return (powers[0] * hypot(*(r / powers[0] for r in roots))) ** (2 * p.exp)
        return hypot(*roots) ** (2 * p.exp)
    e = e.replace(lambda x: isinstance(x, sp.Pow) and isinstance(x.base, sp.Add) and x.exp.is_Rational
                  and x.exp.q in (2, 3, 4, 6), to_hypot)
    return e.replace(lambda x: isinstance(x, sp.Add), _hypot_out_of_sum).replace(lambda x: isinstance(x, sp.Mul),
                                                                               _hypot_ratio)


def _hypot_out_of_sum(s: sp.Add) -> sp.Expr:
    """A sum whose every term holds h^n, h a hypot of a power of mu (:func:`_mu_power_arg`), n > 0 -> h^n (sum / h^n):
    the product :func:`_hypot_ratio` pairs (d2/dmu dv of sqrt(2*mu**4 + (sigma - 1)**2) in var, mu^3 d / ((1 + d) h^3)
    expanded to d h^3 + h^3, at (1e200, 1/2) NaN for 2.9e-601)."""
    hs = {f.as_base_exp() for f in sp.Mul.make_args(s.args[0]) if _mu_power_arg(f.as_base_exp()[0])}
    for h, n in hs:
        if n.is_Integer and n > 0 and all(t.as_powers_dict().get(h, 0) >= n for t in s.args):
            return h**n * sp.Add(*(t / h**n for t in s.args))
    return s


def in_every_sum(rule, e: sp.Expr) -> sp.Expr:
    """Apply ``rule`` to every sum inside ``e``, innermost first."""
    if not e.args:
        return e
    e = e.func(*(in_every_sum(rule, a) for a in e.args))
    return rule(e) if isinstance(e, sp.Add) else e


def _pairs(e: sp.Add) -> sp.Expr:
    """Fuse c x - c log1p(x) and c expm1(x) - c x in a sum (anything else as it is: a sum that collapsed to the
    product d expm1(mu) is not the sum of its factors)."""
    if not isinstance(e, sp.Add):
        return e
    terms = list(e.args)
    for term in list(terms):
        coeff, rest = term.as_coeff_Mul()
        fn = getattr(rest, "func", None)
        name = getattr(fn, "__name__", "")
        if name not in ("log1p", "expm1") or term not in terms:
            continue
        x = rest.args[0]
        linear = sp.expand(-coeff * x)  # c expm1(x) - c x and c x - c log1p(x)
        if all(t in terms for t in sp.Add.make_args(linear)):
            for t in sp.Add.make_args(linear):
                terms.remove(t)
            terms.remove(term)
            terms.append(-coeff * xmlog1p(x) if name == "log1p" else coeff * expm1mx(x))
    return sp.Add(*terms)


def _log_sum(e: sp.Add) -> sp.Expr:
    """sum c_i log1p(x_i) + R(d), two logs or more left apart (powers beyond MAX_LOG_POWER), x_i(0) = 0:
    sum c_i x_i + R - sum c_i xmlog1p(x_i) when sum c_i x_i + R vanishes to second order at d = 0, so the logs'
    first-order terms cancel exactly (renyi(0.01): -log1p(d) + 50/99 log1p(99/100 d (d + 2)) is d^2 / 2 - ...)."""
    logs, rational, others = [], [], []
    for term in e.args:
        c, rest = term.as_coeff_Mul()
        if getattr(rest.func, "__name__", "") == "log1p" and rest.args[0].subs(d, 0) == 0:
            logs.append((c, rest.args[0]))
        elif term.free_symbols <= {d} and _rational(term):
            rational.append(term)
        else:
            others.append(term)
    if len(logs) < 2:
        return e
    linear = sp.factor(sp.together(sp.Add(*rational, *(c * x for c, x in logs))))
    if _order_at_0(linear) < 2:
        return e
    return sp.Add(linear, *(-c * xmlog1p(x) for c, x in logs), *others)


def _powered(x, coeff, rational):
    """(p, R + k y, k, y) for y = (1 + x)^p - 1, k = coeff / p."""
    for power in (1, -1, 2, -2):
        y = sp.factor(sp.together((1 + x) ** power - 1))
        k = sp.Rational(1, power) * coeff
        yield power, sp.factor(sp.together(sp.Add(*rational) + k * y)), k, y


def _order_at_0(r: sp.Expr, most: int = 4) -> int:
    """Order of vanishing of the rational function r at d = 0, up to ``most`` (most if r == 0)."""
    for n in range(most):
        if r.subs(d, 0) != 0:
            return n
        r = sp.diff(r, d)
    return most


def _power_pairs(e: sp.Add) -> sp.Expr:
    """c log1p(x) + R(d), x(0) = 0, R rational: with y = (1+x)^p - 1 (p = +-1, +-2) and k = c/p,
    c log1p(x) + R = -k xmlog1p(y) + (R + k y), with the p for which R + k y vanishes to the highest order
    (at least 2) at d = 0: the cancellation between the log and the rational part then sits inside xmlog1p
    (e.g. log(sigma) + 1/(2 sigma^2) - 1/2 = xmlog1p(1/sigma^2 - 1)/2)."""
    rational = [t for t in e.args if t.free_symbols <= {d} and _rational(t)]
    for term in e.args:
        coeff, rest = term.as_coeff_Mul()
        if getattr(rest.func, "__name__", "") != "log1p" or not rational:
            continue
        x = rest.args[0]
        if not (x.free_symbols == {d} and _rational(x) and x.subs(d, 0) == 0):
            continue
        best = max(((_order_at_0(resid), -power, resid, k, y) for power, resid, k, y in _powered(x, coeff, rational)),
                   key=lambda c: c[:2])
        if best[0] >= 2:  # the rational part left over has no cancellation of order d or less
            others = [t for t in e.args if t is not term and t not in rational]
            return sp.Add(*others, -best[3] * xmlog1p(best[4]), best[2])
    return e


def _factor_rational_parts(e: sp.Add) -> sp.Expr:
    rational = [t for t in e.args if _rational(t)]
    if len(rational) < 2:
        return e
    others = [t for t in e.args if not _rational(t)]
    return sp.Add(_factor_joined(sp.Add(*rational)), *others)


def _to_codegen_functions(e: sp.Expr) -> sp.Expr:
    """Use sympy.codegen's log1p/expm1 classes, whatever produced them."""
    from sympy.codegen.cfunctions import expm1, log1p

    return e.replace(lambda x: getattr(x.func, "__name__", "") == "log1p", lambda x: log1p(*x.args)) \
            .replace(lambda x: getattr(x.func, "__name__", "") == "expm1", lambda x: expm1(*x.args))


MAX_LOG_POWER = 8  # logs are combined only into powers up to this: beyond, factor and expand take minutes


def _combine_logs(e: sp.Add) -> sp.Expr:
    """sum c_i log(A_i) -> c log(prod A_i^(c_i / c)), so ratios near 1 become visible; a log of mu alone is kept
    apart (its own rules: log(mu**4 + mu**6) - log(sigma) as log1p(mu^2) - log(sigma/mu^4) overflowed, r8o A2)."""
    def joins(r) -> bool:
        return isinstance(r, sp.log) and r.args[0].free_symbols != {mu}

    logs = [(c, r.args[0]) for c, r in (t.as_coeff_Mul() for t in e.args) if joins(r)]
    if len(logs) < 2:
        return e
    c0 = reduce(sp.gcd, [c for c, _ in logs]) * sp.sign(logs[0][0])  # integer powers keep A rational
    if max(abs(c / c0) for c, _ in logs) > MAX_LOG_POWER:  # renyi(0.01): (a + (1-a) sigma^2)^50 sigma^99, expanded
        return e
    inside = sp.Mul(*(a ** (c / c0) for c, a in logs))
    rest = [t for t in e.args if not joins(t.as_coeff_Mul()[1])]
    return sp.Add(c0 * sp.log(sp.together(inside)), *rest)


def _expand_log(e: sp.Expr, x0) -> sp.Expr:
    """log of a product -> sum of logs of its positive factors (sigma = x0 + d > 0 is positive) plus one
    log of the rest with the sign: unlike a forced expand_log, never log(-1) = I pi."""
    pos = sp.Symbol("pos", positive=True)
    positive = (lambda f: bool(f.subs(d, pos - x0).is_positive)) if x0 else (lambda f: bool(f.is_positive))

    def rule(arg):
        c, rest = arg.as_coeff_Mul()
        if not isinstance(rest, sp.Mul) and not isinstance(rest, sp.Pow) and c in (1, -1):
            return sp.log(arg)
        sign = -1 if c < 0 else 1
        terms, left = [sp.log(sign * c)] if c != sign else [], []
        for f in sp.Mul.make_args(rest):
            base, k = f.as_base_exp()
            if positive(base):
                terms.append(k * sp.expand_log(sp.log(base), force=True) if positive(base) else k * sp.log(base))
            else:
                left.append(f)
        if left or sign < 0:
            terms.append(sp.log(sign * sp.Mul(*left)))
        return sp.Add(*terms)
    return e.replace(sp.log, rule)


def _one_minus_product(e: sp.Add) -> sp.Expr:
    """c + k P with P a product of powers and exponentials close to -c/k: -c expm1(log(-k P / c))."""
    const, rest = e.as_coeff_Add()
    if const == 0 or isinstance(rest, sp.Add) or _rational(rest) or not rest.has(sp.exp, sp.Pow):
        return e
    inner = sp.expand_log(sp.log(-rest / const), force=True)
    return -const * sp.Function("expm1")(inner)


def _with_numbers_hidden(step, e: sp.Expr) -> sp.Expr:
    """``step(e)`` with the rationals of more than 20 digits (1e-300 is read as 1/10^300) and the constants holding an
    exp (exp(-700), sqrt(2) exp(650)) as symbols. sympy's expm1 pattern search on sqrt(d + 1)/10^300 took 10 s a plane
    (0.01 s hidden), its factor of sqrt(2) exp(-650) mu^4 + exp(650) mu^2 (a polynomial of degree 1300 in E) did not
    end, and factor pulls such a coefficient out of a sum as its reciprocal (1e-300 mu^4 + mu^2 as
    mu^2 (mu^2 + 1e300) 1e-300). Such a number is never the 1 of exp(x) - 1."""
    hidden = {}

    def hide(r):
        g = sp.Dummy(positive=True)
        hidden[g] = abs(r)
        return g if r > 0 else -g

    def far_or_exp(a):
        if isinstance(a, sp.Rational):
            return max(abs(a.p), a.q) > 10**20
        return a.is_number and not a.is_Atom and a.has(sp.exp, sp.E) and a.is_real is True and not a.is_zero
    return step(e.replace(far_or_exp, hide)).xreplace(hidden)


def _factor_joined(e: sp.Expr) -> sp.Expr:
    """sp.factor(sp.together(e)); ``e`` itself where it holds far numbers or exp constants
    (:func:`_with_numbers_hidden`): factor and together take a power of mu out of the terms they multiply
    (exp(650) mu^2 + sqrt(2) exp(-650) mu^4 as mu^2 (...): 0 at mu = 1e-200 from mu^2, true 2e-118)."""
    def step(x):
        return x if x.atoms(sp.Dummy) - e.atoms(sp.Dummy) else sp.factor(sp.together(x))
    return _with_numbers_hidden(step, e)


def accurate(expr: sp.Expr, x: sp.Symbol = sigma, x0=1) -> sp.Expr:
    """Steps 1-4: the expression in (mu, d = x - x0), rewritten for accurate floating-point evaluation.

    ``x`` is the scale variable of the parametrisation and ``x0`` its value at sigma = 1 (1 for sigma and
    the variance, 0 for the logarithms, where d is the variable itself). Step 5 (:func:`factor_rational`)
    is applied by the code generator after it has split the sum into its mu-only, sigma-only and mixed
    parts, so that factoring never fuses separable terms.
    """
    e = in_every_sum(_one_minus_product, _expand_gaussian_kept(expr.subs(x, x0 + d)))
    e = in_every_sum(_combine_logs, _expand_log(e, x0))
    e = _acosh(_log_of_rational(e))
    if sp.count_ops(e) <= OPTIMIZE_MAX_OPS:  # sympy's pattern search takes minutes on huge Hessians
        e = _with_numbers_hidden(lambda x: optimize(x, ACCURACY_OPTIMS), e)
    e = in_every_sum(_log_sum, in_every_sum(_pairs, sp.expand(_to_codegen_functions(e), deep=False)))
    return _decay_first(_hypot(in_every_sum(_power_pairs, e)))


def accurate_in_mu(e: sp.Expr) -> sp.Expr:
    """A mu-only part of a far form with the near form's expm1 and log1p (the same function of mu in every region:
    mu^2/(1 - exp(-mu^2)) at mu = 1e-8 is 1, not 0.9 from 1 - exp(-1e-16) rounded)."""
    return _with_numbers_hidden(lambda x: optimize(x, ACCURACY_OPTIMS), e) if e.has(sp.exp, sp.log) else e


def log_scale_near(e: sp.Expr) -> sp.Expr:
    """The log parametrisations near sigma = 1, where d = expm1(lg) and lg is the axis value itself: log1p(y)
    with 1 + y = (1 + d)^p is p lg, and xmlog1p(y) = y - log1p(y) is expm1mx(p lg). Exact identities that drop
    a log1p (or a division and a series) per point: the KL's value in s = log sigma is d^2/2 + expm1mx(s)."""
    def power(y):
        r = sp.factor(sp.together(1 + y.subs(T, 1 + d)))
        if r == 1 + d:
            return sp.S.One
        return r.exp if isinstance(r, sp.Pow) and r.base == 1 + d and r.exp.is_Rational else None

    def rule(a):
        p = power(a.args[0])
        if p is None:
            return a
        return p * lg if a.func.__name__ == "log1p" else expm1mx(p * lg)
    return e.replace(lambda a: getattr(getattr(a, "func", None), "__name__", "") in ("log1p", "xmlog1p"), rule)


def _expand_gaussian_kept(e: sp.Expr) -> sp.Expr:
    """sp.expand, with each factor exp(E), E depending on mu, kept a factor of the numerator of its term: expand
    alone turns exp(-E)/(A + B) into 1/(A exp(E) + B exp(E)), where exp(E) overflows to inf and the quotient is
    inf/inf = NaN (hellinger's d2/ds2 at mu = 1e150, s near 0), and :func:`_decay_first` no longer sees the factor."""
    hidden = {}

    def hide(f):
        g = sp.Dummy(positive=True)
        hidden[g] = sp.expand(f)
        return g
    e = e.replace(lambda a: isinstance(a, sp.exp) and a.args[0].has(mu), hide)
    return sp.expand(e).xreplace(hidden)


def factor_rational(e: sp.Expr) -> sp.Expr:
    """Step 5: the rational part of every sum over one denominator, factored."""
    return in_every_sum(_factor_rational_parts, e)


def elementary(e: sp.Expr) -> sp.Expr:
    """Every function of :data:`SPECIALS` (whichever class made it: ours, sympy.codegen's log1p/expm1)
    replaced by its elementary form."""
    by_name = {s.name: s for s in SPECIALS}
    return e.replace(lambda a: getattr(getattr(a, "func", None), "__name__", "") in by_name,
                     lambda a: by_name[a.func.__name__].plain(*a.args)).replace(logabs, lambda x: sp.log(x**2) / 2)


def plain_pw(e: sp.Expr) -> sp.Expr:
    """``e`` with each ordered product pw(m, h, k, n) written as the sympy power (m h^k)^n."""
    return e.replace(lambda a: isinstance(a, pw), lambda a: (a.args[0] * a.args[1]**a.args[2])**a.args[3])


def plain(e: sp.Expr, x: sp.Symbol = sigma, x0=1) -> sp.Expr:
    """Undo the rewrites: elementary functions of (mu, x) again, to check the rewrites are identities."""
    return elementary(e).subs(d, x - x0)


# --- Far forms: accurate where the scale is far from 1 -------------------------------------------------------------

T = sp.Symbol("tt", positive=True)  # the scale as sigma (or the variance for param="var"), far from 1
lg = sp.Symbol("lg", real=True)  # log(T), computed exactly from the axis (log(sigma), or s itself)


def _monomial(term: sp.Expr):
    """(key, c, k) with term = c key T^k, c a real number, key free of T; None if T enters otherwise."""
    rest_T, t_part = term.as_independent(T, as_Add=False)
    c, key = rest_T.as_coeff_Mul()
    if not c.is_real:
        return None
    if t_part == 1:
        return key, c, sp.S.Zero
    base, k = t_part.as_base_exp()
    return (key, c, k) if base == T and k.is_number else None


LN_TINY, LN_HUGE = math.log(2.2250738585072014e-308), math.log(1.7976931348623157e308)  # float64's normal range
ALL_LG = (-math.inf, math.inf)  # lg = log(T) takes every value (the log parametrisations); std, var: a bounded range


def _dominant(side: str, lg_range: tuple = ALL_LG):
    """In a sum, each group of terms c_i key T^k_i sharing one factor key free of T (a number, mu^2, ...)
    -> c key T^k onep(sum c_i/c T^(k_i - k)), with T^k the term dominant on ``side``; the other terms are
    kept. No power of T then overflows where the group does not (T^2 - 2 T + 1 at T = 1.8e308: inf, never
    inf - inf), and the remainder is small. A term joins the dominant one only where that is safe
    (:func:`_joins`); the others form groups of their own (:func:`_groups`)."""
    def rule(e: sp.Add) -> sp.Expr:
        groups, others = {}, []
        for term in e.args:
            m = _monomial(term)
            if m is None:
                others.append(term)
            else:
                groups.setdefault(m[0], []).append(m[1:])
        out = list(others)
        for key, terms in groups.items():
            for part in _groups(terms, side, lg_range):
                k = min(k for _, k in part) if side == "low" else max(k for _, k in part)
                c = sum(ci for ci, ki in part if ki == k)
                if len({ki for _, ki in part}) < 2 or c == 0:
                    out.extend(ci * key * T**ki for ci, ki in part)
                    continue
                rest = sp.Add(*(ci / c * T ** (ki - k) for ci, ki in part if ki != k))
                out.append(c * key * T**k * onep(rest))
        return sp.Add(*out)
    return rule


def _groups(terms: list, side: str, lg_range: tuple) -> list:
    """``terms`` [(c_i, k_i)] in groups: the dominant power's terms with every term that :func:`_joins` them, then
    the same for the terms left. One group unless a coefficient lies far from the others'."""
    out, left = [], list(terms)
    while left:
        k = min(k for _, k in left) if side == "low" else max(k for _, k in left)
        c = sum(ci for ci, ki in left if ki == k)
        part = [t for t in left if t[1] == k or (c != 0 and _joins(c, k, *t, side, lg_range))]
        out.append(part)
        left = [t for t in left if t not in part]
    return out


def _joins(c, k, ci, ki, side: str, lg_range: tuple) -> bool:
    """Whether c_i T^k_i may be written inside c T^k onep(c_i/c T^(k_i - k)) on ``side`` (lg = log T in ``lg_range``):
    nowhere where c_i T^k_i is a normal float64 does c T^k leave the normal range below, or the ratio
    c_i/c T^(k_i - k) overflow. A tiny c joined to larger ones was 0 times a finite ratio where the sum is normal
    (5e-301 T^(1/2) + 2 T^2 - 2 T below sigma = 1/2 as 5e-301 T^(1/2) (1 + 4e300 T^(1/2) (T - 1)): 0 at
    sigma = exp(-300), true -2e-130); a tiny c on the overflowing power is safe (1e-300 T^3 - T^2 above 2)."""
    lc, lci = _ln_abs(c), _ln_abs(ci)
    if not LN_TINY <= lci - lc <= LN_HUGE:  # c_i/c itself beyond float64 (1e-300 T^(1/4) + 1e300 T^-3: 1e-600)
        return False
    lo, hi = (lg_range[0], math.log(0.5)) if side == "low" else (math.log(2.0), lg_range[1])
    normal = [(float(ki), lci - LN_TINY), (-float(ki), LN_HUGE - lci)]  # alpha lg + beta >= 0 each
    pivot_below = (-float(k), LN_TINY - 1e-9 - lc)  # c T^k below the normal range
    ratio_over = (float(ki - k), lci - lc - LN_HUGE + 1.0)  # c_i/c T^(k_i - k) beyond it
    return not any(_nonempty(lo, hi, [*normal, bad]) for bad in (pivot_below, ratio_over))


def _ln_abs(c) -> float:
    return float(sp.log(abs(c)).evalf(20))


def _nonempty(lo: float, hi: float, constraints: list) -> bool:
    """Whether some lg in [lo, hi] satisfies alpha lg + beta >= 0 for every (alpha, beta) of ``constraints``."""
    for alpha, beta in constraints:
        if alpha > 0:
            lo = max(lo, -beta / alpha)
        elif alpha < 0:
            hi = min(hi, -beta / alpha)
        elif beta < 0:
            return False
    return lo <= hi


def _pythagoras(e: sp.Add) -> sp.Expr:
    """In a sum, t - t a^2 / hypot(a, b)^2 -> t b^2 / hypot(a, b)^2: the cancellation done in algebra (the log form's
    mixed derivative in logvar, 1/h^2 - u^2/h^4 with u = mu exp(-l/2) / sqrt(2): 3e3 ulp at mu = 1e150, l = 20)."""
    terms = list(e.args)
    for h in {h for t in terms for h in t.atoms(hypot)}:
        for a, b in (h.args, h.args[::-1]):
            for t in list(terms):
                partner = -t * a**2 / h**2
                if t in terms and partner in terms and partner is not t:
                    terms.remove(t)
                    terms.remove(partner)
                    terms.append(t * b**2 / h**2)
    return sp.Add(*terms)


def _hypots_scaled(e: sp.Expr) -> sp.Expr:
    """hypot(a, T^k b) -> T^k hypot(a / T^k, b), after differentiation (above 1): its log is then k lg + log(hypot(..)),
    and T / hypot is 1 / hypot(a / T, b) (fisher_rao_squared's d2/dmu dsigma at mu = 1e-8, sigma = 1e103, a
    denormal, was 886 ulp from a product through 1/hypot^3 = 1e-309 before acoshexp = 237 multiplied it; now 63).
    In std and var only: in the log parametrisations it left d2/dx2 at s = 1e16 0 for 4 (not understood)."""
    def rule(h):
        powers = [(i, f) for i, x in enumerate(h.args) for f in sp.Mul.make_args(x)
                  if f.as_base_exp()[0] == T and f.as_base_exp()[1].is_positive]
        if len(powers) != 1:
            return h
        t = powers[0][1]
        return t * hypot(*(x / t for x in h.args))
    return e.replace(lambda x: isinstance(x, hypot), rule)


def _log_of_product(arg: sp.Expr) -> sp.Expr:
    """log of c T^k onep(R) ... as log(c) + k lg + log1p(R) + log(rest); the sign kept with the rest."""
    c, rest = arg.as_coeff_Mul()
    if c < 0:  # a negative argument: outside the penalty's domain, keep the log whole (NaN, never I pi)
        return sp.log(arg, evaluate=False)
    terms, left = [], []
    for f in sp.Mul.make_args(rest):
        base, k = f.as_base_exp()
        if base == T:
            terms.append(k * lg)
        elif isinstance(base, onep):
            terms.append(k * sp.Function("log1p")(base.args[0]))
        else:
            left.append(f)
    terms.append(sp.log(c))
    if left:
        terms.append(sp.log(sp.Mul(*left)))
    return sp.Add(*terms)


def _group_mu(e: sp.Expr) -> sp.Expr:
    """mu^n T^b -> pw(mu, T^c, k, n) = (mu (T^c)^k)^n in every product, n a positive integer, c = b/(n k)
    with k the least integer making |c| <= 1."""
    def rule(m: sp.Mul) -> sp.Expr:
        powers = m.as_powers_dict()
        n, b = powers.get(mu, 0), powers.get(T, 0)
        if not (n and b and sp.sympify(n).is_Integer and n > 0):
            return m
        others = sp.Mul(*(f for f in m.args if f.as_base_exp()[0] not in (mu, T)))
        least = max(1, math.ceil(abs(b / n)))
        # the least k >= |b/n| making c a multiple of 1/4: T^c is then a sqrt or an exact power, never pow
        # with a rounded exponent (T^(-5/6): 3e-15 relative at T = 1e150)
        k = next((k for k in range(least, 8 * least + 1) if (b / (n * k) * 4).is_Integer), least)
        return others * pw(mu, T ** (b / (n * k)), k, n)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def _expanded(e: sp.Expr) -> sp.Expr:
    """``e`` with its sums expanded into monomials, but no product distributed into a denominator or a radicand:
    1/(A (4 T^2 + 4)) stays a product whose sum becomes 4 T^2 onep(T^-2), never 1/(4 A T^2 + 4 A), a sum
    whose terms overflow where the quotient is a finite number."""
    hidden = {}

    def hide(p):
        dummy = sp.Dummy()
        hidden[dummy] = sp.Mul(*(_expanded(f) for f in sp.Mul.make_args(p.base)))
        return dummy**p.exp
    e = e.replace(lambda x: isinstance(x, sp.Pow) and isinstance(x.base, (sp.Add, sp.Mul))
                  and not (x.exp.is_Integer and x.exp > 0), hide)
    e = sp.expand(e, deep=True, log=False, power_base=False, mul=True)
    while e.has(*hidden):
        e = e.xreplace(hidden)
    return e


def _mu_key(term: sp.Expr):
    """The factor of ``term`` that is a monomial in mu (mu^n, exp(E(mu))) when the rest is free of mu, else
    None (mu entangled with T, as in 1/(mu^2 + d^2)): terms of equal key may be joined."""
    monomial = [f for f in sp.Mul.make_args(term) if f.has(mu) and not f.has(T)
                and (f.as_base_exp()[0] == mu or isinstance(f, sp.exp))]
    rest = sp.Mul(*(f for f in sp.Mul.make_args(term) if f not in monomial))
    return None if rest.has(mu) else sp.Mul(*monomial)


def _radical_split(term: sp.Expr):
    """(bases B, R) with term = R prod sqrt(B), R rational in (mu, T), B the sums under an odd power of a
    square root; None if ``term`` is not of that form."""
    bases = frozenset(f.base for f in sp.Mul.make_args(term) if isinstance(f, sp.Pow) and isinstance(f.base, sp.Add)
                      and f.exp.is_Rational and f.exp.q == 2)
    rest = term / sp.Mul(*(sp.sqrt(b) for b in bases))
    return (bases, rest) if rest.is_rational_function(mu, T) else None


def _join_rational(e: sp.Add) -> sp.Expr:
    """In a sum, the terms rational in (mu, T), times the same square roots, over one denominator, factored, per
    group of equal mu monomial factor (:func:`_mu_key`): cancellations between the terms then happen in algebra,
    not in floating point; where a term entangles mu with T, its sum's rational terms join whatever their mu
    factor (2/(T^2 + 1) - 2/(T^2 + 1)^2 at T = 1e175 is 2 T^2/(T^2 + 1)^2, not 2 (1 - R) R with R rounded to 1;
    1/sqrt(A) - mu^2/A^(3/2), A = mu^2 + d^2, is d^2/A^(3/2)). The far forms' step 5, as :func:`factor_rational`
    is the near one's."""
    groups, others = {}, []
    splits = [(t, _radical_split(t)) for t in e.args]  # numbers too: they cancel against the mu-free group
    entangled = any(split is not None and _mu_key(t) is None for t, split in splits)
    for t, split in splits:
        if split is None:
            others.append(t)
        else:  # a term where mu is entangled with T joins all: 1 - mu^2/(mu^2 + d^2)
            groups.setdefault((None if entangled else _mu_key(t), split[0]), []).append(split[1])
    joined = [(_factor_joined(sp.Add(*rs)) if len(rs) > 1 else rs[0]) * sp.Mul(*(sp.sqrt(b) for b in bases))
              for (_, bases), rs in groups.items()]
    return sp.Add(*joined, *others)


def _numerators_first(e: sp.Expr, side: str) -> sp.Expr:
    """Sums in a numerator over a denominator in T, expanded and written by :func:`_dominant` before
    :func:`_expanded` distributes them into terms the dominant form cannot group (T^2/A^(3/2) - 2 T/A^(3/2) +
    1/A^(3/2), A = mu^2 + d^2, cancelling at T = 1e200, mu = 1e250: T^2 onep(-2/T + T^-2)/A^(3/2))."""
    def has_T_denominator(m):
        return any(f.as_base_exp()[1].is_negative and isinstance(f.as_base_exp()[0], sp.Add) and f.has(T)
                   for f in m.args)

    def numerator(f):
        base, k = f.as_base_exp()
        if not (isinstance(base, sp.Add) and base.has(T) and k.is_Integer and k > 0):
            return f
        num = sp.expand(base)
        return (_dominant(side)(num) if isinstance(num, sp.Add) else num) ** k

    return e.replace(lambda m: isinstance(m, sp.Mul) and has_T_denominator(m),
                     lambda m: sp.Mul(*(numerator(f) for f in m.args)))


def far(e: sp.Expr, side: str, scaled_hypots: bool = False, lg_range: tuple = ALL_LG) -> sp.Expr:
    """The expression in (mu, T) rewritten for T far from 1 on ``side`` ("low": T < 1/2, "high": T > 2).

    Rational parts of every sum are first joined over one denominator (:func:`_join_rational`). Every sum of
    powers of T is then written as its dominant power times onep(small remainder), so that logs
    become log(c) + k log(T) + log1p(remainder) and no power of T overflows or underflows where the value
    does not (log(1 + sigma^2) at sigma = 1e200 is 2 log(sigma) + log1p(sigma^-2)); products of powers of
    mu and T are grouped as (mu T^b)^n. log(T) is the symbol ``lg``, computed once per scale value.
    """
    e = in_every_sum(_join_rational, e.replace(lambda x: isinstance(x, sp.log), _log_of_monomial))
    e = in_every_sum(_pythagoras, _expanded(_numerators_first(e, side)))
    e = in_every_sum(_fold_groups(side), in_every_sum(_dominant(side, lg_range), e))
    e = _hypots_scaled(e) if side == "high" and scaled_hypots else e
    e = mixed_sums(e.replace(sp.log, _log_of_product))
    return _decay_scale(_decay_first(_group_mu(_hypot(e, scale_out=side == "high"))), side)


class pick(sp.Function):  # noqa: N801  (printed as a conditional expression)
    """pick(m, b, x, y) = x where m <= b, else y: two forms of one quantity, chosen per point by the size of m."""
    nargs = 4


class dpick(pick):  # noqa: N801  (printed as pick)
    """A :class:`pick` of two forms of one function of mu, each differentiated on its own (codegen's log|p|: the
    polynomial where |mu| is below its roots, the sum of the logs of its factors beyond)."""

    def _eval_derivative(self, s):
        m, b, x, y = self.args
        return dpick(m, b, sp.diff(x, s), sp.diff(y, s))

    @staticmethod
    def _imp_(m, b, x, y):  # lambdify (mpmath in codegen.singular)
        return x if m <= b else y


class logabs(sp.Function):  # noqa: N801
    """log|x|, printed math.log(abs(x)): -inf at x = 0."""
    nargs = 1


class dlogabs(logabs):  # noqa: N801  (printed as logabs)
    """log|x| through differentiation, d/dx = 1/x on both sides of x = 0 (a pole, not a kink: codegen's log|p| of
    factors with real roots, whose abs as a kink wrapped every plane holding it); of a product, the sum of its factors'
    logarithmic derivatives, while its value is one log of the product (no sum of logs that cancel)."""

    def _eval_derivative(self, s):  # of a product f_1^e_1 ...: sum e_i f_i'/f_i, each exact next to its own root
        factors = (f.as_base_exp() for f in sp.Mul.make_args(self.args[0]))
        return sp.Add(*(e * sp.diff(b, s) / b for b, e in factors))

    @staticmethod
    def _imp_(x):  # lambdify (mpmath in codegen.singular)
        import mpmath
        return mpmath.log(abs(x))


def _mixed_monomial(m: sp.Expr, near: bool):
    """(a, n, log S) with m = a mu^n S, a > 0 a number, n a positive even integer, S = T^k (k a nonzero number) far
    from sigma = 1, or (``near``) any factor free of mu that is not a number (bounded there); else None."""
    a, rest = m.as_coeff_Mul()
    n = rest.as_powers_dict().get(mu, 0)
    scale = rest / mu**n
    if not (a.is_Number and a > 0) or not (sp.sympify(n).is_Integer and n > 0 and n % 2 == 0) or scale.has(mu):
        return None
    if near:
        return a, n, sp.log(scale)
    if scale == 1:  # a power of mu beside the scale's part: T^2 + mu^4
        return a, n, sp.S.Zero
    base, k = scale.as_base_exp()
    return (a, n, k * lg) if base == T and k.is_number and k != 0 else None


NEAR_D = tuple(-0.5 + 1.5 * i / 16 for i in range(17))  # d = sigma - 1 over the near region, sigma in [1/2, 2]


def _positive_part(c: sp.Expr, near: bool) -> bool:
    """c > 0 where the form is used: a number, a sum of positive terms c_i T^k_i (far), or a function of d positive
    at every sample of the near region (near: T^2 = 1 + 2 d + d^2)."""
    if c.is_Number:
        return bool(c > 0)
    if not near:
        return all(t.is_positive for t in sp.Add.make_args(c))
    if not c.free_symbols <= {d, T}:
        return False
    try:
        return all(float(c.subs({d: x, T: 1 + x})) > 0 for x in NEAR_D)
    except TypeError:  # complex at a sample, past a domain's edge (exp(renyi(2)) has sqrt(2 - sigma**2))
        return False


def _mixed_sum(arg: sp.Expr, near: bool):
    """(C, M, (a, n, log S)) for arg = C + M, C > 0 free of mu (a number, or the scale's part) and M a mixed monomial
    (:func:`_mixed_monomial`)."""
    if not isinstance(arg, sp.Add):
        return None
    c, m = arg.as_independent(mu, as_Add=True)
    if c == 0 or isinstance(m, sp.Add) or not _positive_part(c, near):
        return None
    found = _mixed_monomial(m, near)
    if found and found[2] == 0 and c.is_Number:  # c + mu^n (log(1 + mu^2)): the mu-only part's, with its large-mu
        # forms (series.py); mu^n beside a scale part (mu^4 + T^2) is this kind
        return None
    return (c, m, found) if found else None


def _inverse_chain(q: sp.Expr) -> sp.Expr:
    """q with its factor mu^p T^k, p < 0, written pw(1/mu, 1/h, .., -p), h^(..) = T^(-k/..): no power of mu alone
    overflows (1/(mu^4 T^2) at mu = 1e100, T = 1e-99 is 1e-202, not 1/inf), and a denormal result is one (8/(mu^3 T^2)
    at mu = 1e100, T = exp(23) is 4.2e-320, not 1/inf)."""
    powers = q.as_powers_dict()
    p, k = powers.get(mu, 0), powers.get(T, 0)
    if not (sp.sympify(p).is_Integer and p < 0):
        return q
    if k == 0:  # (1/mu)^n, not 1/mu^n: -2/mu^2 at mu = 1e155 is -2e-310, not -2/inf (near forms, log(1 + mu^2))
        return q * mu**-p * pw(1 / mu, sp.S.One, 0, -p)
    chain = _group_mu(mu**-p * T**-k)
    chain = chain.replace(lambda x: isinstance(x, pw) and x.args[0] == mu,
                          lambda x: pw(1 / mu, 1 / x.args[1], *x.args[2:]))
    return q * mu**-p * T**-k * chain


def _abs_powers(e: sp.Expr) -> sp.Expr:
    """mu^p |mu|^q, p even, -> |mu|^(p + q) in every product: a half-integer power of M = mu^n S is written with
    |mu|, and mu^2/|mu| overflowed where |mu| does not (mu**2/sqrt(mu**2 + sigma**2) at mu = 1e200 was inf)."""
    def rule(m):
        powers = m.as_powers_dict()
        p, q = powers.get(mu, 0), powers.get(sp.Abs(mu), 0)
        if not (q and sp.sympify(p).is_Integer and p % 2 == 0 and p):
            return m
        return m / (mu**p * sp.Abs(mu)**q) * sp.Abs(mu) ** (p + q)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def mixed_sums(e: sp.Expr, near: bool = False) -> sp.Expr:
    """log(c + M) and N/(c + M)^j, M = a mu^n T^k a mixed monomial whose float64 value overflows or underflows where
    the log or the ratio is an ordinary number (log(1 + mu^2 sigma^2) at mu = 1e100, sigma = 1e100 is 921; 2 mu
    sigma^2/(1 + mu^2 sigma^2) there is 2e-100, was inf/inf): where M is large they are written from its log and its
    inverse, log(c + M) = L + log1p(c/M) with L = log(a) + n log|mu| + k lg, and N/(c + M)^j = (N/M^j) (1/(1 +
    c/M))^j with N/M^j one monomial; elsewhere they are kept as they are (:class:`pick`, per point). ``near``: the
    near forms, where the scale factor S of M = a mu^n S is bounded (mu^4/(1 + mu^2 v)^2 in var at mu = 1e100)."""
    def inverse(c, m):
        return _inverse_chain(c / m)

    def scale_term(arg):  # far: (C, M) for arg = C + M with C = c T^k, c > 0, k != 0 (T^2 + mu^4), else None
        found = None if near else _mixed_sum(arg, near)
        if not found:
            return None
        c, k = _monomial(found[0])[1:] if _monomial(found[0]) and _monomial(found[0])[0] == 1 else (0, 0)
        return (found[0], found[1]) if c > 0 and k != 0 else None

    def unscaled(f):  # (C + M)^p -> C^p (1 + M/C)^p: M/C one mixed monomial, C^p joins N's powers of T
        base, p = f.as_base_exp()
        if not (p.is_number and p < 0 and (found := scale_term(base))):
            return f
        return found[0] ** p * (1 + sp.powsimp(found[1] / found[0])) ** p

    def walk(x):
        if x.is_Atom or isinstance(x, pick):
            return x
        if isinstance(x, sp.log) and (found := scale_term(x.args[0])):
            c, k = _monomial(found[0])[1:]
            return sp.log(c) + k * lg + walk(sp.log(1 + sp.powsimp(found[1] / found[0])))
        if isinstance(x, (sp.Mul, sp.Pow)) and any(unscaled(f) is not f for f in sp.Mul.make_args(x)):
            x = sp.Mul(*(unscaled(f) for f in sp.Mul.make_args(x)))
        if isinstance(x, sp.log) and (found := _mixed_sum(x.args[0], near)):
            c, m, (a, n, log_s) = found
            big = sp.log(a) + n * logabs(mu) + log_s + sp.Function("log1p")(inverse(c, m))
            return pick(m, sp.Float(1e300) * (min(c, 1) if c.is_Number else 1), x, big)
        if getattr(x.func, "__name__", "") == "log1p" and (found := _mixed_sum(1 + x.args[0], near)):
            c, m, (a, n, log_s) = found  # log1p(M) = log(1 + M)
            big = sp.log(a) + n * logabs(mu) + log_s + sp.Function("log1p")(inverse(c, m))
            return pick(m, sp.Float(1e300), x, big)
        if isinstance(x, (sp.Mul, sp.Pow)):
            factors = sp.Mul.make_args(x)
            sums = [(f, found) for f in factors for base, j in [f.as_base_exp()]
                    if j.is_number and j < 0 and (found := _mixed_sum(base, near))]
            if len(sums) == 1:
                f, (c, m, _) = sums[0]
                j = -f.as_base_exp()[1]
                rest = [walk(g) for g in factors if g is not f]
                # N/M^j distributed over N's sums: (v mu^2 - 1)/(mu^4 v^2) is 1/(mu^2 v) - 1/(mu^4 v^2), never
                # (v mu^2 - 1) 1/mu^4 = inf 0 at mu = 1e200; from M > 2c on, where 1 - c/M loses at most a bit
                scaled = _abs_powers(_expanded(sp.Mul(*rest) / m**j))
                big = sp.Add(*(_inverse_chain(t) for t in sp.Add.make_args(scaled))) * (1 + inverse(c, m)) ** -j
                return pick(m, 2 * c, sp.Mul(*rest) * f, big)
        return x.func(*[walk(a) for a in x.args])
    return walk(e)


def _decay_first(e: sp.Expr) -> sp.Expr:
    """exp(E) P, E and P depending on mu -> pw(exp(E), P, 1, 1) = mul0(exp(E), P): 0 where the Gaussian factor
    underflows even if the power P of mu overflows (hellinger's Hessian at mu = 1e150, sigma = 5.6e18 or 1: 0,
    was 0 inf = NaN). Used by both the near and the far forms."""
    def rule(m):
        decay = [f for f in m.args if isinstance(f, sp.exp) and f.args[0].has(mu)]
        rest = [f for f in m.args if f not in decay]
        if len(decay) != 1 or not any(f.has(mu) for f in rest):
            return m
        return pw(decay[0], sp.Mul(*rest), 1, 1)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def _overflows(k, side: str) -> bool:
    """T^k grows without bound on ``side`` ("low": T -> 0, "high": T -> inf)."""
    return bool(k < 0) if side == "low" else bool(k > 0)


def _decay_scale(e: sp.Expr, side: str) -> sp.Expr:
    """exp(E) P, E depending on mu, P free of mu with a power of T unbounded on ``side`` -> mul0(exp(E), P):
    0 where the Gaussian factor underflows even if P overflows (exp(-mu^2) sqrt(sigma) at mu = 1e150, sigma =
    inf; hellinger's d2/dsigma2 at mu = 1e150, sigma = 1e-300: was 0 inf = NaN). Where P is bounded (hellinger's
    value) the product is left alone: no mul0 where it cannot matter."""
    def unbounded(f):
        base, k = f.as_base_exp()
        return base == T and k.is_number and _overflows(k, side)

    def rule(m):
        decay = [f for f in m.args if isinstance(f, sp.exp) and f.args[0].has(mu)]
        rest = [f for f in m.args if f not in decay]
        if len(decay) != 1 or any(f.has(mu) for f in rest) or not any(unbounded(f) for f in rest):
            return m
        return pw(decay[0], sp.Mul(*rest), 1, 1)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def scale_first(e: sp.Expr, vanishing: set) -> sp.Expr:
    """mu^n f^p, f the product of the factors free of mu that hold a symbol of ``vanishing`` (d, log1p(d): 0 at
    sigma = 1; f^p with p the gcd of their exponents) -> pw(pw(f, mu, 1, m), x, |n - p|, 1), m = min(n, p), x the
    one of mu, f left over: (f mu)^m, then mu (or f) once at a time. f mu pairs a vanishing factor with a large
    one, and each chain after it is monotone, so no partial product overflows or underflows unless the result
    does (mu^4 log1p(d)^2 at mu = 1e150, d = 0 is 0, was inf 0 = NaN; mu^3 d^2 at l = 1e-300 in logvar, mu = 1e150
    is 1e-150, was 0 from d^2). Terms of one mu factor are first summed (mu^4 (2 - 2 log1p(d))/T^2, not inf -
    inf). Near forms only: far from sigma = 1 the scale factors are powers of T, grouped by :func:`_group_mu`."""
    def rule(m: sp.Mul) -> sp.Expr:
        n = m.as_powers_dict().get(mu, 0)
        scale = [f for f in m.args if not f.has(mu) and f.free_symbols & vanishing]
        if not (scale and sp.sympify(n).is_Integer and n >= 1):
            return m
        powers = [f.as_base_exp() for f in scale]
        p = reduce(sp.igcd, [k for _, k in powers]) if all(k.is_Integer and k > 0 for _, k in powers) else 1
        if n == 1 and p == 1:
            return m
        f = sp.Mul(*(b ** (k / p) for b, k in powers))
        rest = sp.Mul(*(x for x in m.args if x not in scale and x.as_base_exp()[0] != mu))
        k = min(n, p)
        # the rest R (free of mu: bounded near sigma = 1) starts the chain: R (f mu)^k, then mu or f one at a time
        # (d T^2 (T + 1) mu^2 / (4 (T^2 + 1)^3) in bhattacharyya's d2/dl2 at mu = 3e154, l = 1: (d mu) mu then R was
        # inf, truth 2e307)
        first = rest.has(mu) or rest == 1
        paired = pw(f, mu, 1, k) if first else pw(rest * f, mu, 1, 1) if k == 1 else pw(rest, pw(f, mu, 1, 1), k, 1)
        chain = pw(paired, mu if n > p else f, abs(n - p), 1) if n != p else paired
        return rest * chain if first else chain
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def power_last(e: sp.Expr) -> sp.Expr:
    """F pw(m, h, k, n), n >= 2, F the other factors of the product -> pw(F, pw(m, h, k, 1), n, 1), printed F x x x
    with x = m h^k: F first, then the power one factor at a time, so the partial products lie between F and the
    result (8 lg mu^3/sigma at mu = 1e-8, sigma = 1e300 is 5.5e-321, was 0: (mu sigma^(-1/3))^3 underflowed before
    8 lg = 5.5e3 multiplied it)."""
    def rule(m: sp.Mul) -> sp.Expr:
        pws = [f for f in m.args if isinstance(f, pw) and f.args[3].is_Integer and f.args[3] >= 2]
        if len(pws) != 1:
            return m
        a, h, k, n = pws[0].args
        return pw(sp.Mul(*(f for f in m.args if f is not pws[0])), pw(a, h, k, 1), n, 1)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


def collect_mu(e: sp.Add) -> sp.Expr:
    """In a sum, the terms key R_i of one power of mu, key (:func:`_mu_key`, R_i free of mu) -> key sum R_i: one
    mixed term, whose scale sum is then factored, not a mu-only part and a mixed part that cancel as floats
    (mu (sigma - 1/sigma)^2 / 3 near sigma = 1 expanded to mu/3 (d + d^2 - 1)(3d + d^2 + 1)/T^2 + mu/3: 0 for
    exp(-1)/3 at mu = 1e150, sigma = 1 in a sum, 7e-217 for 2e-232 at mu = 1e-200, sigma = 1 - ulp)."""
    groups, others = {}, []
    for t in e.args:
        key = _mu_key(t)
        if key is None or not key.has(mu) or key.has(sp.exp):  # Gaussian factors: kept in their terms (_decay_first)
            others.append(t)
        else:
            groups.setdefault(key, []).append(sp.powsimp(t / key))
    joined = [key * sp.Add(*rs) for key, rs in groups.items()]
    return sp.Add(*joined, *others)


def _power_term(term: sp.Expr):
    """(key, c, k, tail) for term = c key T^k tail, key free of T, tail a product of powers of onep(R) (the shape
    :func:`_dominant` leaves its groups in) and of a Gaussian factor exp(E(mu, T)); else None."""
    rest_T, t_part = term.as_independent(T, as_Add=False)
    c, key = rest_T.as_coeff_Mul()
    k, tail = sp.S.Zero, sp.S.One
    for f in sp.Mul.make_args(t_part):
        base, n = f.as_base_exp()
        if base == T and n.is_number:
            k += n
        elif isinstance(base, onep) or (isinstance(f, sp.exp) and f.args[0].has(mu)):
            tail *= f
        elif f != 1:
            return None
    return (key, c, k, tail) if c.is_real else None


def _may_differ_in_sign(a: sp.Expr, b: sp.Expr, side: str) -> bool:
    """a and b (c key, key in mu and lg) may have opposite signs somewhere on ``side`` (lg < 0 low, > 0 high)."""
    pos = sp.Symbol("pos", positive=True)
    signs = set()
    for x in (a, b):
        x = x.subs(lg, -pos if side == "low" else pos)
        signs.add(1 if x.is_nonnegative else -1 if x.is_nonpositive else 0)
    return signs != {1} and signs != {-1}


def _fold_groups(side: str):
    """In a sum left by :func:`_dominant`, the groups c_g key_g T^k_g onep(..) whose key depends on mu, whose power
    overflows on ``side`` and whose sign may be opposite to the mu-free group c key T^K onep(..) of the most
    dominant overflowing power, are folded into that group's power: T^K (c key onep(..) + sum c_g key_g
    T^(k_g - K) onep(..)). Each group alone is free of inf - inf, but two groups of different mu factor are not:
    4/T^3 - exp(-mu^2) T^-1.5 / 2 at T = 1e-300 was inf - inf = NaN, and is T^-3 (4 - exp(-mu^2) T^1.5 / 2) = inf.
    The bracket is never 0 inf: the pivot's key is free of mu, and T^K >= 1 where it is used, so no
    T^(k_g - K) overflows where T^k_g does not. The mixed part then takes the scale-only one into its product
    (one multiply more in the inner loop), only where the cancellation can happen: a sum of terms of one sign
    (every catalogue penalty's value) is left alone."""
    def rule(e: sp.Add) -> sp.Expr:
        terms = {t: p for t, p in ((t, _power_term(t)) for t in e.args) if p is not None}
        removable = _removable_mu_part(e)
        parsed = {t: p for t, p in terms.items() if _overflows(p[2], side)}
        has_mu = [t for t, p in parsed.items() if p[0].has(mu) or p[3].has(mu)]
        # groups whose power of T stays bounded on this side but whose mu factor grows without bound: mu^2 overflows
        # where the pivot's power does (bhattacharyya's d2/dsigma2 below 1/2, 1/(2 T^2) - mu^2/2 ..., at mu = 1e200,
        # T = 1e-300: inf - inf, truth +5e599; at mu = 1.8e308, -inf); folded, mu^2 T^2 = (mu T)^2 is in range, and
        # where it underflows it is below 2^-1000 of the pivot's c; so only beside a pivot whose c is near 1 (next
        # to 2e-400 T, the folded 2 mu^2 T^-4 underflowed at T = 1e100 where it is the plane's size)
        growing = [t for t, p in terms.items() if t not in parsed and _grows_in_mu(p[0] * p[3])
                   and not (p[2] == 0 and (t in removable or _bounded_in_mu(t)))]
        out = list(e.args)
        pivots = [t for t in parsed if t not in has_mu]
        if pivots:
            pivot = (min if side == "low" else max)(pivots, key=lambda t: parsed[t][2])
            key, c, big, _ = parsed[pivot]
            growing = growing if abs(_ln_abs(c)) <= 64 * math.log(2) else []
            folded = [t for t in has_mu + growing if _may_differ_in_sign(c * key, terms[t][1] * terms[t][0], side)]
            if folded:
                out = [t for t in out if t is not pivot and t not in folded]
                out.append(T**big * _divided(big, [pivot, *folded]))
        return _same_power(out, {t: parsed[t] for t in has_mu if t in out}, side)
    return rule


def _removable_mu_part(e: sp.Add) -> list:
    """The terms of e's mu-only part (free of the scale) where that part has two or more terms and one holds mu in a
    denominator: a part that may have a removable point at mu = 0 ((exp(mu**2) - 1)/mu**2 expanded), right only
    as one function (:func:`accurate_in_mu` and the series rule see it whole); none of them is folded into the scale
    part (at (1e-8, 5) the far form was 16 - 1e16 T^-2 ... for 17). Else []."""
    part = [t for t in e.args if t.has(mu) and not t.free_symbols - {mu}]
    if len(part) > 1 and any(sp.fraction(sp.together(t))[1].has(mu) for t in part):
        return part
    return []


def _bounded_in_mu(t: sp.Expr) -> bool:
    """t grows at most like a log as |mu| -> oo (:func:`_growth_in_mu` <= 0)."""
    g = _growth_in_mu(t)
    return bool(g.is_number and not g.has(sp.nan) and g.is_extended_real and g <= 0)


def _growth_in_mu(t: sp.Expr):
    """An upper bound on the power of |mu| that t grows like as |mu| -> oo, t free of the scale (a log counts 0, an
    exp, cosh, sinh or any other function of mu oo). A term of power <= 0 never overflows where mu is finite and
    non-zero, so it is not folded into the scale part: log(mu^4 + mu^6) + sigma and log(1 + mu^2)/mu^2 + (sigma - 1)^2
    above 2 were sigma (1 + log(..)/sigma) and T^2 (onep(..) + log(..)/(mu^2 T^2)), the mu-only function beyond its
    accurate form (16 for 17 at (1e-8, 5))."""
    if t == mu:
        return sp.S.One
    if not t.has(mu):
        return sp.S.Zero
    if isinstance(t, sp.Add):
        return sp.Max(*(_growth_in_mu(a) for a in t.args))
    if isinstance(t, sp.Mul):
        return sp.Add(*(_growth_in_mu(a) for a in t.args))
    if isinstance(t, sp.Pow) and t.exp.is_Number:
        g = _growth_in_mu(t.base)
        return g * t.exp if g.is_finite or t.exp > 0 else sp.oo
    if isinstance(t, pick):
        return sp.Max(_growth_in_mu(t.args[2]), _growth_in_mu(t.args[3]))
    if isinstance(t, logpoly):  # log P(mu) grows like a log, its j-th derivative like |mu|^-j
        return -t.args[0]
    if isinstance(t, (sp.log, logabs)) or t.func.__name__ == "log1p":
        return sp.S.Zero if _growth_in_mu(t.args[0]).is_finite else sp.oo
    if isinstance(t, sp.Abs):
        return _growth_in_mu(t.args[0])
    return sp.oo


def _divided(k, terms: list) -> sp.Expr:
    return sp.Add(*(sp.powsimp(t * T**-k) for t in terms))


def _same_power(out: list, parsed: dict, side: str) -> sp.Expr:
    """Groups of one power T^k and different mu factors that may differ in sign, not folded into a mu-free group,
    -> mul0(sum c_g key_g onep(..) / mu^j, mu^j T^k), mu^j the least power of mu in the keys, so that mu^j T^k
    becomes (mu T^c)^j (:func:`_group_mu`): exp(-mu^2) T^(1/2) (8 mu^2 - 4) at sigma = inf is inf, not inf - inf;
    (2 mu - 2 mu^3) exp(-mu^2) T^2 at mu = 1e-200, T^2 = inf is 5e147, not 2e-200 inf; 0 (not 0 inf) where the sum
    is 0 (mu = 1)."""
    powers = {}
    for t, p in parsed.items():
        powers.setdefault(p[2], []).append(t)
    for k, terms in powers.items():
        signed = [parsed[t][1] * parsed[t][0] for t in terms]
        if len(terms) > 1 and any(_may_differ_in_sign(a, b, side) for a in signed for b in signed):
            j = min(parsed[t][0].as_powers_dict().get(mu, 0) for t in terms)
            j = j if sp.sympify(j).is_Integer and j > 0 else 0
            inside = sp.expand(_divided(k, terms) / mu**j, deep=False)
            out = [t for t in out if t not in terms] + [pw(inside, mu**j * T**k, 1, 1)]
    return sp.Add(*out)


def plain_far(e: sp.Expr, x: sp.Symbol = sigma) -> sp.Expr:
    """Undo :func:`far`: T -> x, lg -> log(x), the special functions to elementary ones."""
    return elementary(e).subs({lg: sp.log(T)}).subs(T, x)


# --- Log forms: a function of a sum that leaves the float64 range, through the sum's log -----------------------------

def _log_of_sum(x: sp.Expr, side: str, scale_out: bool = False) -> sp.Expr | None:
    """log(x) for x = (a^2 + b^2) / (c sigma^k), a^2 the terms in mu and b^2 those in sigma alone, as
    2 log(hypot(a, b)) - log(c) - k log(sigma), with b = sqrt(sum of the sigma terms) taken out of the power
    dominant on ``side``; None if x is not of that shape."""
    num, den = sp.fraction(sp.together(x))
    c, k = den.as_coeff_Mul()
    base, k = k.as_base_exp() if k != 1 else (sigma, sp.S.Zero)
    if not (c > 0 and base == sigma and k.is_number):
        return None
    squares = {}
    for term in sp.Add.make_args(sp.expand(num)):
        squares.setdefault(term.has(mu), []).append(term)
    if set(squares) != {True, False} or any(t.has(sigma) for t in squares[True]):
        return None
    a = _square_root(sp.Add(*squares[True])) if len(squares[True]) == 1 else None
    b2 = _dominant_in(sp.Add(*squares[False]), sigma, side)
    b = _square_root(b2)
    if a is None or b is None:
        return None
    scale, b = b.as_independent(sigma, as_Add=False)  # hypot(a / s, b) + log s^2: no overflow of s b at sigma = 1.8e308
    # ``scale_out``: the power of sigma in b taken out too, sigma = exp(l/2) is inf at l = 1e4 where log X is 5e3
    # (logvar); mu/sigma in the hypot then costs the mixed derivative a cancellation 1 - (mu/sigma)^2/hypot^2 (3e3 ulp
    # at mu = 1e150, l = 20): where sigma is a float (std, var) :func:`_hypots_scaled` does it after differentiation
    power = sp.Mul(*(f for f in sp.Mul.make_args(b) if f.as_base_exp()[0] == sigma)) if scale_out else sp.S.One
    return (2 * sp.log(hypot(a / (scale * power), b / power)) + 2 * sp.log(scale) + 2 * sp.expand_log(sp.log(power))
            - sp.log(c) - k * sp.log(sigma))


def _dominant_in(e: sp.Expr, x: sp.Symbol, side: str) -> sp.Expr:
    """:func:`_dominant` for a sum of powers of ``x`` (not T)."""
    return _dominant(side)(e.subs(x, T)).subs(T, x) if isinstance(e, sp.Add) else e


def log_form(expr: sp.Expr, side: str, scale_out: bool = False) -> sp.Expr:
    """``expr`` (in mu and sigma) with acosh(X), X a sum of positive terms, as acoshexp(log X), log X by
    :func:`_log_of_sum`, for the region ``side`` ("low": sigma < 1/2, "high": sigma > 2). Applied before
    differentiation, so that the derivatives are in logs too: d/dmu acosh(X) = acoshexp'(log X) d(log X)/dmu,
    finite where X and X' overflow (fisher_rao_squared at mu = 1e150, sigma = 1e-19)."""
    def rule(arg):
        lx = _log_of_sum(arg, side, scale_out)
        return sp.acosh(arg) if lx is None else acoshexp(lx)
    return expr.replace(sp.acosh, rule)


# --- Squares of acosh near its zero: analytic forms ----------------------------------------------------------------

def acosh_square_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with acosh(X)^(2k) as acoshsq(X - 1)^k, X - 1 over one denominator, for the near region: applied
    before differentiation, so that the derivatives are acoshsq1(y) y' and acoshsq2(y) y'^2 / (1 + y)^2 + acoshsq1(y)
    y'' with y = X - 1 rational, analytic at y = 0 (fisher_rao_squared near (0, 1): through acosh itself its
    Hessian had 1/h - mu^2/h^3, h = hypot(mu, sqrt(2) d), cancelling up to 1e10 ulp, and its expanded denominators
    overflowed at mu = 1e150)."""
    def rule(p):
        return acoshsq(sp.factor(sp.together(p.base.args[0] - 1))) ** (p.exp / 2)
    return expr.replace(lambda p: isinstance(p, sp.Pow) and isinstance(p.base, sp.acosh) and p.exp.is_Integer
                        and p.exp > 0 and p.exp % 2 == 0, rule)


def onep_ratios(e: sp.Expr) -> sp.Expr:
    """In a product with onep(y)^-n, n >= 1: each of the product's factors that grow with |mu| (sums holding mu
    first, then powers of mu), up to n of them, divided by 1 + y before they multiply: pw(f, 1/onep(y), 1, k) =
    (f / (1 + y))^k. y grows like mu^2 where f^2 overflows (acoshsq2(y) y_sigma^2 / (1 + y)^2 at mu = 1e150,
    sigma = 1: y_sigma^2 is 6e598, (y_sigma / (1 + y))^2 is 1). A product of a sum holding such terms is first
    distributed over it, so that its other factors (mu (A / (1 + y)^2 - B)) join the pairing."""
    def divided(t):
        return [f for f in sp.Mul.make_args(t) if isinstance(f.as_base_exp()[0], onep)
                and f.as_base_exp()[1].is_Integer and f.as_base_exp()[1] < 0]

    def rule(m: sp.Mul) -> sp.Expr:
        for f in m.args:
            if isinstance(f, sp.Add) and any(divided(t) for t in f.args):
                rest = sp.Mul(*(g for g in m.args if g is not f))
                return sp.Add(*(rule(rest * t) if isinstance(rest * t, sp.Mul) else rest * t for t in f.args))
        ps = divided(m)
        if len(ps) != 1:
            return m
        h, n = ps[0].as_base_exp()
        n = -n
        left, out = [], []
        others = [f for f in m.args if f is not ps[0]]
        sums_first = sorted(others, key=lambda f: not isinstance(f.as_base_exp()[0], sp.Add))
        for f in sums_first:
            b, k = f.as_base_exp()
            if n > 0 and b.has(mu) and k.is_Integer and k > 0 and (isinstance(b, sp.Add) or b == mu):
                j = min(k, n)
                out.append(pw(b, 1 / h, 1, j))
                left.append(b ** (k - j))
                n -= j
            else:
                left.append(f)
        return sp.Mul(*left, *out, h ** -n)
    return e.replace(lambda x: isinstance(x, sp.Mul), rule)


# --- Log-magnitude form: the fallback where a sum of overflowing terms is inf - inf --------------------------------

class lexp(sp.Function):  # noqa: N801  (printed math.exp; a class of its own, so sympy never folds exp(log x))
    nargs = 1


class llog(sp.Function):  # noqa: N801  (printed math.log of the absolute value)
    nargs = 1


class lmax(sp.Function):  # noqa: N801  (printed max)
    pass


class absval(sp.Function):  # noqa: N801  (printed abs(x); opaque to sympy, which writes Abs(x)**-3 as Abs(x)/x**4)
    """|x| in an asymptotic form or a root's side form (:func:`_rootpoly_sides`): 1/absval(mu)**3 is divided three
    times, never |mu|/mu^4 (inf at mu = 1e308)."""

    nargs = 1

    def _eval_is_positive(self):
        return True


class sgn(sp.Function):  # noqa: N801  (printed copysign(1, x), 0 at 0)
    nargs = 1


class lzero(sp.Function):  # noqa: N801  (printed -inf where the sign s is 0, else L: no NaN from inf + -inf in max)
    nargs = 2


class lrel(sp.Function):  # noqa: N801  (printed exp(a - b), 1 where a == b: inf - inf at the largest term is 0)
    nargs = 2


def log_magnitude(e: sp.Expr, emit, zeros: bool = False) -> tuple:
    """(L, s) with e = s exp(L), s in {-1, 0, 1}, built so that no step overflows where e's terms do: a product
    adds its factors' logs (mu^n: n log|mu|; exp(E): E; pw(m, h, k, n): n (L_m + k L_h)), a sum is
    M + log|sum s_i exp(L_i - M)|, M = max L_i, and any other factor is log|f| of its value. The planes' fallback
    where the printed form gives NaN: mu^4/sigma - mu^2/(2 sigma^3) at mu = 1e150, sigma = 1e-100 is +inf, was
    inf - inf (the groups' mu factors differ, and which one dominates depends on mu). Built of functions sympy
    does not simplify (exp(4 log|mu|) must not become mu^4 again); ``emit(expr)`` returns a symbol assigned expr,
    so that each sum's parts are computed once (linear size, no cse). With ``zeros``, a sign is 0 where a factor is
    0, and a 0 sign times any exp is 0 (mul0): an exact zero factor beside an exp that overflows makes 0 (exp(mu**2)
    d**4 at d = 0, mu = 1e200), a zero term's log is -inf, and the largest term counts 1 even at L = inf
    (exp(mu**2/2) sigma - 1 at mu = 1e200 is inf, not NaN), as a growing exp of mu needs (:func:`grows_exp`)."""
    if e.is_Number:  # a constant beyond float64 (1e-400, multiplied out) has its log from sympy
        if e == 0:
            return -sp.oo, sp.S.Zero
        v = abs(float(e))
        return sp.Float(math.log(v) if 0 < v < math.inf else sp.log(abs(e)).evalf(30)), sp.sign(e)
    if isinstance(e, sp.Mul):
        parts = [log_magnitude(f, emit, zeros) for f in e.args]
        return sp.Add(*(p[0] for p in parts)), sp.Mul(*(p[1] for p in parts))
    if isinstance(e, sp.Pow):
        lb, sb = log_magnitude(e.base, emit, zeros)
        sign = sb if e.exp.is_Integer and e.exp % 2 else sb**2 if zeros and e.exp.is_Integer else sp.S.One
        return e.exp * lb, sign
    if isinstance(e, sp.exp):
        return e.args[0], sp.S.One
    if isinstance(e, (sp.cosh, sp.sinh)):  # |E| - log 2 + log(1 +- e^(-2|E|)): finite where cosh(E) overflows
        a = sp.Abs(e.args[0])                   # (d/dsigma of cosh(mu) sigma^2 at (711, 0.5) is inf, was NaN)
        if isinstance(e, sp.cosh):
            return a + _log1p(lexp(-2 * a)) - sp.log(2), sp.S.One
        return a + llog(_expm1(-2 * a)) - sp.log(2), sgn(e.args[0])
    if isinstance(e, pw):
        m, h, k, n = e.args
        (lm, sm), (lh, sh) = log_magnitude(m, emit, zeros), log_magnitude(h, emit, zeros)
        return n * (lm + k * lh), (sm * (sh if k % 2 else sh**2 if zeros else 1)) ** (n % 2 or (2 if zeros else 0))
    if isinstance(e, pick):  # each form's own log-magnitude, chosen as the form is (1/v^2 r^2 at v = 1e-300: inf)
        m, b, x, y = e.args
        (lx, sx), (ly, sy) = log_magnitude(x, emit, zeros), log_magnitude(y, emit, zeros)
        return pick(m, b, emit(lx), emit(ly)), pick(m, b, emit(sx), emit(sy))
    if isinstance(e, sp.Add):
        # terms sharing a factor exp(E): E + L(sum of their cofactors), not max(E + L(a), E + L(b)), both rounded to E
        # where E is large (d2/dv2 of exp(sigma) - 1 - sigma at v = 1e40, e^s/(4v) - e^s/(4 s^3): 0.0 for +inf)
        parts = []
        for exponent, terms in _by_exp_factor(_hyperbolic_as_exp(e)):
            lt, st = log_magnitude(terms[0] if exponent is None else sp.Add(*terms), emit, zeros)
            lt = lt if exponent is None else exponent + lt
            if zeros:  # a zero term's log is -inf (its sign emitted first: lzero reads it)
                st = emit(st)
                parts.append((emit(lzero(st, lt)), st))
            else:
                parts.append((emit(lt), emit(st)))
        top = emit(lmax(*(p[0] for p in parts)))
        r = emit(sp.Add(*(pw(st, lrel(lt, top), 1, 1) if zeros else st * lexp(lt - top) for lt, st in parts)))
        return top + llog(r), sgn(r)
    return llog(e), sgn(e)


def _hyperbolic_as_exp(e: sp.Add) -> sp.Add:
    """In a sum where two or more terms hold cosh(E) or sinh(E) of one E in mu, each such factor as exp(|E|) (1 +-
    exp(-2|E|))/2 (sinh with the sign of E): the terms then share exp(|E|), whose log is not rounded together with
    theirs (d/dmu of sinh(mu)/mu, cosh(mu)/mu - sinh(mu)/mu^2 at mu = 1e200: both logs round to 1e200, the
    difference was 0.0 for +inf). Else e as it is."""
    def hyperbolic(t):
        return [f for f in sp.Mul.make_args(t) if isinstance(f, (sp.cosh, sp.sinh)) and f.args[0].has(mu)]
    held = [hyperbolic(t) for t in e.args]
    args = {f.args[0] for fs in held for f in fs}
    if len(args) != 1 or sum(1 for fs in held if fs) < 2:
        return e

    def split(t):
        out = []
        for f in sp.Mul.make_args(t):
            if f in hyperbolic(t):
                a = sp.Abs(f.args[0])
                sign = sp.S.One if isinstance(f, sp.cosh) else sgn(f.args[0])
                out += [sp.exp(a), sign * (1 + (1 if isinstance(f, sp.cosh) else -1) * sp.exp(-2 * a)) / 2]
            else:
                out.append(f)
        return sp.Mul(*out)
    return sp.Add(*(split(t) for t in e.args))


def _by_exp_factor(e: sp.Add) -> list:
    """e's terms as [(E, cofactors)] for each exp(E) factor held by two or more terms, and [(None, [t])] for the
    others, in order of first appearance."""
    def exponent(t):
        exps = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.exp)]
        return sp.Add(*(f.args[0] for f in exps)) if exps else None
    count: dict = {}
    for t in e.args:
        count[exponent(t)] = count.get(exponent(t), 0) + 1
    out, index = [], {}
    for t in e.args:
        x = exponent(t)
        if x is None or count[x] < 2:
            out.append((None, [t]))
            continue
        if x not in index:
            index[x] = len(out)
            out.append((x, []))
        out[index[x]][1].append(sp.Mul(*(f for f in sp.Mul.make_args(t) if not isinstance(f, sp.exp))))
    return out


def _grows_in_mu(t: sp.Expr) -> bool:
    """t holds mu outside any Gaussian factor exp(E(mu)): a power of mu, unbounded as |mu| grows."""
    return t.has(mu) and not any(g.args[0].has(mu) for g in t.atoms(sp.exp))


def scale_exp(t: sp.Expr) -> bool:
    """t holds exp(E) with E a non-constant function of the scale alone, other than a power of sigma (E linear in lg,
    which the far forms' dominant powers handle): it may overflow or underflow on its own (exp(1/sigma))."""
    return any(not E.has(mu) and not E.is_number and not (E.has(lg) and sp.diff(E, lg).is_number)
               for E in (g.args[0] for g in t.atoms(sp.exp)))


def grows_exp(t: sp.Expr) -> bool:
    """t holds exp(E) (or expm1(E), expm1(E) - E), E depending on mu and not <= 0 for every mu: it overflows at large
    |mu| while a factor beside it is 0 or small, or a term beside it overflows with the other sign
    (exp(mu**2) (1 - sigma)**4 at (30, 1) is 0, was inf 0 = NaN). cosh(E) and sinh(E) of such an E grow either way
    (2 cosh(mu) + 2 d cosh(mu), d/dsigma of cosh(mu) sigma^2 near sigma = 1, at (-710, 0.75) is 1.68e308, was inf)."""
    return (any(_may_grow(f.args[0]) for f in t.atoms(sp.exp, expm1, _expm1, expm1mx))
            or any(f.args[0].has(mu) for f in t.atoms(sp.cosh, sp.sinh)))


@functools.lru_cache(maxsize=1024)
def _may_grow(E: sp.Expr) -> bool:
    """E depends on mu, and its terms in mu (elementary again, d as T - 1, lg as log T) are not provably <= 0: a
    Gaussian factor exp(-mu^2/(4 onep(T^2))) and fisher_rao_squared's expm1(2 lg - 4 log(hypot(mu/sqrt(2), ..)))
    do not grow."""
    if not E.has(mu):
        return False
    plain_E = sp.expand(elementary(E).subs(d, T - 1).subs(lg, sp.log(T)))
    return not sp.Add(*(t for t in sp.Add.make_args(plain_E) if t.has(mu))).is_nonpositive


def exps_plain(e: sp.Expr) -> sp.Expr:
    """expm1(E) and expm1mx(E) of a growing E (:func:`grows_exp`) as exp(E) - 1 and exp(E) - 1 - E, pw products
    holding one as plain products, each sum's terms multiplied out, so that :func:`log_magnitude` sees the terms
    sharing exp(E) (expm1(E) + d exp(E) at E = 800, d = -1/2 is exp(E) (1 + d) - 1, not inf - inf; mu exp(E) + d mu
    exp(E) at mu = 1e100 is mu exp(E) (1 + d), not 0 from two logs rounded to E alike)."""
    e = e.replace(lambda a: isinstance(a, pw) and grows_exp(a), lambda a: (a.args[0] * a.args[1]**a.args[2])**a.args[3])
    e = e.replace(lambda a: isinstance(a, (expm1, _expm1)) and _may_grow(a.args[0]), lambda a: sp.exp(a.args[0]) - 1)
    e = e.replace(lambda a: isinstance(a, expm1mx) and _may_grow(a.args[0]),
                  lambda a: sp.exp(a.args[0]) - 1 - a.args[0])
    return e.replace(lambda a: isinstance(a, sp.Add), lambda a: sp.Add(*(sp.expand_mul(t) for t in a.args)))


def growing_exp_split(e: sp.Expr) -> sp.Expr:
    """Near sigma = 1: a term exp(E) P, E a growing exponent of mu (:func:`grows_exp`) with E = 0 at mu = 0 and P free
    of mu, as P + expm1(E) P, and the sum's pairs fused again (:func:`_pairs`): its value at mu = 0 joins the scale
    part, where it may cancel (exp(mu**2/2)*sigma - 1 - log(sigma) at (0, 1 - 2**-53) is xmlog1p(d), 6.2e-33, was
    d - log1p(d) = 0.0 from a mixed and a scale part), and the mixed part is 0 at mu = 0."""
    def split(t):
        exps = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.exp) and _may_grow(f.args[0])
                and f.args[0].subs(mu, 0) == 0]
        rest = sp.Mul(*(f for f in sp.Mul.make_args(t) if f not in exps))
        if len(exps) != 1 or rest.has(mu) or not rest.free_symbols:
            return t
        return rest + expm1(exps[0].args[0]) * rest

    def rule(a):
        return _pairs(sp.Add(*(split(t) for t in a.args)))
    return in_every_sum(rule, e) if grows_exp(e) else e


def may_cancel_overflowing(e: sp.Expr) -> bool:
    """``e`` holds a sum of two or more terms growing with |mu| (:func:`_grows_in_mu`), or holding an exp of the scale
    alone (:func:`scale_exp`), whose signs may differ: where both overflow, their sum as printed is inf - inf = NaN
    (d/dsigma of exp(-1/sigma) + sigma (exp(1/sigma) - 1) at 1e-3, truth -2e437); or a product of such an exp with
    another factor of the scale: 0 * inf = NaN where the exp underflows (exp(-1/sigma^2)/sigma^4 at 1e-100, truth 0).
    Then :func:`log_magnitude` is needed where the plane is NaN. (Terms of one mu factor with a Gaussian factor are
    joined by :func:`_same_power` instead.) So it is wherever an exp of mu may grow (:func:`grows_exp`)."""
    if grows_exp(e):
        return True
    for a in e.atoms(sp.Add):
        signed = [t for t in a.args if _grows_in_mu(t) or scale_exp(t)]
        if len(signed) < 2:
            continue
        if not (all(t.is_nonnegative for t in signed) or all(t.is_nonpositive for t in signed)):
            return True
    return any(scale_exp(m) and any(not f.is_number and not isinstance(f, sp.exp) and not f.has(mu) for f in m.args)
               for m in e.atoms(sp.Mul))
