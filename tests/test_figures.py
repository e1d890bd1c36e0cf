"""Figures: the data drawn is right (checked against sympy, closed forms and numpy), files are byte-identical."""

import math

import numpy as np
import pytest
import sympy as sp

from vaemath import figures as F
from vaemath.figures.files import check_formats
from vaemath.figures.penalties import flow_paths, locate
from vaemath.figures.training import _curves, leading_dims

QUAD_TEXT = "mu**2 + (sigma - 1)**2"


def _bytes(fig, tmp_path, name):
    return F.save(fig, tmp_path / name).read_bytes()


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_same_inputs_give_identical_files(tmp_path, fmt):
    a = _bytes(F.gradient_flow_figure(QUAD_TEXT, "kl"), tmp_path, f"a.{fmt}")
    b = _bytes(F.gradient_flow_figure(QUAD_TEXT, "kl"), tmp_path, f"b.{fmt}")
    assert a == b and len(a) > 1000
    assert a[:4] == {"png": b"\x89PNG", "svg": b"<?xm", "pdf": b"%PDF"}[fmt]
    assert b"Date" not in a and b"CreationDate" not in a


def test_figures_1_to_5_take_user_text_and_are_deterministic(tmp_path):
    from vaemath import check

    verdict = check(QUAD_TEXT, "reverse_kl")
    for build in (lambda: F.landscape_figure(QUAD_TEXT, "reverse_kl", n=61),
                  lambda: F.sigma_slice_figure(["kl", QUAD_TEXT]),
                  lambda: F.ratio_figure(verdict=verdict, n=61),
                  lambda: F.rescaling_figure(["kl", QUAD_TEXT], n=50)):
        assert _bytes(build(), tmp_path, "a.png") == _bytes(build(), tmp_path, "b.png")


def test_typed_text_keeps_its_colour_and_is_parenthesised_in_a_ratio():
    from vaemath.figures.penalties import entries_with
    from vaemath.figures.style import CANDIDATE, REFERENCE

    pens = entries_with("reverse_kl", QUAD_TEXT, base=("kl", "reverse_kl", "quadratic"))
    assert [p.name for p in pens][:2] == ["reverse_kl", QUAD_TEXT] and len(pens) == 3  # QUAD_TEXT is quadratic
    lines = [ln for ln in F.sigma_slice_figure(pens, n=20).axes[0].get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_color() for ln in lines[:2]] == [REFERENCE, CANDIDATE]  # as in figures 1 and 4
    title = F.ratio_figure(QUAD_TEXT, "kl", n=21).axes[0].get_title()
    assert title.startswith(f"Ratio ({QUAD_TEXT}) / kl:")


def test_sigma_slice_draws_the_sympy_values_and_labels_barrier_and_bounded():
    fig = F.sigma_slice_figure(["kl", "quadratic"], mu0=0.5, n=200)
    lines = {ln.get_label().split(" ")[0]: ln for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")}
    mu, sigma = sp.symbols("mu sigma", positive=True)
    kl = sp.lambdify((mu, sigma), mu**2 / 2 + sigma**2 / 2 - sp.log(sigma) - sp.Rational(1, 2))
    s, y = lines["kl"].get_data()
    np.testing.assert_allclose(y, kl(0.5, s), rtol=1e-13)
    np.testing.assert_allclose(lines["quadratic"].get_data()[1], 0.25 + (s - 1) ** 2, rtol=1e-13)
    assert "barrier" in lines["kl"].get_label()
    assert "bounded: -> 1.250" in lines["quadratic"].get_label()  # mu0^2 + 1


def test_rescaling_figure_limits_are_exact():
    fig = F.rescaling_figure(["kl", "quadratic", "hellinger_squared"], point=(1.0, 1.0), n=30)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")]
    assert labels[0].endswith("(-> oo)")
    assert labels[1].endswith("(-> 1.000)")  # (c - 0)^2 + (c - 1)^2 -> 1
    assert labels[2].endswith("(-> 1.000)")  # 1 - sqrt(2c/(1+c^2)) exp(-c^2/(4(1+c^2))) -> 1


def test_ratio_figure_annotates_the_known_bounds():
    # quadratic / KL: sup 2 (Talagrand, W2^2 <= 2 KL for Gaussians) as sigma -> oo; inf 0 as sigma -> 0.
    fig = F.ratio_figure("quadratic", "kl", n=41)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("infimum 0\nsigma->0+") for t in texts)
    assert any(t.startswith("supremum 2\nsigma->oo") for t in texts)


@pytest.mark.parametrize("where, expected", [
    ("sigma->0+ at mu = 0", (0.0, 0.01)), ("sigma->oo at mu = 1/2", (0.5, 100.0)), ("mu->-oo at sigma = 1", (-3, 1.0)),
    ("sigma->oo at mu = 0; attained at (mu, sigma) = (-3, 1)", (0.0, 100.0)),
    ("near (mu, sigma) = (1.25, 0.3) (numeric)", (1.25, 0.3)),
    ("(mu, sigma) -> (0, 1), the reference's minimiser", (0.0, 1.0)), ("nowhere in particular", None)])
def test_locate_places_bounds_on_the_window(where, expected):
    assert locate(where, (-3, 3), (0.01, 100.0)) == expected


def test_flow_of_the_quadratic_is_a_straight_line_and_both_reach_the_minimiser():
    # x' = -2 (x - x*): x(t) = x* + (x0 - x*) exp(-2t), a straight segment into x* = (0, 1).
    start = np.array([[2.0, 0.2], [-1.0, 2.5]])
    for path, x0 in zip(flow_paths("quadratic", start), start):
        d = path - np.array([0.0, 1.0])
        cross = d[:, 0] * (x0[1] - 1) - d[:, 1] * x0[0]
        assert np.max(np.abs(cross)) < 1e-9
        assert np.hypot(*d[-1]) < 1e-6
    for path in flow_paths("kl", start):
        assert np.hypot(path[-1, 0], path[-1, 1] - 1) < 1e-6
        assert np.all(path[:, 1] > 0)


def test_rescaling_path_matches_the_analysis_and_its_likelihood_diverges():
    import vaemath
    from vaemath.figures.linear import path_curves

    res = vaemath.linear.optimum("5,2,0.5", 1, "quadratic", starts=1)
    pv = np.array(res.path_values)
    curves = path_curves("5,2,0.5", 1, ["quadratic"], pv[:, 0])
    np.testing.assert_allclose(curves["objective"]["quadratic"], pv[:, 1], rtol=1e-10)
    # closed form of the infimum: D/2 (log(2 pi (lambda_2 + lambda_3)/D) + 1) + lim pen(c mu, c sigma) = ... + 1
    assert abs(curves["objective"]["quadratic"][-1] - (1.5 * (math.log(2 * math.pi * 2.5 / 3) + 1) + 1)) < 1e-8
    assert np.all(np.diff(curves["loglik"]) < 0) and curves["loglik"][-1] < -16  # c decreasing: -> -oo


def test_history_mean_is_drawn_only_where_every_seed_has_data():
    # seed 1 stopped early after epoch 2: a mean over the seeds still running would jump from 7 to 9 at epoch 3;
    # the mean is drawn only over epochs 1-2, by hand (10 + 12)/2 and (8 + 6)/2.
    runs = [{"penalty": "kl", "seed": 0, "history": {"epoch": [1, 2, 3], "nll_iw": [10.0, 8.0, 9.0]},
             "status": {"best_epoch": 2}},
            {"penalty": "kl", "seed": 1, "history": {"epoch": [1, 2], "nll_iw": [12.0, 6.0]},
             "status": {"best_epoch": 2}},
            {"penalty": "quadratic", "seed": 0, "history": {"epoch": [1], "nll_iw": [5.0]}, "status": {}}]
    c = _curves(runs, "nll_iw")["kl"]
    assert list(c["epoch"]) == [1, 2, 3] and c["best"] == [2, 2]
    np.testing.assert_array_equal(c["mean"], [11.0, 7.0, np.nan])
    np.testing.assert_array_equal(c["table"][1], [12.0, 6.0, np.nan])
    fig = F.history_figure({"runs": runs})
    ax = fig.axes[0]
    mean_line = next(ln for ln in ax.get_lines() if ln.get_label() == "kl: mean of 2 seeds")
    np.testing.assert_array_equal(mean_line.get_ydata(), [11.0, 7.0, np.nan])
    seed_lines = [ln for ln in ax.get_lines() if ln.get_label().startswith("_") and len(ln.get_xdata()) == 3]
    assert len(seed_lines) == 2 and np.nanmax(seed_lines[0].get_ydata()) == 10.0  # each seed drawn whole
    assert any(ln.get_label() == "quadratic: 1 seed" for ln in ax.get_lines())
    assert len(fig.axes) == 4


class _FakeModel:
    """A stand-in with TrainResult's sampling interface: codes with known spread per dimension."""

    def __init__(self, scale):
        self.scale = np.asarray(scale, dtype=float)

    def encode(self, x):
        rng = np.random.default_rng(1)
        return rng.standard_normal((len(x), len(self.scale))) * self.scale, np.full((len(x), len(self.scale)), -1.0)

    def sample_prior(self, n, seed=0):
        return np.random.default_rng(seed).integers(0, 17, (n, 64))

    def reconstruct(self, x, seed=0):
        return np.clip(np.asarray(x) + np.random.default_rng(seed).integers(-1, 2, np.shape(x)), 0, 16)


def test_leading_dims_are_the_most_varying_mean_codes():
    mu = np.random.default_rng(0).standard_normal((500, 4)) * np.array([0.1, 3.0, 0.01, 1.0])
    assert list(leading_dims(mu)) == [1, 3]


def test_sample_and_posterior_figures_are_deterministic(tmp_path):
    x = np.random.default_rng(2).integers(0, 17, (30, 64))
    models = {"kl": _FakeModel([1, 0.1, 2]), "quadratic": _FakeModel([0.5, 0.5, 0.01])}
    for build in (lambda: F.samples_figure(models, x, n=5), lambda: F.aggregate_posterior_figure(models, x)):
        assert _bytes(build(), tmp_path, "a.png") == _bytes(build(), tmp_path, "b.png")
    fig = F.aggregate_posterior_figure(models, x)
    assert fig.axes[0].get_xlabel().startswith("z[2]") and fig.axes[0].get_ylabel().startswith("z[0]")


def test_formats_are_validated():
    assert check_formats("png, SVG") == ("png", "svg")
    with pytest.raises(ValueError, match="format"):
        check_formats("png,gif")
    with pytest.raises(ValueError, match="format"):
        check_formats("")


def test_matplotlib_is_not_imported_by_vaemath_itself():
    import subprocess
    import sys

    code = "import sys, vaemath, vaemath.figures; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def _kl(m, s):
    # KL(N(m, s^2) || N(0, 1)), the textbook closed form, written here independently of vaemath
    return m**2 / 2 + s**2 / 2 - np.log(s) - 0.5


def test_free_bits_set_of_minimisers_is_hatched_on_its_edge_kl_equal_half():
    # max(kl, 1/2) is minimal (= 1/2) on the whole region kl <= 1/2: no single minimiser, no Hessian there.
    from matplotlib.contour import ContourSet

    fig = F.landscape_figure("max(kl, 1/2)", "kl", n=41)
    ax = fig.axes[0]
    assert "max(kl, 1/2): its set of minimisers (value 1/2)" in ax.get_legend_handles_labels()[1]
    edge = [c for c in ax.collections if isinstance(c, ContourSet) and list(c.levels) == [0.5]]
    pts = np.concatenate([p.vertices for p in edge[0].get_paths()])
    assert len(pts) > 50
    # the drawn edge lies on kl = 1/2 up to the hatching grid's spacing (0.025 in mu, 0.015 in sigma)
    assert np.max(np.abs(_kl(pts[:, 0], pts[:, 1]) - 0.5)) < 0.06
    labels = fig.axes[1].get_legend_handles_labels()[1]
    assert not any("minimisers" in t for t in labels)  # the set is drawn in its own panel only
    flow = F.gradient_flow_figure("max(kl, 1/2)", "kl")
    assert "max(kl, 1/2): its set of minimisers (value 1/2)" in flow.axes[0].get_legend_handles_labels()[1]


def test_free_bits_flow_stops_on_the_edge_of_its_set():
    from vaemath.figures.penalties import flow_paths

    starts = np.array([[2.0, 0.2], [-1.5, 2.5], [0.0, 3.0]])
    for path in flow_paths("max(kl, 1/2)", starts):
        end = path[-1]
        assert abs(_kl(*end) - 0.5) < 0.02  # steps of 0.01 in arc length, the gradient is 0 inside
        assert np.all(np.diff(_kl(path[:, 0], path[:, 1])) < 1e-12)  # downhill all the way


def test_kink_has_a_minimiser_but_no_hessian_ellipse():
    from matplotlib.patches import Ellipse

    fig = F.landscape_figure("abs(mu)+abs(sigma-1)", "kl", n=41)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert "abs(mu)+abs(sigma-1): no Hessian at its minimiser (a kink)" in labels
    assert "minimiser (0, 1)" in labels
    assert len([p for p in ax.patches if isinstance(p, Ellipse)]) == 1  # the KL's only


def test_slices_of_free_bits_constant_and_kink_penalties():
    entries = ["max(kl, 1/2)", "0", "abs(mu)+abs(sigma-1)"]
    fig = F.sigma_slice_figure(entries, mu0=0.5, n=100)
    lines = {ln.get_label().rsplit(" (", 1)[0]: ln for ln in fig.axes[0].get_lines()
             if not ln.get_label().startswith("_")}
    s = lines["0"].get_data()[0]
    np.testing.assert_allclose(lines["max(kl, 1/2)"].get_data()[1], np.maximum(_kl(0.5, s), 0.5), rtol=1e-13)
    np.testing.assert_array_equal(lines["0"].get_data()[1], 0.0)
    np.testing.assert_allclose(lines["abs(mu)+abs(sigma-1)"].get_data()[1], 0.5 + np.abs(s - 1), rtol=1e-13)
    labels = [ln.get_label() for ln in lines.values()]
    assert labels == ["max(kl, 1/2) (barrier: -> oo)", "0 (bounded: -> 0)",
                      "abs(mu)+abs(sigma-1) (bounded: -> 1.500)"]  # |1/2| + |0 - 1|
    scaled = F.rescaling_figure(entries, n=30)
    assert [ln.get_label() for ln in scaled.axes[0].get_lines() if not ln.get_label().startswith("_")] == [
        "max(kl, 1/2) (-> oo)", "0 (-> 0)", "abs(mu)+abs(sigma-1) (-> 1.000)"]  # |0| + |0 - 1|


def test_ratio_of_a_zero_penalty_is_drawn_not_blank():
    fig = F.ratio_figure("0", "kl", n=41)
    ax = fig.axes[0]
    mesh = ax.collections[0].get_array()
    assert np.isfinite(mesh).mean() > 0.99 and np.nanmax(mesh) < -1  # below the colour range: the lowest colour
    assert "ratio 0 (candidate = 0)" in ax.get_legend_handles_labels()[1]
    assert any(t.get_text().startswith("constant ratio 0") for t in ax.texts)


def test_a_line_of_minimisers_is_drawn_as_the_line():
    # exp(l) - l = sigma^2 - 2 log sigma is minimal (value 1) on sigma = 1 for every mu, which no grid point hits
    from matplotlib.contour import ContourSet

    ax = F.landscape_figure("exp(l)-l", "kl", n=41).axes[0]
    assert "exp(l)-l: its line of minimisers (value 1)" in ax.get_legend_handles_labels()[1]
    lines = [c for c in ax.collections if isinstance(c, ContourSet) and list(c.levels) == [0.0]]
    pts = np.concatenate([p.vertices for p in lines[0].get_paths()])
    np.testing.assert_allclose(pts[:, 1], 1.0, atol=1e-9)
    assert pts[:, 0].min() < -2.4 and pts[:, 0].max() > 2.4  # across the whole window


def test_the_linear_training_figure_names_a_run_stopped_before_its_first_epoch():
    # review helper-99: a run the guard stopped at its first step has an empty history, and the report failed on it
    # (KeyError 'objective'); the figure names it instead and plots the others
    h = {"epoch": [0, 10], "linear_objective": [6.0, 5.5], "sigma": [[1.0], [0.8]], "w_norm": [0.1, 0.5]}
    fig = F.linear_training_figure({"kl": h, "abs(sigma-1)": {"epoch": []}}, {})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "abs(sigma-1): no epoch trained (stopped by the guard)" in labels
    assert "kl: trained (gradient descent)" in labels
