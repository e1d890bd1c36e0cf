"""Penalties against a general prior N(mu_p, sigma_p^2): the catalogue's general forms, specialised.

``penalty(name, prior=(mu_p, sigma_p))`` (and ``check``, ``derive``, ``grid``, ``evaluate`` with ``prior=``)
resolve here: a catalogue entry with a general form has ``mu_p`` and ``sigma_p`` replaced by the prior's
exact values, so everything downstream (calculus, kernels) sees an expression in (mu, sigma) only. The
symbols ``mu_p`` and ``sigma_p`` may also be typed in penalty text (``"log(sigma_p/sigma)"``); they stand for
the prior's parameters, N(0, 1) unless a prior is given.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import sympy as sp

from vaemath.symbolic.symbols import prior_mu, prior_sigma

STANDARD = (sp.S.Zero, sp.S.One)


def _exact(value, what: str) -> sp.Expr:
    """A real number as an exact sympy number: a float by its shortest repr (0.1 -> 1/10), a sympy Float by its
    decimal digits (Float("0.1") -> 1/10, review helper-104), an int, a Fraction, or a sympy number (pi, E, sqrt(2):
    review r8p B5)."""
    if isinstance(value, sp.Float) and value.is_finite:
        return sp.Rational(str(value))
    if isinstance(value, sp.Expr) and value.is_number:
        if value.is_finite is not True:
            raise ValueError(f"prior: {what} must be finite, got {value!r}")
        if value.is_real is not True:
            raise ValueError(f"prior: {what} must be a real number, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"prior: {what} must be a real number (int, float, Fraction or an exact sympy number such as "
                        f"pi), got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"prior: {what} must be finite, got {value!r}")
    if isinstance(value, np.floating):  # by its own shortest repr: float32 0.1 is "0.1", not 0.100000001490116
        return sp.Rational(str(value))
    return sp.Rational(repr(value)) if isinstance(value, float) else sp.Rational(value)


def check_prior(prior) -> tuple | None:
    """The prior as exact numbers (mu_p, sigma_p), or None for N(0, 1).

    Raises
    ------
    TypeError, ValueError
        Unless ``prior`` is None or a pair of finite numbers with sigma_p > 0.
    """
    if prior is None:
        return None
    if not isinstance(prior, (tuple, list)) or len(prior) != 2:
        raise ValueError(f"prior: expected a pair (mu_p, sigma_p), got {prior!r}")
    m, s = _exact(prior[0], "mu_p"), _exact(prior[1], "sigma_p")
    if not s > 0:
        raise ValueError(f"prior: sigma_p must be positive, got {prior[1]!r}")
    return None if (m, s) == STANDARD else (m, s)


def prior_values(prior) -> dict:
    """``{mu_p: value, sigma_p: value}`` for a checked prior (N(0, 1) when None)."""
    m, s = prior or STANDARD
    return {prior_mu: m, prior_sigma: s}


def against(name: str, entry, prior) -> sp.Expr:
    """The catalogue ``entry`` against a checked ``prior``; a ValueError when it has no general form."""
    if prior is None:
        return entry.expr
    if entry.general is None:
        raise ValueError(f"prior: {name!r} has no general-prior form; entries with one: kl, reverse_kl, jeffreys, "
                         "w2_squared, hellinger_squared, bhattacharyya")
    return entry.general.subs(prior_values(prior), simultaneous=True)


def label(name: str, prior) -> str:
    """The penalty's name, with the prior when it is not N(0, 1): ``kl against N(5, 3**2)``, ``N(1/10, (3/10)**2)``
    (sigma_p in parentheses unless it is an integer, so the square applies to all of it)."""
    if prior is None:
        return name
    m, s = (_shown(v) for v in prior)
    s = s if sp.sympify(prior[1]).is_Integer and len(s) == len(str(prior[1])) else f"({s})"
    return f"{name} against N({m}, {s}**2)"


def _shown(v) -> str:
    """An exact number as written, or as a 15-digit float when that runs past 20 characters (1e300 typed as a
    float is the 301-digit integer exactly: shown 1e+300)."""
    text = str(v)
    return text if len(text) <= 20 else f"{float(v):.15g}"
