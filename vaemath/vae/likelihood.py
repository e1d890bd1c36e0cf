"""Likelihoods p(x | z) given the decoder's output: categorical over grey levels, and Gaussian.

The categorical log-likelihood is one autograd primitive (forward and VJP fused): the log-softmax over
17 levels, the pick of the observed level and the sum over pixels, whose VJP is (one-hot - softmax) with
the softmax kept from the forward pass. Composed from autograd.numpy operations it traces six array
operations and their VJPs per step.
"""

from __future__ import annotations

import math

import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp, primitive


def _log_softmax(logits: np.ndarray) -> tuple:
    top = logits.max(axis=-1, keepdims=True)
    shifted = logits - top
    e = np.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    return shifted - np.log(total), e / total


def _one_hot(x: np.ndarray, levels: int) -> np.ndarray:
    return np.arange(levels) == x.astype(np.int64)[..., None]


_LAST = {"ans": None, "p": None}  # softmax of the latest forward call, reused by its VJP


@primitive
def categorical_loglik(logits, x):
    """log p(x | logits) of independent categorical pixels, summed over pixels, in nats.

    Parameters
    ----------
    logits : array, shape (..., P, C)
        Unnormalised log-probabilities of the C levels of each of P pixels.
    x : array, shape (..., P)
        Observed levels, integers 0..C-1 (as floats or ints).

    Returns
    -------
    array, shape (...)
        sum_p [logits[p, x_p] - logsumexp_c logits[p, c]]. Differentiable in ``logits`` (autograd).
    """
    logp, p = _log_softmax(logits)
    ans = np.sum(np.where(_one_hot(x, logits.shape[-1]), logp, 0.0), axis=(-2, -1))
    _LAST["ans"], _LAST["p"] = ans, p
    return ans


def _categorical_vjp(ans, logits, x):
    p = _LAST["p"] if _LAST["ans"] is ans else _log_softmax(logits)[1]
    delta = _one_hot(x, logits.shape[-1]) - p
    return lambda v: np.asarray(v)[..., None, None] * delta


defvjp(categorical_loglik, _categorical_vjp, None)


def categorical_loglik_composed(logits, x):
    """The same log-likelihood as autograd.numpy operations (the reference for tests and the benchmark)."""
    top = np.max(logits._value if hasattr(logits, "_value") else logits, axis=-1, keepdims=True)
    logz = anp.log(anp.sum(anp.exp(logits - top), axis=-1, keepdims=True)) + top
    return anp.sum((logits - logz) * _one_hot(x, logits.shape[-1]), axis=(-2, -1))


def gaussian_loglik(mean, log_tau2, x):
    """log N(x; mean, tau^2 I) summed over the last axis, tau^2 = exp(log_tau2) a learned scalar, in nats."""
    d = x.shape[-1]
    sq = anp.sum((x - mean) ** 2, axis=-1)
    return -0.5 * (d * (math.log(2 * math.pi) + log_tau2) + sq * anp.exp(-log_tau2))
