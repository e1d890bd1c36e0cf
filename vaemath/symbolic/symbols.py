"""Symbols of the Gaussian q = N(mu, sigma^2) and the four parametrisations of its scale.

Every expression in vaemath is stored in the canonical variables (mu, sigma), sigma the standard
deviation; ``reparametrize`` moves it to the variance, log std or log variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
v = sp.Symbol("v", positive=True)  # variance sigma^2
s = sp.Symbol("s", real=True)  # log standard deviation
logvar = sp.Symbol("l", real=True)  # log variance, written l

prior_mu = sp.Symbol("mu_p", real=True)
prior_sigma = sp.Symbol("sigma_p", positive=True)

SIGMA_MEANS = ("std", "var")


@dataclass(frozen=True)
class Param:
    """One parametrisation of the scale: its symbol, sigma as a function of it, and its inverse."""

    name: str
    symbol: sp.Symbol
    sigma_of: sp.Expr  # sigma written in this parametrisation's symbol
    of_sigma: sp.Expr  # this parametrisation's symbol written in sigma
    lower: sp.Expr  # value of the symbol as sigma -> 0+
    upper: sp.Expr  # value of the symbol as sigma -> oo
    description: str


PARAMS = {
    p.name: p
    for p in (
        Param("std", sigma, sigma, sigma, sp.S.Zero, sp.oo, "standard deviation sigma"),
        Param("var", v, sp.sqrt(v), sigma**2, sp.S.Zero, sp.oo, "variance v = sigma^2"),
        Param("logstd", s, sp.exp(s), sp.log(sigma), -sp.oo, sp.oo, "log std s = log sigma"),
        Param("logvar", logvar, sp.exp(logvar / 2), 2 * sp.log(sigma), -sp.oo, sp.oo,
              "log variance l = log sigma^2"),
    )
}


def param(name: str) -> Param:
    """Return the parametrisation called ``name`` (std, var, logstd or logvar)."""
    if isinstance(name, Param):
        return name
    if name not in PARAMS:
        raise ValueError(f"param: unknown parametrisation {name!r}; choose one of {sorted(PARAMS)}")
    return PARAMS[name]


def check_sigma_means(sigma_means: str) -> str:
    """Validate the reading of the question's ``N(mu, sigma 1)``: sigma is the std or the variance."""
    if sigma_means not in SIGMA_MEANS:
        raise ValueError(f"sigma_means: expected 'std' or 'var', got {sigma_means!r}")
    return sigma_means


def to_std(expr: sp.Expr) -> sp.Expr:
    """Rewrite an expression in any mix of scale symbols in the canonical (mu, sigma)."""
    subs = {p.symbol: p.of_sigma for p in PARAMS.values() if p.symbol is not sigma}
    return sp.sympify(expr).subs(subs)


def reparametrize(expr: sp.Expr, to: str = "std") -> sp.Expr:
    """Move ``expr`` to the parametrisation ``to``.

    Parameters
    ----------
    expr : sympy.Expr
        Expression in mu and any of the scale symbols sigma, v, s, l.
    to : {"std", "var", "logstd", "logvar"}
        Target parametrisation.

    Returns
    -------
    sympy.Expr
        The same function written in mu and the target's scale symbol.

    Examples
    --------
    >>> reparametrize(sigma**2 / 2 - sp.log(sigma), to="logvar")
    -l/2 + exp(l)/2
    """
    target = param(to)
    out = to_std(expr).subs(sigma, target.sigma_of)
    if target.name != "std":
        out = sp.expand_log(sp.powsimp(out, force=True), force=True)
    return out


def vectorized(expr: sp.Expr, args: tuple = (mu, sigma)):
    """A numpy function of ``args`` evaluating ``expr`` elementwise on arrays of any shape.

    Every function on the parser's whitelist maps to a ufunc (erf to ``scipy.special.erf``, Max/Min to
    ``numpy.maximum``/``minimum``); plain ``lambdify(..., "numpy")`` maps erf to the scalar ``math.erf``.
    """
    # integers beyond int64 (a prior scale of 1e-60 gives 5*10**119 mu**2) would make numpy object arrays
    big = {n: sp.Float(n, 20) for n in expr.atoms(sp.Integer) if abs(n) > 2**53}
    return sp.lambdify(args, expr.xreplace(big), ["scipy", "numpy"])
