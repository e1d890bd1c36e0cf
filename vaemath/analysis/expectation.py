"""The expected penalty E pen(mu, sigma) over the data, for a code mu with mean 0 and variance s2.

In the linear-Gaussian VAE each code mu_j = v_j^T (x - b) has mean 0 and variance s2 = (V C V^T)_jj.
For a penalty polynomial of degree <= 2 in mu, E pen depends on the data only through s2, for any data
distribution with covariance C. For any other penalty it is computed under the stated assumption that
the data are Gaussian N(b, C), so that mu_j ~ N(0, s2): by sympy integration where it succeeds within the
symbolic budget (``budget`` seconds, :func:`vaemath.symbolic.budget.attempt`), else numerically, each value
to within ``EXPECTATION_TOL`` (1 + |E pen|) (estimated):

- a smooth penalty by Gauss-Hermite quadrature with 80 and 160 nodes, the 160-node value kept where the two
  agree within the tolerance and no narrow feature lies within reach; where they do not (a pole or branch point
  near the real axis seen at a large code variance: mu^2/(1 + mu^2) at s2 = 400 is off by 4e-2 with 80 nodes),
  by adaptive Gauss-Legendre quadrature (panels split until each panel's 10- and 20-node values agree). A narrow
  feature is a pole, branch point or kink z found symbolically (a root of a polynomial argument: a denominator,
  the argument of log or of a fractional power, atan's +-i...; :func:`_features`) with |Im z| < sqrt(s2): both
  node sets can step over it and agree (mu^2 - 1/(1 + 10^6 (mu - 5)^2) at s2 = 400: 6e-5 off, the two 3e-8
  apart), so the panels are split at its real part and at +-1, 10, 100 times |Im z| around it (measured: for a
  Lorentzian of width delta sqrt(s2), the 80/160 difference covers the error for delta >= 0.5, and falls short
  by up to 50x below);
- a penalty with abs, max, min or a fractional power of an expression in mu (kinks and cones such as
  sqrt(mu^2 + (sigma - 1)^2), which Gauss-Hermite resolves only to ~1e-3) by adaptive quadrature
  (scipy.integrate.quad) per value.

A sympy integral in special functions numpy cannot evaluate (Meijer G, polar_lift) is not used: quadrature
instead. :meth:`ExpectedPenalty.error` gives the error estimate at any point, and
:meth:`ExpectedPenalty.checked_error` that estimate checked by a second adaptive rule split at the same features.
Features at the roots of non-polynomial expressions (a sigmoid 1/(1 + exp(k (mu - a)))) are not located.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache, partial

import mpmath
import numpy as np
import sympy as sp
from scipy import integrate

from vaemath.symbolic import DEFAULT_BUDGET, Penalty, mu, sigma
from vaemath.symbolic import penalty as as_penalty
from vaemath.symbolic.budget import attempt, check_budget
from vaemath.symbolic.nonsmooth import is_smooth
from vaemath.symbolic.penalty import infer_domain

s2 = sp.Symbol("s2", nonnegative=True)  # variance of the code mu over the data
_t = sp.Symbol("t", real=True)

ASSUMPTION_EXACT = "exact for any data with covariance C: the penalty is polynomial of degree <= 2 in mu"
ASSUMPTION_GAUSSIAN = ("assumes Gaussian data x ~ N(b, C), so each code mu_j ~ N(0, s2_j): the penalty is not "
                       "polynomial of degree <= 2 in mu")
_SCALAR = {"Heaviside": lambda x, h0=0.5: 1.0 if x > 0 else 0.0 if x < 0 else h0,
           "sign": lambda x: (x > 0) - (x < 0)}
EXPECTATION_TOL = 1e-10  # each numeric value of E pen within this times (1 + |E pen|), estimated
_RULES = [(x, w / np.sqrt(2 * np.pi)) for x, w in (np.polynomial.hermite_e.hermegauss(n) for n in (80, 160))]
_GL20, _GL10 = np.polynomial.legendre.leggauss(20), np.polynomial.legendre.leggauss(10)
_KINK_GUESSES, _T_SPLIT = (-10.0, -3.0, -1.0, 0.0, 1.0, 3.0, 10.0), 40.0  # adaptive quadrature's breakpoints
_MAX_PANELS = 4000  # per value: beyond this the adaptive rule stops and reports its (larger) error estimate


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
        "Gauss-Hermite quadrature" is checked (80 against 160 nodes) with adaptive Gauss-Legendre where the
        check fails; see :meth:`accuracy`.
    note : str
        Why the numeric route was taken ("" when sympy was not tried), e.g. sympy's integration ran past its
        budget.
    """

    penalty: Penalty
    expr: sp.Expr | None
    exact: bool
    assumption: str
    method: str
    note: str = ""

    def accuracy(self, shifted: bool = False) -> str:
        """The method and its stated error bound, in words: of :meth:`numeric`, or of :meth:`shifted` (``shifted``:
        always quadrature)."""
        if self.expr is not None and not shifted:
            return f"{self.method} (closed form: exact up to rounding)"
        how = ("adaptive quadrature (scipy.integrate.quad)" if _kinked(self.penalty.expr) else
               "Gauss-Hermite quadrature (80 and 160 nodes), adaptive Gauss-Legendre where they differ or a pole, "
               "branch point or kink lies within sqrt(s2) of the real axis")
        return f"{how}, each value within {EXPECTATION_TOL:g} (1 + |E pen|) (estimated)" + (
            f"; {self.note}" if self.note else "")

    def numeric(self):
        """Three numpy functions of (s2, sigma): g, dg/ds2 and dg/dsigma."""
        return _numeric(self.penalty.expr, self.expr)

    def error(self, v, sd, c=None):
        """Estimated absolute error of E pen(c + mu, sigma) at (s2, sigma), as :meth:`numeric` computes it (``c``
        None: 0 for a closed form) or as :meth:`shifted` does (``c`` given): the 80/160-node difference where
        Gauss-Hermite is kept, else the adaptive rule's estimate."""
        if self.expr is not None and c is None:
            return np.zeros(np.broadcast(np.asarray(v, float), np.asarray(sd, float)).shape)
        return _shifted(self.penalty.expr)[0].error(v, sd, 0.0 if c is None else c)

    def checked_error(self, v, sd, c=None):
        """:meth:`error`, checked by an independent rule at (s2, sigma[, c]): the larger of the rule's own estimate
        and its difference from a second adaptive evaluation of E pen(c + mu, sigma) (scipy.integrate.quad split
        at the features of :func:`_features` and at mu = 0, +-1, +-3, +-10 for Gauss-Hermite and Gauss-Legendre;
        adaptive Gauss-Legendre split at the same points for the kinked route's quad) plus that evaluation's own
        estimate. Both are still estimates, not bounds: a feature not located (a root of a non-polynomial
        expression) can be missed by both."""
        if self.expr is not None and c is None:
            return self.error(v, sd)
        c = 0.0 if c is None else c
        v, sd, c = np.broadcast_arrays(np.asarray(v, float), np.asarray(sd, float), np.asarray(c, float))
        own, est = _shifted(self.penalty.expr)[0](v, sd, c), self.error(v, sd, c)
        other, other_est = _second_rule(self.penalty.expr)(v, sd, c)
        with np.errstate(invalid="ignore"):
            return np.maximum(est, np.abs(own - other) + other_est)

    def shifted(self):
        """Four numpy functions of (s2, sigma, c): h = E pen(c + mu, sigma) over mu with mean 0 and variance s2
        (Gaussian), dh/ds2, dh/dsigma and dh/dc, by the same quadrature as :meth:`numeric` (Gauss-Hermite, or
        adaptive for kinks and cones): the encoder's offset c as one more variable."""
        return _shifted(self.penalty.expr)


def expected_penalty(penalty, sigma_means: str = "std", budget=DEFAULT_BUDGET) -> ExpectedPenalty:
    """E pen(mu, sigma) over codes mu with mean 0 and variance s2, as g(s2, sigma).

    Parameters
    ----------
    penalty : str, sympy.Expr or Penalty
        The penalty (see :func:`vaemath.symbolic.penalty`).
    sigma_means : {"std", "var"}
    budget : float or None
        Seconds for sympy's integration (None: no limit); past it the numeric route, said so in ``note``.

    Returns
    -------
    ExpectedPenalty

    Examples
    --------
    >>> expected_penalty("kl").expr
    s2/2 + sigma**2/2 - log(sigma) - 1/2
    """
    return _expected(as_penalty(penalty, sigma_means), check_budget(budget))


@lru_cache(maxsize=64)
def _expected(pen: Penalty, budget) -> ExpectedPenalty:
    poly = sp.Poly(pen.expr, mu) if pen.expr.is_polynomial(mu) else None
    if poly is not None and poly.degree() <= 2:
        coeff = poly.all_coeffs()[::-1] + [0, 0]
        return ExpectedPenalty(pen, sp.expand(coeff[0] + coeff[2] * s2), True, ASSUMPTION_EXACT, "second moments")
    done, expr = attempt(_integrate, pen.expr, budget=budget)
    note = "" if done else f"sympy's integration ran past its budget of {budget:g} s: numeric quadrature instead"
    method = "sympy integration" if expr is not None else "Gauss-Hermite quadrature"
    if expr is None and _kinked(pen.expr):
        method = "adaptive quadrature"
    return ExpectedPenalty(pen, expr, False, ASSUMPTION_GAUSSIAN, method, note)


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


_BRANCH = {sp.log: (0,), sp.Abs: (0,), sp.sign: (0,), sp.Heaviside: (0,), sp.atan: (sp.I, -sp.I),
           sp.asinh: (sp.I, -sp.I), sp.atanh: (1, -1), sp.acosh: (1, -1),
           sp.tanh: (sp.I * sp.pi / 2, -sp.I * sp.pi / 2)}  # where each function is singular, kinked or branches
_ZEROS = {sp.cosh: (sp.I * sp.pi / 2, -sp.I * sp.pi / 2), sp.sinh: (0,)}  # zeros of a function in a denominator
NARROW = 1.0  # a feature |Im z| < NARROW sqrt(s2) from the real axis: quadrature split at it (see _features)
_MAX_FEATURE_DEGREE = 12


def _singular_equations(expr: sp.Expr) -> list:
    """Equations a(mu, sigma) = b whose roots in mu are where ``expr`` (or a derivative) is singular, kinked or
    branches: zeros of denominators and of the bases of fractional powers, the arguments of log, abs, sign and
    Heaviside at 0, max/min where their arguments cross, atan/asinh at +-i, atanh/acosh at +-1, tanh's poles at
    +-i pi/2 (and cosh or sinh in a denominator at their zeros)."""
    out = []
    for node in sp.preorder_traversal(expr):
        if not (isinstance(node, sp.Basic) and node.has(mu)):
            continue
        if isinstance(node, sp.Pow) and not (node.exp.is_integer and node.exp.is_nonnegative):
            base = node.base
            out.append((base, 0))
            for fn, roots in _ZEROS.items():
                if isinstance(base, fn):
                    out += [(base.args[0], b) for b in roots]
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            out += [(a - b, 0) for i, a in enumerate(args) for b in args[i + 1:]]
        elif isinstance(node, tuple(_BRANCH)):
            out += [(node.args[0], b) for b in _BRANCH[type(node)]]
    return out


@lru_cache(maxsize=64)
def _features(pen_expr: sp.Expr):
    """A function of sigma giving the complex points z in mu (a numpy array) where the penalty has a pole, branch
    point or kink that is polynomial in mu (roots of a polynomial whose coefficients are functions of sigma), or
    None when there is none. A feature at |Im z| < NARROW sqrt(s2) is narrower than Gauss-Hermite's node spacing
    can be trusted to see (both the 80- and the 160-node rule can step over it, and agree: mu**2 - 1/(1 +
    10**6 (mu-5)**2) at s2 = 400, 6e-5 off with a difference of 3e-8): quadrature is then split at it."""
    polys = []
    for a, b in _singular_equations(pen_expr):
        num = sp.numer(sp.together(a - b))
        if not num.has(mu) or not num.is_polynomial(mu):
            continue  # a root of a non-polynomial (a sigmoid's 1 + exp(k mu)): not located
        coeffs = sp.Poly(num, mu).all_coeffs()
        if not 1 <= len(coeffs) - 1 <= _MAX_FEATURE_DEGREE or any(c.free_symbols - {sigma} for c in coeffs):
            continue
        polys.append(sp.lambdify(sigma, coeffs, ["scipy", "numpy"]))
    bumps = [sp.lambdify(sigma, sp.Poly(g.args[0], mu).all_coeffs(), ["scipy", "numpy"])
             for g in pen_expr.atoms(sp.exp) if g.args[0].is_polynomial(mu) and sp.degree(g.args[0], mu) == 2
             and not g.args[0].free_symbols - {mu, sigma}]
    if not polys and not bumps:
        return None

    def at(sd: float) -> np.ndarray:
        found = []
        for poly in polys:
            with np.errstate(all="ignore"):
                coeffs = np.asarray(poly(sd), dtype=complex)
            nonzero = np.flatnonzero(coeffs != 0)
            if nonzero.size and np.all(np.isfinite(coeffs)):
                found.append(np.roots(coeffs[nonzero[0]:]))
        for bump in bumps:  # exp(-k (mu - a)^2): a Gaussian bump of width 1/sqrt(2 k) at a (review r8k A4), an entire
            k2, k1, _ = (float(np.real(c)) for c in bump(sd))  # function with no pole to find: its centre and width
            if k2 < 0:                                          # as the point a + i / sqrt(2 k)
                found.append(np.array([-k1 / (2 * k2) + 1j / math.sqrt(-2 * k2)]))
        return np.concatenate(found) if found else np.zeros(0, complex)
    return at


def _breaks(features, v: float, sd: float, c: float) -> np.ndarray:
    """The t = (mu - c)/sqrt(v) to split quadrature at: each narrow feature's real part and +-1, 10, 100 times its
    distance from the real axis on each side (empty when there is none)."""
    if features is None or not v > 0:
        return np.zeros(0)
    r, z = math.sqrt(v), features(sd)
    tau, delta = (z.real - c) / r, np.abs(z.imag) / r
    narrow = (delta < NARROW) & (np.abs(tau) < _T_SPLIT)
    tau, delta = tau[narrow], delta[narrow]
    pts = (tau[:, None] + delta[:, None] * np.array([-100.0, -10.0, -1.0, 0.0, 1.0, 10.0, 100.0])).ravel()
    pts = np.sort(pts[np.abs(pts) < _T_SPLIT])
    return pts[np.concatenate([[True], np.diff(pts) > 1e-9 * (1 + np.abs(pts[1:]))])] if pts.size else pts


@lru_cache(maxsize=64)
def _numeric(pen_expr: sp.Expr, g: sp.Expr | None):
    if g is not None:
        fns = (sp.lambdify((s2, sigma), e, ["scipy", "numpy"]) for e in (g, sp.diff(g, s2), sp.diff(g, sigma)))
        return tuple(_on_domain(fn, infer_domain(pen_expr), k == 0) for k, fn in enumerate(fns))
    f, f_m, f_s, quad = _rule(pen_expr)

    def g_s(v, sd):  # d/ds2 E f(sqrt(s2) t) = E[f'(sqrt(s2) t) t] / (2 sqrt(s2)): needs f' only (kinks allowed)
        root = np.sqrt(np.maximum(np.asarray(v, float), 1e-300))
        return quad(lambda m, s: f_m(m, s) * m)(v, sd) / (2 * root**2)

    return quad(f), g_s, quad(f_s)


def _rule(pen_expr: sp.Expr) -> tuple:
    """The penalty, its d/dmu and d/dsigma as functions for quadrature, and the quadrature itself: Gauss-Hermite
    (checked) for a smooth penalty, adaptive for a kinked one, each split at the penalty's narrow features."""
    smooth = not _kinked(pen_expr)
    f, f_m, f_s = (_lambdified(e, smooth) for e in (pen_expr, sp.diff(pen_expr, mu), sp.diff(pen_expr, sigma)))
    return f, f_m, f_s, partial(_gauss_hermite if smooth else _adaptive, features=_features(pen_expr))


@lru_cache(maxsize=64)
def _shifted(pen_expr: sp.Expr):
    f, f_m, f_s, quad = _rule(pen_expr)

    def g_s(v, sd, c):  # d/ds2 E f(c + sqrt(s2) t) = E[f'(c + sqrt(s2) t) t] / (2 sqrt(s2))
        root = np.sqrt(np.maximum(np.asarray(v, float), 1e-300))
        return quad(f_m, times_t=True)(v, sd, c) / (2 * root)

    return quad(f), g_s, quad(f_s), quad(f_m)


_REPAIRED = 256  # at most this many nan values of one array call are recomputed by mpmath


def _lambdified(e: sp.Expr, vectorised: bool):
    """e as a function of (mu, sigma): of arrays (scipy, numpy) for the fixed rules; of floats for adaptive quadrature,
    by plain math (fast) and by numpy where math overflows (1/(1 + exp(mu**2)) at mu = 30 is 0, exp(mu**2) inf:
    review r8k A3, an OverflowError that ended `linear`). A nan at a finite point, where float64 overflowed to
    inf/inf (d/dmu 1/(1 + exp(mu**2)) = -2 mu exp(mu**2)/(1 + exp(mu**2))**2 at mu = 27, which is 0 to float64:
    review r8l B1, a nan gradient that stopped every start of `linear`), is recomputed by mpmath, whose exponents do
    not overflow; it stays nan where mpmath's value is not real (outside the domain) or undefined, and in an array
    call where every value, or more than _REPAIRED, are nan (a sigma outside the domain)."""
    slow = sp.lambdify((mu, sigma), e, "mpmath")

    def repaired(m, s, v):
        try:
            with mpmath.workdps(20):
                x = slow(mpmath.mpf(float(m)), mpmath.mpf(float(s)))
        except (ValueError, ArithmeticError, TypeError):
            return v
        if isinstance(x, mpmath.mpc):
            if abs(x.imag) > abs(x.real) * 1e-12:
                return v
            x = x.real
        return float(x) if mpmath.isfinite(x) else v

    if vectorised:
        fast_array = sp.lambdify((mu, sigma), e, ["scipy", "numpy"])

        def g(m, s):
            out = fast_array(m, s)
            bad = np.isnan(out) if np.ndim(out) else None
            if bad is None or not bad.any() or bad.all() or np.count_nonzero(bad) > _REPAIRED:
                return out
            m_, s_ = np.broadcast_arrays(np.asarray(m, float), np.asarray(s, float))
            out = np.array(out, dtype=float)
            for i in zip(*np.nonzero(bad & np.isfinite(m_) & np.isfinite(s_))):
                out[i] = repaired(m_[i], s_[i], out[i])
            return out
        return g
    fast, wide = (sp.lambdify((mu, sigma), e, [_SCALAR, m]) for m in ("math", "numpy"))

    def f(m, s):
        try:
            return fast(m, s)
        except OverflowError:
            with np.errstate(all="ignore"):
                v = float(wide(np.float64(m), np.float64(s)))
            return repaired(m, s, v) if math.isnan(v) and math.isfinite(m) and math.isfinite(s) else v
    return f


@lru_cache(maxsize=64)
def _second_rule(pen_expr: sp.Expr):
    """E pen(c + mu, sigma) by the rule the value route does not use, as (value, error estimate) over arrays of
    (s2, sigma, c): scipy's adaptive quad for a smooth penalty (whose route is Gauss-Hermite / Gauss-Legendre),
    adaptive Gauss-Legendre split at the kinks and features for a kinked one (whose route is quad)."""
    features = _features(pen_expr)
    if not _kinked(pen_expr):
        h = _adaptive(_lambdified(pen_expr, False), features=features)
        return lambda v, sd, c: (h(v, sd, c), h.error(v, sd, c))
    fn = sp.lambdify((mu, sigma), pen_expr, ["scipy", "numpy"])

    def one(v, sd, c):
        if not v > 0:
            return float(fn(np.array(c), np.array(sd))), 0.0
        breaks = np.union1d(_breaks(features, v, sd, c),
                            [(m - c) / math.sqrt(v) for m in _KINK_GUESSES if abs(m - c) < _T_SPLIT * math.sqrt(v)])
        return _panels(fn, v, sd, c, False, None, breaks)[:2]
    vectorised = np.vectorize(one, otypes=[float, float])
    return lambda v, sd, c: vectorised(v, sd, c)


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


def _gauss_hermite(fn, times_t: bool = False, features=None):
    """E fn(c + sqrt(s2) t, sigma) (times t if ``times_t``), t ~ N(0, 1), broadcast over arrays of (s2, sigma[, c])
    (c = 0 unless given): Gauss-Hermite with 160 nodes where it agrees with 80 nodes within EXPECTATION_TOL
    (1 + |value|) and no narrow feature (:func:`_features`, given as ``features``) lies within reach, else adaptive
    Gauss-Legendre (:func:`_panels`) split at the features. ``h.error`` gives the error estimates."""
    last = [None]  # the panels of the previous adaptive value: the next call (a nearby point) starts from them

    def both(v, sd, c=0.0):
        v, sd, c = np.broadcast_arrays(np.asarray(v, float), np.asarray(sd, float), np.asarray(c, float))
        with np.errstate(all="ignore"):
            lo, hi = (np.sum(fn(c[..., None] + np.sqrt(v)[..., None] * x, sd[..., None] + 0 * x)
                             * (w * x if times_t else w), axis=-1) for x, w in _RULES)
            lo, hi = (np.broadcast_to(a, v.shape) for a in (lo, hi))  # a constant fn (d/dsigma of atan(mu)): one 0
            err = np.array(np.abs(hi - lo), dtype=float)
        value = np.array(hi, dtype=float)
        redo = np.isfinite(lo) & ~(err <= EXPECTATION_TOL * (1 + np.abs(hi)))
        for i in np.ndindex(redo.shape):
            breaks = _breaks(features, float(v[i]), float(sd[i]), float(c[i])) if np.isfinite(lo[i]) else ()
            if redo[i] or len(breaks):
                value[i], err[i], last[0] = _panels(fn, float(v[i]), float(sd[i]), float(c[i]), times_t, last[0],
                                                    breaks)
        keep = ~np.isfinite(lo)  # the penalty infinite or undefined at a node: its value as before
        value[keep], err[keep] = lo[keep], np.nan
        return value, err

    def h(v, sd, c=0.0):
        return both(v, sd, c)[0]
    h.error = lambda v, sd, c=0.0: both(v, sd, c)[1]
    return h


def _panels(fn, v: float, sd: float, c: float, times_t: bool, start=None, breaks=()) -> tuple:
    """(E fn(c + sqrt(v) t, sd) [times t], error estimate, the accepted panels) by adaptive Gauss-Legendre over
    t = x / (1 - x^2), x in (-1, 1): every panel is split until its 10- and 20-node values agree within its share
    of the tolerance (vectorised: one call of ``fn`` per level of splitting), from 16 equal panels or from the
    panels ``start`` (lo, hi) of a previous value (a warm start: the same acceptance test, fewer levels), with
    edges added at the t in ``breaks`` (narrow features: a panel that holds one whole can agree with itself and
    miss it)."""
    r = math.sqrt(v)
    if start is None or start[0].size > _MAX_PANELS // 8:
        edges = np.linspace(-1.0, 1.0, 17)
    else:
        edges = np.concatenate([start[0], start[1]])
    if len(breaks):
        t = np.asarray(breaks, float)
        edges = np.concatenate([edges, 2 * t / (1 + np.sqrt(1 + 4 * t * t))])  # x of t: t = x / (1 - x^2)
    edges = np.unique(edges)
    lo_, hi_ = edges[:-1], edges[1:]
    total, error, scale, kept = 0.0, 0.0, None, ([], [])
    while lo_.size:
        half, mid = (hi_ - lo_) / 2, (hi_ + lo_) / 2
        sums = []
        for x, w in (_GL20, _GL10):
            xs = mid[:, None] + half[:, None] * x
            t = xs / (1 - xs * xs)
            jac = (1 + xs * xs) / (1 - xs * xs) ** 2
            with np.errstate(all="ignore"):
                vals = fn(c + r * t, sd + 0 * t) * np.exp(-t * t / 2) * jac / math.sqrt(2 * math.pi)
                vals = np.where(np.exp(-t * t / 2) == 0, 0.0, vals)  # the Gaussian factor is 0: no 0 * inf
            sums.append(np.sum(vals * (t if times_t else 1.0) * w, axis=-1) * half)
        fine, diff = sums[0], np.abs(sums[0] - sums[1])
        if scale is None:
            scale = 1 + abs(float(np.sum(fine)))
        share = EXPECTATION_TOL * scale * half  # the panel's share of the tolerance (the widths sum to 2)
        done = (diff <= share) | (lo_.size * 2 > _MAX_PANELS)
        total += float(np.sum(fine[done]))
        error += float(np.sum(diff[done]))
        kept[0].append(lo_[done])
        kept[1].append(hi_[done])
        split = ~done
        lo_, mid_, hi_ = lo_[split], mid[split], hi_[split]
        lo_, hi_ = np.concatenate([lo_, mid_]), np.concatenate([mid_, hi_])
    return total, error, (np.concatenate(kept[0]), np.concatenate(kept[1]))


def _adaptive(fn, times_t: bool = False, features=None):
    """E fn(c + sqrt(s2) t, sigma) (times t if ``times_t``) by adaptive quadrature per value: accurate across the
    kinks of abs, max, min; c = 0 unless given; split at the narrow features (:func:`_features`, ``features``) and
    at the kinks and branch points on the real axis found there. ``h.error`` gives quad's error estimates."""
    def safe(m, sd):
        try:
            return fn(m, sd)
        except (ZeroDivisionError, ValueError):  # 0/0 at a cone's tip (d sqrt(kl)/dmu where kl rounds to 0): a
            return 0.0  # bounded integrand on a set quad samples at a few nodes of tiny weight

    def one(v, sd, c):
        r = math.sqrt(v)
        if r == 0:
            return (0.0 if times_t else safe(c, sd)), 0.0
        def integrand(t):
            return safe(c + r * t, sd) * (t if times_t else 1.0) * math.exp(-t * t / 2)

        # split at the t of mu = 0, +-1, +-3, +-10, where kinks usually sit: at a large code variance a kink is a
        # narrow feature in t that quad over the whole line steps over (abs(mu - 1) at s2 = 1e6: 4e-4 off)
        points = sorted({(m - c) / r for m in _KINK_GUESSES if abs(m - c) < _T_SPLIT * r}
                        | set(_breaks(features, v, sd, c).tolist()))
        value = err = 0.0
        with warnings.catch_warnings():  # round-off at 1e-12 on a kink: the value is still good to ~1e-12
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            for a, b, pts in ((-math.inf, -_T_SPLIT, None), (-_T_SPLIT, _T_SPLIT, points or None),
                              (_T_SPLIT, math.inf, None)):
                part, e = integrate.quad(integrand, a, b, points=pts, epsabs=1e-12, epsrel=1e-11,
                                         limit=200 + 4 * len(pts or ()))[:2]
                value, err = value + part, err + e
        return value / math.sqrt(2 * math.pi), err / math.sqrt(2 * math.pi)
    vectorised = np.vectorize(one, otypes=[float, float])

    def h(v, sd, c=0.0):
        return vectorised(np.asarray(v, float), np.asarray(sd, float), np.asarray(c, float))[0]
    h.error = lambda v, sd, c=0.0: vectorised(np.asarray(v, float), np.asarray(sd, float), np.asarray(c, float))[1]
    return h
