"""The Penalty object: a named sympy expression in (mu, sigma) with its provenance."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import sympy as sp

from vaemath.symbolic.symbols import mu, prior_mu, prior_sigma, reparametrize, sigma

PROVENANCES = ("derived", "closed form", "user")


@dataclass(frozen=True)
class Domain:
    """Where a penalty's closed form holds, and its value elsewhere.

    Attributes
    ----------
    condition : sympy.Boolean
        A condition in (mu, sigma), sigma the std; ``sympy.true`` when the form holds everywhere.
    outside : sympy.Expr
        The penalty's value where the condition fails: ``sympy.oo`` for a divergence that is infinite
        there (e.g. the Renyi divergence of order a > 1 where a + (1 - a) sigma^2 <= 0), ``sympy.nan``
        where the penalty is not defined.
    """

    condition: sp.Basic = sp.true
    outside: sp.Expr = sp.oo

    @property
    def everywhere(self) -> bool:
        return self.condition is sp.true

    def __repr__(self):
        return "Domain(everywhere)" if self.everywhere else f"Domain({self.condition}; {self.outside} outside)"


def infer_domain(expr: sp.Expr) -> Domain:
    """The domain of a penalty text's expression: every log, and every fractional power, of a function of sigma
    alone that sympy cannot prove positive must have a positive argument. Outside, the value is +oo when each such
    log enters the sum with a negative coefficient, or when the penalty tends to +oo at each edge (as divergences do),
    else NaN.
    """
    args = domain_arguments(expr)
    if not args:
        return Domain()
    coeffs = {}
    for term in sp.Add.make_args(expr):
        c, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.log) and rest.args[0] in args:
            coeffs.setdefault(rest.args[0], []).append(c)
    blows_up = all(a in coeffs and all(c < 0 for c in coeffs[a]) for a in args) or _tends_to_oo_at_edges(expr, args)
    return Domain(sp.And(*(a > 0 for a in args)), sp.oo if blows_up else sp.nan)


def domain_arguments(expr: sp.Expr) -> list:
    """The functions g(sigma) that must be positive for ``expr`` to be real (:func:`infer_domain`'s condition): the
    argument of each log, and the base of each fractional power, of sigma alone that sympy cannot prove positive."""
    return sorted({a.args[0] for a in expr.atoms(sp.log)
                   if a.args[0].free_symbols == {sigma} and not a.args[0].is_positive}
                  | {p.base for p in expr.atoms(sp.Pow)  # exp(renyi(2)) holds sqrt(2 - sigma**2), no log
                     if not p.exp.is_integer and p.base.free_symbols == {sigma} and not p.base.is_positive},
                  key=sp.default_sort_key)


def _tends_to_oo_at_edges(expr: sp.Expr, args: list) -> bool:
    """``expr`` tends to +oo at every edge of the domain: each positive root r of each (polynomial) argument, approached
    from where the argument is positive, at mu = 0 and 1, by mpmath's values at sigma = r -+ 10^-k, k = 10, 20, 40, 80,
    160 (200 digits): real and increasing. Evidence, not proof, and the same on every machine (sympy's limit, under a
    time budget, would not be; it gave -oo for 1/(sigma sqrt(2 - sigma**2)) as sigma -> sqrt(2)-). renyi(2)**2 is +oo
    past sigma = sqrt(2), as renyi(2) is (review r8l B6)."""
    import mpmath

    from vaemath.symbolic.domains import real_roots

    for a in args:
        try:
            roots = real_roots(a, sigma)  # exact for renyi(pi)'s coefficients too
        except (sp.PolynomialError, sp.polys.polyerrors.PolificationFailed, NotImplementedError):
            return False
        if roots is None:
            return False
        roots = [r for r in roots if sp.N(r, 50) > 0]
        for r in roots:
            slope = sp.diff(a, sigma).subs(sigma, r)
            if slope == 0:
                return False
            side = -1 if slope < 0 else 1
            with mpmath.workdps(200):
                for m in (0, 1):
                    f = sp.lambdify(sigma, expr.subs(mu, m), "mpmath")
                    try:
                        values = [mpmath.mpc(f(mpmath.mpf(sp.N(r, 200)) + side * mpmath.mpf(10) ** -k))
                                  for k in (10, 20, 40, 80, 160)]
                    except (ValueError, ArithmeticError, TypeError):
                        return False
                    if any(v.imag != 0 for v in values) or any(u.real >= v.real for u, v in zip(values, values[1:])):
                        return False
    return True


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
    domain : Domain
        Where ``expr`` holds and the value outside (e.g. +oo); given by the catalogue, else inferred from
        the expression by :func:`infer_domain`. Kernels return ``domain.outside`` where
        ``domain.condition`` fails.
    frame : (sympy.Expr, sympy.Expr)
        The prior (mu_p, sigma_p) of a penalty taken against N(mu_p, sigma_p^2), else (0, 1): kernels are generated
        in the prior's frame, (mu - mu_p)/sigma_p and sigma/sigma_p (:mod:`vaemath.kernels.frame`).
    """

    name: str
    expr: sp.Expr
    description: str = ""
    citation: str = ""
    provenance: str = "user"
    sigma_means: str = "std"
    general: sp.Expr | None = field(default=None, repr=False)
    domain: Domain | None = field(default=None, repr=False)
    frame: tuple = field(default=(sp.S.Zero, sp.S.One), repr=False)

    def __post_init__(self):
        if self.provenance not in PROVENANCES:
            raise ValueError(f"provenance: expected one of {', '.join(PROVENANCES)}, got {self.provenance!r}")
        extra = self.expr.free_symbols - {mu, sigma}
        if extra:
            same_name = sorted(str(x) for x in extra if str(x) in ("mu", "sigma"))
            hint = (f" ({' and '.join(same_name)} without the assumptions of vaemath.symbolic.mu, real, and sigma, "
                    "positive: use those symbols, or pass the expression to vaemath.symbolic.penalty(), which "
                    "maps symbols by name)" if same_name else "")
            if extra & {prior_mu, prior_sigma}:  # a general form: review r8p B4
                hint += ("; mu_p and sigma_p are the prior's: pass the expression to vaemath.symbolic.penalty() or "
                         "vaemath.penalty() with prior=(mu_p, sigma_p), N(0, 1) when omitted")
            raise ValueError(f"expr: a penalty depends on mu and sigma only, found {sorted(map(str, extra))}{hint}")
        if self.domain is None:
            object.__setattr__(self, "domain", infer_domain(self.expr))
        elif not isinstance(self.domain, Domain):
            raise TypeError(f"domain: expected a Domain, got {type(self.domain).__name__}")

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
            "domain": str(self.domain.condition),
            "outside": str(self.domain.outside),
            "general": None if self.general is None else str(self.general),  # against N(mu_p, sigma_p^2): prior=
        }

    def _repr_latex_(self):
        return f"$\\mathrm{{{self.name}}}(\\mu, \\sigma) = {sp.latex(self.expr)}$"

    def __repr__(self):
        return f"Penalty({self.name!r}, {self.expr})"
