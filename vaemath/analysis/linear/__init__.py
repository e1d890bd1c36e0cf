"""The linear-Gaussian VAE, exactly.

Model: z ~ N(0, I_k), x | z ~ N(W z + b, tau^2 I_D); encoder mu = V (x - b) + c and a diagonal sigma that
does not depend on x (the offset c at its best: :func:`code_offset`). For data with mean b and covariance C,
the expected per-datum objective (penalty summed over latent dimensions minus the expected log-likelihood
under q) is

    L = D/2 log(2 pi tau^2) + [tr((I - W V) C (I - W V)^T) + sum_j sigma_j^2 ||w_j||^2] / (2 tau^2)
        + sum_j g(s2_j, sigma_j),   s2_j = (V C V^T)_jj,

with g(s2, sigma) = E pen(mu, sigma) over codes of mean 0 and variance s2
(:mod:`vaemath.analysis.expectation`: exact for penalties quadratic in mu, else under Gaussian data).
:func:`objective_expr` derives this by sympy from the definitions (moments of x - b and of the noise).

Modules, importing one way: :mod:`~vaemath.analysis.linear.model` (covariance, likelihood, pPCA, objective)
<- :mod:`~vaemath.analysis.linear.encoder` (best encoder for a fixed decoder) <-
:mod:`~vaemath.analysis.linear.optimum` (global optimum or infimum).

Under ``kl`` the global optimum is probabilistic PCA (Tipping & Bishop 1999) and there the ELBO equals
the exact log-likelihood (Lucas et al. 2019). :func:`optimum` finds, for any penalty, the optimum or the
infimum and the path to it: :mod:`vaemath.analysis.linear.optimum`.
"""

from vaemath.analysis.expectation import expected_penalty
from vaemath.analysis.linear.encoder import encoder_conditions, optimal_encoder
from vaemath.analysis.linear.model import check_latent, code_offset, covariance, loglik, objective, objective_expr, ppca
from vaemath.analysis.linear.optimum import LinearResult, optimum

__all__ = ["LinearResult", "check_latent", "code_offset", "covariance", "encoder_conditions", "expected_penalty",
           "loglik", "objective", "objective_expr", "optimal_encoder", "optimum", "ppca"]
