"""Figures 1-5: a candidate penalty against a reference over (mu, sigma), from the generated kernels.

Every value drawn is computed by :func:`vaemath.kernels.grid` or :func:`vaemath.kernels.evaluate` (numba code
generated from the penalty's sympy expression); minimisers, Hessians and limits come from the symbolic layer,
the ratio's bounds from :func:`vaemath.check`'s evidence. Each function takes any two penalties (catalogue names,
penalty text or :class:`~vaemath.symbolic.Penalty`) and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import re
import textwrap

import numpy as np
import sympy as sp
from matplotlib.patches import Ellipse, Rectangle
from matplotlib.ticker import MaxNLocator

from vaemath.figures.style import CANDIDATE, DIVERGING, LINESTYLES, REFERENCE, SEQUENTIAL, colour, new_figure, style
from vaemath.kernels import evaluate, grid, pointwise, steepest_subgradient
from vaemath.symbolic import MinimizerSet, limit, minimizer, mu, penalty, sigma

CATALOGUE_ENTRIES = ("kl", "reverse_kl", "jeffreys", "bhattacharyya", "hellinger_squared", "fisher_rao_squared",
                     "quadratic", "kl_taylor2")
MU_LABEL, SIGMA_LABEL = r"posterior mean $\mu$ (prior std. units)", r"posterior std. $\sigma$ (prior std. units)"
PEN_LABEL = "penalty per latent dimension (nats for divergences)"


def label(pen) -> str:
    """A short legend label: the catalogue name, or the typed text cut to 32 characters."""
    name = pen.name
    return name if len(name) <= 32 else name[:29] + "..."


def operand(pen) -> str:
    """:func:`label`, in parentheses when it is typed text rather than a name: "(mu**2 + sigma) / kl"."""
    text = label(pen)
    return text if text.isidentifier() else f"({text})"


def _pens(candidate, reference, sigma_means):
    return penalty(candidate, sigma_means), penalty(reference, sigma_means)


def _minimum(pen):
    """The penalty's minimum for drawing: (mu, sigma, Hessian as floats or None at a kink), a MinimizerSet (a whole
    region of minimisers, e.g. free bits or a constant), or None when there is no interior minimiser."""
    best = minimizer(pen.expr)
    if best is None or isinstance(best, MinimizerSet):
        return best
    hess = None if best.hessian is None else np.array(best.hessian.tolist(), dtype=float)
    return float(best.point[mu]), float(best.point[sigma]), hess


def _minimiser_set(ax, pen, best, mu_range, sigma_range, col, n=201, log_sigma=False) -> None:
    """Draw a MinimizerSet: a region (free bits, a constant) hatched where the kernel's value is the minimum (to
    1e-9); a line (exp(l) - l: sigma = 1 for every mu), which no grid point may hit, as the zero level of each
    equation of its region."""
    mus = np.linspace(*mu_range, n)
    sigmas = np.geomspace(*sigma_range, n) if log_sigma else np.linspace(*sigma_range, n)
    field = grid(pen, mus, sigmas).T
    value = float(best.value)
    on = (np.abs(field - value) <= 1e-9 * max(1.0, abs(value))).astype(float)
    eqs = [best.region] if isinstance(best.region, sp.Eq) else list(getattr(best.region, "args", ()))
    line = on.mean() < 0.005 and eqs and all(isinstance(q, sp.Eq) for q in eqs)
    if line:
        m, s = np.meshgrid(mus, sigmas)
        for q in eqs:
            gap = np.broadcast_to(sp.lambdify((mu, sigma), q.lhs - q.rhs, "numpy")(m, s), m.shape)
            ax.contour(mus, sigmas, gap, levels=[0.0], colors=col, linewidths=3.0)
        ax.plot([], [], color=col, lw=3.0, label=f"{label(pen)}: its line of minimisers (value {best.value})")
        return
    if on.any():
        ax.contourf(mus, sigmas, on, levels=[0.5, 1.5], colors="none", hatches=["//"])
        ax.contour(mus, sigmas, on, levels=[0.5], colors=col, linewidths=1.6)
    ax.add_patch(Rectangle((0, 0), 0, 0, fill=False, hatch="//", ec=col, lw=1.6,
                           label=f"{label(pen)}: its set of minimisers (value {best.value})"))


def _mark_minimum(ax, pen, best, col, window, level=None, ls="-") -> None:
    """The minimiser (star), its level ellipse when it has a Hessian, or the hatched set of minimisers."""
    if isinstance(best, MinimizerSet):
        _minimiser_set(ax, pen, best, *window, col)
        return
    if best is None:
        return
    if level is not None:
        if best[2] is not None:
            _ellipse(ax, best[:2], best[2], level, col, ls, f"{label(pen)}: 1/2 d'Hd = {level:g}, "
                     f"H = {_hess_text(best[2])}")
        else:
            ax.plot([], [], color=col, ls=ls, label=f"{label(pen)}: no Hessian at its minimiser (a kink)")


def _levels(values: list) -> np.ndarray:
    """Shared contour levels: from the smallest value to the 80th percentile of the larger field."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    lo = float(np.min(finite))
    hi = max(float(np.percentile(v[np.isfinite(v)], 80)) for v in values)
    return MaxNLocator(14).tick_values(lo, hi if hi > lo else lo + 1)


def _ellipse(ax, centre, hess, level, color, ls, text):
    """The level set 1/2 d^T H d = level of the local quadratic form, drawn around ``centre``."""
    w, v = np.linalg.eigh(hess)
    if not np.all(w > 0):
        return
    width, height = 2 * np.sqrt(2 * level / w)
    angle = np.degrees(np.arctan2(v[1, 0], v[0, 0]))
    ax.add_patch(Ellipse(centre, width, height, angle=angle, fill=False, color=color, ls=ls, lw=2.2, label=text))


def _hess_text(h) -> str:
    return "[[" + "], [".join(", ".join(f"{x:.3g}" for x in row) for row in h) + "]]"


def landscape_figure(candidate="quadratic", reference="kl", sigma_means="std", mu_range=(-2.5, 2.5),
                     sigma_range=(0.02, 3.0), n=301, level=0.25):
    """Figure 1: the two penalties over (mu, sigma) on the same contour levels, minimisers and local forms.

    Each panel is filled with one penalty (same levels in both); both panels show the level ellipses
    1/2 d^T H d = ``level`` of the two local quadratic forms at the minimisers (for ``kl``: H = diag(1, 2), the
    Fisher information of N(mu, sigma^2); for ``quadratic``: H = 2I).

    Parameters
    ----------
    candidate, reference : str or Penalty
    sigma_means : {"std", "var"}
    mu_range, sigma_range : tuple of float
        Plotted window; sigma > 0.
    n : int
        Grid points per axis.
    level : float
        Value of the quadratic forms' level ellipses.
    """
    cand, ref = _pens(candidate, reference, sigma_means)
    mus, sigmas = np.linspace(*mu_range, n), np.linspace(*sigma_range, n)
    fields = [grid(p, mus, sigmas).T for p in (cand, ref)]
    levels = _levels(fields)
    minima = [_minimum(p) for p in (cand, ref)]
    with style():
        fig, axes = new_figure(12.5, 4.9, ncols=2, sharey=True)
        for ax, pen, field, best, col in zip(axes, (cand, ref), fields, minima, (CANDIDATE, REFERENCE)):
            cs = ax.contourf(mus, sigmas, field, levels=levels, cmap=SEQUENTIAL, extend="both")
            ax.contour(mus, sigmas, field, levels=levels, colors="white", linewidths=0.5, alpha=0.6)
            ax.set_title(f"{label(pen)}: {_short_expr(pen.expr)}", fontsize=11)
            ax.set_xlabel(MU_LABEL)
            for (p, b, c, ls) in ((cand, minima[0], CANDIDATE, "-"), (ref, minima[1], REFERENCE, "--")):
                if not isinstance(b, MinimizerSet) or p is pen:
                    _mark_minimum(ax, p, b, c, (mu_range, sigma_range), level, ls)
            if isinstance(best, tuple):
                ax.plot(*best[:2], marker="*", ms=16, color=col, mec="white", mew=1.2, ls="none",
                        label=f"minimiser ({best[0]:.3g}, {best[1]:.3g})")
            elif best is None:
                ax.text(0.5, 0.95, "no interior minimiser", transform=ax.transAxes, ha="center", color="white")
            ax.set_aspect("equal")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=9, frameon=False)
        axes[0].set_ylabel(SIGMA_LABEL)
        fig.colorbar(cs, ax=axes, label=PEN_LABEL, shrink=0.95)
        fig.suptitle("Landscapes on the same contour levels, with the local quadratic forms at the minimisers")
    return fig


def _short_expr(expr, limit=46) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _boundary_limit(pen, at_mu=0) -> sp.Expr | None:
    """lim_{sigma->0+} pen(at_mu, sigma), exact (:func:`vaemath.symbolic.limit`: abs, max, min too); None if not
    found in the time budget."""
    return limit(pen.expr.subs(mu, at_mu), sigma, 0, "+")


def entries_with(*first, base=CATALOGUE_ENTRIES) -> list:
    """Penalties to draw: ``first`` (e.g. reference, candidate: the first two line colours are the ones figures 1
    and 4 give the reference and the candidate), then the catalogue entries not among them."""
    pens, exprs = [], []
    for item in (*first, *base):
        p = penalty(item)
        if not any(sp.expand(p.expr - e) == 0 for e in exprs):
            pens.append(p)
            exprs.append(p.expr)
    return pens


def sigma_slice_figure(entries=None, mu0=0.0, sigma_range=(1e-3, 1e2), n=600, ymax=6.0):
    """Figure 2: pen(mu0, sigma) on a log sigma axis: barriers (-> oo as sigma -> 0) against bounded penalties.

    Parameters
    ----------
    entries : list of str or Penalty, optional
        Penalties to draw (default: the catalogue, W2^2 drawn as ``quadratic``).
    mu0 : float
        The fixed posterior mean.
    sigma_range : tuple of float
        Plotted sigma interval (log axis).
    ymax : float
        Upper limit of the value axis (barriers leave the plot there).
    """
    pens = [penalty(p) for p in entries] if entries is not None else entries_with()
    sigmas = np.geomspace(*sigma_range, n)
    with style():
        fig, ax = new_figure(9.5, 5.0)
        dashes = iter(LINESTYLES[1:] * 4)
        for i, pen in enumerate(pens):
            lim = _boundary_limit(pen, sp.nsimplify(mu0))
            bounded = lim is not None and bool(lim.is_number and lim.is_finite)
            kind = f"bounded: -> {sp.N(lim, 4)}" if bounded else ("limit not found" if lim is None else
                                                                  f"barrier: -> {lim}")
            values = evaluate(pen, np.full(n, mu0), sigmas)
            ax.plot(sigmas, values, color=colour(i), ls=next(dashes) if bounded else "-", lw=2.4 if bounded else 1.8,
                    label=f"{label(pen)} ({kind})")
        ax.set_xscale("log")
        ax.set_ylim(_lower(ax), ymax)
        ax.set_xlabel(SIGMA_LABEL + ", log scale")
        ax.set_ylabel(PEN_LABEL)
        ax.axvline(1.0, color="grey", lw=0.8, ls=":")
        ax.set_title(rf"Slice at $\mu$ = {mu0:g}: limits as $\sigma \to 0^+$ (solid: barrier, broken: bounded)")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


def _lower(ax) -> float:
    """Lower value limit: a little below the smallest value drawn (0 for penalties >= 0)."""
    ys = [np.nanmin(np.where(np.isfinite(y := line.get_ydata()), y, np.nan)) for line in ax.get_lines()
          if len(line.get_ydata()) > 2]
    return min([0.0, *ys]) - 0.15


_PATH = re.compile(r"(sigma|mu)->(0\+|oo|-oo) at (mu|sigma) = ([^\s;]+)")  # "; attained at ..." may follow
_NEAR = re.compile(r"\(mu, sigma\) (?:= |-> )\(([^,]+), ([^)]+)\)")


def locate(where: str, mu_range, sigma_range) -> tuple | None:
    """The plot point (mu, sigma) where an infimum or supremum described by ``where`` is approached.

    Boundary paths ("sigma->0+ at mu = 0") are placed on the window's edge; points ("near (mu, sigma) =
    (1.2, 0.3)", "(mu, sigma) -> (0, 1)") at the point. None when the text names no place.
    """
    m = _PATH.search(where or "")
    if m:
        var, end, _, value = m.groups()
        fixed = float(sp.sympify(value))
        edge = {"0+": 0, "oo": 1, "-oo": 0}[end]
        return (fixed, sigma_range[edge]) if var == "sigma" else (mu_range[edge], fixed)
    m = _NEAR.search(where or "")
    if m:
        return float(sp.sympify(m.group(1))), float(sp.sympify(m.group(2)))
    return None


def ratio_figure(candidate="quadratic", reference="kl", verdict=None, sigma_means="std", mu_range=(-3.0, 3.0),
                 sigma_range=(1e-2, 1e2), n=301):
    """Figure 3: candidate / reference over the (mu, log sigma) plane, with the ratio's infimum and supremum.

    The colour is log10 of the ratio; the black line is ratio = 1 (candidate = reference). When the reference
    is the KL, the region below 1 is where candidate < KL: there reconstruction - candidate exceeds the ELBO.
    The annotated bounds and where they are approached come from ``verdict.ratio_bounds``
    (:func:`vaemath.check`, exact limits along boundary paths plus a numeric interior search).

    Parameters
    ----------
    verdict : Verdict, optional
        ``vaemath.check(candidate, reference)``; computed when not given.
    """
    if verdict is None:
        from vaemath.analysis import check

        verdict = check(candidate, reference, sigma_means)
    cand, ref = verdict.candidate, verdict.reference
    mus, sigmas = np.linspace(*mu_range, n), np.geomspace(*sigma_range, n)
    c, r = grid(cand, mus, sigmas).T, grid(ref, mus, sigmas).T
    with np.errstate(all="ignore"):
        logratio = np.log10(c / r)
    zero = (c == 0) & (np.abs(r) >= 1e-12)  # ratio exactly 0: log10 = -oo, drawn in the lowest colour
    logratio[~np.isfinite(logratio) | (np.abs(r) < 1e-12)] = np.nan
    equal = np.abs(logratio) < 1e-9  # candidate = reference to rounding (free bits outside its flat region, ...)
    logratio[equal] = 0.0
    span = min(max(np.nanmax(np.abs(logratio)) if np.isfinite(logratio).any() else 1.0, 0.5), 3.0)
    logratio[zero] = -2 * span
    rb = verdict.ratio_bounds
    with style():
        fig, ax = new_figure(9.0, 5.6)
        im = ax.pcolormesh(mus, sigmas, logratio, cmap=DIVERGING, vmin=-span, vmax=span, shading="auto",
                           rasterized=True)
        if equal.mean() > 0.01:  # a region, not a line: hatch it, its edge is the contour below
            ax.contourf(mus, sigmas, equal.astype(float), levels=[0.5, 1.5], colors="none", hatches=["\\\\"])
            ax.add_patch(Rectangle((0, 0), 0, 0, fill=False, hatch="\\\\", ec="black",
                                   label="ratio = 1 exactly (candidate = reference)"))
        if zero.any():
            ax.add_patch(Rectangle((0, 0), 0, 0, fc=im.cmap(0.0), ec="black", label="ratio 0 (candidate = 0)"))
        if ax.patches:
            ax.legend(loc="lower left", fontsize=9, framealpha=0.92)
        ax.contour(mus, sigmas, logratio, levels=[0.0], colors="black", linewidths=1.6)
        ax.set_yscale("log")
        ax.set_xlabel(MU_LABEL)
        ax.set_ylabel(SIGMA_LABEL + ", log scale")
        fig.colorbar(im, ax=ax, extend="both",
                     label=f"log10( {operand(cand)} / {operand(ref)} )  (black line: ratio = 1)")
        if rb.get("inf") is not None and rb.get("inf") == rb.get("sup"):  # a constant ratio: one note, not two
            ax.text(0.02, 0.5, f"constant ratio {rb['inf']}\n(infimum = supremum)", transform=ax.transAxes,
                    fontsize=9, bbox={"boxstyle": "round", "fc": "white", "ec": "grey", "alpha": 0.92})
        else:
            for key, name, dy in (("inf", "infimum", 0.10), ("sup", "supremum", -0.10)):
                _annotate_bound(ax, name, rb.get(key), rb.get(f"{key}_path"), mu_range, sigma_range, dy)
        ax.set_title(f"Ratio {operand(cand)} / {operand(ref)}: inf {rb.get('inf')}, sup {rb.get('sup')}")
    return fig


def _annotate_bound(ax, name, value, where, mu_range, sigma_range, dy):
    if value is None:
        return
    text = f"{name} {value}\n" + "\n".join(textwrap.wrap(str(where), 38))
    point = locate(where, mu_range, sigma_range)
    box = {"boxstyle": "round", "fc": "white", "ec": "grey", "alpha": 0.92}
    if point is None:
        ax.text(0.02, 0.5 + dy, text, transform=ax.transAxes, fontsize=9, bbox=box)
        return
    px, py = ax.transAxes.inverted().transform(ax.transData.transform(point))
    anchor = (px + (0.25 if px < 0.6 else -0.25), min(max(py, 0.12), 0.88) + (0.12 if py < 0.5 else -0.12))
    ax.annotate(text, xy=point, xycoords="data", xytext=anchor, textcoords="axes fraction", fontsize=9,
                ha="center", va="center", bbox=box, annotation_clip=False,
                arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.4})
    ax.plot(*point, marker="o", ms=8, color="black", mfc="white", clip_on=False, zorder=5)


def flow_paths(pen, starts, step=0.01, max_steps=4000, tol=1e-7) -> list:
    """Gradient-flow curves x' = -grad pen(x) from each start, as arrays of (mu, sigma) points.

    Steps of length ``step`` along -grad/|grad| while |grad| > 1 (arc length, stable where the gradient is
    huge, e.g. the KL as sigma -> 0), plain gradient steps ``step * grad`` below, until |grad| < ``tol``;
    the gradient comes from the generated kernel.
    """
    x = np.array(starts, dtype=float)
    paths, alive = [[p.copy()] for p in x], np.ones(len(x), bool)
    planes = pointwise(pen, what=("value", "grad"))  # the kernel loaded once, not at every step
    for _ in range(max_steps):
        g = _descent_gradient(planes, x)
        norm = np.hypot(g[0], g[1])
        alive &= np.isfinite(norm) & (norm > tol)
        if not alive.any():
            break
        scale = step / np.maximum(norm, 1.0)
        new = x - (scale * g).T
        new[:, 1] = np.where(new[:, 1] > 0, new[:, 1], x[:, 1] / 2)  # stay in sigma > 0
        x = np.where(alive[:, None], new, x)
        for i in np.flatnonzero(alive):
            paths[i].append(x[i].copy())
    return [np.array(p) for p in paths]


def _descent_gradient(planes, x) -> np.ndarray:
    """The gradient (2, n) at points x (n, 2) from ``planes`` (:func:`vaemath.kernels.pointwise`, value and gradient), a
    component that is NaN at a kink (|mu| at mu = 0) taken as the steepest descent along that axis
    (:func:`vaemath.kernels.steepest_subgradient`), so that a flow along a kink goes on."""
    m, s = np.ascontiguousarray(x[:, 0]), np.ascontiguousarray(x[:, 1])
    return steepest_subgradient(planes, m, s, planes(m, s))[1:]


DEFAULT_STARTS = ((-2.0, 0.08), (2.0, 0.08), (0.0, 0.04), (-2.2, 2.6), (2.2, 2.6), (0.0, 3.0), (-2.4, 1.0),
                  (1.0, 0.3))


def gradient_flow_figure(candidate="quadratic", reference="kl", sigma_means="std", starts=DEFAULT_STARTS):
    """Figure 4: gradient-flow paths of both penalties from the same starting points.

    The flow x' = -grad pen in the coordinates (mu, sigma): the quadratic's paths are straight lines into
    (0, 1) (Euclidean geometry, Hessian 2I); the KL's bend, because its Hessian diag(1, 1 + 1/sigma^2) is the
    Fisher information of N(mu, sigma^2), steep in sigma where sigma is small.
    """
    cand, ref = _pens(candidate, reference, sigma_means)
    starts = np.asarray(starts, dtype=float)
    with style():
        fig, ax = new_figure(8.5, 5.6)
        for pen, col, ls in ((cand, CANDIDATE, "-"), (ref, REFERENCE, "--")):
            for k, path in enumerate(flow_paths(pen, starts)):
                ax.plot(path[:, 0], path[:, 1], color=col, ls=ls, lw=2.0, label=label(pen) if k == 0 else None)
                if len(path) > 1:
                    ax.plot(*path[-1], marker="o", ms=5, color=col)
        ax.plot(starts[:, 0], starts[:, 1], "k^", ms=8, label="starting points")
        top = max(3.3, starts[:, 1].max() + 0.3)
        window = ((starts[:, 0].min() - 0.3, starts[:, 0].max() + 0.3), (1e-3, top))
        for pen, col in ((cand, CANDIDATE), (ref, REFERENCE)):
            best = _minimum(pen)
            if isinstance(best, tuple):
                ax.plot(*best[:2], marker="*", ms=16, color=col, mec="black", ls="none")
            else:
                _mark_minimum(ax, pen, best, col, window)
        ax.set_xlabel(MU_LABEL)
        ax.set_ylabel(SIGMA_LABEL)
        ax.set_title(r"Gradient-flow paths $\dot x = -\nabla\,\mathrm{pen}(x)$ in $(\mu, \sigma)$ "
                     "(dots: where each stops)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=3, frameon=False)
        ax.set_ylim(0, top)
    return fig


def rescaling_figure(entries=None, point=(1.0, 1.0), c_range=(1e-4, 3.0), n=400, ymax=8.0):
    """Figure 5: pen(c mu0, c sigma0) against c: bounded or not as c -> 0.

    For a decoder whose first layer is linear in z, (z, W) -> (c z, W / c) leaves the reconstruction unchanged
    and moves (mu, sigma) to (c mu, c sigma); a penalty with a finite limit as c -> 0 (dotted line, exact, from
    sympy) prices this shrinking of the code at a bounded cost.

    Parameters
    ----------
    entries : list of str or Penalty, optional
        Default: the catalogue.
    point : tuple of float
        (mu0, sigma0) that is rescaled.
    """
    from vaemath.analysis.equivalence import rescaling

    pens = [penalty(p) for p in entries] if entries is not None else entries_with()
    cs = np.geomspace(*c_range, n)
    m0, s0 = point
    with style():
        fig, ax = new_figure(9.5, 5.0)
        dashes = iter(LINESTYLES[1:] * 4)
        for i, pen in enumerate(pens):
            found = rescaling(pen.expr)  # None when sympy gives no answer in its time budget
            lim = sp.nan if found is None else sp.simplify(found.subs({mu: sp.nsimplify(m0), sigma: sp.nsimplify(s0)}))
            bounded = bool(lim.is_number and lim.is_finite)
            values = evaluate(pen, cs * m0, cs * s0)
            text = f"-> {sp.N(lim, 4)}" if bounded else ("limit not found" if found is None else f"-> {lim}")
            ax.plot(cs, values, color=colour(i), ls=next(dashes) if bounded else "-", lw=2.4 if bounded else 1.8,
                    label=f"{label(pen)} ({text})")
            if bounded:
                ax.axhline(float(lim), color=colour(i), ls=":", lw=1.0)
        ax.set_xscale("log")
        ax.set_ylim(_lower(ax), ymax)
        ax.set_xlabel(r"rescaling factor $c$ (dimensionless), log scale")
        ax.set_ylabel(PEN_LABEL)
        ax.set_title(rf"pen($c\mu_0$, $c\sigma_0$) at $(\mu_0, \sigma_0)$ = ({m0:g}, {s0:g}): "
                     "the price of shrinking the code")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig
