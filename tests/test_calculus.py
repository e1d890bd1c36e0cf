"""Calculus against independent routes: mpmath finite differences, round trips, the DESIGN facts."""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from vaemath.symbolic import (
    PARAMS,
    catalogue,
    critical_points,
    definiteness,
    derive,
    gradient,
    hessian,
    limits,
    minimizer,
    mu,
    param,
    penalty,
    reparametrize,
    sigma,
    taylor,
    to_latex,
    to_strings,
    variables,
)

mp.mp.dps = 40
SMOOTH = ["kl", "reverse_kl", "jeffreys", "w2_squared", "hellinger_squared", "bhattacharyya", "quadratic",
          "kl_taylor2"]
F_DIVERGENCES = ["kl", "reverse_kl", "jeffreys", "hellinger_squared", "bhattacharyya", "renyi(1/2)", "renyi(2)"]


def _fd(expr, xs, point, order):
    f = sp.lambdify(xs, expr, "mpmath")
    return mp.diff(f, tuple(mp.mpf(p) for p in point), order)


def _scale_point(p, m, s):
    return (m, float(p.of_sigma.subs(sigma, s)))


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("param_name", sorted(PARAMS))
def test_gradient_and_hessian_match_finite_differences(name, param_name, rng):
    expr, xs = reparametrize(penalty(name).expr, param_name), variables(param_name)
    grad, hess = gradient(name, param_name), hessian(name, param_name)
    for m, s in zip(rng.uniform(-2, 2, 2), rng.uniform(0.3, 2.5, 2)):
        point = _scale_point(param(param_name), m, s)
        subs = dict(zip(xs, point))
        for i in range(2):
            first = tuple(int(k == i) for k in range(2))
            assert float(grad[i].subs(subs)) == pytest.approx(float(_fd(expr, xs, point, first)), rel=1e-12, abs=1e-12)
            for j in range(2):
                order = tuple(int(k == i) + int(k == j) for k in range(2))
                assert float(hess[i, j].subs(subs)) == pytest.approx(float(_fd(expr, xs, point, order)),
                                                                     rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("name", sorted(catalogue()))
@pytest.mark.parametrize("param_name", ["var", "logstd", "logvar"])
def test_reparametrisation_round_trips(name, param_name, rng):
    expr = catalogue()[name].expr
    moved = reparametrize(expr, param_name)
    assert moved.free_symbols <= {mu, param(param_name).symbol}
    assert sp.simplify(reparametrize(moved, "std") - expr) == 0
    m, s = rng.uniform(-2, 2), rng.uniform(0.3, 2.5)
    here = dict(zip(variables(param_name), _scale_point(param(param_name), m, s)))
    assert float(moved.subs(here)) == pytest.approx(float(expr.subs({mu: m, sigma: s})), rel=1e-12)


def test_unknown_parametrisation_is_refused():
    with pytest.raises(ValueError, match="param"):
        reparametrize(mu, "precision")


def test_kl_facts_from_the_design():
    assert sp.simplify(gradient("kl")[1] - (sigma - 1 / sigma)) == 0
    assert sp.simplify(hessian("kl") - sp.diag(1, 1 + 1 / sigma**2)) == sp.zeros(2)
    best = minimizer("kl")
    assert best.point == {mu: 0, sigma: 1} and best.hessian == sp.diag(1, 2)
    assert best.definiteness == "positive definite" and best.method == "symbolic"


def test_quadratic_hessian_is_2i_and_not_fisher():
    assert hessian("quadratic") == 2 * sp.eye(2)
    kl_h = minimizer("kl").hessian
    q_h = minimizer("quadratic").hessian
    assert sp.Matrix(q_h).rank() == 2 and not any((q_h - c * kl_h) == sp.zeros(2) for c in (1, 2, sp.Rational(1, 2)))


@pytest.mark.parametrize("name", F_DIVERGENCES)
def test_f_divergence_hessians_are_proportional_to_fisher_information(name):
    best = minimizer(name)
    assert best.point == {mu: 0, sigma: 1}
    h = best.hessian
    assert h[0, 1] == 0 and h[1, 0] == 0 and sp.simplify(h[1, 1] - 2 * h[0, 0]) == 0 and h[0, 0] > 0


def test_fisher_rao_minimiser_found_numerically_and_recognised_exactly():
    best = minimizer("fisher_rao_squared", budget=None)
    assert best.point == {mu: 0, sigma: 1} and best.method == "numeric, exact"
    assert best.hessian == sp.diag(2, 4)  # twice the Fisher information: FR^2 ~ ds^2 near the optimum


def test_limits_at_the_boundary():
    assert limits("kl")["sigma->0+"] == sp.oo
    assert sp.simplify(limits("quadratic")["sigma->0+"] - (mu**2 + 1)) == 0
    assert limits("quadratic", "logvar")["l->-oo"] == mu**2 + 1
    assert limits("hellinger_squared")["sigma->0+"] == 1
    assert set(limits("kl", "var")) == {"v->0+", "v->oo", "mu->oo", "mu->-oo"}


def test_taylor_matches_the_kl_taylor2_entry_and_finite_differences():
    assert sp.simplify(taylor("kl") - catalogue()["kl_taylor2"].expr) == 0
    poly = taylor("kl", {mu: 0, sigma: 1}, order=4)
    kl = catalogue()["kl"].expr
    for order in [(0, 3), (0, 4), (2, 2), (4, 0)]:
        assert float(_fd(poly, (mu, sigma), (0, 1), order)) == pytest.approx(float(_fd(kl, (mu, sigma), (0, 1), order)),
                                                                             rel=1e-10, abs=1e-10)


def test_taylor_through_a_singular_printed_form():
    # acosh has an infinite derivative at 1; the expansion goes through a series along rays.
    poly = taylor("fisher_rao_squared", {mu: 0, sigma: 1}, order=2)
    assert sp.expand(poly - (mu**2 + 2 * (sigma - 1) ** 2)) == 0


@pytest.mark.parametrize("order", [-1, 1.5, True])
def test_taylor_refuses_bad_order(order):
    with pytest.raises(ValueError, match="order"):
        taylor("kl", {mu: 0, sigma: 1}, order=order)


def test_critical_points_of_a_penalty_with_a_free_direction():
    (point,) = critical_points("log(sigma)**2")
    assert point.point == {mu: mu, sigma: 1} and point.definiteness == "positive semidefinite"


def test_no_minimiser_is_none_and_taylor_then_needs_a_point():
    assert minimizer("mu - log(sigma)") is None
    with pytest.raises(ValueError, match="point"):
        taylor("mu - log(sigma)")


def test_definiteness():
    assert definiteness(sp.diag(1, 2)) == "positive definite"
    assert definiteness(sp.diag(1, -2)) == "indefinite"
    assert definiteness(sp.diag(0, 2)) == "positive semidefinite"


def test_derive_renders_as_strings_and_latex():
    result = derive("quadratic", "logvar", 3)
    strings = to_strings(result)
    names = {"mu": mu, "l": variables("logvar")[1]}  # strings carry no assumptions; give the symbols back
    assert sp.sympify(strings["value"], locals=names) == reparametrize(penalty("quadratic").expr, "logvar")
    assert sp.sympify(strings["taylor"], locals=names) == result["taylor"]
    assert strings["minimizer"] == {"mu": "0", "l": "0"}
    latex = to_latex(result)
    assert latex["hessian"].startswith("\\left[")
    hm = np.array(strings["hessian_at_minimizer"], dtype=object)
    assert hm.shape == (2, 2)
