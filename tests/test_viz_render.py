"""draw_graph with the real Graphviz binary (SVG parsed for labels and tooltips), the
missing-binary message, the LaTeX chain-rule export, and the CLI."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.viz.cli import main as graph_main
from tests.test_viz_dot import autoencoder

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz binary is not installed")


def svg_texts_and_tooltips(svg: bytes) -> tuple[list[str], list[str]]:
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    tips = [a.get(f"{XLINK}title") for a in root.iter(f"{SVG}a") if a.get(f"{XLINK}title")]
    return texts, tips


def test_draw_graph_is_a_digraph_with_the_same_source():
    W, x, r, L = autoencoder()
    g = al.viz.draw_graph(L, backward=True)
    assert isinstance(g, graphviz.Digraph)
    dot = al.viz.to_dot(L, backward=True)
    assert g.source.count(" -> ") == dot.count(" -> ") and "∂L/∂a = G·b^T" in g.source


@needs_dot
def test_renders_svg_with_node_labels_and_full_value_tooltips():
    W, x, r, L = autoencoder(backward=True)
    texts, tips = svg_texts_and_tooltips(al.viz.draw_graph(L, backward=True).pipe(format="svg"))
    for label in ("W", "x", "L", "matmul", "a·b", "+", "∂L/∂a = G·b^T", "∂L/∂W = Σ of 2 paths"):
        assert label in texts, label
    w_tip = [t for t in tips if t.startswith("W:")][0]
    assert "value = " in w_tip and "grad = " in w_tip
    assert f"{W.grad.data[1, 2]:.6g}" in w_tip  # full gradient values, not only a summary
    assert any(t.startswith("MatmulBackward") and "∂L/∂b = a^T·G" in t for t in tips)


@needs_dot
def test_render_to_file(tmp_path):
    W, x, r, L = autoencoder()
    path = al.viz.draw_graph(L).render(tmp_path / "g", format="svg")
    assert open(path, encoding="utf-8").read().lstrip().startswith("<?xml")


def test_missing_binary_says_how_to_install_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on PATH
    W, x, r, L = autoencoder()
    assert "digraph" in al.viz.to_dot(L)  # DOT needs no binary
    g = al.viz.draw_graph(L)
    for call in (lambda: g.pipe(format="svg"), lambda: g.render(tmp_path / "g", format="png")):
        with pytest.raises(al.viz.GraphvizNotFound) as info:
            call()
        message = str(info.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message and "conda" in message
    assert issubclass(al.viz.GraphvizNotFound, graphviz.ExecutableNotFound)


# ----- chain rule as LaTeX ---------------------------------------------------------
def test_chain_rule_steps_in_backward_order_with_accumulation():
    W, x, r, L = autoencoder()
    steps = al.viz.chain_rule_steps(L, names={"r": r})
    targets = [s.target for s in steps]
    assert targets[0] != "W" and targets.count("W") == 2 and targets.count("r") == 2
    w_steps = [s for s in steps if s.target == "W"]
    assert [s.accumulate for s in w_steps] == [False, True]
    assert any(s.op == "matmul" and "ᵀ" in s.formula and "x" in s.formula for s in w_steps)
    assert all(s.target != "x" for s in steps)  # a constant gets no gradient


def test_chain_rule_latex():
    W, x, r, L = autoencoder()
    tex = al.viz.chain_rule_latex(L, names={"r": r})
    assert tex.count("\\begin{align*}") == 1 and "\\bar{L} &= 1" in tex
    assert "\\bar{W} &\\mathrel{+}=" in tex and "x^{\\top}" in tex and "\\odot" in tex
    assert "·" not in tex and "ᵀ" not in tex and "⊙" not in tex  # all converted to LaTeX
    lines = [l for l in tex.splitlines() if "&" in l]
    assert len(lines) == 1 + len(al.viz.chain_rule_steps(L))


# ----- command line ----------------------------------------------------------------
ENTRY = """
import numpy as np
import autograd_lite as al
W = al.tensor(np.ones((2, 3)), requires_grad=True)
x = al.tensor(np.arange(3.0))

def graph():
    r = W.T @ (W @ x) - x
    return 0.5 * (r * r).sum()
"""


def test_cli_writes_dot_and_names_tensors_from_globals(tmp_path, capsys):
    src = tmp_path / "ae.py"
    src.write_text(ENTRY)
    out = tmp_path / "g.dot"
    assert graph_main([str(src), "--backward", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<B>W</B>" in text and "∂L/∂W = Σ of 2 paths" in text and "grad " in text


@needs_dot
def test_cli_renders_svg_and_model_entry_points(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import autograd_lite as al\n"
                   "def model(x):\n    return (x * 2.0).sum()\n"
                   "def graph():\n    return model, al.tensor([1.0, 2.0], requires_grad=True)\n")
    out = tmp_path / "g.svg"
    assert graph_main([str(src), "--out", str(out)]) == 0
    texts, _ = svg_texts_and_tooltips(out.read_bytes())
    assert "mul" in texts and "2·a" in texts


def test_cli_broken_files(tmp_path, capsys):
    src = tmp_path / "bad.py"
    src.write_text("x = 1\n")
    assert graph_main([str(src), "--out", str(tmp_path / "g.dot")]) == 2
    assert "defines no function graph()" in capsys.readouterr().err
    src.write_text("raise ValueError('boom')\n")
    assert graph_main([str(src), "--out", str(tmp_path / "g.dot")]) == 2
    assert "boom" in capsys.readouterr().err
    assert graph_main([str(src), "--out", str(tmp_path / "g.txt")]) == 2


def test_cli_is_wired_into_autograd_lite(tmp_path):
    from autograd_lite.cli import main
    src = tmp_path / "ae.py"
    src.write_text(ENTRY)
    assert main(["graph", str(src), "--out", str(tmp_path / "g.gv")]) == 0
