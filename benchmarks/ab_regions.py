"""A/B timing of the value grids of two vaemath trees, one per process.

``PYTHONPATH=<tree> VAEMATH_CACHE_DIR=<cache> python benchmarks/ab_regions.py TAG`` prints one JSON line: the fastest
and the median of 9 runs (ms) of kl, w2_squared, reverse_kl and hellinger_squared values and of kl's value, gradient
and Hessian at 4096^2 on mu in [-3, 3], sigma in [0.05, 5] (all three regions), and of a numba parallel fill of one
plane of the same size. Fractions of write bandwidth: fill time x planes / median. Run it alternately for an old and a
new tree (the machine's load changes between runs).
"""

import json
import statistics
import sys
import time

import numba as nb
import numpy as np

from vaemath.kernels import grid


@nb.njit(parallel=True, cache=False)
def fill(a, v):
    for i in nb.prange(a.shape[0]):
        for j in range(a.shape[1]):
            a[i, j] = v


def fastest(fn, runs=9):
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times), 1e3 * statistics.median(times)


def main(tag):
    n = 4096
    m, s = np.linspace(-3, 3, n), np.linspace(0.05, 5, n)
    out, out6, a = np.empty((1, n, n)), np.empty((6, n, n)), np.zeros((n, n))
    result = {"tag": tag, "bw_ms": fastest(lambda: fill(a, 1.5))[0]}
    cases = {name: (lambda name=name: grid(name, m, s, out=out), 1)
             for name in ("kl", "w2_squared", "reverse_kl", "hellinger_squared")}
    cases["kl_vgh"] = (lambda: grid("kl", m, s, what=("value", "grad", "hess"), out=out6), 6)
    for name, (fn, _) in cases.items():
        result[name], result[name + "_median"] = fastest(fn)
    result["bw_ms"] = min(result["bw_ms"], fastest(lambda: fill(a, 1.5))[0])
    result.update({f"{k}_fraction": round(planes * result["bw_ms"] / result[k + "_median"], 2)
                   for k, (_, planes) in cases.items()})
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
