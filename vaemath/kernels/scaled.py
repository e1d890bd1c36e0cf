"""Products computed as a mantissa times a power of 2, each factor normalised in its own stage.

A term c mu^n F(sigma) with c far from 1 (or beyond float64: 1e-400 from multiplying out 1e-200 (... 1e-200 ...))
leaves the float64 range part way through whatever order its factors are multiplied in, for some (mu, sigma) where
its value is a finite float: 1e-200 mu exp(2 s) overflows as (mu exp(2 s)) at mu = 1e-200, s = 700 (true 1e208), and
as (1e-200 mu) exp(2 s) ... at other points; no order fixed at generation time is right on the whole plane. Written
f_i = m_i 2^(e_i), m_i near 1, each factor's pair is computed where the factor is (per mu, per sigma), and the
inner loop forms ldexpf(m_1 ... m_k, e_1 + ... + e_k): the mantissas' product stays in [2^-k, 2^k], the exponents'
sum is exact, and the one ldexp rounds only where the product is a denormal, 0 or inf. Costs one ldexp per point,
so it is used only for products with such a constant (no catalogue kernel has one) and for two kinds of products of
the scale no order keeps in range: an exp of the scale that is not a power of it beside another factor of the scale
(exp(-1/sigma)/sigma^60), and mu^n beside a hypot^-k and a decaying power of the scale (fisher_rao_squared's
Hessian in logvar).
"""

from __future__ import annotations

import sympy as sp

from vaemath.kernels import rewrite

FAR_LOG2 = 64  # a constant c with |log2 c| above this is far from 1 (as in codegen._far_constant)


class ldexpf(sp.Function):  # noqa: N801
    """ldexpf(m, e) = m 2^e (special.ldexpf)."""

    nargs = 2


def _normaliser(name: str, doc: str):
    return type(name, (sp.Function,), {"nargs": 1, "__doc__": doc})


fman, fexp = _normaliser("fman", "mantissa of frexp"), _normaliser("fexp", "binary exponent of frexp")
expman, expexp = _normaliser("expman", "m of exp(x) = m 2^k"), _normaliser("expexp", "k of exp(x) = m 2^k")
coshman, coshexp = _normaliser("coshman", "m of cosh(x)"), _normaliser("coshexp", "e of cosh(x)")
sinhman, sinhexp = _normaliser("sinhman", "m of sinh(x)"), _normaliser("sinhexp", "e of sinh(x)")


class powman(sp.Function):  # noqa: N801
    """m of x^(p/q) = m 2^(a p) (special.powman)."""

    nargs = 3


class powexp(sp.Function):  # noqa: N801
    nargs = 3


expexpw = _normaliser("expexpw", "k of exp(x) = m 2^k, +-2^22 where clamped (special.expexpw)")
FUNCTIONS = ("coshexp", "coshman", "expexp", "expexpw", "expman", "fexp", "fman", "ldexpf", "powexp", "powman",
             "sinhexp", "sinhman")
_BY_HEAD = {sp.exp: (expman, expexp), sp.cosh: (coshman, coshexp), sp.sinh: (sinhman, sinhexp)}


def _flatten(e: sp.Expr) -> tuple:
    """(c, {base: exponent}) with e = c prod base^exponent, c the product of e's numeric factors (exact), through
    Mul, integer powers and pw(m, h, k, n) = (m h^k)^n."""
    if e.is_number:
        return e, {}
    if isinstance(e, sp.Mul):
        c, out = sp.S.One, {}
        for f in e.args:
            cf, fs = _flatten(f)
            c *= cf
            for b, k in fs.items():
                out[b] = out.get(b, 0) + k
        return c, out
    if isinstance(e, rewrite.pw) and e.args[2].is_Integer and e.args[3].is_Integer:
        m, h, k, n = e.args
        (cm, fm), (ch, fh) = _flatten(m), _flatten(h)
        out = {b: v * n for b, v in fm.items()}
        for b, v in fh.items():
            out[b] = out.get(b, 0) + v * k * n
        return cm**n * ch ** (k * n), out
    if isinstance(e, sp.Pow) and e.exp.is_Integer:
        c, fs = _flatten(e.base)
        return c**e.exp, {b: v * e.exp for b, v in fs.items()}
    shared = _shared_exp(e)
    if shared is not None:
        return sp.S.One, {shared[0]: sp.S.One, shared[1]: sp.S.One}
    b, k = e.as_base_exp()
    if not k.is_Rational or not (k.is_Integer or b.is_positive):
        b, k = e, sp.S.One
    return sp.S.One, {b: k}


def _mu_exp(b: sp.Expr) -> bool:
    """exp(E) with E a non-constant function of mu alone."""
    return isinstance(b, sp.exp) and b.args[0].has(rewrite.mu) and not b.args[0].free_symbols - {rewrite.mu}


def _shared_exp(e: sp.Expr) -> tuple | None:
    """(exp(E), Q) for a sum of mu alone whose every term holds the factor exp(E), E of mu alone (as a factor or as
    pw(exp(E), P, 1, 1)), e = exp(E) Q; else None: its pair is then exp(E)'s and Q's, not that of the rounded sum
    ((4 mu^2 - 2) exp(-mu^2) at mu = 30 underflows, beside sigma^-2 = 1e600 at sigma = 1e-300 where the product
    is 4.9e212)."""
    if not isinstance(e, sp.Add) or e.free_symbols != {rewrite.mu}:
        return None
    rests, common = [], None
    for t in e.args:
        factors = list(sp.Mul.make_args(t))
        if len(factors) == 1 and isinstance(t, rewrite.pw) and t.args[2:] == (1, 1) and _mu_exp(t.args[0]):
            factors = [t.args[0], t.args[1]]
        exps = [f for f in factors if _mu_exp(f)]
        if len(exps) != 1 or (common is not None and exps[0] != common):
            return None
        common = exps[0]
        rests.append(sp.Mul(*(f for f in factors if f is not exps[0])))
    return common, sp.Add(*rests)


def _plain(c: sp.Expr) -> bool:
    """A rational of small numerator and denominator: never far from 1 (|log2 c| < 60), known without sympy's N."""
    return bool(c.is_Rational and abs(c.p) < 2**60 and c.q < 2**60)


def _beyond_float64(c: sp.Expr) -> bool:
    if _plain(c):
        return False
    v = abs(sp.N(c, 30))
    return bool(v != 0 and (v < sp.Float("2.2250738585072014e-308") or v > sp.Float("1.7976931348623157e308")))


def _far(c: sp.Expr) -> bool:
    v = abs(sp.N(c, 30))
    return bool(v != 0 and abs(sp.log(v, 2)) > FAR_LOG2)


def _chain(factors: dict) -> bool:
    """One power of one variable: c x^k is right as the chain (c x) x ... (codegen's coefficient chains)."""
    return len(factors) == 1 and next(iter(factors)).is_Symbol


def _of_scale(b: sp.Expr) -> bool:
    return bool(b.free_symbols & {rewrite.T, rewrite.lg}) and not b.has(rewrite.mu)


def _opposed_exp(factors: dict) -> bool:
    """An exp of the scale alone that is not a power of it (exp(-1/T), exp(-T), exp(-exp(-lg))) beside another factor
    of the scale: exp(-1/sigma)/sigma^60 at sigma = 1.3e-3 underflowed to 0 before sigma^-60 brought it back to
    1.2e-161, and exp(1/sigma) sigma^60 at 1e-3 overflowed (true 2e254)."""
    return any(isinstance(b, sp.exp) and rewrite.scale_exp(b) for b in factors) and sum(map(_of_scale, factors)) >= 2


def _decaying_over_hypot(factors: dict) -> bool:
    """mu^n beside hypot^-k and a decaying power of the scale: 4 mu (exp(-lg)/h)^2 A in fisher_rao_squared's
    d2/dmu dl at l = 1000 underflowed before mu = 1e150 brought it back to -1e-281 as (x/h)^2 mu, and lost bits as a
    denormal partial product at mu = 1e-8, l = 700 as (mu x/h)(x/h): no order is right for every mu."""
    def decaying(b, k):
        return (b == rewrite.T and k < 0) or (isinstance(b, sp.exp) and b.args[0].free_symbols == {rewrite.lg}
                                               and (sp.diff(b.args[0], rewrite.lg) * k).is_negative)
    return (factors.get(rewrite.mu, 0) > 0 and any(isinstance(b, rewrite.hypot) and k < 0 for b, k in factors.items())
            and any(decaying(b, k) for b, k in factors.items()))


def _hyp_of_mu(b: sp.Expr) -> bool:
    """cosh(E) or sinh(E), E a non-constant function of mu alone: e^|E|/2 to 2^-56 beyond |E| = 20, so beside a factor
    of the scale it leaves the float64 range where the product does not (cosh(mu) sigma^2 at (711, 1e-300) is
    3.0e-292, was inf 0 = NaN; sinh(mu)/sigma at (-750, 1e300) is -2.6e25, was -inf). Its pair is special.coshman/
    coshexp (sinhman/sinhexp): frexp of cosh(E) below |E| = 20, of e^|E|/2 beyond, so sinh keeps its accuracy near 0."""
    return isinstance(b, (sp.cosh, sp.sinh)) and b.args[0].has(rewrite.mu) and not b.args[0].free_symbols - {rewrite.mu}


def _exp_of_mu_beside_scale(factors: dict) -> bool:
    """An exp of mu alone, exp(E(mu)) (E not a number, free of the scale), beside a factor of the scale: each may
    leave the float64 range where the product does not, one computed per mu and the other per sigma, so no order
    helps (exp(mu**2) sigma^2 at (26, 1e-300) is 3.8e-307, was exp(676) 0 = 0; exp(mu) (sigma - 1)^2 at (-800,
    1e300) is 3.7e252, was 0 inf, read as 0). Only user text: the catalogue's exps hold the scale too."""
    return (any(_mu_exp(b) or _hyp_of_mu(b) for b in factors)
            and any(b.free_symbols and not b.has(rewrite.mu) for b in factors))


def _scale_exp_over_mu(factors: dict) -> bool:
    """exp(c lg) (the log parametrisations' power of the scale) divided by |mu| or a power of mu, as a mixed sum's large
    form writes a typed hypot's derivatives (exp(2 lg)/(|mu| sqrt(1 + ..))): exp(2 s) underflows at s = -400 where
    the quotient is 3.7e-248 at mu = 1e-100."""
    def over_mu(b, k):
        return k < 0 and (b == rewrite.mu or b == sp.Abs(rewrite.mu))
    return (any(isinstance(b, sp.exp) and b.args[0].free_symbols == {rewrite.lg} for b in factors)
            and any(over_mu(b, k) for b, k in factors.items()))


def _ordered_nowhere(factors: dict) -> bool:
    """A product of factors that no order of multiplication fixed at generation time keeps in range."""
    return (_opposed_exp(factors) or _decaying_over_hypot(factors) or _exp_of_mu_beside_scale(factors)
            or _scale_exp_over_mu(factors))


def _needs_scaling(c: sp.Expr, factors: dict) -> bool:
    if not factors or c.is_zero:
        return False
    if _ordered_nowhere(factors):
        return True
    if _plain(c):
        return False
    return _beyond_float64(c) or (_far(c) and not _chain(factors))


def _pair(base: sp.Expr, k: sp.Rational) -> tuple:
    """(mantissa, exponent) of base^k: exp(a)^k from k a, never forming exp(a)."""
    if _mu_exp(base):  # an exp of mu alone beside factors that may overflow where it underflows (_shared_exp)
        return expman(k * base.args[0]), expexpw(k * base.args[0])
    if isinstance(base, sp.exp):
        base, k = sp.exp(k * base.args[0], evaluate=False), sp.S.One
    if not k.is_Integer:
        return powman(base, k.p, k.q), powexp(base, k.p, k.q)
    man, exp = _BY_HEAD.get(type(base), (fman, fexp))
    arg = base.args[0] if type(base) in _BY_HEAD else base
    return man(arg) ** k, k * exp(arg)


def _split_constant(c: sp.Expr) -> tuple:
    """(m, e): c = m 2^e, 1/2 <= |m| < 1, m a Float of 30 digits, e an Integer."""
    v = sp.N(c, 40)
    e = int(sp.floor(sp.log(abs(v), 2))) + 1
    return sp.Float(sp.N(v * sp.Integer(2) ** -e, 30), 30), sp.Integer(e)


def scaled(c: sp.Expr, factors: dict) -> sp.Expr:
    """c prod base^k as ldexpf(m_c prod m_i, e_c + sum e_i).

    Parameters
    ----------
    c : sympy number
        The product's constant, any magnitude (exact; split into m_c 2^(e_c) at 30 digits).
    factors : dict
        base -> rational exponent; each pair (m_i, e_i) is computed from the base's argument (frexp, exp, cosh,
        sinh, x^(p/q)), never from the power itself.

    Returns
    -------
    sympy.Expr
        An :class:`ldexpf` whose arguments' mu-only and scale-only parts cse and the hoister move to their stages.
    """
    m, e = _split_constant(c)
    pairs = [_pair(b, k) for b, k in factors.items()]
    return ldexpf(sp.Mul(m, *(p[0] for p in pairs)), sp.Add(e, *(p[1] for p in pairs)))


def products(e: sp.Expr) -> sp.Expr:
    """Every product (Mul, pw) in ``e`` whose constant is beyond float64, or far from 1 beside more than one power
    of one variable, as :func:`scaled`; its factors' arguments rewritten first. A product of a sum holding a
    constant beyond float64 (mu^2 (2e-400 + 6/sigma^4), expanded from 1e-200 (1 + mu^2) (1e-200 sigma^2 + ...)) is
    distributed over it first; such a constant left as a summand of a plane or of a function's argument is its
    float64 rounding (0 or a denormal: the sum moves by at most half the least denormal); anywhere else it is
    refused by the printer (:class:`codegen.BeyondFloat64`)."""
    numbers = e.atoms(sp.Number) | {f for f in e.atoms(sp.exp, sp.cosh, sp.sinh) if f.is_number}
    products = (_flatten(m)[1] for m in e.atoms(sp.Mul, rewrite.pw))
    if all(n.is_Number and _plain(n) for n in numbers) and not any(map(_ordered_nowhere, products)):
        return e  # nothing to do (the catalogue's kernels but fisher_rao_squared's)
    return _rounded_summands(_products(e))


def _products(e: sp.Expr) -> sp.Expr:
    if e.is_Atom or e.is_number:
        return e
    if isinstance(e, (sp.Mul, rewrite.pw)):
        spread = _distributed(e)
        if spread is not None:
            return _products(spread)
        c, factors = _flatten(e)
        if _needs_scaling(c, factors):
            return scaled(c, {_products(b): k for b, k in factors.items()})
    return e.func(*(_products(a) for a in e.args))


def _holds_beyond(s: sp.Expr) -> bool:
    return isinstance(s, sp.Add) and any(_beyond_float64(_flatten(t)[0]) for t in s.args)


def _distributed(e: sp.Expr) -> sp.Expr | None:
    """``e`` (Mul or pw) with a factor that is a sum holding a constant beyond float64, multiplied out over it."""
    c, factors = _flatten(e)
    sums = [b for b, k in factors.items() if k == 1 and _holds_beyond(b)]
    if not sums:
        return None
    rest = c * sp.Mul(*(b**k for b, k in factors.items() if b is not sums[0]))
    return sp.Add(*(rest * t for t in sums[0].args))


def _rounded_summands(e: sp.Expr, top: bool = True) -> sp.Expr:
    if e.is_Atom:
        return e
    if isinstance(e, sp.Add) and top:
        return sp.Add(*(sp.Float(float(a)) if a.is_number and _beyond_float64(a) and abs(sp.N(a)) < 1
                        else _rounded_summands(a, False) for a in e.args))
    inner = isinstance(e, sp.Function) and not isinstance(e, (rewrite.pw, ldexpf))
    return e.func(*(_rounded_summands(a, inner) for a in e.args))
