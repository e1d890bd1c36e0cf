"""The Penalty object: a named sympy expression in (mu, sigma) with its provenance."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import sympy as sp

from vaemath.symbolic.symbols import mu, reparametrize, sigma

PROVENANCES = ("derived", "closed form", "user")


@dataclass(frozen=True, eq=False)
class Penalty:
    """A penalty on one latent dimension with q = N(mu, sigma^2), sigma the standard deviation.

    Attributes
    ----------
    name : str
        Catalogue name (``kl``, ``w2_squared``...) or the text the user typed.
    expr : sympy.Expr
        The penalty in the canonical variables ``mu`` (real) and ``sigma`` (positive std).
    description, citation : str
        One line each; the citation names the source of a closed form.
    provenance : {"derived", "closed form", "user"}
        ``derived``: computed by sympy at run time from a definition; ``closed form``: typed from the
        citation and verified against quadrature in the tests; ``user``: parsed from text.
    sigma_means : {"std", "var"}
        How the symbol sigma was read when the penalty came from the question's notation.
    general : sympy.Expr or None
        The same penalty against a general prior N(mu_p, sigma_p^2), when known.
    """

    name: str
    expr: sp.Expr
    description: str = ""
    citation: str = ""
    provenance: str = "user"
    sigma_means: str = "std"
    general: sp.Expr | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.provenance not in PROVENANCES:
            raise ValueError(f"provenance: expected one of {PROVENANCES}, got {self.provenance!r}")
        extra = self.expr.free_symbols - {mu, sigma}
        if extra:
            raise ValueError(f"expr: a penalty depends on mu and sigma only, found {sorted(map(str, extra))}")

    def __call__(self, mu, sigma, what="value", errors="raise", param="std"):
        """Evaluate at arrays (mu, x), broadcast as numpy does; see :func:`vaemath.kernels.evaluate`.

        ``x`` is the variable of ``param``: sigma (``"std"``), sigma^2 (``"var"``), log sigma (``"logstd"``)
        or log sigma^2 (``"logvar"``); derivatives are with respect to (mu, x).

        Numeric evaluation belongs to the kernels layer (generated numba code), imported here lazily
        by name: the symbolic layer itself never needs numba.
        """
        kernels = importlib.import_module("vaemath.kernels")
        return kernels.evaluate(self, mu, sigma, what=what, errors=errors, param=param)

    def in_param(self, param: str = "std") -> sp.Expr:
        """The expression in the parametrisation ``param`` (std, var, logstd, logvar)."""
        return reparametrize(self.expr, param)

    def to_dict(self) -> dict:
        """Plain-data description; expressions as strings that ``sympy.sympify`` reads back."""
        return {
            "name": self.name,
            "expression": str(self.expr),
            "latex": sp.latex(self.expr),
            "description": self.description,
            "citation": self.citation,
            "provenance": self.provenance,
            "sigma_means": self.sigma_means,
        }

    def _repr_latex_(self):
        return f"$\\mathrm{{{self.name}}}(\\mu, \\sigma) = {sp.latex(self.expr)}$"

    def __repr__(self):
        return f"Penalty({self.name!r}, {self.expr})"
