"""User text whose factors leave the float64 range where the product does not (issue 7, task prod7), against mpmath.

The kind: a product or quotient of a factor in mu and a factor in the scale, one computed per mu and the other per
sigma, where one overflows or underflows and the product is an ordinary float: exp(mu**2) sigma^2 at (26, 1e-300)
(exp(676) times 1e-600), exp(mu) (sigma - 1)^2 at (-800, 1e300) (0 times inf), a typed hypot's derivatives in
logstd, exp(2 s)/|mu| at (1e-100, s = -400). The kernels form such products as a mantissa times a power of 2
(vaemath/kernels/scaled.py), so the result is rounded once.

The truth is ``tests/_reference.py``'s: the formula written here in sympy (mu, sigma), moved to the parametrisation by
substitution, differentiated by ``sympy.diff`` and evaluated by mpmath at 40+ digits at the exact float64 inputs; the
rules are those of ``tests/test_growing_exp.py`` (a finite truth within the allowance, an exact zero exactly 0, a
truth beyond the float64 range exactly +-inf, never NaN). The allowance is 8 eps |plane| (4 + mu^2), mu^2 capped at
1e4: exp(mu^2) moves by 2 mu^2 ulps per ulp of mu, so rounding mu^2 costs that much whatever the kernel does (beyond
|mu| = 100 an exp of mu^2 is 0 or inf).
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
import sympy as sp

import vaemath
from tests import _reference as ref
from vaemath.symbolic import mu, sigma

EPS = 2.0**-53
BOUND = 8
WHAT = ("value", "grad", "hess")
FULL = os.environ.get("VAEMATH_TEST_FULL") == "1"  # every case below; the default run three kernels, fewer points
KW = {"std": {}, "var": {"param": "var"}, "logstd": {"param": "logstd"}, "logvar": {"param": "logvar"}}

SQUARED = "exp(mu**2)*sigma**2"
LINEAR = "exp(mu)*(sigma - 1)**2"
HYPOT = "sqrt(mu**2 + sigma**2)"
GAUSS = "exp(-mu**2/2)/sigma**4"
COSH = "cosh(mu)*sigma**2"
SINH = "sinh(mu)/sigma"
EXPR = {SQUARED: sp.exp(mu**2) * sigma**2, LINEAR: sp.exp(mu) * (sigma - 1)**2, HYPOT: sp.sqrt(mu**2 + sigma**2),
        GAUSS: sp.exp(-mu**2 / 2) / sigma**4, COSH: sp.cosh(mu) * sigma**2, SINH: sp.sinh(mu) / sigma}


def _check(text, expr, mus, xs, param):
    """Every plane of ``text`` by ``grid`` at mus x xs against the truth of ``expr`` (written in the test)."""
    t = ref.truth(expr, param, mus, xs)
    v, g, h = vaemath.grid(text, np.array(mus), np.array(xs), what=WHAT, **KW[param])
    got = np.concatenate([np.asarray(v)[None], np.asarray(g), np.asarray(h)])
    bad = ref.log_form_failures(
        t, got, lambda mag, i: BOUND * (mag * EPS * (4 + min(mus[i] * mus[i], 1e4)) + 5e-324),
        lambda k, i, j: f"{ref.PLANES[k]} of {text!r} in {param} at ({mus[i]!r}, {xs[j]!r})")
    assert not bad, "\n".join(bad)


# the listed inputs, each plane's truth from mpmath (written out: the value to the digits quoted)
@pytest.mark.parametrize(("text", "m", "x", "param", "value"), [
    (SQUARED, 26.0, 1e-300, "std", 3.8288624657452e-307),  # was 0: sigma^2 underflowed beside exp(676) = 1e293
    (LINEAR, -800.0, 1e300, "std", 3.6678745841777e252),   # was 0: exp(-800) = 0 beside (1e300 - 1)^2 = inf
    (HYPOT, 1e-100, -400.0, "logstd", 1e-100),             # d/ds exp(2 s)/hypot was 0, truth 3.7e-248
    # cosh/sinh of mu beside the scale (review r8m A4): cosh(711) = 3e308 overflows, sigma^2 = 1e-600 underflows
    (COSH, 711.0, 0.5, "std", 7.5907842221624913e+307),    # was inf; d/dsigma (truth 3.04e308: inf) was NaN
    (COSH, 711.0, 1e-300, "std", 3.0363136888649967e-292),  # was NaN (inf times 0)
    (COSH, 700.0, 1e-300, "std", 5.0711602736750228e-297),  # was 0 (sigma^2 underflowed)
    (SINH, -750.0, 1e300, "std", -2.6292472707274e+25),     # was -inf (sinh(-750) = -inf over 1e300)
])
def test_listed_inputs(text, m, x, param, value):
    t = ref.truth(EXPR[text], param, [m], [x])
    assert t.value[0, 0, 0] == pytest.approx(value, rel=1e-13)
    got = vaemath.penalty(text)(m, x, what=WHAT, **KW[param])
    planes = [got[0], *got[1], *got[2]]
    for k, have in enumerate(planes):
        want = t.value[k, 0, 0]
        assert have == want if want == 0 or math.isinf(want) else abs(have - want) <= 8 * EPS * abs(want) * (
            4 + m * m), f"{ref.PLANES[k]} of {text!r} at ({m}, {x}): got {have!r}, truth {want!r}"


MUS = [0.0, -1e-8, 1.0, 26.0, -27.0, 30.0, -800.0, 1e100, -1e200] if FULL else [0.0, 1.0, 26.0, -800.0, 1e100]
XS_STD = ([1e-300, 1e-200, 1e-10, 0.3, 0.75, 1.0, 1.5, 1e10, 1e200, 1e300] if FULL
          else [1e-300, 1e-10, 0.75, 1.0, 1e10, 1e300])
XS_LOG = [-700.0, -400.0, -23.0, -1e-8, 0.0, 1e-8, 23.0, 400.0, 700.0]
HYPOT_MUS = [0.0, 1e-300, -1e-200, 1e-100, 1e-8, 1.0, 1e100, -1e150] if FULL else [0.0, -1e-200, 1e-100, 1.0, 1e150]
HYPOT_XS = XS_LOG if FULL else [-700.0, -400.0, -1e-8, 0.0, 23.0, 700.0]


# every plane of the listed penalties on a grid over the whole range (each case compiles a kernel of all planes:
# about 10 s; the default run the first three on fewer points, FULL=1 all); where exp(mu^2) or mu^2 is beyond float64
# (mu = 1e100), the truth is +-inf or 0
@pytest.mark.parametrize(("text", "param", "mus", "xs"), [
    case for case in [
        (SQUARED, "std", MUS, XS_STD),
        # a decaying exp of mu beside a power of the scale that overflows, its d2/dmu2 (mu^2 - 1) exp(-mu^2/2)/v^2 a
        # sum sharing the exp (at (38, 1e-300) 4.0e289, was inf; 0 at mu = -1e200, where mu^2 - 1 is inf; mu = 1 left
        # out: at v = 1e150 the two terms cancel through T = sqrt(v) rounded, 1.7e-316 for 0, main too)
        (GAUSS, "var", [0.0, -20.0, 30.0, 38.0, -1e200], [1e-300, 1e-150, 0.5, 1.0, 3.0, 1e150]),
        (HYPOT, "logstd", HYPOT_MUS, HYPOT_XS),
        (LINEAR, "std", MUS, XS_STD),
        # more of the kind: exp(-mu)/v^2 at (700, 1e-300) is 9.9e295, was 0 times inf; a growing exp in logvar; the
        # hypot in logvar
        ("exp(-mu)/sigma**4", "var", [0.0, 1.0, -20.0, 650.0, 700.0, 800.0], [1e-300, 1e-150, 0.5, 1.0, 3.0, 1e150]),
        ("exp(2*mu)*sigma**3", "logvar", [0.0, -1.0, 300.0, -300.0, 350.0], XS_LOG),
        (HYPOT, "logvar", [0.0, 1e-300, -1e-200, 1e-100, 1e-8, 1.0, 1e100, -1e150],
         [-1400.0, -800.0, -46.0, -1e-8, 0.0, 1e-8, 46.0, 800.0, 1400.0]),
    ][:None if FULL else 3]])
def test_all_planes(text, param, mus, xs):
    expr = EXPR.get(text) or sp.sympify(text, locals={"mu": mu, "sigma": sigma})
    _check(text, expr, mus, xs, param)


# cosh/sinh of mu beside the scale on a small grid (the kernels above, compiled once): near mu = 0 (sinh's accuracy,
# kept by sinhman's frexp of sinh below |mu| = 20), at the edge of cosh's range and beyond, both signs of mu
@pytest.mark.parametrize("text", [COSH, SINH])
def test_cosh_sinh_beside_scale(text):
    _check(text, EXPR[text], [0.0, 1e-8, -1.0, 25.0, 700.0, -710.0, 711.0, -720.0, 750.0],
           [1e-300, 1e-10, 0.5, 0.75, 1.5, 1e10, 1e300], "std")


# a typed hypot near sigma = 1 beyond the overflow of mu^2 (review r8m): the near form summed mu^2 + d^2 + 2 d + 1,
# inf at (1e200, 1) for 1e200; its groups are squares (mu, 1 + d) or a positive polynomial (d + 1, d^2 + 2 d + 2)
@pytest.mark.parametrize(("text", "what"), [(HYPOT, WHAT), ("sqrt(mu**2 + sigma)", ("value",)),
                                            ("sqrt(mu**2 + sigma**2 + 1)", ("value",))])
def test_typed_hypot_near_one_beyond_the_overflow_of_mu_squared(text, what):
    mus, xs = [1e200, -1e300, 1.7976931348623157e308, 0.5], [0.5, 1 - 2.0**-53, 1.0, 1.5, 2.0, 3.0]
    t = ref.truth(sp.sympify(text, locals={"mu": mu, "sigma": sigma}), "std", mus, xs)
    got = vaemath.grid(text, np.array(mus), np.array(xs), what=what)
    got = np.concatenate([np.asarray(got[0])[None], *got[1:]]) if what == WHAT else np.asarray(got)[None]
    for k, i, j in np.ndindex(got.shape):
        have, want = got[k, i, j], t.value[k, i, j]
        assert abs(have - want) <= 4 * EPS * abs(want) or have == want, (text, ref.PLANES[k], mus[i], xs[j], have, want)


def test_catalogue_products_are_left_alone():
    """Only an exp of mu alone beside the scale, or exp(c lg) over mu, is scaled: the catalogue's Gaussian factors hold
    the scale in their exponent (hellinger's exp(-mu^2/(4 (1 + T^2)))), its powers of mu and T are pw chains."""
    from vaemath.kernels import scaled
    from vaemath.kernels.rewrite import T, lg

    assert scaled.products(sp.exp(mu**2) * T**2).has(scaled.ldexpf)
    assert scaled.products(2 * mu * sp.exp(-mu**2) / T**3).has(scaled.ldexpf)
    shared = scaled.products((4 * mu**2 * sp.exp(-mu**2) - 2 * sp.exp(-mu**2)) / T**2)  # the exp out of the sum
    assert shared.has(scaled.expexpw) and not shared.has(sp.exp)
    assert scaled.products(sp.exp(2 * lg) / (sp.Abs(mu) * sp.sqrt(1 + T))).has(scaled.ldexpf)
    assert not scaled.products(sp.exp(-mu**2 / (4 * (1 + T**2))) / T**2).has(scaled.ldexpf)
    assert not scaled.products(sp.exp(mu**2) * mu**2).has(scaled.ldexpf)  # mu alone: no factor of the scale
    assert not scaled.products(mu**2 * T**-2).has(scaled.ldexpf)


def test_float32_output_is_the_float64_truth_rounded_once_without_a_warning():
    """review r8m D7: a fallback's float64 value beyond float32's range (exp(729) 1e-200 = 1e116) assigned into the
    float32 output printed numpy's 'overflow encountered in cast'; the output is +-inf there, rounded once."""
    mus, xs = [27.0, 26.0], [1e-100, 1e-300]
    t = ref.truth(EXPR[SQUARED], "std", mus, xs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v, g, h = vaemath.grid(SQUARED, np.array(mus), np.array(xs), what=WHAT, dtype=np.float32)
    got = np.concatenate([np.asarray(v)[None], np.asarray(g), np.asarray(h)])
    want = np.array([[[float(t.value[k, i, j]) for j in range(2)] for i in range(2)] for k in range(6)])
    with np.errstate(over="ignore"):
        assert np.array_equal(got, want.astype(np.float32))  # inf beyond float32's range, 3.8e-307 -> 0
