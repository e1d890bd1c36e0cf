"""Packaging promises: a light import, the README's commands, CI, ruff."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import vaemath
dt = time.perf_counter() - t0
heavy = sorted(m for m in ("sympy", "numpy", "numba", "matplotlib", "scipy", "autograd") if m in sys.modules)
print(json.dumps({"seconds": dt, "heavy": heavy, "all": sorted(vaemath.__all__)}))
"""


def test_import_is_light():
    # The speed of `import vaemath` comes from importing none of the heavy libraries; we check that cause.
    out = json.loads(subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                                    check=True).stdout)
    assert out["heavy"] == []
    assert {"penalty", "catalogue", "reparametrize"} <= set(out["all"])


def test_public_names_resolve():
    import vaemath

    for name in vaemath.__all__:
        assert getattr(vaemath, name) is not None
    with pytest.raises(AttributeError, match="no attribute"):
        vaemath.not_a_name  # noqa: B018


_LAZY_PROBE = """
import json, sys
import vaemath
loaded = lambda names: sorted(m for m in names if m in sys.modules)
heavy = ("sympy", "numba", "matplotlib", "autograd", "vaemath.vae", "vaemath.report", "vaemath.figures")
before = loaded(heavy)
names = {a: getattr(vaemath, a).__name__ for a in ("vae", "report", "figures")}
listed = sorted({"vae", "report", "figures"} & set(dir(vaemath)))
print(json.dumps({"before": before, "names": names, "fig": callable(vaemath.figures.landscape_figure),
                  "rep": callable(vaemath.report.report), "listed": listed}))
"""


def test_vae_report_figures_are_lazy_attributes():
    out = json.loads(subprocess.run([sys.executable, "-c", _LAZY_PROBE], capture_output=True, text=True,
                                    check=True).stdout)
    assert out["before"] == []  # none of them, nor sympy/numba/matplotlib/autograd, at `import vaemath`
    assert out["names"] == {"vae": "vaemath.vae", "report": "vaemath.report", "figures": "vaemath.figures"}
    assert out["fig"] and out["rep"] and out["listed"] == ["figures", "report", "vae"]


def _quick_start_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_has_two_commands_and_ci_runs_the_test_one():
    commands = _quick_start_commands()
    assert len(commands) == 2
    main_job, tests = commands
    assert main_job.startswith("pip install") and "vaemath " in main_job
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines()
    assert "python3 -m venv" in ci


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff not installed")
def test_ruff_passes():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    done = subprocess.run([ruff, "check", "vaemath", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# Issue 8 §8: one name for the penalty argument. These public functions take a penalty (catalogue name, text,
# sympy expression or Penalty) as their first argument; check(candidate, reference=...) is the one exception.
_PENALTY_FIRST = {
    "vaemath": ["penalty", "gradient", "hessian", "taylor", "critical_points", "minimizer", "limits", "derive",
                "grid", "grid_reduce", "evaluate"],
    "vaemath.symbolic": ["parse", "hessian_at", "infimum", "unbounded_below"],
    "vaemath.linear": ["expected_penalty", "encoder_conditions", "objective_expr"],
    "vaemath.vae": ["penalty_sum"],
    "vaemath.vae.penalty": ["resolve", "trainable", "composed"],
}
_PENALTY_LATER = {"vaemath.linear": ["objective", "optimal_encoder", "optimum"], "vaemath.vae": ["train"]}
_RETIRED = {"pen", "spec", "f", "pen_obj", "penalty_spec"}


def _module(name):
    import importlib

    return importlib.import_module("vaemath.analysis.linear" if name == "vaemath.linear" else name)


def _public_functions():
    import inspect

    for name in ("vaemath", "vaemath.symbolic", "vaemath.linear", "vaemath.vae", "vaemath.kernels", "vaemath.analysis"):
        mod = _module(name)
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            if inspect.isfunction(obj) or (callable(obj) and hasattr(obj, "__wrapped__")):  # lru_cache'd too
                yield f"{name}.{attr}", inspect.signature(obj)


def test_penalty_argument_is_named_penalty_everywhere():
    import inspect

    for mod, names in _PENALTY_FIRST.items():
        for name in names:
            first = next(iter(inspect.signature(getattr(_module(mod), name)).parameters))
            assert first == "penalty", f"{mod}.{name}: first parameter is {first!r}"
    for mod, names in _PENALTY_LATER.items():
        for name in names:
            assert "penalty" in inspect.signature(getattr(_module(mod), name)).parameters, f"{mod}.{name}"
    functions = dict(_public_functions())
    assert len(functions) > 30  # the walk found the API, not an empty list
    for name, sig in functions.items():
        assert not _RETIRED & set(sig.parameters), f"{name}{sig} uses a retired name for the penalty"


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_atomic_writes_replace_whole_files_with_the_umask_mode(tmp_path, mask):
    import os

    from vaemath.atomic import atomic_path

    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]
    old = os.umask(mask)
    try:
        with atomic_path(tmp_path / "new.json") as tmp:
            tmp.write_text("new")
    finally:
        os.umask(old)
    assert (tmp_path / "new.json").read_text() == "new"
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o666 & ~mask  # what open(path, "w") gives
