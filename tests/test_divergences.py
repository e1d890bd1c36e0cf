"""Catalogue closed forms against numerical quadrature of their definitions (mpmath, 1e-10 relative)."""

import functools
import sys

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy.linalg import sqrtm

from vaemath.kernels import evaluate, grid
from vaemath.kernels.arrays import PARALLEL_POINTS
from vaemath.symbolic import catalogue, diagonal, kl_textbook, mu, penalty, prior_mu, prior_sigma, renyi, sigma
from vaemath.symbolic.divergences import alpha

RTOL = 1e-10
mp.mp.dps = 30


def _pdf(z, m, s):
    return mp.npdf(z, m, s)


def _expect(f, m, s):
    """E[f(z)] for z ~ N(m, s^2), by tanh-sinh quadrature in the standardised variable."""
    return mp.quad(lambda t: f(m + s * t) * mp.npdf(t), [-mp.inf, 0, mp.inf])


def _kl_quad(m1, s1, m2=0, s2=1):
    return _expect(lambda z: mp.log(_pdf(z, m1, s1)) - mp.log(_pdf(z, m2, s2)), m1, s1)


def _bc_quad(m, s):
    return mp.quad(lambda z: mp.sqrt(_pdf(z, m, s) * _pdf(z, 0, 1)), [-mp.inf, m, 0, mp.inf])


def _w2_quad(m1, s1, m2=0, s2=1):
    """W2^2 between 1-D laws as the integral over u of (F1^-1(u) - F2^-1(u))^2."""
    q = lambda u: mp.sqrt(2) * mp.erfinv(2 * u - 1)  # noqa: E731
    return mp.quad(lambda u: (m1 + s1 * q(u) - m2 - s2 * q(u)) ** 2, [0, 0.5, 1])


def _renyi_quad(a, m, s):
    integral = mp.quad(lambda z: _pdf(z, m, s) ** a * _pdf(z, 0, 1) ** (1 - a), [-mp.inf, m, 0, mp.inf])
    return mp.log(integral) / (a - 1)


QUADRATURE = {
    "kl": _kl_quad,
    "reverse_kl": lambda m, s: _kl_quad(0, 1, m, s),
    "jeffreys": lambda m, s: _kl_quad(m, s) + _kl_quad(0, 1, m, s),
    "w2_squared": _w2_quad,
    "quadratic": _w2_quad,  # the question's penalty is W2^2 when sigma is the std
    "hellinger_squared": lambda m, s: 1 - _bc_quad(m, s),
    "bhattacharyya": lambda m, s: -mp.log(_bc_quad(m, s)),
}


def _points(rng, n=4):
    return list(zip(rng.uniform(-2, 2, n), rng.uniform(0.2, 3, n)))


def _value(expr, subs):
    return mp.mpf(str(sp.N(expr.subs(subs), 40)))


def test_kl_is_derived_and_equals_the_textbook_form():
    entry = catalogue()["kl"]
    assert entry.provenance == "derived"
    assert sp.simplify(entry.expr - kl_textbook()) == 0


@pytest.mark.parametrize("name", sorted(QUADRATURE))
def test_closed_form_matches_quadrature(name, rng):
    expr = catalogue()[name].expr
    for m, s in _points(rng):
        want = QUADRATURE[name](mp.mpf(m), mp.mpf(s))
        assert _value(expr, {mu: m, sigma: s}) == pytest.approx(want, rel=RTOL)


@pytest.mark.parametrize("a", [sp.Rational(1, 2), sp.Rational(3, 10), sp.Rational(3, 2), 2])
def test_renyi_matches_quadrature(a, rng):
    expr = renyi(a).expr
    for m, s in _points(rng, 3):
        s = min(s, 0.9 * float(mp.sqrt(a / (a - 1)))) if a > 1 else s  # finite only where s_a^2 > 0
        want = _renyi_quad(mp.mpf(a), mp.mpf(m), mp.mpf(s))
        assert _value(expr, {mu: m, sigma: s}) == pytest.approx(want, rel=RTOL)


def test_renyi_tends_to_kl_as_alpha_tends_to_one():
    family = renyi(alpha)
    assert sp.simplify(sp.limit(family, alpha, 1) - catalogue()["kl"].expr) == 0


@pytest.mark.parametrize("bad", [0, -1, 1, "x", sp.Symbol("a")])
def test_renyi_refuses_bad_orders(bad):
    with pytest.raises((ValueError, TypeError), match="alpha"):
        renyi(bad)


def _fisher_information_quad(m, s):
    """E[score score^T] of N(m, s^2) in (mu, sigma), by quadrature."""
    score = lambda z: ((z - m) / s**2, -1 / s + (z - m) ** 2 / s**3)  # noqa: E731
    return [[_expect(lambda z, i=i, j=j: score(z)[i] * score(z)[j], m, s) for j in range(2)] for i in range(2)]


def _path_length(path, dpath):
    """Fisher-Rao length of a path t -> (mu, sigma) on [0, 1], metric (dmu^2 + 2 dsigma^2) / sigma^2."""
    def speed(t):
        (_, s), (dm, ds) = path(t), dpath(t)
        return mp.sqrt(dm**2 + 2 * ds**2) / s
    return mp.quad(speed, [0, 1])


def _geodesic(m1, s1, m2, s2):
    """The half-plane geodesic (a semicircle in (mu / sqrt 2, sigma)) and its derivative."""
    x1, x2 = m1 / mp.sqrt(2), m2 / mp.sqrt(2)
    c = (x2**2 + s2**2 - x1**2 - s1**2) / (2 * (x2 - x1))
    r = mp.sqrt((x1 - c) ** 2 + s1**2)
    t1, t2 = mp.atan2(s1, x1 - c), mp.atan2(s2, x2 - c)
    theta = lambda t: t1 + (t2 - t1) * t  # noqa: E731
    path = lambda t: (mp.sqrt(2) * (c + r * mp.cos(theta(t))), r * mp.sin(theta(t)))  # noqa: E731
    dpath = lambda t: (-mp.sqrt(2) * r * mp.sin(theta(t)) * (t2 - t1), r * mp.cos(theta(t)) * (t2 - t1))  # noqa: E731
    return path, dpath


def test_fisher_rao_metric_is_the_fisher_information(rng):
    for m, s in _points(rng, 2):
        info = _fisher_information_quad(mp.mpf(m), mp.mpf(s))
        assert np.allclose(np.array(info, dtype=float), np.diag([1 / s**2, 2 / s**2]), rtol=1e-10, atol=1e-12)


def test_fisher_rao_closed_form_is_the_geodesic_length(rng):
    expr = catalogue()["fisher_rao_squared"].expr
    for m, s in _points(rng, 3):
        path, dpath = _geodesic(mp.mpf(m), mp.mpf(s), mp.mpf(0), mp.mpf(1))
        assert _value(expr, {mu: m, sigma: s}) == pytest.approx(_path_length(path, dpath) ** 2, rel=RTOL)
        bumped = lambda t, p=path: (p(t)[0], p(t)[1] * (1 + t * (1 - t) / 5))  # noqa: E731
        dbumped = lambda t, p=path, d=dpath: (d(t)[0], d(t)[1] * (1 + t * (1 - t) / 5) + p(t)[1] * (1 - 2 * t) / 5)  # noqa: E731
        assert _path_length(bumped, dbumped) ** 2 > _value(expr, {mu: m, sigma: s})


def test_kl_taylor2_is_the_second_order_taylor_polynomial_of_kl():
    kl, poly = catalogue()["kl"].expr, catalogue()["kl_taylor2"].expr
    f = sp.lambdify((mu, sigma), kl, "mpmath")
    g = sp.lambdify((mu, sigma), poly, "mpmath")
    for order in [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]:
        assert mp.diff(g, (0, 1), order) == pytest.approx(mp.diff(f, (0, 1), order), abs=1e-20)
    assert sp.Poly(sp.expand(poly), mu, sigma).total_degree() == 2


def _gaussian_kl_matrix(m1, c1, m2, c2):
    inv = np.linalg.inv(c2)
    d = m2 - m1
    return 0.5 * (np.trace(inv @ c1) + d @ inv @ d - len(m1) + np.log(np.linalg.det(c2) / np.linalg.det(c1)))


def _gaussian_w2_matrix(m1, c1, m2, c2):
    r = sqrtm(c2)
    return float(np.sum((m1 - m2) ** 2) + np.trace(c1 + c2 - 2 * np.real(sqrtm(r @ c1 @ r))))


@pytest.mark.parametrize("name, reference", [
    ("kl", lambda m1, c1, m2, c2: _gaussian_kl_matrix(m1, c1, m2, c2)),
    ("reverse_kl", lambda m1, c1, m2, c2: _gaussian_kl_matrix(m2, c2, m1, c1)),
    ("w2_squared", _gaussian_w2_matrix),
])
def test_diagonal_general_prior_matches_multivariate_formula(name, reference, rng):
    expr, syms = diagonal(name, 3, general_prior=True)
    m1, m2 = rng.normal(size=3), rng.normal(size=3)
    s1, s2 = rng.uniform(0.3, 2, 3), rng.uniform(0.3, 2, 3)
    values = dict(zip(syms["mu"], m1)) | dict(zip(syms["sigma"], s1)) | dict(zip(syms["mu_p"], m2)) | \
        dict(zip(syms["sigma_p"], s2))
    got = float(expr.subs(values))
    assert got == pytest.approx(reference(m1, np.diag(s1**2), m2, np.diag(s2**2)), rel=1e-10)


@pytest.mark.parametrize("name", ["kl", "reverse_kl", "w2_squared"])
def test_general_prior_matches_quadrature(name, rng):
    general = catalogue()[name].general
    routes = {"kl": lambda a, b, c, d: _kl_quad(a, b, c, d), "reverse_kl": lambda a, b, c, d: _kl_quad(c, d, a, b),
              "w2_squared": _w2_quad}
    m1, s1, m2, s2 = (mp.mpf(x) for x in (rng.normal(), rng.uniform(0.3, 2), rng.normal(), rng.uniform(0.3, 2)))
    got = _value(general, {mu: m1, sigma: s1, prior_mu: m2, prior_sigma: s2})
    assert got == pytest.approx(routes[name](m1, s1, m2, s2), rel=RTOL)


def test_diagonal_standard_prior_is_the_sum_over_dimensions():
    expr, syms = diagonal("kl", 2)
    assert set(expr.free_symbols) == set(syms["mu"]) | set(syms["sigma"])
    point = {syms["mu"][0]: 1, syms["sigma"][0]: 2, syms["mu"][1]: -1, syms["sigma"][1]: sp.Rational(1, 2)}
    kl = catalogue()["kl"].expr
    assert sp.simplify(expr.subs(point) - kl.subs({mu: 1, sigma: 2}) - kl.subs({mu: -1, sigma: sp.Rational(1, 2)})) == 0


@pytest.mark.parametrize("args, match", [(("kl", 0), "dims"), (("kl", 2.5), "dims"), (("quadratic", 2), "general"),
                                         (("nope", 2), "catalogue")])
def test_diagonal_refuses_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        diagonal(*args)


def test_every_entry_has_provenance_and_citation():
    for name, entry in catalogue().items():
        assert entry.name == name
        assert entry.provenance in {"derived", "closed form"}
        assert entry.citation and entry.description
        assert entry.expr.free_symbols <= {mu, sigma}


def _bc_general_quad(m1, s1, m2, s2):
    return mp.quad(lambda z: mp.sqrt(_pdf(z, m1, s1) * _pdf(z, m2, s2)), [-mp.inf, m1, m2, mp.inf])


GENERAL_QUADRATURE = {
    "kl": lambda a, b, c, d: _kl_quad(a, b, c, d),
    "reverse_kl": lambda a, b, c, d: _kl_quad(c, d, a, b),
    "jeffreys": lambda a, b, c, d: _kl_quad(a, b, c, d) + _kl_quad(c, d, a, b),
    "w2_squared": _w2_quad,
    "hellinger_squared": lambda a, b, c, d: 1 - _bc_general_quad(a, b, c, d),
    "bhattacharyya": lambda a, b, c, d: -mp.log(_bc_general_quad(a, b, c, d)),
}


def test_every_general_form_is_tested():
    assert set(GENERAL_QUADRATURE) == {k for k, e in catalogue().items() if e.general is not None}


@pytest.mark.parametrize("name", sorted(GENERAL_QUADRATURE))
def test_penalty_against_a_non_standard_prior_matches_quadrature(name, rng):
    """penalty(name, prior=(mu_p, sigma_p)) at (mu, sigma) against quadrature of the definition, far from N(0, 1)."""
    for _ in range(2):
        m2, s2 = rng.uniform(-4, 4), rng.uniform(0.3, 4)
        m1, s1 = m2 + rng.uniform(-2, 2), s2 * rng.uniform(0.4, 2.5)
        expr = penalty(name, prior=(float(m2), float(s2))).expr
        want = GENERAL_QUADRATURE[name](*(mp.mpf(float(x)) for x in (m1, s1, m2, s2)))
        assert _value(expr, {mu: m1, sigma: s1}) == pytest.approx(want, rel=RTOL)


def _textbook(name, m, s, a, b):
    """Closed forms against N(a, b^2) (Pardo 2006 for the KL; Givens & Shortt 1984 for W2; the Bhattacharyya
    coefficient of two normals), in mpmath; jeffreys = KL both ways, reverse_kl with the two exchanged."""
    def kl(m1, s1, m2, s2):
        return mp.log(s2 / s1) + (s1**2 + (m1 - m2)**2) / (2 * s2**2) - mp.mpf(1) / 2
    bc = mp.sqrt(2 * s * b / (s**2 + b**2)) * mp.exp(-(m - a)**2 / (4 * (s**2 + b**2)))
    return {"kl": lambda: kl(m, s, a, b), "reverse_kl": lambda: kl(a, b, m, s),
            "jeffreys": lambda: kl(m, s, a, b) + kl(a, b, m, s), "w2_squared": lambda: (m - a)**2 + (s - b)**2,
            "hellinger_squared": lambda: 1 - bc, "bhattacharyya": lambda: -mp.log(bc)}[name]()


def _textbook_sympy(name, m, s, a, b):
    """The same closed forms in sympy, to be differentiated by sympy."""
    def kl(m1, s1, m2, s2):
        return sp.log(s2 / s1) + (s1**2 + (m1 - m2)**2) / (2 * s2**2) - sp.Rational(1, 2)
    bc = sp.sqrt(2 * s * b / (s**2 + b**2)) * sp.exp(-(m - a)**2 / (4 * (s**2 + b**2)))
    return {"kl": kl(m, s, a, b), "reverse_kl": kl(a, b, m, s), "jeffreys": kl(m, s, a, b) + kl(a, b, m, s),
            "w2_squared": (m - a)**2 + (s - b)**2, "hellinger_squared": 1 - bc, "bhattacharyya": -sp.log(bc)}[name]


X_OF_SIGMA = {"std": lambda s: s, "var": lambda s: s**2, "logstd": sp.log, "logvar": lambda s: 2 * sp.log(s)}


@functools.cache
def _truth_with_bound(name, prior, param):
    """Functions (value, d/dmu, d/dx, d2/dmu2, d2/dmu dx, d2/dx2) of (mu, x), x the variable of ``param``, from the
    textbook form by sympy in mpmath, each with the error that relative roundings of 4e-16 in mu - mu_p and in x cause
    (first order): the kernels take (mu - mu_p)/sigma_p and sigma/sigma_p, each rounded once."""
    a, b = (sp.nsimplify(str(c)) for c in prior)
    m, x = sp.Symbol("m", real=True), sp.Symbol("x", real=True)
    sig = {"std": x, "var": sp.sqrt(x), "logstd": sp.exp(x), "logvar": sp.exp(x / 2)}[param]
    f = _textbook_sympy(name, m, sig, a, b)
    dx_scale = sp.Abs(x) if param in ("std", "var") else sp.Abs(x - X_OF_SIGMA[param](b))  # the rounded quantity
    out = []
    for plane in (f, sp.diff(f, m), sp.diff(f, x), sp.diff(f, m, 2), sp.diff(f, m, x), sp.diff(f, x, 2)):
        bound = 4e-16 * (sp.Abs((m - a) * sp.diff(plane, m)) + dx_scale * sp.Abs(sp.diff(plane, x)))
        out.append(sp.lambdify((m, x), (plane, bound), "mpmath"))
    return out


PRIORS_FAR_OUT = [(10**8, 1), (50, 0.01), (-30000, 0.01), (0.1, 3), (2, 1e-10), (-1, 1e10)]


@pytest.mark.parametrize("prior", PRIORS_FAR_OUT)
def test_kernels_against_a_prior_are_right_to_the_rounding_of_the_frame(prior, rng):
    """Value, gradient and Hessian against the textbook forms (sympy, 80 digits) at the prior, next to it and at
    random points, to the error a 4e-16 rounding of (mu - mu_p)/sigma_p and sigma/sigma_p causes plus 1e-12 relative:
    the kernels are generated in the prior's frame (kl against N(50, 0.01^2) at the prior was -8.9e-16,
    bhattacharyya -1.9e-17: negative divergences; kl against N(0, 3^2) at sigma = 3(1 + 1e-8) 2.2e-16 for 1.0e-16)."""
    a, b = prior
    unit = np.concatenate([[0.0, 1.0, 1e-9, 0.0, 0.0, 3.0, 1e100], rng.normal(size=6)])
    scale = np.concatenate([[1.0, 2.0, 1.0, 1 + 1e-8, 1 - 1e-6, 1e-3, 1e-100], np.exp(rng.normal(size=6))])
    m, s = a + b * unit, b * scale
    for name in sorted(GENERAL_QUADRATURE):
        got = evaluate(name, m, s, prior=prior, what=("value", "grad", "hess"))
        _assert_within(name, prior, "std", m, s, (got[0], *got[1], *got[2]))


@pytest.mark.parametrize("prior", [(2, 1e-10), (-1, 1e10)])
def test_points_whose_frame_leaves_float64_are_right(prior):
    """Where sigma/sigma_p overflows or underflows, (mu - mu_p)/sigma_p overflows, or a derivative in the frame
    overflows though the one in (mu, sigma) does not (d/dt of w2_squared against N(-1, 1e10^2) at sigma = 1e300 is
    2e310), the kernel in (mu - mu_p, sigma) gives the point: finite truths finite, +-inf where the truth overflows."""
    a, b = prior
    far_m, far_s = np.array([a + 1e200 * b, a - 1e150, 2.0 * a]), np.array([1e300, 1e-300, 1e200 * b])
    m, s = np.concatenate([far_m, far_m]), np.concatenate([far_s, far_s[::-1]])
    for name in ("kl", "reverse_kl", "w2_squared"):
        _assert_within(name, prior, "std", m, s, _evaluate_and_grid(name, m, s, prior))


@pytest.mark.parametrize(("name", "prior", "mu0", "sigma0"), [
    ("w2_squared", (0, 1e10), 1e-300, 1e10 + 0.01), ("kl", (0, 0.01), 1e-310, 0.01),
    ("bhattacharyya", (0, 0.01), 1e-310, 0.01), ("hellinger_squared", (0, 1e-10), 5e-324, 1e-10),
    ("reverse_kl", (0, 1e10), 5e-324, 9999999999.99), ("kl", (0, 1e10), 1e-300, 9999999900.0),
    ("kl", (0, 3), 3e-308, 3.00000003), ("bhattacharyya", (-3, 0.01), -3.0000000000000036, 1e-300)])
def test_a_subnormal_offset_from_the_prior_stays_in_the_frame(name, prior, mu0, sigma0):
    # review helper-104: a subnormal (mu - mu_p)/sigma_p, or a subnormal plane in the frame, sent the point to the
    # kernel in (mu - mu_p, sigma), which cancels next to the prior: kl against N(0, 0.01^2) at (1e-310, 0.01) was
    # -8.9e-16, w2_squared against N(0, 1e20) at (1e-300, 1e10 + 0.01) 22204.46 for 1.0000458e-4
    got = evaluate(name, np.array([mu0]), np.array([sigma0]), prior=prior, what=("value", "grad", "hess"))
    _assert_within(name, prior, "std", np.array([mu0]), np.array([sigma0]), (got[0], *got[1], *got[2]))


def test_a_prior_whose_kernel_float64_cannot_hold_is_named():
    # review helper-104: the kernel in (mu - mu_p, sigma), needed where sigma/sigma_p underflows, has 1/(2 sigma_p^2)
    # = 5e-321 against N(0, 1e320): the error named "the penalty" and said to rescale it
    with pytest.raises(ValueError, match=r"prior: against N\(0, .*float64"):
        evaluate("kl", 0.0, 1e-150, prior=(0, 10**160))
    assert float(evaluate("kl", 0.0, 10.0**160, prior=(0, 10**160))) == 0.0  # in the frame: no such kernel needed


@pytest.mark.parametrize("param", ["var", "logstd", "logvar"])
def test_kernels_against_a_prior_in_every_parametrisation(param):
    """As above for x = v, log sigma, log sigma^2: in the frame x/sigma_p^2, x - log sigma_p, x - 2 log sigma_p, and
    the derivatives taken back to x."""
    for prior in ((50, 0.01), (-1, 1e10)):
        a, b = prior
        m = a + b * np.array([0.0, 1e-9, 1.0, -2.0, 1e100])
        s = b * np.array([1.0, 1 + 1e-8, 0.5, 3.0, 1e-100])
        x = {"var": s**2, "logstd": np.log(s), "logvar": 2 * np.log(s)}[param]
        for name in ("kl", "reverse_kl", "w2_squared"):
            got = evaluate(name, m, x, prior=prior, what=("value", "grad", "hess"), param=param)
            _assert_within(name, prior, param, m, x, (got[0], *got[1], *got[2]))


def _evaluate_and_grid(name, m, s, prior) -> tuple:
    """The six planes at the points (m[i], s[i]) from ``evaluate``, after checking that ``grid``'s diagonal gives the
    same bits (its own route: the parallel loop past PARALLEL_POINTS, the frame's rows and columns)."""
    what = ("value", "grad", "hess")
    got = evaluate(name, m, s, prior=prior, what=what)
    planes = np.vstack([got[0][None], got[1], got[2]])
    reps = max(1, int(np.ceil(np.sqrt(PARALLEL_POINTS) / m.size)))  # a grid large enough for the parallel loop
    gm, gs = np.tile(m, reps), np.tile(s, reps)
    on_grid = grid(name, gm, gs, prior=prior, what=what)
    diagonal = np.vstack([on_grid[0][None], on_grid[1], on_grid[2]])[:, np.arange(m.size), np.arange(m.size)]
    np.testing.assert_array_equal(diagonal, planes)
    return tuple(planes)


def _assert_within(name, prior, param, m, x, planes):
    for i in range(m.size):
        # a subnormal (mu - mu_p)/sigma_p carries float64's precision there into the planes it enters (README)
        frame_m = abs((m[i] - prior[0]) / prior[1])
        rel = 1e-12 + (2.5e-324 / frame_m if 0 < frame_m < sys.float_info.min else 0.0)
        for k, truth in enumerate(_truth_with_bound(name, prior, param)):
            with mp.workdps(80):
                w, bound = truth(mp.mpf(float(m[i])), mp.mpf(float(x[i])))
            got = planes[k][i]
            if abs(w) > sys.float_info.max:
                assert got == (np.inf if w > 0 else -np.inf), (name, prior, param, m[i], x[i], k, got, w)
                continue
            assert np.isfinite(got) and abs(got - float(w)) <= rel * abs(w) + bound + 1e-60, \
                (name, prior, param, m[i], x[i], k, got, float(w), float(bound))


def test_the_shift_to_the_prior_mean_is_right_next_to_it():
    # mu - mu_p with mu_p = 1/10 not a float: the difference is taken with mu_p as two floats; truth by fractions
    from fractions import Fraction

    from vaemath.kernels.frame import Frame
    for centre in (sp.Rational(1, 10), sp.pi, sp.Rational(-10**8, 3)):
        near = float(centre)
        for x in (near, np.nextafter(near, np.inf), 1e300, -2.5):
            exact = Fraction(x) - Fraction(str(sp.N(centre, 60)))
            got = Frame(centre, sp.S.One, "std").shifted(np.array([x]))[0]
            assert got == pytest.approx(float(exact), rel=1e-15, abs=1e-320)


def test_kl_between_two_given_normals_is_exact():
    """KL(N(5, 3^2) || N(10, 4^2)) = log(4/3) + (9 + 25)/32 - 1/2, from the textbook formula."""
    want = sp.log(sp.Rational(4, 3)) + sp.Rational(34, 32) - sp.Rational(1, 2)
    assert sp.simplify(penalty("kl", prior=(10, 4)).expr.subs({mu: 5, sigma: 3}) - want) == 0
    assert penalty("kl", prior=(10, 4)).name == "kl against N(10, 4**2)"
    text = penalty("log(sigma_p/sigma) + (sigma**2 + (mu - mu_p)**2)/(2*sigma_p**2) - 1/2", prior=(10, 4))
    assert sp.simplify(text.expr.subs({mu: 5, sigma: 3}) - want) == 0
    assert float(evaluate("kl", 5.0, 3.0, prior=(10, 4))) == pytest.approx(float(want), rel=1e-15)


def test_prior_is_refused_where_there_is_no_general_form():
    for text in ("quadratic", "fisher_rao_squared", "kl_taylor2", "renyi(2)", "2*quadratic + kl"):
        with pytest.raises(ValueError, match="prior"):
            penalty(text, prior=(1, 2))
    assert penalty("quadratic", prior=(0, 1)) is catalogue()["quadratic"]  # N(0, 1) is no change


def test_a_prior_the_penalty_does_not_refer_to_is_refused_unless_optional():
    """Text naming neither mu_p, sigma_p nor an entry with a general form is unchanged by a prior (review r8n B4)."""
    from vaemath.analysis.equivalence import check

    for text in ("mu**2 + sigma", "mu**2 + (sigma - 1)**2 + log(sigma)"):
        with pytest.raises(ValueError, match="names neither mu_p, sigma_p"):
            penalty(text, prior=(1, 2))
        with pytest.raises(ValueError, match="names neither mu_p, sigma_p"):
            penalty(sp.sympify(text, locals={"mu": mu, "sigma": sigma}), prior=(1, 2))
        assert penalty(text, prior=(1, 2), prior_optional=True).name == text  # no "against N(1, 2**2)" in its name
    # each way of referring to the prior: mu_p, sigma_p, an entry with a general form inside the text
    assert penalty("(mu - mu_p)**2", prior=(1, 2)).expr == (mu - 1) ** 2
    assert penalty("log(sigma_p) + mu**2", prior=(1, 2)).expr == mu**2 + sp.log(2)
    by_hand = sp.log(2 / sigma) + (sigma**2 + (mu - 1) ** 2) / 8 - sp.Rational(1, 2) + mu**2
    assert sp.simplify(penalty("kl + mu**2", prior=(1, 2)).expr - by_hand) == 0
    # check: one of the two penalties referring to the prior is enough
    verdict = check("(mu - 1)**2 + (sigma - 2)**2", "kl", prior=(1, 2))
    assert verdict.minimizer["reference"].point == verdict.minimizer["candidate"].point == {mu: 1, sigma: 2}
    with pytest.raises(ValueError, match="neither"):
        check("mu**2", "mu**2 + sigma**2", prior=(1, 2))


@pytest.mark.parametrize("text, a", [("renyi(2)", 2), ("renyi(1/2)", 0.5), ("renyi(0.5)", 0.5), (" renyi( 3 ) ", 3)])
def test_get_accepts_renyi_of_a_number_as_documented(text, a):
    from vaemath.symbolic.divergences import get

    entry = get(text)
    m, s = mp.mpf("0.4"), mp.mpf("0.8")
    assert _value(entry.expr, {mu: m, sigma: s}) == pytest.approx(_renyi_quad(mp.mpf(a), m, s), rel=RTOL)


@pytest.mark.parametrize("text, match", [("renyi(1)", "alpha"), ("renyi(x)", "name"), ("renyi(-2)", "name"),
                                         ("nope", "name")])
def test_get_refuses_other_names_naming_the_argument(text, match):
    from vaemath.symbolic.divergences import get

    with pytest.raises(ValueError, match=match):
        get(text)


def test_the_catalogue_is_one_table_of_named_entries():
    """The names the README's catalogue table lists, each entry named by its key, the general-prior forms the six
    with a closed form against N(mu_p, sigma_p^2) (README, "A general prior"); NAMES is known without building it."""
    from vaemath.symbolic import divergences

    general = {"kl", "reverse_kl", "jeffreys", "w2_squared", "hellinger_squared", "bhattacharyya"}
    assert set(divergences.NAMES) == general | {"fisher_rao_squared", "quadratic", "kl_taylor2"}
    assert tuple(catalogue()) == divergences.NAMES and len(catalogue()) == 9
    assert all(catalogue()[name].name == name for name in divergences.NAMES)
    assert {name for name, e in catalogue().items() if e.general is not None} == general
    with pytest.raises(KeyError):
        catalogue()["renyi(2)"]  # a family, not an entry: get("renyi(2)") gives it


def test_prior_label_parenthesises_sigma_p():
    from vaemath.symbolic.prior import check_prior, label

    text = label("kl", check_prior((0.1, 0.3)))
    assert text == "kl against N(1/10, (3/10)**2)" and label("kl", check_prior((5, 3))) == "kl against N(5, 3**2)"
    # independent: the printed variance read back by sympy is 9/100, not 3/100
    assert sp.sympify(text.split(", ")[1].rstrip(")")) == sp.Rational(9, 100)


def test_catalogue_entries_are_identified_against_the_same_prior():
    from vaemath.analysis.equivalence import identified_as

    cand = penalty("2*kl + 1", prior=(5, 3)).expr
    assert identified_as(cand, prior=(5, 3)) == ["kl against N(5, 3**2)"]
    assert identified_as(cand) == []  # not the KL against N(0, 1)


def test_a_numpy_float_prior_is_read_by_its_own_shortest_repr():
    # review helper-102: np.float32(0.1) was read as 2500000037252903/25000000000000000 (its float64 value's repr)
    from vaemath.symbolic.prior import check_prior
    assert check_prior((np.float32(0.1), np.float16(3))) == (sp.Rational(1, 10), 3)
    assert check_prior((np.float64(0.1), np.float32(2.5e-8))) == (sp.Rational(1, 10), sp.Rational(1, 40000000))
    # review helper-104: a sympy Float was kept inexact (the prior named N(0.100000000000000, 3**2))
    assert check_prior((sp.Float("0.1"), sp.Float("2.5e-8", 30))) == (sp.Rational(1, 10), sp.Rational(1, 40000000))
