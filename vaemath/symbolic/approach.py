"""Evidence for a limit: the penalty evaluated by mpmath, at as many digits as its sums' cancellations need, at exact
points along the approach (2^k towards oo, 2^-k towards 0), and the verdict those values give on a claimed limit
(backed, contradicted, unchecked): sympy's limit is sometimes wrong (review r8i A1, r8j A1-A3)."""

from __future__ import annotations

import math
import time

import mpmath
import sympy as sp

from vaemath.symbolic.budget import attempt


def _approach(x0, direction: str, far: bool = True) -> list:
    """Exact points towards x0 for the check of a limit: 2^0, ..., 2^10 towards oo, then (``far``) 2^16, 2^32, ...,
    2^4096, on which a logarithm grows geometrically (1/log(x) halves at each); 0 +- 2^-1, 2^-2, 2^-4, ..., 2^-256
    (``far``: to 2^-4096); another finite x0 +- 2^-1, ..., 2^-64."""
    if x0 in (sp.oo, -sp.oo):
        ks = list(range(11)) + ([2 ** j for j in range(4, 13)] if far else [])
        return [sp.sign(x0) * sp.Integer(2) ** k for k in ks]
    side = 1 if direction == "+" else -1
    ks = [2 ** j for j in range(13 if far and x0 == 0 else 9 if x0 == 0 else 7)]
    return [x0 + side * sp.Rational(1, 2 ** k) for k in ks]


def _nested_growth(f: sp.Expr, x: sp.Symbol) -> bool:
    """Whether an exponential of ``x`` sits inside another (exp(exp(x)), cosh(exp(x)), 2**(x**x)): its value at 2^16 may
    need more memory than exists, so the check stops at 2^10 (2^-256)."""
    from sympy.functions.elementary.hyperbolic import HyperbolicFunction

    def growing(a):
        return (isinstance(a, (sp.exp, HyperbolicFunction)) or a.is_Pow and a.exp.has(x)) and a.has(x)

    return any(growing(a) and any(growing(b) for b in sp.preorder_traversal(a) if b is not a)
               for a in sp.preorder_traversal(f))


def _term_functions(f: sp.Expr, x: sp.Symbol) -> tuple:
    """(one mpmath function of x giving the terms of every sum in f, the positions of each sum's terms in its
    output), for :func:`_digits_needed`."""
    sums = [node.args for node in sp.preorder_traversal(f) if isinstance(node, sp.Add)]
    terms = sorted({t for args in sums for t in args}, key=sp.default_sort_key)
    where = {t: i for i, t in enumerate(terms)}
    return sp.lambdify(x, terms, "mpmath"), [[where[t] for t in args] for args in sums]


_CONSTANT = type(mpmath.pi)  # mpmath's constants (pi, e, euler...) are of this type, not mpf


def _real_mpf(v):
    """v as an mpf when it is a plain number: an int or float, or one of mpmath's constants (mpmath.pi, mpmath.e: what
    lambdify makes of a term pi or E, as in renyi(pi)); other values (mpc, None) unchanged."""
    return mpmath.mpf(v) if isinstance(v, (int, float, _CONSTANT)) else v


def _digits_needed(terms: tuple, t: sp.Expr) -> int | None:
    """Working digits for f at x = t: 30, plus the digits of the largest term of any of its sums (those a
    cancellation there can lose: sinh(x)**2 - cosh(x)**2 at x = 128 loses 111), plus the largest ratio of two terms
    of one sum (those an absorbed term needs: sigma*log(1 + 1/sigma) at sigma = 2^4096 is 0 unless 1 + 2^-4096 is
    held exactly). ``terms`` is :func:`_term_functions`'s, evaluated by mpmath at 40 digits (sympy's own evaluation
    at sigma = 2^-4096, where sqrt(sigma**2 + 1) is a square root of a 8192-bit rational, took 7 s). None past 8000,
    or where a term is not a finite real number."""
    fn, sums = terms
    with mpmath.workdps(40):
        at = mpmath.mpf(t.p) / t.q if t.is_Rational else mpmath.mpf(str(sp.N(t, 50)))
        try:
            values = fn(at)
        except (ValueError, TypeError, ZeroDivisionError, OverflowError, AttributeError, NameError):
            return None
        sizes = []
        for v in values:
            if isinstance(v, mpmath.mpc):
                if v.imag != 0:
                    return None
                v = v.real
            v = _real_mpf(v)
            if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v):
                return None
            sizes.append(float(mpmath.log10(abs(v))) if v != 0 else None)
    most, spread = 0.0, 0.0
    for args in sums:
        known = [sizes[i] for i in args if sizes[i] is not None]
        if known:
            most, spread = max(most, max(known)), max(spread, max(known) - min(known))
    need = 30 + math.ceil(most) + math.ceil(spread)
    return need if need <= 8000 else None


def _high_precision(fn, terms: tuple, t: sp.Expr):
    """fn(t) by mpmath, from :func:`_digits_needed` working digits, doubled until two in a row agree to 20
    digits, as an mpf at those digits (a float would lose the steps of mu**2 beside cosh(650): review r8j B4); None when
    not real, not finite or not agreed by 16000 digits. Doubling from 30 digits alone is
    not enough: at 30 and 60 digits sinh(128)**2 - cosh(128)**2 rounds to 0 both times (sympy's evalf, for its part,
    returns 0 for it with a claim of full accuracy)."""
    dps = _digits_needed(terms, t)
    previous = None
    while dps is not None and dps <= 16000:
        with mpmath.workdps(dps):
            try:
                v = fn(mpmath.mpf(t.p) / t.q if t.is_Rational else mpmath.mpf(str(sp.N(t, dps + 10))))
            except (ValueError, TypeError, ZeroDivisionError, OverflowError, AttributeError, NameError):
                return None
            v = _real_mpf(v)  # a constant f: lambdify returns the int (or mpmath's pi)
            if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v):
                return None
            # two zeros agree only past 4000 digits: a sum that cancels to below the working precision rounds to 0
            # at any too small one ((cosh(mu) - 1)/mu**2 at mu = 2^-128 is 0 at 30 and 60 digits, 1/2 at 120)
            zeros = v == 0 and previous == 0 and dps < 4000
            if previous is not None and not zeros and abs(v - previous) <= mpmath.mpf("1e-20") * max(
                    1, abs(v), abs(previous)):
                return v
        previous, dps = v, 2 * dps  # a small difference of large products ((cosh - sinh)(cosh + sinh)): more digits
    return None


def limit_status(e: sp.Expr, x: sp.Symbol, x0, direction: str, value: sp.Expr, seconds: float = 2.0) -> str:
    """"contradicted", "backed" or "unchecked": what evaluations of e along x -> x0 (:func:`_approach`,
    :func:`_high_precision`), at the other variables 7/10 and 2, say of the claimed limit ``value``
    (:func:`_judged`). Backed needs every sample with a value to back it (renyi(2) at sigma = 2 is outside its domain,
    complex); one contradiction suffices. The points run as far as the values can be computed
    (:func:`_digits_needed`) within ``seconds`` of CPU time per sample."""
    others = sorted(e.free_symbols - {x}, key=str)
    if value.free_symbols - set(others) - {x}:
        return "unchecked"
    samples = _samples(e, x, others)

    def check():
        verdicts = []
        for sample in samples:
            f, claim = e.subs(sample), sp.sympify(value).subs(sample)
            if claim.has(sp.nan, sp.zoo) or not claim.is_extended_real:
                verdicts.append("unchecked")
                continue
            fn, terms = sp.lambdify(x, f, "mpmath"), _term_functions(f, x)
            vals, stop, missed = [], time.process_time() + seconds, False  # CPU time: the same points when loaded
            for k, t in enumerate(_approach(x0, direction, far=not _nested_growth(f, x))):
                if k >= 12 and len(vals) >= 6 and _far_enough(vals, claim):
                    break
                if time.process_time() > stop:
                    break
                v = _high_precision(fn, terms, t)
                # two points in a row without a value: past where values can be computed; one alone is a pole or
                # a 0/0 on the way (sigma = 4 for a ratio to the KL against N(mu_p, 4**2))
                if v is None and vals and missed:
                    break
                missed = v is None
                if v is not None:
                    vals.append(v)
            verdicts.append(_judged(vals, claim) if vals else None)  # None: no value at all (outside the domain)
            if verdicts[-1] == "contradicted":
                break
        verdicts = [v for v in verdicts if v is not None]
        return ("contradicted" if "contradicted" in verdicts else
                "backed" if verdicts and all(v == "backed" for v in verdicts) else "unchecked")
    try:
        done, out = attempt(check, budget=5 * seconds * len(samples))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, NotImplementedError, AttributeError):
        return "unchecked"
    return out if done else "unchecked"


_OTHERS = tuple(sp.Rational(r) for r in ("7/10", "2", "1/2", "1/5", "1/20", "0", "-1/2", "-2", "-5", "3/2", "5", "10"))


def _samples(e: sp.Expr, x: sp.Symbol, others: list) -> list:
    """The values of the other variables at which a limit along ``x`` is checked: 7/10 and 2, or where one of them is
    outside the closed form's domain (a log of the other variable alone negative there: renyi(3) in logvar, l < log
    3/2), the first two of 1/2, 1/5, ..., -5, 3/2, 5, 10 inside it (the check needs values; outside there are none)."""
    if not others:
        return [{}]
    args = [a.args[0] for a in e.atoms(sp.log) if a.args[0].free_symbols and not a.args[0].has(x)
            and a.args[0].free_symbols <= set(others) and not a.args[0].is_positive]

    def inside(sample):
        if any(o.is_positive and r <= 0 for o, r in sample.items()):
            return False
        try:
            return all(sp.N(g.subs(sample), 30) > 0 for g in args)
        except TypeError:  # not comparable: complex or not a number
            return False

    chosen = [smp for smp in ({o: r for o in others} for r in _OTHERS) if inside(smp)][:2]
    return chosen or [{o: sp.Rational(7, 10) for o in others}, {o: sp.Integer(2) for o in others}]


def _far_enough(vals: list, claim: sp.Expr) -> bool:
    """The values back the claim and are already within 1e-25 of a finite one, or past 1e25 for +-oo: the points
    further out (up to 2^4096) are not evaluated (they cost as much again, and change nothing)."""
    if _judged(vals, claim) != "backed":
        return False
    if claim in (sp.oo, -sp.oo):
        return abs(vals[-1]) > mpmath.mpf("1e25")
    L = mpmath.mpf(str(sp.N(claim, 60)))
    return abs(vals[-1] - L) < mpmath.mpf("1e-25") * (1 + abs(L))


def _judged(vals: list, claim: sp.Expr) -> str:
    """The verdict of values (mpf) along the approach on a claimed limit. With the last three steps shrinking by 0.6 at
    least each (settled: what is left is below 1.5 times the last step) or the last step 0, the values back a finite
    claim within 4 last steps (1e-9 relative) and contradict any other; they contradict a finite claim they move away
    from, past 1e3 (1 + |claim|), the gap growing by half at least at each of the last steps; they contradict -oo
    when they rise above 0 (oo when they fall below 0). They back +-oo when the last three steps go that way, each
    1.5 times the one before at least (a logarithm on the points 2^16, 2^32, ... doubles its steps). Fewer than four
    values, or anything else: unchecked."""
    if len(vals) < 4:
        return "unchecked"
    a, b, c = vals[-3:]
    moves = [v - u for u, v in zip(vals, vals[1:])][-3:]
    steps = [abs(d) for d in moves]
    settled = all(d2 <= 0.6 * d1 for d1, d2 in zip(steps, steps[1:])) and steps[0] > 0 or steps[-1] == 0
    if claim in (sp.oo, -sp.oo):
        s = 1 if claim == sp.oo else -1
        if settled or (0 < a < b < c if s < 0 else 0 > a > b > c):
            return "contradicted"
        ahead = [s * d for d in moves]
        if all(d > 0 for d in ahead) and all(d2 >= 1.5 * d1 for d1, d2 in zip(ahead, ahead[1:])):
            return "backed"
        return "unchecked"
    L = mpmath.mpf(str(sp.N(claim, 60)))
    if settled:
        return "contradicted" if abs(c - L) > 4 * steps[-1] + mpmath.mpf("1e-9") * (1 + abs(c)) else "backed"
    gaps = [abs(v - L) for v in vals][-4:]
    if all(g1 < g2 for g1, g2 in zip(gaps, gaps[1:])) and gaps[-1] >= 1.5 * gaps[-2] and gaps[-1] > 1e3 * (1 + abs(L)):
        return "contradicted"
    return "unchecked"
