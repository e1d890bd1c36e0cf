"""Likelihoods p(x | z) given the decoder's output: categorical over grey levels, and Gaussian.

The categorical log-likelihood is one autograd primitive (forward and VJP fused in one numba loop): the
log-softmax over 17 levels, the pick of the observed level and the sum over pixels, whose VJP is
(one-hot - softmax) computed in the same pass. Composed from autograd.numpy operations it traces six array
operations and their VJPs per step, and numpy alone makes eight passes over the logits (the importance-
weighted evaluation decodes K = 1000 samples per image: 486 million logits on the digits test set).
"""

from __future__ import annotations

import math

import autograd.numpy as anp
import numba as nb
import numpy as np
from autograd.extend import defvjp, primitive
from autograd.tracer import isbox


@nb.njit(cache=True, error_model="numpy", inline="always")
def _pixel(row, k, delta):
    """log softmax(row)[k]; with a non-empty ``delta`` row also one-hot(k) - softmax(row) into it."""
    levels = row.shape[0]
    if not (0 <= k < levels):
        return math.nan
    top = row[0]
    for c in range(1, levels):
        top = max(top, row[c])
    total = 0.0
    if delta.shape[0] == 0:
        for c in range(levels):
            total += math.exp(row[c] - top)
    else:
        for c in range(levels):
            delta[c] = math.exp(row[c] - top)
            total += delta[c]
        for c in range(levels):
            delta[c] = -delta[c] / total
        delta[k] += 1.0
    return row[k] - top - math.log(total)


@nb.njit(cache=True, error_model="numpy")
def _categorical(logits, x, delta):
    """log p per row of (N, P, C) logits at levels x (N, P), in one pass; fills ``delta`` (N, P, C) with
    one-hot - softmax when it has that shape (the VJP), skips it when it is empty. A level that is not an
    integer in 0..C-1 gives NaN for its row."""
    n, pixels, _ = logits.shape
    grad = delta.shape[0] == n
    none = np.empty(0)
    out = np.empty(n)
    for i in range(n):
        acc = 0.0
        for p in range(pixels):
            k = int(x[i, p]) if x[i, p] == math.floor(x[i, p]) else -1
            acc += _pixel(logits[i, p], k, delta[i, p] if grad else none)
        out[i] = acc
    return out


def _flat(logits, x) -> tuple:
    logits = np.asarray(logits, dtype=np.float64)
    lead, (pixels, levels) = logits.shape[:-2], logits.shape[-2:]
    if np.shape(x) != lead + (pixels,):
        raise ValueError(f"x: expected shape {lead + (pixels,)} for logits of shape {logits.shape}, got {np.shape(x)}")
    flat = np.ascontiguousarray(logits).reshape(-1, pixels, levels)
    return flat, np.ascontiguousarray(x, dtype=np.float64).reshape(-1, pixels), lead


_NO_GRAD = np.empty((0, 0, 0))
_LAST = {"ans": None, "delta": None}  # one-hot - softmax of the latest traced call, reused by its VJP


@primitive
def _categorical_traced(logits, x):
    flat, xf, lead = _flat(logits, x)
    delta = np.empty_like(flat)
    ans = _categorical(flat, xf, delta).reshape(lead)
    _LAST["ans"], _LAST["delta"] = ans, delta.reshape(logits.shape)
    return ans


def _categorical_vjp(ans, logits, x):
    if _LAST["ans"] is ans:
        delta = _LAST["delta"]
    else:
        flat, xf, _ = _flat(logits, x)
        delta = np.empty_like(flat)
        _categorical(flat, xf, delta)
        delta = delta.reshape(np.shape(logits))
    return lambda v: np.asarray(v)[..., None, None] * delta


defvjp(_categorical_traced, _categorical_vjp, None)


def categorical_loglik(logits, x):
    """log p(x | logits) of independent categorical pixels, summed over pixels, in nats.

    One fused numba loop per call (max, log-sum-exp and the pick of the observed level): under autograd
    tracing an autograd primitive whose VJP is (one-hot - softmax) times the incoming gradient, with
    that factor computed in the same pass; on plain arrays (evaluation, importance sampling) the value only.

    Parameters
    ----------
    logits : array, shape (..., P, C)
        Unnormalised log-probabilities of the C levels of each of P pixels.
    x : array, shape (..., P)
        Observed levels, integers 0..C-1 (as floats or ints); another value gives NaN for its row.

    Returns
    -------
    array, shape (...)
        sum_p [logits[p, x_p] - logsumexp_c logits[p, c]]. Differentiable in ``logits`` (autograd).
    """
    if isbox(logits):
        return _categorical_traced(logits, x)
    flat, xf, lead = _flat(logits, x)
    return _categorical(flat, xf, _NO_GRAD).reshape(lead)


def _one_hot(x: np.ndarray, levels: int) -> np.ndarray:
    return np.arange(levels) == x.astype(np.int64)[..., None]


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
