"""``vaemath bench``: generated kernels against numpy, sympy.lambdify, numexpr and jax.jit in one process.

Every baseline is built from the same symbolic expression (``sympy.lambdify``), so no formula is typed
twice. Timings are medians; ratios are taken within the one process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import sympy as sp

from vaemath.atomic import atomic_path, check_writable
from vaemath.kernels import grid
from vaemath.kernels.arrays import _available_bytes
from vaemath.kernels.codegen import SIZES, outputs
from vaemath.symbolic import mu, penalty, sigma
from vaemath.timing import median_ms

CASES = (("kl", ("value",)), ("quadratic", ("value",)), ("w2_squared", ("value",)),
         ("hellinger_squared", ("value",)), ("reverse_kl", ("value",)), ("kl", ("value", "grad", "hess")))
PEAK_PLANES = 12  # N x N float64 planes alive at once at most (measured: ~9 above the imports)
MAX_REPEAT = 100  # timed runs per measurement: the default run at 7 takes minutes, 100 about an hour
REDUCE_POINTS = (1e4, 1e12)  # grid_reduce sizes accepted: 1/100 of the lower end is a 10 x 10 grid
FILES = (("benchmarks", "bench.json"), ("benchmarks", "bench.md"), ("figures", "bench.png"))


def _bandwidth_ms(n: int, repeat: int) -> float:
    import numba as nb

    @nb.njit(parallel=True, cache=False)
    def fill(a, v):
        for i in nb.prange(a.shape[0]):
            for j in range(a.shape[1]):
                a[i, j] = v

    a = np.zeros((n, n))
    return median_ms(lambda: fill(a, 1.5), repeat)


def _full(planes, shape) -> list:
    """Every plane as a full array, as vaemath returns them: constants and 1-D results are filled out."""
    return [p if np.shape(p) == shape else np.full(shape, p) if np.ndim(p) == 0 else np.array(np.broadcast_to(p, shape))
            for p in planes]


def _baselines(expr, what, m, s, M, S):
    """name -> zero-argument callable computing every plane, built by sympy.lambdify."""
    planes = outputs(expr, what)
    shape = (m.size, s.size)
    out = {}
    f_np = sp.lambdify((mu, sigma), planes, "numpy")
    out["numpy"] = lambda: _full(f_np(m[:, None], s[None, :]), shape)
    f_cse = sp.lambdify((mu, sigma), planes, "numpy", cse=True)
    out["sympy.lambdify"] = lambda: _full(f_cse(M, S), shape)
    try:
        import numexpr  # noqa: F401

        fns = [sp.lambdify((mu, sigma), p, "numexpr") for p in planes]
        out["numexpr"] = lambda: _full([f(m[:, None], s[None, :]) for f in fns], shape)
    except ImportError:
        pass
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        f_sym = sp.lambdify((mu, sigma), planes, "jax")
        f_jax = jax.jit(lambda a, b: [jax.numpy.broadcast_to(p, shape) for p in f_sym(a, b)])  # full planes
        mj, sj = jax.numpy.asarray(m[:, None]), jax.numpy.asarray(s[None, :])
        out["jax.jit"] = lambda: [jax.block_until_ready(p) for p in f_jax(mj, sj)]
    except ImportError:
        pass
    return out


def implementations(name: str, what: tuple, m, s, M, S) -> dict:
    """implementation -> zero-argument callable returning every plane of ``what`` on the grid m x s, full size.

    ``M, S`` are the meshgrid of ``m, s`` (indexing "ij"), which sympy.lambdify's plain form needs.
    """
    fns = _baselines(penalty(name).expr, what, m, s, M, S)
    out = np.empty((sum(SIZES[w] for w in what), m.size, s.size))

    def vaemath():
        grid(name, m, s, what=what, out=out)
        return out  # the planes, as one (planes, len(m), len(s)) block

    fns["vaemath"] = vaemath
    return fns


def _cold_start(name: str, cache: str) -> dict:
    """A fresh process importing vaemath and calling an already cached kernel."""
    probe = ("import time; t0 = time.perf_counter(); import numpy as np, vaemath; from vaemath.kernels import grid; "
             f"t1 = time.perf_counter(); grid({name!r}, np.linspace(-1, 1, 64), np.linspace(0.5, 2, 64)); "
             "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
    env = os.environ | {"VAEMATH_CACHE_DIR": cache}
    subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True)  # fills the cache
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    imports, call = (float(v) for v in done.stdout.split())
    return {"penalty": name, "process_s": wall, "imports_s": imports, "first_call_s": call}


def _reduce(points: float) -> dict:
    """grid_reduce over ``points`` points, and over 1/100 of them, each in a fresh process: time and peak memory.

    The peak resident memory is also read after a first small grid call (imports, compiled kernel), so
    that what the reduction itself adds is visible: bounded memory means it does not grow with the points.
    """
    runs = [_reduce_once(points / 100), _reduce_once(points)]
    return {**runs[1], "smaller": runs[0]}


_PEAK_RSS = ("def peak():\n"
             "    try:\n"  # VmHWM belongs to this process's memory map; ru_maxrss also counts the parent at fork
             "        return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
             "    except OSError:\n"
             "        import resource; return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n")


def _reduce_once(points: float) -> dict:
    side = int(round(points**0.5))
    probe = (_PEAK_RSS + "import time, numpy as np, vaemath\n"
             "vaemath.grid('kl', np.linspace(-1, 1, 8), np.linspace(0.5, 2, 8))\n"
             "base = peak(); t = time.perf_counter()\n"
             f"v = vaemath.grid_reduce('kl', (-3, 3), (0.05, 5), ({side}, {side}))\n"
             "print(v, time.perf_counter() - t, base, peak())")
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    value, seconds, base_kb, rss_kb = done.stdout.split()
    return {"points": side * side, "min": float(value), "seconds": float(seconds),
            "rss_before_mib": int(base_kb) / 1024, "peak_rss_mib": int(rss_kb) / 1024}


def check(size, repeat, reduce_points) -> None:
    """Refuse bad arguments of :func:`run`, before anything is allocated or timed (see :func:`run`)."""
    for name, value, low in (("size", size, 2), ("repeat", repeat, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")
    if repeat > MAX_REPEAT:
        raise ValueError(f"repeat: {repeat} is above {MAX_REPEAT} (timed runs per measurement, each a full grid per "
                         f"implementation; 7 is the default)")
    need, free = PEAK_PLANES * 8 * float(size) ** 2, 0.8 * _available_bytes()
    if need > free:
        raise MemoryError(f"size: N = {size} needs about {need / 2**30:.3g} GiB ({PEAK_PLANES} N x N float64 "
                          f"planes), more than the {free / 2**30:.3g} GiB available; use a smaller size")
    low, high = REDUCE_POINTS
    if not isinstance(reduce_points, (int, float)) or isinstance(reduce_points, bool) \
            or not (reduce_points == 0 or low <= reduce_points <= high):
        raise ValueError(f"reduce_points: expected 0 (skip) or a number from {low:g} to {high:g}, got "
                         f"{reduce_points!r}")


def destinations(out) -> tuple:
    """The folders ``out/benchmarks`` and ``out/figures``, refused now if the results could not be written there.

    Raises
    ------
    ValueError
        If ``out``, one of the folders or one of the files exists with the wrong kind (a file where a folder
        is due, or the reverse), or the nearest existing folder is not writable.
    """
    out = check_writable(out, [(f"{folder}/{name}", "file") for folder, name in FILES])
    return out / "benchmarks", out / "figures"


def run(size: int = 4096, repeat: int = 7, reduce_points: float = 0.0, vae: bool = False) -> dict:
    """Time every case and implementation; returns the data written to benchmarks/.

    Parameters
    ----------
    size : int
        Grid side N (N x N float64), >= 2; refused if about ``PEAK_PLANES`` N x N planes exceed 80 % of the
        available memory.
    repeat : int
        Timed runs per measurement (median), from 1 to ``MAX_REPEAT`` = 100.
    reduce_points : float
        If not 0, also run ``grid_reduce`` over that many points (1e4 to 1e12) in a fresh process and
        record its time and peak memory.
    vae : bool
        Also time the VAE: training step against autograd-composed and jax.jit, penalty primitive against
        the composed expression, and the wall time of one default digits run and of the default compare
        (minutes; :mod:`vaemath.vae.speed`), each against its target.

    Raises
    ------
    ValueError
        For a bad argument, naming it.
    MemoryError
        If the grids would not fit in memory (before allocating them).
    """
    check(size, repeat, reduce_points)
    m, s = np.linspace(-3, 3, size), np.linspace(0.05, 5, size)
    M, S = np.meshgrid(m, s, indexing="ij")
    bw_first = _bandwidth_ms(size, repeat)
    cases, impls = [], ["numpy"]
    for name, what in CASES:
        fns = implementations(name, what, m, s, M, S)
        planes = sum(SIZES[w] for w in what)
        ms = {impl: median_ms(fn, repeat) for impl, fn in fns.items()}
        impls += [i for i in ms if i not in impls]
        cases.append({"case": f"{name} {'+'.join(what)}", "ms": ms, "planes": planes,
                      "ratio_to_numpy": {i: ms["numpy"] / t for i, t in ms.items()}})
    bw_ms = min(bw_first, _bandwidth_ms(size, repeat))  # measured before and after the cases: the faster
    for c in cases:
        c["fraction_of_bandwidth"] = {i: c["planes"] * bw_ms / t for i, t in c["ms"].items()}
    with tempfile.TemporaryDirectory() as cache:
        cold = _cold_start("quadratic", cache)
    result = {"size": size, "repeat": repeat, "bandwidth_gb_s": size * size * 8 / bw_ms / 1e6,
              "bandwidth_ms": bw_ms, "implementations": impls, "cases": cases, "cold_start": cold,
              "skipped": [i for i in ("numexpr", "jax.jit") if i not in impls],
              "threading_layer": _threading_layer(), "cpus": os.cpu_count()}
    if reduce_points:
        result["reduce"] = _reduce(reduce_points)
    if vae:
        from vaemath.vae import speed

        result["vae"] = speed.run(max(repeat, 5))
    return result


def _threading_layer() -> str:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:
        return "not initialised"


def markdown(result: dict) -> str:
    """The results as a Markdown table (ms, ratio to numpy, fraction of write bandwidth)."""
    impls = result["implementations"]
    head = "| case | " + " | ".join(impls) + " |\n|---|" + "---|" * len(impls) + "\n"
    rows = []
    for c in result["cases"]:
        cells = [f"{c['ms'][i]:.1f} ms, {c['ratio_to_numpy'][i]:.2f}x, {c['fraction_of_bandwidth'][i]:.2f} bw"
                 if i in c["ms"] else "n/a" for i in impls]
        rows.append(f"| {c['case']} | " + " | ".join(cells) + " |")
    cold = result["cold_start"]
    notes = [f"\n{result['size']} x {result['size']} float64 grid, median of {result['repeat']} runs, "
             f"{result['cpus']} CPUs, numba threading layer {result['threading_layer']}; write bandwidth "
             f"{result['bandwidth_gb_s']:.2f} GB/s ({result['bandwidth_ms']:.1f} ms per plane). "
             "Each cell: median time, speed-up over numpy broadcasting, fraction of write bandwidth.",
             f"Cold start of a cached kernel ({cold['penalty']}) in a fresh process: {cold['first_call_s']:.2f} s "
             f"for the first call after {cold['imports_s']:.2f} s of imports; {cold['process_s']:.2f} s "
             "for the whole process."]
    if result["skipped"]:
        notes.append(f"Not installed, skipped: {', '.join(result['skipped'])} (pip install 'vaemath[bench]').")
    if "reduce" in result:
        r = result["reduce"]
        notes.append(f"grid_reduce over {r['points']:.3g} points (KL min, {r['seconds']:.1f} s): peak resident memory "
                     f"{r['peak_rss_mib']:.0f} MiB, of which {r['rss_before_mib']:.0f} MiB before the reduction "
                     f"(imports, compiled kernel); over {r['smaller']['points']:.3g} points: "
                     f"{r['smaller']['peak_rss_mib']:.0f} MiB.")
    if "vae" in result:
        from vaemath.vae import speed

        notes.append(speed.markdown(result["vae"]))
    return head + "\n".join(rows) + "\n" + "\n\n".join(notes) + "\n"


def write(result: dict, out="vaemath-results") -> list:
    """Write bench.json and bench.md under ``out/benchmarks`` and bench.png under ``out/figures``.

    ``out="."`` replaces the committed results of a vaemath checkout. Raises ValueError as
    :func:`destinations` does; returns the paths written.
    """
    from vaemath.figures import bench_figure, save

    benchmarks, figures = destinations(out)
    for path, text in ((benchmarks / "bench.json", json.dumps(result, indent=2) + "\n"),
                       (benchmarks / "bench.md", markdown(result))):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    return [benchmarks / "bench.json", benchmarks / "bench.md", save(bench_figure(result), figures / "bench.png")]
