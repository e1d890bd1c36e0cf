"""The main job: answer "can this penalty replace the KL?" end to end, into figures/ and report.md.

``report(penalty, reference)`` runs, in stages: the equivalence check (:func:`vaemath.check`), the linear-Gaussian
VAE exactly (:func:`vaemath.linear.optimum`), figures 1-6, the linear VAE trained by gradient descent
(:func:`vaemath.vae.train`), VAEs on the digits (:func:`vaemath.vae.compare`), figures 7-11, and writes
``report.md`` with the verdict, the tables, every figure with its caption, versions, seeds and the time of each
stage. Every number in the report is produced by the run that writes it (the benchmark chart is redrawn from the
committed ``benchmarks/bench.json``, and says so).
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from vaemath import jsonio
from vaemath.atomic import atomic_path, check_writable
from vaemath.symbolic.budget import DEFAULT_BUDGET

COV, LATENT = "5,2,0.5", 1  # the linear-Gaussian VAE of the analysis: C = diag(5, 2, 0.5), k = 1
SIZES = {  # per mode: linear multistart, linear training, digits runs, figure detail
    False: {"starts": 8, "linear_train": {"n": 3000, "epochs": 800, "eval_every": 40}, "seeds": 3,
            "digits": {}, "grid": 301, "entries": None},
    True: {"starts": 2, "linear_train": {"n": 2000, "epochs": 40, "eval_every": 10}, "seeds": 1,
           "digits": {"quick": True}, "grid": 101, "entries": ("kl", "reverse_kl", "hellinger_squared", "quadratic")},
}
CAPTIONS = {
    "landscape": "Both penalties over (mu, sigma) on the same contour levels, minimisers starred (a whole set of "
                 "minimisers hatched), and the level ellipses of their local quadratic forms (Hessians) at the "
                 "minimiser.",
    "sigma_slice": "Slice at mu = 0 on a log sigma axis: barriers (-> oo as sigma -> 0) against bounded penalties, "
                   "whose encoders can make sigma -> 0 for a finite price.",
    "ratio": "log10 of candidate / reference over the plane; black line: ratio = 1 (hatched where the two are "
             "equal); the infimum and supremum and where they are approached, from the check's evidence.",
    "gradient_flow": "Euclidean gradient-flow paths of both penalties from the same starts: a penalty with "
                     "Hessian 2I everywhere (the quadratic) flows in straight lines to its minimiser, the KL's paths "
                     "bend with its Hessian diag(1, 1 + 1/sigma^2) (equal to the Fisher information diag(1, 2) "
                     "only at (0, 1)); a flow stops where the gradient vanishes.",
    "rescaling": "pen(c mu, c sigma) against c at (mu, sigma) = (1, 1): a finite limit as c -> 0 lets a decoder "
                 "with a linear first layer shrink its code at a bounded price.",
    "linear_path": "Linear-Gaussian VAE (C = diag(5, 2, 0.5), k = 1): objective along the rescaling path against "
                   "each penalty's optimum or infimum and -log-likelihood of pPCA; right: the decoder's exact "
                   "log-likelihood along the path.",
    "linear_training": "The linear VAE trained by gradient descent (exact expected objective on its training data) "
                       "against the analytic optimum or infimum; right: sigma and ||W|| per epoch.",
    "digits_history": "Digits: importance-weighted NLL, mean sigma, decoder first-layer norm and bound gap on the "
                      "validation set per epoch; thin lines: each seed, ending where early stopping ended it (dot: "
                      "the best epoch, whose parameters are kept); thick: the mean over seeds, drawn only at epochs "
                      "every seed reached. The per-epoch NLL and bound gap use the validation history's few "
                      "importance samples (K = 10 by default), so the gap here runs larger than the test table's "
                      "at K = 1000.",
    "digits_samples": "Digits: reconstructions of test images and samples from the prior, per penalty (seed-0 "
                      "models).",
    "aggregate_posterior": "Digits: the aggregate posterior q(z) in its two most varying dimensions against the "
                           "prior N(0, I) (seed-0 models, test set).",
    "bench": "Benchmark of the generated kernels (redrawn from the committed benchmarks/bench.json; not re-timed by "
             "this report).",
}


class _Stages:
    """Runs named stages, shows which one is running (stderr) and records the wall time of each."""

    def __init__(self, names: list, progress: bool):
        self.names, self.progress, self.times = names, progress, {}

    def run(self, name: str, fn, *args, **kwargs):
        i = self.names.index(name) + 1
        if self.progress:
            print(f"[{i}/{len(self.names)}] {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.times[name] = time.perf_counter() - t0
        if self.progress:
            print(f"[{i}/{len(self.names)}] {name}: done in {self.times[name]:.1f} s", file=sys.stderr, flush=True)
        return out


STAGES = ["equivalence check", "linear-Gaussian VAE (exact)", "figures 1-6", "linear VAE training",
          "digits VAEs (compare)", "figures 7-11", "report.md"]


def report(penalty="quadratic", reference="kl", out=".", quick=False, formats=("png",), seed=0, progress=True,
           sigma_means="std", budget=DEFAULT_BUDGET, prior=None) -> dict:
    """Run the whole analysis of one penalty against a reference; write figures/ and report.md into ``out``.

    Parameters
    ----------
    penalty, reference : str
        Catalogue names or penalty text (whitelist parser), e.g. ``"mu**2 + (sigma - 1)**2"``.
    out : str or Path
        Folder receiving ``figures/`` and ``report.md`` (atomic writes).
    quick : bool
        Small sizes (one digits seed of a small model, short linear training, coarse grids): about a minute.
    formats : str or tuple
        Figure formats, from ``png``, ``svg``, ``pdf``.
    seed : int
        Seed of every random step (training, evaluation, figure draws); the same seed gives the same figures.
    progress : bool
        Print the running stage and its time to stderr.
    sigma_means : {"std", "var"}
    budget : float or None
        Seconds allowed to each symbolic step of the check and of the linear-Gaussian VAE's optimum (as for
        :func:`vaemath.check`).
    prior : tuple (mu_p, sigma_p), optional
        Both penalties (and the KL of the lower-bound question) taken against N(mu_p, sigma_p^2), passed to the check
        and to the linear-Gaussian VAE's optimum; the VAEs are trained with the penalties so specialised, written
        out as text (their own prior stays N(0, I): only the penalty changes).

    Returns
    -------
    dict
        ``verdict`` (the short verdict), ``lower_bound`` (guaranteed or not, and why), ``relation``, ``files``,
        ``stages`` (seconds per stage), ``report`` (path of report.md).

    Raises
    ------
    ValueError
        For an unknown or unparsable penalty, a penalty the VAE cannot train (unbounded below, no minimiser),
        a bad format, seed, budget or prior, before any long stage runs.
    """
    from vaemath.figures.files import check_formats
    from vaemath.vae.penalty import trainable

    formats = check_formats(formats)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    ctx = setup(penalty, reference, sigma_means, budget, prior)
    for name in ctx["train_as"].values():
        trainable(name)
    out = check_writable(out, [("report.md", "file"), ("figures", "folder")])  # a refused penalty makes no folder
    sizes = SIZES[bool(quick)]
    stages = _Stages(STAGES, progress)
    ctx.update({"out": out, "formats": formats, "seed": int(seed), "sizes": sizes, "quick": bool(quick),
                "files": []})
    stages.run("equivalence check", _check, ctx)
    stages.run("linear-Gaussian VAE (exact)", _linear_exact, ctx)
    stages.run("figures 1-6", _figures_analysis, ctx)
    stages.run("linear VAE training", _linear_training, ctx)
    stages.run("digits VAEs (compare)", _digits, ctx)
    stages.run("figures 7-11", _figures_training, ctx)
    ctx["times"] = stages.times
    stages.run("report.md", _write_report, ctx)
    summary = {"verdict": ctx["short"], "relation": ctx["verdict"].relation, "lower_bound": ctx["bound"],
               "report": str(out / "report.md"), "files": [str(f) for f in ctx["files"]],
               "stages": {k: round(v, 2) for k, v in stages.times.items()}}
    return summary


def setup(penalty="quadratic", reference="kl", sigma_means="std", budget=DEFAULT_BUDGET, prior=None) -> dict:
    """The report's penalties, checked before any stage runs: ``cand``, ``ref`` and ``kl`` (Penalty, against the
    ``prior`` when given, named so: ``kl against N(5, 3**2)``), ``typed`` (name -> the text passed with ``prior``
    to :func:`vaemath.linear.optimum`), ``train_as`` (name -> the text the VAEs train: the name itself without a
    prior, else the specialised expression written out), ``budget``, ``prior`` and ``sigma_means``.
    ValueError or TypeError naming ``penalty``, ``reference``, ``budget`` or ``prior``."""
    from vaemath.symbolic import penalty as parse
    from vaemath.symbolic import reference_penalty
    from vaemath.symbolic.budget import check_budget
    from vaemath.symbolic.parser import as_text
    from vaemath.symbolic.prior import check_prior

    budget, prior = check_budget(budget), check_prior(prior)
    # the KL is always among the penalties compared, so a prior the other two do not name still matters
    cand = parse(penalty, sigma_means, prior=prior, prior_optional=True)
    ref = reference_penalty(reference, sigma_means, prior=prior, prior_optional=True)
    kl = reference_penalty("kl", sigma_means, prior=prior)
    typed = {cand.name: penalty, ref.name: reference, kl.name: "kl"}
    train_as = {p.name: p.name if prior is None else as_text(p.expr) for p in (cand, ref)}
    return {"cand": cand, "ref": ref, "kl": kl, "typed": typed, "train_as": train_as, "budget": budget,
            "prior": prior, "sigma_means": sigma_means}


def _pens(ctx) -> list:
    """The penalties compared: reference first, then the candidate (once if they are the same)."""
    names = [ctx["ref"].name, ctx["cand"].name]
    return list(dict.fromkeys(names))


def _check(ctx) -> None:
    from vaemath.analysis import check

    # the penalties are already against the prior (check would refuse a second one)
    ctx["verdict"] = check(ctx["cand"], ctx["ref"], ctx["sigma_means"], ctx["budget"])
    ctx["against_kl"] = (ctx["verdict"] if ctx["ref"].name == ctx["kl"].name
                         else check(ctx["cand"], ctx["kl"], ctx["sigma_means"], ctx["budget"]))
    ctx["bound"] = lower_bound(ctx["against_kl"], ctx["prior"])


def lower_bound(verdict, prior=None) -> dict:
    """Whether reconstruction - penalty is guaranteed to stay below log p(x), from a Verdict against ``kl`` (against
    the ``prior`` (mu_p, sigma_p) when given).

    recon - pen <= recon - KL = ELBO <= log p(x) for every encoder and decoder when pen >= KL everywhere, i.e. when
    the ratio pen / KL has infimum >= 1 (where KL > 0) and pen >= 0 at the KL's zero (0, 1), or (mu_p, sigma_p).
    If the infimum is below 1 there are (mu, sigma) where pen < KL and no such guarantee holds.

    Returns
    -------
    dict
        ``guaranteed`` (bool), ``ratio_inf``, ``inf_path`` and ``reason`` (one sentence).
    """
    import sympy as sp

    from vaemath.symbolic import mu, sigma

    rb = verdict.ratio_bounds
    inf = rb.get("inf")
    zero = (0, 1) if prior is None else prior
    at_zero = verdict.candidate.expr.subs({mu: zero[0], sigma: zero[1]})
    try:
        inf_value = float(sp.sympify(inf)) if inf is not None else float("nan")
    except (TypeError, ValueError, sp.SympifyError):
        inf_value = float("nan")
    exact = rb.get("inf_method", "exact") == "exact"
    above = bool(inf_value >= 1 and at_zero.is_number and float(at_zero) >= 0)
    guaranteed = above and exact
    if guaranteed:
        reason = (f"penalty >= KL everywhere (the ratio penalty/KL has infimum {inf}), so reconstruction - penalty "
                  "<= ELBO <= log p(x) for every encoder and decoder")
    elif above:
        reason = (f"a numeric search found penalty/KL >= {inf} everywhere it looked, but no exact infimum, so the "
                  "bound is likely but not proved")
    elif np.isnan(inf_value):
        reason = "the infimum of penalty/KL could not be determined, so no guarantee can be given"
    else:
        reason = (f"the ratio penalty/KL has infimum {inf} ({rb.get('inf_path')}), so there are encoders where "
                  "penalty < KL and reconstruction - penalty exceeds the ELBO: nothing keeps it below log p(x)")
    return {"guaranteed": guaranteed, "ratio_inf": inf, "inf_path": rb.get("inf_path"), "reason": reason}


def _linear_exact(ctx) -> None:
    from vaemath import linear

    names = list(dict.fromkeys(_pens(ctx) + [ctx["kl"].name]))
    ctx["optima"] = {n: linear.optimum(COV, LATENT, ctx["typed"][n], ctx["sigma_means"], ctx["sizes"]["starts"],
                                       ctx["seed"], ctx["budget"], ctx["prior"]) for n in names}


def _save(ctx, fig, name: str) -> None:
    from vaemath.figures.files import save

    for fmt in ctx["formats"]:
        ctx["files"].append(save(fig, ctx["out"] / "figures" / f"{name}.{fmt}"))
    ctx.setdefault("figures", []).append(name)


def _figures_analysis(ctx) -> None:
    from vaemath import figures as F
    from vaemath.figures.penalties import CATALOGUE_ENTRIES, entries_with

    cand, ref, n = ctx["cand"], ctx["ref"], ctx["sizes"]["grid"]
    base = ctx["sizes"]["entries"] or CATALOGUE_ENTRIES
    entries = entries_with(ref, cand, base=base)  # colours of figures 1 and 4: colour(0), colour(1)
    _save(ctx, F.landscape_figure(cand, ref, n=n), "landscape")
    _save(ctx, F.sigma_slice_figure(entries), "sigma_slice")
    _save(ctx, F.ratio_figure(verdict=ctx["verdict"], n=n), "ratio")
    _save(ctx, F.gradient_flow_figure(cand, ref), "gradient_flow")
    _save(ctx, F.rescaling_figure(entries), "rescaling")
    _save(ctx, F.linear_path_figure(ctx["optima"], COV, LATENT, penalties=_at_offset(ctx)), "linear_path")


def _at_offset(ctx) -> dict | None:
    """With a prior: name -> the penalty at the encoder's best offset (what linear.optimum minimises), for the
    rescaling path of figure 6; None without one (the names are read back)."""
    from vaemath.analysis.linear import code_offset

    if ctx["prior"] is None:
        return None
    return {p.name: code_offset(p, ctx["prior"])[0] for p in (ctx["kl"], ctx["ref"], ctx["cand"])}


def _linear_training(ctx) -> None:
    from vaemath.vae import train

    ctx["linear_runs"] = {n: train("linear", ctx["train_as"][n], latent=LATENT, cov=COV, seed=ctx["seed"],
                                   progress=False, **ctx["sizes"]["linear_train"]) for n in _pens(ctx)}


def _digits(ctx) -> None:
    from vaemath.vae import compare

    seeds = [ctx["seed"] + i for i in range(ctx["sizes"]["seeds"])]
    with tempfile.TemporaryDirectory(prefix="vaemath-report-") as tmp:
        ctx["compare"] = compare([ctx["train_as"][n] for n in _pens(ctx)], seeds, data="digits", n_jobs=2, out=tmp,
                                 **ctx["sizes"]["digits"])
        ctx["models"] = {r["penalty"]: load_run((Path(tmp) / r["checkpoint"]).parent)
                         for r in ctx["compare"]["runs"] if r["seed"] == seeds[0]}


def load_run(folder):
    """A :class:`vaemath.vae.TrainResult` from a run folder written by ``train(out=...)`` (params.npz, result.json)."""
    from vaemath.vae import TrainResult, digits
    from vaemath.vae.model import MLP

    folder = Path(folder)
    saved = jsonio.loads((folder / "result.json").read_text())
    s = saved["setup"]
    with np.load(folder / "params.npz") as f:
        params = {k: f[k] for k in f.files}
    model = MLP(digits()["test"].shape[1], s["latent"], tuple(s["hidden"]), s["likelihood"])
    return TrainResult(params=params, history=saved["history"], metrics=saved["metrics"], setup=s,
                       status=saved["status"], objective=saved.get("objective", float("nan")), model=model)


def _figures_training(ctx) -> None:
    from vaemath import figures as F
    from vaemath.vae import digits

    histories = {n: r.history for n, r in ctx["linear_runs"].items()}
    _save(ctx, F.linear_training_figure(histories, {n: ctx["optima"][n] for n in histories}), "linear_training")
    _save(ctx, F.history_figure(ctx["compare"]), "digits_history")
    test = digits()["test"]
    _save(ctx, F.samples_figure(ctx["models"], test, seed=ctx["seed"]), "digits_samples")
    _save(ctx, F.aggregate_posterior_figure(ctx["models"], test, seed=ctx["seed"]), "aggregate_posterior")
    bench = _bench_json(ctx["out"])
    if bench is not None:
        _save(ctx, F.bench_figure(json.loads(bench.read_text())), "bench")
        ctx["bench_source"] = bench


def _bench_json(out: Path) -> Path | None:
    """The benchmark results to redraw: out/benchmarks/bench.json, else the one committed beside the package."""
    for candidate in (out / "benchmarks" / "bench.json", Path(__file__).resolve().parents[1] / "benchmarks"
                      / "bench.json"):
        if candidate.is_file():
            return candidate
    return None


def _num(x, digits=4) -> str:
    return "—" if x is None else x if isinstance(x, str) else f"{x:.{digits}f}"


def _linear_table(optima: dict) -> str:
    rows = ["| penalty | optimum or infimum (nats per datum) | attained | where | sigma | decoder log-likelihood "
            "there | pPCA log-likelihood (maximum) |", "|---|---|---|---|---|---|---|"]
    for name, r in optima.items():
        ll = _num(r.loglik) if r.loglik is not None else (r.loglik_limit or "—")
        sig = ", ".join(_num(s, 3) for s in r.sigma)
        attained = "yes" if r.attained else "no (infimum)"
        rows.append(f"| `{name}` | {r.objective:.6f} | {attained} | {r.path.split(':')[0]} | {sig} | {ll} | "
                    f"{r.ppca_loglik:.6f} |")
    return "\n".join(rows)


def _linear_trained_table(runs: dict, optima: dict) -> str:
    rows = ["| penalty | trained objective, last epoch (nats per datum) | analytic optimum / infimum (C) | "
            "the same for the training sample's covariance | sigma | norm of W | exact log-likelihood of the trained "
            "decoder |", "|---|---|---|---|---|---|---|"]
    for name, r in runs.items():
        h, ll = r.history, r.metrics.get("loglik_train", float("nan"))
        sample = r.setup.get("reference", {}).get("objective", float("nan"))
        rows.append(f"| `{name}` | {h['linear_objective'][-1]:.5f} | {optima[name].objective:.5f} | {sample:.5f} | "
                    f"{np.mean(h['sigma'][-1]):.4g} | {h['w_norm'][-1]:.4g} | {ll:.5f} |")
    return "\n".join(rows)


def digits_reading(result: dict, name: str) -> str:
    """What the bound gap of one penalty's digits runs shows, read against the estimate's convergence."""
    m = result["summary"][name]
    gap, moved = m["bound_gap"]["mean"], m["nll_iw_k10"]["mean"] - m["nll_iw"]["mean"]
    runs = [r for r in result["runs"] if r["penalty"] == name]
    spread = m["bound_gap"]["std"] if len(runs) > 1 else 0.0
    k = runs[0]["metrics"].get("K") if runs else None
    ks = f"K/10 = {k // 10} to K = {k}" if isinstance(k, int) else "K/10 to K"
    gap_text = f"{gap:+.2f} ± {spread:.2f}" if len(runs) > 1 else f"{gap:+.2f} (one seed: no spread)"
    text = (f"`{name}`: bound gap {gap_text} nats per image (objective - importance-weighted log p(x)); the estimate "
            f"moved {moved:.2f} nats from {ks} importance samples (mean effective sample size {m['ess']['mean']:.1f}"
            + (f" of {k})" if isinstance(k, int) else ")"))
    if gap > max(moved, 2 * spread, 0.0):
        return text + (": larger than that movement, so the trained objective exceeds log p(x) "
                       "(it is no longer a bound).")
    if gap > 0:
        return text + ": positive but within the estimate's remaining movement, so no violation is shown."
    return text + ": negative, the trained objective stays below the estimate of log p(x)."


def _verdict_paragraph(ctx) -> str:
    v, b, cand = ctx["verdict"], ctx["bound"], ctx["cand"].name
    opt, kl_opt = ctx["optima"][cand], ctx["optima"][ctx["kl"].name]
    best = -kl_opt.ppca_loglik
    parts = [f"**Can `{cand}` replace `{ctx['ref'].name}`?** The check finds the relation `{v.relation}`: {v.meaning}."]
    if b["guaranteed"]:
        parts.append(f"**reconstruction - penalty is still a lower bound on log p(x)**: {b['reason']}.")
    else:
        parts.append(f"**reconstruction - penalty is not guaranteed to be a lower bound on log p(x)**: {b['reason']}.")
    kind = "minimum" if opt.attained else "infimum (not attained: " + opt.path.split(":")[0] + ")"
    if opt.objective < best - 1e-9:
        parts.append(f"In the linear-Gaussian VAE (C = diag(5, 2, 0.5), k = 1) its objective's {kind} is "
                     f"{opt.objective:.4f} nats per datum, below {best:.4f} = -log-likelihood of the best model "
                     "(pPCA): there the objective beats every attainable likelihood, so it is not a bound"
                     + (", and the decoder's log-likelihood tends to -oo along the path." if not opt.attained else "."))
    else:
        parts.append(f"In the linear-Gaussian VAE (C = diag(5, 2, 0.5), k = 1) its objective's {kind} is "
                     f"{opt.objective:.4f} nats per datum, not below {best:.4f} = -log-likelihood of pPCA: "
                     "no violation in that model.")
    parts.append("On the digits, " + digits_reading(ctx["compare"], ctx["compare"]["setup"]["penalties"][-1]))
    return " ".join(parts)


def _short(ctx) -> str:
    v, b = ctx["verdict"], ctx["bound"]
    bound = "still a lower bound on log p(x)" if b["guaranteed"] else "NOT guaranteed to be a lower bound on log p(x)"
    name = ctx["cand"].name
    term = name if name.isidentifier() else f"({name})"  # reconstruction - (abs(mu)+abs(sigma-1)), not - abs(mu)+...
    return (f"{name} vs {ctx['ref'].name}: {v.relation} ({v.meaning.split(':')[0]}); "
            f"reconstruction - {term} is {bound}.")


def _options(ctx) -> str:
    """The command line's options other than --penalty and --against, as typed for this run."""
    out = " --quick" if ctx["quick"] else ""
    if ctx["prior"] is not None:
        out += f" --prior {ctx['prior'][0]},{ctx['prior'][1]}"
    return out + ("" if ctx["budget"] in (None, DEFAULT_BUDGET) else f" --budget {ctx['budget']:g}")


def _versions() -> str:
    names = ("numpy", "sympy", "numba", "scipy", "autograd", "matplotlib", "scikit-learn")
    found = []
    for n in names:
        try:
            found.append(f"{n} {metadata.version(n)}")
        except metadata.PackageNotFoundError:
            found.append(f"{n} (not installed)")
    from vaemath import __version__

    return f"vaemath {__version__}, Python {platform.python_version()}, " + ", ".join(found)


def _write_report(ctx) -> None:
    from vaemath.vae import markdown

    ctx["short"] = _short(ctx)
    cmp_ = ctx["compare"]
    base = next((r["metrics"].get("baseline_independent_nll") for r in cmp_["runs"]), None)
    lines = [f"# vaemath report: `{ctx['cand'].name}` against `{ctx['ref'].name}`", "",
             f"Written by `vaemath report --penalty {str(ctx['typed'][ctx['cand'].name])!r} --against "
             f"{str(ctx['typed'][ctx['ref'].name])!r}{_options(ctx)}`. Every number below comes from this run.", "",
             "## Verdict", "", _verdict_paragraph(ctx), "",
             "## Equivalence check", "", ctx["verdict"]._repr_markdown_(), ""]
    if ctx["against_kl"] is not ctx["verdict"]:
        lines += ["Against the KL (for the lower-bound question):", "", ctx["against_kl"]._repr_markdown_(), ""]
    lines += ["## The linear-Gaussian VAE", "",
              "Exact optimum or infimum (`vaemath.linear.optimum`, C = diag(5, 2, 0.5), k = 1; objective = penalty "
              "minus expected log-likelihood per datum, lower is better):", "", _linear_table(ctx["optima"]), "",
              "Trained by gradient descent (`vaemath.vae.train(data=\"linear\")`, "
              f"{ctx['sizes']['linear_train']}):", "", _linear_trained_table(ctx["linear_runs"], ctx["optima"]), "",
              "## VAEs on the digits", "",
              f"`vaemath.vae.compare({_pens(ctx)}, seeds={cmp_['setup']['seeds']}, data='digits'"
              f"{', quick=True' if ctx['quick'] else ''})`; test set, nats per image"
              + (f"; independent-pixel baseline NLL {base:.2f}" if base is not None else "") + ":", "",
              markdown(cmp_), "", *[f"- {digits_reading(cmp_, n)}" for n in cmp_["setup"]["penalties"]], "",
              "## Figures", ""]
    for i, name in enumerate(ctx["figures"], 1):
        lines += [f"**Figure {i}.** {CAPTIONS[name]}", "", f"![{name}](figures/{name}.{ctx['formats'][0]})", ""]
    times = ", ".join(f"{k} {v:.1f} s" for k, v in ctx["times"].items())
    times += (f"; total {sum(ctx['times'].values()):.1f} s before this file was written (its own stage, writing "
              "report.md, is timed in the command's output)")
    lines += ["## Reproduction", "", f"- versions: {_versions()}",
              f"- seed {ctx['seed']} (digits seeds {cmp_['setup']['seeds']}; linear training seed {ctx['seed']}; "
              f"linear multistart {ctx['sizes']['starts']} starts)", f"- time of each stage: {times}",
              f"- sigma read as the {'standard deviation' if ctx['sigma_means'] == 'std' else 'variance'}",
              "- symbolic budget: " + ("none (Python's budget=None)" if ctx["budget"] is None
                                       else f"{ctx['budget']:g} s per step")]
    if ctx["prior"] is not None:
        lines += [f"- prior N({ctx['prior'][0]}, {ctx['prior'][1]}**2) for the check and the linear-Gaussian VAE's "
                  "optimum; the VAEs trained the penalties against it written out: "
                  + "; ".join(f"`{n}` as `{t}`" for n, t in ctx["train_as"].items())]
    lines.append("")
    path = ctx["out"] / "report.md"
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines))
    ctx["files"].append(path)
