"""Training: reparametrised single-sample objective, Adam on minibatches, early stopping, a NaN/inf guard.

Adam is :func:`vaemath.vae.adam.adam` (Kingma & Ba 2015): ``autograd.misc.optimizers.adam``'s update, bit for
bit, fused into one numba pass per parameter array (autograd's flattens the parameters and makes a dozen
numpy passes per step, as long as the gradient itself for the digits model). It owns its loop, so epochs end, early
stopping and the NaN/inf guard act from inside the gradient function: at an epoch boundary it evaluates
the validation set and may stop the run by raising :class:`_Stop`, which :func:`train` catches, keeping
the best (early stopping) or the last finite (guard) parameters.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval
from threadpoolctl import threadpool_limits

from vaemath import jsonio
from vaemath.atomic import atomic_path, check_writable
from vaemath.vae import metrics as _metrics
from vaemath.vae.adam import adam
from vaemath.vae.data import SPLIT, digits, linear_gaussian
from vaemath.vae.gradient import value_and_grad
from vaemath.vae.model import LIKELIHOODS, MLP, Linear
from vaemath.vae.penalty import penalty_sum, resolve, trainable

DATASETS = ("digits", "linear")
DEFAULTS = {  # per data set: latent, epochs, batch, lr, patience
    # digits: 30 epochs of batch 32 (960 Adam steps) reach what 60 epochs of batch 64 did (test NLL 94.8 vs 94.7
    # for kl, seed 0) in a third less time; lr 3e-3 was worse (5 active units); early stopping after 10 flat epochs
    "digits": {"latent": 16, "epochs": 30, "batch": 32, "lr": 1e-3, "patience": 10, "eval_every": 1, "anneal": False},
    "linear": {"latent": 1, "epochs": 500, "batch": None, "lr": 3e-2, "patience": None, "eval_every": 50,
               "anneal": True},
}
# upper bounds of sizes and counts: far above any use (the defaults are 16, 30, 1000, 10, 5000, 256), low enough
# that a mistyped value is refused instead of allocating gigabytes or running for days
MAXIMA = {"latent": 1000, "epochs": 100_000, "K": 100_000, "history_K": 100_000, "hidden": 10_000, "n": 10**6,
          "batch": 10**6, "threads": 1024, "eval_threads": 1024}
QUICK = {"epochs": 3, "hidden": (32,), "K": 20, "history_K": 5, "n": 2000}
HISTORY_KEYS = ("objective", "nll_iw", "elbo_kl", "bound_gap", "reconstruction", "penalty", "kl", "active_units",
                "mi", "kl_aggregate", "sigma_mean", "sigma_geomean", "decoder_norm", "mu_sq", "ess")


class _Stop(Exception):
    """Ends the Adam loop early: ``reason`` is "early stopping" or "non-finite"."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass
class TrainResult:
    """A trained VAE: parameters, per-epoch validation history, test metrics and the setup that made it.

    Attributes
    ----------
    params : dict of numpy arrays
        At the best validation epoch (or the last finite step if the guard stopped the run).
    history : dict of lists
        One entry per evaluated epoch on the validation set: ``epoch``, ``train_objective`` and the
        metric names of :func:`vaemath.vae.metrics.evaluate` (with ``history_K`` importance samples);
        for linear data also ``w_norm``, ``sigma``, ``linear_objective`` and ``loglik_exact``.
    metrics : dict
        Test-set metrics at ``params`` (:func:`vaemath.vae.metrics.evaluate`, K samples).
    setup : dict
        Every argument, the data sizes, and for linear data the analytic ``reference``.
    status : dict
        ``stopped`` ("epochs", "early stopping" or "non-finite"), ``message``, ``best_epoch``, ``steps``,
        ``seconds``.
    """

    params: dict
    history: dict
    metrics: dict
    setup: dict
    status: dict
    objective: float = math.nan
    model: object = field(default=None, repr=False)

    def to_dict(self) -> dict:
        """JSON-able: setup, status, objective (trained objective per datum on the training data), metrics,
        history."""
        return {"setup": self.setup, "status": self.status, "objective": self.objective,
                "metrics": self.metrics, "history": self.history}

    def encode(self, x) -> tuple:
        """(mu, log sigma) of q(z | x), each (N, L)."""
        mu, s = self.model.encode(self.params, np.asarray(x, dtype=np.float64))
        return np.asarray(mu), np.asarray(s)

    def sample_prior(self, n: int, seed: int = 0) -> np.ndarray:
        """n draws x ~ p(x | z), z ~ N(0, I) (digits: grey levels 0..16), shape (n, D)."""
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, self.model.latent))
        return self.model.sample_x(self.params, self.model.decode(self.params, z), rng)

    def reconstruct(self, x, seed: int = 0) -> np.ndarray:
        """x' ~ p(x | z), z ~ q(z | x): one reconstruction per row of x, shape (N, D)."""
        rng = np.random.default_rng(seed)
        mu, s = self.encode(x)
        z = mu + np.exp(s) * rng.standard_normal(mu.shape)
        return self.model.sample_x(self.params, self.model.decode(self.params, z), rng)

    def save(self, out) -> list:
        """Write ``params.npz`` and ``result.json`` (with the parameters' SHA-256, which :func:`load` checks) into
        folder ``out``, atomically; returns the paths."""
        out = Path(out)
        paths = [save_params(self.params, out / "params.npz"), out / "result.json"]
        with atomic_path(paths[1]) as tmp:
            tmp.write_text(jsonio.dumps({**self.to_dict(), "params_sha256": _digest(self.params)}, indent=1))
        return paths


def _digest(params: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(params):
        h.update(k.encode() + str(params[k].shape).encode() + np.ascontiguousarray(params[k], dtype=np.float64).data)
    return h.hexdigest()


def load(folder) -> TrainResult:
    """A :class:`TrainResult` from the ``params.npz`` and ``result.json`` that ``out=`` / ``save`` wrote.

    Raises
    ------
    ValueError
        If the folder does not exist, lacks either file (the message names which), or result.json is not valid JSON.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder: expected a folder path, got {folder!r}")
    if str(folder) == "":
        raise ValueError("folder: got an empty path; expected the folder train(out=...) wrote")
    folder = Path(folder)
    if not folder.exists():
        raise ValueError(f"folder: {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise ValueError(f"folder: {str(folder)!r} is a file; expected the folder holding params.npz and result.json")
    missing = [f for f in ("params.npz", "result.json") if not (folder / f).is_file()]
    if missing:
        raise ValueError(f"folder: {str(folder)!r} has no {' and no '.join(missing)} (written by train(out=...))")
    try:
        d = jsonio.loads((folder / "result.json").read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"folder: {str(folder / 'result.json')!r} is not valid JSON ({exc})") from None
    try:
        with np.load(folder / "params.npz") as npz:  # a .npy file gives an array: no context manager, a TypeError
            params = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:  # numpy's advises allow_pickle
        raise ValueError(f"folder: {str(folder / 'params.npz')!r} is not a saved parameter file "
                         f"({type(exc).__name__})") from None
    if not isinstance(d, dict) or not {"setup", "history", "metrics", "status", "objective"} <= set(d):
        raise ValueError(f"folder: {str(folder / 'result.json')!r} is not a result written by train(out=...)")
    if "params_sha256" not in d:
        warnings.warn(f"folder: {str(folder / 'result.json')!r} has no params_sha256 (written before vaemath kept "
                      "one): whether params.npz is of the same run is not checked", UserWarning, stacklevel=2)
    elif d["params_sha256"] != _digest(params):
        raise ValueError(f"folder: {str(folder)!r} holds params.npz and result.json of different runs (a run "
                         "interrupted after writing its parameters over an older run's?)")
    s = d["setup"]
    dims = params["enc0_W"].shape[0] if "enc0_W" in params else params["W"].shape[0]  # MLP or linear model
    model = _model(s, dims)
    expected = {k: v.shape for k, v in model.init(np.random.default_rng(0)).items()}
    if expected != {k: v.shape for k, v in params.items()}:  # a legacy result.json beside another model's parameters
        raise ValueError(f"folder: {str(folder)!r}: params.npz does not hold the parameters of the model result.json "
                         f"describes ({s['data']}, latent {s['latent']})")
    return TrainResult(params=params, history=d["history"], metrics=d["metrics"], setup=s, status=d["status"],
                       objective=d["objective"], model=model)


def save_params(params: dict, path) -> Path:
    """Atomic ``numpy.savez`` of a parameter dict."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **params)
    return Path(path)


def _penalty_text(penalty) -> str:
    """A name or text that parses back (sigma the standard deviation) to the penalty's expression: every later step
    (kernels, evaluation, result.json) reads the penalty from it. A Penalty built with sigma_means="var", or under
    a name of its own, was trained as whatever its name parses to."""
    import sympy as sp

    from vaemath.symbolic.parser import as_text

    p = resolve(penalty)
    for text in (p.name, as_text(p.expr)):
        try:
            if sp.simplify(resolve(text).expr - p.expr) == 0:
                return text
        except ValueError:
            continue
    raise ValueError(f"penalty: {p.name!r} ({p.expr}) cannot be written as penalty text in sigma = standard "
                     "deviation; pass the text of its expression")


def _widths(hidden) -> tuple:
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"hidden: expected a sequence of layer widths such as (256, 256), got {hidden!r}")
    return tuple(hidden)


def _flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):  # bool("no") is True
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def _positive_int(name: str, value, low: int = 1) -> int:
    """``value`` as an int >= low, and at most ``MAXIMA[name]`` for a size or count (a typo such as 1e9 is
    refused before anything is allocated, not run for days)."""
    high = MAXIMA.get(name)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low \
            or (high is not None and value > high):
        wanted = f">= {low}" if high is None else f"from {low} to {high}"
        raise ValueError(f"{name}: expected an integer {wanted}, got {value!r}")
    return int(value)


def _positive_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


def _cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _setup(data="digits", penalty="kl", latent=None, epochs=None, seed=0, cov=None, n=None, hidden=None, batch=None,
           lr=None, K=None, patience=None, quick=False, likelihood=None, history_K=None, split_seed=None,
           eval_every=None, threads=1, anneal=None, eval_threads=None, **unknown) -> dict:
    """Validated arguments of :func:`train` with the data set's defaults filled in; raises before any training."""
    if unknown:
        raise TypeError(f"train: unexpected argument(s) {sorted(unknown)}")
    if data not in DATASETS:
        raise ValueError(f"data: expected one of {', '.join(DATASETS)}, got {data!r}")
    q = QUICK if quick else {}
    d = DEFAULTS[data]
    latent = d["latent"] if latent is None else latent
    epochs = q.get("epochs", d["epochs"]) if epochs is None else epochs
    hidden = q.get("hidden", (256, 256)) if hidden is None else _widths(hidden)
    K = q.get("K", 1000) if K is None else K
    history_K = q.get("history_K", 10) if history_K is None else history_K
    likelihood = ("categorical" if data == "digits" else "gaussian") if likelihood is None else likelihood
    if likelihood not in LIKELIHOODS or (data == "linear" and likelihood != "gaussian"):
        raise ValueError(f"likelihood: expected one of {', '.join(LIKELIHOODS)} (linear data: gaussian), "
                         f"got {likelihood!r}")
    s = {"data": data, "penalty": _penalty_text(penalty), "latent": _positive_int("latent", latent),
         "epochs": _positive_int("epochs", epochs), "seed": _positive_int("seed", seed, 0),
         "hidden": [_positive_int("hidden", h) for h in hidden], "K": _positive_int("K", K),
         "history_K": _positive_int("history_K", history_K), "lr": _positive_float("lr", d["lr"] if lr is None else lr),
         "likelihood": likelihood, "quick": _flag("quick", quick),
         "split_seed": None if split_seed is None else _positive_int("split_seed", split_seed, 0),
         "threads": None if threads is None else _positive_int("threads", threads),
         "eval_threads": _cores() if eval_threads is None else _positive_int("eval_threads", eval_threads)}
    s["patience"] = d["patience"] if patience is None else _positive_int("patience", patience)
    s["batch"] = d["batch"] if batch is None else _positive_int("batch", batch)
    s["eval_every"] = d["eval_every"] if eval_every is None else _positive_int("eval_every", eval_every)
    s["anneal"] = d["anneal"] if anneal is None else _flag("anneal", anneal)
    if data == "linear":
        from vaemath.analysis.linear import check_latent, covariance

        c = covariance("5,2,0.5" if cov is None else cov)
        s["cov"] = c.tolist()
        check_latent(latent, c.shape[0])
        s["n"] = _positive_int("n", q.get("n", 5000) if n is None else n, 2)
        if s["n"] <= c.shape[0]:  # the analytic reference needs a positive definite sample covariance
            raise ValueError(f"n: the sample covariance of n points in D = {c.shape[0]} dimensions has rank at most "
                             f"n - 1; expected n > {c.shape[0]}, got {s['n']}")
    elif cov is not None or n is not None:
        raise ValueError(f"cov, n: only for data='linear', got cov={cov!r}, n={n!r}")
    _evaluation_fits(s)
    trainable(s["penalty"])
    return s


EVAL_BYTES = 2**32  # the K-sample evaluation draws its normal noise (N x K x L) at once: at most 4 GiB of it


def _evaluation_fits(s: dict) -> None:
    """Refuse K, history_K and latent whose evaluation noise (rows x samples x latent float64, drawn at once so that
    a seed gives the same numbers) would not fit, before any training: the test set with K samples, the training
    set (and validation set) with history_K; latent 1000 with K 100000 asked for 333 GiB."""
    train_rows = SPLIT[0] if s["data"] == "digits" else s["n"]  # the validation set is smaller
    rows, samples = max([(_held_out(s), "K"), (train_rows, "history_K")], key=lambda c: c[0] * s[c[1]])
    need = 8 * rows * s[samples] * s["latent"]
    if need > EVAL_BYTES:
        raise ValueError(f"{samples}, latent: the evaluation draws {rows} x {samples} x latent normal numbers at once, "
                         f"{need / 2**30:.1f} GiB for {samples} = {s[samples]}, latent = {s['latent']} (at most "
                         f"{EVAL_BYTES / 2**30:.0f} GiB); lower {samples} or latent")


def _held_out(s: dict) -> int:
    """Rows of the test set: the digits split's 447; for linear data min(n, 2000), the validation set's too."""
    return SPLIT[2] if s["data"] == "digits" else min(s["n"], 2000)


def _load(s: dict) -> dict:
    """Train / validation / test arrays; linear data: n training samples, validation and test of min(n, 2000)."""
    if s["data"] == "digits":
        return digits(s["split_seed"])
    m = _held_out(s)
    return {"train": linear_gaussian(s["cov"], s["n"], s["seed"]),
            "val": linear_gaussian(s["cov"], m, s["seed"] + 10_000),
            "test": linear_gaussian(s["cov"], m, s["seed"] + 20_000)}


def _model(s: dict, dims: int):
    if s["data"] == "linear":
        return Linear(dims, s["latent"])
    return MLP(dims, s["latent"], tuple(s["hidden"]), s["likelihood"])


def _second_moment(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    e = x - b
    return e.T @ e / len(x)


class _Run:
    """State of one training run, driven by autograd's Adam through :meth:`grad`."""

    def __init__(self, s: dict, sets: dict, model, out, progress: bool):
        from tqdm.auto import tqdm

        self.s, self.sets, self.model, self.out = s, sets, model, out
        self.pen = penalty_sum(s["penalty"])
        self.rng = np.random.default_rng([s["seed"], 0])
        n = len(sets["train"])
        self.batch = min(n, s["batch"] or n)
        self.steps = math.ceil(n / self.batch)
        self.history = {"epoch": [], "train_objective": []}
        self.best = {"objective": -math.inf, "params": None, "epoch": 0}
        self.last, self.order, self.terms, self.epoch_obj, self.step = None, None, {}, [], 0
        self.vg = value_and_grad(self.loss)
        self.bar = tqdm(total=s["epochs"], disable=not progress, leave=False,
                        desc=f"{s['data']} {s['penalty']} seed {s['seed']}")

    def loss(self, params, xb, eps):
        mu, log_sigma = self.model.encode(params, xb)
        z = mu + anp.exp(log_sigma) * eps
        recon = anp.mean(self.model.loglik(params, self.model.decode(params, z), xb))
        pen = anp.mean(self.pen(mu, log_sigma))
        self.terms = {"reconstruction": getval(recon), "penalty": getval(pen)}
        return pen - recon

    def grad(self, params, i):
        self.step = i + 1
        if i % self.steps == 0:
            if i > 0 and (i // self.steps) % self.s["eval_every"] == 0:
                self.end_epoch(params, i // self.steps)
            self.order = self.rng.permutation(len(self.sets["train"]))
        bad = [k for k, v in params.items() if not np.all(np.isfinite(v))]
        if bad:
            raise _Stop("non-finite", f"step {self.step}: parameter {bad[0]} became non-finite after the update")
        idx = self.order[(i % self.steps) * self.batch:(i % self.steps + 1) * self.batch]
        xb = self.sets["train"][idx]
        eps = self.rng.standard_normal((len(idx), self.model.latent))
        value, g = self.vg(params, xb, eps)
        for name, v in self.terms.items():
            if not np.isfinite(v):
                raise _Stop("non-finite", f"step {self.step}: the {name} term is {v}")
        bad = [k for k, v in g.items() if not np.all(np.isfinite(v))]
        if bad:
            raise _Stop("non-finite", f"step {self.step}: the gradient with respect to {bad[0]} is not finite")
        self.last = params  # the latest parameters whose loss and gradient are finite: kept if a later step is not
        self.epoch_obj.append(-float(value))
        return g

    def end_epoch(self, params, epoch: int) -> None:
        s = self.s
        m = self.evaluate(params, self.sets["val"], s["history_K"], (s["seed"], 1, epoch))
        self.history["epoch"].append(epoch)
        self.history["train_objective"].append(float(np.mean(self.epoch_obj)) if self.epoch_obj else math.nan)
        self.epoch_obj = []
        for k in HISTORY_KEYS + (("loglik_exact",) if s["data"] == "linear" else ()):
            self.history.setdefault(k, []).append(m[k])
        if s["data"] == "linear":
            for k, v in _linear_extras(params, self.sets["train"], s["penalty"]).items():
                self.history.setdefault(k, []).append(v)
        self.bar.update(epoch - self.bar.n)
        self.bar.set_postfix(objective=f"{m['objective']:.3f}", nll_iw=f"{m['nll_iw']:.3f}")
        if s["patience"] is None or m["objective"] > self.best["objective"]:
            self.best = {"objective": m["objective"], "params": {k: np.array(v) for k, v in params.items()},
                         "epoch": epoch}
            if self.out is not None:
                save_params(self.best["params"], Path(self.out) / "params.npz")
        elif s["patience"] is not None and epoch - self.best["epoch"] >= s["patience"]:
            raise _Stop("early stopping", f"no better validation objective in {s['patience']} epochs "
                        f"after epoch {self.best['epoch']}")

    def evaluate(self, params, x, K, seed) -> dict:
        cov = _second_moment(x, params["b"]) if self.s["data"] == "linear" else None
        return _metrics.evaluate(self.model, params, x, self.s["penalty"], K, seed, cov)


def _linear_extras(params: dict, train: np.ndarray, pen: str) -> dict:
    """||W||, sigma and the exact expected objective of :func:`vaemath.linear.objective` on the training data."""
    from vaemath.analysis.linear import loglik, objective

    with np.errstate(over="ignore", under="ignore"):  # a diverged run's tau^2 or sigma: inf or 0 is the true rounding
        sig, tau2 = np.exp(params["log_sigma"]), float(np.exp(params["log_tau2"]))
    log_tau2, c = float(params["log_tau2"]), _second_moment(train, params["b"])
    return {"w_norm": float(np.linalg.norm(params["W"])), "sigma": sig.tolist(), "tau2": tau2,
            "linear_objective": objective(params["W"], params["V"], sig, None, c, pen, log_tau2=log_tau2),
            "loglik_train": loglik(params["W"], None, c, log_tau2=log_tau2)}


def train(data="digits", penalty="kl", latent=None, epochs=None, seed=0, cov=None, n=None, hidden=None, batch=None,
          lr=None, K=None, patience=None, out=None, progress=True, quick=False, likelihood=None, history_K=None,
          split_seed=None, eval_every=None, threads=1, anneal=None, eval_threads=None) -> TrainResult:
    """Train a VAE whose encoder is penalised by ``penalty`` and evaluate it.

    Objective per datum (maximised): reconstruction - penalty, with reconstruction log p(x | z) at one
    reparametrised sample z = mu + sigma * eps (Kingma & Welling 2014) and the penalty summed over latent
    dimensions (:func:`vaemath.vae.penalty.penalty_sum`). Adam (:func:`vaemath.vae.adam.adam`) on
    shuffled minibatches; after each epoch the validation metrics go into the history, and with
    ``patience`` the run stops when the validation objective has not improved for that many epochs and
    returns the best epoch's parameters.

    Parameters
    ----------
    data : {"digits", "linear"}
        ``digits``: :func:`vaemath.vae.data.digits` with an MLP (hidden layers ``hidden``, default (256, 256))
        and a categorical likelihood over 17 levels (``likelihood="gaussian"``: Gaussian with learned
        scalar variance). ``linear``: ``n`` samples (default 5000) of N(0, ``cov``) (default "5,2,0.5")
        and the linear-Gaussian model of :mod:`vaemath.linear`, trained full batch.
    penalty : str or Penalty
        Catalogue name or penalty text. Refused before training if unbounded below or without a minimiser.
    latent : int
        Latent dimensions L >= 1 (linear: 1 <= k < D). Default: digits 16, linear 1.
    epochs, batch, lr, patience, anneal : optional
        Defaults: digits 30, 32, 1e-3, 10, False; linear 500, full batch, 3e-2, none (the last epoch is
        kept), True. ``anneal``: the last fifth of the epochs at lr / 10.
    seed : int
        Seeds initialisation, shuffling, noise and evaluation: the same seed gives bit-identical results.
    K : int
        Importance samples per test datum (default 1000); ``history_K`` per validation datum (default 10).
    eval_every : int
        Epochs between validation evaluations (default: digits 1, linear 50); the last epoch is always
        evaluated. Early stopping counts epochs.
    out : path, optional
        Folder for ``params.npz`` (best parameters, rewritten on each improvement) and ``result.json``.
    progress : bool
        A tqdm bar per run.
    threads : int or None
        BLAS threads during the run (default 1: on a shared 2-core machine one thread is faster, and a
        fixed count keeps results bit-identical between serial and parallel runs); None leaves BLAS alone.
    eval_threads : int or None
        BLAS threads of the final evaluation (K samples per test image: about half of a default digits run);
        default all the cores this process may use. The numbers do not depend on it: OpenBLAS splits a
        matrix product by rows and columns, never along the sum. :func:`vaemath.vae.compare` sets 1 per run.
    quick : bool
        Small sizes for tests and demos: 3 epochs, hidden (32,), K = 20, linear n = 2000.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError
        Naming the argument: unknown data or likelihood, latent, epochs, K, batch or patience < 1, lr <= 0,
        a size or count above its maximum in ``MAXIMA`` (latent 1000, epochs 100000, K and history_K 100000,
        hidden 10000, n and batch 10^6), a bad covariance, or a penalty unbounded below or without a minimiser.
    """
    s = _setup(data=data, penalty=penalty, latent=latent, epochs=epochs, seed=seed, cov=cov, n=n, hidden=hidden,
               batch=batch, lr=lr, K=K, patience=patience, quick=quick, likelihood=likelihood, history_K=history_K,
               split_seed=split_seed, eval_every=eval_every, threads=threads, anneal=anneal, eval_threads=eval_threads)
    progress = _flag("progress", progress)
    if out is not None:  # refused now, before any data is loaded
        out = check_writable(out, [("params.npz", "file"), ("result.json", "file")])
        (out / "result.json").unlink(missing_ok=True)  # an older run's, which the new params.npz would not match
    t0 = time.perf_counter()
    sets = _load(s)
    s["sizes"] = {k: int(len(v)) for k, v in sets.items()}
    model = _model(s, sets["train"].shape[1])
    params = model.init(np.random.default_rng([s["seed"], 2]))
    if s["data"] == "linear":
        s["reference"] = _reference(sets["train"], s)
    run = _Run(s, sets, model, out, progress)
    with threadpool_limits(limits=s["threads"]):
        status = _optimise(run, params)
    # a run the guard stopped, or one that diverged with finite steps: its metrics say inf where values overflow
    with threadpool_limits(limits=s["eval_threads"]), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = _finish(s, sets, model, run, run.best["params"], status)
    result.status["seconds"] = time.perf_counter() - t0
    if out is not None:
        result.save(out)
    return result


def _optimise(run: _Run, params: dict) -> dict:
    """Adam over all epochs, in phases of constant step size; returns the status (why and where it stopped)."""
    s = run.s
    status = {"stopped": "epochs", "message": ""}
    # numpy's overflow/invalid warnings stay silent: the guard checks every step and says which term went bad
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            done = 0
            for epochs, step in _phases(s):
                iters = epochs * run.steps
                params = adam(lambda p, i, d=done: run.grad(p, i + d), params, num_iters=iters, step_size=step)
                done += iters
            run.end_epoch(params, s["epochs"])
        except _Stop as stop:
            status = {"stopped": stop.reason, "message": stop.message}
            if stop.reason == "non-finite":
                run.best = {"params": params if run.last is None else run.last, "epoch": None, "objective": math.nan}
                if run.last is None:
                    status["message"] += "; no step had a finite loss and gradient: the parameters are the initial ones"
        finally:
            run.bar.close()
    status.update(best_epoch=run.best["epoch"], steps=run.step)
    return status


def _phases(s: dict) -> list:
    """(epochs, step size): the whole run at ``lr``, or with ``anneal`` its last fifth at lr / 10.

    autograd's adam takes a constant step size; a phase restarts its moment estimates, which the bias
    correction makes harmless.
    """
    tail = s["epochs"] // 5 if s["anneal"] else 0
    return [(n, lr) for n, lr in ((s["epochs"] - tail, s["lr"]), (tail, s["lr"] / 10)) if n > 0]


def _reference(train: np.ndarray, s: dict) -> dict:
    """:func:`vaemath.linear.optimum` of the training data's sample covariance (about its mean)."""
    from vaemath.analysis.linear import optimum

    c = np.cov(train, rowvar=False, bias=True)
    return optimum(c, s["latent"], s["penalty"]).to_dict()


def _finish(s, sets, model, run, best, status) -> TrainResult:
    m = run.evaluate(best, sets["test"], s["K"], (s["seed"], 3))
    train_m = run.evaluate(best, sets["train"], s["history_K"], (s["seed"], 4))
    if s["data"] == "digits" and s["likelihood"] == "categorical":
        m["baseline_independent_nll"] = _metrics.independent_pixels(sets["train"], sets["test"])
    if s["data"] == "linear":
        m.update(_linear_extras(best, sets["train"], s["penalty"]))
    return TrainResult(params=best, history=run.history, metrics=m, setup=s, status=status,
                       objective=train_m["objective"], model=model)
