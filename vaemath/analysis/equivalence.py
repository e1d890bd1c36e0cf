"""Equivalence claims between penalties: ``check(candidate, reference)`` decides the strongest relation.

Relations, strongest first (each implies the ones below it, except that ``affine`` and ``monotone``
need no minimiser):

identical   the same function;
affine      candidate = a * reference + c, a > 0;
monotone    candidate = f(reference), f strictly increasing and not affine: the Jacobian determinant
            of (candidate, reference) vanishes identically and the gradients point the same way;
local       same minimiser, Hessians proportional there, not monotone-related;
minimizer   same minimiser only;
none        different minimisers, or one of them has none.

Every decision is exact: identities are proved by sympy simplification and refuted by an evaluation
at 50 digits at a fixed rational point (see :mod:`vaemath.analysis.exact`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import mpmath
import sympy as sp

from vaemath.analysis.exact import PROBES, exact_number, is_constant, value_at, vanishes
from vaemath.analysis.ordering import ratio_bounds, ratio_through, witness
from vaemath.analysis.verdict import RELATIONS, Verdict
from vaemath.symbolic import (
    DEFAULT_BUDGET,
    CriticalPoint,
    MinimizerSet,
    catalogue,
    gradient,
    infimum,
    limit,
    limits,
    minimizer,
    mu,
    reference_penalty,
    sigma,
    taylor,
    to_strings,
)
from vaemath.symbolic.budget import SYMPY_FAILED, attempt, check_budget
from vaemath.symbolic.calculus import golden_min, inner_functions, value_slack, with_domain, without_idle_kinks
from vaemath.symbolic.nonsmooth import active_branch, is_smooth, pieces
from vaemath.symbolic.parser import refers_to_prior
from vaemath.symbolic.prior import against, check_prior, label

MAX_ORDER = 4  # highest Taylor order compared for the ``local`` relation
r = sp.Symbol("r", real=True)  # the reference's value, argument of f in candidate = f(reference)
_c = sp.Symbol("c", positive=True)


def affine_fit(candidate: sp.Expr, reference: sp.Expr) -> tuple | None:
    """``(a, c)`` with candidate = a * reference + c and a > 0 exactly, or None.

    The ratio a = grad C . grad R / |grad R|^2 must be a positive constant; a value differing between
    two probe points refutes the relation at once.
    """
    g_c, g_r = gradient(candidate), gradient(reference)
    lam = g_c.dot(g_r) / g_r.dot(g_r)
    values = [v for v in (value_at(lam, p) for p in PROBES[:3]) if v is not None]
    if len(values) < 2 or any(abs(v - values[0]) > 1e-30 * (1 + abs(values[0])) for v in values):
        return None
    a = sp.simplify(lam)
    if a.free_symbols:  # sympy could not simplify: take the exact number the probes point to
        a = sp.nsimplify(sp.Float(values[0], 40), rational=False, tolerance=1e-35)
    if not a.is_positive or is_constant(candidate - a * reference) is not True:
        return None
    return a, exact_number((candidate - a * reference).subs({mu: 0, sigma: 1}))


def monotone_map(candidate: sp.Expr, reference: sp.Expr, lower=None, upper=sp.oo, budget=DEFAULT_BUDGET,
                 name: str = "f") -> dict | None:
    """Evidence that candidate = f(reference) with f strictly increasing, or None.

    Functional dependence is the identical vanishing of the Jacobian determinant
    dC/dmu dR/dsigma - dC/dsigma dR/dmu; then f is found by solving reference = r for mu (or sigma)
    and substituting, and f' > 0 is proved on the reference's range (``lower``, ``upper``). Each symbolic
    step has ``budget`` seconds; one past it decides nothing (None, or f None). ``name``: f's name in the proof.

    Returns
    -------
    dict or None
        ``f`` (sympy expression in ``r``, or None when not found), ``jacobian`` (its simplified form,
        0), ``increasing`` (how f' > 0 was shown). None when dependence or monotonicity fails.
    """
    g_c, g_r = gradient(candidate), gradient(reference)
    done, zero = attempt(vanishes, g_c[0] * g_r[1] - g_c[1] * g_r[0], budget=budget)
    if not done or zero is not True:
        return None
    done, f = attempt(find_f, candidate, reference, budget=budget)
    f = f if done else None
    if f is not None:
        done, how = attempt(_increasing, sp.diff(f, r), lower, upper, name, budget=budget)
    else:
        done, lam = attempt(sp.simplify, g_c.dot(g_r) / g_r.dot(g_r), budget=budget)
        how = "grad C = lambda grad R with lambda > 0 (sympy)" if done and lam.is_positive else None
    return {"f": f, "jacobian": sp.S.Zero, "increasing": how} if done and how else None


def inverse_map(candidate: sp.Expr, reference: sp.Expr, lower, upper=sp.oo, budget=DEFAULT_BUDGET) -> dict | None:
    """candidate = f(reference) with f strictly increasing, found the other way round, or None.

    Solving reference = r for mu or sigma may not give f (kl against kl**3: f is the cube root), while
    reference = F(candidate) is found (F(x) = x**3). F strictly increasing on the candidate's range
    (``lower``, ``upper``) has a strictly increasing inverse f = F^-1: that alone decides the relation. A closed
    form for f is sought among sympy's roots of F(x) = y, F's named inverse (sinh: asinh) and odd roots read as
    real roots: the one that gives back x from y = F(x) at 50 digits at points of the range, proved by
    F(f(y)) = y identically (:func:`_inverse_of`). None found (kl**5 + kl: no roots in radicals): f is None and
    the proof says f = F^-1 is implicit. ``F`` and ``F_lower`` are kept for the ratio
    (:func:`_ratio_through_map`).
    """
    back = monotone_map(reference, candidate, lower, upper, budget, name="F")
    if back is None or back["f"] is None:
        return None
    done, f = attempt(_inverse_of, back["f"], lower, upper, budget=budget)
    return _as_inverse(back, f if done else None, lower, sp.S.Zero)


def _as_inverse(back: dict, f, lower, jacobian) -> dict:
    """The evidence of candidate = f(reference), f = F^-1 (``f`` its closed form or None: implicit), from ``back``,
    the evidence of reference = F(candidate); F and the candidate's least value ``lower`` kept for the ratio."""
    how = (f"f = F^-1, where reference = F(candidate) with F(r) = {back['f']}, r the candidate's value: "
           f"{back['increasing']}")
    if f is None:
        how += "; f = F^-1 is implicit (it exists, is unique and strictly increasing, as F is)"
    return {"f": f, "jacobian": jacobian, "increasing": how, "F": back["f"], "F_lower": lower}


def _inverse_of(big_f: sp.Expr, lower, upper) -> sp.Expr | None:
    """A closed form of F^-1 in r on F's image of (lower, upper), F strictly increasing there, or None: the first of
    the tried forms that is real and gives back x at y = F(x) (50 digits) at six points x of the range and with
    F(f(y)) = y proved by sympy."""
    lo = sp.S.Zero if lower is None or not lower.is_finite else sp.sympify(lower)
    x = sp.Dummy("x", real=True)
    if upper == sp.oo:
        xs = [lo + sp.Rational(k) for k in ("1/7", "1/2", "1", "3/2", "3", "10")]
    else:
        xs = [lo + (upper - lo) * sp.Rational(k, 7) for k in range(1, 7)]
    try:
        positive = all(bool(sp.N(big_f.subs(r, p), 30) > 0) for p in xs)
    except SYMPY_FAILED:
        positive = False
    y = sp.Dummy("y", positive=True) if positive else sp.Dummy("y", real=True)
    tried = []
    if len(big_f.args) == 1 and big_f.args[0] == r and hasattr(big_f, "inverse"):
        try:
            tried.append(big_f.inverse()(y))  # sinh: asinh, rather than sympy's log(y + sqrt(y**2 + 1))
        except (AttributeError, *SYMPY_FAILED):
            tried = []
    try:
        roots = sp.solve(sp.Eq(big_f.subs(r, x), y), x)
    except SYMPY_FAILED:
        roots = []
    odd_root = (lambda e: e.is_Pow and e.exp.is_Rational and e.exp.p == 1 and e.exp.q % 2 == 1,
                lambda e: sp.sign(e.base) * sp.Abs(e.base) ** e.exp)  # (y - 1)**(1/3) is complex for y < 1
    tried += [g for root in roots if isinstance(root, sp.Expr) for g in (root, root.replace(*odd_root))]
    for g in tried:
        if all(_gives_back(g, y, big_f, p) for p in xs) and _identity(big_f.subs(r, g) - y):
            return g.subs(y, r)
    return None


def _gives_back(g: sp.Expr, y: sp.Symbol, big_f: sp.Expr, p) -> bool:
    """g(F(p)) = p at 50 digits, a real number."""
    try:
        val = sp.N(g.subs(y, big_f.subs(r, p)), 50)
    except SYMPY_FAILED:
        return False
    return bool(val.is_number and abs(val - p) < sp.Float(10) ** -30 * (1 + abs(p)))


def _identity(e: sp.Expr) -> bool:
    """e = 0 proved by sympy, with W(z) exp(W(z)) = z for Lambert's W (sympy does not simplify it)."""
    e = e.replace(lambda a: isinstance(a, sp.exp) and isinstance(a.args[0], sp.LambertW),
                  lambda a: a.args[0].args[0] / a.args[0])
    return vanishes(e) is True


def monotone_kinked(candidate: sp.Expr, reference: sp.Expr, lower=None, upper=sp.oo, budget=DEFAULT_BUDGET):
    """Evidence that candidate = f(reference) with f strictly increasing, for penalties with abs, max or min
    (where the Jacobian route needs derivatives that do not exist at the kinks), or None.

    f is found by solving reference = r (:func:`find_f`) and checked by ``vanishes(f(reference) - candidate)``;
    f is continuous (abs, max, min of continuous functions, checked by sympy on the range), so it is strictly
    increasing on the reference's range (``lower``, ``upper``) when it is on each piece between its kinks (the
    values of r where the arguments of a max or min tie or that of an abs vanishes, all found by sympy), each
    piece one smooth branch with f' > 0 (:func:`_increasing`). Constant pieces (max(kl, 1/2) on kl <= 1/2) and
    decreasing ones (abs(kl - 25) on kl < 25) fail, as does any piece sympy does not decide.
    """
    done, f = attempt(find_f, candidate, reference, budget=budget)
    if not done or f is None or _is_f_of(f, reference, candidate) is not True:
        return None
    done, how = attempt(_increasing_pieces, f, lower, upper, budget=budget)
    return {"f": f, "jacobian": None, "increasing": how} if done and how else None


def inverse_kinked(candidate: sp.Expr, reference: sp.Expr, lower, upper=sp.oo, budget=DEFAULT_BUDGET) -> dict | None:
    """:func:`monotone_kinked` the other way round: reference = F(candidate) with F continuous and strictly increasing
    piece by piece on the candidate's range (``lower``, ``upper``) (kl against max(kl, kl**3): F(r) = max(r, r**3),
    where solving max(...) = r for mu or sigma fails), so f = F^-1 is strictly increasing. f is written piecewise, each
    piece the inverse of F's branch on it (:func:`_inverse_of`), or is None (implicit) when a branch has no proved
    inverse. ``F`` is kept for the ratio x/F(x) (:func:`_ratio_through_map`)."""
    back = monotone_kinked(reference, candidate, lower, upper, budget)
    if back is None:
        return None
    return _as_inverse(back, _inverse_pieces(back["f"], lower, upper, budget), lower, None)


def common_inner(candidate: sp.Expr, reference: sp.Expr, budget=DEFAULT_BUDGET) -> dict | None:
    """candidate = A(h) and reference = B(h) for one inner expression h (kl in max(kl, kl**3) and max(kl, kl**2), where
    neither max(...) = r is solved), h taking every value in [h0, oo) (an exact minimum h0 at a point, smooth, unbounded
    above): A and B continuous and strictly increasing piece by piece on (h0, oo) (:func:`_increasing_pieces`) make
    f = A o B^-1 strictly increasing. f is A(B^-1(r)) with B^-1 piecewise (:func:`_inverse_of` on each piece), or None
    (implicit). None when no inner h serves."""
    for h, b in inner_functions(reference, r):
        a = candidate.xreplace({h: r})
        if a.has(mu, sigma) or not a.has(r) or not is_smooth(h):
            continue
        best = minimizer(h, budget=budget)
        if not isinstance(best, CriticalPoint) or any(isinstance(v, sp.Float) for v in best.point.values()):
            continue
        h0 = best.value
        if not (h0.is_number and h0.is_finite) or infimum(h, budget)["method"] != "exact" or sp.oo not in limits(
                h, budget=budget).values():
            continue
        shown = []
        for g in (a, b):
            done, how = attempt(_increasing_pieces, g, h0, sp.oo, budget=budget)
            if not done or how is None:
                return None
            shown.append(how)
        f = _inverse_pieces(b, h0, sp.oo, budget, outer=a)
        how = (f"candidate = A(h), reference = B(h) with h = {h}, which takes every value in [{h0}, oo) (exact "
               f"minimum, unbounded above), A(r) = {a}: {shown[0]}; B(r) = {b}: {shown[1]}; so f = A o B^-1 is "
               "strictly increasing" + ("" if f is not None else " (f implicit)"))
        return {"f": f, "jacobian": None, "increasing": how}
    return None


def _inverse_pieces(big_f: sp.Expr, lower, upper, budget, outer: sp.Expr = r) -> sp.Expr | None:
    """``outer``(F^-1(r)) written piecewise (``outer`` r: F^-1 itself), F continuous and strictly increasing on
    (``lower``, ``upper``), each piece the inverse of F's branch between its kinks (:func:`_inverse_of`); None when
    F's kinks are not found or a branch has no proved inverse."""
    branches = []
    for a, b, branch in pieces(big_f, r, lower, upper) or ():
        done, g = attempt(_inverse_of, branch, a, b, budget=budget)
        if not done or g is None:
            return None
        branches.append((outer.subs(r, g), big_f.subs(r, b)))
    if not branches:
        return None
    return sp.Piecewise(*[(g, r <= end) for g, end in branches[:-1]], (branches[-1][0], True))


def _is_f_of(f: sp.Expr, reference: sp.Expr, candidate: sp.Expr, budget=DEFAULT_BUDGET):
    """f(reference) = candidate identically: True, False or None (:func:`vanishes`). Where sympy leaves it undecided,
    each abs(h) with h >= 0 (its exact infimum, :func:`infimum`) is read as h: sqrt(kl**2) is abs(kl), which is kl
    (f = max(sqrt(r), r**(3/2)) for max(kl, kl**3) against kl**2)."""
    e = f.subs(r, reference) - candidate
    zero = vanishes(e)
    if zero is not None or not e.has(sp.Abs):
        return zero
    known = {}
    for a in e.atoms(sp.Abs):
        inner = a.args[0]
        if not inner.has(mu, sigma):
            continue
        low = infimum(inner, budget)
        if low["method"] == "exact" and low["value"] is not None and low["value"].is_nonnegative:
            known[a] = inner
    return vanishes(e.xreplace(known)) if known else None


def _increasing_pieces(f: sp.Expr, lower, upper) -> str | None:
    """How f, continuous with kinks, was shown strictly increasing on (lower, upper) piece by piece, or None."""
    lo, upper = -sp.oo if lower is None else sp.sympify(lower), sp.sympify(upper)
    span = sp.Interval.open(lo, upper)
    try:
        if not span.is_subset(sp.calculus.util.continuous_domain(f, r, span)):
            return None
    except (NotImplementedError, ValueError, TypeError):
        return None
    parts = pieces(f, r, lo, upper)
    if parts is None or any(_increasing(sp.diff(branch, r), a, b) is None for a, b, branch in parts):
        return None
    shown = "; ".join(f"{branch} on ({a}, {b})" for a, b, branch in parts)
    return f"f is continuous and strictly increasing on each piece between its kinks ({shown}: f' > 0 on each, sympy)"


def find_f(candidate: sp.Expr, reference: sp.Expr) -> sp.Expr | None:
    """f with candidate = f(reference) identically, by solving reference = r; None if sympy finds none, or at once
    when the Jacobian determinant of (candidate, reference) is not 0 at a probe point (no such f exists: sympy.solve
    spent 5 s on max(abs(mu - tanh(sigma)), abs(sigma - exp(-mu))) against the KL, r8g A4)."""
    if _independent_at_probes(candidate, reference) or reference.has(sp.Max, sp.Min):
        return None  # sympy.solve of max(kl, kl**2) = r ran 20 s and found nothing: kinked F go by common_inner
    for x in (mu, sigma):
        try:
            roots = sp.solve(sp.Eq(reference, r), x)
        except (NotImplementedError, ValueError, TypeError):
            continue
        for root in roots:
            f = sp.simplify(candidate.subs(x, root))
            if not f.free_symbols & {mu, sigma} and _is_f_of(f, reference, candidate):
                return f
    return None


def _independent_at_probes(candidate: sp.Expr, reference: sp.Expr) -> bool:
    """The Jacobian determinant dC/dmu dR/dsigma - dC/dsigma dR/dmu is not 0 (relative to |grad C| |grad R|, at 50
    digits) at one of three probe points: then C is no function of R near that point."""
    gc = [sp.diff(candidate, x) for x in (mu, sigma)]
    gr = [sp.diff(reference, x) for x in (mu, sigma)]
    for p in PROBES[:3]:
        a, b, c, d = (value_at(g, p) for g in (*gc, *gr))
        if None in (a, b, c, d):
            continue
        if abs(a * d - b * c) > 1e-30 * (abs(a) + abs(b)) * (abs(c) + abs(d)) + 1e-45:
            return True
    return False


def _increasing(fprime: sp.Expr, lower, upper, name: str = "f") -> str | None:
    """How f' > 0 on (lower, upper) was shown (f called ``name``), or None."""
    u = sp.Dummy("u", positive=True)
    lo = -sp.oo if lower is None else lower
    if lo.is_finite and upper == sp.oo:
        mapped = fprime.subs(r, lo + u)
    elif lo.is_finite and upper.is_finite:
        mapped = fprime.subs(r, lo + (upper - lo) * u / (1 + u))
    else:
        mapped = None
    if mapped is not None and sp.simplify(mapped).is_positive:
        return f"{name}'(r) = {fprime} > 0 for r in ({lo}, {upper}) (sympy)"
    try:
        zeros = sp.solveset(fprime, r, sp.Interval.open(lo, upper))
    except (NotImplementedError, ValueError, TypeError):
        return None
    mid = (lo + 1 if upper == sp.oo else (lo + upper) / 2) if lo.is_finite else (0 if upper == sp.oo else upper - 1)
    if zeros == sp.S.EmptySet and fprime.subs(r, mid).is_positive:
        return f"{name}'(r) = {fprime} has no zero on ({lo}, {upper}) and is positive at r = {mid}"
    # (kl - 1)**3 + 1: F'(r) = 3*(r - 1)**2 vanishes at r = 1 only; positive between isolated zeros, F is strictly
    # increasing across them
    if not isinstance(zeros, sp.FiniteSet) or not zeros or not all(z.is_real for z in zeros):
        return None
    try:  # a sign read between the zeros holds on the whole piece only where f' is continuous
        span = sp.Interval.open(lo, upper)
        if not span.is_subset(sp.calculus.util.continuous_domain(fprime, r, span)):
            return None
    except SYMPY_FAILED:
        return None
    ends = sorted(zeros, key=lambda z: float(z))
    ends = [lo, *ends, upper]
    points = []
    for a, b in zip(ends, ends[1:]):
        if a.is_finite and b.is_finite:
            points.append((a + b) / 2)
        else:
            points.append(a + 1 if a.is_finite else b - 1)
    if all(fprime.subs(r, p).is_positive for p in points):
        zs, ps = (", ".join(map(str, v)) for v in (ends[1:-1], points))
        return (f"{name}'(r) = {fprime} > 0 on ({lo}, {upper}) except at its isolated zeros {zs} (positive at "
                f"r = {ps}, one point between each two zeros)")
    return None


def hessian_scale(h_c: sp.Matrix, h_r: sp.Matrix):
    """a > 0 with h_c = a h_r exactly, or None."""
    if h_r.trace() == 0:
        return None
    a = sp.simplify(h_c.trace() / h_r.trace())
    return a if a.is_positive and (h_c - a * h_r).applyfunc(sp.simplify).is_zero_matrix else None


def agreement_order(candidate: sp.Expr, reference: sp.Expr, point: dict, a, max_order: int = MAX_ORDER):
    """Highest K such that candidate - a * reference is constant to Taylor order K at ``point``.

    Returns ``max_order`` when they agree through it (read: at least ``max_order``), None when the
    expansion could not be split by order.
    """
    d_mu, d_s = sp.symbols("d_mu d_sigma", real=True)
    t = sp.Symbol("t", positive=True)
    # Along the ray point + t (d_mu, d_sigma) the order-j part is the coefficient of t^j. Where the Taylor
    # polynomial came from a series (e.g. acosh) it is written with radicals of the direction, so each term
    # is simplified with t > 0 before its power of t is read.
    ray = {mu: point[mu] + t * d_mu, sigma: point[sigma] + t * d_s}
    # min(kl, 1) is kl near (0, 1): a kink away from the point does not change the expansion there
    branches = [active_branch(e, point) for e in (candidate, reference)]
    candidate, reference = (e if b is None else b for b, e in zip(branches, (candidate, reference)))
    if is_smooth(candidate) and is_smooth(reference) and is_constant(candidate - a * reference) is True:
        return sp.oo  # min(kl, 1) near (0, 1) is kl itself: they agree to every order there
    if is_smooth(reference) and not is_smooth(candidate):
        order = _order_on_branches(candidate, reference, point, a, max_order)
        if order is not None:
            return order
    if is_smooth(candidate) and is_smooth(reference):
        on_ray = sp.expand((taylor(candidate, point, max_order)
                            - a * taylor(reference, point, max_order)).subs(ray, simultaneous=True))
    else:  # abs(mu)**3 has no third derivative at 0: expand along the ray itself, |t d|^3 = t^3 |d|^3 (t > 0)
        try:
            on_ray = sp.expand(sp.series((candidate - a * reference).subs(ray, simultaneous=True), t, 0,
                                         max_order + 1).removeO())
        except (NotImplementedError, ValueError, TypeError):
            return None
    parts = {}
    for term in sp.Add.make_args(on_ray):
        coeff, power = sp.simplify(term).as_coeff_exponent(t)
        if coeff.has(t):  # the power of t could not be separated: say so rather than guess
            return None
        parts[power] = parts.get(power, 0) + coeff
    degrees = [j for j, coeff in parts.items() if j > 0 and sp.simplify(coeff) != 0]
    return int(min(degrees)) - 1 if degrees else max_order


def _order_on_branches(candidate: sp.Expr, reference: sp.Expr, point: dict, a, max_order: int, rays: int = 32):
    """The agreement order of a candidate with a kink at ``point`` (max(kl, reverse_kl) at (0, 1), where the two
    tie): the least order over the smooth branches (each abs, max or min read as one of its arguments) that are the
    candidate along some of ``rays`` directions at distance 1e-10 (80 digits); None when a branch is not smooth or
    its order is not found. Along each ray the candidate is one branch near the point, so it agrees with a *
    reference to the order of that branch there."""
    import itertools

    nodes = sorted(candidate.atoms(sp.Abs, sp.Max, sp.Min), key=sp.default_sort_key)
    options = [(n.args[0], -n.args[0]) if isinstance(n, sp.Abs) else n.args for n in nodes]
    if not nodes or math.prod(len(o) for o in options) > 16:
        return None
    combos = []
    for choice in itertools.product(*options):
        b, mapping = candidate, dict(zip(nodes, choice))
        for _ in range(len(nodes) + 1):
            b = b.xreplace(mapping)
        if not is_smooth(b):
            return None
        combos.append(b)
    fns = [sp.lambdify((mu, sigma), f, "mpmath") for f in [candidate, *combos]]
    active = set()
    with mpmath.workdps(80):
        t, m0, s0 = mpmath.mpf("1e-10"), mpmath.mpf(sp.N(point[mu], 90)), mpmath.mpf(sp.N(point[sigma], 90))

        def gaps(angle):  # each branch minus the candidate on the circle of radius t
            at = (m0 + t * mpmath.cos(angle), s0 + t * mpmath.sin(angle))
            values = [f(*at) for f in fns]
            return [v - values[0] for v in values[1:]]
        angles = [2 * mpmath.pi * (k + mpmath.mpf(1) / 3) / rays for k in range(rays)]  # off the axes and diagonals
        try:
            seen = [gaps(angle) for angle in angles]
            active = {i for g in seen for i, v in enumerate(g) if abs(v) <= mpmath.mpf("1e-60")}
            # a branch that is the candidate only inside a cusp between the rays (min(kl, quadratic): quadratic only
            # where mu**2 < -2 (sigma - 1)**3/3), found by minimising its gap around the ray where it is least: there
            # the difference is of higher order than the branch's own Taylor order says, and neither is decided
            for i in set(range(len(combos))) - active:
                k = min(range(rays), key=lambda j: seen[j][i])
                step = 2 * mpmath.pi / rays
                if golden_min(lambda x, i=i: gaps(x)[i], angles[k] - step, angles[k] + step, 90) <= mpmath.mpf("1e-60"):
                    return None
        except (ValueError, ArithmeticError, TypeError):
            return None
    orders = [agreement_order(combos[i], reference, point, a, max_order) for i in sorted(active)]
    return None if not orders or None in orders else min(orders)


def identified_as(candidate, exclude: str = "", prior=None) -> list:
    """Catalogue entries E with candidate = a * E + c, a > 0 (the candidate's own name left out).

    Against a ``prior`` (mu_p, sigma_p) the entries with a general form are compared in that form, and named
    with it ("kl against N(5, 3**2)"); the others are not candidates.
    """
    prior = check_prior(prior)
    out = []
    for name, entry in catalogue().items():
        if prior is not None and entry.general is None:
            continue
        shown = label(name, prior)
        if shown != exclude and affine_fit(candidate, against(name, entry, prior)) is not None:
            out.append(shown)
    return out


def rescaling(expr: sp.Expr, budget=DEFAULT_BUDGET) -> sp.Expr | None:
    """lim_{c->0+} expr(c mu, c sigma): finite means a linear first decoder layer can shrink the code cheaply.

    None when sympy cannot take the limit within ``budget`` seconds.
    """
    value = limit(expr.subs({mu: _c * mu, sigma: _c * sigma}, simultaneous=True), _c, 0, "+", budget)
    return None if value is None else sp.simplify(value)


def _point_of(best):
    """The exact minimising point, or None (no minimiser, a set of them, or a float point)."""
    if not isinstance(best, CriticalPoint) or any(isinstance(v, sp.Float) for v in best.point.values()):
        return None
    return best.point


_LATE = object()  # a side whose minimiser is not established: neither a point nor "no minimiser" is known


def _settled(best, inf: dict, e: sp.Expr, other) -> object:
    """``best``, or _LATE when the side's infimum is not exact (a budget ran out, or only a numeric search
    found it) and its value at the other side's exact minimiser is not above a value it takes elsewhere (if it
    is, that point is not its minimiser, and the minimisers differ whatever its own is)."""
    if inf["method"] == "exact" or inf["attained"] is False:
        return best
    point, value = _point_of(other), inf["value"]
    if point is not None and value is not None and value.is_number and value.is_finite:
        at = sp.N(e.subs(point), 50)
        if at.is_number and at.is_real and at > value + value_slack(e, value, 1e-8):
            return best
    return _LATE


def _same_point(p: dict, q: dict) -> bool:
    return all(sp.simplify(p[x] - q[x]) == 0 for x in (mu, sigma))


def _range(best, budget) -> tuple:
    """(inf, sup) of the reference: its minimum value and the largest boundary limit U where the reference is <= U
    everywhere (the exact infimum of U - reference is >= 0), else oo: exp(-kl) tends to 0 at every boundary and is 1
    at (0, 1), so its values are not in (-oo, 0), where f = -log(r) is increasing (was: monotone, for none)."""
    ends = list(limits(best[1], budget=budget).values())
    upper = max(ends, key=float) if all(e is not None and e.is_number and e.is_real for e in ends) else sp.oo
    if upper != sp.oo:
        below = infimum(upper - best[1], budget)
        if not (below["method"] == "exact" and below["value"] is not None and below["value"].is_nonnegative):
            upper = sp.oo
    value = best[0].value if isinstance(best[0], (CriticalPoint, MinimizerSet)) else None
    return value, upper


def _decide(cand: sp.Expr, ref: sp.Expr, best_c, best_r, budget, mono=None) -> tuple:
    """(relation, details) for the strongest relation that holds (``mono``: the monotone map already found)."""
    if vanishes(cand - ref):
        return "identical", {}
    fit = affine_fit(cand, ref)
    if fit is not None:
        return "affine", {"affine": fit}
    if mono is None and not (is_smooth(cand) and is_smooth(ref)):  # kinks: f piece by piece between them
        mono = monotone_kinked(cand, ref, *_range((best_r, ref), budget), budget=budget)
        low_c, high_c = _range((best_c, cand), budget) if isinstance(best_c, CriticalPoint) else (None, None)
        if mono is None and low_c is not None and low_c.is_number and low_c.is_finite:
            mono = inverse_kinked(cand, ref, low_c, high_c, budget)  # kl against max(kl, kl**3): F = max(r, r**3)
        if mono is None:  # max(kl, kl**3) against max(kl, kl**2): both increasing functions of kl
            mono = common_inner(cand, ref, budget)
    if mono is not None:
        return "monotone", {"monotone": mono}
    if best_c is _LATE or best_r is _LATE:
        return "undecided", {}
    p_c, p_r = _point_of(best_c), _point_of(best_r)
    if p_c is None or p_r is None or not _same_point(p_c, p_r):
        return "none", {}
    if best_c.hessian is None or best_r.hessian is None:
        return "minimizer", {}
    a = hessian_scale(best_c.hessian, best_r.hessian)
    if a is None:
        return "minimizer", {}
    done, order = attempt(agreement_order, cand, ref, p_r, a, budget=budget)
    return "local", {"local": {"scale": a, "order": order if done else None}}


def _least_of_onto(ref: sp.Expr, inf_r: dict, best_r, budget, signed: bool = False, kinked: bool = False):
    """The reference's exact minimum m >= 0 (any real m when ``signed``) when it is attained at a point and the
    reference, smooth (or, when ``kinked``, with abs, max, min: continuous too), is unbounded above (it takes every
    value in [m, oo)), else None."""
    if (not is_smooth(ref) and not kinked) or inf_r is None or inf_r["method"] != "exact" or not isinstance(
            best_r, CriticalPoint):
        return None
    low = best_r.value
    if not (low.is_number and (low.is_nonnegative or signed and low.is_finite)) or sp.oo not in limits(
            ref, budget=budget).values():
        return None
    return low


def _all_values(ref: sp.Expr, inf_r: dict, budget):
    """-oo when the reference, smooth, is unbounded below (an exact path to -oo) and above (a boundary limit oo): it
    takes every real value (log(kl)), else None."""
    if not is_smooth(ref) or inf_r["method"] != "exact" or inf_r["value"] != -sp.oo:
        return None
    return -sp.oo if sp.oo in limits(ref, budget=budget).values() else None


def _ratio_through_map(mono, ref: sp.Expr, inf_r: dict, best_r, budget, cand=None, inf_c=None,
                       best_c=None) -> dict | None:
    """The exact ratio bounds of candidate = f(reference) over the reference's values
    (:func:`~vaemath.analysis.ordering.ratio_through`), or None. Where f was found as F^-1 (:func:`inverse_map`) the
    ratio is x/F(x) over the candidate's values x instead (F is the simpler: kl**3 + kl against Cardano's root), both
    penalties taking every value in [their minimum >= 0, oo) (:func:`_least_of_onto`). With no increasing f, F of any
    shape found by :func:`find_f` serves the same way (kl against kl**(-2), x/F(x) = x**3, inf 0 as kl -> 0; against
    abs(kl - 1), F's zero at kl = 1 a pole: sup oo)."""
    if (mono is None or mono["f"] is None and mono.get("F") is None) and cand is not None and is_smooth(cand):
        done, big_f = attempt(find_f, ref, cand, budget=budget)  # reference = F(candidate)
        mono = {"f": None, "F": big_f, "any F": True} if done and big_f is not None else mono
    if mono is not None and mono.get("F") is not None:
        low = _least_of_onto(cand, inf_c, best_c, budget, kinked=True)  # F's zeros are the ratio's poles
        if low is None:
            return None
        big_f = mono["F"]
        shape = "" if mono.get("any F") else ", F strictly increasing"
        how = (f"exact: reference = F(candidate) with F(r) = {big_f}{shape}, so the ratio is r/F(r) "
               f"over the candidate's values r >= {low}, F(r) != 0 (one variable: critical points by sympy, limits at "
               "the ends)")
        done, ratio = attempt(ratio_through, r**2 / big_f, r, low, "candidate", how, budget=budget)
        if done and ratio is not None:  # f = F^-1 is increasing, or (any F) not known to be
            ratio["nondecreasing"] = not mono.get("any F")
        return ratio if done else None
    low = None  # kl**3 against kl - 1/2: the ratio's pole at 0 inside the reference's range [-1/2, oo)
    if mono is not None and mono["f"] is not None:
        low = _least_of_onto(ref, inf_r, best_r, budget, signed=True)
        low = _all_values(ref, inf_r, budget) if low is None else low  # a minimum 0 is falsy: no `or`
    if low is None:
        return None
    done, ratio = attempt(ratio_through, mono["f"], r, low, budget=budget)
    return ratio if done else None


def _through_f(cand: sp.Expr, ref: sp.Expr, inf_r: dict, best_r, budget) -> dict:
    """What follows from candidate = f(reference) for a candidate with kinks and a smooth reference whose exact
    minimum m >= 0 is attained at a point and which is unbounded above (:func:`_least_of_onto`): the ratio
    bounds exactly (:func:`~vaemath.analysis.ordering.ratio_through`) and, when f is strictly increasing
    (:func:`monotone_kinked`), the candidate's minimiser (the reference's), its minimum f(m) and its Hessian
    f'(m+) H there when the right derivative f'(m+) is positive and finite. Empty when any step is not decided."""
    low = None if is_smooth(cand) else _least_of_onto(ref, inf_r, best_r, budget)
    if low is None:
        return {}
    done, f = attempt(find_f, cand, ref, budget=budget)
    if not done or f is None or _is_f_of(f, ref, cand) is not True:
        return {}
    done, ratio = attempt(ratio_through, f, r, low, budget=budget)
    out = {"ratio": ratio if done else None}
    done, how = attempt(_increasing_pieces, f, low, sp.oo, budget=budget)
    if not done or how is None:
        return out
    out["monotone"] = {"f": f, "jacobian": None, "increasing": how}
    parts = pieces(f, r, low, sp.oo)
    slope = sp.limit(sp.diff(parts[0][2], r), r, low, "+") if parts else None
    if slope is None or not (slope.is_positive and slope.is_finite) or best_r.hessian is None:
        return out
    value = sp.simplify(f.subs(r, low))
    out["minimizer"] = CriticalPoint(best_r.point, value, sp.simplify(slope * best_r.hessian), best_r.definiteness,
                                     best_r.method, best_r.differentiable, best_r.order)
    out["infimum"] = {"value": value, "attained": True, "method": "exact",
                      "where": f"minimiser {to_strings(best_r.point)}, the reference's: candidate = f(reference), f "
                               f"strictly increasing, so its minimum is f({low}) = {value}"}
    return out


def _without_poles(pen) -> bool:
    """The penalty's domain is everywhere and its denominator a function of sigma > 0 alone: no pole across which it
    jumps from -oo to +oo without a zero (1/(sigma - 1) + sigma has none), no +inf past an edge."""
    den = sp.denom(sp.together(pen.expr))
    everywhere = pen.domain is None or pen.domain.everywhere
    return everywhere and den.free_symbols <= {sigma} and den.subs(sigma, sp.Dummy(positive=True)).is_positive is True


def _across_zero_set(c_pen, r_pen, inf_r: dict, lim_r: dict, inf_c: dict, best_c) -> dict | None:
    """Ratio bounds inf -oo, sup oo, exactly, when the reference, without poles (:func:`_without_poles`), takes both
    signs (its exact minimum < 0, a boundary limit +oo) and the candidate, without poles too, is > 0 but at one point
    at most (its exact minimum > 0, or 0 at one minimiser): the reference's zero set separates its signs on the
    connected half-plane, so it is a curve, not a point, and holds points where the candidate is > 0, beside which
    the ratio has either sign without bound (kl against kl + log(1 + kl) - 1/10**6, whose zero at kl = 5.0e-7 sympy
    does not solve for: was "sup 1, exact"). None otherwise."""
    low_r, low_c = (d.get("value") if d.get("method") == "exact" else None for d in (inf_r, inf_c))
    if low_r is None or not (low_r.is_number and low_r.is_negative) or sp.oo not in lim_r.values():
        return None
    single = low_c is not None and low_c.is_number and (low_c.is_positive or low_c == 0
                                                        and isinstance(best_c, CriticalPoint))
    if not (single and _without_poles(c_pen) and _without_poles(r_pen)):
        return None
    path = "(mu, sigma) -> the reference's zero set (it takes both signs) where the candidate > 0, the reference {} 0"
    return {"inf": "-oo", "sup": "oo", "inf_path": path.format("<"), "sup_path": path.format(">"),
            "inf_method": "exact", "sup_method": "exact", "bounded_away_from_0": False, "bounded_above": False,
            "method": "exact: the reference takes both signs (exact minimum < 0, limit +oo), so its zero set is a "
                      "curve, on which the candidate is > 0 but at one point at most"}


def _minimum_through(f: sp.Expr, best_r: CriticalPoint, budget, how: str = "exact",
                     of: tuple = ("candidate", "reference")) -> tuple | None:
    """(minimiser, infimum) of candidate = f(reference), f strictly increasing: the reference's minimiser p, value
    f(m), and from the leading term a t^q of f(m + t) - f(m): the Hessian a H there (q = 1), 0 (q > 1) or none, a
    cusp (q < 1), and the local order q times the reference's (kl**(1/3): 2/3; kl**64: 128). None if not found.
    ``of``: the names of the two sides, swapped for reference = F(candidate) (exp(kl) - 1 - kl: order 4)."""
    m = best_r.value
    if not (m.is_number and m.is_finite):
        return None
    t = sp.Dummy("t", positive=True)
    value = sp.simplify(f.subs(r, m))
    done, lead = attempt(lambda: sp.simplify(f.subs(r, m + t) - value).as_leading_term(t), budget=budget)
    a, q = lead.as_coeff_exponent(t) if done else (None, None)
    if not (done and a.is_positive and q.is_positive and not a.has(t)):
        return None
    h = best_r.hessian
    if h is None or (q < 1 and best_r.definiteness != "positive definite"):
        return None  # kl through sqrt(kl) (no Hessian) or through kl**64 (Hessian 0): the candidate's own is due
    hessian = None if q < 1 else a * h if q == 1 else sp.zeros(2, 2)
    kind = best_r.definiteness if q == 1 else "positive semidefinite" if q > 1 else "unknown"
    order = None if best_r.order is None else q * best_r.order
    best = CriticalPoint(best_r.point, value, hessian, kind, best_r.method, bool(best_r.differentiable and q >= 1),
                         int(order) if order is not None and order.is_integer else order)
    this, that = of
    name = "f" if this == "candidate" else "F"
    where = (f"minimiser {to_strings(best_r.point)}, the {that}'s: {this} = {name}({that}), {name} strictly "
             f"increasing, so its minimum is {name}({m}) = {value}")
    if how != "exact":  # the other side's minimum is itself numeric or an upper bound (a budget ran out): so is this
        where += f" (the {that}'s minimum is {how}: so is this, an upper bound on the infimum)"
    return best, {"value": value, "attained": True, "method": how, "where": where}


def check(candidate, reference="kl", sigma_means: str = "std", budget=DEFAULT_BUDGET, prior=None) -> Verdict:
    """Decide the strongest relation between two penalties, with exact evidence.

    Parameters
    ----------
    candidate, reference : str, sympy.Expr or Penalty
        Catalogue names (``"quadratic"``), penalty text (``"2*kl + 1"``, ``"mu**2 + (sigma-1)**2"``) or
        penalty objects; see :func:`vaemath.symbolic.penalty`.
    sigma_means : {"std", "var"}
        Whether ``sigma`` in text (and in ``quadratic``) is the standard deviation or the variance.
    budget : float or None
        Seconds allowed to each symbolic step (default 5); a step past it is reported as not decided
        (an agreement order of None, a limit of None) or falls back to its numeric route, labelled.
    prior : tuple (mu_p, sigma_p), optional
        Both penalties taken against the prior N(mu_p, sigma_p^2) (catalogue entries with a general form,
        and the symbols ``mu_p``, ``sigma_p`` in text); default N(0, 1).

    Returns
    -------
    Verdict
        ``relation`` (one of ``identical, affine, monotone, local, minimizer, none, undecided``) and the evidence:
        minimisers (a point, or a set of them) and Hessians there, boundary limits, infima (-oo when
        unbounded below), ratio bounds (exact, or labelled bounds from a numeric search), the rescaling
        limit, catalogue identities and, below ``monotone``, an order-reversal witness confirmed at 50
        digits.

    Examples
    --------
    >>> check("2*kl + 1").affine
    (2, 1)
    """
    budget = check_budget(budget)
    cand = reference_penalty(candidate, sigma_means, prior=prior, argument="candidate", prior_optional=True)
    ref = reference_penalty(reference, sigma_means, prior=prior, prior_optional=True)
    if prior is not None and not (refers_to_prior(candidate, sigma_means) or refers_to_prior(reference, sigma_means)):
        raise ValueError(f"prior: neither {cand.name!r} nor {ref.name!r} names mu_p, sigma_p or a catalogue entry "
                         "with a general-prior form, so a prior changes nothing: drop it")
    # abs, max and min that are the identity on their argument's range are dropped: the same function, and
    # every step below is faster and more often exact on it (abs(kl) is kl)
    # each with its domain kept where the text's sum cancelled a renyi term's log (renyi(2) + log(2 - sigma**2)/2)
    c_pen, r_pen = (replace(p, expr=without_idle_kinks(with_domain(p), budget)) for p in (cand, ref))
    c, r = c_pen.expr, r_pen.expr
    inf_r = infimum(r, budget)
    # a penalty unbounded below has no minimiser, whatever local minima it has (kl + mu**3); nor one with a lower
    # value found elsewhere, or whose boundary limits ran past the budget (the minimiser is then not established)
    best_r = minimizer(r, budget=budget) if inf_r["attained"] is True and inf_r["method"] != "upper bound" else None
    via = _through_f(c, r, inf_r, best_r, budget)
    mono = via.get("monotone")
    inf_c = None
    if mono is None and is_smooth(c) and is_smooth(r):
        mono = monotone_map(c, r, *_range((best_r, r), budget), budget=budget)
        if mono is None or mono["f"] is None:  # kl against kl**3: f, the cube root, is found from kl**3 = F(kl)
            inf_c = infimum(c, budget)
            lower_c = inf_c["value"] if inf_c["method"] == "exact" else None
            if lower_c is not None and lower_c.is_number and lower_c.is_finite:
                mono = inverse_map(c, r, lower_c, sp.oo, budget) or mono
    # candidate = f(reference), f increasing: its minimum follows from the reference's (kl**64's own search took 50 s)
    through = (_minimum_through(mono["f"], best_r, budget, inf_r["method"])
               if mono is not None and mono["f"] is not None
               and isinstance(best_r, CriticalPoint) else None)
    if through is not None:
        best_c, inf_c = through
    else:
        inf_c = via.get("infimum") or inf_c or infimum(c, budget)
        best_c = via.get("minimizer") or (minimizer(c, budget=budget) if inf_c["attained"] is True
                                          and inf_c["method"] != "upper bound" else None)
    unread = best_r is None or isinstance(best_r, CriticalPoint) and best_r.order is None
    if (unread and isinstance(best_c, CriticalPoint) and mono is not None and mono.get("F") is not None
            and mono["f"] is None):  # reference = F(candidate), F strictly increasing, F^-1 implicit
        back = _minimum_through(mono["F"], best_c, budget, inf_c["method"], of=("reference", "candidate"))
        best_r, inf_r = back if back is not None else (best_r, inf_r)
    settled = (_settled(best_c, inf_c, c, best_r), _settled(best_r, inf_r, r, best_c))
    lim_r = limits(r_pen, budget=budget)
    relation, details = _decide(c, r, *settled, budget, mono=mono)
    needs_witness = RELATIONS.index(relation) > RELATIONS.index("monotone")
    return Verdict(
        candidate=cand, reference=ref, sigma_means=sigma_means, relation=relation,
        affine=details.get("affine"), monotone=details.get("monotone"), local=details.get("local"),
        minimizer={"candidate": best_c, "reference": best_r},
        infimum={"candidate": inf_c, "reference": inf_r},
        limits={"candidate": limits(c_pen, budget=budget), "reference": lim_r},
        ratio_bounds=(via.get("ratio") or _ratio_through_map(details.get("monotone") or mono, r, inf_r, best_r, budget,
                                                             c, inf_c, best_c)
                      or _across_zero_set(c_pen, r_pen, inf_r, lim_r, inf_c, best_c)
                      or ratio_bounds(c, r, best_r, budget)),
        rescaling={"candidate": rescaling(c, budget), "reference": rescaling(r, budget)},
        identified_as=identified_as(c, exclude=cand.name, prior=prior),
        witness=witness(c, r) if needs_witness else None,
        prior=prior,
    )
