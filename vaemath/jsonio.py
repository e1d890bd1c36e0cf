"""Strict JSON (RFC 8259) for results that may hold +-inf or NaN: such floats are written as the strings "inf",
"-inf" and "nan" (Python's json writes the tokens Infinity and NaN, which strict parsers such as jq reject) and
read back as floats.

A leaf module (no vaemath imports), shared by every layer that writes results.
"""

from __future__ import annotations

import json
import math

_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _encode(x):
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else "inf" if x > 0 else "-inf"
    if isinstance(x, dict):
        return {k: _encode(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_encode(v) for v in x]
    return x


def _decode(x):
    if isinstance(x, str):
        return _NON_FINITE.get(x, x)
    if isinstance(x, dict):
        return {k: _decode(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v) for v in x]
    return x


def dumps(obj, **kwargs) -> str:
    """``json.dumps`` of ``obj`` with non-finite floats as strings; raises ValueError on any other non-JSON float."""
    return json.dumps(_encode(obj), allow_nan=False, **kwargs)


def loads(text: str):
    """``json.loads`` with the strings "inf", "-inf" and "nan" read as floats (and the tokens Infinity, NaN of
    files written before)."""
    return _decode(json.loads(text))
