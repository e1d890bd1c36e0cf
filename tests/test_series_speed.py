"""The generation-time shortcuts of vaemath.kernels.series give the numbers of the plain computation, bit for bit
(gen7): the Chebyshev coefficients on raw libmp values with cached tables, and the memoised mpmath functions of the
truths. The plain algorithm is written out here, in mpf arithmetic, as it was (its central node valued where it
resolves)."""

import mpmath
import pytest

from vaemath.kernels import series


def central(g, u):
    """g at the node 4e-142 from the interval's centre, at 8 times the digits, rounded: where a removable point's
    formula cancels there (exp(u) - 1 - u is -4.4e-142 at 140 digits, 9.7e-284 in truth), the node is valued where
    it resolves (review r8n)."""
    with mpmath.workdps(8 * series._CHEB_DPS):
        v = mpmath.mpf(g(u))
    return +v


def plain_coefficients(g, lo, hi, n):
    """The Chebyshev interpolant's Taylor coefficients in plain mpf arithmetic (series._coefficients before gen7)."""
    with mpmath.workdps(series._CHEB_DPS):
        lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
        c0, h = (hi + lo) / 2, (hi - lo) / 2
        xs = [mpmath.cos(mpmath.pi * (j + mpmath.mpf(1) / 2) / (n + 1)) for j in range(n + 1)]
        vals = [mpmath.mpf(g(c0 + h * x)) if abs(x) > 1e-100 else central(g, c0 + h * x) for x in xs]
        big = max(abs(v) for v in vals)
        cheb, t_prev, t_cur = [mpmath.mpf(0)] * (n + 1), [mpmath.mpf(1)] * (n + 1), list(xs)
        cheb[0] = mpmath.fsum(vals) / (n + 1)
        for k in range(1, n + 1):
            cheb[k] = 2 * mpmath.fsum(v * t for v, t in zip(vals, t_cur)) / (n + 1)
            t_prev, t_cur = t_cur, [2 * x * t - tp for x, t, tp in zip(xs, t_cur, t_prev)]
        poly_x, t_prev, t_cur = [mpmath.mpf(0)] * (n + 1), [mpmath.mpf(1)], [mpmath.mpf(0), mpmath.mpf(1)]
        poly_x[0] += cheb[0]
        for k in range(1, n + 1):
            for i, a in enumerate(t_cur):
                poly_x[i] += cheb[k] * a
            t_next = [mpmath.mpf(0)] * (len(t_cur) + 1)
            for i, a in enumerate(t_cur):
                t_next[i + 1] += 2 * a
            for i, a in enumerate(t_prev):
                t_next[i] -= a
            t_prev, t_cur = t_cur, t_next
        out = [mpmath.mpf(0)]
        for b in reversed(poly_x):
            shifted = [mpmath.mpf(0)] * (len(out) + 1)
            for i, a in enumerate(out):
                shifted[i + 1] += a / h
                shifted[i] -= a * c0 / h
            shifted[0] += b
            out = shifted
        out = out[:n + 1]
        return [a if abs(a) * max(abs(lo), abs(hi)) ** k > 1e-45 * big else mpmath.mpf(0) for k, a in enumerate(out)]


CASES = [  # (g, lo, hi, n): the near series (c0 = 0), the far ones (lo = 0) and a piece in u - c (any c, h)
    (lambda u: mpmath.exp(u) - 1 - u, -0.5, 0.5, 100),
    (lambda u: mpmath.exp(-1 / (1 + u)) * (1 + u) ** -20, -0.25, 0.25, 100),
    (lambda u: mpmath.log1p(u) / u if u else mpmath.mpf(1), 0, 0.5, 100),
    (lambda u: mpmath.sqrt(1 + u) - 1 - u / 2, -0.17, 0.3, 64),
    (lambda w: mpmath.cosh(0.6931471805599453 + w) ** 3, -0.0859375, 0.0859375, 64),
    (lambda u: u ** 3, -1 / 64, 1 / 64, 17),
]


@pytest.mark.parametrize(("g", "lo", "hi", "n"), CASES)
def test_coefficients_are_those_of_the_plain_arithmetic_bit_for_bit(g, lo, hi, n):
    got, want = series._coefficients(g, lo, hi, n), plain_coefficients(g, lo, hi, n)
    assert [a._mpf_ for a in got] == [a._mpf_ for a in want]
    again = series._coefficients(g, lo, hi, n)  # from the cached tables
    assert [a._mpf_ for a in again] == [a._mpf_ for a in want]


def test_memoised_mpmath_functions_return_the_calls_values():
    memo = {}
    exp = series._memoised("exp", mpmath.exp, memo)
    for dps in (15, 50, 140, 600):
        with mpmath.workdps(dps):
            for x in (mpmath.mpf(-1) / 3, mpmath.mpf(2) ** -300, mpmath.mpf(10) ** 5, mpmath.mpc(1, 2), 3, 0.5):
                want = mpmath.exp(x)
                assert exp(x) == want and exp(x) == want  # the second from the memo, at this precision
                assert getattr(exp(x), "_mpf_", None) == getattr(want, "_mpf_", None)
    half = mpmath.mpf(1) / 2
    with mpmath.workdps(20):
        low = exp(half)
    with mpmath.workdps(200):  # a value kept at 20 digits is not served at 200 (the same argument)
        assert exp(half) == mpmath.exp(half) != low


def test_each_probe_point_is_checked_against_its_own_truth():
    from vaemath.kernels.codegen import scale
    sc = scale("std")
    f = lambda m, s: 1 / s  # noqa: E731  (a truth: 1/sigma in mpmath)
    right = lambda **q: 1.0 / q["sg"]  # noqa: E731
    wrong_at_1_3 = lambda **q: 0.5 if q["sg"] == 1.3 else 1.0 / q["sg"]  # noqa: E731
    assert not series._bad(right, f, sc, "near", [0.7, 1.3])
    assert not series._bad(right, f, sc, "near", [1.3, 0.7])  # the truths kept: each at its own point
    assert series._bad(wrong_at_1_3, f, sc, "near", [0.7, 1.3])
    assert not series._bad(wrong_at_1_3, f, sc, "near", [0.7, 0.9])
