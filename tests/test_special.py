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
