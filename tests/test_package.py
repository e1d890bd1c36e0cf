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
