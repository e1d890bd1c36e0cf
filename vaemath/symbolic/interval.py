"""Interval arithmetic (mpmath.iv) on sympy expressions of sigma: a proof that a one-variable function keeps a strict
sign on sigma in [e^-T, e^T], each enclosure rounded outwards, the range cut until every piece's enclosure excludes 0
(:func:`keeps_sign`). Used to prove a part of a separable penalty monotone where sympy cannot decide the sign of its
derivative (review r8k C2: sigma/(1 + sigma) - 1/log(log(3 + 1/sigma)) is decreasing)."""

from __future__ import annotations

import time
from functools import lru_cache

import mpmath
import sympy as sp

from vaemath.symbolic.hidden_zeros import hyperbolics_as_exp

iv = mpmath.iv

RANGE = 700.0  # |log sigma| of the range proved: sigma from e^-700 to e^700, float64's range and the far scan's
PIECES = 140  # first cut of the range in log sigma, before bisection
MOST = 6000  # enclosures evaluated at most


class _Unsupported(Exception):
    """A node the interval evaluator has no rule for (erfc, cos, ...): no proof."""


def _number(v: sp.Expr):
    """An interval holding the number ``v`` (at 50 digits: still an enclosure at any working precision)."""
    if v is sp.pi:
        return iv.pi
    if v is sp.E:
        return iv.e
    if v.is_Rational:
        return iv.mpf(int(v.p)) / iv.mpf(int(v.q))
    raise _Unsupported(v)


def _compiled(e: sp.Expr, x: sp.Symbol):
    """A function of an interval box (iv.mpf) returning an interval holding e(x) for every x in it, built once node by
    node (constants enclosed once)."""
    if e == x:
        return lambda box: box
    if not e.has(x):
        saved, iv.dps = iv.dps, 50
        try:
            c = _number(e) if e.is_Number or e.is_NumberSymbol else None
        finally:
            iv.dps = saved
        if c is None:
            raise _Unsupported(e)
        return lambda box: c
    args = [_compiled(a, x) for a in e.args]
    if e.is_Add or e.is_Mul:
        add = e.is_Add

        def combine(box):
            out = args[0](box)
            for a in args[1:]:
                out = out + a(box) if add else out * a(box)
            return out
        return combine
    if e.is_Pow:
        base, k = args[0], e.exp
        if k.is_Integer:
            return lambda box: base(box) ** int(k)
        power = args[1]

        def pow_(box):  # a positive base to any power: exp(k log base)
            b = base(box)
            if not b.a > 0:
                raise _Unsupported(e)
            return iv.exp(power(box) * iv.log(b))
        return pow_
    if isinstance(e, sp.exp):
        return lambda box: iv.exp(args[0](box))
    if isinstance(e, sp.log):
        def log_(box):
            v = args[0](box)
            if not v.a > 0:
                raise _Unsupported(e)
            return iv.log(v)
        return log_
    if isinstance(e, sp.erf):
        return lambda box: iv.erf(args[0](box))
    if isinstance(e, sp.atan):
        return lambda box: _atan(args[0](box))
    raise _Unsupported(e)


def _atan(v):
    """An interval holding atan of every point of ``v`` (mpmath.iv has no atan): atan is increasing, so the ends' values
    at 20 more bits, each widened outwards by 2^-(prec - 8) of its size (mpmath's atan is within an ulp or so)."""
    with mpmath.workprec(iv.prec + 20):
        lo, hi = mpmath.atan(v.a), mpmath.atan(v.b)
        slack = mpmath.mpf(2) ** (8 - iv.prec)
        return iv.mpf([lo - abs(lo) * slack, hi + abs(hi) * slack])


@lru_cache(maxsize=256)
def keeps_sign(d: sp.Expr, x: sp.Symbol, seconds: float = 5.0, far: float = RANGE) -> int | None:
    """+1 or -1 when d(x) has that strict sign for every x in [e^-far, e^far] (:func:`_keeps_sign`), tried on d and on
    the numerator and denominator of d put over one denominator and cancelled (1/(1 + s) - s/(1 + s)**2 is 1/(1 +
    s)**2: the enclosure of the difference of two terms of size 1/s is never narrower than their spread); None when
    neither is proved."""
    start = time.perf_counter()
    if _sign_changes(d, x, far):
        return None
    try:
        num, den = sp.fraction(sp.cancel(sp.together(hyperbolics_as_exp(sp.sympify(d)))))
    except (TypeError, ValueError, AttributeError, sp.PolynomialError):
        num, den = None, None
    if num is not None:
        signs = [1 if p.is_positive else -1 if p.is_negative else
                 _keeps_sign(p, x, (seconds - (time.perf_counter() - start)) / 2, far) for p in (den, num)]
        if None not in signs:
            return signs[0] * signs[1]
    rest = seconds - (time.perf_counter() - start)
    return _keeps_sign(d, x, rest, far) if rest > 0 else None


def _sign_changes(d: sp.Expr, x: sp.Symbol, far: float) -> bool:
    """d takes both signs at 57 points of [e^-far, e^far] (mpmath at 30 + 2 |log10 x| digits): no proof to seek."""
    try:
        fn = sp.lambdify(x, d, "mpmath")
    except (TypeError, ValueError, NameError, KeyError):
        return False
    signs = set()
    for k in range(57):
        t = -far + 2 * far * k / 56
        with mpmath.workdps(30 + int(abs(t) / 1.15)):
            try:
                v = fn(mpmath.exp(mpmath.mpf(t)))
            except (ValueError, ArithmeticError, TypeError):
                continue
            if isinstance(v, mpmath.mpf) and v != 0:
                signs.add(v > 0)
    return len(signs) == 2


def _keeps_sign(d: sp.Expr, x: sp.Symbol, seconds: float, far: float, span: tuple | None = None,
                most: int = MOST) -> int | None:
    """+1 or -1 when d(x) has that strict sign for every x in [e^-far, e^far] (or [e^a, e^b] for ``span`` = (a, b)),
    proved by interval arithmetic (at 30 + |log10 x| digits, the range cut in log x, each piece bisected until its
    enclosure excludes 0, ``most`` enclosures and ``seconds`` at most); None when not proved (a sign change, a 0, or
    an enclosure that stays too wide)."""
    try:
        fn = _compiled(hyperbolics_as_exp(sp.sympify(d)), x)
    except (TypeError, ValueError, AttributeError, _Unsupported):
        return None
    start, sign, count = time.perf_counter(), None, 0
    low, high = span if span is not None else (-far, far)
    pieces = max(1, int(round(PIECES * (high - low) / (2 * far))))
    width = (high - low) / pieces
    stack = [(high - (k + 1) * width, high - k * width) for k in range(pieces)]
    try:
        while stack:
            a, b = stack.pop()
            count += 1
            if count > most or time.perf_counter() - start > seconds or b - a < 1e-9:
                return None
            saved, iv.dps = iv.dps, 20 + int(max(abs(a), abs(b)) / 2.3)
            try:
                box = iv.mpf([iv.exp(a).a, iv.exp(b).b])
                v = fn(box)
                lo, hi = v.a, v.b
            finally:
                iv.dps = saved
            if lo > 0 or hi < 0:
                s = 1 if lo > 0 else -1
                if sign is not None and s != sign:
                    return None
                sign = s
                continue
            if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)) and b - a < 1e-3:
                return None
            middle = (a + b) / 2
            stack += [(a, middle), (middle, b)]
    except (_Unsupported, ValueError, ZeroDivisionError, TypeError, ArithmeticError):
        return None
    return sign


def above_level(f: sp.Expr, x: sp.Symbol, level: sp.Expr, ends: tuple, seconds: float = 8.0,
                far: float = RANGE) -> bool:
    """f(x) > ``level`` for every x in [e^-far, e^far], where ``level`` is the lesser of f's limits at the two ends:
    from the lower end f increases (f' > 0, interval arithmetic piece by piece in log x until a piece is not proved),
    from the upper end it decreases (f' < 0 likewise), so each stretch lies above its end's limit; on the stretch
    left between, f - level > 0 by interval arithmetic. A difference that vanishes to second order at an end
    (tanh(s) - s/(1 + s) ~ s^2 as s -> 0+) defeats a direct enclosure of f - level there, never of f' (~ 2 s).
    ``ends`` = (the sign of f' as x -> 0+, as x -> oo), both needed beyond the range (+1 and -1 there, or None when
    that end's stretch is not used). False when not proved."""
    start = time.perf_counter()
    d = sp.diff(f, x)
    width = 2 * far / PIECES
    low, high = -far, far
    for sign, side in ((1, 0), (-1, 1)):
        if ends[side] != sign:
            continue
        step = width
        while high - low > 1e-9 and step > width / 256:  # a piece not proved is halved, down to 1/256 of the first
            piece = (low, min(high, low + step)) if side == 0 else (max(low, high - step), high)
            rest = seconds - (time.perf_counter() - start)
            if rest <= 0:
                break
            if _piece_sign(d, x, rest / 8, far, piece, most=60) != sign:
                step /= 2
                continue
            low, high = (piece[1], high) if side == 0 else (low, piece[0])
    if high - low <= 1e-9:
        return True
    rest = seconds - (time.perf_counter() - start)
    return rest > 0 and _piece_sign(f - level, x, rest, far, (low, high), MOST) == 1


def _piece_sign(d: sp.Expr, x: sp.Symbol, seconds: float, far: float, span: tuple, most: int = 200) -> int | None:
    """The strict sign of d on [e^a, e^b] (``span`` = (a, b)) as :func:`keeps_sign` proves it: the numerator and
    denominator of d over one denominator (sech(s)**2 - 1/(1 + s)**2 at s = e^690 is -inf/inf as it stands), else d."""
    start = time.perf_counter()
    num, den = _over_one(d)
    if num is not None:
        signs = [1 if p.is_positive else -1 if p.is_negative else
                 _keeps_sign(p, x, (seconds - (time.perf_counter() - start)) / 2, far, span, most) for p in (den, num)]
        if None not in signs:
            return signs[0] * signs[1]
    rest = seconds - (time.perf_counter() - start)
    return _keeps_sign(d, x, rest, far, span, most) if rest > 0 else None


@lru_cache(maxsize=256)
def _over_one(d: sp.Expr) -> tuple:
    """(numerator, denominator) of d over one denominator, cancelled, hyperbolics as exp; (None, None) on failure."""
    try:
        return sp.fraction(sp.cancel(sp.together(hyperbolics_as_exp(sp.sympify(d)))))
    except (TypeError, ValueError, AttributeError, sp.PolynomialError):
        return None, None
