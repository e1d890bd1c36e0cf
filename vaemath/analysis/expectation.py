"""The expected penalty E pen(mu, sigma) over the data, for a code mu with mean 0 and variance s2.

In the linear-Gaussian VAE each code mu_j = v_j^T (x - b) has mean 0 and variance s2 = (V C V^T)_jj.
For a penalty polynomial of degree <= 2 in mu, E pen depends on the data only through s2, for any data
distribution with covariance C. For any other penalty it is computed under the stated assumption that
the data are Gaussian N(b, C), so that mu_j ~ N(0, s2): by sympy integration where it succeeds, else by
Gauss-Hermite quadrature (80 nodes) of the penalty and of its derivatives, or, for a penalty with abs, max,
min or a fractional power of an expression in mu (kinks and cones such as sqrt(mu^2 + (sigma - 1)^2), which
Gauss-Hermite resolves only to ~1e-3), adaptive quadrature (scipy.integrate.quad) per value. A sympy integral
in special functions numpy cannot evaluate (Meijer G, polar_lift) is not used: quadrature instead.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy import integrate

from vaemath.symbolic import Penalty, mu, sigma
from vaemath.symbolic import penalty as as_penalty
from vaemath.symbolic.nonsmooth import is_smooth
from vaemath.symbolic.penalty import infer_domain

s2 = sp.Symbol("s2", nonnegative=True)  # variance of the code mu over the data
_t = sp.Symbol("t", real=True)

ASSUMPTION_EXACT = "exact for any data with covariance C: the penalty is polynomial of degree <= 2 in mu"
ASSUMPTION_GAUSSIAN = ("assumes Gaussian data x ~ N(b, C), so each code mu_j ~ N(0, s2_j): the penalty is not "
                       "polynomial of degree <= 2 in mu")
_SCALAR = {"Heaviside": lambda x, h0=0.5: 1.0 if x > 0 else 0.0 if x < 0 else h0,
           "sign": lambda x: (x > 0) - (x < 0)}
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_WEIGHTS = _WEIGHTS / np.sqrt(2 * np.pi)


@dataclass(frozen=True)
class ExpectedPenalty:
    """g(s2, sigma) = E pen(mu, sigma) for mu with mean 0 and variance s2, with its partial derivatives.

    Attributes
    ----------
    penalty : Penalty
    expr : sympy.Expr or None
        g in the symbols ``s2`` and ``sigma``; None when only quadrature is available.
    exact : bool
        True when g holds for any data distribution (penalty quadratic in mu).
    assumption : str
    method : {"second moments", "sympy integration", "Gauss-Hermite quadrature", "adaptive quadrature"}
    """

    penalty: Penalty
    expr: sp.Expr | None
    exact: bool
    assumption: str
    method: str

    def numeric(self):
        """Three numpy functions of (s2, sigma): g, dg/ds2 and dg/dsigma."""
        return _numeric(self.penalty.expr, self.expr)

    def shifted(self):
        """Four numpy functions of (s2, sigma, c): h = E pen(c + mu, sigma) over mu with mean 0 and variance s2
        (Gaussian), dh/ds2, dh/dsigma and dh/dc, by the same quadrature as :meth:`numeric` (Gauss-Hermite, or
        adaptive for kinks and cones): the encoder's offset c as one more variable."""
        return _shifted(self.penalty.expr)


def expected_penalty(penalty, sigma_means: str = "std") -> ExpectedPenalty:
    """E pen(mu, sigma) over codes mu with mean 0 and variance s2, as g(s2, sigma).

    Parameters
    ----------
    penalty : str, sympy.Expr or Penalty
        The penalty (see :func:`vaemath.symbolic.penalty`).
    sigma_means : {"std", "var"}

    Returns
    -------
    ExpectedPenalty

    Examples
    --------
    >>> expected_penalty("kl").expr
    s2/2 + sigma**2/2 - log(sigma) - 1/2
    """
    return _expected(as_penalty(penalty, sigma_means))


@lru_cache(maxsize=64)
def _expected(pen: Penalty) -> ExpectedPenalty:
    poly = sp.Poly(pen.expr, mu) if pen.expr.is_polynomial(mu) else None
    if poly is not None and poly.degree() <= 2:
        coeff = poly.all_coeffs()[::-1] + [0, 0]
        return ExpectedPenalty(pen, sp.expand(coeff[0] + coeff[2] * s2), True, ASSUMPTION_EXACT, "second moments")
    expr = _integrate(pen.expr)
    method = "sympy integration" if expr is not None else "Gauss-Hermite quadrature"
    if expr is None and _kinked(pen.expr):
        method = "adaptive quadrature"
    return ExpectedPenalty(pen, expr, False, ASSUMPTION_GAUSSIAN, method)


def _integrate(expr: sp.Expr) -> sp.Expr | None:
    """E over mu ~ N(0, s2) by sympy, tried only where mu enters through powers and exp (else None)."""
    if not is_smooth(expr) or any(not isinstance(f, sp.exp) for f in expr.atoms(sp.Function) if f.has(mu)):
        return None
    s = sp.Symbol("s", positive=True)
    density = sp.exp(-_t**2 / 2) / sp.sqrt(2 * sp.pi)
    value = sp.integrate(sp.expand(expr.subs(mu, s * _t)) * density, (_t, -sp.oo, sp.oo), conds="none")
    if value.has(sp.Integral, sp.Piecewise, sp.meijerg, sp.hyper, sp.polar_lift):
        return None  # special functions numpy cannot evaluate: quadrature instead
    g = sp.expand_log(sp.simplify(value.subs(s, sp.sqrt(s2))), force=True)  # log(sigma**61) overflows: 61 log(sigma)
    try:
        for e in (g, sp.diff(g, s2), sp.diff(g, sigma)):
            sp.lambdify((s2, sigma), e, ["scipy", "numpy"])
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None
    return g


def _kinked(expr: sp.Expr) -> bool:
    """abs, max, min, or a fractional power of an expression in mu (a cone such as sqrt(mu^2 + ...)): kinks that
    80-node Gauss-Hermite resolves only to ~1e-3."""
    return not is_smooth(expr) or any(not p.exp.is_integer and p.base.has(mu) for p in expr.atoms(sp.Pow))


@lru_cache(maxsize=64)
def _numeric(pen_expr: sp.Expr, g: sp.Expr | None):
    if g is not None:
        fns = (sp.lambdify((s2, sigma), e, ["scipy", "numpy"]) for e in (g, sp.diff(g, s2), sp.diff(g, sigma)))
        return tuple(_on_domain(fn, infer_domain(pen_expr), k == 0) for k, fn in enumerate(fns))
    smooth = not _kinked(pen_expr)
    modules = ["scipy", "numpy"] if smooth else [_SCALAR, "math"]  # scalar calls inside adaptive quadrature: plain math
    f, f_m, f_s = (sp.lambdify((mu, sigma), e, modules)
                   for e in (pen_expr, sp.diff(pen_expr, mu), sp.diff(pen_expr, sigma)))
    quad = _gauss_hermite if smooth else _adaptive

    def g_s(v, sd):  # d/ds2 E f(sqrt(s2) t) = E[f'(sqrt(s2) t) t] / (2 sqrt(s2)): needs f' only (kinks allowed)
        root = np.sqrt(np.maximum(np.asarray(v, float), 1e-300))
        return quad(lambda m, s: f_m(m, s) * m)(v, sd) / (2 * root**2)

    return quad(f), g_s, quad(f_s)


@lru_cache(maxsize=64)
def _shifted(pen_expr: sp.Expr):
    smooth = not _kinked(pen_expr)
    modules = ["scipy", "numpy"] if smooth else [_SCALAR, "math"]
    f, f_m, f_s = (sp.lambdify((mu, sigma), e, modules)
                   for e in (pen_expr, sp.diff(pen_expr, mu), sp.diff(pen_expr, sigma)))
    quad = _gauss_hermite if smooth else _adaptive

    def g_s(v, sd, c):  # d/ds2 E f(c + sqrt(s2) t) = E[f'(c + sqrt(s2) t) t] / (2 sqrt(s2))
        root = np.sqrt(np.maximum(np.asarray(v, float), 1e-300))
        return quad(f_m, times_t=True)(v, sd, c) / (2 * root)

    return quad(f), g_s, quad(f_s), quad(f_m)


def _on_domain(fn, domain, value: bool):
    """``fn`` of (s2, sigma) with the penalty's value outside its domain (renyi(2): +oo where 2 - sigma^2 <= 0,
    a condition on sigma alone), and no warning from the closed form's complex continuation there."""
    if domain.everywhere:
        return fn
    inside = sp.lambdify(sigma, domain.condition, "numpy")
    outside = float(domain.outside) if value else np.nan

    def on_domain(v, sd):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(inside(np.asarray(sd, float)), fn(v, sd), outside)
    return on_domain


def _gauss_hermite(fn, times_t: bool = False):
    """E fn(c + sqrt(s2) t, sigma) (times t if ``times_t``), t ~ N(0, 1), by 80-node Gauss-Hermite, broadcast over
    arrays of (s2, sigma[, c]); c = 0 unless given."""
    def h(v, sd, c=0.0):
        v, sd, c = np.broadcast_arrays(np.asarray(v, float), np.asarray(sd, float), np.asarray(c, float))
        vals = fn(c[..., None] + np.sqrt(v)[..., None] * _NODES, sd[..., None] + 0 * _NODES)
        return np.sum(vals * (_WEIGHTS * _NODES if times_t else _WEIGHTS), axis=-1)
    return h


def _adaptive(fn, times_t: bool = False):
    """E fn(c + sqrt(s2) t, sigma) (times t if ``times_t``) by adaptive quadrature per value: accurate across the
    kinks of abs, max, min; c = 0 unless given."""
    def safe(m, sd):
        try:
            return fn(m, sd)
        except (ZeroDivisionError, ValueError):  # 0/0 at a cone's tip (d sqrt(kl)/dmu where kl rounds to 0): a
            return 0.0  # bounded integrand on a set quad samples at a few nodes of tiny weight

    def one(v, sd, c):
        r = math.sqrt(v)
        if r == 0:
            return 0.0 if times_t else safe(c, sd)
        with warnings.catch_warnings():  # round-off at 1e-12 on a kink: the value is still good to ~1e-12
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            value = integrate.quad(lambda t: safe(c + r * t, sd) * (t if times_t else 1.0) * math.exp(-t * t / 2),
                                   -math.inf, math.inf, epsabs=1e-12, epsrel=1e-11, limit=200)[0]
        return value / math.sqrt(2 * math.pi)
    vectorised = np.vectorize(one, otypes=[float])
    return lambda v, sd, c=0.0: vectorised(np.asarray(v, float), np.asarray(sd, float), np.asarray(c, float))
