"""The symbolic layer: sympy only, the single source of every formula in vaemath."""

from vaemath.symbolic.calculus import (
    critical_points,
    definiteness,
    derive,
    gradient,
    hessian,
    hessian_at,
    limits,
    minimizer,
    taylor,
    to_latex,
    to_strings,
    variables,
)
from vaemath.symbolic.divergences import catalogue, diagonal, get, kl_textbook, renyi
from vaemath.symbolic.parser import parse, penalty
from vaemath.symbolic.penalty import Penalty
from vaemath.symbolic.symbols import PARAMS, logvar, mu, param, prior_mu, prior_sigma, reparametrize, s, sigma, v

__all__ = [
    "PARAMS", "Penalty", "catalogue", "critical_points", "definiteness", "derive", "diagonal", "get", "gradient",
    "hessian", "hessian_at", "kl_textbook", "limits", "logvar", "minimizer", "mu", "param", "parse", "penalty",
    "prior_mu", "prior_sigma", "renyi", "reparametrize", "s", "sigma", "taylor", "to_latex", "to_strings", "v",
    "variables",
]
