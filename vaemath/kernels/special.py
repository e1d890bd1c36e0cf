"""Accurate special functions for generated kernels, as numba ``njit`` scalar functions.

Each removes a cancellation that ``log1p``/``expm1`` alone leave: x - log1p(x) and expm1(x) - x are
O(x^2) near 0 while their terms are O(x).
"""

import math

import numba as nb
import numpy as np

# the functions the code printer writes (not sympy functions of the rewrite table)
PRINTED = ("chorner", "claurent", "croot", "ddcoef_hi", "ddcoef_lo", "ddhorner", "expmul", "lglo", "lgsum",
           "log1p_or_log", "loghyp1p", "lograt", "logscaled", "xmlog1p_or_log")
_EPS = 2.0**-53
# series coefficients as products, not divisions: a division per term was a third of a KL gradient kernel's time
_ODD = np.array([1.0 / k for k in range(3, 125, 2)])  # 1/3, 1/5, ...: enough for |u| <= 0.54 (x in [-0.7, 1])
# fixed-length Horner sums (no per-term convergence test, whose branch cost more than the terms it saved):
# u^2 <= 1/9 needs 18 odd terms, u^2 <= 0.2916 needs 32, |x| < 0.5 needs 1/2! .. 1/16! (each last term < 2^-56)
_ODD_NEAR, _ODD_FAR = _ODD[:18][::-1].copy(), _ODD[:32][::-1].copy()
_ODD_WIDE = _ODD[:44][::-1].copy()  # u^2 <= 0.36 (|u| <= 0.6): 0.36^44 / 89 < 2^-71
_INV_FACT = np.array([1.0 / math.factorial(k) for k in range(16, 1, -1)])  # 1/16!, ..., 1/2!


@nb.njit(cache=True, inline="always", error_model="numpy")
def _horner(c, z):
    acc = 0.0
    for k in range(c.shape[0]):
        acc = acc * z + c[k]
    return acc


@nb.njit(cache=True, inline="always", error_model="numpy")
def xmlog1p(x):
    """x - log1p(x) for x > -1, accurate to a few ulp; 0 <= result.

    For -0.7 <= x <= 1 uses log1p(x) = 2 atanh(u), u = x / (2 + x), so that
    x - log1p(x) = x u - 2 (u^3/3 + u^5/5 + ...), a sum without cancellation.
    """
    if x < -0.7 or x > 1.0:
        return x - math.log1p(x)
    u = x / (2.0 + x)
    u2 = u * u
    return x * u - 2.0 * (u * u2) * _horner(_ODD_NEAR if u2 <= 1.0 / 9.0 else _ODD_FAR, u2)


@nb.njit(cache=True, inline="always", error_model="numpy")
def expm1mx(x):
    """expm1(x) - x, accurate to a few ulp: the Taylor series x^2/2 + x^3/6 + ... for |x| < 0.5."""
    if abs(x) >= 0.5:
        return math.expm1(x) - x
    return x * x * _horner(_INV_FACT, x)


@nb.njit(cache=True, error_model="numpy")  # LLVM inlines it; numba-level inlining of ~200 sites took minutes
def mul0(a, b):
    """a b, but 0 when a == 0 even if b is infinite: (mu / sigma)^2 is 0 at mu = 0 for every sigma."""
    return 0.0 if a == 0.0 else a * b


@nb.njit(cache=True, inline="always", error_model="numpy")
def acoshexp(x):
    """acosh(exp(x)) for x >= 0: x + log1p(sqrt(-expm1(-2 x))), finite wherever x is."""
    return x + math.log1p(math.sqrt(-math.expm1(-2.0 * x)))



@nb.njit(cache=True, error_model="numpy")
def rootpow(x, p, q):
    """x^(p/q) for x > 0, p/q in lowest terms, q not a power of 2: pow with the exponent p/q rounded is off by
    |log x| ulps (300 at x = 1e300 for -1/3); one Newton step on r^q x^-p = 1 brings it to about 1 ulp. The
    residual's product is taken one factor at a time toward 1, so it stays in range for every float64 x."""
    r = x ** (p / q)
    if not (x > 0.0 and 0.0 < r < math.inf):
        return r
    acc, nr, nx = 1.0, q, abs(p)
    while nr > 0 or nx > 0:
        x_grows = (x > 1.0) == (p < 0)  # the x step multiplies acc by x (p < 0) or divides it (p > 0)
        if nx > 0 and (nr == 0 or (acc < 1.0) == x_grows):
            acc = acc * x if p < 0 else acc / x
            nx -= 1
        else:
            acc *= r
            nr -= 1
    return r - r * (acc - 1.0) / q


def _acosh_square_series(terms: int = 90) -> tuple:
    """Taylor coefficients at y = 0 of q(y) = acosh(1 + y)^2 = sum a_n y^n (a_1 = 2, a_(m+1) = -m^2 a_m /
    ((m + 1)(2m + 1)), from the ODE y (y + 2) q'' + (1 + y) q' = 2), as those of q' and q'' (radius 2)."""
    a = [0.0, 2.0]
    for m in range(1, terms + 2):
        a.append(-m * m * a[m] / ((m + 1) * (2 * m + 1)))
    return (np.array([(k + 1) * a[k + 1] for k in range(terms)]),
            np.array([(k + 2) * (k + 1) * a[k + 2] for k in range(terms)]))


_Q1, _Q2 = _acosh_square_series()
_SERIES_Y = 1.0  # below, q' and q'' from their series (at most ~70 terms); above, closed forms


@nb.njit(cache=True, inline="always", error_model="numpy")
def _series(c, y):
    acc, term = c[0], 1.0
    for k in range(1, c.shape[0]):
        term *= y
        add = c[k] * term
        acc += add
        if abs(add) <= _EPS * abs(acc):
            break
    return acc


@nb.njit(cache=True, error_model="numpy")
def acoshsq(y):
    """acosh(1 + y)^2 for y >= 0, as (2 asinh(sqrt(y / 2)))^2: no cancellation at small y, no overflow of y^2."""
    a = 2.0 * math.asinh(math.sqrt(0.5 * y))
    return a * a


@nb.njit(cache=True, error_model="numpy")
def acoshsq1(y):
    """d/dy acosh(1 + y)^2 = 2 acosh(1 + y) / sqrt(y (y + 2)) for y >= 0: 2 at y = 0 (series below 1)."""
    if y < _SERIES_Y:
        return _series(_Q1, y)
    return 4.0 * math.asinh(math.sqrt(0.5 * y)) / math.sqrt(y) / math.sqrt(y + 2.0)


@nb.njit(cache=True, error_model="numpy")
def acoshsq2(y):
    """(1 + y)^2 d2/dy2 acosh(1 + y)^2 for y >= 0: -2/3 at y = 0 (series below 1), about -2 log(2 y) for large y,
    so that it stays in range where the second derivative itself underflows (y = 1e300)."""
    if y < _SERIES_Y:
        return (1.0 + y) * (1.0 + y) * _series(_Q2, y)
    return (2.0 - (1.0 + y) * acoshsq1(y)) / y * ((1.0 + y) / (y + 2.0)) * (1.0 + y)


# --- Scaled products: mantissa and binary exponent per factor (vaemath.kernels.scaled) ------------------------------
# A product c mu^n F(sigma) whose factors leave the float64 range where the product does not (1e-200 mu^2 exp(2 s) at
# mu = 1e150, s = 350) is computed as ldexpf(m_1 ... m_k, e_1 + ... + e_k), each factor f_i = m_i 2^e_i with m_i
# near 1 computed in its own stage (per mu, per sigma), the binary exponents summed exactly as floats.
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of log(2): k * _LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10
_HUGE_EXP = 2.0**18  # a binary exponent no product of a kernel's factors can bring back into range
_COSH_FAR = 20.0  # above, cosh(x) = e^|x| / 2 to within e^-40 < 2^-56 relative


@nb.njit(cache=True, error_model="numpy")
def fman(x):
    """Mantissa of x = m 2^e, 0.5 <= |m| < 1 (0 for 0, +-1 for +-inf, NaN for NaN)."""
    if math.isinf(x):
        return math.copysign(1.0, x)
    return math.frexp(x)[0]


@nb.njit(cache=True, error_model="numpy")
def fexp(x):
    """Binary exponent of x = m 2^e as a float (2^18 for +-inf: beyond every finite product; 0 for 0 and NaN)."""
    if math.isinf(x):
        return _HUGE_EXP
    if x != x:
        return 0.0
    return float(math.frexp(x)[1])


@nb.njit(cache=True, error_model="numpy")
def _exp_k(x):
    """The integer nearest x / log(2), as a float, clamped to +-2^18."""
    if not abs(x) < _HUGE_EXP * 0.5:
        return math.copysign(_HUGE_EXP, x) if x == x else 0.0
    return math.floor(x * 1.4426950408889634 + 0.5)


@nb.njit(cache=True, error_model="numpy")
def expman(x):
    """m of exp(x) = m 2^k, k = round(x / log 2), m in [0.7, 1.42], to about 1 ulp for every x (exp(x - k log 2)
    with the reduction exact: Cody and Waite's split of log 2); 1 where |x| >= 2^17 (the exponent says inf or 0)."""
    k = _exp_k(x)
    if abs(k) >= _HUGE_EXP:
        return 1.0
    return math.exp((x - k * _LN2_HI) - k * _LN2_LO)


@nb.njit(cache=True, error_model="numpy")
def expexp(x):
    """k of exp(x) = m 2^k (:func:`expman`)."""
    return _exp_k(x)


@nb.njit(cache=True, error_model="numpy")
def expexpw(x):
    """k of exp(x) = m 2^k for an exp of mu beside a sum of powers of mu (exp(-mu^2) (4 mu^2 - 2)): as :func:`expexp`,
    but +-2^22 where that is clamped, so that it outweighs the exponent 2^18 of a factor that overflows beside it
    (4 mu^2 - 2 = inf at mu = 1e200, where exp(-mu^2) (4 mu^2 - 2) is 0)."""
    k = _exp_k(x)
    return k * 16.0 if abs(k) >= _HUGE_EXP else k


@nb.njit(cache=True, error_model="numpy")
def coshman(x):
    """m of cosh(x) = m 2^e: frexp of cosh(x) for |x| < 20, else of e^|x| / 2 (:func:`expman`)."""
    if abs(x) < _COSH_FAR:
        return math.frexp(math.cosh(x))[0]
    return expman(abs(x))


@nb.njit(cache=True, error_model="numpy")
def coshexp(x):
    if abs(x) < _COSH_FAR:
        return float(math.frexp(math.cosh(x))[1])
    return expexp(abs(x)) - 1.0


@nb.njit(cache=True, error_model="numpy")
def sinhman(x):
    """m of sinh(x) = m 2^e: frexp of sinh(x) for |x| < 20, else of sign(x) e^|x| / 2."""
    if abs(x) < _COSH_FAR:
        return math.frexp(math.sinh(x))[0]
    return math.copysign(expman(abs(x)), x)


@nb.njit(cache=True, error_model="numpy")
def sinhexp(x):
    if abs(x) < _COSH_FAR:
        return float(math.frexp(math.sinh(x))[1])
    return expexp(abs(x)) - 1.0


@nb.njit(cache=True, error_model="numpy")
def powman(x, p, q):
    """m of x^(p/q) = m 2^(a p) for x > 0 (x = f 2^e, e = a q + b, 0 <= b < q, m = (f 2^b)^(p/q)): in range for
    every float64 x, where x^(p/q) itself may not be (sigma^(5/2) at sigma = 1e200)."""
    f, e = math.frexp(x)
    if math.isinf(x) or x != x or x <= 0.0:
        return x ** (p / q)
    b = e % q
    y = math.ldexp(f, b)
    if q & (q - 1) == 0:
        return y ** (p / q)
    return rootpow(y, p, q)


@nb.njit(cache=True, error_model="numpy")
def powexp(x, p, q):
    """a p of x^(p/q) = m 2^(a p) (:func:`powman`)."""
    if math.isinf(x):
        return math.copysign(_HUGE_EXP, p)
    if x != x or x <= 0.0:
        return 0.0
    e = math.frexp(x)[1]
    return float((e - e % q) // q * p)


_POW2_MAX = 1023
_POW2 = np.array([math.ldexp(1.0, k) for k in range(-_POW2_MAX, _POW2_MAX + 1)])  # 2^k, k in [-1023, 1023], exact


@nb.njit(cache=True, error_model="numpy")
def ldexpf(m, e):
    """m 2^e for a float e holding an integer, as (m 2^h) 2^(e - h), h = floor(e / 2), both powers exact from a
    table (a libm ldexp per point made grids 6x slower): for |m| near 1 the first product lies halfway between m and
    the result, so it neither overflows nor underflows unless the result does, and the second rounds once (to a
    denormal, 0 or inf only where the product is one). |e| is clamped to 2046, beyond every finite result."""
    if not abs(e) <= 2.0 * _POW2_MAX:
        if e != e:
            return math.nan
        e = math.copysign(2.0 * _POW2_MAX, e)
    h = math.floor(0.5 * e)
    return m * _POW2[int(h) + _POW2_MAX] * _POW2[int(e - h) + _POW2_MAX]


_SPLIT = 134217729.0  # 2^27 + 1: Veltkamp's split of a float64 into two halves of 26 bits


@nb.njit(cache=True, error_model="numpy")
def _two_product_error(a, b, p):
    """a b - p exactly, for p = fl(a b) (Dekker 1971, with Veltkamp's split; no fma in numba's math)."""
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl


@nb.njit(cache=True, error_model="numpy")
def expmul(ch, cl, x):
    """exp(c x) for a constant c = ch + cl (its float64 value and the rest), to about 1 ulp: exp(fl(c x)) is off by
    |c x| ulp, the error of the rounded exponent (exp(2.5 s) at s = 230.3: 60 ulp); here c x = h + l to 106 bits
    and exp(c x) = exp(h) (1 + l). Where |h| > 746 the product is inf or 0 whatever l is."""
    h = ch * x
    if not (abs(h) <= 746.0 and abs(x) < 1e290 and abs(ch) < 1e290):
        return math.exp(h)
    e = math.exp(h)
    return e if e == math.inf else e + e * (_two_product_error(ch, x, h) + cl * x)


@nb.njit(cache=True, error_model="numpy")
def chorner(x, c):
    """The polynomial c[0] x^n + ... + c[n] at x by the compensated Horner scheme (Graillat, Langlois & Louvet 2005,
    Algorithm 4): as accurate as Horner in twice the working precision, then rounded, so a few ulp even next to a
    root where the plain sum cancels (2 - sigma^2 at the float below sqrt(2), Renyi's domain edge: 2e-3 relative).
    For a polynomial with exact coefficients and |x| where no term overflows."""
    s, err = _horner_and_error(x, c)
    r = s + err
    return r if r == r else s  # where a product overflows the correction is inf - inf: the plain value


@nb.njit(cache=True, error_model="numpy")
def _horner_and_error(x, c):
    """(s, err): s the plain Horner value of c[0] x^n + ... + c[n], err the Horner sum of its rounding errors (each
    product's by TwoProduct, each sum's by Knuth's TwoSum), so that s + err is the value in twice the precision."""
    s, err = c[0], 0.0
    for k in range(1, len(c)):
        p = s * x
        pe = _two_product_error(s, x, p)
        t = p + c[k]
        bb = t - p
        se = (p - (t - bb)) + (c[k] - bb)  # p + c[k] - t exactly
        err = err * x + (pe + se)
        s = t
    return s, err


@nb.njit(cache=True, inline="always", error_model="numpy")
def _two_sum(a, b):
    """(s, e): s = fl(a + b) and e = a + b - s exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@nb.njit(cache=True, error_model="numpy")
def _ddpoly(xh, xl, c):
    """c[0] x^n + ... + c[n] at the double-double x = xh + xl, c exact floats, by Horner in double-double (each
    product's error by TwoProduct, each sum's by TwoSum): (hi, lo), to some 100 bits where no term overflows."""
    sh, sl = c[0], 0.0
    for k in range(1, len(c)):
        ph = sh * xh
        pl = _two_product_error(sh, xh, ph) + (sh * xl + sl * xh)
        th, te = _two_sum(ph, c[k])
        sh = th + (te + pl)
        sl = (te + pl) - (sh - th)
    return sh, sl


@nb.njit(cache=True, error_model="numpy")
def _dd_horner(xh, xl, ch, cl):
    """As :func:`_ddpoly`, with double-double coefficients ch[k] + cl[k]: (hi, lo)."""
    sh, sl = ch[0], cl[0]
    for k in range(1, len(ch)):
        ph = sh * xh
        pl = _two_product_error(sh, xh, ph) + (sh * xl + sl * xh)
        th, te = _two_sum(ph, ch[k])
        sh = th + (te + pl + cl[k])
        sl = (te + pl + cl[k]) - (sh - th)
    return sh, sl


def _dd_constants():
    """log 2 as three floats (the first fdlibm's 32-bit ln2_hi, k ln2_hi exact for |k| < 2^20) and 1/k! for k = 9 ... 2
    as double-doubles (hi, lo), from mpmath at 50 digits."""
    import mpmath  # noqa: PLC0415  (at import time only)
    with mpmath.workdps(50):
        ln2 = mpmath.log(2)
        a = 6.93147180369123816490e-01
        b = float(ln2 - a)
        c = float(ln2 - a - b)
        facts = [1 / mpmath.factorial(k) for k in range(9, 1, -1)]
        hi = [float(f) for f in facts]
        lo = [float(f - h) for f, h in zip(facts, hi)]
    return (a, b, c), np.array(hi), np.array(lo)


(_LN2_A, _LN2_B, _LN2_C), _FACT_HI, _FACT_LO = _dd_constants()


@nb.njit(cache=True, error_model="numpy")
def _ddexp(x):
    """exp(x) as a double-double (hi, lo), to some 100 bits where it is a normal number: x = k log 2 + r (Cody and
    Waite, log 2 in three parts), expm1(r / 256) = r' + r'^2 (1/2! + r'/3! + ... + r'^7/9!) in double-double (the rest
    below 2^-110 for |r'| < 1.4e-3), squared back 8 times as e -> 2 e + e^2 (in double-double), times 2^k."""
    if x > 709.8:
        return math.inf, 0.0
    if x < -745.2:
        return 0.0, 0.0
    k = float(round(x / 0.6931471805599453))
    r1 = x - k * _LN2_A  # exact: k _LN2_A is, and x is within a factor 2 of it or k is 0
    p = k * _LN2_B
    rh, re = _two_sum(r1, -p)
    rl = re - _two_product_error(k, _LN2_B, p) - k * _LN2_C
    rh, rl = rh / 256.0, rl / 256.0
    h = rh + rl
    rh, rl = h, rl - (h - rh)
    ph, pl = _dd_horner(rh, rl, _FACT_HI, _FACT_LO)  # over 1/9!, ..., 1/2!
    sh = rh * rh  # r^2, then r + r^2 p
    sl = _two_product_error(rh, rh, sh) + 2.0 * rh * rl
    qh = sh * ph
    ql = _two_product_error(sh, ph, qh) + (sh * pl + sl * ph)
    eh, ee = _two_sum(rh, qh)
    el = ee + ql + rl
    h = eh + el
    eh, el = h, el - (h - eh)
    for _ in range(8):  # e -> 2 e + e^2
        s2 = eh * eh
        th, te = _two_sum(2.0 * eh, s2)
        tl = te + _two_product_error(eh, eh, s2) + 2.0 * el + 2.0 * eh * el
        eh = th + tl
        el = tl - (eh - th)
    hi, lo = _two_sum(1.0, eh)
    lo += el
    h = hi + lo
    lo = lo - (h - hi)
    half = 2.0**(k // 2)
    rest = 2.0**(k - k // 2)
    return h * half * rest, lo * half * rest


@nb.njit(cache=True, error_model="numpy")
def _dd_of(x, y, mode):
    """(hi, lo), a double-double of x y (mode 0), 1 / (x y) (1; y is x or 1; 0 for an infinite x), exp(y x) (2; y a
    power of 2 times -1, 1 or 2) or 1 / sqrt(x) (3; y unused)."""
    if mode == 0:
        w = x * y
        return w, _two_product_error(x, y, w)
    if mode == 2:
        return _ddexp(y * x)
    if x == math.inf:
        return 0.0, 0.0
    sl = 0.0
    if mode == 3:  # sqrt(x) = s + sl, x - s^2 exactly over 2 s
        s = math.sqrt(x)
        p = s * s
        sl = ((x - p) - _two_product_error(s, s, p)) / (2.0 * s)
        x = s
    ah = 1.0 / x
    p = ah * x
    al = ((1.0 - p) - _two_product_error(ah, x, p) - ah * sl) / x  # 1 - ah (x + sl), over x
    if y == 1.0:  # (at x = 1, 1/x^2 too)
        return ah, al
    uh = ah * ah
    return uh, _two_product_error(ah, ah, uh) + 2.0 * ah * al


@nb.njit(cache=True, error_model="numpy")
def ddcoef_hi(x, y, mode, c):
    """The high part of the polynomial c[0] w^n + ... + c[n] at the double-double w of (x, y, mode) (:func:`_dd_of`),
    in double-double (:func:`_ddpoly`)."""
    wh, wl = _dd_of(x, y, mode)
    return _ddpoly(wh, wl, c)[0]


@nb.njit(cache=True, error_model="numpy")
def ddcoef_lo(x, y, mode, c):
    """The low part (:func:`ddcoef_hi`): hi + lo is the polynomial to twice the working precision."""
    wh, wl = _dd_of(x, y, mode)
    return _ddpoly(wh, wl, c)[1]


@nb.njit(cache=True, error_model="numpy")
def ddhorner(x, sq, ah, al, ch, cl):
    """ch[0] y^n + ... + ch[n] at y = x (sq False) or y = (x (ah + al))^2 (sq True: the double-double square of x
    times the double-double a, 1 or 1/sigma), each coefficient the double-double ch[k] + cl[k], by Horner in
    double-double, rounded once: a few ulp next to a zero of the polynomial (a d2 plane's zero curve, where its terms
    of different powers of x cancel); the plain Horner sum of the high parts where a product overflows."""
    yh, yl = x, 0.0
    if sq:
        m = x * ah
        ml = _two_product_error(x, ah, m) + x * al
        yh = m * m
        yl = _two_product_error(m, m, yh) + 2.0 * m * ml
    sh, sl = _dd_horner(yh, yl, ch, cl)
    r = sh + sl
    if r - r == 0.0:
        return r
    s = ch[0]
    for k in range(1, len(ch)):
        s = s * yh + ch[k]
    return s


@nb.njit(cache=True, error_model="numpy")
def log1p_or_log(a, q):
    """log(1 + a) from a where |a| < 1/2 (log1p), from q = 1 + a computed on its own elsewhere (log): next to a
    root of 1 + a, a rounded a loses what q, a compensated polynomial (:func:`chorner`), keeps."""
    return math.log1p(a) if abs(a) < 0.5 else math.log(q)


@nb.njit(cache=True, error_model="numpy")
def loghyp1p(a, r):
    """log(hypot(a, sqrt(1 + r))) for r >= 0: 0.5 log1p(r + a^2) where a^2 and r are below 1e300 (the sum rounded
    once, then log1p: no log of a rounded number next to 1), else the log of the hypot (no overflow of a^2)."""
    s = a * a
    if s < 1e300 and r < 1e300:
        return 0.5 * math.log1p(r + s)
    return math.log(math.hypot(a, math.sqrt(1.0 + r)))


@nb.njit(cache=True, error_model="numpy")
def logscaled(y, lg, c, k):
    """k log(c y), lg = k log(y), c a power of 2: from the exact product c y where it is a normal float64 (next to
    y = 1/c, lg + k log(c) cancels and keeps lg's rounding), else lg + k log(c)."""
    z = c * y
    if 2.2250738585072014e-308 <= z < math.inf:
        return k * math.log(z)
    return lg + k * math.log(c)


@nb.njit(cache=True, error_model="numpy")
def claurent(x, c, kmin):
    """c[0] x^(kmin + n) + ... + c[n] x^kmin (n = len(c) - 1): :func:`chorner` times x^kmin where x <= 1 or x^n is
    below 2^1000 (next to a root, where the plain sum cancels: Renyi's domain edge above sigma = 2), else Horner in
    1/x times x^(kmin + n), where the leading term dominates and nothing cancels."""
    n = len(c) - 1
    if not x > 1.0 or n * math.log2(x) < 1000.0:
        return chorner(x, c) * x**kmin
    u, acc = 1.0 / x, c[n]
    for i in range(n - 1, -1, -1):
        acc = acc * u + c[i]
    return acc * x ** (kmin + n)


@nb.njit(cache=True, error_model="numpy")
def xmlog1p_or_log(a, q):
    """a - log(1 + a) from a where a >= -0.7 (:func:`xmlog1p`), as a - log(q), q = 1 + a computed on its own,
    below: next to a root of 1 + a (Renyi's domain edge for orders from 6 up) the rounded a loses what q keeps."""
    return xmlog1p(a) if a >= -0.7 else a - math.log(q)


@nb.njit(cache=True, error_model="numpy")
def croot(lg, l0, l0_lo, b, n, window, plain):
    """f(T) / T^n at T = exp(lg) next to a simple root r = exp(l0 + l0_lo) of the polynomial f, where T is rounded
    (the log parametrisations: sigma^2 = exp(l)) and the plain sum of f cancels: with t = lg - log r formed with
    log r to 106 bits (lg - l0 is exact near the root, Sterbenz) and E = expm1(t), T = r (1 + E) and
    f(T) / T^n = E (b[0] E^(m-1) + ... + b[m-1]) exp(-n t), b[m-k] = f^(k)(r) r^(k-n) / k!: as right as the input
    allows (Renyi's domain edge a + (1 - a) exp(l) = -a expm1(l - l0)). Where |t| > ``window`` (beyond half the
    distance to f's other roots, or 1/2), ``plain``, the sum as printed."""
    t = (lg - l0) - l0_lo
    if not abs(t) <= window:
        return plain
    e = math.expm1(t)
    acc = b[0]
    for k in range(1, len(b)):
        acc = acc * e + b[k]
    acc *= e
    return acc * math.exp(-n * t) if n else acc  # (1 + E)^-n = exp(-n t): one rounding, not n


@nb.njit(cache=True, error_model="numpy")
def _chorner_dd(x, c):
    """The polynomial c[0] x^n + ... + c[n] by the compensated Horner scheme, as an unevaluated sum hi + lo (to
    about 2^-106 relative away from a root)."""
    s, err = _horner_and_error(x, c)
    h = s + err
    return h, err - (h - s)


@nb.njit(cache=True, error_model="numpy")
def _div_dd(ah, al, bh, bl):
    """(ah + al) / (bh + bl) as hi + lo (Dekker): q = ah / bh, then the remainder divided once more."""
    q = ah / bh
    p = q * bh
    r = ((ah - p) - _two_product_error(q, bh, p) + al - q * bl) / bh
    return q, r


@nb.njit(cache=True, error_model="numpy")
def lograt(kind, x, num, den):
    """log1p(A) (kind 0) or xmlog1p(A) = A - log1p(A) (kind 1) for A = N(x) / D(x), N and D polynomials with exact
    coefficients at an exact x (std, var near sigma = 1): A formed as printed rounds several times and both
    functions amplify that (xmlog1p(A) at A = -0.75 by 3.5: reverse_kl's value on sigma in [1.5, 2] was 7 ulp off).
    N and D by compensated Horner to about 106 bits, u = A / (2 + A) = N / (N + 2 D) to 106 bits, and for |u| <= 0.6
    log1p(A) = 2 atanh(u) = 2 u + 2 u^3 S(u^2), xmlog1p(A) = 2 u^2 / (1 - u) - 2 u^3 S(u^2), S = 1/3 + u^2/5 + ...,
    at u's leading part plus the derivative times its trailing part; elsewhere from A and 1 + A = (N + D) / D."""
    nh, nl = _chorner_dd(x, num)
    dh, dl = _chorner_dd(x, den)
    mh = nh + 2.0 * dh  # N + 2 D to 106 bits (Knuth's TwoSum)
    bb = mh - nh
    ml = ((nh - (mh - bb)) + (2.0 * dh - bb)) + (nl + 2.0 * dl)
    uh, ul = _div_dd(nh, nl, mh, ml)
    if abs(uh) <= 0.6:
        u2 = uh * uh
        odd = 2.0 * (uh * u2) * _horner(_ODD_WIDE, u2)
        if kind == 0:
            return (2.0 * uh + odd) + 2.0 * ul / (1.0 - u2)
        return (2.0 * u2 / (1.0 - uh) - odd) + ul * (4.0 * uh / ((1.0 + uh) * (1.0 - uh) * (1.0 - uh)))
    a = nh / dh
    qh = nh + dh  # 1 + A = (N + D) / D, N + D to 106 bits: right next to a root of 1 + A too
    bb = qh - nh
    ql = ((nh - (qh - bb)) + (dh - bb)) + (nl + dl)
    s = qh + ql  # renormalised: next to the root qh is as small as nl + dl, and ql / qh is no correction term
    ql -= s - qh
    lq = math.log(s / dh) + (ql - s * dl / dh) / s
    return lq if kind == 0 else a - lq


_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of log(2): 32 bits, so e * _LN2_HI is exact for |e| < 2^21
_LN2_LO = 1.90821492927058770002e-10


@nb.njit(cache=True, error_model="numpy")
def lglo(x, lg, k):
    """k log(x) - lg for lg = fl(k log(x)), k = 1 or 1/2 (std, var): log(x) = e log(2) + log1p(m - 1), x = m 2^e with
    m in [1/sqrt(2), sqrt(2)] (m - 1 exact, Sterbenz), e log(2) to 85 bits, so k log(x) to about 2^-54 absolute where
    math.log is off by up to an ulp of log(x) (the rest of :func:`lgsum`'s lg). 0 where x is not a positive normal."""
    if not 2.2250738585072014e-308 <= x < math.inf:
        return 0.0
    m, e = math.frexp(x)
    if m < 0.7071067811865476:
        m *= 2.0
        e -= 1
    h = e * _LN2_HI
    f = math.log1p(m - 1.0)
    s = h + f  # TwoSum
    bb = s - h
    lo = ((h - (s - bb)) + (f - bb)) + e * _LN2_LO
    return (k * s - lg) + k * lo  # k s and lg within a factor 2 of each other: the difference is exact


@nb.njit(cache=True, error_model="numpy")
def lgsum(lg, lg_lo, qh, ql, ch, cl, rh, rl, rest):
    """q lg + c + r rest, q = qh + ql, c = ch + cl and r = rh + rl constants to 106 bits, lg + lg_lo the log of the
    scale: each product's and sum's rounding error kept (TwoProduct, TwoSum) and added once at the end. Where q lg
    cancels against a constant that is not a power of 2 (Renyi's far forms next to sigma = 2: 3/7 log(sigma) - 0.2548
    + 5/7 log1p(3/(7 sigma^2)), 0.115 from terms of 0.3), the plain sum carried each term's rounding to the result
    (6 ulp); here only the errors of lg + lg_lo and of rest itself are left."""
    p = qh * lg
    r = rh * rest
    if not (abs(p) < 1e300 and abs(r) < 1e300):
        return (p + ch) + r
    pe = _two_product_error(qh, lg, p) + (ql * lg + qh * lg_lo)
    re_ = _two_product_error(rh, rest, r) + rl * rest
    s = p + ch
    bb = s - p
    se = (p - (s - bb)) + (ch - bb)
    t = s + r
    bb = t - s
    te = (s - (t - bb)) + (r - bb)
    return t + ((((te + se) + pe) + re_) + cl)
