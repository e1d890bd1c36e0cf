"""Sweeps over penalties and seeds: serial, on a dask.distributed LocalCluster (same numbers), tables, CLI."""

import json
import re

import numpy as np
import pytest

from vaemath.cli import main
from vaemath.vae import compare, markdown
from vaemath.vae.sweep import SUMMARY_METRICS

# one worker builds the shared (session) fixtures once, for every test of this file
pytestmark = pytest.mark.xdist_group("vae_compare")

SMALL = {"data": "linear", "quick": True, "epochs": 2, "K": 10}


@pytest.fixture(scope="session")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    return compare(("kl", "quadratic"), (0, 1), n_jobs=1, out=out, **SMALL), out


def test_summary_is_mean_and_std_over_seeds_of_the_runs(serial):
    result, out = serial
    assert [(r["penalty"], r["seed"]) for r in result["runs"]] == [("kl", 0), ("kl", 1), ("quadratic", 0),
                                                                   ("quadratic", 1)]
    for p in ("kl", "quadratic"):
        rows = [r["metrics"] for r in result["runs"] if r["penalty"] == p]
        for k in SUMMARY_METRICS:
            assert result["summary"][p][k]["mean"] == pytest.approx(np.mean([m[k] for m in rows]), rel=1e-12)
            assert result["summary"][p][k]["std"] == pytest.approx(np.std([m[k] for m in rows]), abs=1e-12)
    assert json.loads((out / "compare.json").read_text())["summary"] == json.loads(json.dumps(result["summary"]))
    assert result["runs"][1]["checkpoint"] == "kl-seed1/params.npz" and (out / "kl-seed1" / "params.npz").exists()
    table = markdown(result)
    assert table.splitlines()[0].endswith("| kl | quadratic |")
    assert sum(line.startswith("| nll_iw |") for line in table.splitlines()) == 1 and "±" in table


def test_dask_localcluster_on_loopback_gives_the_serial_numbers(serial):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(host="127.0.0.1", protocol="tcp://", n_workers=1, threads_per_worker=1,
                                  processes=False, dashboard_address=None) as cluster:
        result = compare(("kl", "quadratic"), (0, 1), scheduler=cluster.scheduler_address, **SMALL)
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1")
    assert json.dumps(result["runs"][0]["metrics"]) == json.dumps(serial[0]["runs"][0]["metrics"])
    assert json.dumps(result["summary"]) == json.dumps(serial[0]["summary"])


@pytest.mark.parametrize("address", ["nonsense", "tcp://127.0.0.1:notaport"])
def test_a_bad_scheduler_address_is_named(address):
    pytest.importorskip("dask.distributed")
    # r9f B1: dask's and Python's own messages ("invalid literal for int() ...") named no argument
    with pytest.raises(ValueError, match=f"^scheduler: cannot connect to '{re.escape(address)}' "):
        compare(("kl",), (0,), scheduler=address, **SMALL)


@pytest.mark.parametrize("text", ["mu**2 + (sigma-1)**2", "mu**2 + (sigma - 1)**2/2", "2*kl",
                                  "sigma**2/2 - log(sigma)"])
def test_checkpoint_folders_are_safe_names_one_per_text(text):
    from vaemath.vae.sweep import _folder

    name = _folder(text, 3)
    assert re.fullmatch(r"[A-Za-z0-9_]+-[0-9a-f]{8}-seed3", name) and name != _folder(text + " + 0*mu", 3)
    assert _folder("quadratic", 0) == "quadratic-seed0"


def test_bad_penalty_is_refused_before_any_run():
    with pytest.raises(ValueError, match="unbounded below"):
        compare(("kl", "-log(sigma)"), (0,), **SMALL)
    with pytest.raises(ValueError, match="seeds"):
        compare(("kl",), "0,x", **SMALL)
    with pytest.raises(ValueError, match=r"^seeds: expected distinct seeds, got \[0, 0\]"):
        compare(("kl",), "0,0", **SMALL)
    with pytest.raises(TypeError, match=r"^seeds: expected a list of integers such as \(0, 1, 2\), got 0$"):
        compare(("kl",), 0, **SMALL)
    with pytest.raises(ValueError, match=r"^penalties: 'kl' and 'kl' are the same penalty; expected distinct"):
        compare("kl, kl", (0,), **SMALL)
    with pytest.raises(ValueError, match=r"^penalties: 'kl' and '\(kl\)' are the same penalty"):  # review 9c D
        compare("kl,(kl)", (0,), **SMALL)
    with pytest.raises(ValueError, match=r"^penalties: 'quadratic' and 'mu\*\*2 \+ \(sigma - 1\)\*\*2' are the same"):
        compare(("quadratic", "mu**2 + (sigma - 1)**2"), (0,), **SMALL)
    with pytest.raises(ValueError, match=r"^penalties: 'kl' and 'mu\*\*2/2.*' are the same penalty"):  # review r9d B2
        compare("kl,mu**2/2+sigma**2/2-log(sigma**2)/2-1/2", (0,), **SMALL)  # log(sigma^2)/2 = log(sigma), sigma > 0
    for twice in ("kl,sqrt(kl**2)", "quadratic,mu**2 + (sigma-1)**2 + atan(sigma) + atan(1/sigma) - pi/2"):
        with pytest.raises(ValueError, match="are the same penalty"):  # review r9e B1: simplify proved neither
            compare(twice, (0,), **SMALL)
    from vaemath.vae.sweep import _names

    assert _names("kl,kl + 1e-30*mu**2") == ["kl", "kl + 1e-30*mu**2"]  # different, however little


def test_penalties_split_at_commas_outside_parentheses():
    from vaemath.vae.sweep import _names

    assert _names("max(kl, 1/2),quadratic, min(max(mu**2, 1), kl)") == [
        "max(kl, 1/2)", "quadratic", "min(max(mu**2, 1), kl)"]  # review 9b C2: 'max(kl' was refused
    with pytest.raises(ValueError, match=r"^penalties: item 1 of 2, '\[kl', of the list \['\[kl', 'quadratic\]'\]"):
        _names("[kl,quadratic]")  # review r9d D5: the parser's message named neither the list nor its syntax
    for text in ("max(kl, 1/2,quadratic", "kl),quadratic", "kl,quadratic)("):  # review 9c C: the whole list quoted
        with pytest.raises(ValueError, match=r"^penalties: unbalanced parentheses in "):
            _names(text)
    for bad in ({"bogus": 1}, {"seed": 3}):  # review 9c D3: was "train: unexpected argument(s)"
        with pytest.raises(TypeError, match=f"^compare: unexpected argument\\(s\\) \\['{next(iter(bad))}'\\]"):
            compare(("kl",), (0,), **bad, **SMALL)
    with pytest.raises(ValueError, match="^n_jobs: expected an integer from 1 to 64, got 1000000$"):
        compare(("kl",), (0,), n_jobs=10**6, **SMALL)  # joblib's own message named neither (review 8d, C6)


def test_cli_train_and_compare_json(capsys, tmp_path):
    assert main(["train", "--data", "linear", "--quick", "--epochs", "2", "--K", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"setup", "status", "objective", "metrics"} <= set(out) and out["setup"]["penalty"] == "kl"
    assert np.isfinite(out["objective"]) and "nll_iw" in out["metrics"]
    assert main(["compare", "--data", "linear", "--quick", "--epochs", "2", "--K", "10", "--seeds", "0",
                 "--jobs", "1", "--out", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["summary"]) == {"kl", "quadratic"} and out["summary"]["kl"]["nll_iw"]["std"] == 0.0


@pytest.mark.parametrize("argv, word", [(["train", "--data", "mnist"], "data"), (["train", "--latent", "0"], "latent"),
                                        (["train", "--penalty=-log(sigma)"], "penalty"),
                                        (["compare", "--seeds", "a"], "seeds"),
                                        (["train", "--latent", "1e9"], "latent: expected an integer from 1 to"),
                                        (["compare", "--epochs", "2.5"], "argument --epochs: expected an integer")])
def test_cli_bad_input_one_line_exit_2(capsys, argv, word):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"error: {word}" in err[0]


def test_cli_warning_is_one_line_on_stderr(capsys):
    assert main(["train", "--data", "linear", "--penalty", "mu**2", "--quick", "--epochs", "1", "--K", "5",
                 "--n", "50", "--json"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["vaemath train: warning: penalty: 'mu**2' is minimal at every point where mu = 0, not at isolated "
                   "points: along that set it does not hold the encoder's (mu, sigma), which may drift or collapse "
                   "freely"]


def test_cli_prints_no_numpy_warning_for_a_penalty_that_overflows_far_out(capsys):
    # r9g B2: the linear reference's search over log sigma in (-20, 10) overflowed 1e306 (sigma - 1)^2 at e^10:
    # "warning: overflow encountered in scalar multiply"
    assert main(["train", "--data", "linear", "--penalty", "mu**2+1e306*(sigma-1)**2", "--quick", "--epochs", "1",
                 "--K", "5", "--n", "50", "--json"]) == 0
    assert "overflow" not in capsys.readouterr().err


def test_compare_warns_once_per_penalty(capsys):
    # r9f D3: compare's own check and the run's each printed it
    assert main(["compare", "--data", "linear", "--penalties", "mu**2", "--seeds", "0", "--jobs", "1", "--quick",
                 "--epochs", "1", "--K", "5", "--n", "50", "--json"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning: penalty: 'mu**2' is minimal at every point where mu = 0" in err[0]


def test_readme_table_is_the_committed_compare_result():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    result = json.loads((root / "benchmarks" / "vae_compare.json").read_text())
    assert result["setup"]["penalties"] == ["kl", "quadratic"] and result["setup"]["seeds"] == [0, 1, 2]
    assert markdown(result) in (root / "README.md").read_text()


def test_bench_vae_lines_say_whether_each_target_is_met():
    from vaemath.vae import speed

    result = {"step": {"batch": 32, "penalty": "kl", "ms": {"vaemath": 30.0, "jax.jit": 10.0},
                       "ratio_to_jax": {"vaemath": 3.0, "jax.jit": 1.0}},
              "penalty": [{"penalty": "kl", "us": {"primitive": 100.0, "composed": 350.0, "floor": 20.0},
                           "speedup": 3.5,
                           "speedup_above_floor": 4.0},
                          {"penalty": "hellinger_squared",
                           "us": {"primitive": 100.0, "composed": 250.0, "floor": 20.0},
                           "speedup": 2.5, "speedup_above_floor": 3.1}],
              "wall": {"train_s": 29.0, "train_load": 1.0, "compare_s": 200.0, "compare_load": 2.0}}
    lines = speed.markdown(result).splitlines()
    verdicts = {key: next(line for line in lines if line.startswith(f"- {key}")) for key in
                ("training step", "penalty primitive", "one default", "default compare")}
    assert "3.00x jax.jit: misses" in verdicts["training step"]
    assert "at least 2.50x" in verdicts["penalty primitive"] and "misses" in verdicts["penalty primitive"]
    assert "29.0 s at load 1.0: meets" in verdicts["one default"]
    assert "200.0 s at load 2.0: misses" in verdicts["default compare"]


def test_one_seed_table_claims_no_spread():
    summary = {"kl": {k: {"mean": 1.5, "std": 0.0} for k in SUMMARY_METRICS}}
    one = markdown({"setup": {"seeds": [4]}, "summary": summary})
    assert "±" not in one and "seed 4: no spread" in one.splitlines()[0] and "| nll_iw | 1.500 |" in one
    two = markdown({"setup": {"seeds": [0, 1]}, "summary": summary})
    assert "| nll_iw | 1.500 ± 0.000 |" in two


def test_a_run_the_guard_stopped_is_named_under_the_table():
    # review helper-99: compare printed the metrics of an untrained run with no word that the guard had stopped it
    summary = {"kl": {k: {"mean": 1.5, "std": 0.0} for k in SUMMARY_METRICS}}
    runs = [{"penalty": "kl", "seed": 0, "status": {"stopped": "epochs"}},
            {"penalty": "kl", "seed": 1, "status": {"stopped": "non-finite", "message": "step 1: the KL term is nan"}}]
    lines = markdown({"setup": {"seeds": [0, 1]}, "summary": summary, "runs": runs}).splitlines()
    assert lines[-1] == ("- kl, seed 1: stopped by the guard (step 1: the KL term is nan); its metrics are those of "
                         "the last finite parameters")
    assert sum("stopped" in line for line in lines) == 1
