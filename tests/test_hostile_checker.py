"""The checker as a careless or hostile user meets it (issue #17 item 11): files that exit, hang or are not
Python; hand gradients that are complex, NaN, raise, or target integers; bad eps; shadowing names."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograd_lite.check import DerivativeCheckError, check_derivative
from autograd_lite.check.cli import main
from autograd_lite.check.derivative import HandGradientError

REPO = Path(__file__).resolve().parents[1]

HEAD = textwrap.dedent("""
    import numpy as np
    def f(a):
        return (a * a * a).sum()
    def inputs():
        return {"a": np.array([1.0, -2.0, 3.0])}
""")


def write(tmp_path: Path, body: str, name: str = "homework.py") -> str:
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(body))
    return str(path)


@pytest.mark.parametrize("body,reason", [
    ("def grad_a(a):\n    return 3 * a ** 2\nexit()\n", "calls exit()/sys.exit(None)"),
    ("import sys\ndef grad_a(a):\n    sys.exit(0)\n", "calls exit()/sys.exit(0)"),
    ("import os\ndef grad_a(a):\n    os._exit(0)\n", "the process ended (exit status 0) before the report"),
    ("def grad_a(a):\n    while True:\n        pass\n", "no report within 2 s"),
])
def test_files_that_end_the_process_or_hang_exit_2_with_the_reason(tmp_path, capsys, body, reason):
    assert main([write(tmp_path, body), "--timeout", "2"]) == 2
    captured = capsys.readouterr()
    assert reason in captured.err
    assert "PASSED" not in captured.out


def test_exit_inside_a_gradient_names_the_line(tmp_path, capsys):
    assert main([write(tmp_path, "import sys\ndef grad_a(a):\n    sys.exit(0)\n")]) == 2
    assert "line 9, in grad_a" in capsys.readouterr().err


@pytest.mark.parametrize("name,message", [("hw.txt", "not a Python file (.py)"), ("hw.ipynb", "is a notebook")])
def test_non_python_paths_exit_2_with_a_message(tmp_path, capsys, name, message):
    path = tmp_path / name
    path.write_text("{}")
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_console_command_exits_2_on_an_exiting_file(tmp_path):
    path = write(tmp_path, "def grad_a(a):\n    return 3 * a ** 2\nexit(0)\n")
    result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "check", path], capture_output=True,
                            text=True, cwd=REPO, timeout=120)
    assert result.returncode == 2 and "calls exit()" in result.stderr


@pytest.mark.parametrize("option", ["--timeout=0", "--timeout=-1", "--tol=nan", "--eps=0", "--points=0"])
def test_bad_options_are_refused_by_argparse(tmp_path, option, capsys):
    with pytest.raises(SystemExit) as info:
        main([write(tmp_path, "def grad_a(a):\n    return a\n"), option])
    assert info.value.code == 2
    assert "must be > 0" in capsys.readouterr().err


def cube(a):
    return (a * a * a).sum()


A = np.array([1.0, -2.0, 3.0])


def test_complex_hand_gradient_is_refused():
    with pytest.raises(DerivativeCheckError, match="grad_a.*is complex"):
        def grad_a(a):
            return 3 * a ** 2 + 0j
        check_derivative(cube, {"a": A}, {"a": grad_a})


def test_nan_hand_gradient_is_reported_as_nan():
    report = check_derivative(cube, {"a": A}, {"a": lambda a: np.where(a > 0, 3 * a ** 2, np.nan)})
    check = report["a"]
    assert not report.passed and check.verdict == "WRONG" and check.mistake == "nan"
    assert "NaN at 1 of 3 entries" in check.message and "finite differences" not in check.message


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf")])
def test_bad_eps_is_refused(eps):
    with pytest.raises(ValueError, match="check_derivative: eps must be a finite number > 0"):
        check_derivative(cube, {"a": A}, {"a": lambda a: 3 * a ** 2}, eps=eps)


def test_a_raising_hand_gradient_is_named():
    def grad_a(a):
        return 3 * a ** 2 / np.zeros(2)  # a shape error, as NumPy reports it
    with pytest.raises(HandGradientError, match="the hand gradient grad_a for 'a' raised ValueError") as info:
        check_derivative(cube, {"a": A}, {"a": grad_a})
    assert isinstance(info.value.__cause__, ValueError)


def test_integer_inputs_say_pass_floats():
    with pytest.raises(DerivativeCheckError, match="'a' is an integer array \\(int64\\); pass floats"):
        check_derivative(cube, {"a": np.array([1, 2, 3])}, {"a": lambda a: 3 * a ** 2})


def test_an_intermediate_named_like_an_input_is_refused():
    def f(a):
        b = a * 2
        return (b * b).sum(), {"a": b}
    with pytest.raises(DerivativeCheckError, match="intermediate named 'a', the name of an input"):
        check_derivative(f, {"a": A}, {"a": lambda a: 8 * a})


def test_none_and_non_numeric_hand_gradients_are_refused():
    with pytest.raises(DerivativeCheckError, match="returned None"):
        check_derivative(cube, {"a": A}, {"a": lambda a: None})
    with pytest.raises(DerivativeCheckError, match="dtype <U1, not numbers"):
        check_derivative(cube, {"a": A}, {"a": lambda a: np.array(["x", "y", "z"])})


def test_a_failed_check_leaves_the_inputs_untouched():
    a = A.copy()
    check_derivative(cube, {"a": a}, {"a": lambda a: 2 * a})
    np.testing.assert_array_equal(a, A)


def test_a_hand_gradient_that_raises_only_away_from_the_given_point_skips_that_point_with_a_note():
    import autograd_lite as al
    M = np.random.default_rng(1).standard_normal((3, 3))
    X = M @ M.T + 3 * np.eye(3)

    def grad_X(X):
        assert np.allclose(X, X.T), "X must be symmetric"
        return np.linalg.inv(X)
    check = check_derivative(lambda X: al.logdet(X), {"X": X}, {"X": grad_X})["X"]
    assert check.passed
    assert any("perturbed point 1" in n and "skipped" in n and "X must be symmetric" in n for n in check.notes)
