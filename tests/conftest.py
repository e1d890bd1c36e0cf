"""Shared test settings: every random test draws from a seeded generator."""

import os
import tempfile

os.environ.setdefault("SYMPY_GROUND_TYPES", "python")  # as `import vaemath` sets it: test modules import sympy first

import numpy as np
import pytest

# Generated kernels go to a throw-away cache, never the user's; one for the whole run, so that the xdist
# workers (which inherit the controller's environment) generate and compile each kernel once between them.
if "VAEMATH_TEST_CACHE" not in os.environ:
    os.environ["VAEMATH_TEST_CACHE"] = tempfile.mkdtemp(prefix="vaemath-test-kernels-")
os.environ["VAEMATH_CACHE_DIR"] = os.environ["VAEMATH_TEST_CACHE"]


@pytest.fixture
def rng():
    return np.random.default_rng(20261124)


@pytest.fixture(autouse=True)
def _symbolic_answers_taken_afresh(request):
    """A test that replaces a step (monkeypatch) takes its own limits, before and after it: the caches that spare a
    command asking twice are emptied around it, so that no answer crosses the replacement either way."""
    from vaemath.analysis import exact
    from vaemath.symbolic import calculus

    def empty():
        calculus.forget()
        exact.vanishes.cache_clear()
    replaced = "monkeypatch" in request.fixturenames
    if replaced:
        empty()
    yield
    if replaced:
        empty()
