"""Catalogue of divergences between q = N(mu, sigma^2) and the prior, per latent dimension.

Each entry is a :class:`~vaemath.symbolic.penalty.Penalty`. The KL is derived at run time from its
definition E_q[log q - log p] by sympy integration; closed forms typed from the literature carry their
citation and are verified against numerical quadrature of their definitions in the test suite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

import sympy as sp

from vaemath.symbolic.penalty import Domain, Penalty
from vaemath.symbolic.symbols import mu, prior_mu, prior_sigma, sigma

_z = sp.Symbol("z", real=True)
alpha = sp.Symbol("alpha", positive=True)


def _log_normal(x, m, sd):
    return -sp.log(sd) - sp.log(2 * sp.pi) / 2 - (x - m) ** 2 / (2 * sd**2)


@cache
def _kl_between() -> sp.Expr:
    """KL(N(mu, sigma^2) || N(mu_p, sigma_p^2)) by integrating E_q[log q - log p] over the real line.

    Integrated in the standardised variable t = (z - mu) / sigma (q's density becomes N(t; 0, 1)): sympy then
    integrates Gaussian moments term by term, twice as fast as the same integral in z.
    """
    z = mu + sigma * _z
    log_ratio = _log_normal(z, mu, sigma) - _log_normal(z, prior_mu, prior_sigma)
    value = sp.integrate(sp.expand(sp.exp(_log_normal(_z, 0, 1)) * log_ratio), (_z, -sp.oo, sp.oo))
    return sp.expand(sp.expand_log(sp.simplify(value), force=True))


def _swap(expr: sp.Expr) -> sp.Expr:
    """Exchange the roles of q and the prior in an expression."""
    return expr.subs({mu: prior_mu, sigma: prior_sigma, prior_mu: mu, prior_sigma: sigma}, simultaneous=True)


def _standard(expr: sp.Expr) -> sp.Expr:
    """Specialise a general-prior expression to the prior N(0, 1)."""
    return expr.subs({prior_mu: 0, prior_sigma: 1})


def kl_textbook() -> sp.Expr:
    """The textbook closed form mu^2/2 + sigma^2/2 - log(sigma) - 1/2 (Kingma & Welling 2014, App. B)."""
    return mu**2 / 2 + sigma**2 / 2 - sp.log(sigma) - sp.Rational(1, 2)


def _bc_general() -> sp.Expr:
    """Bhattacharyya coefficient: integral of sqrt(q p) for two normals."""
    sum_var = sigma**2 + prior_sigma**2
    return sp.sqrt(2 * sigma * prior_sigma / sum_var) * sp.exp(-((mu - prior_mu) ** 2) / (4 * sum_var))


def _general(build, description: str, citation: str, provenance: str):
    """An entry with a general-prior form ``build()`` in (mu, sigma, mu_p, sigma_p); its standard form at N(0, 1)."""
    def entry(name: str) -> Penalty:
        g = build()
        return Penalty(name, _standard(g), description, citation, provenance, general=g)
    return entry


def _standard_only(expr, description: str, citation: str, provenance: str):
    """An entry against N(0, 1) only: ``expr()`` in (mu, sigma)."""
    return lambda name: Penalty(name, expr(), description, citation, provenance)


# The catalogue, one table: name -> builder of its Penalty (run on first access, so that entries which do not
# need it never wait for the KL's derivation by integration)
_ENTRIES = {
    "kl": _general(_kl_between, "forward KL(q || p), the ELBO's penalty", "Kingma & Welling 2014, Appendix B",
                   "derived"),
    "reverse_kl": _general(lambda: _swap(_kl_between()), "reverse KL(p || q)",
                           "derived from the forward KL by exchanging q and p", "derived"),
    "jeffreys": _general(lambda: _kl_between() + _swap(_kl_between()), "Jeffreys divergence KL(q || p) + KL(p || q)",
                         "Jeffreys 1946", "derived"),
    "w2_squared": _general(lambda: (mu - prior_mu) ** 2 + (sigma - prior_sigma) ** 2,
                           "squared 2-Wasserstein distance W2^2(q, p)",
                           "Dowson & Landau 1982; Olkin & Pukelsheim 1982", "closed form"),
    "hellinger_squared": _general(lambda: 1 - _bc_general(), "squared Hellinger distance 1 - integral sqrt(q p)",
                                  "Pardo 2006, Statistical Inference Based on Divergence Measures, Table 1.1",
                                  "closed form"),
    "bhattacharyya": _general(lambda: (mu - prior_mu) ** 2 / (4 * (sigma**2 + prior_sigma**2))
                              + sp.log((sigma**2 + prior_sigma**2) / (2 * sigma * prior_sigma)) / 2,
                              "Bhattacharyya distance -log integral sqrt(q p)", "Bhattacharyya 1943; Kailath 1967",
                              "closed form"),
    "fisher_rao_squared": _standard_only(
        lambda: 2 * sp.acosh(1 + (mu**2 / 2 + (sigma - 1) ** 2) / (2 * sigma)) ** 2,
        "squared Fisher-Rao geodesic distance (metric (dmu^2 + 2 dsigma^2)/sigma^2)",
        "Atkinson & Mitchell 1981; Costa, Santos & Strapasson 2015, eq. (11)", "closed form"),
    "quadratic": _standard_only(lambda: mu**2 + (sigma - 1) ** 2, "the question's penalty mu^2 + (sigma - 1)^2",
                                "stats.stackexchange.com question 611057", "closed form"),
    "kl_taylor2": _standard_only(lambda: _taylor2_at_minimum(catalogue()["kl"].expr),
                                 "second-order Taylor polynomial of KL at (0, 1)", "derived from kl", "derived"),
}

# known without building the catalogue, so text without them skips the KL
NAMES = tuple(_ENTRIES)


class Catalogue(Mapping):
    """Read-only mapping name -> :class:`Penalty`; each entry is built on first access, then kept.

    Lazy so that entries which do not need it never wait for the KL's derivation by integration.
    """

    def __init__(self):
        self._built = {}

    def __getitem__(self, name: str) -> Penalty:
        if name not in self._built:
            self._built[name] = _ENTRIES[name](name)  # KeyError for a name not in the table, as a Mapping does
        return self._built[name]

    def __iter__(self):
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)


def renyi(a) -> Penalty:
    """Renyi divergence of order ``a`` of q from N(0, 1), for a > 0, a != 1.

    D_a(q || p) = -log sigma - log(s_a^2) / (2 (a - 1)) + a mu^2 / (2 s_a^2),  s_a^2 = a + (1 - a) sigma^2,
    finite where s_a^2 > 0 and +oo elsewhere (Gil, Alajaji & Linder 2013, Information Sciences 249, Table 2);
    the entry's ``domain`` says so, and the kernels return +inf there.
    """
    a_expr = alpha if a is alpha else _positive_order(a)
    s2 = a_expr + (1 - a_expr) * sigma**2
    expr = -sp.log(sigma) - sp.log(s2) / (2 * (a_expr - 1)) + a_expr * mu**2 / (2 * s2)
    name = "renyi(alpha)" if a is alpha else f"renyi({a_expr})"
    if a is alpha:  # the family itself: not a Penalty of (mu, sigma) alone
        return expr
    domain = Domain(sp.StrictGreaterThan(s2, 0), sp.oo) if a_expr > 1 else Domain()  # +oo where s_a^2 <= 0
    return Penalty(name, expr, f"Renyi divergence of order {a_expr}", "Gil, Alajaji & Linder 2013, Table 2",
                   "closed form", domain=domain)


def _positive_order(a) -> sp.Expr:
    value = sp.nsimplify(a, rational=True) if isinstance(a, float) else sp.sympify(a)
    if not (value.is_number and value.is_positive and value != 1):
        raise ValueError(f"alpha: the Renyi order must be a positive number other than 1, got {a!r}")
    return value


@cache
def catalogue() -> Catalogue:
    """All fixed catalogue entries by name, as :class:`Penalty` objects (each built on first use).

    The Renyi family is parametrised by its order: use :func:`renyi`.
    """
    return Catalogue()


def _taylor2_at_minimum(expr: sp.Expr) -> sp.Expr:
    """Second-order Taylor polynomial at (mu, sigma) = (0, 1), the KL's minimiser."""
    t, d = sp.symbols("t d", real=True)
    shifted = expr.subs({mu: t * mu, sigma: 1 + t * d}, simultaneous=True)
    return sp.expand(sp.series(shifted, t, 0, 3).removeO().subs(t, 1)).subs(d, sigma - 1)


_RENYI = re.compile(r"renyi\(\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?(?:/\d+)?)\s*\)")


def get(name: str) -> Penalty:
    """Catalogue entry ``name``; ``renyi(a)`` with a number a > 0, a != 1 (``"renyi(2)"``, ``"renyi(1/2)"``,
    ``"renyi(0.5)"``) is accepted too and gives :func:`renyi` (a).

    Raises
    ------
    ValueError
        For any other name, or a Renyi order that is not a positive number other than 1.
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a catalogue name (str), got {name!r}")
    entries = catalogue()
    if name in entries:
        return entries[name]
    order = _RENYI.fullmatch(name.strip())
    if order:
        return renyi(sp.Rational(order.group(1)))
    raise ValueError(f"name: {name!r} is not in the catalogue; known: {sorted(entries)} and renyi(a) with a number "
                     "a > 0, a != 1")


def diagonal(name: str, dims: int, general_prior: bool = False):
    """A catalogue entry summed over ``dims`` independent latent dimensions.

    Parameters
    ----------
    name : str
        Entry with a general-prior form (``kl``, ``reverse_kl``, ``jeffreys``, ``w2_squared``,
        ``hellinger_squared``, ``bhattacharyya``).
    dims : int
        Number of latent dimensions J >= 1.
    general_prior : bool
        If True the prior is N(mu_p_j, sigma_p_j^2) per dimension, else N(0, 1).

    Returns
    -------
    expr : sympy.Expr
        Sum over j of the entry in (mu_j, sigma_j[, mu_p_j, sigma_p_j]).
    symbols : dict
        ``{"mu": [...], "sigma": [...]}`` and, with a general prior, ``"mu_p"`` and ``"sigma_p"``.
    """
    if not isinstance(dims, int) or isinstance(dims, bool) or dims < 1:
        raise ValueError(f"dims: expected a positive integer, got {dims!r}")
    entry = get(name)
    if entry.general is None:
        raise ValueError(f"name: {name!r} has no general-prior form; use one of "
                         f"{sorted(k for k, e in catalogue().items() if e.general is not None)}")
    base = entry.general if general_prior else entry.expr
    syms = {"mu": sp.symbols(f"mu_1:{dims + 1}", real=True),
            "sigma": sp.symbols(f"sigma_1:{dims + 1}", positive=True)}
    if general_prior:
        syms["mu_p"] = sp.symbols(f"mu_p1:{dims + 1}", real=True)
        syms["sigma_p"] = sp.symbols(f"sigma_p1:{dims + 1}", positive=True)
    originals = {"mu": mu, "sigma": sigma, "mu_p": prior_mu, "sigma_p": prior_sigma}
    terms = [base.subs({originals[k]: syms[k][j] for k in syms}, simultaneous=True) for j in range(dims)]
    return sp.Add(*terms), {k: list(v) for k, v in syms.items()}
