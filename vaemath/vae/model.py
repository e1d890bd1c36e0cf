"""The VAE models: an MLP encoder/decoder (digits) and the linear-Gaussian model of :mod:`vaemath.linear`.

Parameters are dicts of numpy arrays (autograd differentiates through dicts). Every decoder's first layer
is linear in z (``dec0_W``, or ``W`` for the linear model), so the rescaling (z, W1) -> (c z, W1 / c) of
the analysis exists in each model.
"""

from __future__ import annotations

from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp_argnums, primitive

from vaemath.vae.data import LEVELS
from vaemath.vae.likelihood import categorical_loglik, gaussian_loglik

LIKELIHOODS = ("categorical", "gaussian")


def _dense(rng, n_in: int, n_out: int) -> tuple:
    """He-normal weights (He et al. 2015) and zero biases."""
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def _affine(h, w, b):
    out = np.dot(h, w)
    out += b
    return out


@primitive
def affine(h, w, b):
    """h @ w + b for h of shape (N, n), w (n, m), b (m,): one autograd node (its VJP: two products, a sum)."""
    return _affine(h, w, b)


@primitive
def affine_relu(h, w, b):
    """max(h @ w + b, 0) as one autograd node; the VJP masks the incoming gradient where the output is 0."""
    out = _affine(h, w, b)
    return np.maximum(out, 0.0, out=out)


def _affine_vjp(relu: bool):
    def maker(argnums, ans, args, kwargs):
        h, w, _ = args

        def vjp(g):
            if relu:
                g = g * (ans > 0)
            grads = {0: lambda: np.dot(g, w.T), 1: lambda: np.dot(h.T, g), 2: lambda: g.sum(axis=0)}
            return tuple(grads[a]() for a in argnums)
        return vjp
    return maker


defvjp_argnums(affine, _affine_vjp(False))
defvjp_argnums(affine_relu, _affine_vjp(True))


def _mlp(params: dict, prefix: str, h, layers: int):
    for i in range(layers):
        layer = affine_relu if i < layers - 1 else affine
        h = layer(h, params[f"{prefix}{i}_W"], params[f"{prefix}{i}_b"])
    return h


@dataclass(frozen=True)
class MLP:
    """Encoder D-h1-...-2L (ReLU) -> (mu, s = log sigma); decoder L-h...-out, first layer linear in z.

    ``likelihood="categorical"``: D pixels with ``levels`` grey levels each, output D x levels logits, inputs
    scaled by 1/(levels - 1) for the encoder. ``"gaussian"``: output D means, learned scalar log tau^2.
    """

    dims: int
    latent: int
    hidden: tuple = (256, 256)
    likelihood: str = "categorical"
    levels: int = LEVELS

    def init(self, rng) -> dict:
        p = {}
        enc = (self.dims, *self.hidden, 2 * self.latent)
        out = self.dims * self.levels if self.likelihood == "categorical" else self.dims
        dec = (self.latent, *self.hidden[::-1], out)
        for prefix, sizes in (("enc", enc), ("dec", dec)):
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
                p[f"{prefix}{i}_W"], p[f"{prefix}{i}_b"] = _dense(rng, a, b)
        p[f"enc{len(enc) - 2}_W"] *= 0.1  # start near the prior: mu ~ 0, s ~ 0
        if self.likelihood == "gaussian":
            p["log_tau2"] = np.zeros(())
        return p

    def encode(self, params: dict, x):
        scale = 1.0 / (self.levels - 1) if self.likelihood == "categorical" else 1.0
        h = _mlp(params, "enc", x * scale, len(self.hidden) + 1)
        return h[..., :self.latent], h[..., self.latent:]

    def decode(self, params: dict, z):
        out = _mlp(params, "dec", z, len(self.hidden) + 1)
        if self.likelihood == "categorical":
            return anp.reshape(out, out.shape[:-1] + (self.dims, self.levels))
        return out

    def loglik(self, params: dict, out, x):
        if self.likelihood == "categorical":
            return categorical_loglik(out, x)
        return gaussian_loglik(out, params["log_tau2"], x)

    def first_layer(self, params: dict) -> np.ndarray:
        return params["dec0_W"]

    def sample_x(self, params: dict, out, rng) -> np.ndarray:
        """Draw x from p(x | z) given the decoder output (categorical: integer levels)."""
        if self.likelihood == "categorical":
            p = np.exp(out - out.max(axis=-1, keepdims=True))
            cdf = np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)
            u = rng.random(cdf.shape[:-1] + (1,))
            return np.minimum((u > cdf).sum(axis=-1), self.levels - 1).astype(np.float64)
        return out + np.exp(0.5 * params["log_tau2"]) * rng.standard_normal(out.shape)


@dataclass(frozen=True)
class Linear:
    """The linear-Gaussian VAE of :mod:`vaemath.linear`, with exactly its parameters.

    z ~ N(0, I_k), x | z ~ N(W z + b, tau^2 I_D); encoder mu = V (x - b), sigma a data-independent
    diagonal. Parameters ``W`` (D, k), ``V`` (k, D), ``b`` (D,), ``log_sigma`` (k,), ``log_tau2`` ().
    """

    dims: int
    latent: int
    likelihood: str = "gaussian"

    def init(self, rng) -> dict:
        w = rng.standard_normal((self.dims, self.latent)) * 0.1
        return {"W": w, "V": w.T.copy(), "b": np.zeros(self.dims), "log_sigma": np.zeros(self.latent),
                "log_tau2": np.zeros(())}

    def encode(self, params: dict, x):
        mu = anp.dot(x - params["b"], params["V"].T)
        return mu, mu * 0.0 + params["log_sigma"]

    def decode(self, params: dict, z):
        return anp.dot(z, params["W"].T) + params["b"]

    def loglik(self, params: dict, out, x):
        return gaussian_loglik(out, params["log_tau2"], x)

    def first_layer(self, params: dict) -> np.ndarray:
        return params["W"]

    def sample_x(self, params: dict, out, rng) -> np.ndarray:
        return out + np.exp(0.5 * params["log_tau2"]) * rng.standard_normal(out.shape)
