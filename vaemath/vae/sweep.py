"""Sweeps: train every (penalty, seed) pair in parallel processes and summarise the test metrics."""

from __future__ import annotations

import inspect
import itertools
import math
import warnings
from pathlib import Path

import numpy as np

from vaemath import jsonio
from vaemath.atomic import atomic_path, check_writable

SUMMARY_METRICS = ("nll_iw", "elbo_kl", "objective", "bound_gap", "reconstruction", "penalty", "active_units", "mi",
                   "kl_aggregate", "sigma_mean", "sigma_geomean", "decoder_norm", "mu_sq", "nll_iw_k10", "ess",
                   "loglik_exact", "linear_objective")  # the last two: linear data only


def _one(penalty: str, seed: int, out, train_kwargs: dict) -> dict:
    """One run in a worker process (BLAS on one thread unless train_kwargs says otherwise)."""
    from vaemath.vae.training import train

    folder = None if out is None else _folder(penalty, seed)
    with warnings.catch_warnings():  # compare's own check of the penalty has said it once
        warnings.filterwarnings("ignore", message=r"penalty: .* is minimal at", category=UserWarning)
        r = train(penalty=penalty, seed=seed, out=None if out is None else Path(out) / folder, progress=False,
                  **{"eval_threads": 1, **train_kwargs})
    return {"penalty": r.setup["penalty"], "seed": seed, "metrics": r.metrics, "history": r.history,
            "status": r.status, "checkpoint": None if folder is None else f"{folder}/params.npz"}


def _folder(penalty: str, seed: int) -> str:
    """A file-name-safe folder name per run: a catalogue name as it is; any other penalty text reduced to
    letters, digits and underscores (at most 24) plus 8 hex digits of its SHA-256, so that two texts
    never share a folder and no text reaches the file system (no separators, dots or leading dashes)."""
    import hashlib
    import re

    from vaemath.symbolic import catalogue
    from vaemath.vae.penalty import resolve

    name = resolve(penalty).name
    if name in catalogue() and re.fullmatch(r"[A-Za-z0-9_]+", name):
        return f"{name}-seed{seed}"
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:24]
    return f"{slug or 'penalty'}-{hashlib.sha256(name.encode()).hexdigest()[:8]}-seed{seed}"


def _summary(runs: list, penalties: list) -> dict:
    out = {}
    for p in penalties:
        rows = [r["metrics"] for r in runs if r["penalty"] == p]
        out[p] = {k: {"mean": float(np.mean([m[k] for m in rows])), "std": float(np.std([m[k] for m in rows]))}
                  for k in SUMMARY_METRICS if k in rows[0]}
    return out


MAX_JOBS = 64  # processes: more than the runs or the cores only costs memory (joblib refuses millions itself)


def compare(penalties=("kl", "quadratic"), seeds=(0, 1, 2), data="digits", n_jobs=2, scheduler=None, out=None,
            **train_kwargs) -> dict:
    """Train one VAE per (penalty, seed) and summarise the test metrics per penalty (mean, std over seeds).

    Parameters
    ----------
    penalties : sequence of str
        Catalogue names or penalty text; each is validated (bounded below, has a minimiser) before any run.
    seeds : sequence of int
    data : {"digits", "linear"}
    n_jobs : int
        Parallel processes (joblib, loky backend), 1 to ``MAX_JOBS`` = 64; each run uses one BLAS thread.
    scheduler : str, optional
        Address of a dask.distributed scheduler (e.g. "tcp://127.0.0.1:8786"): the runs execute on that
        cluster through joblib's dask backend instead of local processes. Same numbers either way.
    out : path, optional
        Folder for one checkpoint folder per run and ``compare.json`` / ``compare.md`` (atomic writes).
    **train_kwargs
        Passed to :func:`vaemath.vae.train` (latent, epochs, K, quick...).

    Returns
    -------
    dict
        ``setup``, ``runs`` (per run: penalty, seed, metrics, history, status, checkpoint: the path of its
        ``params.npz`` relative to ``out``, or None) and ``summary``
        {penalty: {metric: {"mean", "std"}}} for the metrics in ``SUMMARY_METRICS``; ``std`` is the population
        standard deviation over seeds (``numpy.std``, ddof = 0).
    """
    from joblib import Parallel, delayed, parallel_config

    from vaemath.vae.training import _setup

    penalties, seeds = _names(penalties), _seeds(seeds)
    passed = set(inspect.signature(_setup).parameters) - {"data", "penalty", "seed", "unknown"}
    if set(train_kwargs) - passed:
        raise TypeError(f"compare: unexpected argument(s) {sorted(set(train_kwargs) - passed)}; it passes these to "
                        f"train: {sorted(passed)}")
    for p in penalties:  # every argument checked before any run starts
        _setup(data=data, penalty=p, **train_kwargs)
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or not 1 <= n_jobs <= MAX_JOBS:
        raise ValueError(f"n_jobs: expected an integer from 1 to {MAX_JOBS}, got {n_jobs!r}")
    if out is not None:  # refused now, before any run
        check_writable(out, [("compare.json", "file"), ("compare.md", "file")])
    jobs = [delayed(_one)(p, s, out, dict(train_kwargs, data=data)) for p in penalties for s in seeds]
    if scheduler is not None:
        runs = _on_dask(scheduler, jobs)
    else:
        with parallel_config(backend="loky", n_jobs=n_jobs):
            runs = Parallel()(jobs)
    names = list(dict.fromkeys(r["penalty"] for r in runs))
    setup = {"penalties": names, "seeds": seeds, "data": data, "n_jobs": n_jobs, "scheduler": scheduler,
             "train": {k: v for k, v in train_kwargs.items()}}
    result = {"setup": setup, "runs": runs, "summary": _summary(runs, names)}
    if out is not None:
        write(result, out)
    return result


def _on_dask(address: str, jobs: list) -> list:
    try:
        from dask.distributed import Client
    except ImportError:
        raise ValueError("scheduler: a dask cluster needs dask.distributed: pip install 'vaemath[cluster]'") from None
    from joblib import Parallel, parallel_config

    if not isinstance(address, str):
        raise TypeError(f"scheduler: expected an address such as 'tcp://127.0.0.1:8786', got {address!r}")
    try:  # dask's own errors name no argument: "missing port number in address 'nonsense'"
        client = Client(address, timeout=10)
    except (ValueError, TypeError, OSError, MemoryError) as exc:  # OSError: a timeout; MemoryError: an HTTP server
        raise ValueError(f"scheduler: cannot connect to {address!r} ({exc})") from None
    with client, parallel_config(backend="dask", client=client):
        return Parallel()(jobs)


def _names(penalties) -> list:
    if isinstance(penalties, str):
        penalties = _split_outside_parentheses(penalties)
    names = list(penalties)
    if not names or any(not isinstance(p, str) or not p for p in names):
        raise ValueError(f"penalties: expected a non-empty list of penalty names or texts, got {penalties!r}")
    from vaemath.vae.penalty import resolve

    exprs = []
    for k, name in enumerate(names, 1):
        try:
            exprs.append(resolve(name).expr)
        except ValueError as exc:  # '[kl' of "[kl,quadratic]": say which item of which list
            raise ValueError(f"penalties: item {k} of {len(names)}, {name!r}, of the list {names!r} (names or texts "
                             f"separated by commas, e.g. kl,quadratic): {exc}") from None
    for i, j in itertools.combinations(range(len(names)), 2):  # "kl" and "(kl)" would run twice
        if _same(exprs[i], exprs[j]):
            raise ValueError(f"penalties: {names[i]!r} and {names[j]!r} are the same penalty; "
                             "expected distinct penalties")
    return names


def _same(a, b) -> bool:
    """Equal as functions of (mu, sigma > 0): equal to 40 digits at five points (50-digit arithmetic), where two
    different analytic penalties differ (log(sigma**2)/2 and log(sigma), asinh and log forms, sqrt(kl**2) and kl)."""
    import sympy as sp

    from vaemath.symbolic import mu, sigma

    diff = a - b
    for m, s in ((sp.Rational(3, 10), sp.Rational(7, 10)), (sp.Rational(-13, 10), sp.Rational(21, 10)),
                 (sp.Rational(1, 7), sp.Rational(5, 3)), (2, sp.Rational(1, 3)), (sp.Rational(-1, 2), 3)):
        at = {mu: m, sigma: s}
        try:
            d, scale = complex(diff.subs(at).evalf(50)), abs(complex(a.subs(at).evalf(50)))
        except (TypeError, ValueError):  # not a number there (zoo)
            return False
        if not abs(d) <= 1e-40 * (1 + scale):
            return False
    return True


def _split_outside_parentheses(text: str) -> list:
    """``text`` split at its commas outside parentheses: "max(kl, 1/2),quadratic" -> ["max(kl, 1/2)", "quadratic"]."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            break
        if ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if depth != 0:
        raise ValueError(f"penalties: unbalanced parentheses in {text!r} (a ')' without its '(' or the reverse)")
    return parts + [text[start:].strip()]


def _seeds(seeds) -> list:
    if isinstance(seeds, str):
        try:
            seeds = [int(x) for x in seeds.split(",")]
        except ValueError:
            raise ValueError(f"seeds: expected integers separated by commas, got {seeds!r}") from None
    if not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds: expected a list of integers such as (0, 1, 2), got {seeds!r}")
    seeds = list(seeds)
    if not seeds or any(not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ValueError(f"seeds: expected a non-empty list of integers >= 0, got {seeds!r}")
    if len(set(seeds)) < len(seeds):  # two equal runs would share one checkpoint folder and fake a spread of 0
        raise ValueError(f"seeds: expected distinct seeds, got {seeds!r}")
    return [int(s) for s in seeds]


def _fmt(v: dict, spread: bool = True) -> str:
    m, s = v["mean"], v["std"]
    if not math.isfinite(m):
        return str(m)
    digits = 3 if abs(m) < 100 else 2
    return f"{m:.{digits}f} ± {s:.{digits}f}" if spread else f"{m:.{digits}f}"


def markdown(result: dict) -> str:
    """The summary of :func:`compare` as a Markdown table: one row per metric, one column per penalty."""
    names = list(result["summary"])
    metrics = [k for k in SUMMARY_METRICS if all(k in result["summary"][p] for p in names)]
    seeds = result["setup"]["seeds"]
    over = f"mean ± std over seeds {','.join(map(str, seeds))}" if len(seeds) > 1 else f"seed {seeds[0]}: no spread"
    lines = [f"| metric (test, {over}) | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines += [f"| {k} | " + " | ".join(_fmt(result["summary"][p][k], len(seeds) > 1) for p in names) + " |"
              for k in metrics]
    stopped = [r for r in result.get("runs", []) if r["status"].get("stopped") == "non-finite"]
    if stopped:  # a note under the table for each run the guard stopped
        lines.append("")
        lines += [f"- {r['penalty']}, seed {r['seed']}: stopped by the guard ({r['status'].get('message', '')}); its "
                  "metrics are those of the last finite parameters" for r in stopped]
    return "\n".join(lines)


def write(result: dict, out) -> list:
    """Write ``compare.json`` and ``compare.md`` into folder ``out`` atomically; returns the paths."""
    out = Path(out)
    paths = [out / "compare.json", out / "compare.md"]
    for path, text in zip(paths, (jsonio.dumps(result, indent=1), markdown(result) + "\n")):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    return paths
