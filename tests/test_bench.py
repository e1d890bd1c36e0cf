"""vaemath bench at a tiny size: every implementation computes the same planes, the table shows what was measured,
files land in the results folder, bad input is refused before any work."""

import json
import re

import numpy as np
import pytest

from vaemath import bench
from vaemath.cli import main

# one worker builds the shared (session) fixtures once, for every test of this file
pytestmark = pytest.mark.xdist_group("bench")

# Textbook closed forms, typed here independently of the catalogue (Gaussian q = N(mu, sigma^2), p = N(0, 1)).
TEXTBOOK = {
    "kl": lambda m, s: m**2 / 2 + s**2 / 2 - np.log(s) - 0.5,
    "quadratic": lambda m, s: m**2 + (s - 1) ** 2,
    "w2_squared": lambda m, s: m**2 + (s - 1) ** 2,
    "hellinger_squared": lambda m, s: 1 - np.sqrt(2 * s / (1 + s**2)) * np.exp(-(m**2) / (4 * (1 + s**2))),
    "reverse_kl": lambda m, s: np.log(s) + (1 + m**2) / (2 * s**2) - 0.5,
}
KL_GRAD_HESS = lambda m, s: [m + 0 * s, s - 1 / s + 0 * m, 1 + 0 * m * s, 0 * m * s, 1 + 1 / s**2 + 0 * m]  # noqa: E731


@pytest.fixture(scope="session")
def result():
    return bench.run(size=16, repeat=1, reduce_points=1e4)


def _expected(name, what, m, s):
    M, S = np.meshgrid(m, s, indexing="ij")
    planes = [TEXTBOOK[name](M, S)]
    if what == ("value", "grad", "hess"):
        planes += KL_GRAD_HESS(M, S)
    return np.array(planes)


@pytest.mark.parametrize("name, what", bench.CASES)
def test_every_implementation_materialises_the_same_planes(name, what):
    m, s = np.linspace(-3, 3, 7), np.linspace(0.05, 5, 6)  # the benchmark's ranges, a non-square grid
    M, S = np.meshgrid(m, s, indexing="ij")
    fns = bench.implementations(name, what, m, s, M, S)
    assert {"numpy", "sympy.lambdify", "vaemath"} <= set(fns)
    want = _expected(name, what, m, s)
    for impl, fn in fns.items():
        planes = fn()
        assert [np.shape(p) for p in planes] == [(7, 6)] * len(want), impl  # every plane full size, as vaemath's
        np.testing.assert_allclose(np.asarray(planes), want, rtol=1e-12, atol=1e-14, err_msg=impl)


def test_result_fields_agree_with_their_definitions(result):
    n = result["size"]
    assert [c["case"] for c in result["cases"]] == ["kl value", "quadratic value", "w2_squared value",
                                                    "hellinger_squared value", "reverse_kl value",
                                                    "kl value+grad+hess"]
    assert [c["planes"] for c in result["cases"]] == [1, 1, 1, 1, 1, 6]
    bytes_per_plane, copy_ms = n * n * 8, result["bandwidth_ms"]  # a field's definition, not a timing bound
    assert result["bandwidth_gb_s"] == pytest.approx(bytes_per_plane / (copy_ms / 1e3) / 1e9, rel=1e-12)
    for case in result["cases"]:
        for impl, ms in case["ms"].items():
            assert case["ratio_to_numpy"][impl] == pytest.approx(case["ms"]["numpy"] / ms, rel=1e-12)
            written_gb = case["planes"] * bytes_per_plane / 1e9
            assert case["fraction_of_bandwidth"][impl] == pytest.approx(
                written_gb / (ms / 1e3) / result["bandwidth_gb_s"], rel=1e-12)
    assert set(result["skipped"]) == {"numexpr", "jax.jit"} - set(result["implementations"])
    cold = result["cold_start"]
    assert cold["process_s"] >= cold["imports_s"] + cold["first_call_s"]  # the process contains both


def test_reduction_finds_the_kl_minimum_of_its_grid(result):
    r = result["reduce"]
    assert (r["points"], r["smaller"]["points"]) == (10_000, 100)
    for run, side in ((r, 100), (r["smaller"], 10)):
        m, s = np.meshgrid(np.linspace(-3, 3, side), np.linspace(0.05, 5, side), indexing="ij")
        assert run["min"] == pytest.approx(TEXTBOOK["kl"](m, s).min(), rel=1e-12, abs=1e-15)
        assert run["peak_rss_mib"] >= run["rss_before_mib"] > 0


def test_markdown_table_shows_the_measured_numbers(result):
    text = bench.markdown(result)
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| case")]
    head = [h.strip() for h in text.splitlines()[0].strip("|").split("|")]
    assert head == ["case"] + result["implementations"]
    assert len(rows) == len(result["cases"])
    for row, case in zip(rows, result["cases"]):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == case["case"]
        for impl, cell in zip(result["implementations"], cells[1:]):
            ms = case["ms"][impl]
            ratio, fraction = case["ms"]["numpy"] / ms, case["planes"] * result["bandwidth_ms"] / ms
            assert cell == f"{ms:.1f} ms, {ratio:.2f}x, {fraction:.2f} bw"
    assert f"{result['bandwidth_gb_s']:.2f} GB/s" in text and f"{result['size']} x {result['size']}" in text
    assert re.search(r"grid_reduce over 1e\+04 points", text)


def test_cli_writes_into_the_results_folder_not_the_checkout(result, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bench, "run", lambda *args, **kwargs: result)
    assert main(["bench", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((tmp_path / "vaemath-results" / "benchmarks" / "bench.json").read_text())
    assert saved == printed == json.loads(json.dumps(result))
    assert (tmp_path / "vaemath-results" / "benchmarks" / "bench.md").read_text() == bench.markdown(result)
    assert (tmp_path / "vaemath-results" / "figures" / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "benchmarks").exists() and not (tmp_path / "figures").exists()
    assert main(["bench", "--out", "."]) == 0  # asked for: the checkout's own folders
    assert (tmp_path / "benchmarks" / "bench.md").read_text() == bench.markdown(result)
    assert not list(tmp_path.rglob(".tmp-*"))


@pytest.mark.parametrize("kwargs, words", [
    ({"size": 1}, "size"), ({"size": True}, "size"), ({"size": 2.5}, "size"), ({"repeat": 0}, "repeat"),
    ({"repeat": 101}, "repeat: 101 is above 100"),
    ({"reduce_points": -5}, "reduce_points"), ({"reduce_points": float("nan")}, "reduce_points"),
    ({"reduce_points": float("inf")}, "reduce_points"), ({"reduce_points": 10}, "reduce_points"),
    ({"reduce_points": 1e13}, "reduce_points"), ({"reduce_points": "1e10"}, "reduce_points"),
])
def test_bad_arguments_are_refused_by_name(kwargs, words):
    with pytest.raises(ValueError, match=words):
        bench.run(**{"size": 16, "repeat": 1, **kwargs})


def test_a_grid_beyond_memory_is_refused_before_allocating():
    with pytest.raises(MemoryError, match="size: N = 1000000 needs about 8.94e\\+04 GiB"):
        bench.run(size=10**6)  # 12 planes of 10^12 float64 values


@pytest.mark.parametrize("layout", [
    {"out": "file"}, {"out/benchmarks": "file"}, {"out/figures": "file"}, {"out/benchmarks/bench.json": "dir"},
    {"out/figures/bench.png": "dir"},
])
def test_destinations_refuse_a_file_where_a_folder_is_due_and_the_reverse(layout, tmp_path):
    for path, kind in layout.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.mkdir() if kind == "dir" else target.write_text("x")
    with pytest.raises(ValueError, match="out: .* exists and is not a"):
        bench.destinations(tmp_path / "out")
    assert bench.destinations(tmp_path / "new" / "deeper") == (tmp_path / "new/deeper/benchmarks",
                                                                 tmp_path / "new/deeper/figures")


def test_interleaved_timing_calls_each_function_in_turn():
    from vaemath.timing import interleaved_median_ms

    order = []
    out = interleaved_median_ms({"a": lambda: order.append("a"), "b": lambda: order.append("b")}, rounds=3, calls=2)
    assert order == ["a", "b"] + ["a", "a", "b", "b"] * 3  # one warm-up each, then alternating rounds
    assert set(out) == {"a", "b"} and all(v >= 0 for v in out.values())
