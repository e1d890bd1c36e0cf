"""The vaemath command: derive and catalogue, text and --json, and bad input."""

import json
import subprocess
import sys

import pytest
import sympy as sp

from vaemath.cli import main
from vaemath.symbolic import catalogue, mu, sigma

DERIVE_KEYS = {"penalty", "param", "value", "gradient", "hessian", "minimizer", "hessian_at_minimizer", "limits",
               "taylor"}


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_derive_json_has_the_keys_and_sympy_reads_them_back(capsys):
    out = _json(capsys, ["derive", "kl", "--json"])
    assert set(out) >= DERIVE_KEYS
    names = {"mu": mu, "sigma": sigma}
    assert sp.simplify(sp.sympify(out["value"], locals=names) - catalogue()["kl"].expr) == 0
    assert [sp.sympify(g, locals=names) for g in out["gradient"]] == [mu, sigma - 1 / sigma]
    assert out["minimizer"] == {"mu": "0", "sigma": "1"}
    assert out["hessian_at_minimizer"] == [["1", "0"], ["0", "2"]]
    assert out["limits"]["sigma->0+"] == "oo"


def test_derive_default_is_the_question_penalty_in_text(capsys):
    assert main(["derive"]) == 0
    text = capsys.readouterr().out
    assert "penalty: quadratic" in text and "sigma->0+': 'mu**2 + 1'" in text


def test_derive_latex_and_param_and_order(capsys):
    assert main(["derive", "kl", "--param", "logvar", "--order", "3", "--latex"]) == 0
    text = capsys.readouterr().out
    assert "\\frac{e^{l}}{2}" in text and "taylor:" in text


def test_derive_sigma_means_var(capsys):
    out = _json(capsys, ["derive", "quadratic", "--sigma-means", "var", "--json"])
    assert out["hessian_at_minimizer"] == [["2", "0"], ["0", "8"]]


def test_catalogue_json_lists_every_entry(capsys):
    rows = _json(capsys, ["catalogue", "--json"])
    assert {r["name"] for r in rows} == set(catalogue())
    assert all({"name", "expression", "description", "citation", "provenance"} <= set(r) for r in rows)


@pytest.mark.parametrize("argv", [["derive", "mu.__class__"], ["derive", "kl", "--order", "-2"],
                                  ["derive", "nonsense_name"]])
def test_bad_input_exits_non_zero_with_a_message(argv, capsys):
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_console_script_runs_in_a_subprocess():
    done = subprocess.run([sys.executable, "-m", "vaemath.cli", "derive", "open('f')"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "open('f')" in done.stderr
