"""The benchmark suite cannot rot: every workload runs for every installed library on tiny sizes,
all libraries compute the same loss, and `python -m benchmarks --quick` writes a complete report."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from benchmarks import report
from benchmarks.harness import LIBRARIES, Skip, with_variants
from benchmarks.workloads import WORKLOADS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DECLINED = {("gplvm", "mygrad")}  # MyGrad has no differentiable log-determinant or solve
CASES = [(w, lib) for w, module in WORKLOADS.items() for lib in LIBRARIES if lib in with_variants(module.BUILDERS)]


@pytest.mark.parametrize("workload,lib", CASES, ids=[f"{w}-{lib}" for w, lib in CASES])
def test_every_library_computes_the_baseline_loss(workload: str, lib: str) -> None:
    if lib not in ("numpy", "autograd_lite", "autograd_lite_noscipy") and importlib.util.find_spec(lib) is None:
        pytest.skip(f"{lib} not installed")
    module = WORKLOADS[workload]
    spec = module.make_spec(quick=True)
    # the hand-written NumPy step's loss, or the workload's NumPy forward where there is no hand-written step
    expected = module.BUILDERS["numpy"](spec)() if "numpy" in module.BUILDERS else module.reference_loss(spec)
    try:
        step = with_variants(module.BUILDERS)[lib](spec)
    except Skip as e:  # a peer that lacks an op declines the workload, saying which (the report shows it)
        assert (workload, lib) in DECLINED and "has no" in str(e), f"{lib} declined {workload}: {e}"
        return
    first, second = step(), step()
    assert first == pytest.approx(expected, rel=1e-4)
    if "LR" in vars(module):  # a training step: the SGD update lowered the loss
        assert second < first


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_quick_run_writes_a_complete_report(tmp_path) -> None:
    out = tmp_path / "RESULTS.md"
    proc = _run("benchmarks", "--quick", "--no-memory", "--no-alone", "--threads", "1", "--libs",
                "numpy,autograd_lite,autograd_lite_noscipy", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    for module in WORKLOADS.values():
        assert module.TITLE in text
    assert "## Targets" in text and "OMP_NUM_THREADS=1" in text and "to_dot" in text
    assert "20,000-op chain: no RecursionError | #9, #2 | completed | met" in text
    assert "autograd_lite without SciPy" in text


def test_without_scipy_blocks_scipy_and_restores_it() -> None:
    from benchmarks.harness import without_scipy
    from autograd_lite import _scipy_blas
    lookup = _scipy_blas.routine
    with without_scipy():
        with pytest.raises(ImportError):
            import scipy.linalg  # noqa: F401
        assert _scipy_blas.routine("potrf", "float64") is None
    assert _scipy_blas.routine is lookup


def test_readme_numbers_are_the_kept_runs() -> None:
    """The README's performance block is rendered from benchmarks/runs/*.json, like RESULTS.md's spread."""
    runs = report.load_runs(os.path.join(ROOT, "benchmarks", "runs"))
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    if not runs:
        pytest.fail("no kept benchmark runs in benchmarks/runs/: run `python -m benchmarks --threads 1`")
    assert report.readme_block(runs) in readme
    results = open(os.path.join(ROOT, "benchmarks", "RESULTS.md")).read()
    for text, _ in report.HEADLINES:  # RESULTS.md's target table shows the last run's values
        if text in runs[-1]["targets"]:
            assert f"| {text} |" in results and runs[-1]["targets"][text]["shown"] in results
    assert "\n".join(report.spread_table(runs)) in results  # the spread, and the runs that met every target


def test_runs_meeting_every_target_needs_every_verdict_met() -> None:
    texts = [t.text for t in report.TARGETS[:3]]

    def run(date: str, verdicts: list[str]) -> dict:
        return {"date": date, "load_average": [1.0], "targets": {
            text: {"value": 1.0, "shown": "1.00×", "limit": 1.0, "verdict": v} for text, v in zip(texts, verdicts)}}
    runs = [run("a", ["met"] * 3), run("b", ["met", "NOT met", "met"]), run("c", ["met", "not measured", "met"]),
            run("d", ["met", "met"])]  # d did not record the third target: judged on the two it did
    assert report.runs_meeting_every_target(runs) == ["a", "d"]
    assert report.spread_table(runs)[-1] == "Runs in which every target was met: a, d (2 of 4)."


def test_memory_probe_reports_a_peak() -> None:
    proc = _run("benchmarks.memprobe", "convnet", "autograd_lite", "--quick")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert isinstance(result["peak_mib"], float) and result["peak_mib"] >= 0.0


def test_each_library_alone_is_timed_in_its_own_process(tmp_path) -> None:
    out = tmp_path / "RESULTS.md"
    proc = _run("benchmarks", "--quick", "--no-memory", "--no-viz", "--threads", "1", "--only", "two_layer",
                "--libs", "numpy,autograd_lite", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    section = out.read_text().split("## Each library alone in a fresh process")[1].split("\n## ")[0]
    row = next(line for line in section.splitlines() if line.startswith("| two_layer |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1].endswith(" ms") and cells[2].endswith(" ms") and cells[3] == "—"  # torch not asked for
    assert cells[5].endswith("×") and len(cells[6].split(" / ")) == 3
    probe = json.loads(_run("benchmarks.alone", "convnet", "autograd_lite", "--quick").stdout.strip().splitlines()[-1])
    assert probe["median"] > 0 and probe["best"] <= probe["median"] and probe["faults_per_step"] >= 0


def test_unknown_workload_is_refused() -> None:
    proc = _run("benchmarks", "--quick", "--only", "no_such_workload")
    assert proc.returncode == 2 and "no_such_workload" in proc.stderr
