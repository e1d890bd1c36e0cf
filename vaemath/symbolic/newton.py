"""Newton's method at high precision from a float64 minimum of the numeric search: the false minimum a valley float64
cannot see descend is rejected (:func:`newton_escapes`), a true one float64 stops short of is reached
(:func:`polished`), and its order of growth is read (:func:`float_order`)."""

from __future__ import annotations

import time

import mpmath
import sympy as sp

from vaemath.symbolic.symbols import mu, sigma


def _exp(x):
    """mpmath's exp, refusing (OverflowError) an argument of more than 2^16 bits in size: mpmath first computes e to
    about that many bits times 1.45, so exp(exp(exp(1/sigma))) at sigma = e^-1000 (an argument of 2^(10^434)) ran for
    minutes; a value past e^(2^65536) is +-oo or 0 for every use here."""
    if mpmath.mag(x) > 2**16:
        raise OverflowError(f"exp of an argument of magnitude 2^{mpmath.mag(x)}")
    return mpmath.exp(x)


MPMATH = [{"exp": _exp}, "mpmath"]  # lambdify's modules for values far out: mpmath with a bounded exp


def scale_digits(s) -> int:
    """Working digits to add at sigma = s far from 1: 2 |log10 s|, so that a term that a sum rounds away to first or
    second order in 1/sigma (sigma*log(1 + 1/sigma) = 1 - 1/(2 sigma) + ..., whose 1 + 1/sigma is 1 at 40 digits for
    sigma > 1e40, review r8k B1) keeps the working precision it has near sigma = 1."""
    try:
        return 2 * int(mpmath.ceil(abs(mpmath.log10(mpmath.mpf(s)))))
    except (TypeError, ValueError, ArithmeticError):
        return 0


def _value_and_derivatives(e: sp.Expr) -> tuple:
    """mpmath functions of (mu, sigma): e, and ((de/dmu, de/dsigma), (d2e/dmu2, d2e/dmu dsigma, d2e/dsigma2))."""
    g = [sp.diff(e, x) for x in (mu, sigma)]
    return (sp.lambdify((mu, sigma), x, "mpmath")
            for x in (e, [g, [sp.diff(g[0], mu), sp.diff(g[0], sigma), sp.diff(g[1], sigma)]]))


def newton_escapes(e: sp.Expr, point: dict) -> bool:
    """A numeric minimum that float64 only stopped at: from it, 30 damped Newton steps (Levenberg-Marquardt, each
    accepted only where the value falls) at 60 digits travel more than a hundredth of sigma (or of 1 + |mu|).
    (mu - sigma)**4 - tanh(sigma) + 2*exp(-sigma) is -1 in float64 from sigma ~ 40 on mu = sigma; at 60 digits it
    still falls by e^-sigma per unit step along mu = sigma (its infimum -1 is approached as sigma -> oo). From a
    minimum the steps stop within the search's own error (1e-8 relative; 1e-4 at a quartic one)."""
    xs = (mu, sigma)
    try:
        f, fn = _value_and_derivatives(e)
        with mpmath.workdps(60 + scale_digits(sp.N(point[sigma], 20))):
            m0, s0 = (mpmath.mpf(sp.N(point[x], 70 + scale_digits(sp.N(point[sigma], 20)))) for x in xs)
            m, s, here, lam = m0, s0, f(m0, s0), mpmath.mpf("1e-3")
            for _ in range(30):
                (gm, gs), (a, b, c) = fn(m, s)
                scale = max(abs(a), abs(c), mpmath.mpf(10) ** -60)
                for _ in range(40):  # raise the damping until the value falls (to a step of 1e-40 scale)
                    aa, cc = a + lam * scale, c + lam * scale
                    det = aa * cc - b * b
                    if det > 0:
                        dm, ds = -(cc * gm - b * gs) / det, -(aa * gs - b * gm) / det
                        there = f(m + dm, s + ds) if s + ds > 0 else mpmath.inf
                        if isinstance(there, mpmath.mpf) and there < here:
                            m, s, here, lam = m + dm, s + ds, there, lam / 10
                            break
                    lam *= 10
                else:
                    break
            return bool(abs(m - m0) > (1 + abs(m0)) / 100 or abs(s - s0) > s0 / 100)
    except (TypeError, ValueError, ZeroDivisionError, NameError, OverflowError):
        return False


POLISH_SECONDS = 1.5  # wall-clock limit of one high-precision descent from a float64 minimum
POLISH_DIGITS = (60, 120, 240)  # the descent's working precisions, raised where the values stop resolving a step


def polished(e: sp.Expr, m0: float, s0: float, seconds: float = POLISH_SECONDS) -> tuple | None:
    """The local minimiser that damped Newton steps (Levenberg-Marquardt, each accepted where the value does not
    rise) at 60 digits reach from a float64 minimum of the search at (m0, s0), as (mu, sigma) mpf numbers, or None
    when they do not converge within POLISH_SECONDS. The precision is doubled (to 240 digits) where the values no
    longer resolve a step. Converged: the Hessian there is positive definite and its undamped Newton step is below
    1e-20 of the scale, which holds at a minimum of any order (at distance d from one of order q, the step is
    d/(q - 1)) and never along a valley that keeps descending (there the step stays of the valley's own size).
    float64 stops short of such minima: mu**2 - tanh(sigma) + (sigma-40)**2/10**30 is -1 in float64 from sigma ~ 19
    on, its minimiser is at sigma = 40.0000361 (review r8j B1); (sigma + tanh(sigma) - 2)**8 is below 1e-104 within
    1e-5 of its zero (B3)."""
    try:
        f, fn = _value_and_derivatives(e)
    except (TypeError, ValueError, NameError, KeyError):
        return None
    start, digits = time.perf_counter(), [d + scale_digits(s0) for d in POLISH_DIGITS]

    def newton(m, s):  # the point one undamped Newton step from (m, s) and its value; None if the Hessian is not > 0
        (gm, gs), (a, b, c) = (list(map(real, v)) for v in fn(m, s))
        det = a * c - b * b
        if not (a > 0 and det > 0):
            return None
        m, s = m - (c * gm - b * gs) / det, s - (a * gs - b * gm) / det
        return (m, s, real(f(m, s))) if s > 0 else None

    def real(v):
        if isinstance(v, mpmath.mpc):
            return v.real if abs(v.imag) <= abs(v.real) * mpmath.eps * 100 else mpmath.nan
        return v
    try:
        with mpmath.workdps(digits.pop(0)):
            m, s = mpmath.mpf(m0), mpmath.mpf(s0)
            here, lam = real(f(m, s)), mpmath.mpf("1e-3")
            steps, sizes = 0, []
            while time.perf_counter() - start < seconds:
                (gm, gs), (a, b, c) = (list(map(real, v)) for v in fn(m, s))
                det = a * c - b * b
                if a > 0 and det > 0:  # the undamped Newton step: converged where it is below 1e-20 of the scale
                    dm, ds = -(c * gm - b * gs) / det, -(a * gs - b * gm) / det
                    size = max(abs(dm) / (1 + abs(m)), abs(ds) / s)
                    if size <= mpmath.mpf("1e-20"):
                        return m, s
                    sizes.append(size)
                elif abs(det) <= (abs(a * c) + b * b) * mpmath.mpf(10) ** (10 - mpmath.mp.dps) and digits:
                    mpmath.mp.dps = digits.pop(0)  # the determinant is lost in cancellation (a curved valley of
                    here = real(f(m, s))           # order 10 near its floor): more digits, the same point
                    continue
                steps += 1
                if steps % 100 == 0:  # no progress in 100 steps: a valley (steps of its own size), not a minimum
                    if len(sizes) < 50 or not min(sizes[-50:]) < max(sizes[:10]) / 10:
                        return None
                    sizes = sizes[-10:]
                # Marquardt's damping, each coordinate by its own curvature (mu**2 beside a sigma term of 1e-30)
                tiny = max(abs(a), abs(c), mpmath.mpf(10) ** -(2 * mpmath.mp.dps)) * mpmath.mpf(10) ** -mpmath.mp.dps
                da, dc = max(abs(a), tiny), max(abs(c), tiny)
                for k in range(61):  # the Newton step first, then more damping until the value does not rise
                    damp = 0 if k == 0 else lam
                    aa, cc = a + damp * da, c + damp * dc
                    det = aa * cc - b * b
                    if aa > 0 and det > 0:
                        dm, ds = -(cc * gm - b * gs) / det, -(aa * gs - b * gm) / det
                        there = real(f(m + dm, s + ds)) if s + ds > 0 else mpmath.inf
                        if k == 0 and not there < here:  # along a curved valley of order 10 the Newton step
                            back = newton(m + dm, s + ds)    # leaves the floor by more than it gains (damped steps
                            if back is not None and back[2] < here:  # crawl there): then a second Newton step
                                dm, ds, there = back[0] - m, back[1] - s, back[2]  # back onto the floor
                        if there < here or (there == here and damp <= mpmath.mpf("1e-3")):
                            m, s, here = m + dm, s + ds, there
                            lam = max(lam / 10, mpmath.mpf("1e-6")) if k else lam
                            break
                    if k:
                        lam *= 10
                else:
                    if not digits:
                        return None
                    mpmath.mp.dps, lam = digits.pop(0), mpmath.mpf("1e-3")  # restored by workdps on leaving
                    here = real(f(m, s))
    except (TypeError, ValueError, ZeroDivisionError, NameError, OverflowError, AttributeError):
        return None
    return None


def float_order(e: sp.Expr, at: tuple) -> list | None:
    """The orders of growth at the numeric minimiser ``at`` (mpf mu, sigma) along the eigenvectors w of its Hessian
    with the coordinates scaled by (1 + |mu|, sigma) (the flat direction is the Hessian's own), as (order,
    eigenvalue, w in (mu, sigma)) per direction: log2 of (f(p + 2 t w) - f(p)) / (f(p + t w) - f(p)) at t = 1e-4,
    1e-5 and 1e-6 on both sides (120 digits), the same integer >= 2 each time, and the values rise along 32 rays at
    1e-5; None when the orders differ (mu**2 +
    (sigma-1)**2/10**12 + (sigma-1)**4 reads 4 at 1e-4, 3.3 at 1e-6) or the values do not rise (not a minimum).
    (sigma + tanh(sigma) - 2)**8 + mu**2: 2 along mu, 8 along sigma."""
    try:
        f = sp.lambdify((mu, sigma), e, "mpmath")
        hs = sp.lambdify((mu, sigma), [sp.diff(e, mu, 2), sp.diff(e, mu, sigma), sp.diff(e, sigma, 2)], "mpmath")
        with mpmath.workdps(120 + scale_digits(at[1])):
            m, s = at
            a, b, c = (mpmath.re(v) for v in hs(m, s))
            u = (1 + abs(m), s)
            eig, vec = mpmath.eigsy(mpmath.matrix([[a * u[0] ** 2, b * u[0] * u[1]], [b * u[0] * u[1], c * u[1] ** 2]]))
            f0, out = mpmath.re(f(m, s)), []
            for k in range(2):
                w, orders = (vec[0, k] * u[0], vec[1, k] * u[1]), set()
                for t in (mpmath.mpf("1e-4"), mpmath.mpf("1e-5"), mpmath.mpf("1e-6")):
                    for side in (1, -1):
                        near, far = (mpmath.re(f(m + j * side * t * w[0], s + j * side * t * w[1])) - f0
                                     for j in (1, 2))
                        if not (near > 0 and far > 0):
                            return None
                        q = mpmath.log(far / near, 2)
                        if abs(q - mpmath.nint(q)) > mpmath.mpf("0.05"):
                            return None
                        orders.add(int(mpmath.nint(q)))
                if len(orders) != 1 or min(orders) < 2:
                    return None
                out.append((orders.pop(), eig[k], (w[0] / u[0] ** 2, w[1] / u[1] ** 2)))
            t = mpmath.mpf("1e-5")  # and the values rise along 32 rays between them (a minimum, not a saddle)
            for j in range(32):
                a = 2 * mpmath.pi * j / 32
                if not mpmath.re(f(m + t * u[0] * mpmath.cos(a), s + t * u[1] * mpmath.sin(a))) > f0:
                    return None
            return out
    except (TypeError, ValueError, ZeroDivisionError, NameError, KeyError, ArithmeticError):
        return None


def singular_part_dropped(pieces: list, at: tuple = (0, 1)) -> sp.Matrix:
    """The Hessian at a numeric minimiser from :func:`float_order`'s directions: the sum of lambda z z^T over those
    of order 2 only (H = sum lambda z z^T, z = D^-1 v for the eigenvectors v of D H D), so that its part along a
    direction of higher order, the reading's error (1e-112 for (sigma + tanh(sigma) - 2)**8 at 1e-20 from its
    minimiser), is 0; entries below 1e-30 of the largest shown as 0. (A direction whose quadratic term is hidden at
    the distances measured by a quartic one is counted of order 4: (mu-sigma)**4 - tanh(sigma) + 2*exp(-sigma) +
    (sigma-40)**2/10**30 at its minimiser near sigma = 65.8, where d2/dsigma2 is 3e-28.) The entries are compared in
    the coordinates scaled by (1 + |mu|, sigma) at the minimiser ``at`` (mu, sigma): at sigma = e^100, d2/dsigma2 is
    5e-90 beside d2/dmu2 = 2, of the same size once multiplied by sigma^2 (review r8k B1)."""
    kept = sp.zeros(2, 2)
    with mpmath.workdps(100):
        for q, lam, z in pieces:
            if q == 2:
                col = sp.Matrix([sp.Float(x, 40) for x in z])
                kept += sp.Float(lam, 40) * col * col.T
        u = [sp.Float(1 + abs(at[0]), 40), sp.Float(at[1], 40)]
    scaled = sp.Matrix(2, 2, lambda i, j: abs(kept[i, j]) * u[i] * u[j])
    big = max(scaled, default=0)
    return sp.Matrix(2, 2, lambda i, j: sp.S.Zero if scaled[i, j] <= big * sp.Float("1e-30") else
                     sp.Float(kept[i, j], 15))
