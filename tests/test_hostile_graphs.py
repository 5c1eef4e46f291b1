"""Hostile input to the graph drawings and `autograd-lite graph` (#17 items 9 and 11, #19 item 5):
names over Graphviz's 16,384-character limit, NUL, lone surrogates, DOT injected through options,
and files that exit, hang or are not Python."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import autograd_lite as al
from autograd_lite.viz.cli import main as graph_main
from tests.test_viz_dot import parse_dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz binary is not installed")
HOSTILE_NAMES = ["x" * 20_000, "a\x00b", "lone \ud800 surrogate", 'quote " and \\ backslash', "<b>html</b> & more",
                 "new\nline", "tab\tand\x07bell"]


def small_graph(name: str):
    a = al.tensor([1.0, 2.0], requires_grad=True, name=name)
    return (a * a).sum()


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_names_give_valid_dot(name):
    text = al.viz.to_dot(small_graph(name), backward=True, title=name)
    assert "\x00" not in text and "\x07" not in text and "\t" not in text
    text.encode("utf-8")  # no lone surrogate left
    assert max(len(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', text)) <= 16_384
    nodes, edges = parse_dot(text)
    assert len(nodes) == 6 and len(edges) == 6  # a, a·a, the sum, two ops and a's "+" node: nothing added or lost


@needs_dot
@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_names_render(name):
    L = small_graph(name)
    svg = al.viz.draw_graph(L, backward=True, title=name).pipe(format="svg")
    assert b"<svg" in svg


@needs_dot
def test_hostile_module_names_render():
    from autograd_lite.viz.recorder import module_scope
    a = al.tensor([1.0, 2.0], requires_grad=True)
    with module_scope("m" * 20_000, "Evil\x00Class"):
        with module_scope("inner\ud800", "Mod\"ule"):
            y = (a * 2.0).sum()
    for collapse in (False, True):
        assert b"<svg" in al.viz.draw_graph(y, collapse_modules=collapse).pipe(format="svg")


@pytest.mark.parametrize("option, value", [("rankdir", "LR]; injected [label=x"), ("rankdir", "lr"),
                                           ("max_values", -1), ("max_values", 2.5), ("max_nodes", 0),
                                           ("check_tol", float("nan")), ("title", 3)])
def test_every_option_reaching_dot_is_validated(option, value):
    with pytest.raises((ValueError, TypeError), match=f"to_dot: {option}"):
        al.viz.to_dot(small_graph("a"), **{option: value})


def test_title_cannot_inject_dot():
    text = al.viz.to_dot(small_graph("a"), title='t"]; injected [label="x')
    assert "\"]; injected" not in text.replace("\\\"", "")  # the quote stays escaped
    nodes, _ = parse_dot(text)
    assert "injected" not in nodes and len(nodes) == 5


# ----- the CLI ---------------------------------------------------------------------
def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("body, reason", [
    ("exit()\n", "called exit()"),
    ("import sys\ndef graph():\n    sys.exit(0)\n", "called exit(0)"),
    ("import os\ndef graph():\n    os._exit(0)\n", "ended before drawing anything"),
    ("def graph():\n    while True:\n        pass\n", "did not finish within 3 s"),
    ("import autograd_lite as al\ndef graph():\n    return 42\n", "returned int"),
])
def test_cli_files_that_exit_hang_or_return_junk_exit_2(tmp_path, capsys, body, reason):
    src = write(tmp_path, "f.py", body)
    out = tmp_path / "g.dot"
    assert graph_main([src, "--out", str(out), "--timeout", "3"]) == 2
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("name", ["hw.txt", "hw.ipynb", "missing.py"])
def test_cli_refuses_non_python_and_missing_files(tmp_path, capsys, name):
    path = tmp_path / name
    if name != "missing.py":
        path.write_text("x = 1\n")
    assert graph_main([str(path), "--out", str(tmp_path / "g.dot")]) == 2
    assert ("not a Python file" if name != "missing.py" else "no such file") in capsys.readouterr().err


def test_cli_validates_its_options(tmp_path, capsys):
    src = write(tmp_path, "f.py", "def graph():\n    pass\n")
    for bad in (["--rankdir", "LR]; x ["], ["--timeout", "0"], ["--timeout", "nan"], ["--max-nodes", "1"]):
        with pytest.raises(SystemExit) as e:
            graph_main([src, *bad])
        assert e.value.code == 2
    assert graph_main([src, "--animate", str(tmp_path / "page.txt")]) == 2
    assert graph_main([src, "--out", str(tmp_path / "no" / "such" / "g.dot")]) == 2
    assert "no such folder" in capsys.readouterr().err


MODEL = """
import numpy as np
import autograd_lite as al
from autograd_lite import nn

def graph():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3, 2))
    return model, al.tensor(np.ones((2, 4)))
"""


def model_dot(tmp_path, *flags: str) -> str:
    """`autograd-lite graph` on MODEL with these flags: the DOT text written."""
    out = tmp_path / "g.dot"
    assert graph_main([write(tmp_path, "m.py", MODEL), *flags, "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_cli_model_every_module_drawn_and_counted(tmp_path):
    text = model_dot(tmp_path, "--collapse")
    assert "4 modules drawn as one node each" in text
    assert "2 (Flatten)" in text and "0 (Linear)" in text and "3 (Linear)" in text and "1 (ReLU)" in text
    assert "<B>input</B>" in model_dot(tmp_path)  # the model's input is drawn as `input`


def test_cli_non_scalar_output_is_summed_and_the_title_says_so(tmp_path):
    text = model_dot(tmp_path, "--backward")
    assert "the output has shape (2, 2), its elements summed" in text
    nodes, _ = parse_dot(text)
    weight = next(v for v in nodes.values() if "<B>3.weight</B>" in v)
    assert "grad " in weight  # gradients of the sum on the parameters
    assert sum("grad " in v for v in nodes.values() if "shape=plain" in v and "constant" not in v) >= 8


@needs_dot
def test_cli_animate_writes_the_page(tmp_path):
    src = write(tmp_path, "m.py", MODEL)
    page = tmp_path / "backprop.html"
    assert graph_main([src, "--animate", str(page), "--out", str(tmp_path / "g.svg")]) == 0
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and 'id="slider"' in html and "identity" in html


def test_the_console_script_runs_the_file_in_a_child_with_a_timeout(tmp_path):
    src = write(tmp_path, "loop.py", "while True:\n    pass\n")
    proc = subprocess.run(["python", "-m", "autograd_lite.cli", "graph", src, "--timeout", "2"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "did not finish within 2 s" in proc.stderr
