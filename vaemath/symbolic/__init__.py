"""The symbolic layer: sympy only, the single source of every formula in vaemath."""

from vaemath.symbolic.budget import DEFAULT_BUDGET
from vaemath.symbolic.calculus import (
    CriticalPoint,
    MinimizerSet,
    critical_points,
    definiteness,
    derive,
    gradient,
    hessian,
    hessian_at,
    infimum,
    limit,
    limits,
    minimizer,
    taylor,
    to_latex,
    to_strings,
    unbounded_below,
    variables,
)
from vaemath.symbolic.divergences import catalogue, diagonal, get, kl_textbook, renyi
from vaemath.symbolic.parser import parse, penalty, reference_penalty
from vaemath.symbolic.penalty import Penalty
from vaemath.symbolic.symbols import PARAMS, logvar, mu, param, prior_mu, prior_sigma, reparametrize, s, sigma, v

__all__ = [
    "DEFAULT_BUDGET", "PARAMS", "CriticalPoint", "MinimizerSet", "Penalty", "catalogue", "critical_points",
    "definiteness", "derive", "diagonal", "get", "gradient", "hessian", "hessian_at", "infimum", "kl_textbook",
    "limit", "limits", "logvar", "minimizer", "mu", "param", "parse", "penalty", "prior_mu", "prior_sigma",
    "reference_penalty", "renyi", "reparametrize", "s", "sigma", "taylor", "to_latex", "to_strings",
    "unbounded_below", "v", "variables",
]
