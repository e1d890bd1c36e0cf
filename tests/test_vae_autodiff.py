"""The training step's machinery against autograd's own: affine primitives, per-array gradients, Adam."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import value_and_grad as autograd_value_and_grad
from autograd.misc.optimizers import adam as autograd_adam
from autograd.test_util import check_grads

from vaemath.vae.adam import adam
from vaemath.vae.gradient import value_and_grad
from vaemath.vae.metrics import LOG_2PI, logsumexp, mutual_information
from vaemath.vae.model import affine, affine_relu


def test_affine_primitives_values_and_gradients(rng):
    h, w, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    np.testing.assert_allclose(affine(h, w, b), h @ w + b, rtol=1e-14)
    np.testing.assert_allclose(affine_relu(h, w, b), np.maximum(h @ w + b, 0), rtol=1e-14)
    weights = rng.normal(size=(5, 3))
    for f in (affine, affine_relu):  # finite differences (check_grads) in every argument
        check_grads(lambda a, c, d, f=f: anp.sum(weights * f(a, c, d)), modes=["rev"], order=1)(h, w, b)


def test_per_array_gradient_equals_autograd_value_and_grad_over_the_dict(rng):
    params = {"w": rng.normal(size=(4, 3)), "b": rng.normal(size=3), "t": np.array(0.7), "unused": np.ones(2)}
    x = rng.normal(size=(6, 4))

    def loss(p, x):
        h = affine_relu(x, p["w"], p["b"])
        return anp.sum(anp.tanh(h) * p["t"]) + anp.sum(p["w"] ** 2) * p["t"]  # w reached by two paths

    value, grads = value_and_grad(loss)(params, x)
    ref_value, ref = autograd_value_and_grad(lambda p: loss(p, x))(params)
    assert value == ref_value and set(grads) == set(params)
    for k in params:
        np.testing.assert_allclose(grads[k], ref[k], rtol=1e-14, atol=1e-15)
    assert not grads["unused"].any()


def test_adam_is_autograd_adam_bit_for_bit(rng):
    x0 = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5), "c": np.array(0.3)}

    def grad(x, i):
        return {k: np.sin(v) * (i + 1) + v**3 for k, v in x.items()}

    ours, theirs = adam(grad, x0, num_iters=40, step_size=0.01), autograd_adam(grad, x0, num_iters=40, step_size=0.01)
    for k in x0:
        np.testing.assert_array_equal(ours[k], theirs[k])
    assert not np.array_equal(ours["a"], x0["a"])


@pytest.mark.parametrize("wide", [False, True])  # |s| >= 300 somewhere: sigma_n / sigma_m as exp(s_n - s_m)
def test_mutual_information_matches_the_direct_pairwise_sum(rng, wide):
    mu, s = 2 * rng.normal(size=(200, 5)), rng.uniform(-4, 0.5, size=(200, 5))
    if wide:  # a sixth latent at mu = 0, sigma = e^-400, where the reference below loses nothing either
        mu, s = np.hstack([mu, np.zeros((200, 1))]), np.hstack([s, np.full((200, 1), -400.0)])
    got = mutual_information(mu, s, np.random.default_rng(3))
    z = mu + np.exp(s) * np.random.default_rng(3).standard_normal(mu.shape)  # the same draw
    dev = (z[:, None, :] - mu[None]) * np.exp(-s)[None]
    log_q = np.sum(-0.5 * (dev * dev + LOG_2PI) - s[None], axis=-1)
    expected = np.mean(np.diag(log_q)) - np.mean(logsumexp(log_q, 1) - np.log(200))  # log q(z_n | x_n): the same sample
    assert got == pytest.approx(expected, abs=1e-9)  # log q ~ 400: its ulp is 6e-14


SPREADS = {"r9d": (-6.1e5, -1.8e5), "r9e": (-3.1e18, -4.6e17), "edge": (-1e300, -1e299)}


@pytest.mark.parametrize("log_sigma", [math.log(1e-9), math.log(1e-20), -800.0, *SPREADS])
def test_mutual_information_when_every_code_is_nearly_deterministic(rng, log_sigma):
    # N distinct codes far apart against sigma: each z_n has density under q(z | x_n) alone, so by hand
    # log q(z_n) = log q(z_n | x_n) - log N and I = log N exactly (review 9b A1: the expanded products gave -30 nats at
    # sigma 1e-9, -1e23 at 1e-20, NaN at exp(-800); r9d A4: NaN with log sigma in -6e5..-2e5, a guard-stopped
    # encoder's; r9e A6: 0.0 at log sigma ~ -1e18 and -1e300, the closed-form entropy cancelling the sampled log q)
    mu = 2 * rng.normal(size=(300, 4))
    s = rng.uniform(*SPREADS[log_sigma], size=mu.shape) if log_sigma in SPREADS else np.full_like(mu, log_sigma)
    assert mutual_information(mu, s, np.random.default_rng(3)) == pytest.approx(math.log(300), abs=1e-12)


@pytest.mark.parametrize("log_sigma", [-1.0, 46.0, 300.0, -5778.0, 1e5])
def test_mutual_information_of_a_collapsed_encoder(log_sigma):
    # every datum coded alike (one mu, one sigma): q(z | x_m) is one density, so log q(z_n) = log q(z_n | x_n) and,
    # by hand, I = 0 exactly; review 9c A2: sigma = exp(-5778) gave -8 nats (z = mu); r9e D3: -0.09..0.11 at
    # large sigma, the closed-form entropy's noise against one sample
    mu, s = np.full((2000, 16), 0.3), np.full((2000, 16), log_sigma)  # r9f D1: -8.9e-16 at N = 2000 (a rounded mean)
    assert mutual_information(mu, s, np.random.default_rng(5)) == 0.0
