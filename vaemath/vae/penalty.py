"""The penalty as ONE autograd primitive: forward and VJP from the generated kernels, in s = log sigma.

The encoder outputs (mu, s) with s = log sigma. ``penalty_sum(penalty)`` returns an autograd primitive
f(mu, s) = sum_j penalty(mu_j, exp(s_j)) over the last axis. Its forward runs the generated numba kernel for
the value and the gradient in one pass (``vaemath.kernels.pointwise(..., what=("value", "grad"),
param="logstd")``, the lean form of ``evaluate``); its VJP reuses that gradient. No penalty formula is
written here: the kernels are generated from the symbolic expression, which stays exact for sigma from
1e-20 to 1e20.
"""

from __future__ import annotations

import math
import sys
import warnings
from functools import cache, lru_cache

import numpy as np
from autograd.extend import defvjp_argnums, primitive


def resolve(penalty, sigma_means: str = "std"):
    """The :class:`vaemath.symbolic.Penalty` for a catalogue name, penalty text or Penalty."""
    from vaemath.symbolic import Penalty
    from vaemath.symbolic import penalty as as_penalty

    return penalty if isinstance(penalty, Penalty) else as_penalty(penalty, sigma_means)


SLOW_BUDGET = 60.0  # seconds per symbolic step before a penalty is refused as having no minimiser


def trainable(penalty) -> str:
    """Refuse a penalty a VAE cannot be trained with; returns its name.

    A penalty unbounded below (a limit -oo at the boundary, e.g. ``-log(sigma)`` as sigma -> oo) sends
    the encoder to that boundary; a penalty with no interior minimiser pulls it nowhere in particular.
    A penalty minimal on a whole set (``mu**2``: the line mu = 0, any sigma) is trained, with a ``UserWarning``.

    Raises
    ------
    ValueError
        Naming the penalty and the reason.
    """
    name, region = _minimal_set(penalty)
    if region is not None:
        warnings.warn(f"penalty: {name!r} is minimal at {region}, not at isolated points: along "
                      "that set it does not hold the encoder's (mu, sigma), which may drift or collapse freely",
                      UserWarning, stacklevel=2)
    return name


@cache
def _minimal_set(penalty) -> tuple:
    """(name, the set where it is minimal or None if its minimisers are isolated); raises as :func:`trainable`."""
    from sympy import oo

    from vaemath.kernels.codegen import check_float64
    from vaemath.symbolic import limits, minimizer
    from vaemath.symbolic.calculus import MinimizerSet

    p = resolve(penalty)
    check_float64(p.expr, p.name)
    _finite_where_encoders_start(p)
    bad = [k for k, v in limits(p.expr).items() if v == -oo]
    if bad:
        raise ValueError(f"penalty: {p.name!r} is unbounded below ({', '.join(bad)} gives -oo); "
                         "training would drive the encoder to that boundary")
    best = minimizer(p.expr)
    if best is None:  # no minimiser, or a symbolic step ran past its 5 s (a loaded machine): decide with more time
        best = minimizer(p.expr, budget=SLOW_BUDGET)
    if best is None:
        raise ValueError(f"penalty: {p.name!r} has no interior minimiser in (mu, sigma)")
    return p.name, best.description if isinstance(best, MinimizerSet) and not best.points else None


def _finite_where_encoders_start(p) -> None:
    """Refuse, before any symbolic search, a penalty whose value or gradient is beyond float64 around (mu, sigma)
    = (0, 1), where an encoder starts: ``exp(1000*sigma)*mu**2`` is 4e337 at (-1/2, e^(-1/4)). Exact values (sympy at
    30 digits), not a kernel: generating one for such a penalty took minutes."""
    import sympy as sp

    from vaemath.symbolic import mu, sigma

    planes = (p.expr, sp.diff(p.expr, mu), sp.diff(p.expr, sigma))
    for m0, t in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        at = {mu: sp.Rational(m0, 2), sigma: sp.exp(sp.Rational(t, 4))}
        for name, e in zip(("value", "d/dmu", "d/dsigma"), planes):
            v = e.subs(at).evalf(30)
            if v.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or (v.is_real and abs(v) > sys.float_info.max):
                raise ValueError(f"penalty: {p.name!r} is not finite in float64 at (mu, sigma) = ({m0 / 2}, "
                                 f"{math.exp(t / 4):.4g}): its {name} is {sp.N(v, 6)}; around (0, 1), where an encoder "
                                 "starts, no training step would be finite")


def penalty_sum(penalty, sigma_means: str = "std"):
    """The autograd primitive f(mu, s) = sum over the last axis of penalty(mu, sigma = exp(s)).

    Parameters
    ----------
    penalty : str or Penalty
        Catalogue name or penalty text (see :func:`vaemath.penalty`).

    Returns
    -------
    callable
        ``f(mu, s)`` with mu, s of shape (..., L) returns shape (...): the penalty of each datum summed
        over its L latent dimensions. Differentiable by autograd in both arguments; the VJP is the
        generated gradient kernel (d/dmu, d/ds). Invalid inputs give NaN (caught by the training guard).
        The kernel is loaded once (:func:`vaemath.kernels.pointwise`): each call runs it with no further
        checks, bit-identical to ``evaluate(..., what=("value", "grad"), errors="nan", param="logstd")`` except at a
        kink, where a gradient component that does not exist (NaN) is the steepest descent along that axis
        (:func:`vaemath.kernels.steepest_subgradient`: 0 for abs(sigma - 1) at sigma = 1).
    """
    from vaemath.symbolic import Penalty

    if not isinstance(penalty, (str, Penalty)):
        raise TypeError(f"penalty: expected a catalogue name, penalty text or Penalty, got {penalty!r}")
    return _penalty_sum(penalty, sigma_means)


@lru_cache(maxsize=64)
def _penalty_sum(penalty, sigma_means: str):
    from vaemath.kernels import pointwise, steepest_subgradient

    p = resolve(penalty, sigma_means)
    planes = pointwise(p, what=("value", "grad"), param="logstd")
    last = {"ans": None, "grad": None}  # the gradient computed with the latest forward value

    def at(mu, s):
        block = planes(mu, s)
        if np.isnan(block[1:]).any():  # a kink (abs(sigma - 1) at sigma = 1, where encoders start): a subgradient
            block = steepest_subgradient(planes, mu, s, block)
        return block

    @primitive
    def f(mu, s):
        block = at(mu, s)
        ans = block[0].sum(axis=-1)
        last["ans"], last["grad"] = ans, block[1:]
        return ans

    def vjp(argnums, ans, args, kwargs):
        g = last["grad"] if last["ans"] is ans else at(*args)[1:]

        def products(v):  # both planes in one multiply (two took 6 us of a 40 us call)
            both = v[None, ..., None] * g
            return tuple(both[a] for a in argnums)
        return products

    defvjp_argnums(f, vjp)
    f.__name__ = f"penalty_sum[{p.name}]"
    return f


def composed(penalty, sigma_means: str = "std"):
    """The same f(mu, s) built from autograd.numpy operations, lambdified from the sympy expression.

    The baseline of the benchmark (the primitive against autograd's own tracing of the expression).
    """
    import autograd.numpy as anp
    import sympy as sp

    from vaemath.symbolic import variables

    p = resolve(penalty, sigma_means)
    g = sp.lambdify(variables("logstd"), p.in_param("logstd"), modules=anp)
    return lambda mu, s: anp.sum(g(mu, s) + 0 * mu, axis=-1)
