"""Figures 8-10: VAEs trained on the digits with different penalties (``vaemath.vae``).

Figure 8 reads the histories of :func:`vaemath.vae.compare`; figures 9 and 10 read trained models
(:class:`vaemath.vae.TrainResult`: ``encode``, ``sample_prior``, ``reconstruct``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle

from vaemath.figures.style import LINESTYLES, colour, new_figure, style

HISTORY_PANELS = (
    ("nll_iw", "importance-weighted NLL (nats per image)", "-log p(x), importance-weighted (Burda et al. 2015)"),
    ("sigma_mean", "mean posterior std. sigma (prior units)", "encoder's mean sigma"),
    ("decoder_norm", "||first decoder layer|| (Frobenius)", "norm of the decoder's first layer"),
    ("bound_gap", "objective - log p(x) (nats per image)", "bound gap: > 0 means the objective is not a bound"),
)
LEVELS = 17  # grey levels of the digits, 0..16


def _curves(runs: list, key: str) -> dict:
    """Per penalty: epochs, the table seeds x epochs of history[key] (NaN after a seed stopped), the mean over
    seeds where every seed has a value (NaN elsewhere), and each seed's best epoch (or None)."""
    out = {}
    for name in dict.fromkeys(r["penalty"] for r in runs):
        rs = [r for r in runs if r["penalty"] == name and key in r["history"]]
        if not rs:
            continue
        epochs = sorted(set().union(*(r["history"]["epoch"] for r in rs)))
        table = np.full((len(rs), len(epochs)), np.nan)
        for i, r in enumerate(rs):
            for e, v in zip(r["history"]["epoch"], r["history"][key]):
                table[i, epochs.index(e)] = np.mean(v) if v is not None else np.nan
        complete = np.all(np.isfinite(table), axis=0)
        mean = np.where(complete, np.mean(np.where(complete, table, 0.0), axis=0), np.nan)
        best = [r.get("status", {}).get("best_epoch") for r in rs]
        out[name] = {"epoch": np.array(epochs), "table": table, "mean": mean, "best": best}
    return out


def history_figure(result: dict, panels=HISTORY_PANELS):
    """Figure 8: validation histories per penalty: each seed (thin line) and the mean over seeds (thick line).

    A seed stopped early (``patience``) ends its thin line at its last epoch, and its best epoch (the parameters
    kept) is marked with a dot. The mean is drawn only at epochs every seed reached, so it never jumps when
    the set of seeds averaged changes.

    Parameters
    ----------
    result : dict
        From :func:`vaemath.vae.compare`: ``runs`` with ``penalty``, ``seed``, ``history`` (per-epoch lists) and
        ``status`` (``best_epoch``).
    panels : tuple of (key, y label, title)
        History keys drawn, one panel each (default: NLL, mean sigma, decoder first-layer norm, bound gap).
    """
    runs = result["runs"]
    with style():
        fig, axes = new_figure(12.0, 8.0, nrows=2, ncols=2)
        for ax, (key, ylabel, title) in zip(axes.ravel(), panels):
            for i, (name, c) in enumerate(_curves(runs, key).items()):
                _draw_seeds(ax, name, c, colour(i), LINESTYLES[i % len(LINESTYLES)])
            if key == "bound_gap":
                ax.axhline(0.0, color="black", lw=1.0, ls=":")
            if key == "sigma_mean":
                ax.set_yscale("log")
            ax.set_xlabel("epoch")
            ax.set_ylabel(ylabel)
            ax.set_title(title, fontsize=11)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(frameon=False, fontsize=9)
        k = result.get("setup", {}).get("train", {}).get("history_K")
        fig.suptitle("Digits, validation set per epoch" + (f" (importance samples K = {k})" if k else "")
                     + "; thin: each seed (dot: its best epoch), thick: mean where every seed has data")
    return fig


def _draw_seeds(ax, name: str, c: dict, col: str, ls) -> None:
    """One penalty's seeds (thin lines, best epoch dotted) and their mean over the epochs all seeds reached."""
    n = len(c["table"])
    for row, best in zip(c["table"], c["best"]):
        ax.plot(c["epoch"], row, color=col, lw=0.8 if n > 1 else 2.0, alpha=0.55 if n > 1 else 1.0, ls=ls,
                label=None if n > 1 else f"{name}: 1 seed")
        if best is not None and best in c["epoch"]:
            j = list(c["epoch"]).index(best)
            ax.plot(c["epoch"][j], row[j], marker="o", ms=4, color=col, ls="none")
    if n > 1:
        ax.plot(c["epoch"], c["mean"], color=col, lw=2.4, ls=ls, label=f"{name}: mean of {n} seeds")


def _mosaic(images: np.ndarray, side: int = 8, gap: int = 1) -> np.ndarray:
    """Images (n, side*side) side by side with a blank column between them; NaN gaps."""
    n = len(images)
    out = np.full((side, n * (side + gap) - gap), np.nan)
    for i, im in enumerate(images):
        out[:, i * (side + gap):i * (side + gap) + side] = np.asarray(im, dtype=float).reshape(side, side)
    return out


def samples_figure(models: dict, x, n: int = 10, seed: int = 0):
    """Figure 9: reconstructions of the same test digits and samples from the prior, per penalty.

    Parameters
    ----------
    models : dict
        Penalty name -> :class:`vaemath.vae.TrainResult` trained on the digits.
    x : array_like, shape (N, 64)
        Test images (grey levels 0..16); the first ``n`` are reconstructed.
    seed : int
        Seeds the draws z ~ q(z|x), z ~ N(0, I) and x ~ p(x|z).
    """
    x = np.asarray(x, dtype=float)[:n]
    rows = [("test images", x)]
    for name, model in models.items():
        rows.append((f"{name}:\nreconstructions", model.reconstruct(x, seed=seed)))
        rows.append((f"{name}:\nprior samples", model.sample_prior(n, seed=seed)))
    with style():
        fig, axes = new_figure(1.0 + 0.85 * n, 0.95 * len(rows) + 0.6, nrows=len(rows))
        for ax, (text, images) in zip(np.atleast_1d(axes), rows):
            im = ax.imshow(_mosaic(images), cmap="gray_r", vmin=0, vmax=LEVELS - 1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            ax.set_ylabel(text, rotation=0, ha="right", va="center", fontsize=10)
        fig.colorbar(im, ax=axes, label="grey level (0-16)", shrink=0.6)
        fig.suptitle("Reconstructions x' ~ p(x|z), z ~ q(z|x), and samples x ~ p(x|z), z ~ N(0, I)")
    return fig


def leading_dims(mu: np.ndarray, count: int = 2) -> np.ndarray:
    """The ``count`` latent dimensions with the largest variance over x of E_q[z_j] (the active-unit statistic)."""
    return np.argsort(np.var(mu, axis=0))[::-1][:count]


def aggregate_posterior_figure(models: dict, x, draws: int = 4, seed: int = 0):
    """Figure 10: draws from the aggregate posterior q(z) = E_x q(z|x) in two leading dimensions, against the prior.

    For each penalty, z = mu(x) + sigma(x) eps for every test image x (``draws`` per image), projected on the two
    dimensions whose mean codes vary most over x; circles: the prior N(0, I)'s 1, 2 and 3 std. contours.

    Parameters
    ----------
    models : dict
        Penalty name -> :class:`vaemath.vae.TrainResult`.
    x : array_like, shape (N, 64)
        Test images.
    """
    x = np.asarray(x, dtype=float)
    rng = np.random.default_rng(seed)
    with style():
        fig, axes = new_figure(4.6 * len(models) + 0.4, 4.9, ncols=len(models), squeeze=False)
        for ax, (i, (name, model)) in zip(axes[0], enumerate(models.items())):
            mu, s = model.encode(x)
            dims = leading_dims(mu)
            sig = np.exp(s)
            z = (mu[None] + sig[None] * rng.standard_normal((draws, *mu.shape))).reshape(-1, mu.shape[1])
            ax.scatter(z[:, dims[0]], z[:, dims[-1]], s=3, alpha=0.35, color=colour(i), lw=0, rasterized=True,
                       label=f"q(z) draws ({len(z)})")
            for r in (1, 2, 3):
                ax.add_patch(Circle((0, 0), r, fill=False, color="black", lw=1.0, ls="--" if r > 1 else "-"))
            lim = max(3.5, float(np.percentile(np.abs(z[:, dims]), 99.5)) * 1.05)
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            ax.set_xlabel(f"z[{dims[0]}] (prior std. units)")
            ax.set_ylabel(f"z[{dims[-1]}] (prior std. units)")
            gm = float(np.exp(np.mean(s)))
            ax.set_title(f"{name}: geometric-mean sigma {gm:.3g}", fontsize=11)
            ax.plot([], [], color="black", lw=1.0, label="prior N(0, I): 1, 2, 3 std.")
            for handle in ax.legend(loc="upper right", fontsize=8.5, markerscale=4, framealpha=0.9).legend_handles:
                handle.set_alpha(1.0)  # the legend's marker opaque, though the draws are translucent
        fig.suptitle("Aggregate posterior in the two most varying dimensions against the prior (test set)")
    return fig
