"""The linear-Gaussian VAE's model: data covariance, exact log-likelihood, pPCA and the expected objective.

Model z ~ N(0, I_k), x | z ~ N(W z + b, tau^2 I_D); encoder mu = V (x - b) + c with a diagonal sigma that
does not depend on x (the offset c: :func:`code_offset`; the decoder's bias absorbs W c). For data with mean
b and covariance C the expected per-datum objective (penalty summed over latent dimensions minus the expected
log-likelihood under q) is, with the offset profiled out (:func:`code_offset`),

    L = D/2 log(2 pi tau^2) + [tr((I - W V) C (I - W V)^T) + sum_j sigma_j^2 ||w_j||^2] / (2 tau^2)
        + sum_j g(s2_j, sigma_j),   s2_j = (V C V^T)_jj,

with g(s2, sigma) = E pen(mu, sigma) over codes of mean 0 and variance s2 (:mod:`vaemath.analysis.expectation`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import sympy as sp

from vaemath.analysis.expectation import expected_penalty, s2
from vaemath.symbolic import mu as sym_mu
from vaemath.symbolic import penalty as as_penalty
from vaemath.symbolic import sigma as sym_sigma

MAX_ENTRY = 1e150  # D <= 100 squares of entries below this stay below 1e302: no float64 overflow anywhere


def covariance(cov) -> np.ndarray:
    """A data covariance C (D x D, D >= 2, real, symmetric positive definite) from one of: a comma list of
    variances (the diagonal), a path to a .npy or whitespace text file, or an array.

    Raises
    ------
    TypeError
        If the array holds complex, object or other non-real numbers (never cast silently).
    ValueError
        If the text is not numbers, the file cannot be read, or the matrix is not square, is 1x1 (D must be
        >= 2: the latent size k satisfies 1 <= k < D), not finite, has an entry above ``MAX_ENTRY`` = 1e150 in
        magnitude (its squares would overflow), not symmetric or not positive definite.
    """
    if isinstance(cov, (int, float)) and not isinstance(cov, bool):
        cov = str(cov)
    if isinstance(cov, (str, Path)) and Path(cov).is_file():
        c = _read(Path(cov))
    elif isinstance(cov, (str, Path)) and Path(cov).is_dir():
        raise ValueError(f"cov: {str(cov)!r} is a directory; give a file (.npy, or text of numbers) or a comma list")
    elif isinstance(cov, str):
        try:
            c = np.diag([float(x) for x in cov.split(",")])
        except ValueError:
            raise ValueError(f"cov: {cov!r} is neither a comma list of variances nor an existing file") from None
    elif isinstance(cov, Path):
        raise ValueError(f"cov: no such file {str(cov)!r}")
    else:
        c = np.asarray(cov)
    if not (np.issubdtype(c.dtype, np.integer) or np.issubdtype(c.dtype, np.floating)) or c.dtype == bool:
        raise TypeError(f"cov: expected a real matrix, got {c.dtype} entries")
    return _validated(np.asarray(c, dtype=float))


def _read(path: Path) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty text file: refused later by its shape
            return np.load(path, allow_pickle=False) if path.suffix == ".npy" else np.loadtxt(path, ndmin=2)
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "pickle" in first:  # numpy reads a file with no .npy header as a pickle too: say which it is
            with open(path, "rb") as f:
                npy = f.read(6) == b"\x93NUMPY"
            first = "not a numeric array: it holds Python objects" if npy else "not a .npy file: it has no NumPy header"
        raise ValueError(f"cov: could not read a matrix from {str(path)!r} ({first})") from None


def _validated(c: np.ndarray) -> np.ndarray:
    if c.size == 0:  # a 0 x 0 .npy, an empty or blank text file
        raise ValueError(f"cov: the matrix is empty, shape {c.shape} (the file holds no numbers): expected D x D with "
                         "D >= 2, e.g. '5,2,0.5'")
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"cov: expected a square matrix, got shape {c.shape}")
    if c.shape[0] < 2:
        raise ValueError(f"cov: the matrix is 1x1 ({float(c[0, 0])}): D must be >= 2, e.g. '5,2,0.5'")
    if not np.all(np.isfinite(c)):
        raise ValueError("cov: the matrix has non-finite entries")
    if np.max(np.abs(c)) > MAX_ENTRY:
        raise ValueError(f"cov: an entry of magnitude {np.max(np.abs(c)):.6g} is above {MAX_ENTRY:g}, where sums and "
                         "squares of entries (eigen-decomposition, objective) overflow; rescale the data")
    if not np.allclose(c, c.T, rtol=1e-10, atol=1e-12 * np.max(np.abs(c))):
        raise ValueError("cov: the matrix is not symmetric")
    low = np.linalg.eigvalsh((c + c.T) / 2)[0]
    if not low > 0:
        raise ValueError(f"cov: the matrix is not positive definite (smallest eigenvalue {low:.6g})")
    return (c + c.T) / 2


def check_latent(latent, dims: int) -> int:
    """The latent dimension k, an integer with 1 <= k < D."""
    if not isinstance(latent, (int, np.integer)) or isinstance(latent, bool) or not 1 <= latent < dims:
        raise ValueError(f"latent: expected an integer k with 1 <= k < D = {dims}, got {latent!r}")
    return int(latent)


def _tau2(log_tau2: float) -> float:
    """exp(log_tau2), inf (quietly) where it overflows: :func:`loglik` and :func:`objective` then use the log."""
    with np.errstate(over="ignore"):
        return float(np.exp(log_tau2))


def loglik(w: np.ndarray, tau2: float, cov: np.ndarray, prior_sigma: float = 1.0, log_tau2=None) -> float:
    """Average exact log-likelihood of the decoder, E_x log N(x; b + W mu_p, sigma_p^2 W W^T + tau^2 I) for
    data of covariance C, the latent prior N(mu_p, sigma_p^2 I) (the optimal bias b absorbs W mu_p).

    ``log_tau2`` given (tau2 then unused): tau^2 = exp(log_tau2), and where that overflows (a VAE stopped by its
    NaN guard at log tau^2 = 800) the same from M = sigma_p^2 W W^T / tau^2 + I: log det = D log tau^2 + log det M,
    tr(S^-1 C) = tr(M^-1 C) / tau^2.
    """
    d = cov.shape[0]
    if log_tau2 is not None:
        tau2 = _tau2(log_tau2)
        if not np.isfinite(tau2):
            m = prior_sigma**2 * (w @ w.T) * np.exp(-log_tau2) + np.eye(d)
            _, logdet = np.linalg.slogdet(m)
            return float(-0.5 * (d * np.log(2 * np.pi) + d * log_tau2 + logdet
                                 + np.exp(-log_tau2) * np.trace(np.linalg.solve(m, cov))))
    s = prior_sigma**2 * (w @ w.T) + tau2 * np.eye(d)
    _, logdet = np.linalg.slogdet(s)
    return float(-0.5 * (d * np.log(2 * np.pi) + logdet + np.trace(np.linalg.solve(s, cov))))


def ppca(cov, latent: int) -> dict:
    """Maximum-likelihood probabilistic PCA (Tipping & Bishop 1999, eqs. 7-8), with R = I.

    W = U_k (Lambda_k - tau^2 I)^{1/2}, tau^2 = mean of the discarded eigenvalues of C.

    Returns
    -------
    dict
        ``w`` (D x k), ``tau2``, ``eigenvalues`` (descending) and ``loglik`` (average exact log-likelihood).
    """
    cov = covariance(cov) if not isinstance(cov, np.ndarray) else _validated(cov)
    k = check_latent(latent, cov.shape[0])
    lam, u = np.linalg.eigh(cov)
    lam, u = lam[::-1], u[:, ::-1]
    tau2 = float(np.mean(lam[k:]))
    w = u[:, :k] * np.sqrt(np.maximum(lam[:k] - tau2, 0.0))
    return {"w": w, "tau2": tau2, "eigenvalues": lam, "loglik": loglik(w, tau2, cov)}


def objective(w, v, sig, tau2, cov, penalty="kl", offset=None, log_tau2=None) -> float:
    """The expected per-datum objective L(W, V, sigma, tau^2) for data covariance C (module docstring).

    ``offset`` (k,): the encoder's mean offset c, mu(x) = V (x - b) + c (default 0); the penalty term is then
    sum_j E pen(c_j + mu_j, sigma_j) over codes mu_j of mean 0 (the decoder's bias absorbs W c). ``log_tau2`` in
    place of tau2: finite where tau^2 = exp(log_tau2) overflows (as :func:`loglik`).
    """
    d = cov.shape[0]
    r = np.eye(d) - w @ v
    recon = np.trace(r @ cov @ r.T) + np.sum(sig**2 * np.sum(w**2, axis=0))
    code_var = np.einsum("jd,de,je->j", v, cov, v)
    if offset is None or not np.any(offset):
        pen_terms = np.sum(expected_penalty(penalty).numeric()[0](code_var, sig))
    else:
        pen_obj = as_penalty(penalty)
        pen_terms = 0.0
        for j, c in enumerate(np.broadcast_to(np.asarray(offset, dtype=float), code_var.shape)):
            shifted = pen_obj.expr.subs(sym_mu, sym_mu + sp.Float(c, 17))
            pen_terms += float(expected_penalty(shifted).numeric()[0](code_var[j], sig[j]))
    if log_tau2 is not None:
        tau2 = _tau2(log_tau2)
        if not np.isfinite(tau2):
            return float(0.5 * d * (np.log(2 * np.pi) + log_tau2) + recon * np.exp(-log_tau2) / 2 + pen_terms)
    return float(0.5 * d * np.log(2 * np.pi * tau2) + recon / (2 * tau2) + pen_terms)


def objective_expr(penalty, dims: int, latent: int) -> tuple:
    """The expected objective derived by sympy from the definitions, for small D and k.

    E_{x, eps} of -log N(x; W (V (x - b) + sigma * eps) + b, tau^2 I) is expanded as a polynomial in the
    entries of e = x - b and eps, and each monomial is replaced by its moment (E e e^T = C, E eps eps^T = I,
    odd moments 0); the penalty term is sum_j g(E mu_j^2, sigma_j).

    Returns
    -------
    expr : sympy.Expr
    symbols : dict
        ``W`` (D x k), ``V`` (k x D), ``C`` (D x D, symmetric) as sympy matrices, ``sigma`` (list), ``tau2``.
    """
    w = sp.Matrix(dims, latent, lambda i, j: sp.Symbol(f"W_{i}{j}", real=True))
    v = sp.Matrix(latent, dims, lambda i, j: sp.Symbol(f"V_{i}{j}", real=True))
    c = sp.Matrix(dims, dims, lambda i, j: sp.Symbol(f"C_{min(i, j)}{max(i, j)}", real=True))
    sig = [sp.Symbol(f"sigma_{j}", positive=True) for j in range(latent)]
    tau2 = sp.Symbol("tau2", positive=True)
    e = sp.Matrix(sp.symbols(f"e_0:{dims}", real=True))
    eps = sp.Matrix(sp.symbols(f"eps_0:{latent}", real=True))
    code = v * e
    resid = e - w * (code + sp.diag(*sig) * eps)
    sq = _moments(sp.expand((resid.T * resid)[0]), e, eps, c)
    g = expected_penalty(penalty).expr
    if g is None:
        raise ValueError(f"penalty: {penalty!r} has no closed-form expectation; objective_expr needs one")
    pen_terms = sum(g.subs({s2: _moments(sp.expand(code[j] ** 2), e, eps, c), sym_sigma: sig[j]}, simultaneous=True)
                    for j in range(latent))
    expr = sp.Rational(dims, 2) * sp.log(2 * sp.pi * tau2) + sq / (2 * tau2) + pen_terms
    return expr, {"W": w, "V": v, "C": c, "sigma": sig, "tau2": tau2}


def _moments(poly: sp.Expr, e, eps, c) -> sp.Expr:
    """Replace each monomial of degree <= 2 in (e, eps) by its expectation."""
    gens = list(e) + list(eps)
    out = sp.S.Zero
    for monom, coeff in sp.Poly(poly, *gens).terms():
        idx = [i for i, p in enumerate(monom) for _ in range(p)]
        if not idx:
            out += coeff
        elif len(idx) == 2 and all(i < len(e) for i in idx):
            out += coeff * c[idx[0], idx[1]]
        elif len(idx) == 2 and idx[0] == idx[1]:
            out += coeff  # E eps_j^2 = 1
        elif len(idx) > 2:
            raise ValueError("moments beyond the second are not needed here")
    return out


def code_offset(penalty, prior=None) -> tuple:
    """The encoder's mean offset c (mu(x) = V (x - b) + c) at its best, and the penalty it leaves on codes of mean 0.

    The offset enters the objective only through E pen(c + mu, sigma), mu the code of mean 0 (the decoder's
    bias absorbs W c). For a penalty a0 + a1 mu + a2 mu^2 with a2 > 0 (a_i functions of sigma) the best offset is
    c = -a1 / (2 a2) and the penalty left is a0 - a1^2 / (4 a2) + a2 mu^2, exactly. Otherwise c is the prior's
    mean mu_p (0 without a prior; the best offset for every catalogue entry's general form, which is symmetric
    about mu_p and, after z' = (z - mu_p)/sigma_p, the entry against N(0, 1) or a multiple of it).

    Parameters
    ----------
    penalty : Penalty
        The penalty, already against the prior.
    prior : tuple (mu_p, sigma_p) or None
        As checked by :func:`vaemath.symbolic.prior.check_prior`.

    Returns
    -------
    penalty : Penalty
        penalty(c + mu, sigma) at the best c, same name (for codes of mean 0).
    offset : sympy.Expr
        c as a function of sigma.
    """
    from vaemath.symbolic import Penalty

    a = mu_coefficients(penalty.expr)
    if a is not None and a[1] != 0 and sp.simplify(a[2]).is_positive:
        c = sp.simplify(-a[1] / (2 * a[2]))
        expr = sp.expand(a[0] - sp.cancel(a[1] ** 2 / (4 * a[2])) + a[2] * sym_mu ** 2)
    else:
        c = sp.S.Zero if a is not None and a[1] == 0 else (prior[0] if prior else sp.S.Zero)
        expr = penalty.expr.subs(sym_mu, sym_mu + c) if c != 0 else penalty.expr
    if expr == penalty.expr:
        return penalty, c
    p = penalty
    return Penalty(p.name, expr, p.description, p.citation, p.provenance, p.sigma_means), c


def mu_coefficients(expr: sp.Expr) -> list | None:
    """[a0, a1, a2] when ``expr`` = a0 + a1 mu + a2 mu^2 with a_i free of mu, else None."""
    if not expr.is_polynomial(sym_mu):
        return None
    poly = sp.Poly(expr, sym_mu)
    if poly.degree() > 2:
        return None
    return (poly.all_coeffs()[::-1] + [sp.S.Zero, sp.S.Zero])[:3]
