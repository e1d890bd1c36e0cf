"""hellinger_squared's d2 planes next to their zero curves (issue 7, edge cells): each plane is exp(-mu^2/(4 (1 +
sigma^2))) times powers times a polynomial in mu and sigma that is 0 on a curve sigma(mu); next to it the plain sum of
its terms cancelled (d2/dv2 1340 ulp at (-3.7, v = 1/4 + ulp)). Against mpmath at 60 digits from the formula written
here, differentiated by sympy: the review's worst points, and the floats next to points of the zero curves found by
mpmath (seeded mu), in every param. Every plane within 16 ulp (the Hessian bound) where its truth is a float."""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import vaemath

m, x = sp.symbols("m x", real=True)
PARAMS = ("std", "var", "logstd", "logvar")
WHAT = ("value", "grad", "hess")
BOUND = 16


def _planes(param):
    s = {"std": x, "var": sp.sqrt(x), "logstd": sp.exp(x), "logvar": sp.exp(x / 2)}[param]
    h = 1 - sp.sqrt(2 * s / (1 + s**2)) * sp.exp(-m**2 / (4 * (1 + s**2)))  # the closed form, written here
    return [sp.lambdify((m, x), sp.diff(h, *a), "mpmath") for a in ((m, m), (m, x), (x, x))]


def _ulps(param, mus, xs):
    fs = _planes(param)
    _, _, got = vaemath.grid("hellinger_squared", np.array(mus), np.array(xs), what=WHAT, param=param)
    worst = []
    with mpmath.workdps(60):
        for k in range(3):
            for i, mm in enumerate(mus):
                for j, xx in enumerate(xs):
                    t = float(fs[k](mpmath.mpf(mm), mpmath.mpf(xx)))
                    g = got[k][i, j]
                    u = 0.0 if g == t else abs(g - t) / np.spacing(abs(t)) if t else math.inf
                    worst.append((u, k, mm, xx, g, t))
    return max(worst)


# the review's worst points (mu, x) of the four cells, and the float above the region edge
WORST = {"std": ([0.7, -3.7], [0.5000000000000001, 0.5000000000000002, 2.000000000000001]),
         "var": ([-3.7, 0.7], [0.25000000000000006, 0.2500000000000001]),
         "logstd": ([5.0, 2.9], [-0.6931471805599452, 0.7216300391854155, 0.5822056552819701]),
         "logvar": ([5.0, 2.9], [-1.3862943611198904, 1.443260078370831, 1.1644113105639402])}


@pytest.mark.parametrize("param", PARAMS)
def test_hellinger_hessian_at_the_review_points(param):
    u, k, mm, xx, g, t = _ulps(param, *WORST[param])
    assert u <= BOUND, f"plane {k} at ({mm}, {xx!r}): got {g!r}, truth {t!r} ({u:.3g} ulp)"


def _zero_points(param, rng):
    """x next to the zero curves of d2/dmu dx and d2/dx2: for seeded mu, the root in sigma of each plane's polynomial
    (by mpmath's findroot on the plane itself), the floats at it and 3 ulp either side."""
    fs = _planes(param)
    mus = sorted(rng.uniform(0.2, 6.0, 3).round(6).tolist())
    xs = []
    to_x = {"std": lambda s: s, "var": lambda s: s * s, "logstd": mpmath.log, "logvar": lambda s: 2 * mpmath.log(s)}
    with mpmath.workdps(60):
        for mm in mus:
            for k in (1, 2):
                for s0 in (0.3, 0.8, 1.6, 3.0):
                    try:
                        r = mpmath.findroot(lambda s, k=k, mm=mm: fs[k](mpmath.mpf(mm), to_x[param](s)), s0)
                    except (ValueError, ZeroDivisionError):
                        continue
                    if isinstance(r, mpmath.mpc) or not 0.05 < r < 50:
                        continue
                    x0 = float(to_x[param](r))
                    xs += [x0, *(float(v) for v in np.nextafter(x0, [-np.inf, np.inf]))]
    return mus, sorted(set(xs))


@pytest.mark.parametrize("param", PARAMS)
def test_hellinger_hessian_next_to_its_zero_curves(param):
    mus, xs = _zero_points(param, np.random.default_rng(7))
    assert len(xs) >= 6
    u, k, mm, xx, g, t = _ulps(param, mus, xs)
    assert u <= BOUND, f"plane {k} at ({mm}, {xx!r}): got {g!r}, truth {t!r} ({u:.3g} ulp)"


def test_double_double_exp_and_inverse_against_mpmath():
    """The per-sigma double-doubles the rule takes: exp(y x) (the log params' sigma^2, 1/sigma^2, 1/sigma) and
    1/x, 1/x^2, 1/sqrt(x), to 2^-100 relative where their low parts are normal numbers (seeded x)."""
    from vaemath.kernels.special import _dd_of

    rng = np.random.default_rng(11)
    cases = [(x, y, 2) for x in rng.uniform(-290.0, 290.0, 200) for y in (2.0, -2.0, -1.0)]
    cases += [(float(x), y, mode) for x in np.exp(rng.uniform(-300.0, 300.0, 200)) for y, mode in ((1.0, 1), (1.0, 3))]
    cases += [(float(x), float(x), 1) for x in np.exp(rng.uniform(-150.0, 150.0, 200))]
    with mpmath.workdps(50):
        for x, y, mode in cases:
            hi, lo = _dd_of(x, y, mode)
            xm = mpmath.mpf(x)
            t = {2: mpmath.exp(y * xm), 1: 1 / (xm * y), 3: 1 / mpmath.sqrt(xm)}[mode]
            assert abs((mpmath.mpf(hi) + lo - t) / t) < 2.0**-100, (x, y, mode)
