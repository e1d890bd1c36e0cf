"""Derivatives of penalties with kinks (abs, max, min): each side's formula, and at the kink a rule.

sympy differentiates Abs(g) to sign(g) g', Max(a, b) to Heaviside(a - b) a' + Heaviside(b - a) b', and those again
to DiracDelta(g) terms. Printed as they are, a plane is 0 at a kink of abs (sympy's sign(0) = 0) where the
derivative does not exist, and its Hessian cannot be printed at all (DiracDelta). :func:`resolve` turns every plane
into ``kink(g, a, b, c)``: ``a`` where g > 0, ``b`` where g < 0 (each side's formula, exact off the kink: there the
DiracDelta terms are 0), and at g = 0 the value ``a`` if both sides agree there (a == b) and the DiracDelta terms'
coefficient ``c`` is 0 there, else NaN: the derivative does not exist. |mu|^3 has d2/dmu2 = 6|mu| + 6 mu^2 delta(mu):
a = b = 0 and c = 0 at mu = 0, so 0; |mu| has d/dmu = sign(mu): a = 1, b = -1, so NaN.
"""

from __future__ import annotations

import sympy as sp

_ATOMS = (sp.sign, sp.Heaviside, sp.DiracDelta)


class Undecided(ValueError):
    """Raised by ``kink`` evaluated by lambdify at a kink whose sides differ: no derivative, not a 0/0 to take a
    limit of (the rays of codegen's singular-point limits see only the sides: 2 delta(mu) is 0 on each)."""


class kink(sp.Function):  # noqa: N801  (printed inline by codegen's printer)
    """kink(g, a, b, c): a where g > 0, b where g < 0; at g = 0, a if a == b and c == 0, else NaN."""

    nargs = 4

    @classmethod
    def eval(cls, g, a, b, c):
        if g.is_positive:
            return a
        if g.is_negative:
            return b
        if a == b and c == 0:  # the same formula on both sides and no delta term: no kink left
            return a
        return None

    @staticmethod
    def _imp_(g, a, b, c):  # lambdify (mpmath in codegen.singular)
        if g > 0:
            return a
        if g < 0:
            return b
        if a == b and c == 0:
            return a
        raise Undecided(f"a kink with sides {a} and {b}, delta coefficient {c}")


def resolve(e: sp.Expr) -> sp.Expr:
    """``e`` (a derivative plane) with every sign, Heaviside and DiracDelta of an argument g (and of -g, the same
    kink) replaced by one ``kink(g, a, b, c)`` per kink, others' kinks nested inside; ``e`` itself where it has none
    (smooth penalties are untouched). The terms free of g stay outside: smooth + kink(g, a, b, c)."""
    atoms = sorted(e.atoms(*_ATOMS), key=sp.default_sort_key)
    if not atoms:
        return e
    g = atoms[0].args[0]
    kinked = [t for t in sp.Add.make_args(e) if _has(t, g)]
    smooth = sp.Add(*(t for t in sp.Add.make_args(e) if not _has(t, g)))
    a, b, c = (sp.Add(*parts) for parts in zip(*(_sides(t, g) for t in kinked)))
    return resolve(smooth) + kink(g, resolve(a), resolve(b), resolve(c))


def _orientation(atom: sp.Expr, g: sp.Expr) -> int:
    """1 if ``atom``'s argument is g, -1 if it is -g, 0 if it is another kink."""
    h = atom.args[0]
    return 1 if sp.expand(h - g) == 0 else -1 if sp.expand(h + g) == 0 else 0


def _has(e: sp.Expr, g: sp.Expr) -> bool:
    return any(_orientation(x, g) for x in e.atoms(*_ATOMS))


def _sides(e: sp.Expr, g: sp.Expr) -> tuple:
    """(a, b, c): ``e`` where g > 0 and where g < 0, and the coefficient of its DiracDelta(g) terms (0 if none)."""
    if isinstance(e, _ATOMS) and _orientation(e, g):
        s = _orientation(e, g)
        if isinstance(e, sp.sign):
            return sp.S(s), sp.S(-s), sp.S.Zero
        if isinstance(e, sp.Heaviside):
            return (sp.S.One, sp.S.Zero, sp.S.Zero) if s > 0 else (sp.S.Zero, sp.S.One, sp.S.Zero)
        return sp.S.Zero, sp.S.Zero, sp.S.One
    if not _has(e, g):
        return e, e, sp.S.Zero
    if isinstance(e, sp.Add):
        return tuple(sp.Add(*parts) for parts in zip(*(_sides(t, g) for t in e.args)))
    if isinstance(e, sp.Mul) or (isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0):
        factors = list(e.args) if isinstance(e, sp.Mul) else [e.base] * int(e.exp)
        sides = [_sides(f, g) for f in factors]
        a, b = sp.Mul(*(s[0] for s in sides)), sp.Mul(*(s[1] for s in sides))
        # a delta times the other factors: 0 at the kink only if each delta's cofactor is (|a_j| + |b_j| = 0 there)
        c = sp.Add(*(s[2] * sp.Mul(*(t[0] if t[2] == 0 and t[0] == t[1] else sp.Abs(t[0]) + sp.Abs(t[1])
                                      for t in sides if t is not s)) for s in sides if s[2] != 0))
        return a, b, c
    # any other function of a kinked argument: its value on each side; a delta inside it is never 0 at the kink
    sides = [_sides(x, g) for x in e.args]
    c = sp.Add(*(sp.Abs(s[2]) for s in sides))
    return e.func(*(s[0] for s in sides)), e.func(*(s[1] for s in sides)), c
