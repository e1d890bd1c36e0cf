"""Generated kernels against the sympy expression evaluated with mpmath (50 digits), in ulps.

Stated bounds (README), on a generic grid (sigma from 0.05 to 5) and on the hard region near the
minimiser (mu in [-1e-6, 1e-6], sigma = 1 +- [1e-9, 1e-2]): values within VALUE_ULPS ulp (4 unless
listed); the KL's value, gradient and Hessian within 4 ulp everywhere;
derivatives within DERIVATIVE_ULPS ulp of max(|f|, 1); float32 within one float32 ulp.
"""

import contextlib

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from vaemath.kernels import grid
from vaemath.kernels.codegen import WHATS, outputs, source
from vaemath.kernels.rewrite import accurate, plain
from vaemath.symbolic import catalogue, mu, penalty, sigma

mp.mp.dps = 50
EPS = np.finfo(np.float64).eps
GENERIC = (np.array([-3.0, -1.3, -0.2, 0.0, 0.4, 1.1, 2.9]), np.array([0.05, 0.3, 0.8, 1.0, 1.7, 3.2, 5.0]))
HARD = (np.array([0.0, 1e-12, -3e-9, 1e-8, 7e-7, -1e-6]),
        1 + np.array([1e-9, -1e-9, 3e-7, -2e-5, 1e-3, -1e-2, 1e-2]))
NAMES = sorted(catalogue())
VALUE_ULPS = {"reverse_kl": 8, "fisher_rao_squared": 8}
DERIVATIVE_ULPS = {"fisher_rao_squared": 10**6}  # its expanded Hessian cancels at sigma = 0.05


def _reference(expr, mus, sigmas):
    """Every plane (value, grad, hess) at every grid point with mpmath; NaN where 0/0 in the printed form."""
    fns = [sp.lambdify((mu, sigma), e, "mpmath") for e in outputs(expr, WHATS)]
    out = np.full((len(fns), len(mus), len(sigmas)), np.nan)
    for k, f in enumerate(fns):
        for i, m in enumerate(mus):
            for j, s in enumerate(sigmas):
                with contextlib.suppress(ZeroDivisionError):
                    out[k, i, j] = float(f(mp.mpf(float(m)), mp.mpf(float(s))))
    return out


def _computed(name, mus, sigmas, dtype=np.float64):
    v, g, h = grid(name, mus, sigmas, what=WHATS, dtype=dtype)
    return np.concatenate([v[None], g, h])


def _ulps(got, want):
    ok = np.isfinite(want)
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.abs(got - want) / np.spacing(np.abs(want))
    err[want == 0] = np.where(got[want == 0] == 0, 0, np.inf)
    return np.where(ok, err, 0)


@pytest.fixture(scope="module", params=NAMES)
def case(request):
    name = request.param
    expr = penalty(name).expr
    return name, {region: (_computed(name, *axes), _reference(expr, *axes))
                  for region, axes in (("generic", GENERIC), ("hard", HARD))}


def test_values_within_4_ulp(case):
    name, data = case
    for region, (got, want) in data.items():
        assert _ulps(got[0], want[0]).max() <= VALUE_ULPS.get(name, 4), region


def test_derivatives_within_8_ulp_of_scale(case):
    name, data = case
    for got, want in data.values():
        ok = np.isfinite(want[1:])
        scale = np.maximum(np.abs(want[1:]), 1.0)
        assert np.all(np.abs(got[1:] - want[1:])[ok] <= DERIVATIVE_ULPS.get(name, 16) * EPS * scale[ok])


def test_kl_gradient_and_hessian_within_4_ulp():
    expr = penalty("kl").expr
    for axes in (GENERIC, HARD, (np.linspace(-1e-6, 1e-6, 5), 1 + np.geomspace(1e-9, 1e-2, 6) * [1, -1, 1, -1, 1, -1])):
        assert _ulps(_computed("kl", *axes), _reference(expr, *axes)).max() <= 4


def test_reverse_kl_log_and_rational_part_fused_by_a_power():
    assert "xmlog1p(-d*(d + 2)/(d + 1)**2)/2" in str(accurate(penalty("reverse_kl").expr))  # xmlog1p(1/sigma^2 - 1)/2


def test_naive_kl_is_wrong_where_the_kernel_is_right():
    m, s = 1e-8, 1 + 1e-9
    naive = 0.5 * (m**2 + s**2 - 1) - np.log(s)
    want = float(mp.mpf(m) ** 2 / 2 + mp.mpf(s) ** 2 / 2 - mp.log(mp.mpf(s)) - mp.mpf(1) / 2)
    assert abs(naive - want) > 0.5 * want  # the naive form is ~100% wrong here
    assert abs(penalty("kl")(m, s) - want) <= 4 * np.spacing(want)


@pytest.mark.parametrize("name", ["kl", "hellinger_squared", "fisher_rao_squared"])
def test_float32_within_one_float32_ulp(name):
    axes32 = [a.astype(np.float32) for a in GENERIC]
    got = _computed(name, *axes32, dtype=np.float32)
    want = _computed(name, *(a.astype(np.float64) for a in axes32)).astype(np.float32)  # same inputs, rounded once
    assert got.dtype == np.float32
    finite = np.isfinite(want)
    assert np.all(np.abs(got - want)[finite] <= np.spacing(np.abs(want[finite]).astype(np.float32)))


def test_user_text_penalty_gets_a_working_kernel():
    text = "log1p(mu**2) + (sigma - 1)**4 / sigma"
    mus, sigmas = np.array([-1.0, 0.5]), np.array([0.5, 2.0])
    got = grid(text, mus, sigmas)
    want = np.log1p(mus[:, None] ** 2) + (sigmas[None] - 1) ** 4 / sigmas[None]
    assert np.allclose(got, want, rtol=1e-15)


def test_rewrites_are_identities():
    for name in NAMES:
        expr = penalty(name).expr
        back = plain(accurate(expr))
        for m, s in [(0.3, 0.7), (-1.2, 2.5)]:
            assert float(back.subs({mu: m, sigma: s})) == pytest.approx(float(expr.subs({mu: m, sigma: s})), rel=1e-14)


def test_axis_hoisting_moves_separable_work_out_of_the_inner_loop():
    code = source(penalty("kl").expr, ("value",))
    inner = code.split("for j in range(m):")[1]
    assert "log" not in inner  # xmlog1p(d) is computed once per sigma in sigma_stage
    assert "xmlog1p(d)" in code.split("def sigma_stage")[1].split("def grid")[0]
