"""Accurate special functions against mpmath at 50 digits."""

import math

import mpmath as mp
import numpy as np
import pytest

from vaemath.kernels.special import expm1mx, xmlog1p


@pytest.fixture(autouse=True)
def _fifty_digits():
    """Every test at 50 digits, whatever another test module set mpmath's global precision to."""
    with mp.workdps(50):
        yield


def _ulps(got, want):
    return abs(got - float(want)) / np.spacing(abs(float(want)))


def test_xmlog1p_is_within_3_ulp(rng):
    xs = np.concatenate([rng.uniform(-0.999, 10, 3000), 10 ** rng.uniform(-15, 0, 3000) * rng.choice([-0.99, 1], 3000),
                         [-0.7, 1.0, 1e-300, -1e-300, 1e6]])
    worst = max(_ulps(xmlog1p(x), mp.mpf(x) - mp.log1p(mp.mpf(x))) for x in xs)
    assert worst <= 3


def test_expm1mx_is_within_3_ulp(rng):
    xs = np.concatenate([rng.uniform(-20, 20, 3000), 10 ** rng.uniform(-15, 0, 3000) * rng.choice([-0.6, 0.6], 3000)])
    worst = max(_ulps(expm1mx(x), mp.expm1(mp.mpf(x)) - mp.mpf(x)) for x in xs)
    assert worst <= 3


@pytest.mark.parametrize("x", [1e-8, -1e-7, 1e-6])
def test_naive_forms_lose_what_these_keep(x):
    want = float(mp.mpf(x) - mp.log1p(mp.mpf(x)))
    assert abs(xmlog1p(x) - want) <= 2 * np.spacing(want)
    assert abs((x - np.log1p(x)) - want) > 1e3 * np.spacing(want)


# --- The table of special functions: each rule checked on its own -----------------------------------------------

def _table():
    from vaemath.kernels.rewrite import SPECIALS

    return SPECIALS


@pytest.mark.parametrize("spec", _table(), ids=lambda s: s.name)
def test_each_rule_derivative_is_that_of_its_elementary_form(spec):
    import sympy as sp

    from vaemath.kernels import rewrite

    args = sp.symbols(f"a0:{spec.arity}", positive=True)
    cls = getattr(rewrite, spec.name, None) or next(f for f in (rewrite._log1p, rewrite._expm1)
                                                       if f.__name__ == spec.name)
    assert sp.simplify(rewrite.elementary(cls(*args)) - spec.plain(*args)) == 0
    if spec.derivative is None:
        return
    # d/dx of f(x^2 + 1, ...) by the chain rule through the class (its derivative may use other classes of the
    # table), against sympy's derivative of the plain form; in each argument of a symmetric function
    x = sp.Symbol("x", positive=True)
    for slot in (0, 1) if spec.symmetric else (0,):
        inner = list(args)
        inner[slot] = x**2 + 1
        diff = sp.simplify(rewrite.elementary(sp.diff(cls(*inner), x)) - sp.diff(spec.plain(*inner), x))
        if diff != 0:  # simplify cannot always close it (sqrt(e^2y - 1) against e^y sqrt(1 - e^-2y)): 50 digits
            f = sp.lambdify([x, *args], diff, "mpmath")
            for point in ((0.3, 0.7, 1.1, 2.0), (1.7, 0.2, 3.0, 0.5)):
                assert abs(f(*map(mp.mpf, point[:1 + len(args)]))) < mp.mpf(10) ** -40, (spec.name, slot, point)


@pytest.mark.parametrize("spec", [s for s in _table() if s.numba.startswith("special.") and s.arity == 1],
                         ids=lambda s: s.name)
def test_each_numba_implementation_matches_its_elementary_form_at_50_digits(spec, rng):
    import sympy as sp

    from vaemath.kernels import special

    impl = getattr(special, spec.numba.split(".")[1])
    x = sp.Symbol("x")
    ref = sp.lambdify(x, spec.plain(x), "mpmath")
    xs = np.concatenate([rng.uniform(-0.9, 3, 200), 10 ** rng.uniform(-12, 0, 200) * rng.choice([-0.5, 1], 200)])
    if spec.name in ("acoshexp", "acoshsq", "acoshsq1", "acoshsq2"):  # defined for x >= 0 (acosh of 1 and more)
        xs = np.concatenate([np.abs(xs), [1e-100, 0.999, 1.0, 20.0, 300.0, 1e4, 1e150, 1e300]])
    # acosh(1 + y)^2 and its derivatives: the square of asinh doubles its error; the Taylor series of q' and q'' at
    # y = 0 (up to y = 1, ~60 alternating terms) and the closed form of q'' above 1, (2 - (1 + y) q'(y)) / y ...,
    # which cancels up to 3x near y = 1, lose a few ulp more (measured 4, 6, 9 on 3000 random points)
    bound = {"acoshsq": 4, "acoshsq1": 6, "acoshsq2": 10}.get(spec.name, 3)
    with mp.workdps(400):  # 1 + y exact at y = 1e-300
        worst = max(_ulps(impl(v), ref(mp.mpf(v))) for v in xs)
    assert worst <= bound


def test_mul0_is_zero_at_zero_even_times_inf():
    from vaemath.kernels.special import mul0

    assert mul0(0.0, np.inf) == 0.0 and mul0(2.0, 3.0) == 6.0 and mul0(1e-200, np.inf) == np.inf


def test_acoshexp_beyond_the_float64_range_of_its_argument():
    """acosh(exp(x)) where exp(x) overflows; the hypot of the table where a^2 underflows."""
    from vaemath.kernels.special import acoshexp

    for x in (1e-300, 0.5, 20.0, 1e4, 1e300):
        with mp.workdps(400):  # exp(1e-300) differs from 1 only in its 300th digit
            truth = mp.acosh(mp.exp(mp.mpf(x)))
        assert _ulps(acoshexp(x), truth) <= 2, x


@pytest.mark.parametrize("c", [sp_c for sp_c in ("5/3", "-7/3", "1/3", "5/2", "-9/32", "3", "1/10")])
def test_expmul_is_exp_of_the_exact_product(c, rng):
    """exp(c x) for a rational c as (c's float64, the rest): within 1 ulp of mpmath's exp of the exact c x, where
    exp(fl(c) x) is off by up to |c x| ulp; 0 and inf where the truth leaves the float64 range."""
    import sympy as sp

    from vaemath.kernels.special import expmul

    q = sp.Rational(c)
    hi = float(q)
    lo = float(q - sp.Float(hi, 40))
    reach = 745.0 / abs(hi)
    xs = np.concatenate([rng.uniform(-reach, reach, 300), [0.0, 1e-300, 2 * reach, -2 * reach, 1e300, -1e16]])
    worst = 0.0
    with mp.workdps(60):
        for x in xs:
            want = mp.exp(mp.mpf(q.p) / q.q * mp.mpf(x))
            got = expmul(hi, lo, x)
            if want > mp.mpf("1.7976931348623157e308"):
                assert got == np.inf, x
            elif want < mp.mpf("2.5e-324"):
                assert got == 0.0, x
            else:
                worst = max(worst, _ulps(got, want))
    assert worst <= 1.5


@pytest.mark.parametrize("coeffs, kmin", [((1, 0, -2), 0), ((2, 4, -1), 0), ((1, 0, -5), -2), ((1, 0, -3, 0, 1), 0),
                                          ((3, 0, -25), -2)])
def test_compensated_horner_next_to_a_root(coeffs, kmin, rng):
    """chorner and claurent against mpmath at floats next to each (simple) real root and at random x (2 - x^2 next to
    sqrt(2): the plain Horner sum is off by up to 1e15 ulp); claurent also where x^n overflows (Horner in 1/x there).
    A repeated root is beyond any fixed precision: the generator factors it out first (codegen._compensated_form)."""
    import sympy as sp

    from vaemath.kernels.special import chorner, claurent

    c = tuple(float(v) for v in coeffs)
    x = sp.Symbol("x")
    poly = sp.Poly(list(coeffs), x)
    xs = list(rng.uniform(0.1, 4, 50)) + [1e100, 1e300]
    for r in sp.real_roots(poly):
        near = float(r)
        for _ in range(4):
            xs += [near, -near]
            near = np.nextafter(near, np.inf)
    worst = 0.0
    with mp.workdps(80):
        for v in xs:
            want = sum(mp.mpf(k) * mp.mpf(v) ** (len(coeffs) - 1 - i) for i, k in enumerate(coeffs)) * mp.mpf(v) ** kmin
            got = chorner(v, c) * v**kmin if kmin == 0 else claurent(v, c, kmin)
            if abs(want) > mp.mpf("1.7976931348623157e308"):
                assert got == math.copysign(math.inf, want), v
            else:
                worst = max(worst, _ulps(got, want))
    assert worst <= 4


def test_log1p_or_log_takes_the_accurate_route_on_each_side():
    from vaemath.kernels.special import log1p_or_log

    a = -(1 - 2.0**-40)  # 1 + a = 2^-40 exactly, where the rounded a would not give it
    assert log1p_or_log(a, 2.0**-40) == float(mp.log(mp.mpf(2) ** -40))
    assert log1p_or_log(1e-20, 99.0) == 1e-20  # |a| < 1/2: log1p(a), q unused


@pytest.mark.parametrize(("coeffs", "n"), [((1, 0, -2), 0), ((1, 0, -2), 2), ((1, 0, -5), 2), ((7, 0, -14, -3), 0),
                                           ((1, -3, 0, 1), 3)])
def test_croot_is_the_polynomial_at_exp_lg_next_to_each_positive_root(coeffs, n, rng):
    """croot(lg, ..) = f(e^lg) / e^(n lg) from the float lg, against mpmath at the exact lg, next to each positive
    root r of f (the floats next to log r, and log r times (1 +- 1e-12 .. 1e-2)): the plain sum of f at the rounded
    e^lg is off by up to 1e16 ulp there (Renyi's edge 2 - sigma^2 in the log params). Its coefficients are f's Taylor
    coefficients at r from mpmath's own differentiation, its window half the distance to the other roots."""
    from vaemath.kernels.special import croot

    f = lambda t: sum(mp.mpf(c) * t ** (len(coeffs) - 1 - i) for i, c in enumerate(coeffs))  # noqa: E731
    roots = [r.real for r in mp.polyroots(coeffs, extraprec=100) if abs(r.imag) < 1e-30 and r.real > 0]
    assert roots
    worst = 0.0
    for r in roots:
        m = len(coeffs) - 1
        taylor = mp.taylor(f, r, m)  # f(r + h) = sum taylor[k] h^k; T = r (1 + E): b_k = taylor[k] r^(k - n)
        b = tuple(float(taylor[k] * r ** (k - n)) for k in range(m, 0, -1))
        gap = min([abs(z / r - 1) for z in mp.polyroots(coeffs, extraprec=100) if abs(z - r) > 1e-30], default=2)
        window = float(min(mp.mpf(1) / 2, mp.log1p(gap / 2)))
        l0 = mp.log(r)
        hi = float(l0)
        lo = float(l0 - hi)
        lgs = [hi, *(hi * (1 + s * 10.0**-k) for k in range(2, 13) for s in (1, -1))]
        near = hi
        for _ in range(4):
            near = np.nextafter(near, np.inf)
            lgs.append(near)
        near = hi
        for _ in range(4):
            near = np.nextafter(near, -np.inf)
            lgs.append(near)
        lgs += list(hi + rng.uniform(-window, window, 200))
        for lg in lgs:
            t = mp.exp(mp.mpf(lg))
            want = f(t) / t**n
            plain = math.nan  # beyond the window only
            got = croot(lg, hi, lo, b, n, window, plain)
            assert not math.isnan(got), lg
            worst = max(worst, _ulps(got, want))
    assert worst <= 4
    assert math.isnan(croot(hi + 2 * window, hi, lo, b, n, window, math.nan))  # beyond the window: the plain sum


@pytest.mark.parametrize(("num", "den"), [((-1, -2, 0), (1, 2, 1)),  # reverse_kl: A = -d (d + 2) / (1 + d)^2
                                          ((1, 0), (1, 0, 1)),  # x / (x^2 + 1)
                                          ((-9, -18, 1), (1, 2, 1))])  # 1 + A = (10/9 - (1 + x)^2) / (1 + x)^2
def test_lograt_is_log1p_and_xmlog1p_of_a_ratio_of_polynomials(num, den, rng):
    """lograt(0 | 1, x, N, D) = log1p(N/D), N/D - log1p(N/D), against mpmath from the plain ratio at the exact x:
    random x where 1 + A > 0, the floats next to a root of 1 + A (Renyi's edge for orders from 6 up) and near 0."""
    from vaemath.kernels.special import lograt

    ratio = lambda x: (sum(mp.mpf(c) * x ** (len(num) - 1 - i) for i, c in enumerate(num))  # noqa: E731
                       / sum(mp.mpf(c) * x ** (len(den) - 1 - i) for i, c in enumerate(den)))
    xs = list(rng.uniform(-0.5, 1.0, 400)) + list(10 ** rng.uniform(-300, -1, 100))
    q1 = np.trim_zeros(np.polyadd(num, den), "f")
    q = [r.real for r in mp.polyroots(list(q1), extraprec=100) if abs(r.imag) < 1e-30] if len(q1) > 1 else []
    for r in q:  # 1 + A = (N + D) / D = 0 there
        near = float(r)
        for _ in range(4):
            xs += [near]
            near = np.nextafter(near, np.inf)
    worst = 0.0
    for x in xs:
        with mp.workdps(700):  # A - log1p(A) at A = 1e-300 cancels 300 digits
            a = ratio(mp.mpf(x))
            if not 1 + a > 0:
                continue
            wants = ((0, mp.log1p(a)), (1, a - mp.log1p(a)))
        for kind, want in wants:
            if want != 0:
                worst = max(worst, _ulps(lograt(kind, x, tuple(map(float, num)), tuple(map(float, den))), want))
    assert worst <= 3


# The far forms' logs of a sum next to 1 (branch cat7): log(hypot(a, sqrt(1 + r))) as 0.5 log1p(r + a^2), and
# k log(c y) from the exact product c y; against mpmath at 50 digits from the plain formulas, and the naive forms lose
# what these keep (next to sigma = 2: log(hypot(0, sqrt(1.25))) from a rounded hypot; log(2 + 2e-10) - log(2)).
def test_loghyp1p_is_the_log_of_the_hypot_to_2_ulp(rng):
    from vaemath.kernels.special import loghyp1p

    a = np.concatenate([rng.uniform(-3, 3, 300), 10 ** rng.uniform(-300, 300, 100), [0.0, 1e154, 1e200, 1e308]])
    r = np.concatenate([10 ** rng.uniform(-20, 1, 300), 10 ** rng.uniform(-300, 300, 100), [0.25, 0.25, 4.0, 1e300]])
    with mp.workdps(700):
        worst = max(_ulps(loghyp1p(x, y), mp.log(mp.mpf(x) ** 2 + 1 + mp.mpf(y)) / 2) for x, y in zip(a, r))
    assert worst <= 2
    with mp.workdps(50):
        want = mp.log(mp.mpf(1.25)) / 2
    assert _ulps(loghyp1p(0.0, 0.25), want) <= 1 and _ulps(math.log(math.hypot(0.0, math.sqrt(1.25))), want) > 1


def test_logscaled_is_the_log_of_the_exact_product(rng):
    from vaemath.kernels.special import logscaled

    ys = np.concatenate([10 ** rng.uniform(-320, 308, 300), np.nextafter(2.0, [0.0, 9.0] * 50), [5e-324, 1.7e308]])
    for c, k in ((0.5, 1.0), (2.0, 1.0), (0.25, 0.5), (4.0, 0.5)):
        with mp.workdps(60):
            worst = max(_ulps(logscaled(y, k * math.log(y), c, k), k * mp.log(c * mp.mpf(y))) for y in ys
                        if c * mp.mpf(y) != 1)
        assert worst <= 2, (c, k)
    y = 2.0000000002
    with mp.workdps(60):
        want = mp.log(mp.mpf(y) / 2)
    assert _ulps(logscaled(y, math.log(y), 0.5, 1.0), want) <= 1
    assert _ulps(math.log(y) - math.log(2.0), want) > 1e3


def test_lglo_gives_k_log_x_to_about_2_to_the_minus_54(rng):
    """lg + lglo(x, lg, k) = k log(x) (k = 1, 1/2: std, var) for lg = fl(k log x), to 2^-54 absolute (x from 1e-304
    to 1e304) where math.log alone is off by up to an ulp of log(x); 0 for x not a positive normal float."""
    from vaemath.kernels.special import lglo

    xs = np.concatenate([np.exp(rng.uniform(-700.0, 700.0, 300)), rng.uniform(0.2, 5.0, 300), [4.0, 0.25, 1.0]])
    for k in (1.0, 0.5):
        for x in xs:
            lg = k * math.log(x)
            with mp.workdps(50):
                want = mp.mpf(k) * mp.log(mp.mpf(float(x)))
                err = abs(mp.mpf(lg) + mp.mpf(lglo(float(x), lg, k)) - want)
            assert err <= 2.0**-54, (x, k, float(err))
    assert lglo(0.0, -math.inf, 1.0) == 0.0 and lglo(5e-324, -744.4, 1.0) == 0.0
    assert lglo(math.inf, math.inf, 0.5) == 0.0


def test_lgsum_is_the_sum_of_its_exact_terms_rounded_about_once(rng):
    """lgsum(lg, lo, qh, ql, ch, cl, rh, rl, rest) = (qh + ql)(lg + lo) + (ch + cl) + (rh + rl) rest within 1.5 ulp of
    the exact sum, where the terms cancel to 1/1000 of their size (the plain float sum: hundreds of ulp)."""
    from vaemath.kernels.special import lgsum

    worst = 0.0
    for _ in range(2000):
        q, r, lg, rest = (mp.mpf(float(v)) for v in rng.uniform(-3.0, 3.0, 4))
        with mp.workdps(60):
            q, r = q / 7, r / 3  # not floats: their lo parts matter
            lo = mp.mpf(float(rng.uniform(-1e-17, 1e-17)))
            c = -(q * (lg + lo) + r * rest) * (1 + mp.mpf(float(rng.uniform(-1e-3, 1e-3))))
            qh, rh, ch = float(q), float(r), float(c)
            ql, rl, cl = float(q - qh), float(r - rh), float(c - ch)
            want = q * (lg + lo) + c + r * rest
            got = lgsum(float(lg), float(lo), qh, ql, ch, cl, rh, rl, float(rest))
            worst = max(worst, float(abs(got - want) / mp.mpf(np.spacing(abs(float(want))))))
    assert worst <= 1.5, worst
