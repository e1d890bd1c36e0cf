"""The generated-module cache: reused across processes without recompiling, keyed by expression."""

import json
import os
import subprocess
import sys

import sympy as sp

from vaemath.kernels.cache import cache_dir, key, load
from vaemath.symbolic import mu, sigma

_PROBE = """
import json, numpy as np
from numba.core.event import install_recorder
import vaemath
with install_recorder("numba:compile") as rec:
    v = vaemath.grid("mu**2 + log1p(sigma)", np.linspace(-1, 1, 5), np.linspace(0.5, 2, 4))
print(json.dumps({"compiles": len(rec.buffer), "value": float(v.sum())}))
"""


def _run(cache):
    env = os.environ | {"VAEMATH_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_second_process_reuses_the_compiled_kernel(tmp_path):
    first, second = _run(tmp_path), _run(tmp_path)
    assert first["compiles"] > 0  # the measurement can see compilation
    assert second["compiles"] == 0
    assert first["value"] == second["value"]
    assert list(tmp_path.glob("vaemath_kernel_*.py")) and list(tmp_path.glob("__pycache__/*.nbi"))


def test_a_changed_expression_gets_a_new_module():
    assert key(mu**2, ("value",)) != key(mu**2 + sigma, ("value",))
    assert key(mu**2, ("value",)) != key(mu**2, ("value", "grad"))
    assert key(mu**2, ("value",)) == key(sp.sympify(mu) ** 2, ("value",))


def test_cache_dir_follows_the_environment_and_modules_are_written_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("VAEMATH_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    module = load(mu**2 + sigma**3, ("value",), "test")
    path = tmp_path / f"{module.__name__}.py"
    assert path.exists() and not list(tmp_path.glob(".tmp-*"))
    compile(path.read_text(), str(path), "exec")  # a complete, valid module


def test_a_kernel_made_while_a_step_ran_out_of_time_serves_its_process_and_is_not_kept(tmp_path, monkeypatch):
    """mu^3/(exp(mu^2) - 1) is mu^3/mu^2 = 1e-155 at mu = 1e-155 (by hand), through the series on its line mu = 0.
    With every symbolic step out of time (a loaded machine), the module generated then is used and not cached (it
    was cached with the line missing, wrong for good); generated again on time, it is kept and right."""
    import time

    import vaemath.kernels.codegen as codegen
    from vaemath.kernels import evaluate
    from vaemath.symbolic.budget import attempt

    monkeypatch.setenv("VAEMATH_CACHE_DIR", str(tmp_path))
    expr = mu**3 / (sp.exp(mu**2) - 1) + (sigma - 1) ** 2
    monkeypatch.setattr(codegen, "attempt", lambda *a, **k: attempt(time.sleep, 1, budget=1e-3))
    load.cache_clear()
    assert not load(expr, ("value",)).COMPLETE and not list(tmp_path.glob("vaemath_kernel_*.py"))
    monkeypatch.setattr(codegen, "attempt", attempt)
    load.cache_clear()
    assert load(expr, ("value",)).COMPLETE and list(tmp_path.glob("vaemath_kernel_*.py"))
    assert evaluate(expr, 1e-155, 1.0) == 1e-155


def test_a_process_wanting_a_module_being_generated_waits_for_it(tmp_path):
    # two xdist workers reaching the same kernel at once generated it twice; now the second waits on the first's
    # lock (an flock: a second open file in this process is refused it as another process would be)
    import threading

    from vaemath.kernels.cache import one_generator

    path = tmp_path / "vaemath_kernel_x.py"
    entered = threading.Event()

    def second():
        with one_generator(path):
            entered.set()

    with one_generator(path):
        waiter = threading.Thread(target=second)
        waiter.start()
        assert not entered.wait(0.5)
    assert entered.wait(30)
    waiter.join()
