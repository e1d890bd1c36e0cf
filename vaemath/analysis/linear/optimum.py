"""Optimum or infimum of the linear-Gaussian VAE objective, by analysis confirmed by multi-start optimisation.

Candidate families, each with its exact value:

- ``kl``: probabilistic PCA (Tipping & Bishop 1999), attained, where the ELBO equals the log-likelihood;
- collapse, W = 0 = V: D/2 log(2 pi e tr(C)/D) + k min_sigma pen(0, sigma), attained;
- the rescaling path, when p0 = lim_{c->0+} pen(c mu, c sigma) is a finite constant: k' <= k columns
  w_j = u_j sqrt(lambda_j) / c, codes v_j = c u_j^T / sqrt(lambda_j), sigma_j = c^2, c -> 0, the other
  columns collapsed. Reconstruction tends to the deterministic rank-k' optimum and each active penalty to
  p0, so the objective tends to D/2 log(2 pi e sum_{i>k'} lambda_i / D) + k' p0 + (k - k') min pen(0, .),
  an infimum approached with sigma -> 0 and ||W|| -> oo and never attained;
- interior stationary points: L-BFGS-B from seeded random starts on the exact objective, with tau^2
  profiled out in closed form (tau^2 = reconstruction / D).
"""

from __future__ import annotations

import math
import warnings
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import minimize, minimize_scalar

from vaemath.analysis.equivalence import rescaling
from vaemath.analysis.expectation import expected_penalty, s2
from vaemath.analysis.linear.model import check_latent, code_offset, covariance, loglik, mu_coefficients, ppca
from vaemath.symbolic import DEFAULT_BUDGET, limit, mu, sigma
from vaemath.symbolic import penalty as as_penalty
from vaemath.symbolic.budget import attempt, check_budget
from vaemath.symbolic.calculus import backed_limit, checked_limit, descent_path, with_domain
from vaemath.symbolic.numerals import numbers_shown
from vaemath.symbolic.parser import refers_to_prior
from vaemath.symbolic.prior import check_prior

try:  # shipped with scikit-learn, a dependency
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

_INTERIOR_SIGMA, _INTERIOR_NORM2 = 1e-3, 1e6  # beyond these a numeric optimum is drifting to a boundary
TOL_ATTAINED = 1e-7  # relative: the search must reach an attained optimum this closely to confirm it
TOL_INFIMUM = 1e-4  # relative: an infimum along a path is only approached (sigma >= exp(-25) in the search)
_LOG_SIGMA = (-25.0, 5.0)
_FAR_LOG_SIGMA, _FAR_OFFSET = 30.0, 1e6  # a numeric least point beyond these is a drift, never an attained minimum
_ZERO_CODE_LOG_SIGMA = (-20.0, 10.0)  # the bounded search for min_sigma pen(0, sigma)
_FLOAT_END_SIGMA = 1e-300  # a corner sigma below it: the search ran to float64's least sigma (5e-324)


@dataclass(frozen=True, eq=False)
class LinearResult:
    """The linear-Gaussian VAE at the optimum of a penalty, or along the path to its infimum."""

    penalty: str
    objective: float
    attained: bool
    path: str
    sigma: list
    tau2: float
    w_col_norms2: list
    loglik: float | None
    loglik_limit: str | None
    ppca_loglik: float
    assumption: str
    candidates: dict = field(default_factory=dict)
    numeric: dict = field(default_factory=dict)
    expectation: str = ""
    path_values: list | None = None
    w: np.ndarray | None = field(default=None, repr=False)
    v: np.ndarray | None = field(default=None, repr=False)
    offset: list | None = None

    def to_dict(self) -> dict:
        """Plain data for JSON (limit values as "oo"); ``sigma`` as strings sympy reads back, one type whatever the
        value (review r8m D3): "0.5229261035", "0.0" (a limit), "oo", "exp(-800.0)" past float64's range; null where
        not known."""
        objective = "-oo" if self.objective == -np.inf else self.objective
        return {"penalty": self.penalty, "objective": objective, "attained": self.attained, "path": self.path,
                "sigma": [None if x is None else x if isinstance(x, str) else repr(float(x)) for x in self.sigma],
                "tau2": self.tau2, "w_col_norms2": self.w_col_norms2, "loglik": self.loglik,
                "loglik_limit": self.loglik_limit, "ppca_loglik": self.ppca_loglik, "assumption": self.assumption,
                "candidates": {k: "-oo" if v == -np.inf else v for k, v in self.candidates.items()},
                "numeric": self.numeric, "expectation": self.expectation, "path_values": self.path_values,
                "offset": self.offset}

    def __str__(self) -> str:
        d = self.to_dict()
        kind = "infimum (not attained)"
        if self.numeric.get("bound") == "upper":
            kind = "upper bound (numeric search; the infimum may be lower)"
        elif self.attained:
            kind = "minimum (attained)" if self.numeric.get("confirmed") else "minimum (not confirmed by the search)"
        value = "-oo (unbounded below)" if self.objective == -np.inf else f"{self.objective:.10g}"
        lines = [f"linear-Gaussian VAE, penalty {self.penalty}: {kind} {value} per datum",
                 f"  where: {self.path}"]
        keys = ("sigma", "tau2", "w_col_norms2", "loglik", "loglik_limit", "ppca_loglik")
        lines += [f"  {k}: {self.sigma if k == 'sigma' else d[k]}"  # sigma's values, not the JSON's strings
                  for k in keys + (("offset",) if any(self.offset or []) else ())]
        lines.append(f"  candidates: {d['candidates']}")
        lines.append(f"  numeric: {self.numeric}")
        lines.append(f"  assumption: {self.assumption}")
        if self.expectation:
            lines.append(f"  expectation: {self.expectation}")
        return numbers_shown("\n".join(lines))  # long exact numbers by one rule; to_dict keeps every digit


class _Profiled:
    """The exact objective with tau^2 profiled out, and its gradient, over theta = (W, V, log sigma), and the
    encoder's offsets c (k of them, added to the penalty's argument) when ``free_offset``."""

    def __init__(self, cov: np.ndarray, k: int, pen, free_offset: bool = False, budget=DEFAULT_BUDGET):
        self.cov, self.d, self.k, self.free = cov, cov.shape[0], k, free_offset
        ex = self.ex = expected_penalty(pen, budget=budget)
        if free_offset:
            self.g, self.g_s, self.g_sigma, self.g_c = ex.shifted()
        else:
            g, g_s, g_sigma = ex.numeric()
            self.g, self.g_s, self.g_sigma = (lambda v, sd, c, h=h: h(v, sd) for h in (g, g_s, g_sigma))

    def split(self, theta):
        d, k = self.d, self.k
        return (theta[:d * k].reshape(d, k), theta[d * k:2 * d * k].reshape(k, d),
                np.exp(theta[2 * d * k:2 * d * k + k]))

    def offsets(self, theta) -> np.ndarray:
        """The offsets c (relative to the penalty's own mu = 0), zeros when they are not searched."""
        return theta[2 * self.d * self.k + self.k:] if self.free else np.zeros(self.k)

    def theta(self, w, v, log_sig, c=None) -> np.ndarray:
        """theta from W, V, log sigma and the offsets c (0 when None; dropped when they are not searched)."""
        extra = [np.zeros(self.k) if c is None else np.asarray(c, float)] if self.free else []
        return np.concatenate([np.ravel(w), np.ravel(v), np.asarray(log_sig, float)] + extra)

    def parts(self, w, v, sig):
        resid = np.eye(self.d) - w @ v
        n = np.sum(w**2, axis=0)
        rec = np.trace(resid @ self.cov @ resid.T) + np.sum(sig**2 * n)
        return resid, n, rec, np.einsum("jd,de,je->j", v, self.cov, v)

    def __call__(self, theta):
        w, v, sig = self.split(theta)
        c = self.offsets(theta)
        with np.errstate(all="ignore"):
            resid, n, rec, code_var = self.parts(w, v, sig)
            value = 0.5 * self.d * (np.log(2 * np.pi * rec / self.d) + 1) + np.sum(self.g(code_var, sig, c))
            gs = np.asarray(self.g_s(code_var, sig, c)) + 0 * sig
            gsig = np.asarray(self.g_sigma(code_var, sig, c)) + 0 * sig
            gc = [np.asarray(self.g_c(code_var, sig, c)) + 0 * sig] if self.free else []
        if not np.isfinite(value) or rec <= 0:
            return 1e300, np.zeros_like(theta)
        scale = self.d / (2 * rec)
        grad_w = scale * (-2 * resid @ self.cov @ v.T + 2 * w * sig**2)
        grad_v = scale * (-2 * w.T @ resid @ self.cov) + 2 * gs[:, None] * (v @ self.cov)
        grad_ls = scale * 2 * sig**2 * n + sig * gsig
        return value, np.concatenate([grad_w.ravel(), grad_v.ravel(), grad_ls] + gc)

    def value(self, theta) -> float:
        """The objective alone (no gradient: one quadrature per dimension, not three)."""
        w, v, sig = self.split(theta)
        with np.errstate(all="ignore"):
            _, _, rec, code_var = self.parts(w, v, sig)
            value = (0.5 * self.d * (np.log(2 * np.pi * rec / self.d) + 1)
                     + np.sum(self.g(code_var, sig, self.offsets(theta))))
        return float(value) if np.isfinite(value) and rec > 0 else 1e300

    def tau2(self, w, v, sig) -> float:
        return float(self.parts(w, v, sig)[2] / self.d)


def _multistart(f: _Profiled, cov, starts: int, seed: int) -> list:
    """Local minima from seeded random starts and from pPCA; each as (value, W, V, sigma, c)."""
    rng = np.random.default_rng(seed)
    d, k, scale = f.d, f.k, np.sqrt(np.trace(cov) / f.d)
    pp = ppca(cov, k)
    m = pp["w"].T @ pp["w"] + pp["tau2"] * np.eye(k)
    inits = [f.theta(pp["w"], np.linalg.solve(m, pp["w"].T), np.zeros(k))]
    for _ in range(starts):
        inits.append(f.theta(rng.normal(0, scale, d * k), rng.normal(0, 1 / scale, d * k), rng.normal(-0.5, 0.5, k)))
    return _local_minima(f, inits)


def _local_minima(f: _Profiled, inits: list) -> list:
    """L-BFGS-B from each start in ``inits``; (value, W, V, sigma, c) sorted by value."""
    log_sigma = getattr(f, "log_sigma", _LOG_SIGMA)
    bounds = [(None, None)] * (2 * f.d * f.k) + [log_sigma] * f.k + [(None, None)] * (f.k if f.free else 0)
    found = []
    # one BLAS thread: tiny matrices, where threads only contend (30x slower on a busy machine)
    with threadpool_limits(1) if threadpool_limits else nullcontext():
        for x0 in inits:
            res = minimize(f, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": getattr(f, "maxiter", 5000), "ftol": 1e-15, "gtol": 1e-11})
            found.append((float(res.fun), *f.split(res.x), f.offsets(res.x)))
    return sorted(found, key=lambda t: t[0])


def _offset_starts(f: _Profiled, best: tuple, least: tuple, collapse_wins: bool, even: bool, seed: int) -> list:
    """The search with the offsets c free (``f.free``), from up to two starts: the best point found with c = mu_p
    (at c = the least point's c instead when the penalty is even in mu, where dE/dc = 0 at c = mu_p by symmetry),
    and, when the collapse at ``least`` = (c, sigma), the penalty's least point, beats that best point, near the
    collapse (W, V small and seeded-random, not 0: the search must reach the collapse, not start there)."""
    rng = np.random.default_rng([seed, 1])
    d, k, scale = f.d, f.k, np.sqrt(np.trace(f.cov) / f.d)
    inits = []
    if not even or least[0] != 0:
        inits.append(f.theta(best[1], best[2], np.log(best[3]), np.full(k, least[0]) if even else None))
    if collapse_wins:
        inits.append(f.theta(rng.normal(0, 0.1 * scale, d * k), rng.normal(0, 0.1 / scale, d * k),
                             np.full(k, np.log(np.clip(least[1], *np.exp(f.log_sigma)))), np.full(k, least[0])))
    return _local_minima(f, inits) if inits else []


def _log_sigma_bounds(sig_min: float) -> tuple:
    """The search's bounds on log sigma: _LOG_SIGMA widened to reach a collapsed dimension's sigma (review r8p B2:
    mu**2 - sigma + sigma**2/1000 collapses at sigma = 500, beyond e^5, and the search stopped at the bound)."""
    try:
        sig_min = float(sig_min)  # an exact edge is text ('sqrt(2)'), a far one "oo" or 0.0
    except (TypeError, ValueError):
        return _LOG_SIGMA
    if not (sig_min > 0 and abs(math.log(sig_min)) <= _FAR_LOG_SIGMA):
        return _LOG_SIGMA
    return min(_LOG_SIGMA[0], math.log(sig_min) - 1), max(_LOG_SIGMA[1], math.log(sig_min) + 1)


def _interior(sig, w, small_sigma_ok: bool = False) -> bool:
    """Not drifting to a boundary: ||w_j||^2 bounded, and sigma_j above _INTERIOR_SIGMA unless the penalty tends to
    +oo as sigma -> 0+ (``small_sigma_ok``: 1e-6 kl has its minimum at sigma = 4e-4, attained)."""
    return bool((small_sigma_ok or np.min(sig) > _INTERIOR_SIGMA) and np.max(np.sum(w**2, axis=0)) < _INTERIOR_NORM2)


def _min_at_zero_code(pen_obj, budget=DEFAULT_BUDGET) -> tuple:
    """(min over sigma of pen(0, sigma), its argmin): the price of a collapsed latent dimension."""
    g = expected_penalty(pen_obj, budget=budget).numeric()[0]
    # exp(1000*sigma) or exp(1/sigma) at the ends of the bracket: inf, a point not taken (Brent's parabola is then NaN)
    with np.errstate(over="ignore", invalid="ignore"):
        res = minimize_scalar(lambda ls: float(g(0.0, np.exp(ls))), bounds=_ZERO_CODE_LOG_SIGMA, method="bounded",
                              options={"xatol": 1e-12})
    return float(res.fun), float(np.exp(res.x))


def _least_value(pen_obj) -> tuple | None:
    """(least value, mu, sigma) of pen(mu, sigma) found by Nelder-Mead from 7 starts over (mu, log sigma), or None:
    with W = 0 = V the code is the offset c itself, so the collapse with c free pays k times this value."""
    fn = sp.lambdify((mu, sigma), pen_obj.expr, "numpy")

    def h(x):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = complex(fn(x[0], np.exp(x[1])))
        return v.real if np.isfinite(v) and abs(v.imag) < 1e-12 else np.inf

    best = (np.inf, 0.0, 1.0)
    for x0 in ((0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (2.0, 0.5), (-2.0, 0.5)):
        res = minimize(h, x0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxfev": 4000})
        if res.fun < best[0]:
            with np.errstate(over="ignore"):  # a search run off to sigma = inf: a far boundary, said so by the caller
                best = (float(res.fun), float(res.x[0]), float(np.exp(res.x[1])))
    return best if np.isfinite(best[0]) else None


def _where_least_1d(h: sp.Expr, value: sp.Expr, attained: bool, budget):
    """sigma where h, a function of sigma alone, reaches its exact infimum ``value``: the critical point there when
    ``attained`` (a float), else the end (0.0 or "oo") or the edge of h's domain (its exact value as a string sympy
    reads, "sqrt(2)", approached from inside: :func:`_edge_of_least`) where h tends to it; None when not found."""
    v = float(value)
    if attained:
        done, crit = attempt(sp.solveset, sp.diff(h, sigma), sigma, sp.Interval.open(0, sp.oo), budget=budget)
        for c in (crit if done and isinstance(crit, sp.FiniteSet) else ()):
            at = sp.N(h.subs(sigma, c), 30)
            if c.is_real and at.is_real and abs(float(at) - v) <= 1e-12 * (1 + abs(v)):
                return float(c)
        return None
    for end, side, out in ((0, "+", 0.0), (sp.oo, "-", "oo")):
        lim = limit(h, sigma, end, side, budget)
        if lim is not None and lim.is_number and lim.is_finite and abs(float(lim) - v) <= 1e-12 * (1 + abs(v)):
            return out
    edge = _edge_of_least(h, (sp.S.Zero,), value, budget)
    return None if edge is None else edge[1]


def _edge_of_least(e: sp.Expr, mus: tuple, value: sp.Expr, budget) -> tuple | None:
    """(mu, sigma edge as a string, side) where pen(mu, sigma) tends to ``value`` as sigma runs to an edge of its domain
    from inside (renyi(2) + log(2 - sigma**2)/2 at mu = 0: -log(2)/2 as sigma -> sqrt(2)-), the limit backed by
    evaluations, for mu in ``mus``; None when no edge gives it."""
    from vaemath.symbolic.domains import domain_edges

    v = float(value)
    for z, side in domain_edges((e,), budget):
        for m0 in mus:
            lim, _, backed = checked_limit(e.subs(mu, m0), sigma, z, side, budget)
            if (backed and lim is not None and lim.is_number and lim.is_finite
                    and abs(float(lim) - v) <= 1e-12 * (1 + abs(v))):
                return float(m0), str(z), side
    return None


def _exact_collapse(pen_obj, free: bool, budget, numeric_least: float, least_c: float = 0.0) -> dict | None:
    """The collapsed dimension's price from the penalty's own exact infimum: inf_sigma pen(0, sigma) (c fixed at its
    best, 0 here), or inf pen over (mu, sigma) when the offset c is searched (``free``). {"value", "attained",
    "where", "sigma", "c", "exact" (the value's sympy text), "side"} (sigma a float, 0.0 or "oo" at the end
    approached, the edge of the domain as a string with "side" the side it is approached from, or None; c a float or
    None), or None when not exact, or when the numeric least value found lies below it (then the numeric route
    stands)."""
    from vaemath.symbolic import MinimizerSet, infimum, minimizer
    from vaemath.symbolic.calculus import infimum_1d

    h = pen_obj.expr if free else pen_obj.expr.subs(mu, 0)
    inf = infimum_1d(h, sigma, budget) if not h.has(mu) else infimum(h, budget)
    value = None if inf is None else inf.get("value")
    if (inf is None or inf.get("method") != "exact" or value is None or not (value.is_number and value.is_finite)
            or inf.get("attained") is None or numeric_least < float(value) - 1e-9 * (1 + abs(float(value)))):
        return None
    out = {"value": float(value), "exact": str(value), "attained": bool(inf["attained"]),
           "where": str(inf.get("where", "")),
           "sigma": None, "c": 0.0 if not free else None}
    edge, end = None, inf.get("end")
    if not out["attained"] and not h.has(mu) and end is not None:  # the end infimum_1d took the limit at (not
        x0, side = end  # taken twice: a limit at renyi(E/2)'s edge takes seconds)
        if x0 == 0 or x0 == sp.oo:
            out["sigma"] = 0.0 if x0 == 0 else "oo"
        else:  # the edge's shortest form: sqrt(E/(E - 2)), not sqrt(-1/(2 - E))*exp(1/2)
            edge = (0.0, str(min((x0, sp.sqrt(sp.factor(x0**2))), key=sp.count_ops)), side)
    elif not out["attained"] and h.has(mu):  # approached at an edge of the domain, at mu = 0 or near the least point
        mus = (sp.S.Zero,) + ((sp.nsimplify(round(least_c, 6)),) if math.isfinite(least_c) and least_c != 0 else ())
        edge = _edge_of_least(h, mus, value, budget)
    if edge is not None:
        out["c"], out["sigma"], out["side"] = edge
    elif not h.has(mu) and out["sigma"] is None:
        out["sigma"] = _where_least_1d(h, value, out["attained"], budget)
    elif out["attained"]:
        best = minimizer(h, "std", budget)
        if (best is not None and not isinstance(best, MinimizerSet)
                and all(best.point[x].is_number for x in (mu, sigma))):
            out["c"], out["sigma"] = float(best.point[mu]), float(best.point[sigma])
    return out


def _numeric_edge(pen_obj, sig: float, budget) -> tuple | None:
    """(edge as a string, side) when the numeric least sigma of the collapse lies within 1e-6 (relative) of an edge of
    the penalty's domain (:func:`~vaemath.symbolic.domains.domain_edges`): the least value is approached there, not
    attained (renyi(2) + log(2 - sigma**2)/2 with its exact infimum past the budget: sigma = 1.4142135586); None
    otherwise."""
    from vaemath.symbolic.domains import domain_edges

    if not (isinstance(sig, float) and 0 < sig < math.inf):
        return None
    for z, side in domain_edges((pen_obj.expr,), budget):
        zf = float(z)
        if abs(sig - zf) <= 1e-6 * zf:
            return str(z), side
    return None


def _scanned_collapse(pen_obj, budget, numeric_least: float) -> dict | None:
    """The collapse's price when the bounded search for min_sigma pen(0, sigma) ran off and sympy decided no exact
    infimum: the least point of pen(0, sigma) found by derive's scan in t = log sigma by mpmath (e^+-700, followed
    past float64's range: :func:`vaemath.symbolic.calculus.far_minimum_1d`), a value the penalty takes there (an
    upper bound on its infimum, review r8l A7: -102.36 at sigma = e^300, where the search stopped at -1.67); None
    unless it is a bracketed minimum below ``numeric_least``."""
    from vaemath.symbolic.calculus import far_minimum_1d

    h = pen_obj.expr.subs(mu, 0)
    if h.has(mu) or not h.has(sigma):
        return None
    found = far_minimum_1d(h, budget, inside=True)
    if found is None or found["kind"] != "minimum" or not float(found["value"]) < numeric_least:
        return None
    t = float(found["t"])
    return {**found, "float": math.exp(t) if abs(t) < 700 else str(found["sigma"])}


def _derived_collapse(pen_obj, budget, reached: tuple) -> dict | None:
    """The collapse's price when the offset c is searched and the Nelder-Mead search for the penalty's least value ran
    off: derive's minimiser (its far scan in log sigma included: a point exp(t) past float64's range), as
    :func:`_scanned_collapse`'s dict with the offset ``c``; None unless it is a point whose value is not above the
    penalty's value at the point the search ``reached`` (c, sigma), taken at high precision: float64's value there is
    no bound (sigma*log(1 + 1/sigma) is 0 past 1e16, not 1: -110.36 read for -109.36 at e^300, review r8l A7)."""
    from vaemath.symbolic import infimum, minimizer
    from vaemath.symbolic.calculus import CriticalPoint, _infimum_1d, _value_at_floats, far_minimum_1d

    e = pen_obj.expr
    a, b = e.as_independent(sigma, as_Add=True)
    best = None
    if a.has(mu) and b.has(sigma) and not b.has(mu):  # separable: each part in one variable (mu**4: a minimiser
        part = _infimum_1d(a, mu, sp.Reals, ((-sp.oo, "+"), (sp.oo, "-")), budget)  # of order 4, which the 2-d
        scan = far_minimum_1d(b, budget, inside=True)  # route does not establish)
        if part is not None and part[1] and part[3] is not None and scan is not None and scan["kind"] == "minimum":
            best = CriticalPoint({mu: part[3], sigma: scan["sigma"]}, part[0] + scan["value"], None, "",
                                 f"A(mu) = {a} least at mu = {part[3]}, B(sigma) = {b} least at {scan['where']}")
    best = minimizer(e, "std", budget) if best is None else best
    if not isinstance(best, CriticalPoint):
        best = infimum(e, budget).get("set")
    if not isinstance(best, CriticalPoint) or not all(best.point[x].is_number for x in (mu, sigma)):
        return None
    value, s = sp.N(best.value, 30), best.point[sigma]
    c0, s0 = reached
    if not value.is_real:
        return None
    if 0 < s0 < math.inf and math.isfinite(c0):  # sigma = inf (float64's end) is no point to compare with
        there = _value_at_floats(e, {mu: sp.Float(c0), sigma: sp.Float(s0)})
        if not (there.is_real and there.is_finite and float(value) <= float(there) + 1e-9 * (1 + abs(float(there)))):
            return None
    t = float(s.args[0]) if isinstance(s, sp.exp) else math.log(float(s))
    where = (f"sigma = {s}, mu = {best.point[mu]}, derive's minimiser ({best.method}; the far scan of log sigma "
             "included)")
    return {"value": float(value), "where": where, "c": float(best.point[mu]),
            "float": math.exp(t) if abs(t) < 700 else str(s)}


def _path_limit(pen_obj, budget, end=0) -> float | None:
    """p0 = lim_{c->0+} pen(c mu, c sigma) (or c -> oo when ``end`` is oo) when it is a finite constant, else None."""
    if end == 0:
        p0 = rescaling(pen_obj.expr, budget)
    else:
        c = sp.Symbol("c", positive=True)
        p0 = limit(pen_obj.expr.subs({mu: c * mu, sigma: c * sigma}, simultaneous=True), c, sp.oo, "-", budget)
    return float(p0) if p0 is not None and p0.is_number and p0.is_finite else None


def _offset_path(pen_obj, budget) -> dict | None:
    """The rescaling path with the encoder's offset a on the active codes: pen(a + c mu, c sigma) -> h(a) =
    lim_{sigma->0+} pen(a, sigma) as c -> 0+, least over a (a -> -oo or oo included) by the exact infimum of h:
    atan(mu): h(a) = atan(a), -pi/2 as a -> -oo. {"value", "where", "method", "offset"} or None when h is not a
    finite function of a alone (kl: oo) or its infimum is not a finite number."""
    from vaemath.symbolic import MinimizerSet, infimum, minimizer
    from vaemath.symbolic.calculus import infimum_1d

    h, _, backed = checked_limit(pen_obj.expr, sigma, 0, "+", budget)
    if h is None or h.has(sigma) or not h.has(mu) or h.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return None
    inf = infimum_1d(h, mu, budget) or infimum(h, budget)
    value = inf.get("value")
    if value is None or not (value.is_number and value.is_finite):
        return None
    offset = None  # a -> +-oo, or a whole set of least points: not one number
    if inf.get("attained"):
        best = minimizer(h, "std", budget)
        if best is not None and not isinstance(best, MinimizerSet) and best.point[mu].is_number:
            offset = float(best.point[mu])
    where = str(inf.get("where", ""))
    return {"value": float(value), "exact": backed and inf.get("method") == "exact", "h": h, "where": where,
            "offset": offset}


def _large_code_path(pen_obj, budget) -> dict | None:
    """The rescaling (z, W) -> (c z, W / c), c -> oo, with sigma_j fixed and the offset a -> -oo or oo faster than
    c: the reconstruction tends to the deterministic floor (sigma_j^2 ||w_j||^2 = sigma_j^2 lambda_j / c^2 -> 0)
    and pen(a + c mu, sigma) to g(sigma) = lim_(mu->-+oo) pen(mu, sigma), least over sigma by the exact infimum of
    g: tanh(mu) + (sigma - 1)**2: g = -1 + (sigma - 1)**2, -1 at sigma = 1. The lesser end; None when neither
    is a finite function of sigma alone with a finite infimum."""
    from vaemath.symbolic import infimum
    from vaemath.symbolic.calculus import infimum_1d

    out = None
    for end, side, name in ((-sp.oo, "+", "-oo"), (sp.oo, "-", "oo")):
        g, _, backed = checked_limit(pen_obj.expr, mu, end, side, budget)
        if g is None or g.has(mu) or g.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            continue
        inf = (infimum_1d(g, sigma, budget) or infimum(g, budget) if g.has(sigma)
               else {"value": g, "method": "exact", "where": "a constant"})
        value = inf.get("value")
        if value is None or not (value.is_number and value.is_finite):
            continue
        if out is None or float(value) < out["value"]:
            exact = backed and inf.get("method") == "exact"  # g is sympy's alone when the values do not back it
            at = (_where_least_1d(g, value, bool(inf.get("attained")), budget) if exact and g.has(sigma)
                  and inf.get("attained") is not None else None)  # the sigma the path fixes (D2 of review r8i)
            out = {"value": float(value), "exact": exact, "h": g, "offset": None, "sigma": at,
                   "where": str(inf.get("where", "")), "kind": "large code", "end": name}
    if out is not None:  # pen = g(sigma) identically ((sinh(mu)**2 - cosh(mu)**2 + 3)*(sigma-1)**2): no offset at work
        done, same = attempt(_free_of_mu, pen_obj.expr, out["h"], budget=budget)
        out["free_of_mu"] = bool(done and same)
    return out


def _free_of_mu(expr: sp.Expr, g: sp.Expr) -> bool:
    """``expr`` equals ``g``, a function of sigma alone, identically (sympy proves the difference 0 after rewriting
    in exp): the penalty does not depend on mu."""
    return sp.simplify((expr - g).rewrite(sp.exp)) == 0


def _best_offset_path(pen_obj, budget) -> dict | None:
    """The lesser of :func:`_offset_path` (small codes, sigma -> 0) and :func:`_large_code_path` (large codes)."""
    found = [p for p in (_offset_path(pen_obj, budget), _large_code_path(pen_obj, budget)) if p is not None]
    return min(found, key=lambda p: p["value"], default=None)


def _unbounded(pen_obj, ex, budget, offset=sp.S.Zero) -> dict | None:
    """A collapsed path (W = 0) along which the objective tends to -oo, from exact limits; None if none.

    With W = 0 the reconstruction does not depend on V or sigma, so the objective tends to -oo with the
    expected penalty: g(0, sigma) = pen(c, sigma) as sigma -> 0+ or oo (c the encoder's ``offset``, a
    function of sigma; ``pen_obj`` is pen(c + mu, sigma)), or g(s2, 1) as the code variance s2 -> oo
    (||V|| -> oo), or pen(c, 1) as the offset c itself -> -oo or oo (V = 0: it enters only the penalty). The
    path's text names pen at the offset actually used, not pen(0, sigma).
    """
    at, mean = ("pen(0, sigma)", "pen(mu, 1)") if offset == 0 else ("pen(c, sigma)", "pen(c + mu, 1)")
    why = "" if offset == 0 else f", c = {offset} the encoder's offset (the best for a penalty quadratic in mu)"
    at_zero = pen_obj.expr.subs(mu, 0)
    for end, side, name in ((0, "+", "0+"), (sp.oo, "-", "oo")):
        if backed_limit(at_zero, sigma, end, side, budget) == -sp.oo:
            return {"path": f"unbounded below: W = 0, V = 0 and sigma_j -> {name}, where {at} -> -oo{why}",
                    "sigma": 0.0 if name == "0+" else "oo", "scale": ("sigma", name)}
    if ex.expr is not None and backed_limit(ex.expr.subs(sigma, 1), s2, sp.oo, "-", budget) == -sp.oo:
        return {"path": f"unbounded below: W = 0, sigma_j = 1 and ||V|| -> oo, where E {mean} over codes mu of "
                        f"variance s2 -> oo tends to -oo{why}", "sigma": 1.0, "scale": ("s2", "oo")}
    # codes V x are symmetric about 0: E pen(mu, 1) -> -oo as their variance grows when the even part of
    # pen(., 1) does (Fatou: that part is continuous, so bounded above)
    even = (pen_obj.expr.subs(sigma, 1) + pen_obj.expr.subs({sigma: 1, mu: -mu})) / 2
    if backed_limit(even, mu, sp.oo, "-", budget) == -sp.oo:
        return {"path": f"unbounded below: W = 0, sigma_j = 1 and ||V|| -> oo, where the even part of {mean} in mu "
                        f"-> -oo as mu -> oo{why}", "sigma": 1.0, "scale": ("s2", "oo")}
    at_one = pen_obj.expr.subs(sigma, 1)  # the offset enters only the penalty: pen(c, 1) -> -oo takes it along
    for end, side, name in ((-sp.oo, "+", "-oo"), (sp.oo, "-", "oo")):
        if backed_limit(at_one, mu, end, side, budget) == -sp.oo:
            return {"path": f"unbounded below: W = 0, V = 0, sigma_j = 1 and the encoder's offset c -> {name}, where "
                            f"pen(c, 1) -> -oo (the offset c enters the objective only through the penalty)",
                    "sigma": 1.0, "scale": ("c", name), "at": sp.lambdify(mu, at_one, "math")}
    # any other path (c(t), sigma(t)) with pen -> -oo: V = 0 makes the code the offset, W = 0 the reconstruction
    # constant, so the objective follows pen down it (the symbolic route of unbounded_below, on pen(c0 + mu, sigma))
    path = descent_path(pen_obj.expr, budget)
    if path is None:
        return None
    code = "c" if offset == 0 else f"c - ({offset})"
    end = path["sigma"]
    return {"path": f"unbounded below: W = 0, V = 0, and the encoder's offset c with sigma_j along the path where "
                    f"pen(c, sigma) -> -oo: {path['where']} (mu read as {code}; the offset and sigma enter the "
                    "objective only through the penalty when W = 0 = V)",
            "sigma": None if end is None or not end.is_number else "oo" if end == sp.oo else (  # an edge as the
                float(end) if end.is_Integer else str(end)),  # edge of an approached infimum: exact (review r8o D1)
            "scale": ("path", None), "points": path["points"], "expr": pen_obj.expr}


def _path_values(f: _Profiled, lam, u, active: int, sig_collapsed: float) -> list:
    """The exact objective along the rescaling path at c = 1e-1 ... 1e-5."""
    out = []
    for c in 10.0 ** -np.arange(1, 6):
        w, v = np.zeros((f.d, f.k)), np.zeros((f.k, f.d))
        w[:, :active] = u[:, :active] * np.sqrt(lam[:active]) / c
        v[:active] = c * (u[:, :active] / np.sqrt(lam[:active])).T
        sig = np.full(f.k, sig_collapsed)
        sig[:active] = c**2
        out.append([float(c), float(f(f.theta(w, v, np.log(sig)))[0])])
    return out


UNBOUNDED_MAXITER = 200  # L-BFGS-B steps per start where the objective is -oo by exact limits
MAX_DIM = 100  # D = 100 takes ~30 s with the default starts, D = 300 ~100 s: bounded time, refused beyond
MAX_STARTS = 100


def optimum(cov, latent: int = 1, penalty="kl", sigma_means: str = "std", starts: int = 8, seed: int = 0,
            budget=DEFAULT_BUDGET, prior=None) -> LinearResult:
    """Global optimum (or infimum, and the path to it) of the linear-Gaussian VAE under a penalty.

    Parameters
    ----------
    cov : str, array_like
        Data covariance C (D x D, symmetric positive definite, 2 <= D <= ``MAX_DIM`` = 100); see
        :func:`covariance`.
    latent : int
        Latent dimension k, 1 <= k < D.
    penalty : str, sympy.Expr or Penalty
        The penalty per latent dimension.
    sigma_means : {"std", "var"}
    starts, seed : int
        Random starts of the numerical confirmation (plus one at pPCA; 1 to ``MAX_STARTS`` = 100), and
        their seed (>= 0).
    budget : float or None
        Seconds per symbolic step (limits deciding unboundedness and the rescaling path, the penalty's exact
        infimum for the collapse, sympy's integration of E pen).
    prior : tuple (mu_p, sigma_p), optional
        The penalty taken against N(mu_p, sigma_p^2) (see :func:`vaemath.symbolic.penalty`).

    Returns
    -------
    LinearResult
        ``objective`` (per datum: penalty minus expected log-likelihood), ``attained``, ``path``,
        ``sigma``, ``tau2``, ``w_col_norms2`` ("oo" along a path), ``loglik`` (average exact decoder
        log-likelihood, None where it diverges), ``loglik_limit`` ("-oo" or None), ``ppca_loglik``, the
        value of every candidate family and the numerical confirmation: ``numeric["confirmed"]`` is True when
        the multi-start search reached the answer within ``numeric["tolerance"]`` (relative 1e-7 for an
        attained optimum found in closed form, 1e-4 for an infimum along a path; an interior optimum found
        only numerically needs two starts agreeing within 1e-7; a numeric expectation needs its error at the
        answer, ``numeric["expectation_error"]`` (the quadrature's estimate, checked there by a second adaptive
        rule split at the penalty's poles, branch points and kinks: an estimate, not a bound), within the
        tolerance too), or, for an objective unbounded below
        (``objective`` -inf), when the search too went below the path's value at c = 1e-2.

    Raises
    ------
    ValueError
        Bad ``cov`` (see :func:`covariance`), ``latent``, ``starts``, ``seed``, ``budget``, ``penalty`` or
        ``prior``, each named in the message. TypeError: a complex or non-numeric ``cov``.
    """
    cov = covariance(cov)
    if cov.shape[0] > MAX_DIM:
        raise ValueError(f"cov: D = {cov.shape[0]} is above {MAX_DIM}, the size whose numeric confirmation ends in "
                         "about a minute (its cost grows as D^2 per start); project the data onto fewer dimensions")
    k = check_latent(latent, cov.shape[0])
    for name, value, low in (("starts", starts, 1), ("seed", seed, 0)):  # one random start at least: the search
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:  # confirms by two
            raise ValueError(f"{name}: expected {'a positive' if low else 'a non-negative'} integer, got {value!r}")
    if starts > MAX_STARTS:
        raise ValueError(f"starts: {starts} is above {MAX_STARTS} (each start is one L-BFGS-B run; 8 is the default)")
    budget = check_budget(budget)
    prior = check_prior(prior)
    typed = as_penalty(penalty, sigma_means, prior=prior, prior_optional=True)  # the prior is also the model's
    kept = with_domain(typed)  # a domain the text's sum cancelled (renyi(2) + log(2 - sigma**2)/2), kept in the expr
    typed = typed if kept == typed.expr else replace(typed, expr=kept)
    pen_obj, offset = code_offset(typed, prior)
    ex = expected_penalty(pen_obj, budget=budget)
    assumption = ex.assumption
    free = mu_coefficients(typed.expr) is None  # not quadratic in mu: the offset c is searched numerically
    if free:
        assumption += (f"; the encoder's offset c is searched (L-BFGS-B from the best point with c = mu_p = {offset} "
                       "and from near the collapse at the penalty's least point (c, sigma), found by Nelder-Mead)")
    if prior is not None and not refers_to_prior(penalty, sigma_means):  # review r8o B2: said, not silent
        assumption += ("; the penalty names neither mu_p, sigma_p nor a catalogue entry with a general-prior form: "
                       "the prior enters only the model's latent prior N(mu_p, sigma_p^2)")
    prior_sigma = 1.0 if prior is None else float(prior[1])
    f, pp = _Profiled(cov, k, pen_obj, free, budget), ppca(cov, k)
    lam, u = np.linalg.eigh(cov)
    lam, u = lam[::-1], u[:, ::-1]
    d = cov.shape[0]
    p_min, sig_min = _min_at_zero_code(pen_obj, budget)
    least = _least_value(pen_obj) if free else None
    collapse_at = (0.0, sig_min)  # (c, sigma) of a collapsed dimension, c relative to mu_p
    if least is not None and least[0] < p_min:
        p_min, collapse_at = least[0], least[1:]
        sig_min = collapse_at[1]
    # the penalty's own exact infimum, where sympy finds it: the collapse's exact price and point (jeffreys: sigma = 1,
    # not 0.99999999968), or an infimum approached at an end and never attained (mu**2 + 1/sigma: sigma -> oo)
    done, exact = attempt(_exact_collapse, pen_obj, free, budget, p_min, float(collapse_at[0]),
                          budget=budget)  # one budget for it all
    exact = exact if done else None
    f.collapse_exact = exact
    if exact is not None:
        p_min = exact["value"]
        if exact["attained"] and exact["sigma"] is not None and exact["c"] is not None:
            collapse_at = (exact["c"], exact["sigma"])
            sig_min = exact["sigma"]
        elif not exact["attained"] and exact["c"] is not None:  # approached at (c, an edge): the numeric sigma kept
            collapse_at = (exact["c"], collapse_at[1])
    f.c_rest = collapse_at[0]
    # a least point the Nelder-Mead reached only by running off to a far boundary (sigma = 1.8e308), or the bounded
    # search's edge (log sigma = -20 or 10): no minimum (unless the exact infimum above decided it)
    at_edge = bool(collapse_at[1] > 0 and min(abs(math.log(collapse_at[1]) - b) for b in _ZERO_CODE_LOG_SIGMA) < 1e-3)
    f.collapse_far = bool(exact is None and (not collapse_at[1] > 0 or abs(math.log(collapse_at[1])) > _FAR_LOG_SIGMA
                                             or abs(collapse_at[0]) > _FAR_OFFSET or at_edge))
    f.collapse_scan = None
    if f.collapse_far:  # the search ran off: the penalty's least value by derive's scan of log sigma, or derive's own
        scan = (_derived_collapse(pen_obj, budget, collapse_at) if free  # minimiser (offset free)
                else _scanned_collapse(pen_obj, budget, p_min))
        if scan is not None:
            f.collapse_scan, f.collapse_far, p_min = scan, False, float(scan["value"])
            if isinstance(scan["float"], float):  # past float64 the numeric routes keep the search's sigma, and the
                sig_min = scan["float"]  # collapse reports exp(t) as text
                collapse_at = (scan.get("c", collapse_at[0]), sig_min)
            f.c_rest = scan.get("c", f.c_rest)
    f.collapse_edge = (_numeric_edge(pen_obj, sig_min, budget)
                       if exact is None and not f.collapse_far and f.collapse_scan is None else None)
    candidates = {"collapse": 0.5 * d * (np.log(2 * np.pi * np.trace(cov) / d) + 1) + k * p_min}
    p0 = _path_limit(pen_obj, budget)
    if p0 is not None:
        for active in range(1, k + 1):
            candidates[f"path, {active} active"] = (0.5 * d * (np.log(2 * np.pi * np.sum(lam[active:]) / d) + 1)
                                                    + active * p0 + (k - active) * p_min)
    best_offset = _best_offset_path(pen_obj, budget) if free else None
    if best_offset is not None and (p0 is None or best_offset["value"] < p0 - 1e-12 * (1 + abs(p0))):
        for active in range(1, k + 1):
            candidates[f"path with offset, {active} active"] = (
                0.5 * d * (np.log(2 * np.pi * np.sum(lam[active:]) / d) + 1) + active * best_offset["value"]
                + (k - active) * p_min)
        f.best_offset = best_offset
    p_oo = _path_limit(pen_obj, budget, sp.oo)  # (z, W) -> (c z, W / c), c -> oo, leaves the reconstruction
    if p_oo is not None and (p0 is None or p_oo < p0):
        for active in range(1, k + 1):
            candidates[f"path c->oo, {active} active"] = (0.5 * d * (np.log(2 * np.pi * np.sum(lam[active:]) / d) + 1)
                                                          + active * p_oo + (k - active) * p_min)
    if _is_kl(pen_obj, prior_sigma):
        candidates["ppca"] = -pp["loglik"]
    f.log_sigma = _log_sigma_bounds(sig_min)
    fixed = _Profiled(cov, k, pen_obj, budget=budget) if free else f
    fixed.log_sigma = f.log_sigma
    down = _unbounded(pen_obj, ex, budget, offset)
    if down is not None:  # -oo from exact limits: the search only illustrates it, so each start is kept short (it ran
        f.maxiter = fixed.maxiter = UNBOUNDED_MAXITER  # 105000 steps toward -oo in 80 s; review helper-102)
    local = _multistart(fixed, cov, starts, seed)
    if free:
        even = pen_obj.expr.subs(mu, -mu) == pen_obj.expr  # structural: False when unsure (then no start is lost)
        wins = candidates["collapse"] < local[0][0] - 1e-9 * (1 + abs(local[0][0]))
        local = sorted(local + _offset_starts(f, local[0], collapse_at, wins, even, seed), key=lambda t: t[0])
    best = local[0]
    walls = limit(pen_obj.expr.subs(mu, 0), sigma, 0, "+", budget) == sp.oo  # no drift to sigma -> 0 then
    numeric = {"best": best[0], "starts": len(local), "seed": seed, "interior": _interior(best[3], best[1], walls),
               "agreeing_starts": sum(abs(r[0] - best[0]) <= TOL_ATTAINED * (1 + abs(best[0])) for r in local)}
    if down is not None:
        result = _below(f, down, numeric)
        candidates["collapse"] = -np.inf  # the path down is a collapse (W = 0): its least value was a search's stop
    else:
        result = _decide(f, candidates, best, numeric, pp, (lam, u, sig_min), prior_sigma)
        result = _deterministic_corner(f, pen_obj, result, numeric, (lam, u, sig_min), budget)
        result = _never_above_search(f, result, numeric, best)
    expectation = _expectation_at(f, result, numeric)
    if result["loglik"] is not None and prior_sigma != 1.0:
        result["loglik"] = loglik(result["w"], result["tau2"], cov, prior_sigma)
    shift = result.pop("shift", None)
    offsets = ([None] * k if down is not None and down["scale"][0] in ("c", "path")
               else _offset_values(offset, result["sigma"]))
    if shift is not None and free:
        offsets = [None if o is None or s_ is None else float(o + s_) for o, s_ in zip(offsets, shift)]
    return LinearResult(penalty=pen_obj.name, ppca_loglik=pp["loglik"], assumption=assumption,
                        candidates={k_: float(v_) for k_, v_ in candidates.items()}, numeric=numeric,
                        offset=offsets, expectation=expectation, **result)


def _expectation_at(f: _Profiled, result: dict, numeric: dict) -> str:
    """How E pen was computed and its estimated error at the answer (``numeric["expectation_error"]``, the sum over
    latent dimensions, checked there by an independent adaptive rule: :meth:`ExpectedPenalty.checked_error`);
    ``confirmed`` needs that error within ``numeric["tolerance"]``: the search must have reached the answer of an
    objective known that closely."""
    ex = f.ex
    if ex.expr is not None and not f.free:
        return f"{ex.method} (closed form)"
    sig, v = np.asarray(result["sigma"], dtype=object), result.get("v")
    if v is None or not np.isfinite(result["objective"]) or any(not isinstance(x, float) or not x > 0 for x in sig):
        return ex.accuracy(f.free)  # an answer along a path (sigma -> 0 or oo): no point to estimate the error at
    code_var = np.einsum("jd,de,je->j", v, f.cov, v)
    shift = np.asarray(result.get("shift") or np.zeros(f.k), float)
    err = float(np.sum(ex.checked_error(code_var, sig.astype(float), shift if f.free else None)))
    numeric["expectation_error"] = err
    tol = numeric.get("tolerance")
    if numeric.get("confirmed") and not (tol is not None and err <= tol):
        numeric["confirmed"] = False
        numeric["note"] = f"the expectation's estimated error at the answer, {err:.2g}, exceeds the tolerance"
    return (f"{ex.accuracy(f.free)}; error of the objective's expectation at the answer {err:.1e} (estimated, and "
            "checked there against a second adaptive rule split at the penalty's poles, branch points and kinks)")


def _never_above_search(f: _Profiled, result: dict, numeric: dict, best: tuple) -> dict:
    """The search's best point when it lies below the analysed value (by more than 1e-7 relative): the headline is
    never above a value the tool reached; it is then an upper bound on the infimum, labelled so, and the analysed
    value is kept in ``numeric["analysed"]``."""
    value = result["objective"]
    if not (np.isfinite(value) and numeric["best"] < value - TOL_ATTAINED * (1 + abs(value))):
        return result
    w, v, sig, shift = best[1], best[2], best[3], best[4]
    tau2 = f.tau2(w, v, sig)
    numeric["analysed"], numeric["confirmed"], numeric["bound"] = float(value), False, "upper"
    numeric["gap"] = float(numeric["best"] - value)
    where = (f"numeric: the search's best point, below the analysed value {value:.10g} ({result['path']}): an upper "
             "bound on the infimum")
    return {"objective": float(numeric["best"]), "attained": False, "path": where, "sigma": sig.tolist(),
            "tau2": tau2, "w_col_norms2": np.sum(w**2, axis=0).tolist(), "loglik": loglik(w, tau2, f.cov),
            "loglik_limit": None, "w": w, "v": v, "shift": np.asarray(shift, float).tolist()}


def _corner_theta(f: _Profiled, lam, u, x, sig_min: float) -> np.ndarray:
    """theta for the first a = len(x)//2 dimensions on w_j = u_j sqrt(lambda_j)/c_j, v_j = c_j u_j^T/sqrt(lambda_j)
    (code variance c_j^2, exact projection), sigma_j free, x = (log c, log sigma); the others collapsed."""
    a = len(x) // 2
    c, sig = np.exp(x[:a]), np.full(f.k, sig_min)
    w, v = np.zeros((f.d, f.k)), np.zeros((f.k, f.d))
    w[:, :a] = u[:, :a] * np.sqrt(lam[:a]) / c
    v[:a] = (u[:, :a] / np.sqrt(lam[:a])).T * c[:, None]
    sig[:a] = np.exp(x[a:])
    return f.theta(w, v, np.log(sig), _rest(f, a))


def _rest(f: _Profiled, active: int) -> np.ndarray:
    """Offsets c: 0 (mu_p) on the first ``active`` dimensions, the collapse's c on the others."""
    c = np.full(f.k, f.c_rest)
    c[:active] = 0.0
    return c


def _corner_search(f: _Profiled, lam, u, sig_min: float) -> tuple:
    """Nelder-Mead over (log c_j, log sigma_j) of the active dimensions (:func:`_corner_theta`), with no bound on
    sigma: the near-deterministic corner (sigma -> 0, ||W|| -> oo) where a penalty may reach its least values
    on a curve away from (0, 1), e.g. |KL - 25| at sigma ~ exp(-25.5), beyond the multi-start's sigma >= e^-25.
    Returns (value, theta) of the best point found."""
    best = (np.inf, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a in range(1, f.k + 1):
            def h(x, a=a):
                return f.value(_corner_theta(f, lam, u, x, sig_min))
            for log_sig in (-3.0, -40.0):
                x0 = np.concatenate([np.full(a, log_sig / 2), np.full(a, log_sig)])
                res = minimize(h, x0, method="Nelder-Mead",
                               options={"xatol": 1e-9, "fatol": 1e-15, "maxfev": 300 * a})
                if res.fun < best[0]:
                    best = (float(res.fun), _corner_theta(f, lam, u, res.x, sig_min))
    return best


def _precise_value(f: _Profiled, theta) -> float | None:
    """The objective at ``theta``, each dimension's E pen valued at high precision (the point's exact binary values,
    50 + :func:`~vaemath.symbolic.newton.scale_digits` digits, rounded up: the value of a point that exists, review
    r8m A1): the closed form E pen(s2, sigma) where there is one, pen(c, sigma) for a code of variance 0, else
    mpmath's quadrature over mu ~ N(0, s2) at that precision. The reconstruction term is float64's (no
    cancellation there). None when a value is not a finite real number."""
    from vaemath.symbolic.calculus import _value_at_floats
    from vaemath.symbolic.newton import scale_digits

    w, v, sig = f.split(theta)
    c = f.offsets(theta)
    _, _, rec, code_var = f.parts(w, v, sig)
    if not (np.isfinite(rec) and rec > 0):
        return None
    e, total = f.ex.penalty.expr, 0.0
    for s2v, sd, cj in zip(code_var, sig, c):
        if not (sd > 0 and np.isfinite(sd) and s2v >= 0):
            return None
        if s2v == 0:
            g = _value_at_floats(e, {mu: sp.Float(float(cj)), sigma: sp.Float(float(sd))})
        elif cj == 0 and f.ex.expr is not None:
            g = _value_at_floats(f.ex.expr, {s2: sp.Float(float(s2v)), sigma: sp.Float(float(sd))})
        else:
            h = sp.lambdify((mu, sigma), e, "mpmath")
            with mpmath.workdps(50 + scale_digits(float(sd))):
                sd_, sc, c_ = mpmath.mpf(float(sd)), mpmath.sqrt(mpmath.mpf(float(s2v))), mpmath.mpf(float(cj))
                g = mpmath.quad(lambda t, h=h, c_=c_, sc=sc, sd_=sd_: h(c_ + sc * t, sd_) * mpmath.npdf(t),
                                [-mpmath.inf, 0, mpmath.inf])
                g = sp.Float(mpmath.re(g), 30) if abs(mpmath.im(g)) <= mpmath.mpf(10)**-20 else sp.nan
        if not (g.is_number and g.is_real and g.is_finite):
            return None
        total += float(g)
    return float(0.5 * f.d * (math.log(2 * math.pi * rec / f.d) + 1) + total)


def _exact_least(pen_obj, budget) -> float | None:
    """inf pen when exact and finite (0 when sympy proves pen >= 0), else None."""
    if pen_obj.expr.is_nonnegative:
        return 0.0
    from vaemath.symbolic import infimum

    inf = infimum(pen_obj.expr, budget)
    v = inf.get("value")
    if inf.get("method") != "exact" or v is None or not (v.is_number and v.is_finite):
        return None
    return float(v)


def _deterministic_corner(f: _Profiled, pen_obj, result: dict, numeric: dict, spectrum, budget=DEFAULT_BUDGET) -> dict:
    """Replace ``result`` when the near-deterministic corner beats it; then the answer is the point found there,
    confirmed only if it meets the proven lower bound F_k + k inf pen (F_k the deterministic-autoencoder floor
    D/2 log(2 pi e sum_{i>k} lambda_i / D), inf pen = 0 when sympy proves the penalty non-negative)."""
    lam, u, sig_min = spectrum
    value, theta = _corner_search(f, lam, u, sig_min)
    out = _float_corner(f, pen_obj, result, numeric, spectrum, (value, theta), budget)
    far = _far_corner(f, pen_obj, lam, theta, budget)
    if far is None or not far["objective"] < out["objective"] - 1e-9 * (1 + abs(out["objective"])):
        return out
    numeric.pop("note", None)
    numeric["corner"] = far["objective"]
    numeric["gap"] = float(numeric["best"] - far["objective"])
    numeric["confirmed"], numeric["bound"] = False, "upper"
    return far


def _far_corner(f: _Profiled, pen_obj, lam, theta, budget) -> dict | None:
    """The near-deterministic corner priced as the collapse is (review r8m A1): the deterministic-autoencoder floor
    F_k plus k pen(c, sigma*) at the penalty's least point found by derive's scan of log sigma past float64's range
    (sigma* = exp(t), t < -700: the collapse's scan, or, when the corner search ran to float64's least sigma, the
    scan of pen(0, sigma)). The objective tends to it, within O(sigma*), as the code variance s2 -> 0 and ||w|| -> oo
    with sigma_j = sigma* (sigma*^2 ||w_j||^2 -> 0): a value within float64's resolution of one the objective comes
    to, numeric (sigma* is a least point found by mpmath, not proved global). None when there is no such point."""
    from vaemath.symbolic.calculus import far_minimum_1d

    scan, found = getattr(f, "collapse_scan", None), None
    if scan is not None and isinstance(scan["float"], str) and scan["float"].startswith("exp(-"):
        found = (float(scan["value"]), float(scan.get("c", 0.0)), scan["float"], scan["where"])
    elif (theta is not None and not f.free and f.split(theta)[2].min() < _FLOAT_END_SIGMA
          and not pen_obj.expr.subs(mu, 0).has(mu)):  # the corner search ran to float64's least sigma
        far = far_minimum_1d(pen_obj.expr.subs(mu, 0), budget)
        if far is not None and far["kind"] == "minimum" and far["t"] < 0:
            found = (float(far["value"]), 0.0, str(far["sigma"]), far["where"])
    if found is None:
        return None
    value, c, at, where = found
    floor = 0.5 * f.d * (math.log(2 * math.pi * float(np.sum(lam[f.k:])) / f.d) + 1)
    path = (f"numeric, near-deterministic corner past float64's range: the deterministic-autoencoder floor "
            f"{floor:.10g} plus k pen = {f.k} * {value:.10g}, the penalty at (mu, sigma) = ({c:g}, {at}), its least "
            f"point found by derive's scan of log sigma by mpmath ({where}); approached, within O(sigma), as the code "
            "variance s2 -> 0 and ||w_j|| -> oo with sigma_j there (sigma_j^2 ||w_j||^2 -> 0), not attained: an upper "
            "bound on the infimum to float64's precision (float64's corner search stops at sigma = 5e-324)")
    return {"objective": float(floor + f.k * value), "attained": False, "path": path, "sigma": [at] * f.k,
            "tau2": float(np.sum(lam[f.k:]) / f.d), "w_col_norms2": ["oo"] * f.k, "loglik": None,
            "loglik_limit": "-oo", "shift": [c] * f.k}


def _float_corner(f: _Profiled, pen_obj, result: dict, numeric: dict, spectrum, found: tuple, budget) -> dict:
    """:func:`_deterministic_corner` on the corner search's point ``found`` = (float64 value, theta), valued at high
    precision."""
    lam, u, sig_min = spectrum
    value, theta = found
    if theta is None or not value < result["objective"] - 1e-9 * (1 + abs(result["objective"])):
        return result
    value = _precise_value(f, theta)  # float64's value there is no bound: log(1 + sigma)/sigma is 0 at 3.7e-44, not 1
    if value is None or not value < result["objective"] - 1e-9 * (1 + abs(result["objective"])):
        return result
    w, v, sig = f.split(theta)
    least = _exact_least(pen_obj, budget)  # objective >= floor + k inf pen: the floor bounds the reconstruction
    low = (0.5 * f.d * (np.log(2 * np.pi * np.sum(lam[f.k:]) / f.d) + 1) + f.k * least
           if least is not None else None)
    numeric.pop("note", None)
    numeric["corner"], numeric["lower_bound"] = value, None if low is None else float(low)
    numeric["best"] = min(numeric["best"], value)
    meets = low is not None and abs(value - low) <= TOL_ATTAINED * (1 + abs(low))
    _confirm(numeric, value, TOL_ATTAINED, analysed=meets)
    if not meets:
        numeric["confirmed"], numeric["bound"] = False, "upper"
    where = (f"numeric, near-deterministic corner (Nelder-Mead over the code scale and sigma, unbounded): sigma_j = "
             f"{', '.join(f'{x:.4g}' for x in sig)}, ||w_j||^2 = {', '.join(f'{x:.4g}' for x in np.sum(w**2, axis=0))}"
             + ("" if low is None else f"; proven lower bound {low:.10g} (the deterministic-autoencoder floor "
                                       f"plus k inf pen = {f.k} * {least:.10g})"))
    tau2 = f.tau2(w, v, sig)
    return {"objective": value, "attained": True, "path": where, "sigma": sig.tolist(), "tau2": tau2,
            "w_col_norms2": np.sum(w**2, axis=0).tolist(), "loglik": loglik(w, tau2, f.cov), "loglik_limit": None,
            "w": w, "v": v, "shift": f.offsets(theta).tolist()}


def _is_kl(pen_obj, prior_sigma: float) -> bool:
    """The penalty (offset profiled out) is KL(q || N(0, sigma_p^2)): its optimum is pPCA, W scaled by 1/sigma_p."""
    s = sp.nsimplify(prior_sigma)
    diff = pen_obj.expr - (sp.log(s / sigma) + (sigma**2 + mu**2) / (2 * s**2) - sp.Rational(1, 2))
    probes = ({mu: 0.3, sigma: 0.7}, {mu: -1.2, sigma: 1.9}, {mu: 2.0, sigma: 0.2})
    if any(not abs(complex(diff.evalf(20, subs=p))) < 1e-12 for p in probes):  # cheap refusal before simplify
        return False
    return sp.simplify(diff) == 0


def _offset_values(offset: sp.Expr, sig: list) -> list:
    """The offset c_j at each sigma_j (its limit where sigma_j -> 0 or oo along a path; None if not finite)."""
    out = []
    for s_ in sig:
        at = sp.oo if s_ == "oo" else sp.sympify(s_) if isinstance(s_, str) else sp.Float(s_) if s_ else None
        value = offset.subs(sigma, at) if at is not None else sp.limit(offset, sigma, 0, "+")
        out.append(float(value) if value.is_number and value.is_finite else None)
    return out


def _decide(f, candidates, best, numeric, pp, spectrum, prior_sigma) -> dict:
    lam, u, sig_min = spectrum
    tol = 1e-9 * (1 + abs(best[0]))
    finite = {"collapse": candidates["collapse"]}
    if "ppca" in candidates:
        finite["ppca"] = candidates["ppca"]
    name = min(finite, key=finite.get)
    if numeric["interior"] and best[0] < finite[name] - tol:  # the analysed candidates win ties
        name, finite["interior"] = "interior", best[0]
    paths = {n: v for n, v in candidates.items() if n.startswith("path")}
    if paths and min(paths.values()) < finite[name] - tol:
        return _on_path(f, min(paths, key=paths.get), paths, lam, u, sig_min, numeric)
    if not numeric["interior"] and best[0] < finite[name] - 1e-6 * (1 + abs(best[0])):
        numeric["note"] = "the optimiser drifts to a boundary below every analysed candidate"
        name, finite[name] = "drift", best[0]
    near_edge = getattr(f, "collapse_edge", None) if name == "collapse" else None
    far = name == "collapse" and (getattr(f, "collapse_far", False) or near_edge is not None)
    exact = getattr(f, "collapse_exact", None) if name == "collapse" else None
    approached = exact is not None and not exact["attained"]  # an exact infimum at an end, never attained
    _confirm(numeric, finite[name], TOL_INFIMUM if approached else TOL_ATTAINED,
             analysed=name in ("ppca", "collapse") and not far)
    if approached and not numeric["confirmed"]:  # review r8o B3: why, so as not to read it as doubt of the answer
        numeric.setdefault("note", "an exact infimum approached, not attained: a finite search only nears it from "
                                   "above (gap: how near it came), so it cannot confirm it")
    if far:  # found only numerically, where the search ran off: an upper bound on the infimum, labelled so
        numeric["confirmed"], numeric["bound"] = False, "upper"
    if name == "ppca":
        w = pp["w"]
        m = w.T @ w + pp["tau2"] * np.eye(w.shape[1])
        v, tau2 = np.linalg.solve(m, w.T), pp["tau2"]
        sig = np.sqrt(tau2 / (tau2 + np.sum(w**2, axis=0)))
        w, v, sig = w / prior_sigma, v * prior_sigma, sig * prior_sigma  # z' = sigma_p z: prior N(0, sigma_p^2)
        where = "probabilistic PCA: W = U_k (Lambda_k - tau^2 I)^(1/2), tau^2 = mean discarded eigenvalue"
        shift = np.zeros(f.k)
    elif name == "collapse":
        w, v, sig = np.zeros((f.d, f.k)), np.zeros((f.k, f.d)), np.full(f.k, sig_min)
        tau2, where = float(np.trace(f.cov) / f.d), "collapse: W = 0, V = 0, tau^2 = tr(C)/D"
        shift = _rest(f, 0)
        if f.c_rest == 0 and isinstance(sig_min, float) and abs(sig_min - prior_sigma) <= 1e-9 * prior_sigma:
            where += " (posterior = prior)"  # q = N(mu_p, sigma_p^2) itself: the penalty is least at the prior
        if f.free:
            where += "; c, sigma at the penalty's least value"
        if exact is not None:
            least = "inf_(mu, sigma) pen" if f.free else "inf_sigma pen(0, sigma)"
            where += f"; the penalty's exact infimum {least} = {exact['value']:.10g}: {exact['where']}"
        if approached:
            floor = 0.5 * f.d * (np.log(2 * np.pi * tau2) + 1)
            edge = exact.get("side")
            least = "inf_(mu, sigma) pen" if f.free else "inf_sigma pen(0, sigma)"
            where = ("collapse, an infimum not attained: W = 0, V = 0, tau^2 = tr(C)/D; the reconstruction's "
                     f"D/2 log(2 pi e tr(C)/D) = {floor:.10g} plus k times the penalty's exact infimum, {f.k} * "
                     f"{least} = {f.k} * ({exact['exact']} = {exact['value']:.10g}, exact: {exact['where']})"
                     + (f"; each sigma_j -> {exact['sigma']}{edge}, the edge of the penalty's domain, where the "
                        f"encoder's q = N(c, sigma_j^2) tends to N({exact['c']:g}, {sp.sympify(exact['sigma'])**2}), "
                        "not the prior" if edge is not None else ""))
            if exact["sigma"] is not None:
                sig = np.full(f.k, exact["sigma"], dtype=object)
        scan = getattr(f, "collapse_scan", None)
        if scan is not None:
            sig = np.full(f.k, scan["float"], dtype=object if isinstance(scan["float"], str) else float)
            paid = "pen(c, sigma)" if f.free else "pen(0, sigma)"
            where += (f"; each latent dimension pays {paid} at its least point found by derive's scan of log sigma by "
                      f"mpmath, {float(scan['value']):.10g} at {scan['where']}: numeric, an upper bound on the "
                      "infimum, attained there (the bounded search for it ran off)")
            numeric["confirmed"], numeric["bound"] = False, "upper"
        if near_edge is not None:
            where = (f"numeric: W = 0, V = 0, tau^2 = tr(C)/D, each latent dimension paying the penalty's least value "
                     f"found by the bounded search, at sigma = {sig_min:.10g}, next to the edge of its domain, "
                     f"sigma -> {near_edge[0]}{near_edge[1]}: approached there, not attained; an upper bound on the "
                     "infimum (its exact value was not decided within the budget)")
        elif far:
            where = (f"numeric: W = 0, V = 0 with the offset c and sigma where the Nelder-Mead search for the "
                     f"penalty's least value ran off to a far boundary (c = {f.c_rest:.4g}, sigma = {sig_min:.4g}): "
                     "an upper bound on the infimum, not attained (the penalty may fall further along a path no "
                     "exact limit found)")
    else:
        w, v, sig, shift = best[1], best[2], best[3], best[4]
        tau2 = f.tau2(w, v, sig)
        where = ("interior stationary point (numeric, L-BFGS-B)" if name == "interior"
                 else "numeric: the optimiser drifts to a boundary (not analysed)")
    attained = name != "drift" and not far and not approached
    return {"objective": float(finite[name]), "attained": attained, "path": where, "sigma": sig.tolist(),
            "tau2": float(tau2), "w_col_norms2": np.sum(w**2, axis=0).tolist(),
            "loglik": loglik(w, tau2, f.cov) if attained or far or approached else None, "loglik_limit": None,
            "w": w, "v": v,
            "shift": np.asarray(shift, float).tolist()}


def _on_path(f, name, paths, lam, u, sig_min, numeric) -> dict:
    active = int(name.split(", ")[1].split()[0])
    value = paths[name]
    _confirm(numeric, value, TOL_INFIMUM, analysed=True)
    where = (f"infimum along the rescaling path: {active} latent dimension(s) with sigma_j = c^2 -> 0, "
             f"w_j = u_j sqrt(lambda_j)/c so ||w_j|| -> oo, v_j = c u_j^T/sqrt(lambda_j), c -> 0+"
             + (f"; the other {f.k - active} collapsed (w_j = 0)" if active < f.k else ""))
    if "offset" in name:
        b = f.best_offset
        where = (f"infimum along the rescaling (z, W) -> (c z, W/c), c -> oo, with sigma_j fixed: {active} latent "
                 "dimension(s) reconstruct exactly (sigma_j^2 ||w_j||^2 -> 0) while the penalty, which does not "
                 f"depend on mu (it is g(sigma) = {b['h']} identically), stays at g(sigma), at the sigma of its "
                 f"infimum {b['value']:.10g} ({'exact' if b['exact'] else 'an upper bound'}: {b['where']})"
                 if b.get("kind") == "large code" and b.get("free_of_mu") else
                 f"infimum along the rescaling (z, W) -> (c z, W/c), c -> oo, with sigma_j fixed and the encoder's "
                 f"offset a -> {b['end']} faster than c: {active} latent dimension(s) reconstruct exactly "
                 "(sigma_j^2 ||w_j||^2 -> 0) while pen(a + c mu, sigma) -> g(sigma) = lim_(mu->"
                 f"{b['end']}) pen(mu, sigma) = {b['h']}, at the sigma of its infimum {b['value']:.10g} "
                 f"({'exact' if b['exact'] else 'an upper bound'}: {b['where']})" if b.get("kind") == "large code" else
                 f"infimum along the rescaling path with the encoder's offset a on the active codes: {active} latent "
                 "dimension(s) with sigma_j = c^2 -> 0, ||w_j|| -> oo, c -> 0+, where pen(a + c mu, c sigma) -> "
                 f"h(a) = lim_(sigma->0+) pen(a, sigma) = {b['h']}, at the offset a of its infimum {b['value']:.10g} "
                 f"({'exact' if b['exact'] else 'an upper bound'}: {b['where']})"
                 + (f"; the other {f.k - active} collapsed (w_j = 0)" if active < f.k else ""))
        if not b["exact"]:
            numeric["bound"] = "upper"
    if "c->oo" in name:
        where = (f"infimum: {active} latent dimension(s) approach the penalty-free optimum (sigma_j -> 0, exact "
                 "reconstruction of the leading eigenvectors) while the rescaling (z, W) -> (c z, W/c), c -> oo, "
                 "takes pen to its limit lim_{c->oo} pen(c mu, c sigma)"
                 + (f"; the other {f.k - active} collapsed (w_j = 0)" if active < f.k else ""))
    large = "offset" in name and f.best_offset.get("kind") == "large code"  # sigma_j at g's least point, w_j -> 0
    return {"objective": float(value), "attained": False, "path": where,
            "sigma": [f.best_offset.get("sigma") if large else 0.0] * active + [sig_min] * (f.k - active),
            "tau2": float(np.sum(lam[active:]) / f.d),
            "w_col_norms2": [0.0 if large else "oo"] * active + [0.0] * (f.k - active), "loglik": None,
            "loglik_limit": "-oo",
            "path_values": None if "c->oo" in name or "offset" in name else _path_values(f, lam, u, active, sig_min),
            "shift": _offset_shift(f, active, name)}


def _offset_shift(f, active: int, name: str) -> list:
    """The offsets on the path: the best offset a on the active codes (None where a -> +-oo or is not known)."""
    shift = _rest(f, active).tolist()
    if "offset" in name:
        shift[:active] = [f.best_offset["offset"]] * active
    return shift


def _confirm(numeric: dict, value: float, rel: float, analysed: bool) -> None:
    """Set ``confirmed``, ``gap`` and ``tolerance``: the search reached ``value`` within rel * (1 + |value|);
    a value found only by the search itself needs a second start agreeing with it."""
    tol = float(rel * (1 + abs(value)))
    numeric["gap"] = float(numeric["best"] - value)
    numeric["tolerance"] = tol
    reached = abs(numeric["gap"]) <= tol
    numeric["confirmed"] = bool(reached and (analysed or numeric["agreeing_starts"] >= 2))


def _below(f: _Profiled, down: dict, numeric: dict) -> dict:
    """The result for an objective unbounded below along a collapsed path, with its values along the path."""
    w, tau2 = np.zeros((f.d, f.k)), float(np.trace(f.cov) / f.d)
    values = []
    floor = 0.5 * f.d * (np.log(2 * np.pi * tau2) + 1)  # the collapse's reconstruction term
    for i, c in enumerate(10.0 ** -np.arange(1, 6)):
        v, sig = np.zeros((f.k, f.d)), np.ones(f.k)
        if down["scale"][0] == "path":  # the path's own parameter t, and pen at its points by sympy (no overflow)
            if down["points"] is None:
                values = None
                break
            t, m, s_ = down["points"][i]
            at = down["expr"].subs({mu: sp.Float(m, 30), sigma: sp.Float(s_, 30)}).evalf(30)
            values.append([t, floor + f.k * float(at)])
            continue
        if down["scale"][0] == "c":  # the collapse's reconstruction and pen at the offset -+1/c
            offset = (-1 if down["scale"][1] == "-oo" else 1) / c
            values.append([float(c), 0.5 * f.d * (np.log(2 * np.pi * tau2) + 1) + f.k * float(down["at"](offset))])
            continue
        if down["scale"] == ("sigma", "0+"):
            sig[:] = c
        elif down["scale"] == ("sigma", "oo"):
            sig[:] = 1 / c
        else:
            v[:, 0] = 1 / c  # code variance s2 -> oo
        values.append([float(c), float(f(f.theta(w, v, np.log(sig)))[0])])
    numeric["gap"], numeric["tolerance"] = None, None
    numeric["confirmed"] = None  # -oo is an exact limit: no finite search can confirm it
    if values is None:  # a repeated limit (sigma->0+, then c->-oo): no curve to take values on
        numeric["down_the_path"] = None
        numeric["note"] = ("-oo from exact limits (a repeated limit, no single curve), which a finite search cannot "
                           "confirm (confirmed: None)")
    else:
        numeric["down_the_path"] = bool(numeric["best"] <= values[1][1])  # the search too runs down the path
        went = "went" if numeric["down_the_path"] else "did not go"
        step = "c = 1e-2" if down["scale"][0] != "path" else f"the path's second point (t = {values[1][0]:g})"
        numeric["note"] = ("-oo from exact limits, which a finite search cannot confirm (confirmed: None); "
                           f"down_the_path: the search {went} below the path's value at {step}")
    return {"objective": -np.inf, "attained": False, "path": down["path"], "sigma": [down["sigma"]] * f.k,
            "tau2": tau2, "w_col_norms2": [0.0] * f.k, "loglik": loglik(w, tau2, f.cov), "loglik_limit": None,
            "path_values": values}
