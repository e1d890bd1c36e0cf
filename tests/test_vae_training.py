"""Training and metrics of the VAE: the linear model against vaemath.linear, estimators against closed forms,
reproducibility, the NaN guard, checkpoints and bad input."""

import json
import math
import os
import re
import warnings

import numpy as np
import pytest

from vaemath.analysis.linear import loglik, objective, ppca
from vaemath.vae import load, metrics, train
from vaemath.vae.data import digits, linear_gaussian
from vaemath.vae.model import Linear

# one worker builds the shared (session) fixtures once, for every test of this file
pytestmark = pytest.mark.xdist_group("vae_training")

COV = "5,2,0.5"


@pytest.fixture(scope="session")
def linear_kl():
    return train("linear", "kl", n=2000, epochs=400, lr=0.03, eval_every=100, K=20, progress=False)


def test_linear_kl_reaches_the_ppca_optimum_of_the_sample_covariance(linear_kl):
    r = linear_kl
    ref = r.setup["reference"]
    x = linear_gaussian(COV, 2000, 0)
    pp = ppca(np.cov(x, rowvar=False, bias=True), 1)
    assert ref["path"].startswith("probabilistic PCA")
    assert abs(r.history["linear_objective"][-1] - ref["objective"]) < 1e-3
    assert ref["objective"] == pytest.approx(-pp["loglik"], rel=1e-9)
    w = r.params["W"][:, 0]
    assert min(np.abs(w - pp["w"][:, 0]).max(), np.abs(w + pp["w"][:, 0]).max()) < 0.05
    tau2 = float(np.exp(r.params["log_tau2"]))
    assert tau2 == pytest.approx(pp["tau2"], rel=0.02)
    sigma_closed = math.sqrt(tau2 / (tau2 + w @ w))  # Lucas et al. 2019: optimal sigma for a fixed decoder
    assert float(np.exp(r.params["log_sigma"][0])) == pytest.approx(sigma_closed, abs=0.02)


def test_linear_quadratic_falls_toward_the_infimum_while_sigma_collapses():
    r = train("linear", "quadratic", n=2000, epochs=300, lr=0.03, eval_every=30, K=20, progress=False)
    h, ref = r.history, r.setup["reference"]
    assert not ref["attained"] and ref["loglik_limit"] == "-oo"
    late = slice(2, None)  # after 60 epochs the run is on the rescaling path
    assert np.all(np.diff(h["linear_objective"][late]) < 0)
    assert np.all(np.diff(np.ravel(h["sigma"])[late]) < 0) and h["sigma"][-1][0] < 0.1
    assert np.all(np.diff(h["w_norm"][late]) > 0)
    assert ref["objective"] < h["linear_objective"][-1]  # the infimum is approached, never reached
    # the objective lies below -log-likelihood of the best model (pPCA): it is no longer a bound
    assert h["linear_objective"][-1] < -ref["ppca_loglik"]


def test_a_penalty_with_a_kink_where_encoders_start_is_trained():
    # review helper-99: abs(mu) + abs(sigma - 1) has no gradient at sigma = 1, where the encoder starts, and the run
    # stopped at its first step as non-finite (exit 0, an untrained model; `report` then failed). With the steepest
    # descent along each axis at a kink, every step is finite and the exact objective falls
    r = train("linear", "abs(mu) + abs(sigma-1)", n=2000, epochs=60, lr=0.03, eval_every=20, K=20, progress=False)
    h = r.history
    assert r.status["stopped"] == "epochs" and len(h["epoch"]) >= 3
    assert np.all(np.isfinite(h["linear_objective"])) and h["linear_objective"][-1] < h["linear_objective"][0]


def _linear_params(rng):
    w = np.array([[1.5], [0.4], [-0.2]])
    return {"W": w, "V": np.array([[0.4, 0.1, 0.0]]), "b": np.array([0.1, 0.0, -0.1]),
            "log_sigma": np.array([math.log(0.5)]), "log_tau2": np.array(math.log(0.8))}


def test_iwae_and_elbo_against_the_linear_model_closed_forms(rng):
    """IWAE -> exact log N(x; b, WW^T + tau^2 I); ELBO(kl) = -vaemath.linear.objective; MI Gaussian closed form."""
    model, p = Linear(3, 1), _linear_params(rng)
    x = linear_gaussian(COV, 2000, 7)
    c = (x - p["b"]).T @ (x - p["b"]) / len(x)
    tau2, sig = 0.8, np.exp(p["log_sigma"])
    m = metrics.evaluate(model, p, x, "kl", 200, 1, linear_cov=c)
    exact = loglik(p["W"], tau2, c)
    assert m["loglik_exact"] == pytest.approx(exact, rel=1e-12)
    assert m["nll_iw"] == pytest.approx(-exact, abs=0.01)
    assert m["elbo_kl"] == pytest.approx(-objective(p["W"], p["V"], sig, tau2, c, "kl"), abs=0.02)
    assert m["elbo_kl"] < -m["nll_iw"] <= m["nll_iw_k10"] * -1 + 0.05
    var_mu = np.var((x - p["b"]) @ p["V"].T)
    assert m["mi"] == pytest.approx(0.5 * math.log(1 + var_mu / sig[0] ** 2), abs=0.03)
    assert m["active_units"] == 1 and m["sigma_geomean"] == pytest.approx(0.5, rel=1e-12)


def test_independent_pixel_baseline_by_hand():
    train_x = np.array([[0, 3], [0, 3], [1, 3]], dtype=float)
    test_x = np.array([[1, 0]], dtype=float)
    p0 = (1 + 1) / (3 + 17)  # level 1 at pixel 0, add-one smoothing
    p1 = (0 + 1) / (3 + 17)
    assert metrics.independent_pixels(train_x, test_x) == pytest.approx(-math.log(p0) - math.log(p1), rel=1e-14)
    d = digits()
    assert 104 < metrics.independent_pixels(d["train"], d["test"]) < 110


def test_digits_split_is_the_companion_code_split():
    from sklearn.datasets import load_digits

    d, raw = digits(), load_digits().data
    assert [len(d[k]) for k in ("train", "val", "test")] == [1000, 350, 447]
    np.testing.assert_array_equal(d["val"], raw[1000:1350])
    assert d["train"].max() == 16 and d["train"].min() == 0


@pytest.fixture(scope="session")
def quick_digits(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return train("digits", "quadratic", quick=True, epochs=2, K=8, latent=3, progress=False, out=out), out


def test_quick_digits_run_reports_every_metric_and_writes_checkpoints(quick_digits):
    r, out = quick_digits
    for key in ("nll_iw", "elbo_kl", "objective", "bound_gap", "reconstruction", "penalty", "active_units", "mi",
                "kl_aggregate", "sigma_mean", "sigma_geomean", "decoder_norm", "mu_sq", "nll_iw_k10", "ess"):
        assert math.isfinite(r.metrics[key]), key
        assert len(r.history[key]) == 2 if key not in ("nll_iw_k10",) else True
    assert r.metrics["bound_gap"] == pytest.approx(r.metrics["objective"] + r.metrics["nll_iw"], rel=1e-12)
    assert 1 <= r.metrics["ess"] <= 8 and len(r.metrics["sigma_per_dim"]) == 3
    saved = np.load(out / "params.npz")
    for k, v in r.params.items():
        np.testing.assert_array_equal(saved[k], v)
    assert json.loads((out / "result.json").read_text())["metrics"] == json.loads(json.dumps(r.metrics))
    assert r.sample_prior(4, seed=1).shape == (4, 64)
    rec = r.reconstruct(digits()["test"][:5], seed=1)
    assert rec.shape == (5, 64) and set(np.unique(rec)) <= set(range(17))
    back = load(out)
    np.testing.assert_array_equal(back.encode(digits()["test"][:5])[1], r.encode(digits()["test"][:5])[1])
    np.testing.assert_array_equal(back.sample_prior(3, seed=2), r.sample_prior(3, seed=2))


def test_load_names_what_is_wrong_with_the_folder(quick_digits, tmp_path):
    import shutil

    _, out = quick_digits
    with pytest.raises(TypeError, match="^folder: expected a folder path, got 3$"):
        load(3)
    with pytest.raises(ValueError, match="params.npz' is a file; expected the folder"):  # review r9d D2
        load(out / "params.npz")
    with pytest.raises(ValueError, match="nonexist' does not exist$"):  # review r9e D2: said "has no params.npz"
        load(tmp_path / "nonexist")
    with pytest.raises(ValueError, match="^folder: got an empty path"):  # was reported as '.'
        load("")
    shutil.copy(out / "params.npz", tmp_path / "params.npz")  # a run interrupted before result.json
    with pytest.raises(ValueError, match="has no result.json"):
        load(tmp_path)
    (tmp_path / "result.json").write_text('{"setup": ')
    with pytest.raises(ValueError, match="result.json' is not valid JSON"):
        load(tmp_path)
    shutil.copy(out / "result.json", tmp_path / "result.json")
    for write in (lambda f: f.write_bytes(b"not a zip file"), lambda f: np.save(f.open("wb"), np.zeros(3))):
        write(tmp_path / "params.npz")  # garbage, or one .npy array under the name (review 9c B2)
        with pytest.raises(ValueError, match="params.npz' is not a saved parameter file"):
            load(tmp_path)
    # an interrupted run over an older one: new parameters beside the old result.json (review 9b A3)
    params = dict(np.load(out / "params.npz"))
    params["dec0_W"] = params["dec0_W"] + 1.0
    np.savez(tmp_path / "params.npz", **params)
    with pytest.raises(ValueError, match="params.npz and result.json of different runs"):
        load(tmp_path)
    result = json.loads((out / "result.json").read_text())
    (tmp_path / "result.json").write_text(json.dumps({k: v for k, v in result.items() if k != "params_sha256"}))
    with pytest.warns(UserWarning, match="has no params_sha256"):  # an older run's result.json (review 9c D4)
        load(tmp_path)
    np.savez(tmp_path / "params.npz", **Linear(3, 1).init(np.random.default_rng(0)))  # beside the digits result.json
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="does not hold the parameters of the model"):
        load(tmp_path)  # review r9d D1: loaded, then a KeyError in encode
    (tmp_path / "result.json").write_text("[]")
    with pytest.raises(ValueError, match="result.json' is not a result written by train"):
        load(tmp_path)


def test_a_run_into_a_used_folder_first_removes_the_older_result(tmp_path, monkeypatch):
    import vaemath.vae.training as training

    (tmp_path / "result.json").write_text("{}")
    monkeypatch.setattr(training, "_load", lambda s: (_ for _ in ()).throw(KeyboardInterrupt))  # stopped at once
    with pytest.raises(KeyboardInterrupt):
        train("digits", "kl", quick=True, out=tmp_path, progress=False)
    assert not (tmp_path / "result.json").exists()


@pytest.mark.parametrize("out, error", [("", ValueError), ("  ", ValueError), (3, TypeError)])
def test_an_out_that_is_not_a_folder_path_is_refused(out, error):
    with pytest.raises(error, match=f"^out: expected a folder path, got {re.escape(repr(out))}$"):
        train("digits", "kl", quick=True, out=out, progress=False)


def test_same_seed_gives_bit_identical_results(quick_digits):
    r, _ = quick_digits
    # and the evaluation's BLAS threads (all cores in the fixture) do not change a bit
    assert r.setup["eval_threads"] == len(os.sched_getaffinity(0))
    again = train("digits", "quadratic", quick=True, epochs=2, K=8, latent=3, progress=False, eval_threads=1)
    for k in r.params:
        assert np.array_equal(r.params[k], again.params[k]), k
    assert json.dumps(r.metrics) == json.dumps(again.metrics)
    other = train("digits", "quadratic", quick=True, epochs=1, K=8, latent=3, seed=1, progress=False)
    assert not np.array_equal(r.params["dec0_W"], other.params["dec0_W"])


@pytest.mark.parametrize("bad_step", [3, 1])
def test_nan_guard_stops_keeps_finite_params_and_names_step_and_term(monkeypatch, bad_step):
    import vaemath.vae.model as model_mod

    calls = {"n": 0}
    real = model_mod.categorical_loglik

    def poisoned(logits, x):
        calls["n"] += 1
        out = real(logits, x)
        return out * np.nan if calls["n"] == bad_step else out

    monkeypatch.setattr(model_mod, "categorical_loglik", poisoned)
    with warnings.catch_warnings():  # the guard's message, not numpy's overflow/invalid warnings (review 9c D1)
        warnings.simplefilter("error", RuntimeWarning)
        r = train("digits", "kl", quick=True, epochs=2, batch=250, K=4, latent=2, progress=False)
    assert r.status["stopped"] == "non-finite"
    assert f"step {bad_step}: the reconstruction term is nan" in r.status["message"]
    assert ("the parameters are the initial ones" in r.status["message"]) == (bad_step == 1)
    assert r.status["steps"] == bad_step and r.status["best_epoch"] is None
    assert all(np.all(np.isfinite(v)) for v in r.params.values())
    assert math.isfinite(r.metrics["nll_iw"])


def test_a_run_the_guard_stopped_is_evaluated_without_numpy_warnings():
    # lr = 1e4 on linear data: a NaN at step 4; the kept parameters overflow exp(log tau^2) in the final evaluation,
    # whose five RuntimeWarnings reached the user after the guard's own message (review r9d B1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = train("linear", "kl", lr=1e4, quick=True, epochs=20, progress=False)
    assert r.status["stopped"] == "non-finite" and math.isfinite(r.metrics["mi"])


def test_a_diverged_run_the_guard_did_not_stop_has_true_metrics_and_no_warnings(tmp_path):
    # lr = 3e3 on linear data, quadratic: every step finite, but log tau^2 ends near 2780 (review r9e B2: NaN
    # loglik_exact and three RuntimeWarnings). By hand, with tau^2 = e^2780 swamping W W^T and the data about b:
    # log N(x; b, W W^T + tau^2 I) = -D/2 (log 2 pi + log tau^2) to ~1e-300, and tau^2 itself is +inf in float64
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = train("linear", "quadratic", lr=3e3, quick=True, epochs=3, progress=False, out=tmp_path)
    log_tau2 = float(r.params["log_tau2"])
    assert r.status["stopped"] == "epochs" and log_tau2 > 710
    assert r.metrics["loglik_exact"] == pytest.approx(-1.5 * (math.log(2 * math.pi) + log_tau2), rel=1e-12)
    assert r.metrics["tau2"] == math.inf
    assert not [k for k, v in r.metrics.items() if isinstance(v, float) and math.isnan(v)]
    # r9f D2: "tau2": Infinity is not JSON (RFC 8259); strict parsers (jq, JavaScript) refused the file

    def strict(token):
        raise ValueError(f"not JSON: {token}")
    saved = json.loads((tmp_path / "result.json").read_text(), parse_constant=strict)
    assert saved["metrics"]["tau2"] == "inf" and load(tmp_path).metrics == r.metrics


@pytest.mark.parametrize("kwargs, name", [
    ({"data": "mnist"}, "data"), ({"latent": 0}, "latent"), ({"epochs": 0}, "epochs"), ({"K": 0}, "K"),
    ({"penalty": "-log(sigma)"}, "penalty"), ({"penalty": "exp(-sigma) + mu**2"}, "penalty"),
    ({"data": "linear", "latent": 3}, "latent"), ({"K": 10**9}, "K: expected an integer from 1 to 100000, got 10"),
    ({"hidden": (10**5,)}, "hidden"), ({"data": "linear", "n": 10**9}, "n: expected an integer from 2 to 1000000"),
    ({"lr": -1.0}, "lr"), ({"data": "linear", "cov": "1,x"}, "cov"), ({"split_seed": "abc"}, "split_seed"),
    ({"hidden": 5}, "hidden: expected a sequence"), ({"anneal": "no"}, "anneal"), ({"quick": "yes"}, "quick"),
    ({"penalty": "1e400*mu**2 + (sigma-1)**2"}, "penalty: .* beyond float64"),
    # by hand: exp(1000 * 0.7788) / 4 > 1.8e308 (review 9c B1: 240 s of symbolic work, then the NaN guard)
    ({"penalty": "exp(1000*sigma)*mu**2 + (sigma-1)**2"},
     r"penalty: .* not finite in float64 at \(mu, sigma\) = \(-0.5, 0.7788\)"),
    ({"latent": 1000, "K": 100000}, "K, latent: .* 333.0 GiB"),  # by hand: 8 * 447 * 1e5 * 1000 bytes
    ({"progress": "no"}, "progress"),
    ({"history_K": 40000}, "history_K, latent: .* 4.8 GiB"),  # the training set's 1000 rows: 8 * 1000 * 4e4 * 16
    ({"data": "linear", "n": 3}, "n: .* expected n > 3, got 3"),  # default cov is 3x3: rank <= n - 1 = 2
])
def test_bad_input_is_refused_before_training(kwargs, name, monkeypatch):
    import vaemath.vae.training as training

    monkeypatch.setattr(training, "_load", lambda s: pytest.fail("data loaded before the arguments were checked"))
    with pytest.raises((ValueError, TypeError), match=f"^{name}"):
        train(**{"progress": False, **kwargs})


def test_an_unwritable_out_is_refused_before_any_training(tmp_path, monkeypatch):
    import vaemath.vae.training as training
    from vaemath.vae import compare

    monkeypatch.setattr(training, "_load", lambda s: pytest.fail("data loaded before --out was checked"))
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="out: .* exists and is not a folder"):
        train("digits", "kl", quick=True, out=blocker, progress=False)
    with pytest.raises(ValueError, match="out: .* exists and is not a folder"):
        compare(("kl",), (0,), quick=True, out=blocker)


def test_a_penalty_object_is_trained_as_its_expression_not_as_its_name():
    import sympy as sp

    from vaemath.symbolic import mu, sigma
    from vaemath.symbolic import penalty as parse
    from vaemath.vae.training import _setup

    # sigma read as the variance: by hand the expression is mu^2 + (s^2 - 1)^2 in the standard deviation s
    p = parse("mu**2 + (sigma-1)**2", sigma_means="var")
    text = _setup(penalty=p, quick=True)["penalty"]
    assert sp.expand(parse(text).expr - (mu**2 + (sigma**2 - 1)**2)) == 0
    assert _setup(penalty="kl", quick=True)["penalty"] == "kl"
    # kinks too (review 9b C6: Abs and Max were printed as sympy spells them, which the parser refuses); by hand
    # |mu| + |s^2 - 1| and max(mu^2, (s^2 - 1)^2)
    for typed, truth in [("abs(mu) + abs(sigma-1)", abs(mu) + abs(sigma**2 - 1)),
                         ("max(mu**2, (sigma-1)**2)", sp.Max(mu**2, (sigma**2 - 1) ** 2))]:
        text = _setup(penalty=parse(typed, sigma_means="var"), quick=True)["penalty"]
        assert parse(text).expr == truth, text


def test_compare_on_a_cluster_without_dask_says_what_to_install(monkeypatch):
    import sys

    from vaemath.vae.sweep import _on_dask

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as in an install without the cluster extra
    with pytest.raises(ValueError, match=r"^scheduler: .*vaemath\[cluster\]"):
        _on_dask("tcp://127.0.0.1:8786", [])
