"""Shared test settings: every random test draws from a seeded generator."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20261124)
