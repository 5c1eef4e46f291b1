"""check_derivative and `autograd-lite check`: passing, failing, shape mistakes, broken files, exit codes."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograd_lite.check import DerivativeCheckError, check_derivative
from autograd_lite.check.cli import main
from autograd_lite.examples import autoencoder, check_file, gplvm

REPO = Path(__file__).resolve().parents[1]


def gplvm_f(X, Y):
    return gplvm.log_likelihood(X, Y, return_intermediates=True)


def test_passing_report_input_and_intermediate():
    X, Y = gplvm.example_inputs()
    report = check_derivative(gplvm_f, {"X": X, "Y": Y}, {"X": gplvm.grad_X, "K": gplvm.grad_K})
    assert report.passed and bool(report)
    assert [c.name for c in report.checks] == ["X", "K"]
    assert report["X"].kind == "input" and report["X"].error_autodiff < 1e-10 and report["X"].error_fd < 1e-5
    assert report["K"].kind == "intermediate" and report["K"].error_fd is None
    text = str(report)
    assert "PASS" in text and "intermediate" in text and "1e-06" in text


def test_hand_grads_mapping_is_keyed_by_the_graph_tensors():
    X, Y = gplvm.example_inputs()
    report = check_derivative(gplvm_f, {"X": X, "Y": Y}, {"X": gplvm.grad_X, "K": gplvm.grad_K})
    assert set(map(id, report.hand_grads)) == {id(report.tensors["X"]), id(report.tensors["K"])}
    k = report.tensors["K"]
    assert k.grad_fn is not None and k.name == "K"
    np.testing.assert_allclose(report.hand_grads[k], gplvm.grad_K(X, Y))
    assert report.loss.grad_fn is not None  # the graph is kept for drawing


def test_wrong_formula_fails_and_points_at_w():
    W, x = autoencoder.example_inputs()
    report = check_derivative(autoencoder.loss, (W, x), {"W": autoencoder.grad_W_one_path})
    assert not report.passed and not report
    check = report["W"]
    assert check.verdict == "WRONG" and check.error_autodiff > 1e-2
    assert check.error_fd < 1e-8  # autodiff and finite differences agree: the formula is what is wrong
    assert check.mistake == "missing-path" and "`transpose` (Wᵀ) is missing" in check.diagnosis
    i = check.worst_index
    assert check.worst_hand == pytest.approx(autoencoder.grad_W_one_path(W, x)[i])
    assert check.worst_autodiff == pytest.approx(autoencoder.grad_W(W, x)[i])
    assert "W: the hand formula is wrong" in str(report) and f"W[{i[0]}, {i[1]}]" in str(report)


def test_transpose_is_reported_as_shape_mistake():
    W, x = autoencoder.example_inputs()
    report = check_derivative(autoencoder.loss, {"W": W, "x": x}, {"W": lambda W, x: autoencoder.grad_W(W, x).T})
    check = report["W"]
    assert check.shape_mistake and not report.passed
    assert check.hand_shape == (4, 2) and check.shape == (2, 4)
    assert "transpose" in check.message and "SHAPE" in str(report)


def test_other_shape_mistakes():
    W, x = autoencoder.example_inputs()
    flat = check_derivative(autoencoder.loss, (W, x), {"W": lambda W, x: autoencoder.grad_W(W, x).ravel()})
    assert flat["W"].shape_mistake and "reshaped" in flat["W"].message
    batch = check_derivative(lambda b: (b * b).sum(), [np.ones(3)], {"b": lambda b: np.tile(2 * b / 5, (5, 1))})
    assert batch["b"].shape_mistake and batch["b"].mistake == "batch-sum"
    assert "summed over the leading (batch) dimension it matches" in batch["b"].message
    mean = check_derivative(lambda b: (b * b).sum(), [np.ones(3)], {"b": lambda b: np.tile(2 * b, (5, 1))})
    assert "forgot the mean over the batch" in mean["b"].message


def test_gradient_as_array_and_untouched_inputs():
    X, Y = gplvm.example_inputs()
    report = check_derivative(gplvm_f, {"X": X, "Y": Y}, {"X": gplvm.grad_X(X, Y)})
    assert report.passed and [c.name for c in report.checks] == ["X"]


def test_hand_functions_get_copies():
    def sloppy_grad(a):
        a *= 2  # modifies its argument in place
        return a

    report = check_derivative(lambda a: (a * a).sum(), [np.arange(3.0)], {"a": sloppy_grad})
    assert report.passed


def test_html_rendering():
    W, x = autoencoder.example_inputs()
    html = check_derivative(autoencoder.loss, (W, x), {"W": autoencoder.grad_W_one_path})._repr_html_()
    assert html.count("<tr>") == 2 and "<table>" in html and "WRONG" in html and "FAILED" in html


def test_check_errors_name_the_problem():
    W, x = autoencoder.example_inputs()
    with pytest.raises(DerivativeCheckError, match="for 'V', but f has no input or intermediate.*inputs: W, x"):
        check_derivative(autoencoder.loss, (W, x), {"V": autoencoder.grad_W})
    with pytest.raises(DerivativeCheckError, match="scalar"):
        check_derivative(lambda W, x: W @ x, (W, x), {"W": autoencoder.grad_W})


# ----- the command line --------------------------------------------------------------
@pytest.mark.parametrize("name,code", [("autoencoder", 0), ("autoencoder_wrong", 1), ("gplvm", 0), ("swish_net", 0)])
def test_shipped_check_files(name, code, capsys):
    assert main([str(check_file(name))]) == code
    out = capsys.readouterr().out
    assert ("PASSED" in out) == (code == 0)
    if code:
        assert "✗ W: the hand formula is wrong" in out


def write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "homework.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


GOOD_F = textwrap.dedent("""
    import numpy as np
    def f(a):
        return (a * a * a).sum()
    def inputs():
        return {"a": np.array([1.0, -2.0, 3.0])}
""")


@pytest.mark.parametrize("tail,code,message", [
    ("def grad_a(a):\n    return 3 * a ** 2\n", 0, "PASSED"),
    ("def grad_a(a):\n    return 2 * a\n", 1, "wrong"),
    ("def grad_a(a):\n    return (3 * a ** 2).reshape(3, 1)\n", 1, "shape mistake"),
    ("def grad_a(a):\n    return undefined_name * a\n", 2, "line 8, in grad_a"),
    ("def grad_b(a):\n    return a\n", 2, "no input or intermediate"),
    ("", 2, "does not define at least one grad_<name>"),
    ("def grad_a(a)\n    return a\n", 2, "SyntaxError"),
])
def test_cli_exit_codes(tmp_path, capsys, tail, code, message):
    assert main([write(tmp_path, GOOD_F + tail)]) == code
    captured = capsys.readouterr()
    assert message in captured.out + captured.err


def test_cli_missing_definitions_and_file(tmp_path, capsys):
    assert main([write(tmp_path, "def f(a):\n    return a.sum()\n")]) == 2
    assert "does not define inputs" in capsys.readouterr().err
    assert main([str(tmp_path / "nowhere.py")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_raising_inputs_names_the_line(tmp_path, capsys):
    path = write(tmp_path, """
        def f(a):
            return a.sum()
        def inputs():
            raise RuntimeError("no data")
        def grad_a(a):
            return a * 0 + 1
    """)
    assert main([path]) == 2
    err = capsys.readouterr().err
    assert "line 5, in inputs" in err and "RuntimeError: no data" in err


def test_cli_subprocess_exit_code():
    for name, code in [("gplvm", 0), ("autoencoder_wrong", 1)]:
        result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "check", name],
                                capture_output=True, text=True, cwd=REPO, timeout=60)
        assert result.returncode == code, result.stderr


def _readme_section() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("## Check your homework derivative")
    return readme[start:readme.index("\n## ", start + 1)]


def _blocks_after(doc: str, marker: str) -> str:
    """The first fenced block after `marker` in the README section."""
    return re.search(r"```\w*\n(.*?)```", doc[doc.index(marker):], re.S).group(1)


def _mask(text: str) -> str:
    """Masks what varies with the BLAS: the digits of every error, and in PASS rows (where the worst entry is
    an argmax over rounding noise) the worst entry and its values."""
    lines = []
    for line in text.splitlines():
        if line.rstrip().endswith("PASS"):
            cells = re.split(r"\s{2,}", line.strip())
            line = " ".join(cells[:3] + [cells[-1]])
        lines.append(re.sub(r"\d\.\de[-+]\d+", "#", line))
    return re.sub(r" +", " ", "\n".join(lines)).strip()


def test_readme_section_shows_the_real_report():
    """README.md, "Check your homework derivative": its GP-LVM code prints the report shown under it."""
    doc = _readme_section()
    code, shown = re.search(r"```python\n(.*?)```\n\nprints\n\n```\n(.*?)```", doc, re.S).groups()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert _mask(result.stdout) == _mask(shown)


def test_readme_shows_the_missing_path_diagnosis_of_the_shell():
    doc = _readme_section()
    shown = _blocks_after(doc, "that follows only one of the two paths to W")
    result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "check", "autoencoder_wrong"],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 1
    expected = shown.split("\n", 1)[1].rsplit("$ echo $?", 1)[0]
    assert "the path through `transpose` (Wᵀ) is missing" in expected
    assert _mask(result.stdout) == _mask(expected)


def test_readme_shows_the_real_autograder_workflow(tmp_path):
    """The reference shown is the demo's; grading the demo's 17 submissions writes the report and CSV shown."""
    from autograd_lite.examples import autograder_demo
    doc = _readme_section()
    assert _blocks_after(doc, "each student hands in a file") == autograder_demo.REFERENCE
    autograder_demo.write_reference(tmp_path)
    autograder_demo.generate_submissions(tmp_path / "submissions", 17)
    result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "check", "--reference", "reference.py",
                             "submissions", "--quiet", "--timeout", "5"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    report = (tmp_path / "grades" / "s008_one_path.txt").read_text()
    assert _mask(report) == _mask(_blocks_after(doc, "grades/s008_one_path.txt` reads"))
    rows = (tmp_path / "grades" / "summary.csv").read_text().splitlines()
    shown = _blocks_after(doc, "`grades/summary.csv` has a row per submission")
    assert _mask("\n".join(rows[:1] + rows[9:15])) == _mask(shown)


# ----- verdicts you can trust, a diagnosis in words ------------------------------------------------
def test_a_missing_path_is_drawn_in_red():
    import autograd_lite as al
    W, x = autoencoder.example_inputs()
    report = check_derivative(autoencoder.loss, {"W": W, "x": x}, {"W": autoencoder.grad_W_one_path})
    lines = al.viz.to_dot(report.loss, hand_grads=report).splitlines()
    red = [line for line in lines if "#dc2626" in line]
    assert any('label="transpose' in line for line in red)  # the op of the missed use
    assert not any('label="matmul\\na·b"' in line and "W·x" in line for line in red)
    assert any("hand X it matches the path through `matmul` (W·x) only" in line for line in red)  # ✗ drawn as X
    right = check_derivative(autoencoder.loss, {"W": W, "x": x}, {"W": autoencoder.grad_W})
    assert "#dc2626" not in al.viz.to_dot(right.loss, hand_grads=right)


def test_html_report_shows_verdict_first_and_the_diagnosis():
    W, x = autoencoder.example_inputs()
    page = check_derivative(autoencoder.loss, (W, x), {"W": autoencoder.grad_W_one_path})._repr_html_()
    assert page.index("FAILED") < page.index("Criterion 1") < page.index("<table>")
    assert "the path through `transpose` (Wᵀ) is missing" in page


def test_report_text_starts_with_the_verdict_and_states_criteria():
    X, Y = gplvm.example_inputs()
    text = str(check_derivative(gplvm_f, {"X": X, "Y": Y}, {"X": gplvm.grad_X}))
    first, _, rest = text.partition("\n")
    assert first.startswith("PASSED") and "Criterion 1: |hand − autodiff| ≤ 1e-06·max|autodiff|" in rest


def test_fd_disagreement_beyond_its_error_is_unsure_and_worst_at_points_at_it():
    import autograd_lite as al
    x = np.array([1.0, 0.0, -1.0])  # relu is not differentiable at 0: autodiff says 0, differences 0.5
    check = check_derivative(lambda x: al.relu(x).sum(), {"x": x}, {"x": lambda x: (x > 0) * 1.0})["x"]
    assert check.verdict == "UNSURE" and not check.passed
    assert check.worst_index == (1,) and check.error_autodiff == 0.0
    assert "is f differentiable at this point?" in check.message


def test_tiny_gradients_are_judged_on_their_own_scale_with_a_note_and_a_second_point():
    import autograd_lite as al
    x = -40.0 + np.arange(3.0)  # exp(x) ≈ 1e-17
    right = check_derivative(lambda x: al.exp(x).sum(), {"x": x}, {"x": lambda x: np.exp(x)})["x"]
    assert right.passed and any("≈ 0 at the given inputs" in n for n in right.notes)
    assert any("checked again at a second point" in n and "agrees" in n for n in right.notes)
    wrong = check_derivative(lambda x: al.exp(x).sum(), {"x": x}, {"x": lambda x: 4 * np.exp(x)})["x"]
    assert not wrong.passed and wrong.mistake == "factor" and "a factor 4.000 too large" in wrong.message
    sloppy = check_derivative(lambda x: al.exp(x).sum(), {"x": x},  # right at −40, 1% off elsewhere
                              {"x": lambda x: np.exp(x) * (1.0 if x[0] < -20 else 1.01)})["x"]
    assert not sloppy.passed and "where the gradient is ≈ 0, but wrong at a second point" in sloppy.diagnosis


def test_symmetric_only_formulas_say_so():
    import autograd_lite as al
    M = np.random.default_rng(1).standard_normal((3, 3))
    X = M @ M.T + 3 * np.eye(3)
    check = check_derivative(lambda X: al.logdet(X), {"X": X}, {"X": lambda X: np.linalg.inv(X)})["X"]
    assert check.mistake == "symmetric-only" and "holds only for symmetric X" in check.diagnosis
    assert "transpose of the right gradient" in check.diagnosis and "perturbed point" in check.point


@pytest.mark.parametrize("hand,words", [
    (lambda x: 3 * x ** 2 * np.where(x < 0, -1, 1), "wrong only where x < 0"),
    (lambda x: 3 * x ** 2 / 4, "1/4 times the right gradient: averaged instead of summed"),
    (lambda x: -3 * x ** 2, "a sign error"),
    (lambda x: 3.03 * x ** 2, "a factor 1.010 too large (1.0% off)"),
    (lambda x: 0 * x, "your gradient is zero everywhere"),
])
def test_diagnoses_in_words(hand, words):
    x = np.array([1.0, -2.0, 3.0, -0.5])
    check = check_derivative(lambda x: (x * x * x).sum(), {"x": x}, {"x": hand})["x"]
    assert not check.passed and words in check.message


def test_partly_right_on_the_diagonal():
    X, Y = gplvm.example_inputs()
    wrong_off_diagonal = lambda X, Y: gplvm.grad_K(X, Y) * (2 - np.eye(6))  # noqa: E731
    check = check_derivative(gplvm_f, {"X": X, "Y": Y}, {"K": wrong_off_diagonal})["K"]
    assert "right on the diagonal only; wrong off the diagonal" in check.message


def test_non_saturating_measures():
    W, x = autoencoder.example_inputs()
    for c in (-1.0, 2.0, 10.0):
        check = check_derivative(autoencoder.loss, (W, x), {"W": lambda W, x: c * autoencoder.grad_W(W, x)})["W"]
        assert check.error_autodiff == pytest.approx(abs(c - 1)) and check.norm_error == pytest.approx(abs(c - 1))
        assert check.cosine == pytest.approx(np.sign(c))


def test_checks_are_deterministic():
    X, Y = gplvm.example_inputs()
    runs = [str(check_derivative(gplvm_f, {"X": X, "Y": Y}, {"X": lambda X, Y: gplvm.grad_X(X, Y) * 1.5}))
            for _ in range(2)]
    assert runs[0] == runs[1]
