"""The best encoder of the linear-Gaussian VAE for a fixed decoder, from its stationary conditions."""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.optimize import minimize, minimize_scalar

from vaemath.analysis.expectation import expected_penalty, s2
from vaemath.analysis.linear.model import covariance, objective
from vaemath.symbolic import penalty as as_penalty
from vaemath.symbolic import sigma as sym_sigma


def encoder_conditions(penalty="kl") -> dict:
    """Stationary conditions of the encoder for a fixed decoder, and their closed forms where sympy finds them.

    With g(s2, sigma) the expected penalty, dL/dV = 0 gives V = (W^T W + 2 tau^2 diag(c))^{-1} W^T with
    c_j = dg/ds2 at (s2_j, sigma_j); dL/dsigma_j = 0 gives dg/dsigma + sigma ||w_j||^2 / tau^2 = 0.

    Returns
    -------
    dict
        ``c`` (dg/ds2), ``sigma_equation`` (its left side, in s2, sigma, n = ||w_j||^2, tau2),
        ``sigma_solution`` (sigma in closed form, or None), ``V`` (the matrix formula, text) and
        ``assumption``.
    """
    ex = expected_penalty(penalty)
    if ex.expr is None:
        return {"c": None, "sigma_equation": None, "sigma_solution": None, "V": _V_TEXT, "assumption": ex.assumption}
    n, tau2 = sp.Symbol("n", nonnegative=True), sp.Symbol("tau2", positive=True)
    eq = sp.together(sp.diff(ex.expr, sym_sigma) + sym_sigma * n / tau2)
    roots = [rt for rt in _solve_small(sp.numer(eq), sym_sigma) if _positive_somewhere(rt, n, tau2)]
    sol = sp.simplify(roots[0]) if len(roots) == 1 else None
    return {"c": sp.simplify(sp.diff(ex.expr, s2)), "sigma_equation": eq, "sigma_solution": sol, "V": _V_TEXT,
            "assumption": ex.assumption}


def _solve_small(numerator: sp.Expr, x: sp.Symbol) -> list:
    """Roots in x of a numerator that is polynomial of degree <= 2 in x or in x^2; [] otherwise (no slow solve)."""
    if not numerator.is_polynomial(x):
        return []
    poly = sp.Poly(numerator, x)
    even = all(m[0] % 2 == 0 for m in poly.monoms())
    if poly.degree() > (4 if even else 2):
        return []
    return sp.solve(numerator, x)


def _positive_somewhere(root: sp.Expr, n, tau2) -> bool:
    """A root that is a positive real at a typical point (s2, n, tau2) = (1/2, 3/2, 1/3)."""
    val = sp.N(root.subs({s2: sp.Rational(1, 2), n: sp.Rational(3, 2), tau2: sp.Rational(1, 3)}))
    return bool(val.is_real and val > 0)


_V_TEXT = "V = (W^T W + 2 tau^2 diag(c))^{-1} W^T, c_j = dg/ds2 at (s2_j, sigma_j)"


def optimal_encoder(w, tau2: float, cov, penalty="kl", sigma_means: str = "std") -> dict:
    """The best encoder (V, sigma) for a fixed decoder (W, tau^2), from the stationary conditions.

    V = (W^T W + 2 tau^2 diag(c))^{-1} W^T with c_j = dg/ds2; sigma_j solves dg/dsigma + sigma ||w_j||^2/tau^2 = 0
    (:func:`~vaemath.analysis.linear.encoder_conditions`). Closed form when c is a constant and sympy solves the
    sigma equation; otherwise the coupled conditions are solved by minimising the objective over (V, sigma).

    Returns
    -------
    dict
        ``v`` (k x D), ``sigma`` (k,), ``method`` ("closed form", "closed-form V, numeric sigma" or "numeric").
    """
    cov = covariance(cov) if not isinstance(cov, np.ndarray) else cov
    w = np.asarray(w, dtype=float)
    if w.ndim != 2 or w.shape[0] != cov.shape[0]:
        raise ValueError(f"w: expected shape (D, k) with D = {cov.shape[0]}, got {w.shape}")
    if not tau2 > 0:
        raise ValueError(f"tau2: expected a positive number, got {tau2!r}")
    pen_obj = as_penalty(penalty, sigma_means)
    cond, k = encoder_conditions(pen_obj), w.shape[1]
    n = np.sum(w**2, axis=0)
    if cond["c"] is not None and not cond["c"].free_symbols:
        v = np.linalg.solve(w.T @ w + 2 * tau2 * float(cond["c"]) * np.eye(k), w.T)
        code_var = np.einsum("jd,de,je->j", v, cov, v)
        if cond["sigma_solution"] is not None:
            sol = cond["sigma_solution"]
            fn = sp.lambdify(sorted(sol.free_symbols, key=str), sol, ["scipy", "numpy"])
            args = {"n": n, "s2": code_var, "tau2": np.full(k, tau2)}
            names = [s.name for s in sorted(cond["sigma_solution"].free_symbols, key=str)]
            return {"v": v, "sigma": np.asarray(fn(*(args[a] for a in names)), dtype=float) + 0 * n,
                    "method": "closed form"}
        g = expected_penalty(pen_obj).numeric()[0]
        sig = np.array([np.exp(minimize_scalar(lambda ls, j=j: float(g(code_var[j], np.exp(ls)))
                                               + np.exp(2 * ls) * n[j] / (2 * tau2),
                                               bounds=(-20, 10), method="bounded", options={"xatol": 1e-12}).x)
                        for j in range(k)])
        return {"v": v, "sigma": sig, "method": "closed-form V, numeric sigma"}
    return _numeric_encoder(w, tau2, cov, pen_obj)


def _numeric_encoder(w, tau2, cov, pen_obj) -> dict:
    d, k = w.shape
    v0 = np.linalg.solve(w.T @ w + tau2 * np.eye(k), w.T)

    def f(x):
        return objective(w, x[:d * k].reshape(k, d), np.exp(x[d * k:]), tau2, cov, pen_obj)

    res = minimize(f, np.concatenate([v0.ravel(), np.zeros(k)]), method="BFGS", options={"gtol": 1e-10})
    return {"v": res.x[:d * k].reshape(k, d), "sigma": np.exp(res.x[d * k:]), "method": "numeric"}
