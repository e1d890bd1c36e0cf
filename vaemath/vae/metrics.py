"""Evaluation of a trained VAE: importance-weighted log-likelihood, ELBO with the true KL, bound gap,
active units, mutual information and aggregate KL, scales of the code and of the decoder.

All log-densities are in nats per datum (digits: per image). Gaussian log-densities of z are the
standard normal ones; penalties (the trained one and the true KL) come from the penalty primitive.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from vaemath.vae.penalty import penalty_sum

LOG_2PI = math.log(2 * math.pi)
CHUNK = 8192  # rows x samples decoded at once in the importance-weighted estimate


def logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    """log sum exp along ``axis``, shifted by the maximum (finite inputs)."""
    top = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.sum(np.exp(a - top), axis=axis))


def _log_std_normal(z) -> np.ndarray:
    return -0.5 * np.sum(z * z + LOG_2PI, axis=-1)


def importance_samples(model, params: dict, x: np.ndarray, K: int, rng) -> tuple:
    """Log importance weights and reconstruction log-likelihoods of K samples z_k ~ q(z | x) per datum.

    log w_k = log p(x | z_k) + log N(z_k; 0, I) - log q(z_k | x)  (Burda, Grosse & Salakhutdinov 2015, eq. 8).

    Returns
    -------
    mu, s : (N, L) encoder outputs; log_w, log_px : (N, K)
    """
    mu, s = (np.asarray(a) for a in model.encode(params, x))
    n, latent = mu.shape
    eps = rng.standard_normal((n, K, latent))
    log_w, log_px = np.empty((n, K)), np.empty((n, K))
    rows = max(1, CHUNK // K)
    for a in range(0, n, rows):
        sl = slice(a, min(n, a + rows))
        z = mu[sl, None, :] + np.exp(s[sl, None, :]) * eps[sl]
        out = model.decode(params, z.reshape(-1, latent))
        lp = np.asarray(model.loglik(params, out, np.repeat(x[sl], K, axis=0))).reshape(-1, K)
        log_q = -0.5 * np.sum(eps[sl] ** 2 + LOG_2PI, axis=-1) - np.sum(s[sl], axis=-1)[:, None]
        log_px[sl], log_w[sl] = lp, lp + _log_std_normal(z) - log_q
    return mu, s, log_w, log_px


def iwae(log_w: np.ndarray) -> np.ndarray:
    """log p(x) estimates logsumexp_k log w_k - log K per datum (Burda et al. 2015, eq. 8), shape (N,)."""
    return logsumexp(log_w, axis=1) - math.log(log_w.shape[1])


def ess(log_w: np.ndarray) -> np.ndarray:
    """Effective sample size (sum w)^2 / sum w^2 of the importance weights per datum (Kong 1992), in 1..K."""
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    return w.sum(axis=1) ** 2 / (w * w).sum(axis=1)


def active_units(mu: np.ndarray, threshold: float = 0.01) -> int:
    """Latent dims with Var_x(E_q[z_j]) > threshold (Burda et al. 2015, section 5.2; threshold 1e-2)."""
    return int(np.sum(np.var(mu, axis=0) > threshold))


def mutual_information(mu: np.ndarray, s: np.ndarray, rng, max_rows: int = 2000) -> float:
    """I_q(x; z) by He et al.'s estimator (2019, "Lagging inference networks", their calc_mi), one sample a datum.

    I = E_x E_q(z|x) [log q(z | x) - log q(z)], with q(z) = (1/N) sum_m q(z | x_m) evaluated at one sample
    z_n ~ q(z | x_n) per datum. He et al. take E_q log q(z|x) as the closed-form negative entropy; here it is the
    same sample's log q(z_n | x_n) (same expectation), so each datum contributes
    log N - logsumexp_m [log q(z_n | x_m) - log q(z_n | x_n)]: the entropies, of size sum_j log sigma_j, cancel
    before rounding (exactly 0 for a collapsed encoder, log N for codes far apart against sigma, at any sigma), and
    the noise of the closed form against a sample, sqrt(L/2N) nats, is gone. The N x N pairs are limited to the
    first ``max_rows`` data. Each (z_n - mu_m) / sigma_m is formed directly (one compiled loop), as
    (mu_n - mu_m) / sigma_m + (sigma_n / sigma_m) eps_n: expanded into matrix products, terms of size 1/sigma^2
    cancelled (I = -30 nats at sigma = 1e-9), and z itself loses sigma eps next to mu.

    Parameters
    ----------
    mu, s : (N, L) arrays
        Means and log standard deviations of q(z | x_n).
    rng : numpy.random.Generator
        Draws the one eps_n ~ N(0, I) per datum.
    max_rows : int
        At most this many data (the first) enter the N x N sum.

    Returns
    -------
    float
        Nats; between 0 and log N up to the estimator's noise.
    """
    mu, s = mu[:max_rows], s[:max_rows]
    n = mu.shape[0]
    eps = rng.standard_normal(mu.shape)  # z = mu + sigma eps, never formed: sigma may underflow
    sq = np.empty((n, n))
    _pair_distances(mu, s, eps, bool(np.all(np.abs(s) < 300)), sq)
    log_det = np.sum(s, axis=1)
    # [n, m] = log q(z_n | x_m) - log q(z_n | x_n); its diagonal is 0, set rather than computed (inf - inf where a
    # sum of log sigma overflows)
    rel = -0.5 * (sq - np.diag(sq)[:, None]) - (log_det[None, :] - log_det[:, None])
    np.fill_diagonal(rel, 0.0)
    return float(np.mean(math.log(n) - logsumexp(rel, axis=1)))  # each datum's term first: 0 exactly when collapsed


@nb.njit(cache=True, error_model="numpy")
def _pair_distances(mu, s, eps, tame, out):
    """out[n, m] = |(z_n - mu_m) / sigma_m|^2, each term (mu_n - mu_m) / sigma_m + (sigma_n / sigma_m) eps_n: no
    cancellation, and 0 for equal means however small sigma_m; ``tame`` (every |s| < 300): sigma_n / sigma_m as a
    product of exponentials, else exp(s_n - s_m)."""
    n, latent = mu.shape
    inv, sig = np.exp(-s), np.exp(s)
    for a in range(n):
        for b in range(n):
            acc = 0.0
            for j in range(latent):
                d = mu[a, j] - mu[b, j]
                apart = d * inv[b, j] if d != 0.0 else 0.0
                ratio = sig[a, j] * inv[b, j] if tame else math.exp(s[a, j] - s[b, j])
                u = apart + ratio * eps[a, j]
                if u != u:  # inf - inf: both terms beyond float64 (a guard-stopped encoder, s ~ -1e5), so is |u|
                    u = math.inf
                acc += u * u
            out[a, b] = acc


def evaluate(model, params: dict, x: np.ndarray, pen, K: int, seed, linear_cov=None) -> dict:
    """Every metric of a model on data ``x``; names as in the issue, all per datum.

    Parameters
    ----------
    model : MLP or Linear
    params : dict
    x : (N, D) array
    pen : str or Penalty
        The penalty the model was trained with (``objective`` = reconstruction - penalty).
    K : int
        Importance samples per datum.
    seed : int or sequence
        Seed of the evaluation's own generator (independent of training).
    linear_cov : (D, D) array, optional
        For the linear model: the data's second moment about the decoder bias b, giving the exact
        log-likelihood log N(x; b, W W^T + tau^2 I) (:func:`vaemath.linear.loglik`).

    Returns
    -------
    dict
        ``nll_iw`` (-IWAE log p(x), K samples; Burda et al. 2015), ``nll_iw_k10`` (the same from the first
        K/10), ``ess`` (mean effective sample size), ``reconstruction`` (E_q log p(x|z), K-sample mean),
        ``penalty``, ``objective`` (reconstruction - penalty), ``kl`` (E_x KL(q(z|x) || p)), ``elbo_kl``
        (reconstruction - kl), ``bound_gap`` (objective - IWAE log p(x), > 0 means the objective is no
        longer a lower bound, to be read against nll_iw_k10 - nll_iw), ``active_units``, ``mi`` and
        ``kl_aggregate`` (He et al. 2019: E_x KL = I_q + KL(q(z) || p(z)); estimates, not clipped: with N
        data the mixture q(z) biases ``mi`` up by up to log N, so ``kl_aggregate`` near 0 can come out
        slightly negative), ``sigma_mean``,
        ``sigma_geomean``, ``sigma_per_dim`` (geometric mean over x per latent dim), ``mu_sq``
        (mean ||mu||^2 / L), ``decoder_norm`` (Frobenius norm of the decoder's first layer), and for the
        linear model ``loglik_exact``.
    """
    rng = np.random.default_rng(seed)
    mu, s, log_w, log_px = importance_samples(model, params, x, K, rng)
    pen_v = np.asarray(penalty_sum(pen)(mu, s))
    kl_v = np.asarray(penalty_sum("kl")(mu, s))
    log_p = iwae(log_w)
    recon = float(np.mean(log_px))
    m = {"nll_iw": float(-np.mean(log_p)), "nll_iw_k10": float(-np.mean(iwae(log_w[:, :max(1, K // 10)]))),
         "ess": float(np.mean(ess(log_w))), "K": int(K), "reconstruction": recon, "penalty": float(np.mean(pen_v)),
         "kl": float(np.mean(kl_v))}
    m["objective"] = recon - m["penalty"]
    m["elbo_kl"] = recon - m["kl"]
    m["bound_gap"] = m["objective"] + m["nll_iw"]
    m["active_units"] = active_units(mu)
    m["mi"] = mutual_information(mu, s, rng)
    m["kl_aggregate"] = m["kl"] - m["mi"]
    m["sigma_mean"] = float(np.mean(np.exp(s)))
    m["sigma_geomean"] = float(np.exp(np.mean(s)))
    m["sigma_per_dim"] = np.exp(np.mean(s, axis=0)).tolist()
    m["mu_sq"] = float(np.mean(np.sum(mu * mu, axis=1)) / mu.shape[1])
    m["decoder_norm"] = float(np.linalg.norm(model.first_layer(params)))
    if linear_cov is not None:
        from vaemath.analysis.linear import loglik

        m["loglik_exact"] = loglik(params["W"], None, linear_cov, log_tau2=float(params["log_tau2"]))
    return m


def independent_pixels(train: np.ndarray, test: np.ndarray, levels: int = 17, alpha: float = 1.0) -> float:
    """Test NLL (nats per image) of independent per-pixel categoricals fitted on ``train``.

    Each pixel's level probabilities are the training frequencies with add-``alpha`` (Laplace) smoothing,
    so unseen levels keep a finite probability. The baseline the latent variables must beat.
    """
    counts = np.stack([np.bincount(train[:, p].astype(np.int64), minlength=levels) for p in range(train.shape[1])])
    logp = np.log((counts + alpha) / (counts.sum(axis=1, keepdims=True) + alpha * levels))
    picked = logp[np.arange(train.shape[1])[None, :], test.astype(np.int64)]
    return float(-np.mean(np.sum(picked, axis=1)))
