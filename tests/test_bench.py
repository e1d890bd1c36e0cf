"""vaemath bench at a tiny size: every case and implementation measured, files written atomically."""

import json

import pytest

from vaemath import bench
from vaemath.cli import main


@pytest.fixture(scope="module")
def result():
    return bench.run(size=16, repeat=1)


def test_every_case_has_numpy_and_vaemath_timings(result):
    assert [c["case"] for c in result["cases"]] == [f"{n} {'+'.join(w)}" for n, w in bench.CASES]
    for case in result["cases"]:
        assert case["ratio_to_numpy"]["numpy"] == 1.0
        assert {"numpy", "sympy.lambdify", "vaemath"} <= set(case["ms"])
        assert all(t > 0 for t in case["ms"].values())
    assert result["bandwidth_gb_s"] > 0
    assert result["cold_start"]["first_call_s"] > 0
    assert set(result["skipped"]) == {"numexpr", "jax.jit"} - set(result["implementations"])


def test_markdown_table_has_a_row_per_case(result):
    text = bench.markdown(result)
    assert text.count("\n| ") == len(bench.CASES) and text.startswith("| case |") and "write bandwidth" in text


def test_cli_writes_json_markdown_and_figure(tmp_path, capsys):
    assert main(["bench", "--size", "8", "--repeat", "1", "--out", str(tmp_path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((tmp_path / "benchmarks" / "bench.json").read_text())
    assert saved["size"] == printed["size"] == 8
    assert (tmp_path / "benchmarks" / "bench.md").read_text().startswith("| case |")
    assert (tmp_path / "figures" / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_bad_size_is_refused():
    with pytest.raises(ValueError, match="size"):
        bench.run(size=1)
