"""Minimisers of penalties with many kinks (issue 8, "non-smooth penalties"): a max of many terms, kink crossings
found near the numeric minimum only, bisection along a kink curve, readings off a kink refused, polynomial roots.

Every expected answer comes from another route: by hand (each term of a max >= 0 and 0 at one point; the ties of a
max solved by sympy.solve in the test and the convex-combination condition checked by hand), or mpmath's findroot.
"""

import mpmath as mp
import sympy as sp

from vaemath.symbolic import calculus as C
from vaemath.symbolic import minimizer, mu, penalty, sigma

KL = mu**2 / 2 + sigma**2 / 2 - sp.log(sigma) - sp.Rational(1, 2)


def _close(x, v, tol=1e-25) -> bool:
    """The exact number x within tol of the 50-digit mpmath number v (both at 50 digits)."""
    with mp.workdps(50):
        return abs((x if isinstance(x, mp.mpf) else mp.mpf(str(sp.N(x, 50)))) - v) < tol


def test_a_max_of_eleven_terms_each_least_at_0_1_has_the_exact_minimiser_0_1(monkeypatch):
    terms = ("mu**2, (sigma-1)**2, kl, mu**4, (sigma-1)**4, mu**2*sigma, (sigma-1)**2*sigma, mu**6, (sigma-1)**6, "
             "log(sigma)**2, sigma - 1 - log(sigma)")
    p = penalty(f"max({terms})")
    assert len(p.expr.args) == 11 and len(C._switches(p.expr)) == 55 > C.FEW_SWITCHES
    # by hand: every term is >= 0 (sigma - 1 - log(sigma) >= 0: log(x) <= x - 1) and 0 at (0, 1): max >= 0 = max(0, 1)
    assert all(sp.simplify(sp.sympify(t, locals={"kl": KL, "mu": mu, "sigma": sigma}).subs({mu: 0, sigma: 1})) == 0
               for t in terms.split(", "))
    asked, pairs = [], C._kink_points
    monkeypatch.setattr(C, "_kink_points", lambda e, budget, near=None: asked.append(near) or pairs(e, budget, near))
    m = minimizer(p)
    assert m.point == {mu: 0, sigma: 1} and m.value == 0
    assert None not in asked  # 55 > FEW_SWITCHES ties: never every pair of them (1485 sympy.solve calls)


def test_a_max_with_different_minima_is_least_where_three_terms_tie():
    a, b, c = (mu - 1) ** 2 + (sigma - 1) ** 2, (mu + 1) ** 2 + (sigma - 1) ** 2, (sigma - 3) ** 2
    p = penalty("max((mu-1)**2 + (sigma-1)**2, (mu+1)**2 + (sigma-1)**2, (sigma-3)**2, mu**2, sigma/2)")
    assert len(C._switches(p.expr)) > C.FEW_SWITCHES
    # by hand: a = b = c at one point with sigma > 0; 0 is a convex combination of the three gradients there (a, b, c
    # convex, so that point is the max's global minimiser), and mu**2, sigma/2 are below the tie value there
    (tie,) = [s_ for s_ in sp.solve([a - b, a - c], [mu, sigma], dict=True) if s_[sigma].is_positive]
    assert tie == {mu: 0, sigma: sp.Rational(7, 4)}
    grads = [sp.Matrix([sp.diff(f, x) for x in (mu, sigma)]).subs(tie) for f in (a, b, c)]
    lam = sp.symbols("l0:3")
    (w,) = sp.solve(list(sum((li * g for li, g in zip(lam, grads)), sp.zeros(2, 1))) + [sum(lam) - 1], lam, dict=True)
    assert all(v.is_positive for v in w.values())
    value = a.subs(tie)
    assert value == sp.Rational(25, 16) and (mu**2).subs(tie) < value and (sigma / 2).subs(tie) < value
    m = minimizer(p)
    assert m.point == tie and m.value == value and m.hessian is None


def test_a_kink_crossing_without_a_rational_reading_is_solved_near_the_numeric_minimum_only():
    e = penalty("abs(mu - log(sigma)) + abs(mu + sigma - 2) + max(mu**2 - 9, sigma - 9, -mu - 9, mu - 9)").expr
    assert len(C._switches(e)) > C.FEW_SWITCHES
    # by hand: mu = log(sigma) = 2 - sigma, i.e. sigma exp(sigma) = e^2; mpmath's root of it
    with mp.workdps(50):
        s0 = mp.findroot(lambda s: s + mp.log(s) - 2, 1.5)
        m0, least = 2 - s0, s0 - 9
    found = C._kink_points(e, 5.0, (float(m0), float(s0)))
    assert len(found) == 1
    assert _close(found[0][mu], m0) and _close(found[0][sigma], s0)
    assert C._kink_points(e, 5.0, (-2.0, 0.5)) == []  # no switch pair vanishes near there: nothing solved
    m = minimizer(penalty("abs(mu - log(sigma)) + abs(mu + sigma - 2) + max(mu**2 - 9, sigma - 9, -mu - 9, mu - 9)"))
    assert m.point == found[0] and _close(m.value, least)


def test_bisection_along_the_kink_finds_the_minimiser_where_newton_stalls():
    e = penalty("abs(kl - 1) + mu**4").expr
    # by hand: on kl = 1 the penalty is mu**4, least at mu = 0, where sigma**2/2 - log(sigma) = 3/2 (mpmath's roots)
    for s_start in (0.229, 2.12):
        with mp.workdps(50):
            s_true = mp.findroot(lambda s: s**2 / 2 - mp.log(s) - mp.mpf(3) / 2, s_start)
        on = C._bisected_on_curve(C._switches(e)[0], mu**4 + KL - 1, 2.7e-4, float(s_true) + 1e-9)
        assert on is not None and abs(on[0]) < 1e-20 and _close(on[1], s_true)
        c = C._tie_minimum(e, 2.7e-4, float(s_true) + 1e-9)
        assert c is not None and "bisection" in c.method
        exact = C._snapped_kink_minimum(e, c, 5.0)
        assert exact.point[mu] == 0 and exact.value == 0 and _close(exact.point[sigma], s_true)


def test_a_reading_off_a_tie_is_refused_and_the_tie_is_the_minimiser():
    p = penalty("max(mu + exp(-200), -mu, 2*mu - 1, -2*mu - 1) + abs(sigma - 1)")
    assert len(C._switches(p.expr)) > C.FEW_SWITCHES  # readings are verified before kink crossings
    # at mu = 0 the first two arguments differ by exp(-200) (below 1e-60, so read as tied at 80 digits): not a kink
    assert C._verify_kink(p.expr, {mu: 0, sigma: 1}) is None
    # by hand: near mu = 0 the max is max(mu + exp(-200), -mu), least where they tie, mu = -exp(-200)/2
    m = minimizer(p)
    assert m.point == {mu: -sp.exp(-200) / 2, sigma: 1} and m.value == sp.exp(-200) / 2


def test_polynomial_roots_by_sympy_roots_are_the_roots_solve_gives():
    C._real_roots.cache_clear()
    for g, x in ((mu**2 - 2, mu), (sigma**2 - 2, sigma), (mu**5 - mu - 1, mu), (mu**3 - 3 * mu + 1, mu),
                 ((sigma - 1) ** 3 * (sigma + 2), sigma), (mu**2 + 1, mu)):
        def approx(roots):
            return sorted((round(v.real, 12), round(v.imag, 12)) for v in (complex(sp.N(r, 30)) for r in roots))
        got = C._real_roots(g, x, budget=30)  # the default 1 s ran out on the quintic on a loaded machine ([] in CI)
        assert approx(got) == approx(sp.solve(g, x))
        assert all(abs(complex(sp.N(g.subs(x, r), 30))) < 1e-25 for r in got)
