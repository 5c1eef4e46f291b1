"""Drawing a model's training step (#19 items 3 and 4): input, target and buffers named, ops by
PyTorch names, parameter gradients of the drawn step, and the main job's graph.svg at most
~1,500 pt on its longest side (collapsed to modules, graph_full.svg beside it)."""
from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import nn
from autograd_lite.viz.modules import MAX_SIDE_PT, draw_model_graph, svg_size
from tests.test_viz_dot import parse_dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz binary is not installed")


def kbn(layers: int = 9, width: int = 6):
    """The k-layer batch-norm MLP of the homework (k = 9 gave a 1493×8546 pt graph.svg)."""
    mods: list = []
    d = 4
    for _ in range(layers - 1):
        mods += [nn.Linear(d, width), nn.BatchNorm1d(width), nn.ReLU()]
        d = width
    mods.append(nn.Linear(d, 3))
    return nn.Sequential(*mods)


def batch():
    rng = np.random.default_rng(0)
    return al.tensor(rng.standard_normal((5, 4))), al.tensor(np.array([0, 1, 2, 1, 0]))


def names_in(text: str) -> list[str]:
    return re.findall(r"<B>([^<]*)</B>", text)


def test_input_target_buffers_and_pytorch_op_names():
    model, (x, y) = kbn(3), batch()
    model.eval()
    loss = nn.functional.cross_entropy(model(x), y)
    text = al.viz.to_dot(loss, names={"input": x, "target": y}, model=model)
    found = names_in(text)
    assert "input" in found and "target" in found
    assert {"1.running_mean", "1.running_var", "4.running_mean", "4.running_var"} <= set(found)  # buffers by path
    assert 'label="cross_entropy' in text and "classcrossentropy" not in text
    nodes, edges = parse_dot(text)
    target = next(k for k, v in nodes.items() if "<B>target</B>" in v)
    assert "data [0 1 2 1 0]" in nodes[target]
    assert any(a == target for a, _, _ in edges)  # drawn as the loss's input


def test_parameters_show_this_steps_gradient():
    model, (x, y) = kbn(2), batch()
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(x), y).backward()  # an earlier step leaves .grad behind
    stale = model[0].weight.grad.data.copy()
    model.eval()
    x2 = al.tensor(np.full((5, 4), 3.0))
    loss = loss_fn(model(x2), y)
    (fresh,) = al.grad(loss, model[0].weight, retain_graph=True)
    text = al.viz.to_dot(loss, max_values=1000)
    node = next(v for v in parse_dot(text)[0].values() if "<B>0.weight</B>" in v)
    assert f"{fresh.data[0, 0]:.4g}" in node and not np.allclose(fresh.data, stale)
    np.testing.assert_array_equal(model[0].weight.grad.data, stale)  # .grad untouched


@needs_dot
def test_main_job_graph_is_at_most_1500_pt_with_the_full_one_beside_it(tmp_path):
    model, (x, y) = kbn(9), batch()
    means = [m.running_mean.data.copy() for m in model if isinstance(m, nn.BatchNorm1d)]
    written = draw_model_graph(model, nn.CrossEntropyLoss(), x, y, tmp_path)
    assert [p.rsplit("/", 1)[-1] for p in written] == ["graph.svg", "graph_full.svg"]
    svg, full = (tmp_path / "graph.svg").read_text(), (tmp_path / "graph_full.svg").read_text()
    assert max(svg_size(svg)) <= MAX_SIDE_PT < max(svg_size(full))
    assert "collapsed" in svg and "graph_full.svg" in svg
    assert 'transform="scale(1 1)' in svg  # one line per module: fits without shrinking the text
    assert ">input<" in full and ">target<" in full and ">cross_entropy<" in full and ">1.running_mean<" in full
    assert model.training  # put back in training mode
    after = [m.running_mean.data for m in model if isinstance(m, nn.BatchNorm1d)]
    assert all(np.array_equal(a, b) for a, b in zip(means, after))  # drawn in eval mode: statistics unchanged


@needs_dot
def test_a_small_model_is_drawn_in_full(tmp_path):
    model, (x, y) = nn.Sequential(nn.Linear(4, 3)), batch()
    written = draw_model_graph(model, nn.CrossEntropyLoss(), x, y, tmp_path)
    assert [p.rsplit("/", 1)[-1] for p in written] == ["graph.svg"]
    svg = (tmp_path / "graph.svg").read_text()
    assert svg.count(">grad ") >= 4  # weight, bias, logits, loss
    assert 'font-family="DejaVu Sans,Liberation Sans,Helvetica,Arial,sans-serif"' in svg


def test_rankdir_is_chosen_from_the_graph_shape():
    a = al.tensor(np.ones(3), requires_grad=True)
    deep = a
    for _ in range(12):
        deep = deep * 1.5
    assert "rankdir=TB" in al.viz.to_dot(deep.sum())
    wide = al.cat([a * float(i) for i in range(12)]).sum()
    assert "rankdir=LR" in al.viz.to_dot(wide)
    assert "rankdir=BT" in al.viz.to_dot(deep.sum(), rankdir="BT")


def test_only_glyphs_every_listed_font_has():
    """Liberation Sans (Arial's stand-in) lacks ⊙ ⁻ ᵀ ‖ ⋯ ✓ ✗: none reaches the DOT."""
    W = al.tensor(np.eye(2), requires_grad=True)
    y = (al.linalg.inv(W) * W.T).sum() if hasattr(al, "linalg") else (W * W.T).sum()
    text = al.viz.to_dot(y, backward=True, hand_grads={W: np.ones((2, 2))})
    for glyph in "⊙⁻ᵀ‖⋯✓✗":
        assert glyph not in text
