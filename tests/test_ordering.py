"""The numeric search of analysis/ordering.py on penalties whose values overflow far out (review 8, finding 5)."""

import numpy as np
import pytest
import sympy as sp

from vaemath.analysis.ordering import _interior
from vaemath.symbolic import get, mu


@pytest.mark.parametrize("factor", [sp.cosh(mu), 1 + mu**2, sp.exp(sp.exp(mu))])
def test_interior_ratio_search_survives_overflow_and_reports_no_overflow_values(factor):
    # the ratio (factor * kl) / kl = factor: its least value is factor(0) = 1 at mu = 0 (by hand), every sigma
    kl = get("kl").expr
    found = _interior(factor * kl / kl, kl)
    values = [float(v) for v, _, _ in found]
    assert values and min(values) == pytest.approx(1.0, abs=1e-9)
    assert all(np.isfinite(v) and abs(v) < 1e300 for v in values)
