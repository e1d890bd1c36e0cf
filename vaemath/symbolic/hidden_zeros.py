"""Hidden zeros: subexpressions with cosh, sinh, tanh, ... replaced, exactly, by their exponential forms where those
are simpler (sinh(x)**2 - cosh(x)**2 + 1 -> 0), before sympy takes a limit it would get wrong (review r8j A1-A3)."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from vaemath.symbolic.budget import DEFAULT_BUDGET, attempt, check_budget


def hyperbolics_as_exp(e: sp.Expr) -> sp.Expr:
    """cosh, sinh, tanh, ... as exponentials, the functions sympy.solve is given here: the minimiser (0, e^-21) of
    mu**2 + cosh(log(sigma) + 21) was found by neither route (review 9c A3). Their inverses (acosh in
    fisher_rao_squared) stay: their minimisers are decided as before."""
    from sympy.functions.elementary.hyperbolic import HyperbolicFunction

    return e.replace(lambda a: isinstance(a, HyperbolicFunction), lambda a: a.rewrite(sp.exp))


def without_hidden_zeros(e: sp.Expr, budget=DEFAULT_BUDGET) -> sp.Expr:
    """``e`` with each subexpression holding cosh, sinh, tanh, ... replaced by its exponential form, expanded (and
    put over one denominator), when that form is a number or free of exponentials of the variables:
    sinh(x)**2 - cosh(x)**2 + 1 -> 0, tanh(x)**2 + 1/cosh(x)**2 -> 1, (cosh(x) - sinh(x)) exp(x) -> 1,
    cosh(log(sigma)) -> (sigma**2 + 1)/(2 sigma). Each replacement is an identity, so the result equals ``e``
    exactly; sympy's limit mishandles these hidden zeros (review r8j A1-A3). Within ``budget`` seconds (else ``e``
    unchanged); an expression without hyperbolics is returned as it is, at no cost."""
    from sympy.functions.elementary.hyperbolic import HyperbolicFunction

    if not isinstance(e, sp.Basic) or not e.has(HyperbolicFunction):
        return e
    return _without_hidden_zeros(e, check_budget(budget))


@lru_cache(maxsize=256)
def _without_hidden_zeros(e: sp.Expr, budget) -> sp.Expr:
    try:
        done, g = attempt(_normalised, e, budget=budget)
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        return e
    return g if done else e


def _normalised(e: sp.Expr) -> sp.Expr:
    """:func:`without_hidden_zeros` from the top: a node is tried whole before its parts, so that
    cosh(log(sigma))**2 - sinh(log(sigma))**2 becomes 1, not a difference of squares of (sigma**2 +- 1)/(2 sigma)."""
    from sympy.functions.elementary.hyperbolic import HyperbolicFunction

    if e.is_Atom or not e.has(HyperbolicFunction):
        return e
    if not e.free_symbols:  # a constant: replaced when it is a rational number, else left to the sum it is in
        g = sp.expand(hyperbolics_as_exp(e))
        return g if g.is_Rational else e
    if isinstance(e, sp.Add):  # the terms with hyperbolics together (kl + sinh(mu)**2 - cosh(mu)**2 + 1), the rest kept
        hyper = [a for a in e.args if a.has(HyperbolicFunction)]
        plain = _plain(sp.Add(*hyper)) if len(hyper) > 1 else None
        if plain is not None:
            return sp.Add(plain, *[a for a in e.args if not a.has(HyperbolicFunction)])
        return sp.Add(*[_normalised(a) for a in e.args])
    plain = _plain(e)
    return plain if plain is not None else e.func(*[_normalised(a) for a in e.args])


def _plain(node: sp.Expr) -> sp.Expr | None:
    """The exponential form of ``node``, expanded, or over one denominator, when it is a number or free of
    exponentials of the variables that ``node`` did not already hold; else None."""
    if sp.count_ops(node) > 80:  # tanh(kl)**5 expands to hundreds of terms: left to sympy's limit and the check
        return None
    free = node.free_symbols
    before = {a for a in node.atoms(sp.exp) if a.free_symbols}
    g = sp.expand(hyperbolics_as_exp(node))
    for h in (g, sp.cancel(sp.together(g)) if sp.count_ops(g) <= 400 else g):
        if h.is_number or {a for a in h.atoms(sp.exp) if a.free_symbols & free} <= before:
            # 2*(sigma - 1)**2, which sympy proves >= 0; never with exp(650) or E among the coefficients (factor hangs)
            rational = not [a for a in h.atoms(sp.Function, sp.NumberSymbol) if not a.free_symbols]
            f = sp.factor(h) if rational and sp.count_ops(h) <= 400 else h
            return f if sp.count_ops(f) < sp.count_ops(h) else h
    return None
