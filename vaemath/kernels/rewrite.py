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

from functools import reduce

import sympy as sp
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize

from vaemath.symbolic import sigma

d = sp.Symbol("d", real=True)  # sigma - 1
OPTIMIZE_MAX_OPS = 1500


class xmlog1p(sp.Function):  # noqa: N801  (printed by name into kernels)
    """x - log1p(x)."""

    def fdiff(self, argindex=1):
        x = self.args[0]
        return x / (1 + x)


class expm1mx(sp.Function):  # noqa: N801
    """expm1(x) - x."""

    def fdiff(self, argindex=1):
        return sp.exp(self.args[0]) - 1


def _rational(e: sp.Expr) -> bool:
    return e.is_rational_function(d, *sorted(e.free_symbols - {d}, key=str))


def _log_of_rational(e: sp.Expr) -> sp.Expr:
    """log(R) -> log1p(R - 1), and log1p(R) -> log1p(R), with R rational and R - 1 factored."""
    from sympy.codegen.cfunctions import log1p

    def rule(arg, shift):
        if _rational(arg) and arg.free_symbols:
            return sp.Function("log1p")(sp.factor(sp.together(arg - shift)))
        return sp.log(arg) if shift else log1p(arg)
    return e.replace(sp.log, lambda a: rule(a, 1)).replace(log1p, lambda a: rule(a, 0))


def _acosh(e: sp.Expr) -> sp.Expr:
    def rule(arg):
        y = sp.factor(sp.together(arg - 1))
        return sp.Function("log1p")(y + sp.sqrt(y * (y + 2)))
    return e.replace(sp.acosh, rule)


def _in_every_sum(rule, e: sp.Expr) -> sp.Expr:
    """Apply ``rule`` to every sum inside ``e``, innermost first."""
    if not e.args:
        return e
    e = e.func(*(_in_every_sum(rule, a) for a in e.args))
    return rule(e) if isinstance(e, sp.Add) else e


def _pairs(e: sp.Add) -> sp.Expr:
    """Fuse c x - c log1p(x) and c expm1(x) - c x in a sum."""
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
    return sp.Add(sp.factor(sp.together(sp.Add(*rational))), *others)


def _to_codegen_functions(e: sp.Expr) -> sp.Expr:
    """Use sympy.codegen's log1p/expm1 classes, whatever produced them."""
    from sympy.codegen.cfunctions import expm1, log1p

    return e.replace(lambda x: getattr(x.func, "__name__", "") == "log1p", lambda x: log1p(*x.args)) \
            .replace(lambda x: getattr(x.func, "__name__", "") == "expm1", lambda x: expm1(*x.args))


def _combine_logs(e: sp.Add) -> sp.Expr:
    """sum c_i log(A_i) -> c log(prod A_i^(c_i / c)), so ratios near 1 become visible."""
    logs = [(c, r.args[0]) for c, r in (t.as_coeff_Mul() for t in e.args) if isinstance(r, sp.log)]
    if len(logs) < 2:
        return e
    c0 = reduce(sp.gcd, [c for c, _ in logs]) * sp.sign(logs[0][0])  # integer powers keep A rational
    inside = sp.Mul(*(a ** (c / c0) for c, a in logs))
    rest = [t for t in e.args if not isinstance(t.as_coeff_Mul()[1], sp.log)]
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


def accurate(expr: sp.Expr, x: sp.Symbol = sigma, x0=1) -> sp.Expr:
    """Steps 1-4: the expression in (mu, d = x - x0), rewritten for accurate floating-point evaluation.

    ``x`` is the scale variable of the parametrisation and ``x0`` its value at sigma = 1 (1 for sigma and
    the variance, 0 for the logarithms, where d is the variable itself). Step 5 (:func:`factor_rational`)
    is applied by the code generator after it has split the sum into its mu-only, sigma-only and mixed
    parts, so that factoring never fuses separable terms.
    """
    e = _in_every_sum(_one_minus_product, sp.expand(expr.subs(x, x0 + d)))
    e = _in_every_sum(_combine_logs, _expand_log(e, x0))
    e = _acosh(_log_of_rational(e))
    if sp.count_ops(e) <= OPTIMIZE_MAX_OPS:  # sympy's pattern search takes minutes on huge Hessians
        e = optimize(e, [log1p_opt, expm1_opt])
    e = _in_every_sum(_pairs, sp.expand(_to_codegen_functions(e), deep=False))
    return _in_every_sum(_power_pairs, e)


def factor_rational(e: sp.Expr) -> sp.Expr:
    """Step 5: the rational part of every sum over one denominator, factored."""
    return _in_every_sum(_factor_rational_parts, e)


def plain(e: sp.Expr, x: sp.Symbol = sigma, x0=1) -> sp.Expr:
    """Undo the rewrites: elementary functions of (mu, sigma) again, to check the rewrites are identities."""
    from sympy.codegen.cfunctions import expm1, log1p

    return e.replace(xmlog1p, lambda x: x - sp.log(1 + x)).replace(expm1mx, lambda x: sp.exp(x) - 1 - x) \
            .replace(log1p, lambda x: sp.log(1 + x)).replace(expm1, lambda x: sp.exp(x) - 1).subs(d, x - x0)
