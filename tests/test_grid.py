"""Public numeric API: grid shapes and planes, out=, float32, pointwise evaluation, grid_reduce, bad input."""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import vaemath
from vaemath.kernels import evaluate, grid, grid_reduce
from vaemath.symbolic import mu as sym_mu
from vaemath.symbolic import sigma as sym_sigma


@pytest.fixture(autouse=True)
def _fifty_digits():
    """Every test at 50 digits, whatever another test module set mpmath's global precision to."""
    with mp.workdps(50):
        yield

MU = np.linspace(-2, 2, 9)
SIGMA = np.linspace(0.25, 3, 7)


def _kl_numpy(m, s):  # an independent route for these moderate points
    return 0.5 * (m**2 + s**2 - 1) - np.log(s)


def test_planes_and_shapes():
    v, g, h = grid("kl", MU, SIGMA, what=("hess", "value", "grad"))
    assert v.shape == (9, 7) and g.shape == (2, 9, 7) and h.shape == (3, 9, 7)
    m, s = np.meshgrid(MU, SIGMA, indexing="ij")
    assert np.allclose(v, _kl_numpy(m, s), rtol=1e-14)
    assert np.allclose(g, [m, s - 1 / s], rtol=1e-14, atol=0)
    assert np.allclose(h, [np.ones_like(m), np.zeros_like(m), 1 + 1 / s**2], rtol=1e-14)


def test_grad_matches_finite_differences_of_value():
    h = 1e-6
    g = grid("hellinger_squared", MU, SIGMA, what="grad")
    fd_mu = (grid("hellinger_squared", MU + h, SIGMA) - grid("hellinger_squared", MU - h, SIGMA)) / (2 * h)
    fd_s = (grid("hellinger_squared", MU, SIGMA + h) - grid("hellinger_squared", MU, SIGMA - h)) / (2 * h)
    assert np.allclose(g[0], fd_mu, atol=1e-8) and np.allclose(g[1], fd_s, atol=1e-8)


def test_out_is_reused_and_checked():
    out = np.empty((1, 9, 7))
    v = grid("quadratic", MU, SIGMA, out=out)
    assert np.shares_memory(v, out)
    with pytest.raises(ValueError, match="out"):
        grid("quadratic", MU, SIGMA, out=np.empty((9, 7)))
    with pytest.raises(ValueError, match="out"):
        grid("quadratic", MU, SIGMA, out=np.empty((1, 9, 7), dtype=np.float32))


def test_float32():
    v = grid("kl", MU.astype(np.float32), SIGMA.astype(np.float32), dtype=np.float32)
    assert v.dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        grid("kl", MU, SIGMA, dtype=np.int64)


def test_penalty_call_broadcasts_like_numpy():
    kl = vaemath.penalty("kl")
    got = kl(MU[:, None], SIGMA[None, :])
    assert got.shape == (9, 7) and np.allclose(got, grid("kl", MU, SIGMA), rtol=4e-16, atol=0)
    assert np.ndim(kl(0.5, 2.0)) == 0 and kl(0.5, 2.0) == pytest.approx(_kl_numpy(0.5, 2.0), rel=1e-15)
    assert evaluate("kl", [0.0, 1.0], 1.0, what="grad").shape == (2, 2)


@pytest.mark.parametrize("op", ["min", "max", "sum", "argmin"])
def test_grid_reduce_equals_the_full_grid(op, monkeypatch):
    monkeypatch.setattr("vaemath.kernels.arrays.TILE_POINTS", 64)  # many tiles on a small grid
    shape, mr, sr = (37, 29), (-1.5, 2.0), (0.2, 2.5)
    full = grid("jeffreys", np.linspace(*mr, shape[0]), np.linspace(*sr, shape[1]))
    got = grid_reduce("jeffreys", mr, sr, shape, op=op)
    if op == "argmin":
        i, j = np.unravel_index(np.argmin(full), full.shape)
        assert got == (full[i, j], np.linspace(*mr, shape[0])[i], np.linspace(*sr, shape[1])[j])
    else:
        assert got == pytest.approx(getattr(full, op)(), rel=1e-13)


@pytest.mark.parametrize("kwargs, match", [
    ({"mu": [0.0, np.nan]}, r"mu: 1 value\(s\) are not finite; the first is mu\[1\]"),
    ({"sigma": [1.0, -1.0, 0.0]},
     r"sigma: 2 value\(s\) are not finite and > 0 for param='std' \(standard deviation sigma\); the first is "
     r"sigma\[1\]"),
    ({"sigma": [np.inf]}, "sigma"),
    ({"mu": np.zeros((2, 2))}, "mu: expected a 1-D array"),
    ({"mu": ["a"]}, "mu: expected real numbers"),
    ({"what": "laplacian"}, "what"),
    ({"errors": "ignore"}, "errors"),
])
def test_bad_input_raises_naming_the_argument(kwargs, match):
    args = {"mu": MU, "sigma": SIGMA} | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        grid("kl", **args)


def test_errors_nan_marks_only_the_bad_rows_and_columns():
    v = grid("kl", [0.0, np.nan], [1.0, -1.0, 2.0], errors="nan")
    assert np.isnan(v[1]).all() and np.isnan(v[:, 1]).all()
    assert np.isfinite(v[0, [0, 2]]).all() and v[0, 0] == 0.0


def test_an_output_too_large_is_refused_before_allocating():
    n = 10**6
    with pytest.raises(MemoryError, match="grid_reduce"):
        grid("kl", np.broadcast_to(0.0, n), np.broadcast_to(1.0, n))


@pytest.mark.parametrize("kwargs, match", [
    ({"op": "mean"}, "op"), ({"shape": (0, 3)}, "shape"), ({"sigma_range": (0.0, 1.0)}, "sigma_range"),
    ({"mu_range": (1.0, -1.0)}, "mu_range"), ({"shape": "big"}, "shape"),
])
def test_grid_reduce_bad_input(kwargs, match):
    args = {"mu_range": (-1, 1), "sigma_range": (0.5, 2), "shape": (3, 3)} | kwargs
    with pytest.raises(ValueError, match=match):
        grid_reduce("kl", **args)


# --- param=: the second axis in the variance, log std or log variance -------------------------------------------

_SIGMA_OF = {"std": lambda x: x, "var": lambda x: mp.sqrt(x), "logstd": lambda x: mp.exp(x),
             "logvar": lambda x: mp.exp(x / 2)}
_AXES = {"std": [0.3, 1.0, 2.5], "var": [0.09, 1.0, 6.25], "logstd": [-1.2, 0.0, 0.9], "logvar": [-2.4, 0.0, 1.8]}


def _reference_planes(name, param, m, x):
    """Value, grad, Hessian in (mu, x) by sympy differentiation in the test of the catalogue expression."""
    xs = sp.Symbol("x", real=True)
    sig = {"std": xs, "var": sp.sqrt(xs), "logstd": sp.exp(xs), "logvar": sp.exp(xs / 2)}[param]
    e = vaemath.penalty(name).expr.subs(sym_sigma, sig)
    planes = [e, sp.diff(e, sym_mu), sp.diff(e, xs), sp.diff(e, sym_mu, 2), sp.diff(e, sym_mu, xs), sp.diff(e, xs, 2)]
    return [float(sp.lambdify((sym_mu, xs), p, "mpmath")(mp.mpf(m), mp.mpf(x))) for p in planes]


@pytest.mark.parametrize("param", ["std", "var", "logstd", "logvar"])
@pytest.mark.parametrize("name", ["kl", "reverse_kl", "hellinger_squared"])
def test_param_planes_are_derivatives_in_that_variable(name, param):
    v, g, h = evaluate(name, 0.7, np.array(_AXES[param]), what=("value", "grad", "hess"), param=param)
    got = np.concatenate([v[None], g, h])
    for j, x in enumerate(_AXES[param]):
        want = np.array(_reference_planes(name, param, 0.7, x))
        assert np.allclose(got[:, j], want, rtol=1e-13, atol=1e-15), (name, param, x)


def test_kl_in_log_variance_is_exact_for_every_l():
    kl = vaemath.penalty("kl")
    for l in [-1000.0, -30.0, -15.0, -1e-9, 0.0, 3e-8, 20.0, 700.0]:  # (mu^2 + e^l - l - 1)/2 at 50 digits
        want = float((mp.exp(mp.mpf(l)) - l - 1) / 2)
        assert kl(0.0, l, param="logvar") == pytest.approx(want, rel=2 * np.finfo(float).eps, abs=1e-300), l
    assert kl(0.0, -1000.0, param="logvar") == 499.5
    assert kl(0.0, -30.0, param="logvar") == pytest.approx(14.500000000000047, rel=1e-16)
    g = kl(0.0, -1e-9, param="logvar", what="grad")[1]  # (e^l - 1)/2
    assert g == pytest.approx(float(mp.expm1(mp.mpf(-1e-9)) / 2), rel=1e-15)


def test_param_grid_and_grid_reduce_agree():
    xs = np.linspace(-3.0, 2.0, 11)
    v = grid("kl", MU, xs, param="logstd")
    assert np.allclose(v, _kl_numpy(MU[:, None], np.exp(xs)[None]), rtol=1e-13)
    assert grid_reduce("kl", (-2, 2), (-3.0, 2.0), (9, 11), op="min", param="logstd") == pytest.approx(v.min())


@pytest.mark.parametrize("param, axis, match", [
    ("var", [1.0, 0.0], r"sigma: 1 value\(s\) are not finite and > 0 for param='var'"),
    ("logvar", [1.0, np.inf], r"sigma: 1 value\(s\) are not finite for param='logvar'"),
    ("logit", [1.0], "param: expected one of"),
])
def test_param_bad_input_names_the_param(param, axis, match):
    with pytest.raises(ValueError, match=match):
        grid("kl", MU, axis, param=param)
    with pytest.raises(ValueError, match=match):
        vaemath.penalty("kl")(0.0, np.array(axis), param=param)


def test_negative_log_scales_are_valid():
    assert np.isfinite(grid("kl", [0.0], [-5.0, 0.0], param="logstd")).all()
    with pytest.raises(ValueError, match="sigma_range: must be > 0 for param='var'"):
        grid_reduce("kl", (-1, 1), (-1.0, 1.0), (3, 3), param="var")


def test_float16_output_is_the_float64_value_rounded_once():
    xs = np.array([1e-3, 0.5, 1.0, 3.0])
    got = grid("kl", [0.0, 2.0], xs, dtype=np.float16)
    assert got.dtype == np.float16
    want = np.array([[float(mp.mpf(m) ** 2 / 2 + mp.mpf(s) ** 2 / 2 - mp.log(s) - mp.mpf(1) / 2) for s in xs]
                     for m in [0.0, 2.0]])
    assert np.array_equal(got, want.astype(np.float16))


@pytest.mark.parametrize("text, want", [("0", lambda m, s: 0 * m * s), ("mu**2 + 3", lambda m, s: m * m + 3 + 0 * s),
                                        ("2 - mu", lambda m, s: 2 - m + 0 * s)])
@pytest.mark.parametrize("param", ["std", "logvar"])
def test_penalties_without_sigma_or_without_variables_compile_in_every_region(text, want, param):
    # an empty per-sigma stage is still a valid kernel; sigma (or l) spans the three regions of the d-form
    m, x = np.array([-2.0, 0.0, 0.5]), np.array([1e-3, 1.0, 40.0]) if param == "std" else np.array([-9.0, 0.0, 9.0])
    value, (dmu, dx) = grid(text, m, x, what=("value", "grad"), param=param)  # one kernel for both APIs
    np.testing.assert_array_equal(value, want(m[:, None], x[None, :]))
    np.testing.assert_array_equal(dx, 0 * value)
    value, (dmu, dx) = evaluate(text, m, x, what=("value", "grad"), param=param)
    np.testing.assert_array_equal(value, want(m, x))
    np.testing.assert_array_equal(dx, 0 * x)


@pytest.mark.parametrize("m, s, name", [(1j, 1.0, "mu"), ("1", 1.0, "mu"), (0.5, "2", "sigma"),
                                        (0.5, [1.0, 2j], "sigma"), (True, 1.0, "mu")])
def test_evaluate_refuses_non_real_input_naming_the_argument(m, s, name):
    with pytest.raises(TypeError, match=f"^{name}: expected real numbers"):
        evaluate("kl", m, s)
    with pytest.raises(TypeError, match=f"^{name}: expected real numbers"):
        vaemath.penalty("kl")(m, s)


def test_grid_refuses_strings_and_accepts_sympy_numbers():
    with pytest.raises(TypeError, match="^mu: expected real numbers"):
        grid("kl", ["0.5", "1"], [1.0])
    # independent: KL(N(1/2, 1) || N(0, 1)) = 1/8
    assert evaluate("kl", sp.Rational(1, 2), sp.Integer(1)) == pytest.approx(0.125, rel=1e-15)


def test_removable_points_get_the_first_order_expansion_exactly_as_documented():
    from types import SimpleNamespace

    from vaemath.kernels.arrays import SINGULAR_TOL, _finish, _singular_arrays

    # a removable point at (mu, x) = (0, 0) (x = log sigma) with limit 0 and slopes (2, -3): by hand, a non-finite
    # output within 1e-100 of it is 2 dm - 3 dx; a finite one is kept; at the point the limit replaces any output
    kernel = SimpleNamespace(SINGULAR=[(0.0, 0.0, [(0.0, 2.0, -3.0)])], N_OUT=1)
    mu = np.array([1e-120, 0.0, 1e-120, 1e-120, 0.0, 1e-90])
    x = np.array([0.0, 1e-120, 1e-120, 0.0, 0.0, 0.0])
    out = np.array([[np.nan, np.inf, -np.inf, 7.0, 8.0, np.nan]])
    _finish(*_singular_arrays(kernel), SINGULAR_TOL, -1, mu, x, out)
    np.testing.assert_allclose(out, [[2e-120, -3e-120, -1e-120, 7.0, 0.0, np.nan]], rtol=1e-14, atol=0)
    _finish(*_singular_arrays(kernel), SINGULAR_TOL, 1, mu, x, out)  # and for a positive param, x <= 0 is invalid
    np.testing.assert_allclose(out, [[np.nan, -3e-120, -1e-120, np.nan, np.nan, np.nan]], rtol=1e-14, atol=0)


# exp(1000) = 10^(1000 / ln 10) = 10^434.2945 = 1.97e434, by hand (review 9b B1: it trained into the NaN guard)
# exp(-800) = 10^(-800 / ln 10) = 10^-347.435 = 3.67e-348 (review r9d A1-A3, B3: tiny numbers rounded to 0, a subnormal,
# or printed as 0.0 * inf: NaN, a minute of code generation, numba's "name 'inf' is not defined")
@pytest.mark.parametrize("text, shown", [("1e400*mu**2 + (sigma-1)**2", r"1\.00E\+400"),
                                         ("exp(1000)*mu**2 + (sigma-1)**2", r"exp\(1000\) = 1\.97E\+434"),
                                         ("mu**2 + (sigma-1)**2 + 1e-400*sigma", r"1\.00E-400"),
                                         ("mu**2 + (sigma-1)**2 + 3e-320*sigma**2", r"3\.00E-320"),
                                         ("exp(-800)*mu**2 + (sigma-1)**2", r"exp\(-800\) = 3\.67E-348")])
def test_a_number_beyond_float64_is_refused_not_printed_as_inf(text, shown):
    from vaemath.vae.penalty import trainable

    # 1e400 mu^2 at mu = 1e-300 is 1e-200 (finite), but a float64 coefficient would be inf (inf * 0 = NaN at mu = 0)
    for call in (lambda: evaluate(text, [0.0], [1.0]), lambda: grid(text, [0.0], [1.0]), lambda: trainable(text)):
        with pytest.raises(ValueError, match=shown + " is beyond float64's range"):
            call()


def test_a_number_beyond_float64_left_alone_in_a_derivative_is_refused():
    # review r9e A1: printed as `inf` (numba: "name 'inf' is not defined", exit 1); d2/dmu2 is the bare 1.8e308
    with pytest.raises(ValueError, match=r"^penalty: .*its kernel needs the number 1\.80E\+308.* beyond float64"):
        evaluate("9e307*mu**2 + (sigma-1)**2", [0.5], [1.2], what=("value", "grad", "hess"))


@pytest.mark.parametrize("text", ["9e307*mu**2 + (sigma-1)**2",  # d/dmu: 1.8e308 mu
                                  "(1e-160*sigma + 1)**2 + mu**2"])  # expanded: 1e-320 sigma^2
def test_a_product_with_a_number_beyond_float64_in_a_derivative_or_expansion_is_computed(text):
    # review r9e A1, A2 refused these ("rescale the penalty"); issue 7: such a product is ldexpf(mantissas, binary
    # exponents) (kernels.scaled), right where its value is a float. By hand: value and gradient by sympy.diff here,
    # mpmath at 50 digits
    e = vaemath.penalty(text).expr
    planes = [sp.lambdify((sym_mu, sym_sigma), p, "mpmath") for p in (e, sp.diff(e, sym_mu), sp.diff(e, sym_sigma))]
    mus, sigmas = np.array([0.5, 1e-300, -3e-5, 0.0]), np.array([1.2, 1e100, 1e250, 0.3])
    v, g = evaluate(text, mus, sigmas, what=("value", "grad"))
    for i, (m, x) in enumerate(zip(mus, sigmas)):
        with mp.workdps(50):
            want = [float(f(mp.mpf(m), mp.mpf(x))) for f in planes]
        for got, w in zip((v[i], g[0, i], g[1, i]), want):
            assert got == w if not np.isfinite(w) else abs(got - w) <= 4 * np.spacing(abs(w)), (text, m, x, got, w)


@pytest.mark.parametrize("text, hess", [("1e200*(mu**2 + (sigma-1)**2)", (2e200, 0.0, 2e200)),
                                        ("1e50*mu**2 + (sigma-1)**2", (2e50, 0.0, 2.0))])
def test_the_minimiser_of_a_steep_penalty_is_its_own_value_not_an_extrapolation(text, hess):
    # by hand: 0 with gradient 0 at (0, 1), the Hessian the coefficients doubled; 1e50 (1e-30)^2 = 1e-10 beside it.
    # The removable-point rule's rays (length 1e-40) extrapolated -2e120 and NaN here (review 9c A1)
    value, grad_, hess_ = evaluate(text, [0.0, 1e-30], [1.0, 1.0], what=("value", "grad", "hess"))
    assert value[0] == 0.0 and list(grad_[:, 0]) == [0.0, 0.0] and tuple(hess_[:, 0]) == hess
    assert value[1] == pytest.approx(1e-10 if "1e50" in text else 1e140, rel=1e-15)


@pytest.mark.parametrize(("text", "what"), [("kl", ("value", "grad", "hess")),
                                            ("exp(-mu**2)*sqrt(sigma) + 1/sigma + (sigma - 1)**2", ("value",))])
def test_the_parallel_grid_is_the_pointwise_kernel_bit_for_bit(text, what):
    # from PARALLEL_POINTS points the grid loop, below it the pointwise one: a 256 x 256 grid against its 64 x 64
    # tiles, every region (sigma from 1e-300 to 1e300 and 1 +- ulp) and a mu beyond 1e150
    from vaemath.kernels.arrays import PARALLEL_POINTS
    mus = np.concatenate([np.linspace(-3, 3, 250), [0.0, 1e-200, -1e-8, 1e150, -1e300, 7.5]])
    sig = np.concatenate([np.logspace(-300, 300, 250), [1.0, 1 - 2.0**-53, 1 + 2.0**-52, 0.5, 2.0, 1.3]])
    assert mus.size * sig.size >= PARALLEL_POINTS > 64 * 64
    def planes(m, s):
        out = grid(text, m, s, what=what)
        return np.concatenate([np.reshape(a, (-1, m.size, s.size)) for a in (out if len(what) > 1 else (out,))])
    full = planes(mus, sig)
    for i in range(0, 256, 64):
        for j in range(0, 256, 64):
            np.testing.assert_array_equal(planes(mus[i:i + 64], sig[j:j + 64]), full[:, i:i + 64, j:j + 64])
    assert np.isfinite(full).mean() > 0.7


def test_a_large_float32_grid_is_the_float64_grid_rounded_once():
    # helper-96: a value beyond float32's range, stored as inf by the grid loop, was taken for an overflow and redone by
    # the log-magnitude fallback: e^3 at (1e300, l = 700) for e^180 = 1.5e78 (mpmath below), which float32 rounds to inf
    text = "sqrt(sigma)*exp(mu+3)/(exp(mu-2)+exp(-mu))"
    mus = np.concatenate([np.linspace(-3, 3, 180), [1e300, 800.0]])
    ls = np.concatenate([np.linspace(-20, 20, 180), [700.0, -700.0]])
    full = grid(text, mus, ls, what=("value", "grad"), param="logvar")
    narrow = grid(text, mus, ls, what=("value", "grad"), param="logvar", dtype=np.float32)
    assert mus.size * ls.size >= 1 << 15
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(np.concatenate([a.reshape(-1, 182, 182) for a in narrow]),
                                      np.concatenate([a.reshape(-1, 182, 182) for a in full]).astype(np.float32))
    with mp.workdps(50):
        truth = mp.sqrt(mp.exp(mp.mpf(350))) * mp.exp(5)  # exp(mu+3)/exp(mu-2), the rest underflows
    assert full[0][180, 180] == pytest.approx(float(truth), rel=1e-14) and narrow[0][180, 180] == np.inf
