"""`vaemath report --quick`: the files, the verdict and the numbers in report.md, checked against closed forms."""

import json
import math
import re

import numpy as np
import pytest

import vaemath.report as report_module
from vaemath import check
from vaemath.cli import main
from vaemath.report import CAPTIONS, lower_bound

# one worker builds the quick report once (a session fixture: never rebuilt when tests interleave)
pytestmark = pytest.mark.xdist_group("quick_report")

USER_TEXT = "mu**2 + (sigma - 1)**2"


@pytest.fixture(scope="session")
def quick(tmp_path_factory):
    """One quick report for the question's penalty typed as text, PNG and SVG, with --json."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("report")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main(["report", "--penalty", USER_TEXT, "--out", str(out), "--quick", "--format", "png,svg",
                       "--json"])
    return status, json.loads(buf.getvalue()), out, (out / "report.md").read_text()


def test_quick_report_writes_every_figure_and_the_report(quick):
    status, result, out, text = quick
    assert status == 0
    for name in CAPTIONS:
        if name == "bench" and not (out / "figures" / "bench.png").exists():
            continue
        for fmt in ("png", "svg"):
            assert (out / "figures" / f"{name}.{fmt}").stat().st_size > 5000, name
        assert f"](figures/{name}.png)" in text and CAPTIONS[name] in text
    for section in ("## Verdict", "## Equivalence check", "## The linear-Gaussian VAE", "## VAEs on the digits",
                    "## Figures", "## Reproduction"):
        assert section in text
    assert set(result["stages"]) == {"equivalence check", "linear-Gaussian VAE (exact)", "figures 1-6",
                                     "linear VAE training", "digits VAEs (compare)", "figures 7-11", "report.md"}
    assert "time of each stage" in text and "numpy " in text and "seed 0" in text


def test_quick_report_says_the_quadratic_is_not_a_bound(quick):
    _, result, _, text = quick
    assert result["relation"] == "minimizer"
    assert result["lower_bound"]["guaranteed"] is False and result["lower_bound"]["ratio_inf"] == "0"
    assert "NOT guaranteed to be a lower bound" in result["verdict"]
    assert f"reconstruction - ({USER_TEXT}) is NOT" in result["verdict"]  # typed text in brackets, not - mu**2 + ...
    assert "is not guaranteed to be a lower bound on log p(x)" in text


def test_linear_table_holds_the_closed_forms(quick):
    text = quick[3]
    # pPCA (Tipping & Bishop 1999) for C = diag(5, 2, 0.5), k = 1: tau^2 = 1.25, loglik = -(D log 2pi + log|C| + D)/2
    ppca = -0.5 * (3 * math.log(2 * math.pi) + math.log(5) + 2 * math.log(1.25) + 3)
    # quadratic: infimum on the rescaling path, D/2 (log(2 pi (2 + 0.5)/D) + 1) + lim pen(c mu, c sigma) (= 1)
    inf_quad = 1.5 * (math.log(2 * math.pi * 2.5 / 3) + 1) + 1
    kl_row = re.search(r"\| `kl` \| ([\d.]+) \| yes \|", text)
    quad_row = re.search(r"\| `" + re.escape(USER_TEXT) + r"` \| ([\d.]+) \| no \(infimum\) \|.*\| -oo \|", text)
    assert kl_row and quad_row
    assert abs(float(kl_row.group(1)) + ppca) < 1e-6
    assert abs(float(quad_row.group(1)) - inf_quad) < 1e-6
    assert f"below {-ppca:.4f} = -log-likelihood of the best model" in text


def test_digits_table_comes_from_compare(quick):
    text = quick[3]
    assert re.search(r"\| nll_iw \| [\d.]+ \| [\d.]+ \|", text)  # quick: one seed, no spread column
    assert "bound gap" in text
    # the IWAE estimate's convergence is read with its K (quick: one seed, so no spread is claimed)
    k = re.search(r"from K/10 = (\d+) to K = (\d+) importance samples \(mean effective sample size [\d.]+ of (\d+)\)",
                  text)
    assert k and int(k.group(1)) == int(k.group(2)) // 10 and k.group(2) == k.group(3)
    assert "(one seed: no spread)" in text and "± 0.00 nats" not in text


@pytest.mark.parametrize("pen, guaranteed", [("2*kl", True), ("kl + mu**2", True), ("quadratic", False),
                                             ("kl/2", False), ("kl - 1", False)])
def test_lower_bound_follows_pen_ge_kl(pen, guaranteed):
    # pen - KL >= 0 everywhere by construction for the first two; the others fall below KL somewhere.
    assert lower_bound(check(pen)).get("guaranteed") is guaranteed


@pytest.mark.parametrize("argv, words", [
    (["--penalty", "import os"], "penalty"), (["--penalty=-log(sigma)"], "penalty"),
    (["--format", "png,gif"], "format"), (["--seed", "-1"], "seed"), (["--against", "nonsense"], "--against: "),
    (["--out", "{file}"], "out: "), (["--prior", "5"], "--prior"), (["--prior", "5,0"], "--prior"),
    (["--prior", "5,nan"], "--prior"), (["--budget", "0"], "--budget"), (["--budget", "nan"], "--budget"),
    (["--penalty", "quadratic", "--prior", "1,2"], "prior: ")])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, monkeypatch, argv, words):
    (tmp_path / "file").write_text("x")
    argv = [a.format(file=tmp_path / "file") for a in argv]
    monkeypatch.setattr(report_module._Stages, "run", lambda *a, **k: pytest.fail("a stage ran before refusing"))
    assert main(["report", "--out", str(tmp_path), "--quick", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err
    assert not (tmp_path / "report.md").exists()


def test_quick_figures_are_identical_across_runs(quick, tmp_path):
    """The analysis figures drawn again with the same seed give the same bytes (VAE figures: test_figures)."""
    from vaemath import figures as F
    from vaemath.report import COV, LATENT

    out = quick[2]
    import vaemath

    optima = {n: vaemath.linear.optimum(COV, LATENT, n, starts=2) for n in ("kl", USER_TEXT)}
    again = F.save(F.linear_path_figure(optima, COV, LATENT), tmp_path / "linear_path.png").read_bytes()
    assert again == (out / "figures" / "linear_path.png").read_bytes()


def test_report_passes_prior_and_budget_to_what_it_runs(monkeypatch, capsys, tmp_path):
    """`report --prior MU,SIGMA --budget S` reaches report() as check and derive take them (review r8i C5)."""
    seen = {}
    monkeypatch.setattr(report_module, "report",
                        lambda *a, **k: seen.update(k) or {"verdict": "v", "report": "r", "files": ["r"]})
    assert main(["report", "--penalty", "kl", "--out", str(tmp_path), "--quick", "--prior", "5,3", "--budget",
                 "2"]) == 0
    assert seen["prior"] == (5.0, 3.0) and seen["budget"] == 2.0


def test_report_stages_take_the_prior(monkeypatch):
    """The check and the linear-Gaussian VAE's optimum of a report against N(5, 3^2), run at the quick size: kl
    against the prior is identical to the reference, keeps the bound (its zero is at (5, 3), not (0, 1)), and its
    optimum is pPCA with the offset c = 5, -loglik = 3/2 log(2 pi) + 1/2 log(5 * 1.25^2) + 3/2 for C = diag(5, 2, 1/2),
    k = 1 (tau^2 = 1.25, by hand); the VAEs train KL(N(mu, sigma^2) || N(5, 9)) written out."""
    import sympy as sp

    from vaemath import analysis, linear
    from vaemath.symbolic import mu, parse, sigma

    calls = []
    for module, name in ((analysis, "check"), (linear, "optimum")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name,
                            lambda *a, _real=real, _n=name, **k: calls.append((_n, a, k)) or _real(*a, **k))
    ctx = report_module.setup("kl", "kl", budget=2, prior=(5, 3))
    ctx.update(sizes=report_module.SIZES[True], seed=0)
    report_module._check(ctx)
    report_module._linear_exact(ctx)
    assert ctx["verdict"].relation == "identical" and ctx["bound"]["guaranteed"] is True
    opt = ctx["optima"]["kl against N(5, 3**2)"]
    want = 1.5 * math.log(2 * math.pi) + 0.5 * math.log(5 * 1.25**2) + 1.5
    assert opt.objective == pytest.approx(want, rel=1e-12) and opt.offset == [5.0]
    assert all(a[3] == 2 for n, a, k in calls if n == "check")  # the budget, positionally
    assert [(a[6], a[7]) for n, a, k in calls if n == "optimum"] == [(2, (5, 3))]
    text = ctx["train_as"]["kl against N(5, 3**2)"]
    by_hand = sp.log(3 / sigma) + (sigma**2 + (mu - 5) ** 2) / 18 - sp.Rational(1, 2)
    assert sp.simplify(parse(text) - by_hand) == 0
    # figure 6 draws the penalty at the encoder's best offset c = 5, what the optimum minimises: KL against N(0, 9)
    drawn = report_module._at_offset(ctx)["kl against N(5, 3**2)"]
    assert sp.simplify(drawn.expr - by_hand.subs(mu, mu + 5)) == 0
    from vaemath.figures.linear import path_curves

    curves = path_curves(report_module.COV, 1, [drawn], [1e-2, 1.0])
    assert np.all(np.isfinite(curves["objective"]["kl against N(5, 3**2)"]))
