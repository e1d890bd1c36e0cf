"""Accurate special functions against mpmath at 50 digits."""

import mpmath as mp
import numpy as np
import pytest

from vaemath.kernels.special import expm1mx, xmlog1p

mp.mp.dps = 50


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
    if spec.derivative is not None:  # d/dx of f(x^2 + 1) by the chain rule through the class, against the plain form
        x = sp.Symbol("x", positive=True)
        inner = [x**2 + 1, *args[1:]]
        assert sp.simplify(sp.diff(cls(*inner), x) - sp.diff(spec.plain(*inner), x)) == 0


@pytest.mark.parametrize("spec", [s for s in _table() if s.numba.startswith("special.") and s.arity == 1],
                         ids=lambda s: s.name)
def test_each_numba_implementation_matches_its_elementary_form_at_50_digits(spec, rng):
    import sympy as sp

    from vaemath.kernels import special

    impl = getattr(special, spec.numba.split(".")[1])
    x = sp.Symbol("x")
    ref = sp.lambdify(x, spec.plain(x), "mpmath")
    xs = np.concatenate([rng.uniform(-0.9, 3, 200), 10 ** rng.uniform(-12, 0, 200) * rng.choice([-0.5, 1], 200)])
    assert max(_ulps(impl(v), ref(mp.mpf(v))) for v in xs) <= 3


def test_mul0_is_zero_at_zero_even_times_inf():
    from vaemath.kernels.special import mul0

    assert mul0(0.0, np.inf) == 0.0 and mul0(2.0, 3.0) == 6.0 and mul0(1e-200, np.inf) == np.inf
