"""One printing rule for long exact numbers in text output (review r8m C1); --json keeps every digit."""

import json

import pytest
import sympy as sp

from vaemath.symbolic.numerals import integer_shown, numbers_shown

x = sp.Symbol("x")


@pytest.mark.parametrize("n, text", [
    (999999, "999999"),  # short: as it is
    (10**6, "10**6"),
    (123456789012345, "123456789012345"),  # 15 digits, no six zeros: as it is
    (5 * 10**29, "5*10**29"),
    (-10**12, "-10**12"),
    (2 * 10**20 - 2, "2*10**20 - 2"),  # renyi(1e20)'s 1 - a, doubled
    (-(2 * 10**20 - 2), "-2*10**20 + 2"),
    (10**20 - 1, "10**20 - 1"),
    (4 * 10**24 - 4 * 10**12, "4*10**24 - 4*10**12"),
    (32 * 10**60 - 64 * 10**40 + 32 * 10**20, "32*10**60 - 64*10**40 + 32*10**20"),
    ((10**20 - 1) // 9, "(10**20 - 1)/9"),  # 11111111111111111111: renyi(1e20)'s edge
    ((10**20 - 1) // 3, "(10**20 - 1)/3"),
    (10**401 - 1, "10**401 - 1"),  # renyi(1e-400)'s 401 digits
    (123456789012345 * 10**6, "123456789012345*10**6"),
    (1234567890123456789, "1.23456789012346e+18"),  # no short exact form: 15 digits, rounded
])
def test_an_integer_prints_by_one_rule(n, text):
    assert integer_shown(n) == text
    if "e+" not in text:
        assert sp.sympify(text) == n  # exact: it reads back


@pytest.mark.parametrize("expr", [
    x**(10**20), (x + 1)**(2 * 10**20), sp.Integer(10**20)**x, 1 / (x + 2 * 10**20), x / 10**20,
    x / (2 * 10**20 - 2), -x * (2 * 10**20 - 2), sp.Rational(1, 10**400), sp.Rational(10**20 + 1, 7 * 10**30),
    sp.sqrt((10**20 - 1) // 9) * x, x - (2 * 10**20 - 2), 2 * 10**20 - 2 - x, (x + 3)**(5 * 10**22),
    sp.Integer(10**20)**2 * x**3 + 7, sp.Rational(10**30, 3) * x,
])
def test_a_long_number_in_an_expression_reads_back_the_same(expr):
    text = numbers_shown(str(expr))
    assert sp.sympify(text) == expr
    assert not any(len(run) >= 16 for run in _digit_runs(text))


def _digit_runs(text: str) -> list:
    import re
    return re.findall(r"\d+", text)


def test_floats_and_names_are_left_alone():
    text = "0.12345678901234567 1.5e+20 x_12345678 nan"
    assert numbers_shown(text) == text


def test_check_prints_long_numbers_by_the_rule_and_json_keeps_them():
    from vaemath import check

    # a = 10**20 - 2 by hand: candidate = a * kl, affine; its Hessian at (0, 1) is a * diag(1, 2)
    verdict = check("kl*(10**20 - 2)")
    out = str(verdict)
    assert "affine: a = 10**20 - 2, c = 0" in out
    assert "[['10**20 - 2', '0'], ['0', '2*10**20 - 4']]" in out
    assert not any(len(run) >= 16 for run in _digit_runs(out + verdict._repr_markdown_()))
    d = verdict.to_dict()  # what --json prints
    assert d["affine"]["a"] == str(10**20 - 2) and d["hessian_at_minimizer"]["candidate"][1][1] == str(2 * 10**20 - 4)


def test_derive_prints_long_numbers_by_the_rule(capsys, monkeypatch):
    import vaemath.symbolic
    from vaemath import cli

    mu, sigma = sp.symbols("mu sigma", real=True)
    a = sp.Integer(10**20)
    fake = {"penalty": "renyi(1e20)", "value": a * mu**2 / (2 * a - (2 * a - 2) * sigma**2),
            "hessian_at_minimizer": sp.diag(a, 2 * a), "edge": sp.sqrt(a / (a - 1))}
    monkeypatch.setattr(vaemath.symbolic, "derive", lambda *args: fake)  # the printing only, in a second
    assert cli.main(["derive", "renyi(1e20)"]) == 0
    out = capsys.readouterr().out
    assert "value: 10**20*mu**2/(2*10**20 - (2*10**20 - 2)*sigma**2)" in out
    assert "hessian_at_minimizer: [['10**20', '0'], ['0', '2*10**20']]" in out
    assert not any(len(run) >= 16 for run in _digit_runs(out))
    assert cli.main(["derive", "renyi(1e20)", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hessian_at_minimizer"] == [[str(10**20), "0"], ["0", str(2 * 10**20)]]
