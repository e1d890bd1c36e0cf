"""``vaemath bench``: generated kernels against numpy, sympy.lambdify, numexpr and jax.jit in one process.

Every baseline is built from the same symbolic expression (``sympy.lambdify``), so no formula is typed
twice. Timings are medians; ratios are taken within the one process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sympy as sp

from vaemath.atomic import atomic_path
from vaemath.kernels import grid
from vaemath.kernels.codegen import SIZES, outputs
from vaemath.symbolic import mu, penalty, sigma

CASES = (("kl", ("value",)), ("quadratic", ("value",)), ("w2_squared", ("value",)),
         ("hellinger_squared", ("value",)), ("reverse_kl", ("value",)), ("kl", ("value", "grad", "hess")))


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm-up: compilation, page faults
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def _bandwidth_ms(n: int, repeat: int) -> float:
    import numba as nb

    @nb.njit(parallel=True, cache=False)
    def fill(a, v):
        for i in nb.prange(a.shape[0]):
            for j in range(a.shape[1]):
                a[i, j] = v

    a = np.zeros((n, n))
    return _median_ms(lambda: fill(a, 1.5), repeat)


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


def run(size: int = 4096, repeat: int = 7, reduce_points: float = 0.0, vae: bool = False) -> dict:
    """Time every case and implementation; returns the data written to benchmarks/.

    Parameters
    ----------
    size : int
        Grid side N (N x N float64).
    repeat : int
        Timed runs per measurement (median), >= 1.
    reduce_points : float
        If > 0, also run ``grid_reduce`` over that many points in a fresh process and record its time
        and peak memory.
    vae : bool
        Also time the VAE: training step against autograd-composed and jax.jit, penalty primitive against
        the composed expression (:mod:`vaemath.vae.speed`).
    """
    if size < 2 or repeat < 1:
        raise ValueError(f"size, repeat: expected size >= 2 and repeat >= 1, got {size}, {repeat}")
    m, s = np.linspace(-3, 3, size), np.linspace(0.05, 5, size)
    M, S = np.meshgrid(m, s, indexing="ij")
    bw_first = _bandwidth_ms(size, repeat)
    cases, impls = [], ["numpy"]
    for name, what in CASES:
        expr = penalty(name).expr
        fns = _baselines(expr, what, m, s, M, S)
        planes = sum(SIZES[w] for w in what)
        out = np.empty((planes, size, size))
        fns["vaemath"] = lambda name=name, what=what, out=out: grid(name, m, s, what=what, out=out)
        ms = {impl: _median_ms(fn, repeat) for impl, fn in fns.items()}
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
    if reduce_points > 0:
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


def write(result: dict, benchmarks: Path = Path("benchmarks"), figures: Path = Path("figures")) -> list:
    """Write bench.json and bench.md under ``benchmarks`` and bench.png under ``figures``."""
    from vaemath.figures import bench_figure, save

    for path, text in ((benchmarks / "bench.json", json.dumps(result, indent=2) + "\n"),
                       (benchmarks / "bench.md", markdown(result))):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    return [benchmarks / "bench.json", benchmarks / "bench.md", save(bench_figure(result), figures / "bench.png")]
