"""Wall-clock timing for the benchmarks: the median of repeated calls after one warm-up (no heavy imports)."""

from __future__ import annotations

import statistics
import time


def median_ms(fn, repeat: int) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``repeat`` calls, after one untimed warm-up call
    (compilation, caches, page faults)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def interleaved_median_ms(fns: dict, rounds: int, calls: int = 20) -> dict:
    """Median wall time in milliseconds of one call of each ``fns[key]()``, timed in alternation: each round
    times ``calls`` calls of every function in turn, so all of them see the same machine state (frequency,
    other processes); the median is over ``rounds`` rounds, after one untimed warm-up call of each. For
    sub-millisecond functions compared as ratios."""
    for fn in fns.values():
        fn()
    times = {key: [] for key in fns}
    for _ in range(rounds):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(calls):
                fn()
            times[key].append((time.perf_counter() - t0) / calls)
    return {key: 1e3 * statistics.median(ts) for key, ts in times.items()}
