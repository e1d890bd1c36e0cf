"""Proofs of sign by interval arithmetic (vaemath.symbolic.interval) against functions whose sign is known by hand."""

import pytest
import sympy as sp

from vaemath.symbolic.interval import _keeps_sign, keeps_sign
from vaemath.symbolic.symbols import sigma

L = sp.log(3 + 1 / sigma)


@pytest.mark.parametrize("d, sign", [
    (1 / (1 + sigma) - sigma / (1 + sigma) ** 2, 1),  # = 1/(1 + sigma)^2 > 0
    (-sp.exp(-sigma) - 1 / sigma**2, -1),
    (sp.diff(sigma / (1 + sigma) - 1 / sp.log(L), sigma), -1),  # review r8k C2, by hand: (1 - 34.4)/sigma^2 far out
    (sp.log(sigma) ** 2 + 1, 1),
    (sp.atan(sigma - 2) + 2, 1),  # atan > -pi/2 > -2 (the atan rule, review r8l B8)
    (sp.exp(-sigma) + sp.atan(sigma) - sp.Rational(1, 2), 1),  # 1/2 at 0+, pi/2 - 1/2 at oo, never below 1/2 between
])
def test_a_derivative_of_one_sign_is_proved(d, sign):
    assert keeps_sign(d, sigma) == sign


@pytest.mark.parametrize("d", [
    sp.log(sigma) - 1,  # 0 at e
    sigma - sp.Rational(10) ** 200,  # 0 at 1e200, inside the range
    (sp.log(sigma) - 1) ** 2,  # 0 at e, no sign change
    sp.cos(sigma) + 2,  # > 0, but no interval rule for cos: no proof
    sp.exp(-sigma) + sp.atan(sigma) - sp.Rational(11, 10),  # -1/10 at 0+, pi/2 - 11/10 at oo
    sp.Rational(1, 10**40) - (sp.log(sigma) - 1) ** 2,  # > 0 only where |log(sigma) - 1| < 1e-20
    sp.diff(sigma * sp.log(1 + 1 / sigma) - sp.log(sigma) / sigma ** sp.Rational(1, 100), sigma),  # 0 near e^100
])
def test_no_sign_is_claimed_where_there_is_a_zero_or_no_rule(d):
    assert keeps_sign(d, sigma) is None


@pytest.mark.parametrize("scale", [1, sp.Rational(1, 10**40)])
def test_a_narrow_dip_between_the_sample_points_is_not_missed_at_any_scale(scale):
    # (log(sigma) - 101/100) (log(sigma) - 102/100) is < 0 only for log(sigma) in (1.01, 1.02), between the 57 sample
    # points; times 1e-40 every value is below 1e-40 in size
    t = sp.log(sigma)
    d = scale * (t - sp.Rational(101, 100)) * (t - sp.Rational(102, 100))
    assert keeps_sign(d, sigma) is None
    assert _keeps_sign(d, sigma, 5.0, 700.0) is None  # the enclosures themselves, d not put over one denominator
