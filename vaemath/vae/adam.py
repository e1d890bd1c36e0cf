"""Adam (Kingma & Ba 2015, Algorithm 1) on a dict of parameter arrays, one fused numba pass per array.

The update is ``autograd.misc.optimizers.adam``'s, operation for operation (same moments, same bias
correction, same order of floating-point operations), so both give the same numbers bit for bit. That
one flattens the dict into one vector each step and makes about twelve numpy passes over it: for the
digits model (440 000 parameters) a profile gave it 12 ms per step, as long as the gradient itself.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True, error_model="numpy")
def _update(x, g, m, v, step_size, b1, b2, eps, c1, c2, out):
    for k in range(x.size):
        m[k] = (1 - b1) * g[k] + b1 * m[k]
        v[k] = (1 - b2) * (g[k] ** 2) + b2 * v[k]
        out[k] = x[k] - step_size * (m[k] / c1) / (math.sqrt(v[k] / c2) + eps)


def adam(grad, x: dict, num_iters: int = 100, step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999,
         eps: float = 10**-8) -> dict:
    """Adam with the signature of ``autograd.misc.optimizers.adam`` for a dict of float64 arrays.

    ``grad(x, i)`` returns the gradient dict at step i. Each step writes new arrays (the previous
    parameters stay intact, for a caller that keeps them). Returns the parameters after ``num_iters`` steps.
    """
    m = {k: np.zeros(np.size(a)) for k, a in x.items()}
    v = {k: np.zeros(np.size(a)) for k, a in x.items()}
    for i in range(num_iters):
        g = grad(x, i)
        c1, c2 = 1 - b1 ** (i + 1), 1 - b2 ** (i + 1)
        new = {}
        for k, a in x.items():
            out = np.empty(np.shape(a))
            _update(np.ascontiguousarray(a, dtype=np.float64).reshape(-1),
                    np.ascontiguousarray(g[k], dtype=np.float64).reshape(-1), m[k], v[k],
                    step_size, b1, b2, eps, c1, c2, out.reshape(-1))
            new[k] = out
        x = new
    return x
