"""A penalty against N(mu_p, sigma_p^2) evaluated in its prior's frame: m = (mu - mu_p)/sigma_p, t = sigma/sigma_p.

The divergences depend on (mu, sigma) through m and t alone, and vanish at (m, t) = (0, 1): an f-divergence (kl,
reverse_kl, jeffreys, hellinger_squared; bhattacharyya is a function of one) is unchanged by the bijection
x -> (x - mu_p)/sigma_p of the sample space, which takes N(mu_p, sigma_p^2) to N(0, 1) (Liese & Vajda 2006, IEEE
Trans. Inf. Theory 52(10)), and W2^2 scales by sigma_p^2. A kernel generated from the expression in
(m, t) has the accuracy the generator gives about (0, 1), where d = t - 1 is exact; one generated in (mu, sigma) about
(mu_p, sigma_p) cancels there between its rounded constants (kl against N(50, 0.01^2) at the prior was -8.9e-16, a
negative divergence; against N(0, 3^2) at sigma = 3(1 + 1e-8), 2.2e-16 for 1.0e-16). The one rounding left is that
of t = sigma/sigma_p, so next to the prior the value is right to about 2e-16/|t - 1| relative, and exact (0) at it.

Derivatives of the kernel in (m, x') are taken back to (mu, x): d/dmu = (1/sigma_p) d/dm; d/dx = (1/sigma_p) d/dx'
for x = sigma, (1/sigma_p^2) d/dx' for x = v, unchanged for x = log sigma or log sigma^2 (there x' = x - log sigma_p
or x - 2 log sigma_p, a shift). Where m overflows or x' leaves float64's normal range while mu and x are in it, the
point is computed by the kernel in (mu - mu_p, x) instead, and so is each derivative plane that overflowed or was
subnormal in the frame (:meth:`Frame.to_mu_x`).
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from vaemath.symbolic import mu, sigma

TINY = sys.float_info.min  # below it a scaled axis value has lost relative precision (subnormal)


def _two_floats(c: sp.Expr) -> tuple:
    """An exact number as hi + lo in float64, lo the rounding error of hi (to about 1e-32 relative)."""
    hi = float(c)
    return hi, float(sp.N(c - sp.Float(hi, 60), 30))


@dataclass(frozen=True)
class Frame:
    """The prior's frame (mu_p, sigma_p) of a penalty, for the parametrisation ``param``."""

    mu_p: sp.Expr
    sigma_p: sp.Expr
    param: str

    @property
    def standard(self) -> bool:
        return self.mu_p == 0 and self.sigma_p == 1

    @property
    def scaled(self) -> bool:
        return self.sigma_p != 1

    def expr(self, e: sp.Expr, scaled: bool = True) -> sp.Expr:
        """``e`` (in mu, sigma) written in (m, t), or, unless ``scaled``, in (mu - mu_p, sigma)."""
        s = self.sigma_p if scaled else sp.S.One
        return _tidy(e.subs({mu: self.mu_p + s * mu, sigma: s * sigma}, simultaneous=True))

    def domain(self, domain, scaled: bool = True):
        return replace(domain, condition=self.expr(domain.condition, scaled))

    def shifted(self, mu_values: np.ndarray) -> np.ndarray:
        """mu - mu_p, mu_p taken as hi + lo: right to about an ulp of itself next to mu_p."""
        if self.mu_p == 0:
            return mu_values
        hi, lo = self._mu_p_floats
        return (mu_values - hi) - lo

    @functools.cached_property
    def _mu_p_floats(self) -> tuple:  # once per frame: pointwise's closure shifts every call
        return _two_floats(self.mu_p)

    @functools.cached_property
    def _log_shift_floats(self) -> tuple:  # log sigma_p (logstd) or 2 log sigma_p (logvar) as hi + lo
        return _two_floats((2 if self.param == "logvar" else 1) * sp.log(self.sigma_p))

    def m(self, shifted: np.ndarray) -> tuple:
        """(m, fine): m from mu - mu_p, and where it did not overflow. A subnormal m is kept: the planes it enters
        linearly keep what float64 holds of it, where the kernel in (mu - mu_p, x) would cancel next to the prior
        (kl against N(0, 0.01^2) at (1e-310, 0.01) was -8.9e-16 that way; review helper-104)."""
        if not self.scaled:
            return shifted, np.ones(shifted.shape, dtype=bool)
        with np.errstate(over="ignore", under="ignore"):
            m = shifted / float(self.sigma_p)
        return m, np.isfinite(m) | ~np.isfinite(shifted)

    def x(self, x: np.ndarray) -> tuple:
        """(x', fine): the axis in the frame, and where it keeps its relative precision."""
        if not self.scaled:
            return x, np.ones(x.shape, dtype=bool)
        s = float(self.sigma_p)
        with np.errstate(over="ignore", under="ignore"):
            if self.param == "std":
                xs = x / s
            elif self.param == "var":
                xs = x / s / s
            else:
                hi, lo = self._log_shift_floats
                return (x - hi) - lo, np.ones(x.shape, dtype=bool)
        return xs, _fine(xs, x)

    def to_mu_x(self, block: np.ndarray, what: tuple) -> np.ndarray:
        """Derivative planes of ``block`` (P, ...) in (m, x') taken to (mu, x), in place. Returns the mask (P, ...) of
        the derivative planes that had overflowed in the frame or were subnormal there, which the scale factor may
        bring back into range (d/dt of w2_squared against N(0, 1e10^2) at sigma = 1e300 is 2e310, d/dsigma 2e300):
        the caller takes those from the kernel in (mu - mu_p, x). Such planes are far from the prior, or proportional
        to a subnormal m (d/dm of kl is m), and neither cancels in that kernel."""
        lost = np.zeros(block.shape, dtype=bool)
        if not self.scaled:
            return lost
        s = float(self.sigma_p)
        per_x = {"std": 1, "var": 2}.get(self.param, 0)
        orders = {"value": [(0, 0)], "grad": [(1, 0), (0, 1)], "hess": [(2, 0), (1, 1), (0, 2)]}
        k = 0
        with np.errstate(over="ignore", under="ignore"):
            for w in what:
                for a, b in orders[w]:
                    if a or b:
                        p = np.abs(block[k])
                        lost[k] = np.isinf(p) | ((p < TINY) & (p > 0))
                    for _ in range(a + per_x * b):  # one division at a time: sigma_p^2 alone may overflow
                        block[k] /= s
                    k += 1
        return lost


def _tidy(e: sp.Expr) -> sp.Expr:
    """The prior's constants cancelled where they cancel exactly: the general forms are expanded in mu_p (mu*mu_p
    meets (mu_p + sigma_p m)^2), so powers of sums are expanded; a log of a positive number times X is split
    (log(sigma_p t) - log(sigma_p)); common numeric factors of sums are taken out (sqrt(c^2 t^2 + c^2) =
    c sqrt(t^2 + 1): hellinger_squared against N(2, 1e-10^2) was -inf as printed)."""
    def scaled_log(a):
        return isinstance(a, sp.log) and a.args[0].is_Mul and a.args[0].args[0].is_Number and a.args[0].args[0] > 0

    e = sp.expand(e, power_exp=False, power_base=False, log=False)
    e = e.replace(scaled_log, lambda a: sp.log(a.args[0].args[0]) + sp.log(a.args[0] / a.args[0].args[0]))
    return e.replace(lambda a: a.is_Add, sp.factor_terms)


def _fine(scaled: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Where a scaled value is finite and normal, or 0 from 0; also where the given value is not finite (the caller
    makes those NaN)."""
    a = np.abs(scaled)
    return (np.isfinite(a) & ((a >= TINY) | (given == 0))) | ~np.isfinite(given)


def frame(pen, param: str) -> Frame:
    mu_p, sigma_p = pen.frame
    return Frame(sp.sympify(mu_p), sp.sympify(sigma_p), param)
