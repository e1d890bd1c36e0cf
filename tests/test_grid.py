"""Public numeric API: grid shapes and planes, out=, float32, pointwise evaluation, grid_reduce, bad input."""

import numpy as np
import pytest

import vaemath
from vaemath.kernels import evaluate, grid, grid_reduce

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
    ({"sigma": [1.0, -1.0, 0.0]}, r"sigma: 2 value\(s\) are not finite and > 0; the first is sigma\[1\] = -1.0"),
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
