"""Shared test settings: every random test draws from a seeded generator."""

import os
import tempfile

import numpy as np
import pytest

# Generated kernels go to a throw-away cache, never the user's.
os.environ["VAEMATH_CACHE_DIR"] = tempfile.mkdtemp(prefix="vaemath-test-kernels-")


@pytest.fixture
def rng():
    return np.random.default_rng(20261124)
