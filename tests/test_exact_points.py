"""Exact facts at minimisers and infima that scale or float rounding hid (review r8m A2, D2; issue 8).

Expected values are written by hand here or computed here by mpmath from the plain formula.
"""

import mpmath as mp
import pytest
import sympy as sp

from vaemath.symbolic import infimum, minimizer, mu, penalty, sigma
from vaemath.symbolic.calculus import _hessian_there, _vanishes_on_line, hessian_by_limits


@pytest.mark.parametrize("order", ["1e12", "10**16", "1e20", "7*10**30", "1e99"])
def test_renyi_of_a_large_order_has_its_hessian_at_the_minimiser(order):
    # by hand: D_a is analytic at (0, 1) inside sigma**2 < a/(a - 1), with Hessian diag(a, 2a) there (d2/dmu2 = a/g,
    # d2/dsigma2 = 1 + 1 - 2(1 - a) at g = a + (1 - a) sigma**2 = 1); the step 1e-20 of the old check along rays
    # left that domain for a = 1e20, and for a = 1e12 the third-order term was 1e-8 of the second
    a = sp.Rational(sp.sympify(order.replace("1e", "10**")))
    e = penalty(f"renyi({order})").expr
    assert _hessian_there(e, {mu: sp.S.Zero, sigma: sp.S.One}, 10) == sp.diag(a, 2 * a)


def test_a_form_that_no_step_fits_is_still_refused():
    # sqrt(kl**2 + mu**4): second-order limits along rays are no quadratic form at any step (the same misfit at
    # every t), so no Hessian; a shrinking step must not let it through
    e = penalty("sqrt(kl**2 + mu**4)").expr
    assert hessian_by_limits(e, {mu: 0, sigma: 1}) is None
    assert _hessian_there(penalty("renyi(1e20) + sqrt(kl**2 + mu**4)").expr, {mu: 0, sigma: 1}, 10) is None


def test_renyi_1e20_minimiser_is_exact_with_its_hessian():
    best = minimizer("renyi(1e20)")
    assert best.point == {mu: 0, sigma: 1} and best.hessian == sp.diag(10**20, 2 * 10**20) and best.order == 2


def _root(fprime, start):
    with mp.workdps(50):
        return mp.findroot(fprime, mp.mpf(start))


@pytest.mark.parametrize("text, exact_mu, dsigma, start", [
    # renyi(2) at mu = 0 is -log(sigma) - log(2 - sigma**2)/2, even in mu: d/dmu = 0 on mu = 0 for every sigma
    ("renyi(2) + 3*sigma + exp(-sigma)", 0, lambda s: -1 / s + s / (2 - s**2) + 3 - mp.exp(-s), 0.4),
    # d/dmu = 2 (mu - 1/3)(1 + sigma**2): 0 on mu = 1/3; then d/dsigma of sigma + 1/sigma + exp(-sigma**3)
    ("(mu - 1/3)**2*(1 + sigma**2) + sigma + 1/sigma + exp(-sigma**3)", sp.Rational(1, 3),
     lambda s: 1 - 1 / s**2 - 3 * s**2 * mp.exp(-s**3), 1.36),
])
def test_a_numeric_minimisers_exact_coordinate_is_exact(text, exact_mu, dsigma, start):
    best = minimizer(text)
    assert best.point[mu] == exact_mu and not isinstance(best.point[mu], sp.Float)  # was 2.3e-66 for the first
    s = _root(dsigma, start)
    assert abs(float(best.point[sigma]) - float(s)) <= 1e-14 * float(s)


def test_a_coordinate_is_not_snapped_where_its_derivative_vanishes_only_at_one_point():
    # (mu - sigma/3)**2: d/dmu at mu = 0 is -2 sigma/3, zero at sigma = 0 only, not on the whole line
    assert not _vanishes_on_line(sp.diff((mu - sigma / 3)**2, mu), mu, sp.S.Zero)
    assert _vanishes_on_line(sp.diff(mu**2 * sp.exp(sigma) + sigma, mu), mu, sp.S.Zero)


@pytest.mark.parametrize("text, value, approach", [
    # increasing in mu (a product of exponentials is its derivative): inf is the limit as mu -> -oo,
    # exp(exp(exp(exp(-oo)))) = exp(exp(exp(0))) = exp(exp(1)) = exp(E); mu -> oo is past every evaluation
    ("exp(exp(exp(exp(mu))))", sp.exp(sp.E), "mu -> -oo"),
    # decreasing in mu: the limit as mu -> oo, exp(E), plus (sigma - 1)**2's minimum 0
    ("exp(exp(exp(exp(-mu)))) + (sigma - 1)**2", sp.exp(sp.E), "mu -> oo"),
])
def test_a_monotone_part_gives_an_exact_infimum_not_attained(text, value, approach):
    inf = infimum(text)
    assert inf["method"] == "exact" and inf["attained"] is False and sp.simplify(inf["value"] - value) == 0
    assert f"approached as {approach}" in inf["where"]
