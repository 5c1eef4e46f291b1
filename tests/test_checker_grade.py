"""The course autograder: `autograd-lite check --reference ref.py submissions/` — partial credit per gradient,
a reason for every lost point, hostile submissions contained, Gradescope's results.json format, CSV summary.
(The 200-submission timing run is `python -m autograd_lite.examples.autograder_demo FOLDER 200`; no timing
is asserted here.)"""
from __future__ import annotations

import csv
import json
import sys
import textwrap
from pathlib import Path

import pytest

from autograd_lite.check.cli import main
from autograd_lite.check.grade import (GradingError, Reference, find_submissions, grade, gradescope_results,
                                       validate_gradescope)
from autograd_lite.examples import autograder_demo

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the autograder's time limits use SIGALRM")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's reference and one submission of every kind, graded once with the command line."""
    folder = tmp_path_factory.mktemp("course")
    ref = autograder_demo.write_reference(folder)
    n = len(autograder_demo.MIX)
    kinds = autograder_demo.generate_submissions(folder / "submissions", n)
    code = main([str(folder / "submissions"), "--reference", str(ref), "--out", str(folder / "grades"),
                 "--gradescope", "--jobs", "2", "--timeout", "3", "--quiet"])
    return folder, kinds, code


def test_every_kind_of_submission_gets_its_score(demo):
    folder, kinds, code = demo
    assert code == 0
    rows = list(csv.DictReader(open(folder / "grades" / "summary.csv")))
    assert [r["submission"] for r in rows] == sorted(kinds)
    expected = autograder_demo.expected_scores()
    for row in rows:
        assert float(row["score"]) == expected[kinds[row["submission"]]], row
        assert float(row["max_score"]) == 3
        assert float(row["grad_W"]) + float(row["grad_x"]) == float(row["score"])
        assert (row["first problem"] == "") == (kinds[row["submission"]] == "right")


@pytest.mark.parametrize("kind,reason", [
    ("one_path", "the path through `transpose` (Wᵀ) is missing"),
    ("factor", "a factor 2.000 too large"),
    ("sign", "a sign error"),
    ("crash", "grad_W raised LinAlgError"),
    ("hang", "grad_W ran longer than"),
    ("exit", "grad_x calls exit()/sys.exit(0)"),
    ("raises", "grad_x raised ValueError: not done yet"),
    ("prints", "grad_W prints output"),
    ("imports", "the file imports 'os'"),
])
def test_each_lost_point_has_its_reason(demo, kind, reason):
    folder, kinds, _ = demo
    name = next(n for n, k in kinds.items() if k == kind)
    assert reason in (folder / "grades" / f"{name}.txt").read_text()


def test_results_json_follows_gradescopes_format(demo):
    folder, kinds, _ = demo
    for name, kind in kinds.items():
        results = json.loads((folder / "grades" / f"{name}.results.json").read_text())
        assert validate_gradescope(results) == [], name
        assert [t["name"] for t in results["tests"]] == ["grad_W", "grad_x"]
        assert results["score"] == sum(t["score"] for t in results["tests"])
        assert {t["status"] for t in results["tests"]} <= {"passed", "failed"}
    one_path = next(n for n, k in kinds.items() if k == "one_path")
    tests = json.loads((folder / "grades" / f"{one_path}.results.json").read_text())["tests"]
    assert tests[0]["score"] == 0 and tests[0]["max_score"] == 2 and "missing" in tests[0]["output"]
    assert tests[1]["score"] == tests[1]["max_score"] == 1 and tests[1]["status"] == "passed"


def test_the_validator_catches_what_gradescope_rejects():
    assert validate_gradescope({"tests": [{"name": "a"}]}) == ["a score is required at the top level or on "
                                                                "every test"]
    bad = {"score": "3", "visibility": "public", "tests": [{"score": 1, "status": "ok", "colour": "red"}]}
    problems = validate_gradescope(bad)
    assert any("score must be" in p for p in problems) and any("visibility" in p for p in problems)
    assert any("status" in p for p in problems) and any("unknown key 'colour'" in p for p in problems)


def write_reference(folder: Path, extra: str = "") -> Path:
    path = folder / "reference.py"
    path.write_text(autograder_demo.REFERENCE + extra)
    return path


def submission(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text("import numpy as np\n" + textwrap.dedent(body))
    return path


RIGHT = f"def grad_W(W, x):\n{autograder_demo.RIGHT_W}\ndef grad_x(W, x):\n{autograder_demo.RIGHT_X}"


def test_processes_that_die_or_ignore_the_timer_are_contained(tmp_path):
    ref = Reference(write_reference(tmp_path, 'EXTRA_IMPORTS = ("os", "time")\n'))
    subs = tmp_path / "subs"
    submission(subs, "a_os_exit", RIGHT.replace("def grad_W(W, x):\n", "def grad_W(W, x):\n    import os\n"
                                                "    os._exit(3)\n"))
    submission(subs, "b_stubborn", RIGHT.replace("def grad_x(W, x):\n", "def grad_x(W, x):\n    while True:\n"
                                                 "        try:\n            while True:\n                pass\n"
                                                 "        except BaseException:\n            pass\n"))
    submission(subs, "c_sleeps", RIGHT.replace("def grad_W(W, x):\n", "def grad_W(W, x):\n    import time\n"
                                               "    time.sleep(100)\n"))
    submission(subs, "d_syntax", "def grad_W(W, x)\n    return W\n")
    submission(subs, "e_exits_on_import", RIGHT + "\nexit(1)\n")
    submission(subs, "f_prints_on_import", "print('hello')\n" + RIGHT)
    results = {r.name: r for r in grade(ref, find_submissions(subs), jobs=2, timeout=2)}
    died = results["a_os_exit"]
    assert died.score == 0 and "the process ended (exit status 3" in died.parts[0].lines[0]
    assert "not graded" in died.parts[1].lines[0]
    stubborn = results["b_stubborn"]
    assert stubborn.parts[0].score == 2 and stubborn.parts[1].score == 0
    assert "ran longer than the time limit (2 s)" in stubborn.parts[1].lines[0]
    assert results["c_sleeps"].parts[0].score == 0 and results["c_sleeps"].parts[1].score == 1
    assert "ran longer than" in results["c_sleeps"].parts[0].lines[0]
    assert "raised SyntaxError" in results["d_syntax"].parts[0].lines[0] and results["d_syntax"].score == 0
    assert "calls exit()/sys.exit(1)" in results["e_exits_on_import"].parts[0].lines[0]
    assert "prints when imported ('hello')" in results["f_prints_on_import"].parts[1].lines[0]


def test_a_missing_gradient_scores_zero_and_the_others_count(tmp_path):
    ref = Reference(write_reference(tmp_path))
    sub = submission(tmp_path / "subs", "only_x", f"def grad_x(W, x):\n{autograder_demo.RIGHT_X}")
    (result,) = grade(ref, find_submissions(sub), jobs=1, timeout=10)
    assert result.score == 1 and "no function grad_W" in result.parts[0].lines[0]


def test_partial_credit_per_input_set(tmp_path):
    ref = Reference(write_reference(tmp_path))
    hard_coded = RIGHT.replace(  # right for small W (input set 1, ‖W‖ ≈ 1.9), twice too large for set 2 (≈ 3.0)
        "    return W @ np.outer(r, x) + np.outer(W @ x, r)\n",
        "    return (W @ np.outer(r, x) + np.outer(W @ x, r)) * (1 if np.linalg.norm(W) < 2.5 else 2)\n")
    (result,) = grade(ref, find_submissions(submission(tmp_path / "subs", "half", hard_coded)), timeout=10)
    assert result.parts[0].score == 1.0 and result.score == 2.0
    assert "input set 1: PASS" in result.report() and "input set 2: WRONG" in result.report()


def test_one_submission_gets_results_json_and_a_plain_progress_line(tmp_path, monkeypatch, capsys):
    ref = write_reference(tmp_path)
    sub = submission(tmp_path / "submission", "hw", RIGHT)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # no tqdm: a plain progress line
    assert main([str(sub.parent), "--reference", str(ref), "--out", str(tmp_path / "out"), "--gradescope"]) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == 3 and validate_gradescope(results) == []
    assert "[1/1] hw: 3/3" in capsys.readouterr().err


def test_gradescope_results_of_a_result_object(tmp_path):
    ref = Reference(write_reference(tmp_path))
    (result,) = grade(ref, find_submissions(submission(tmp_path / "s", "ok", RIGHT)), timeout=10)
    out = gradescope_results(result)
    assert out["score"] == 3 and out["tests"][0]["max_score"] == 2 and validate_gradescope(out) == []


@pytest.mark.parametrize("reference,message", [
    ("def f(W, x):\n    return (W * W).sum()\n", "defines neither inputs() nor input_sets()"),
    ("import numpy as np\ndef f(W):\n    return (W * W).sum()\ndef inputs():\n    return {'W': np.ones(2)}\n",
     "needs POINTS"),
    ("raise RuntimeError('broken')\n", "raised RuntimeError: broken"),
    ("import numpy as np\nPOINTS = {'W': 1}\ndef f(W):\n    return (W * W).sum()\ndef inputs():\n"
     "    return {'W': np.ones(2)}\ndef grad_W(W):\n    return W\n", "own grad_* functions fail"),
])
def test_a_broken_reference_exits_2(tmp_path, capsys, reference, message):
    ref = tmp_path / "ref.py"
    ref.write_text(reference)
    submission(tmp_path / "subs", "a", RIGHT)
    assert main([str(tmp_path / "subs"), "--reference", str(ref), "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err


def test_submission_folders_and_missing_paths(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "hw.py").write_text("")
    (tmp_path / "empty").mkdir()
    (tmp_path / "bob.py").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert [n for n, _ in find_submissions(tmp_path)] == ["alice", "bob"]
    with pytest.raises(GradingError, match="no such file or folder"):
        find_submissions(tmp_path / "nowhere")
    with pytest.raises(GradingError, match="no .py submissions"):
        find_submissions(tmp_path / "empty")
