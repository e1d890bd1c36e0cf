"""Generated kernels against the catalogue expression differentiated by sympy here and evaluated with mpmath
(50 digits), in ulps; the inputs of issue 7 with their mpmath values.

Stated bounds (README), on a generic grid (sigma from 0.05 to 5) and on the hard region near the
minimiser (mu in [-1e-6, 1e-6], sigma = 1 +- [1e-9, 1e-2]): values within VALUE_ULPS ulp (4 unless
listed); the KL's value, gradient and Hessian within 4 ulp everywhere;
derivatives within DERIVATIVE_ULPS ulp of max(|f|, 1); float32 within one float32 ulp.
"""

import contextlib
import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from vaemath.kernels import evaluate, grid
from vaemath.kernels.codegen import WHATS, source
from vaemath.kernels.rewrite import T, accurate, far, plain, plain_far
from vaemath.symbolic import catalogue, mu, penalty, sigma

# one worker builds the shared (session) fixtures once, for every test of this file
pytestmark = pytest.mark.xdist_group("codegen")


@pytest.fixture(autouse=True)
def _fifty_digits():
    """Every test at 50 digits, whatever another test module set mpmath's global precision to."""
    with mp.workdps(50):
        yield
EPS = np.finfo(np.float64).eps
GENERIC = (np.array([-3.0, -1.3, -0.2, 0.0, 0.4, 1.1, 2.9]), np.array([0.05, 0.3, 0.8, 1.0, 1.7, 3.2, 5.0]))
HARD = (np.array([0.0, 1e-12, -3e-9, 1e-8, 7e-7, -1e-6]),
        1 + np.array([1e-9, -1e-9, 3e-7, -2e-5, 1e-3, -1e-2, 1e-2]))
NAMES = sorted(catalogue())
VALUE_ULPS = {"reverse_kl": 8, "fisher_rao_squared": 8}
DERIVATIVE_ULPS = {}  # fisher_rao_squared's was 1e6 (its expanded Hessian cancelled at sigma = 0.05) before acc7d


def _planes(expr):
    """Value, gradient and Hessian planes differentiated here, not by the code under test."""
    return [expr, sp.diff(expr, mu), sp.diff(expr, sigma), sp.diff(expr, mu, 2), sp.diff(expr, mu, sigma),
            sp.diff(expr, sigma, 2)]


def _reference(expr, mus, sigmas):
    """Every plane (value, grad, hess) at every grid point with mpmath; NaN where 0/0 in the printed form."""
    fns = [sp.lambdify((mu, sigma), e, "mpmath") for e in _planes(expr)]
    out = np.full((len(fns), len(mus), len(sigmas)), np.nan)
    with mp.workdps(50):  # module-scoped fixtures run before the per-test precision fixture
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


@pytest.fixture(scope="session", params=NAMES)
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


# float32 output is a second compile of each kernel (fisher_rao_squared's: 17 s): two entries, an exp and a log
@pytest.mark.parametrize("name", ["kl", "hellinger_squared"])
def test_float32_is_the_float64_truth_rounded_once(name):
    axes32 = [a.astype(np.float32) for a in GENERIC]
    got = _computed(name, *axes32, dtype=np.float32)
    truth = _reference(penalty(name).expr, *(a.astype(np.float64) for a in axes32))  # mpmath at the float32 inputs
    assert got.dtype == np.float32
    finite = np.isfinite(truth)
    # values: ulps of |f|; derivatives: of max(|f|, 1)
    scale = np.maximum(np.abs(truth), np.where(np.arange(6)[:, None, None] > 0, 1.0, 0.0))
    err = np.abs(got.astype(np.float64) - truth)[finite] / np.spacing(scale.astype(np.float32))[finite]
    assert err.max() <= 1.0  # within one float32 ulp of the truth: rounded once from float64


def test_user_text_penalty_gets_a_working_kernel():
    text = "log1p(mu**2) + (sigma - 1)**4 / sigma"
    mus, sigmas = np.array([-1.0, 0.5]), np.array([0.5, 2.0])
    got = grid(text, mus, sigmas)
    want = np.log1p(mus[:, None] ** 2) + (sigmas[None] - 1) ** 4 / sigmas[None]
    assert np.allclose(got, want, rtol=1e-15)


def test_rewrites_are_identities():
    for name in NAMES:
        expr = penalty(name).expr
        for form in (plain(accurate(expr)), plain_far(far(expr.subs(sigma, T), "low")),
                     plain_far(far(expr.subs(sigma, T), "high"))):
            for m, s in [(0.3, 0.7), (-1.2, 2.5)]:
                assert float(form.subs({mu: m, sigma: s})) == pytest.approx(float(expr.subs({mu: m, sigma: s})),
                                                                             rel=1e-14), name


def test_a_stiff_exponential_is_rewritten_without_factoring_and_stays_an_identity():
    # sympy's expm1 and log1p optimisations factor the whole expression, reading exp(1000*d) as exp(d)**1000: 90 s
    # per kernel plane for exp(1000*(sigma-1))*mu**2 (review 9f B3); without factor, expm1 is still found in
    # exp(1000*(sigma-1)) - 1, and each form equals the expression at 30 digits (mpmath)
    cases = [sp.exp(1000 * (sigma - 1)) * mu**2 + (sigma - 1) ** 2, sp.diff(sp.exp(1000 * (sigma - 1)) * mu**2, sigma),
             sp.exp(1000 * (sigma - 1)) - 1 + mu**2, sp.log(1 + sp.exp(-500 * sigma)) + mu**2]
    forms = [accurate(e) for e in cases]
    assert "expm1(1000*d)" in str(forms[2])
    for e, form in zip(cases, forms):
        for m, x in ((0.3, 0.999), (-1.5, 1.002), (2.0, 0.5)):
            at = {mu: sp.Rational(m), sigma: sp.Rational(x)}
            assert sp.N(plain(form).subs(at), 30) == pytest.approx(sp.N(e.subs(at), 30), rel=1e-25), e


def test_log_scale_rule_is_an_identity():
    """The log parametrisations' near rule (log1p(y) -> p lg, xmlog1p(y) -> expm1mx(p lg) where 1 + y = (1 + d)^p),
    undone with lg = log(1 + d): the same numbers as the expression; and it fires on the KL, whose value in
    s = log sigma is then d^2/2 + expm1mx(s) with no log1p left."""
    from vaemath.kernels.rewrite import d, expm1mx, lg, log_scale_near, xmlog1p

    fired = set()
    for name in NAMES:
        expr, near = penalty(name).expr, accurate(penalty(name).expr)
        form = log_scale_near(near)
        fired |= {name} if form != near else set()
        undone = plain(form.subs(lg, sp.log(1 + d)))
        for m, s in [(0.3, 0.7), (-1.2, 1.5)]:
            assert float(undone.subs({mu: m, sigma: s})) == pytest.approx(float(expr.subs({mu: m, sigma: s})),
                                                                           rel=1e-14), name
    kl = log_scale_near(accurate(penalty("kl").expr))
    assert kl.has(expm1mx) and not kl.has(xmlog1p) and {"kl", "reverse_kl", "jeffreys"} & fired == {"kl", "reverse_kl"}


def test_log_form_and_hypot_rules_are_identities():
    """log_form (acosh of a sum through the log of a hypot) and the hypot rule, each on its own, undone by the
    table's elementary forms and compared with the expression at 30 digits."""
    from vaemath.kernels.rewrite import elementary, log_form

    cone = sp.sqrt(mu**2 + (sigma - 1) ** 2)
    cases = [(penalty("fisher_rao_squared").expr, lambda e, side: log_form(e, side)),
             (sp.diff(cone, sigma, 2), lambda e, side: plain(accurate(e))),
             (sp.diff(cone, mu, 2), lambda e, side: plain_far(far(e.subs(sigma, T), side)))]
    for expr, rule in cases:
        for side in ("low", "high"):
            form = elementary(rule(expr, side))
            assert form != expr
            for m, s in [("0.3", "0.2"), ("-1.2", "2.5"), ("0", "7")]:
                at = {mu: sp.Rational(m), sigma: sp.Rational(s)}
                want = expr.subs(at).evalf(30)
                assert abs(form.subs(at).evalf(30) - want) <= 1e-25 * abs(want), (expr, side, m, s)


def test_group_folding_and_gaussian_rules_are_identities():
    """The far-form rules against inf - inf between groups of different mu factor and 0 * inf for a Gaussian factor
    (issue 7, faults 2, 3, 5), each on an expression where it must fire: the rule's shape is in the form, and the
    form undone by the table's elementary forms equals the expression at 30 digits."""
    from vaemath.kernels.rewrite import elementary, pw

    user = 2 / sigma + 2 * sp.exp(-mu**2) * sp.sqrt(sigma) + 3 * (sigma - 1) ** 2
    gauss = sp.exp(-mu**2 / (4 * sigma**2 + 4)) * sp.sqrt(sigma)
    cases = [(sp.diff(user, sigma, 2), "low", lambda f: any(isinstance(a, sp.Mul) and any(isinstance(b, sp.Add)
                                                                                            for b in a.args)
                                                           for a in sp.Add.make_args(f))),  # T^-3 (4 - ...)
             (mu * sigma**3 + sigma**3 / 2, "high", lambda f: not isinstance(f, sp.Add)),  # T^3 (mu + 1/2)
             (sp.diff(sp.exp(-mu**2) * mu**2 * sigma**2, mu, 2), "high", lambda f: f.has(pw)),  # mul0(sum, T^2)
             (sp.exp(-mu**2) * sp.sqrt(sigma), "high", lambda f: f.has(pw)),  # mul0(exp(-mu^2), T^(1/2))
             (sp.diff(gauss, sigma, 2), "low", lambda f: f.has(pw))]
    for expr, side, fired in cases:
        form = far(expr.subs(sigma, T), side)
        assert fired(form), (expr, side, form)
        for m, s in [("0.3", "0.2"), ("-1.2", "2.5"), ("0", "7")]:
            at = {mu: sp.Rational(m), sigma: sp.Rational(s)}
            want = expr.subs(at).evalf(30)
            assert abs(plain_far(form).subs(at).evalf(30) - want) <= 1e-25 * abs(want), (expr, side, m, s)
    # the near form keeps the Gaussian factor a factor of its term: hellinger's d2/ds2 in s = log sigma
    s_ = sp.Symbol("s", real=True)
    hess = sp.diff(penalty("hellinger_squared").expr.subs(sigma, sp.exp(s_)), s_, 2).subs(s_, sp.log(sigma))
    near = accurate(sp.expand_log(hess))
    assert not any(isinstance(p, sp.Pow) and p.exp.is_negative and p.base.has(sp.exp) for p in near.atoms(sp.Pow))
    for m, s in [("0.3", "0.7"), ("-1.2", "1.5")]:
        at = {mu: sp.Rational(m), sigma: sp.Rational(s)}
        want = hess.subs(at).evalf(30)
        assert abs(elementary(plain(near)).subs(at).evalf(30) - want) <= 1e-25 * abs(want)


def test_scale_first_power_last_and_log_magnitude_are_identities():
    """The acc7c rules (issue 7, faults 2 and 7), each on an expression where it must fire: the rule's shape is in
    the form, and the form undone by the table's elementary forms equals the expression at 30 digits; the
    log-magnitude form s exp(L), its assignments substituted back, equals the expression where it is finite."""
    from vaemath.kernels.rewrite import (
        collect_mu,
        d,
        elementary,
        in_every_sum,
        lexp,
        lg,
        llog,
        lmax,
        log_magnitude,
        power_last,
        pw,
        scale_first,
        sgn,
    )

    near = mu**4 * sp.log(1 + d) ** 2 * 3 + mu**3 * d**2 / (1 + d) ** 2
    summed = in_every_sum(collect_mu, 2 * mu**4 / (1 + d) ** 2 - 2 * mu**4 * sp.log(1 + d) / (1 + d) ** 2)
    cases = [(near, scale_first(near, {d})), (summed, scale_first(summed, {d})),
             (8 * lg * mu**3 / T, power_last(8 * lg * pw(mu, T ** sp.Rational(-1, 3), 1, 3)))]
    assert isinstance(summed, sp.Mul) and mu**4 in summed.args  # one mu factor times one sum
    for expr, form in cases:
        assert form.has(pw) and form != expr
        for m, x in [("0.3", "0.2"), ("-1.2", "2.5"), ("7", "0.01")]:
            at = {mu: sp.Rational(m), d: sp.Rational(x), T: sp.Rational(x) + 1, lg: sp.log(sp.Rational(x) + 1)}
            want = expr.subs(at).evalf(30)
            assert abs(elementary(form).subs(at).evalf(30) - want) <= 1e-25 * abs(want), (expr, m, x)
    plane = mu**4 * lg + mu**2 / (4 * T**2) - 3 * mu / T + pw(mu, T, -1, 2)
    reps = []
    log_abs, sign = log_magnitude(plane, lambda e: reps.append(e) or sp.Symbol(f"r{len(reps) - 1}"))
    back = {sp.Symbol(f"r{k}"): e for k, e in enumerate(reps)}
    value = sign * lexp(log_abs)
    for _ in reps:
        value = value.xreplace(back)
    funcs = {lexp: sp.exp, llog: lambda a: sp.log(sp.Abs(a)), lmax: sp.Max, sgn: sp.sign}
    value = value.replace(lambda a: a.func in funcs, lambda a: funcs[a.func](*a.args))
    for m, t in [("0.3", "0.2"), ("-1.2", "2.5"), ("-7", "0.01")]:
        at = {mu: sp.Rational(m), T: sp.Rational(t), lg: sp.log(sp.Rational(t))}
        want = elementary(plane).subs(at).evalf(30)
        # log|c| of a coefficient is a float64 constant in the form: agreement to 1e-14, not 1e-25
        assert abs(elementary(value).subs(at).evalf(30) - want) <= 1e-14 * abs(want), (m, t)


def test_joined_rational_parts_and_hypot_ratios_are_identities():
    """The far forms' joined rational parts (_join_rational, _numerators_first) and hypot ratios (_hypot_ratio,
    T taken out of the hypot above 1), undone by the table's elementary forms, against the plane at 30 digits:
    bhattacharyya's d2/ds2 (2/(T^2 + 1) - 2/(T^2 + 1)^2 joined) and the cone's Hessian in l = log sigma^2."""
    from vaemath.kernels.codegen import _in_T, outputs, scale
    from vaemath.kernels.rewrite import onep

    cone = penalty("sqrt(mu**2 + (sigma - 1)**2)").expr
    planes = [(penalty("bhattacharyya").expr, "logstd", 2), *[(cone, "logvar", k) for k in range(3)]]
    for expr, param, k in planes:
        plane = _in_T(outputs(expr, ("hess",), param)[k], scale(param))
        for side, ts in (("low", (sp.Rational(1, 5), sp.Rational(1, 1000))), ("high", (7, sp.Integer(10) ** 40))):
            form = plain_far(far(plane, side), T)
            for m in (sp.Rational(3, 10), sp.Rational(-6, 5), sp.Integer(10) ** 30):
                for t in ts:
                    at = {mu: m, T: t}
                    want = plane.subs(at).evalf(30)
                    assert abs(form.subs(at).evalf(30) - want) <= 1e-25 * abs(want), (param, k, side, m, t)
    joined = far(_in_T(outputs(penalty("bhattacharyya").expr, ("hess",), "logstd")[2], scale("logstd")), "high")
    assert 2 / (T**2 * onep(T**-2) ** 2) in joined.args  # its mu-free part, not 2/onep - 2/onep^2


def test_acosh_square_and_large_mu_rules_are_identities():
    """The acc7d rules (issue 7, open fault 1), each where it must fire, undone by the table's elementary forms and
    compared with sympy's own planes of the catalogue expression at 30 digits: acosh(X)^2 as acoshsq(X - 1) before
    differentiation with its 1/(1 + y)^2 paired (onep_ratios; Hessian in l = log sigma^2); the log form with sigma
    out of its hypot (log params); hypot(a, T b) as T hypot(a/T, b) and t - t a^2/h^2 as t b^2/h^2 (std and var
    above 2); the divisions by the hypot before 1/T (std below 1/2)."""
    from vaemath.kernels.codegen import _divided_by_T, _in_T, outputs, scale
    from vaemath.kernels.rewrite import acosh_square_form, acoshsq, elementary, hypot, log_form, onep_ratios, pw

    fr = penalty("fisher_rao_squared").expr
    square = acosh_square_form(fr)
    assert square.has(acoshsq) and not square.has(sp.acosh)
    truths = [_in_T(p, scale("logvar")) for p in outputs(fr, ("hess",), "logvar")]
    forms = [onep_ratios(_in_T(p, scale("logvar"))) for p in outputs(square, ("hess",), "logvar")]
    assert forms[0].has(pw)  # acoshsq2(y) (y_mu / (1 + y))^2
    for truth, form in zip(truths, forms):
        for m, s in [("3/10", "7/10"), ("1000", "9/10")]:
            at = {mu: sp.Rational(m), T: sp.Rational(s)}
            want = truth.subs(at).evalf(30)
            assert abs(elementary(form).subs(at).evalf(30) - want) <= 1e-25 * abs(want), (m, s)
    scaled = log_form(fr, "high", scale_out=True)
    assert any(a.has(sigma) and a.has(mu) for h in scaled.atoms(hypot) for a in h.args)  # mu/sigma in the hypot
    at = {mu: sp.Integer(1000), sigma: sp.Integer(10) ** 9}
    assert abs(elementary(scaled).subs(at).evalf(30) - fr.subs(at).evalf(30)) <= 1e-25 * fr.subs(at).evalf(30)
    for side, t in (("high", sp.Integer(10) ** 40), ("low", sp.Rational(1, 1000))):  # d2/dmu dsigma
        plane = _in_T(outputs(log_form(fr, side), ("hess",), "std")[1], scale("std"))
        form = _divided_by_T(far(plane, side, scaled_hypots=True), scale("std"), side)
        if side == "high":
            assert any(T not in sp.Mul.make_args(a) for h in form.atoms(hypot) for a in h.args)
        else:
            assert any(p.args[1] == T and p.args[2] < 0 for p in form.atoms(pw))
        for m in (sp.Rational(-6, 5), sp.Integer(10) ** 30):
            at = {mu: m, T: t}
            want = elementary(plane).subs(at).evalf(30)
            assert abs(plain_far(form, T).subs(at).evalf(30) - want) <= 1e-25 * abs(want), (side, m)


def test_axis_hoisting_moves_separable_work_out_of_the_inner_loop():
    code = source(penalty("kl").expr, ("value",))
    loops = code.split("def grid")[1].split("for j in range(j0, j1):")[1:]
    assert len(loops) == 4  # one per region, and the fill outside the domain
    assert not any("log" in loop.split("if r ==")[0] for loop in loops)
    assert "xmlog1p(d)" in code.split("def sigma_stage")[1].split("def grid")[0]


# --- Issue 7: the whole float64 range (values from mpmath at 50+ digits, quoted in the issue) ------------------

@pytest.mark.parametrize("name, m, s, want", [
    ("kl", 0.0, 1e-20, 45.551701859880914),
    ("kl", 0.0, 1e-8, 17.920680743952366),
    ("kl", 0.0, 1e-16, 36.34136148790473),
    ("reverse_kl", 0.0, 1e9, 20.223265836946411),
    ("reverse_kl", 0.0, 1e8, 17.920680743952366),
    ("renyi(3)", 0.0, 1e-8, 18.146027671785340),
])
def test_far_from_sigma_1_values_are_right(name, m, s, want):
    truth = float(mp.mpf(want))  # the value; checked against mpmath below
    expr = penalty(name).expr
    assert float(sp.lambdify((mu, sigma), expr, "mpmath")(mp.mpf(m), mp.mpf(s))) == pytest.approx(truth, rel=4 * EPS)
    assert penalty(name)(m, s) == pytest.approx(truth, rel=4 * EPS)


@pytest.mark.parametrize("name", ["reverse_kl", "jeffreys"])
def test_an_overflowing_truth_gives_inf_never_nan_zero_or_an_error(name):
    assert penalty(name)(0.5, 1e-200) == np.inf
    assert penalty(name)(0.5, 1e-160) == np.inf
    assert grid(name, np.array([0.5]), np.array([1e-200]))[0, 0] == np.inf


def test_float32_output_far_from_1():
    got = grid("kl", [0.0], [np.float32(1e-20)], dtype=np.float32)
    assert got[0, 0] == np.float32(45.551701859880914)


@pytest.mark.parametrize("param, x", [("std", 1e-300), ("std", 1e300), ("logvar", -1000.0), ("logstd", 600.0)])
def test_kl_planes_far_from_1_against_closed_forms(param, x):
    """KL and its derivatives in each parametrisation, textbook forms evaluated in mpmath."""
    m = mp.mpf(0.25)
    xm = mp.mpf(x)
    sig = {"std": xm, "logvar": mp.exp(xm / 2), "logstd": mp.exp(xm)}[param]
    value = m**2 / 2 + sig**2 / 2 - mp.log(sig) - mp.mpf(1) / 2
    dx = {"std": sig - 1 / sig, "logvar": (sig**2 - 1) / 2, "logstd": sig**2 - 1}[param]
    dxx = {"std": 1 + 1 / sig**2, "logvar": sig**2 / 2, "logstd": 2 * sig**2}[param]
    want = [float(v) if abs(v) < 1e308 else np.inf for v in (value, m, dx, 1, 0, dxx)]
    v, g, h = evaluate("kl", 0.25, x, what=WHATS, param=param)
    got = [v, *g, *h]
    for a, b in zip(got, want):
        assert a == b or abs(a - b) <= 4 * np.spacing(abs(b)), (param, x, got, want)


# --- Domains ---------------------------------------------------------------------------------------------------

def test_renyi_above_order_1_is_inf_outside_its_domain():
    r2 = penalty("renyi(2)")
    assert r2.domain.condition == (2 - sigma**2 > 0) and r2.domain.outside == sp.oo
    assert r2(0.0, 10.0) == np.inf and r2(0.0, np.sqrt(2.0) * (1 + 1e-15)) == np.inf
    inside = 1.4  # D_2 = -log(sigma) - log(2 - sigma^2)/2 at mu = 0
    assert r2(0.0, inside) == pytest.approx(float(-mp.log(inside) - mp.log(2 - mp.mpf(inside) ** 2) / 2), rel=4 * EPS)
    v, g = grid("renyi(2)", [0.0, 1.0], [10.0], what=("value", "grad"))
    assert np.all(v == np.inf) and np.all(np.isnan(g))  # no derivative where the value is +inf
    assert penalty("renyi(3) + mu**2")(0.0, 10.0) == np.inf  # the domain of text is inferred
    assert penalty("renyi(1/2)").domain.everywhere


# --- Removable singularities and memory ------------------------------------------------------------------------

def test_fisher_rao_at_the_optimum_gets_its_limits():
    v, g, h = penalty("fisher_rao_squared")(0.0, 1.0, what=WHATS)
    assert v == 0.0 and list(g) == [0.0, 0.0] and list(h) == [2.0, 0.0, 4.0]
    v, g, h = grid("fisher_rao_squared", [0.0, 1e-200], [1.0], what=WHATS)
    assert v[0, 0] == 0.0 and g[:, 0, 0].tolist() == [0.0, 0.0] and h[:, 0, 0].tolist() == [2.0, 0.0, 4.0]
    # just off the point the gradient is (2 mu + O(mu^3), 0) (fisher_rao^2 = mu^2 + O(mu^4) along sigma = 1)
    assert abs(g[0, 1, 0] - 2e-200) <= 2 * np.spacing(2e-200) and g[1, 1, 0] == 0.0


def test_the_cone_tip_has_a_value_and_no_gradient():
    cone = penalty("sqrt(mu**2 + (sigma-1)**2)")
    v, g, h = cone(0.0, 1.0, what=WHATS)
    assert v == 0.0 and np.isnan(g).all() and np.isnan(h).all()  # documented rule: no derivative, NaN
    assert cone(0.6, 1.8) == pytest.approx(1.0, rel=EPS)


_POLES = [(text, 1.0) for text in ("1/(mu**2 + (sigma-1)**2)", "log(mu**2 + (sigma-1)**2)", "1/(sigma-1)**2 + mu**2",
                                    "(sigma-1)**2/(mu**2 + (sigma-1)**2)**(3/2)")]
_POLES += [(text, x0) for text in ("1/mu**2 + sigma", "(mu**2 + mu**4)**(-3/2)", "mu*(mu**2 + mu**4)**(-3/2)",
                                   "mu**2*(mu**2 + mu**4)**(-5/2) - sigma") for x0 in (1.0, 2.0)]
# helper-100: -inf at sigma = 0.5 but NaN at (0, 1), where the rays along mu = 0 are -inf themselves (a line of poles)
_POLES += [("log(sqrt(mu**2 + mu**4)) + (sigma-1)**2", 1.0)]


def _limit_by_paths(expr, x0):
    """sympy's limits of ``expr`` along four paths into (0, x0): their common value, or NaN where they differ."""
    t = sp.Symbol("t", positive=True)
    paths = [(t, x0 + t), (-t / 3, x0 - 2 * t), (t**2, x0 + t), (t, x0 + t**3)]
    ends = {sp.limit(expr.subs({mu: m, sigma: s}), t, 0, "+") for m, s in paths}
    return float(ends.pop()) if len(ends) == 1 else math.nan


@pytest.mark.parametrize("text, x0", _POLES)
def test_a_pole_reads_its_infinite_limit_or_nan_where_the_sides_differ(text, x0):
    """helper-98: (mu^2 + mu^4)^(-3/2) at mu = 0 read NaN for +inf; 1/(mu^2 + (sigma-1)^2) at (0, 1) read 1.75e80 (its
    rays agreed, extrapolated). The truth: sympy's limits along paths into the point, +-inf where they agree (NaN
    where they differ: a 0 along sigma = 1 and +inf off it); no derivative exists where the value is infinite."""
    expr = penalty(text).expr
    want = _limit_by_paths(expr, x0)
    assert not math.isfinite(want)  # each input is a pole (or has sides that differ) there
    value, grad, hess = penalty(text)(0.0, x0, what=WHATS)
    assert value == want or (math.isnan(want) and math.isnan(value))
    if math.isinf(value) and (x0 == 1.0 or "**(-" in text):  # the point rule's (0, 1) and the root atoms' rule
        assert np.isnan(grad[0]) and np.isnan(hess[0])  # d/dmu, d2/dmu2 of an infinite value: none
    v = grid(text, np.array([0.0, 1e-30]), np.array([x0]))  # a grid writes the same, and the neighbour's own value
    assert v[0, 0] == value or np.isnan(v[0, 0]) and np.isnan(value)
    with mp.workdps(50):
        try:
            truth = float(sp.lambdify((mu, sigma), expr, "mpmath")(mp.mpf("1e-30"), mp.mpf(x0)))
        except ZeroDivisionError:  # on the pole line sigma = 1 of 1/(sigma-1)^2
            truth = math.inf
    assert v[1, 0] == pytest.approx(truth, rel=4 * EPS)


@pytest.mark.parametrize("text", ["(mu**2 + (sigma-1)**2)**(3/4)", "(mu**2 + (sigma-1)**2)**(5/4) + 1",
                                  "(exp(mu**2 + (sigma-1)**2) - 1)/(mu**2 + (sigma-1)**2) + 1"])
def test_a_limit_approached_as_a_root_or_past_160_digits_is_found(text):
    """At (0, 1): the gradient of (mu^2 + (sigma-1)^2)^(3/4) is (0, 0), approached as r^(1/2), which Richardson's step
    read as no limit (NaN); the Hessian of (exp(u) - 1)/u, u = mu^2 + (sigma-1)^2, is (1, 0, 1), whose printed terms
    of size 1/u^3 cancel past 160 digits on rays of length 1e-40 (NaN). The truth: sympy's limits along paths; an
    infinite or direction-dependent derivative is NaN by rule."""
    expr = penalty(text).expr
    planes = [expr, sp.diff(expr, mu), sp.diff(expr, sigma), sp.diff(expr, mu, 2), sp.diff(expr, mu, sigma),
              sp.diff(expr, sigma, 2)]
    want = [_limit_by_paths(e, 1) for e in planes]
    want = want[:1] + [w if math.isfinite(w) else math.nan for w in want[1:]]
    value, grad, hess = penalty(text)(0.0, 1.0, what=WHATS)
    np.testing.assert_array_equal(np.hstack([value, grad, hess]), want)


@pytest.mark.parametrize("name", ["fisher_rao_squared", "renyi(2)", "reverse_kl"])
def test_every_output_element_is_written(name):
    mus = np.array([0.0, 1e-200, -1.0, 1e150])
    xs = np.array([1e-300, 0.2, 1.0, 1.0 + 2**-52, 3.0, 1e300])
    out = np.full((6, mus.size, xs.size), 12345.678)
    grid(name, mus, xs, what=WHATS, out=out)
    assert not np.any(out == 12345.678)


# --- Removable singularities along a line: the limit as a function of the other variable ----------------------

def _line_truth(expr, x, points, across):
    """Every plane at each (mu, x) point from ``expr`` (in mu and x) differentiated here by sympy, at 1300 digits; on
    the line (``across`` = "mu" or "x" equal to the line's value; "both" where two lines cross), the mean of the two
    sides (four corners) 1e-150 away, exact to 1e-300: values below are read as 0. The digits: terms up to h^-3 =
    1e450 on the line, and up to mu^-6 = 1e930 next to it at mu = 1e-155, cancel to O(1) or O(mu)."""
    d = sp.diff
    planes = [expr, d(expr, mu), d(expr, x), d(expr, mu, 2), d(expr, mu, x), d(expr, x, 2)]
    fns = [sp.lambdify((mu, x), p, "mpmath") for p in planes]
    out = np.empty((6, len(points)))
    with mp.workdps(1300):
        for i, (m, v, on_line) in enumerate(points):
            h = mp.mpf(10) ** -150 if on_line else 0
            shift = {"mu": [(h, 0), (-h, 0)], "x": [(0, h), (0, -h)],
                     "both": [(h, h), (h, -h), (-h, h), (-h, -h)]}[across]
            for k, f in enumerate(fns):
                t = sum(f(mp.mpf(m) + a, mp.mpf(v) + b) for a, b in shift) / len(shift)
                out[k, i] = 0.0 if abs(t) < mp.mpf(10) ** -290 else float(t)
    return out


def _assert_ulps(got, truth, ulps=4):
    got = np.asarray(got, dtype=np.float64)
    assert np.all(np.abs(got - truth) <= ulps * np.spacing(np.abs(truth))), (got, truth)


def _both_ways(text, points, param="std"):
    """Planes (6, n) at the points from evaluate and from grid (the diagonal of the grid over the points' axes)."""
    mus, xs = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    v, g, h = evaluate(text, mus, xs, what=WHATS, param=param)
    pointwise = np.vstack([v[None], g, h])
    v, g, h = grid(text, mus, xs, what=WHATS, param=param)
    on_grid = np.vstack([v[None], g, h])[:, np.arange(mus.size), np.arange(xs.size)]
    return pointwise, on_grid


def test_a_line_of_zero_over_zero_in_sigma_gets_its_limit_for_every_mu():
    """log(sigma)/(sigma - 1) + mu^2 at sigma = 1: 1 + mu^2, d/dsigma -1/2, d2/dsigma2 2/3 (log(1+d)/d = 1 - d/2
    + d^2/3 - ...), for every mu; was NaN."""
    expr = sp.log(sigma) / (sigma - 1) + mu**2
    points = [(0.0, 1.0, True), (2.0, 1.0, True), (-1e-200, 1.0, True), (1e150, 1.0, True)]
    truth = _line_truth(expr, sigma, points, "x")
    assert truth[:, 1].tolist() == [5.0, 4.0, -0.5, 2.0, 0.0, float(mp.mpf(2) / 3)]  # the closed form
    for got in _both_ways("log(sigma)/(sigma - 1) + mu**2", [p[:2] for p in points]):
        _assert_ulps(got, truth)


def test_a_line_where_the_log_is_the_denominator():
    """(sigma^2 - 1)/log(sigma) at sigma = 1: (2 d + d^2)/log(1 + d) = 2 + 2 d + d^2/3 + 0 d^3: value 2, d/dsigma 2,
    d2/dsigma2 2/3, for every mu."""
    expr = (sigma**2 - 1) / sp.log(sigma)
    points = [(0.0, 1.0, True), (3.0, 1.0, True), (-7.5, 1.0, True)]
    truth = _line_truth(expr, sigma, points, "x")
    assert truth[:, 0].tolist() == [2.0, 0.0, 2.0, 0.0, 0.0, float(mp.mpf(2) / 3)]
    v, g, h = penalty("(sigma**2 - 1)/log(sigma)")([p[0] for p in points], [p[1] for p in points], what=WHATS)
    _assert_ulps(np.vstack([v[None], g, h]), truth)


def test_a_line_of_zero_over_zero_in_mu_and_its_underflowing_neighbours():
    """mu^3/(exp(mu^2) - 1) = mu - mu^3/2 + ... at mu = 0 for every sigma: value 0, d/dmu 1; within 1e-100 of the
    line mu^3 underflows (printed 0 at mu = 1e-155, true 1e-155) and the line's expansion gives it."""
    expr = mu**3 / (sp.exp(mu**2) - 1)
    points = [(0.0, 2.0, True), (0.0, 1.0, True), (0.0, 1e-3, True), (1e-200, 1.0, False), (1e-155, 1.0, False),
              (-1e-120, 0.7, False), (1e-155, 30.0, False)]
    truth = _line_truth(expr, sigma, points, "mu")[:3]
    assert truth[:, 0].tolist() == [0.0, 1.0, 0.0] and truth[0, 4] == 1e-155
    mus, xs = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    v, g = grid("mu**3/(exp(mu**2) - 1)", mus, xs, what=("value", "grad"))  # the Hessian's lines: test above
    _assert_ulps(np.vstack([v[None], g])[:, np.arange(mus.size), np.arange(xs.size)], truth)


def test_lines_in_the_log_parametrisations():
    """The line sigma = 1 is l = 0 (logvar) or s = 0 (logstd); planes are in that variable, here by sympy from the
    sigma form: log(sigma)/(sigma - 1) at sigma = exp(l/2) is (l/2)/expm1(l/2) = 1 - l/4 + l^2/48. Next to the line
    (l = 1e-300) the printed d/dl cancels (it was 1.1e284): the line's expansion. Value and gradient only (each
    kernel's compilation is what these tests cost)."""
    lv = sp.Symbol("l", real=True)
    expr = (sp.log(sigma) / (sigma - 1) + mu**2).subs(sigma, sp.exp(lv / 2))
    points = [(0.0, 0.0, True), (-2.0, 0.0, True), (0.5, 1e-300, False)]
    truth = _line_truth(expr, lv, points, "x")[:3]
    assert truth[:, 1].tolist() == [5.0, -4.0, -0.25]
    mus, xs = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    v, g = evaluate("log(sigma)/(sigma - 1) + mu**2", mus, xs, what=("value", "grad"), param="logvar")
    _assert_ulps(np.vstack([v[None], g]), truth)
    s = sp.Symbol("s", real=True)  # a product of two line-0/0 factors: lines s = 0 and mu = 0 crossing at (0, 0)
    expr = ((sp.exp(sigma - 1) - 1) / (sigma - 1) * mu / (sp.exp(mu) - 1)).subs(sigma, sp.exp(s))
    points, across = [(0.0, 0.0), (1.5, 0.0), (-3.0, 0.0), (0.0, 0.7), (0.0, -20.0)], ["both", "x", "x", "mu", "mu"]
    truth = np.hstack([_line_truth(expr, s, [(*p, True)], a)[:3] for p, a in zip(points, across)])
    assert truth[:, 0].tolist() == [1.0, -0.5, 0.5]  # (1 + s/2 + ...) (1 - mu/2 + ...)
    mus, xs = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    v, g = grid("(exp(sigma-1)-1)/(sigma-1) * mu/(exp(mu)-1)", mus, xs, what=("value", "grad"), param="logstd")
    _assert_ulps(np.vstack([v[None], g])[:, np.arange(mus.size), np.arange(xs.size)], truth)


def test_a_line_without_a_limit_keeps_its_printed_value_and_says_so():
    """A pole along sigma = 1 has no limit: the line is listed with no planes (NaN or inf stays), and a series
    that runs past the time budget gives none either."""
    from vaemath.kernels.codegen import line_limits

    assert line_limits(sp.Integer(1) / (sigma - 1) + mu**2, WHATS) == ([(1, 1, [None] * 6)], [])
    found, _ = line_limits((sp.exp(sigma - 1) - 1) / (sigma - 1) * (1 + mu**2), WHATS, "logstd", budget=1e-3)
    assert all(p is None for _, _, planes in found for p in planes)


def test_a_line_outside_the_domain_is_not_written():
    """renyi(2) is +inf where 2 - sigma^2 <= 0: a line at sigma = 2 (l = 2 log 2 for logvar) lies outside, where the
    kernel's value is the domain's, so it is dropped; sigma = 1 (l = 0) is inside."""
    from vaemath.kernels.codegen import _inside

    domain = penalty("renyi(2)").domain
    assert not _inside(domain, "std", sp.Integer(2)) and _inside(domain, "std", sp.Integer(1))
    assert not _inside(domain, "logvar", 2 * sp.log(2)) and _inside(domain, "logvar", sp.Integer(0))
    assert _inside(None, "std", sp.Integer(2))


@pytest.mark.parametrize("param, x", [("std", 1.0), ("var", 1.0), ("logvar", 0.0)])
def test_a_removable_point_outside_the_domain_is_not_written(param, x):
    """review r7j B1: renyi(2) - log(1 - sigma) + mu**2 (a sympy expression: the parser refuses the text) is +inf where
    1 - sigma <= 0 (its logs enter with negative coefficients); its limit point (0, 1) lies on that edge, where the
    kernel wrote the point's NaN limit."""
    from vaemath.symbolic import Penalty

    pen = Penalty("barrier", penalty("renyi(2)").expr - sp.log(1 - sigma) + mu**2)  # its domain inferred
    assert pen(0.0, x, param=param) == np.inf
    below = {"std": 0.5, "var": 0.25, "logvar": float(-2 * mp.log(2))}[param]  # sigma = 1/2: by hand, mpmath
    s = mp.mpf(1) / 2
    want = -mp.log(s) - mp.log(2 - s**2) / 2 - mp.log(1 - s)
    assert pen(0.0, below, param=param) == pytest.approx(float(want), rel=4 * EPS)


@pytest.mark.parametrize("text, c, n, m", [("1e300*mu**2 + (sigma - 1)**2", 1e300, 2, 1e-200),
                                           ("1e-300*mu**2 + (sigma - 1)**2", 1e-300, 2, 1e200),
                                           ("-1e300*mu**4 + (sigma - 1)**2", -1e300, 4, 1e-100),
                                           # an exact constant, not a literal: exp(-700) mu^2 at mu = 1e160 was inf
                                           ("exp(-700)*mu**2 + (sigma - 1)**2", lambda: mp.exp(-700), 2, 1e160),
                                           ("sqrt(2)/exp(600)*mu**4 + (sigma - 1)**2",
                                            lambda: mp.sqrt(2) * mp.exp(-600), 4, 1e80)])
def test_an_extreme_coefficient_times_a_power_of_mu_is_in_range_where_the_product_is(text, c, n, m):
    """c mu^n (and its derivatives in mu) at sigma = 1, against mpmath at 50 digits: mu * mu under- or overflowed
    before c came in (1e300 mu^2 at mu = 1e-200 was 0, true 1e-100)."""
    mp.mp.dps = 50
    v, g, h = evaluate(text, m, 1.0, what=("value", "grad", "hess"))
    cm, mm = c() if callable(c) else mp.mpf(c), mp.mpf(m)
    want = [cm * mm**n, n * cm * mm ** (n - 1), n * (n - 1) * cm * mm ** (n - 2)]
    for got, truth in zip((v, g[0], h[0]), want):
        assert abs(mp.mpf(float(got)) - truth) <= 4 * abs(truth) * 2.0**-52, (text, got, truth)


@pytest.mark.parametrize("param", ["logstd", "logvar", "std"])
def test_a_tiny_coefficient_is_not_factored_out_of_a_sum(param):
    """mu^2 + (sigma - 1)^2 + 1e-300 sqrt(sigma) for sigma = exp(s), s in [-700, 700], against mpmath at 50 digits from
    the expression built here: its d/ds was written 5e-301 x (1 + 4e300 x (e^s - 1)), x = e^(s/2), whose first factor
    underflows (s = -300: -0.0 for -1.03e-130; s = -60: 5e-11 relative). Value, gradient and Hessian within 4 ulp
    where the truth is a normal float, +-inf where it overflows."""
    x = sp.Symbol("x", real=True)
    sig = {"logstd": sp.exp(x), "logvar": sp.exp(x / 2), "std": x}[param]
    expr = (mu**2 + (sigma - 1) ** 2 + sp.Rational(1, 10**300) * sp.sqrt(sigma)).subs(sigma, sig)
    derivatives = (expr, sp.diff(expr, mu), sp.diff(expr, x), sp.diff(expr, mu, 2), sp.diff(expr, mu, x),
                   sp.diff(expr, x, 2))
    planes = [sp.lambdify((mu, x), p, "mpmath") for p in derivatives]
    s = np.array([-700.0, -300.0, -80.0, -70.0, -60.0, -40.0, -1.0, 0.5, 40.0, 300.0, 700.0])
    xs = {"logstd": s, "logvar": 2 * s, "std": np.exp(s)}[param]
    mus = np.array([0.3, -1e-200, 1e150])
    m, xx = np.repeat(mus, xs.size), np.tile(xs, mus.size)
    v, g, h = evaluate("mu**2+(sigma-1)**2+1e-300*sqrt(sigma)", m, xx, what=WHATS, param=param)
    got = np.vstack([v[None], g, h])
    for k, f in enumerate(planes):
        for i in range(m.size):
            truth = f(mp.mpf(float(m[i])), mp.mpf(float(xx[i])))
            if abs(truth) > mp.mpf(np.finfo(np.float64).max):
                assert got[k, i] == np.sign(float(truth)) * np.inf, (k, m[i], xx[i], got[k, i], truth)
            elif abs(truth) >= mp.mpf(np.finfo(np.float64).tiny):
                assert abs(mp.mpf(float(got[k, i])) - truth) <= 4 * abs(truth) * 2.0**-52, (k, m[i], xx[i], got[k, i],
                                                                                           truth)


def test_exact_constants_of_both_extremes_are_not_factored_with_a_power_of_mu():
    """sqrt(2) exp(-650) mu^4 + exp(650) mu^2 at sigma = 1 against mpmath (hand derivatives): factored as
    mu^2 (sqrt(2) exp(-650) mu^2 + exp(650)) its value was 0 at mu = 1e-200 (true 2e-118) and its d2/dmu2 inf at
    mu = 1e160 (true 3.9e282); sympy's factor of it as a polynomial in E did not end."""
    a, b = mp.sqrt(2) * mp.exp(-650), mp.exp(650)
    m = np.array([1e-200, 1e-100, 3.0, 1e80, 1e160])
    v, g, h = evaluate("sqrt(2)*exp(-650)*mu**4 + exp(650)*mu**2 + (sigma - 1)**2", m, np.ones(m.size),
                       what=("value", "grad", "hess"))
    for i, x in enumerate(mp.mpf(float(t)) for t in m):
        want = [a * x**4 + b * x**2, 4 * a * x**3 + 2 * b * x, 12 * a * x**2 + 2 * b]
        for got, truth in zip((v[i], g[0, i], h[0, i]), want):
            if truth > mp.mpf(np.finfo(np.float64).max):
                assert got == np.inf
            else:
                assert abs(mp.mpf(float(got)) - truth) <= 4 * truth * 2.0**-52, (float(x), got, truth)


def test_scaled_products_are_identities_and_stay_in_range():
    """kernels.scaled rewrites c prod f_i (c far from 1 or beyond float64) as ldexpf(mantissas, exponents): evaluated
    with the kernels' own numba functions it equals the product, against mpmath at 50 digits, within 4 ulp, also where
    a factor alone (mu^2 exp(3 lg), cosh(1000), sigma^-5/2 at 1e-200) leaves the float64 range and the product does
    not."""
    from vaemath.kernels import scaled, special
    from vaemath.kernels.rewrite import lg, pw

    mod = {name: getattr(special, name) for name in scaled.FUNCTIONS}
    cases = [(sp.Rational(1, 10**200) * mu**2 * sp.exp(3 * lg), [(1e200, -50.0), (1e-200, 600.0), (-3.0, 200.0)]),
             (sp.exp(-600) * sp.cosh(mu) * sp.sinh(2 * lg - 1300), [(1000.0, 640.0), (1.0, 0.0), (-700.0, 700.0)]),
             (-3 * sp.Integer(10)**250 * pw(mu, T ** sp.Rational(-5, 4), 2, 1), [(1e-200, 1e-100), (5e-324, 1e-150)]),
             (sp.Rational(1, 10**400) * mu * T**3, [(1e200, 1e100), (-1e100, 1e100)])]
    for expr, points in cases:
        new = scaled.products(expr)
        assert new.has(scaled.ldexpf), expr
        f = sp.lambdify((mu, lg if expr.has(lg) else T), new, [mod, "math"])
        g = sp.lambdify((mu, lg if expr.has(lg) else T), expr.replace(lambda a: isinstance(a, pw),
                                                                      lambda a: (a.args[0] * a.args[1]**a.args[2])
                                                                      ** a.args[3]), "mpmath")
        for m, x in points:
            want = g(mp.mpf(m), mp.mpf(x))
            assert mp.mpf(1e-300) < abs(want) < mp.mpf(1e308), (expr, m, x, want)  # a float, where a factor is not
            got = f(m, x)
            assert abs(mp.mpf(got) - want) <= 4 * abs(want) * EPS, (expr, m, x, got, want)
