"""Figures 6-7: the linear-Gaussian VAE, exactly (``vaemath.linear``) and trained by gradient descent.

Model (Lucas et al. 2019; DESIGN.md): z ~ N(0, I_k), x | z ~ N(W z + b, tau^2 I_D), encoder mu = V (x - b) with
data-independent sigma. The objective drawn is the expected per-datum loss L = penalty - E_q log p(x | z) (lower is
better), whose value comes from :func:`vaemath.linear.objective`; the decoder's exact log-likelihood
log N(x; b, W W^T + tau^2 I) from :func:`vaemath.linear.loglik`.
"""

from __future__ import annotations

import numpy as np

from vaemath.figures.style import colour, new_figure, style

LOSS_LABEL = "penalty - E log p(x|z)  (nats per datum)"


def rescaling_path(cov, latent: int, c: float) -> dict:
    """The linear VAE on the rescaling path at scale c (the path of ``vaemath.linear.optimum``'s infimum).

    All k latent dimensions active: sigma_j = c^2, w_j = u_j sqrt(lambda_j) / c, v_j = c u_j^T / sqrt(lambda_j)
    (u_j, lambda_j the leading eigenvectors and eigenvalues of C), tau^2 at its maximum-likelihood value
    [tr((I - W V) C (I - W V)^T) + sum_j sigma_j^2 ||w_j||^2] / D given the rest.

    Returns
    -------
    dict
        ``w`` (D x k), ``v`` (k x D), ``sigma`` (k,), ``tau2``.
    """
    cov = np.asarray(cov, dtype=float)
    lam, u = np.linalg.eigh(cov)
    lam, u = lam[::-1][:latent], u[:, ::-1][:, :latent]
    w, v, sig = u * np.sqrt(lam) / c, (c * u / np.sqrt(lam)).T, np.full(latent, c**2)
    resid = np.eye(cov.shape[0]) - w @ v
    tau2 = (np.trace(resid @ cov @ resid.T) + np.sum(sig**2 * np.sum(w**2, axis=0))) / cov.shape[0]
    return {"w": w, "v": v, "sigma": sig, "tau2": float(tau2)}


def path_curves(cov, latent: int, penalties, cs) -> dict:
    """Objective of each penalty and the exact log-likelihood along :func:`rescaling_path` at the scales ``cs``.

    Returns
    -------
    dict
        ``c`` (array), ``objective`` {penalty name: array}, ``loglik`` (array, nats per datum), ``eigenvalues``
        (of C, as text).
    """
    from vaemath import linear
    from vaemath.symbolic import penalty

    cov = linear.covariance(cov)
    pts = [rescaling_path(cov, latent, c) for c in cs]
    out = {"c": np.asarray(cs, dtype=float), "objective": {},
           "eigenvalues": ", ".join(f"{x:.3g}" for x in np.linalg.eigvalsh(cov)[::-1]),
           "loglik": np.array([linear.loglik(p["w"], p["tau2"], cov) for p in pts])}
    for pen in penalties:
        p = penalty(pen)
        out["objective"][p.name] = np.array([linear.objective(q["w"], q["v"], q["sigma"], q["tau2"], cov, p)
                                             for q in pts])
    return out


def linear_path_figure(optima: dict, cov, latent: int = 1, cs=None, penalties=None):
    """Figure 6: the linear-Gaussian VAE's objective along the rescaling path, against each penalty's optimum.

    Left: for each penalty, the objective along the path sigma = c^2, ||W|| ~ 1/c (c -> 0 to the left), with the
    penalty's optimum or infimum from :func:`vaemath.linear.optimum` (dotted) and -log-likelihood of the best
    model, pPCA (black). Under a bounded penalty (quadratic) the curve falls below that line: the objective
    beats every attainable likelihood, so it is no longer a bound. Right: the decoder's exact log-likelihood
    along the same path, which tends to -oo.

    Parameters
    ----------
    optima : dict
        Penalty name -> :class:`LinearResult` from ``vaemath.linear.optimum(cov, latent, name)``.
    cov : array_like or str
        Data covariance C.
    latent : int
    cs : array_like, optional
        Path scales (default 10^-4 ... 1).
    penalties : dict, optional
        Penalty name -> the Penalty drawn along the path, for names the parser cannot read back (``kl against
        N(5, 3**2)``: the penalty at the encoder's best offset, :func:`vaemath.linear.code_offset`); default the
        names themselves.
    """
    cs = np.geomspace(1e-5, 1.0, 201) if cs is None else np.asarray(cs, dtype=float)
    curves = path_curves(cov, latent, [(penalties or {}).get(n, n) for n in optima], cs)
    best = -next(iter(optima.values())).ppca_loglik
    with style():
        fig, (ax, ll) = new_figure(13.0, 5.0, ncols=2)
        lo, hi = [best], [best + 1.2]
        for i, (name, res) in enumerate(optima.items()):
            y = curves["objective"][name]
            ax.plot(cs, y, color=colour(i), lw=2.0, label=f"{name} along the path")
            kind = "minimum" if res.attained else "infimum (not attained)"
            ax.axhline(res.objective, color=colour(i), ls=":", lw=1.6, label=f"{name}: {kind} {res.objective:.4f}")
            if res.path_values:
                pv = np.array(res.path_values)
                ax.plot(pv[:, 0], pv[:, 1], "o", color=colour(i), mfc="none", ms=8,
                        label=f"{name}: path values from vaemath.linear.optimum")
            lo += [res.objective, float(np.nanmin(y))]
            hi += [res.objective + 0.3, float(np.nanmin(y)) + 0.8]  # every curve's lowest part stays in view
        ax.axhline(best, color="black", lw=1.4, ls="--", label=f"-log-likelihood of pPCA (best model) {best:.4f}")
        ax.set_xscale("log")
        ax.set_ylim(min(lo) - 0.15, max(hi))
        ax.set_xlabel(r"path scale $c$ ($\sigma = c^2$, $\|W\| \propto 1/c$), log scale")
        ax.set_ylabel(LOSS_LABEL)
        ax.set_title(f"Objective (lower is better) along the rescaling path, k = {latent}, "
                     f"C eigenvalues {curves['eigenvalues']}", fontsize=11)
        ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
        ll.plot(cs, curves["loglik"], color="black", lw=2.0, label="decoder's exact log-likelihood on the path")
        ll.axhline(-best, color="black", ls="--", lw=1.4, label=f"pPCA (maximum) {-best:.4f}")
        ll.set_xscale("log")
        ll.set_xlabel(r"path scale $c$, log scale")
        ll.set_ylabel("E log N(x; b, WW' + tau^2 I) (nats per datum)")
        ll.set_title("Exact log-likelihood along the path: -> -oo as c -> 0", fontsize=11)
        ll.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    return fig


def linear_training_figure(histories: dict, optima: dict):
    """Figure 7: the linear VAE trained by gradient descent against the analytic optimum or infimum.

    Left: the training loss -objective per datum against epochs for each penalty, with the analytic value
    from :func:`vaemath.linear.optimum` (dotted). Right: sigma and ||W|| against epochs (log scale): under a
    bounded penalty sigma -> 0 and ||W|| grows, as the analysis's path says.

    Parameters
    ----------
    histories : dict
        Penalty name -> training history (dict of per-epoch lists with ``epoch``, ``linear_objective`` (the exact
        expected loss on the training data; else ``objective``, reconstruction - penalty on validation, is negated),
        ``sigma`` (posterior std per dimension) and ``w_norm``), from ``vaemath.vae.train(data="linear")``.
    optima : dict
        Penalty name -> :class:`LinearResult`.
    """
    with style():
        fig, (ax, geo) = new_figure(13.0, 5.0, ncols=2)
        for i, (name, h) in enumerate(histories.items()):
            if not h.get("epoch"):  # the guard stopped the run before its first evaluation
                ax.plot([], [], color=colour(i), lw=2.0, label=f"{name}: no epoch trained (stopped by the guard)")
                continue
            ep = np.asarray(h["epoch"])
            exact = "linear_objective" in h  # the exact expected objective on the training data
            loss = np.asarray(h["linear_objective"] if exact else -np.asarray(h["objective"]), dtype=float)
            ax.plot(ep, loss, color=colour(i), lw=2.0, label=f"{name}: trained (gradient descent)")
            if name in optima:
                res = optima[name]
                kind = "minimum" if res.attained else "infimum"
                ax.axhline(res.objective, color=colour(i), ls=":", lw=1.8,
                           label=f"{name}: analytic {kind} {res.objective:.4f}")
            geo.plot(ep, np.asarray(h["sigma"], dtype=float).reshape(len(ep), -1).mean(axis=1), color=colour(i),
                     lw=2.0, label=f"{name}: posterior std. sigma")
            geo.plot(ep, np.asarray(h["w_norm"], dtype=float), color=colour(i), lw=2.0, ls="--",
                     label=f"{name}: decoder norm ||W||")
        if optima:
            best = -next(iter(optima.values())).ppca_loglik
            ax.axhline(best, color="black", ls="--", lw=1.4, label=f"-log-likelihood of pPCA {best:.4f}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(LOSS_LABEL)
        ax.set_title("Training loss (lower is better) against the analytic optimum / infimum", fontsize=11)
        ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
        geo.set_yscale("log")
        geo.set_xlabel("epoch")
        geo.set_ylabel("sigma (prior std. units); ||W|| (data units)")
        geo.set_title("Encoder std. and decoder norm during training", fontsize=11)
        geo.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    return fig
