"""Long exact numbers in text output, one rule for all of them (--json keeps every digit).

An integer of 7 to 15 digits that ends in six zeros or more is written as a power of ten, ``5*10**6``. One of 16
digits or more is written as a sum of at most three terms ``m*10**k`` (``|m| < 1000``; the last term may be a plain
number below 10**6), or a sum of two over an integer up to 99: ``5*10**29``, ``2*10**20 - 2`` for
199999999999999999998, ``(10**20 - 1)/9`` for 11111111111111111111; else as ``m*10**k`` where it ends in six zeros
or more and m has at most 15 digits; else as a float of 15 significant digits, ``1.23456789012346e+18`` (rounded:
the exact form is in --json). A rational is the ratio of its two integers, each written so.
"""

from __future__ import annotations

import re
from decimal import Decimal

LONG = 16  # digits from which an integer that is not m*10**k is written as a sum of powers of ten or a float
ZEROS = 6  # trailing zeros from which an integer is written m*10**k
TERMS = 3  # the most terms of a sum of powers of ten
SMALL = 10**6  # a last term below this is written as a plain number
DIVISOR = 99  # the largest c of a sum of powers of ten over c
_NUMBER = re.compile(r"(?<![\w.])\d{7,}(?![\w.])")


def _power(m: int, k: int) -> str:
    """m*10**k as text, m without trailing zeros, k >= 1 (10**k for m = 1)."""
    while m % 10 == 0 and m:
        m, k = m // 10, k + 1
    return f"10**{k}" if m == 1 else f"-10**{k}" if m == -1 else f"{m}*10**{k}"


def _terms(n: int) -> list | None:
    """n as at most TERMS terms m*10**k (|m| < 1000), the last one possibly a plain number below SMALL; None when
    there is no such sum."""
    out = []
    while n and len(out) < TERMS:
        if abs(n) < SMALL:
            return out + [str(n)]
        k = len(str(abs(n))) - 3
        m = (abs(n) * 2 + 10**k) // (2 * 10**k) * (1 if n > 0 else -1)  # the nearest, exactly
        out.append(_power(m, k))
        n -= m * 10**k
    return out if n == 0 else None


def integer_shown(n: int) -> str:
    """An exact integer as text by the module's rule: the digits, ``m*10**k``, a short sum of such, or a float."""
    digits = str(abs(n))
    zeros = len(digits) - len(digits.rstrip("0"))
    if len(digits) < LONG:
        return _power(n // 10**zeros, zeros) if len(digits) >= 7 and zeros >= ZEROS else str(n)
    for c in range(1, DIVISOR + 1):  # 11111111111111111111 = (10**20 - 1)/9
        terms = _terms(c * n)
        if terms is not None and (c == 1 or len(terms) <= 2):
            text = terms[0]
            for t in terms[1:]:
                text += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
            return text if c == 1 else f"({text})/{c}" if " " in text else f"{text}/{c}"
    if zeros >= ZEROS and len(digits) - zeros < LONG:
        return _power(n // 10**zeros, zeros)
    return f"{Decimal(n):.14e}"


def numbers_shown(text: str) -> str:
    """``text`` with each integer literal of 7 digits or more written by :func:`integer_shown`, in parentheses where
    its new form would otherwise bind wrongly: a sum unless it stands alone (between quotes, brackets, commas or at an
    end), a product after ``/`` or ``**``, a product or a power before ``**``."""
    def shown(match: re.Match) -> str:
        new = integer_shown(int(match.group()))
        if new == match.group():
            return new
        before, after = text[:match.start()], text[match.end():]
        if " " in new:  # a sum
            alone_left = before == "" or before[-1] in "'\"([" or before[-2:] in (", ", ": ", "= ") or (
                len(before) >= 2 and before[-1] == " " and before[-2].isalpha())
            alone_right = after == "" or after[0] in "'\",)]" or (after[0] == " " and after[1:2] not in "+-*/")
            return new if alone_left and alone_right else f"({new})"
        if "*" in new.replace("**", "") and before.endswith(("/", "**")) or "*" in new and after.startswith("**"):
            return f"({new})"  # 1/(2*10**20), x**(2*10**20), (10**20)**2; 1/10**20 and x**10**20 need none
        return new
    return _NUMBER.sub(shown, text)
