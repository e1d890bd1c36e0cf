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
