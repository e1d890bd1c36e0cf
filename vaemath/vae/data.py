"""Data sets of the experiments: the UCI digits (scikit-learn's bundled copy) and linear-Gaussian samples."""

from __future__ import annotations

import numpy as np

LEVELS = 17  # grey levels 0..16 of the digits images
SPLIT = (1000, 350, 447)


def digits(split_seed: int | None = None) -> dict:
    """The 8x8 handwritten digits, split 1000 train / 350 validation / 447 test.

    The default split is the one of the companion code of Tomczak, *Deep Generative Modeling* (Springer
    2022), ``data[:1000]``, ``data[1000:1350]``, ``data[1350:]`` of scikit-learn's ``load_digits`` (no
    download), so test log-likelihoods are comparable with that code's numbers.

    Parameters
    ----------
    split_seed : int or None
        None: the fixed split above. An integer: the same sizes after a permutation drawn with
        ``numpy.random.default_rng(split_seed)``.

    Returns
    -------
    dict
        ``train`` (1000, 64), ``val`` (350, 64), ``test`` (447, 64): float64 arrays of integer grey levels
        0..16, pixels in row-major order.
    """
    from sklearn.datasets import load_digits

    x = np.asarray(load_digits().data, dtype=np.float64)
    if split_seed is not None:
        x = x[np.random.default_rng(split_seed).permutation(len(x))]
    a, b = SPLIT[0], SPLIT[0] + SPLIT[1]
    return {"train": x[:a], "val": x[a:b], "test": x[b:]}


def linear_gaussian(cov, n: int, seed: int = 0) -> np.ndarray:
    """Samples x ~ N(0, C), the data model of :mod:`vaemath.linear` (shape (n, D)).

    Parameters
    ----------
    cov : str or array_like
        Covariance C, as :func:`vaemath.linear.covariance` reads it (comma list = diagonal).
    n : int
        Number of samples, >= 2.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Raises
    ------
    ValueError
        If C is not symmetric positive definite or n < 2.
    """
    from vaemath.analysis.linear import covariance

    c = covariance(cov)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 2:
        raise ValueError(f"n: expected an integer >= 2, got {n!r}")
    chol = np.linalg.cholesky(c)
    return np.random.default_rng(seed).standard_normal((int(n), c.shape[0])) @ chol.T
