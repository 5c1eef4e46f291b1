"""al.viz.to_dot on known graphs: node and edge counts, labels, styles, clusters, the two paths
to W in the linear autoencoder, the backward view's formulas, highlight, checking view."""
from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.viz.recorder import module_scope


# ----- a small DOT reader for the assertions ---------------------------------------
def parse_dot(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """({node id: attribute text}, [(src, dst, attribute text)]) of to_dot's output."""
    nodes, edges = {}, []
    for line in text.splitlines():
        m = re.match(r"\s*(\w+) -> (\w+)(?: \[(.*)\])?;$", line)
        if m:
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
            continue
        m = re.match(r"\s*(\w+) \[(.*)\];$", line)
        if m and m.group(1) not in {"graph", "node", "edge"}:
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


def node_named(nodes: dict[str, str], name: str) -> str:
    found = [k for k, attrs in nodes.items() if f"<B>{name}</B>" in attrs]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def count_paths(edges: list[tuple[str, str, str]], src: str, dst: str) -> int:
    """Paths through distinct nodes (r * r's two edges into one op count once)."""
    out: dict[str, list[str]] = {}
    for a, b in {(a, b) for a, b, _ in edges}:
        out.setdefault(a, []).append(b)
    memo: dict[str, int] = {}

    def paths(k: str) -> int:
        if k == dst:
            return 1
        if k not in memo:
            memo[k] = sum(paths(n) for n in out.get(k, ()))
        return memo[k]
    return paths(src)


def autoencoder(backward: bool = False):
    """L = ½‖WᵀWx − x‖² (the theory sheet's linear autoencoder)."""
    W = al.tensor(np.arange(6.0).reshape(2, 3) / 6, requires_grad=True, name="W")
    x = al.tensor([1.0, -1.0, 2.0], name="x")
    r = W.T @ (W @ x) - x
    L = 0.5 * (r * r).sum()
    L.name = "L"
    if backward:
        L.backward()
    return W, x, r, L


# ----- forward view ----------------------------------------------------------------
def test_counts_and_kinds_of_a_small_graph():
    a = al.tensor([1.0, 2.0], requires_grad=True, name="a")
    c = al.tensor([3.0, 4.0], name="c")
    y = (a * c).sum()
    nodes, edges = parse_dot(al.viz.to_dot(y))
    # tensors a, c, a*c, y and ops mul, sum
    assert len(nodes) == 6
    assert len(edges) == 2 + 1 + 1 + 1  # a->mul, c->mul, mul->t, t->sum, sum->y
    assert "input" in nodes[node_named(nodes, "a")] and "constant" in nodes[node_named(nodes, "c")]
    assert sum("output" in v for v in nodes.values()) == 1
    ops = [v for v in nodes.values() if "shape=ellipse" in v]
    assert len(ops) == 2 and any('label="mul\\na * b"' in v for v in ops)


def test_node_styles_are_distinct_per_kind():
    p = al.nn.Parameter(np.ones(2))
    p.name = "layers.0.weight"
    x = al.tensor([1.0, 2.0], requires_grad=True, name="x")
    c = al.tensor([0.5, 0.5], name="c")
    y = (p * x + c).sum()
    nodes, _ = parse_dot(al.viz.to_dot(y))
    fills = {name: re.search(r'BGCOLOR="(#\w+)"', nodes[node_named(nodes, name)]).group(1)
             for name in ("layers.0.weight", "x", "c")}
    root = [v for v in nodes.values() if "output" in v][0]
    fills["out"] = re.search(r'BGCOLOR="(#\w+)"', root).group(1)
    assert len(set(fills.values())) == 4
    assert "parameter" in nodes[node_named(nodes, "layers.0.weight")]


def test_labels_show_name_shape_dtype_and_values_or_summary():
    small = al.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="small")
    big = al.tensor(np.arange(100, dtype=np.float32), requires_grad=True, name="big")
    y = small.sum() + big.sum()
    nodes, _ = parse_dot(al.viz.to_dot(y))
    s, b = nodes[node_named(nodes, "small")], nodes[node_named(nodes, "big")]
    assert "(2, 2) float64" in s and "[[1 2]" in s and "[3 4]]" in s
    assert "(100,) float32" in b and "min 0" in b and "mean 49.5" in b and "max 99" in b


def test_unnamed_tensors_get_short_names_and_names_option():
    u = al.tensor([1.0], requires_grad=True)
    v = al.tensor([2.0], requires_grad=True)
    y = (u * v).sum()
    nodes, _ = parse_dot(al.viz.to_dot(y))
    assert node_named(nodes, "x1") and node_named(nodes, "x2")
    nodes, _ = parse_dot(al.viz.to_dot(y, names={"u": u, "v": v, "other": 3}))
    assert node_named(nodes, "u") and node_named(nodes, "v")


def test_two_paths_to_W_in_the_linear_autoencoder():
    W, x, r, L = autoencoder()
    nodes, edges = parse_dot(al.viz.to_dot(L))
    w, loss = node_named(nodes, "W"), node_named(nodes, "L")
    assert len([e for e in edges if e[0] == w]) == 2  # W feeds the transpose and W·x
    assert count_paths(edges, w, loss) == 2
    # x is used twice as well (W·x and the subtraction): also two paths
    assert count_paths(edges, node_named(nodes, "x"), loss) == 2
    # matmul inputs are labelled with their roles a, b
    assert sum('label="a"' in e[2] for e in edges) >= 3


def test_several_roots_share_their_subgraph():
    a = al.tensor([1.0, 2.0], requires_grad=True, name="a")
    h = a.exp()
    y1, y2 = h.sum(), (h * h).sum()
    nodes, edges = parse_dot(al.viz.to_dot(y1, y2))
    assert sum("output" in v for v in nodes.values()) == 2
    assert len([v for v in nodes.values() if 'label="exp' in v]) == 1  # drawn once


# ----- backward view ---------------------------------------------------------------
def test_backward_view_labels_edges_with_the_chain_rule_steps():
    W, x, r, L = autoencoder()
    nodes, edges = parse_dot(al.viz.to_dot(L, backward=True))
    labels = [e[2] for e in edges]
    assert any("∂L/∂a = G·b^T" in s for s in labels) and any("∂L/∂b = a^T·G" in s for s in labels)
    assert all("dir=back" in e[2] or "dir=none" in e[2] for e in edges)
    assert any("dir=none" in e[2] and "dashed" in e[2] for e in edges)  # no gradient into the constant x


def test_backward_view_sums_the_two_paths_into_W():
    W, x, r, L = autoencoder(backward=True)
    nodes, edges = parse_dot(al.viz.to_dot(L, backward=True))
    w = node_named(nodes, "W")
    plus = [k for k, v in nodes.items() if 'label="+"' in v]
    sum_of_w = [b for a, b, attrs in edges if a == w]
    assert len(sum_of_w) == 1 and sum_of_w[0] in plus
    assert any(a == w and "∂L/∂W = Σ of 2 paths" in attrs for a, b, attrs in edges)
    assert len([e for e in edges if e[0] == sum_of_w[0]]) == 2  # the two contributions
    # r*r uses r twice: its gradient is a sum too
    assert len(plus) == 2


def test_drawable_after_backward_with_gradients_and_held_values():
    W, x, r, L = autoencoder(backward=True)
    text = al.viz.to_dot(L, names={"r": r})
    nodes, edges = parse_dot(text)
    w = nodes[node_named(nodes, "W")]
    assert "grad " in w  # data | grad cells, micrograd style
    expected = W.grad.data
    assert f"{expected[0, 0]:.4g}" in w
    assert "data " in nodes[node_named(nodes, "r")]  # r is still held by the user
    freed = [v for k, v in nodes.items() if k.startswith("T") and "value freed" in v]
    assert freed, "intermediates nobody holds are drawn without values"
    assert all("shape unknown" not in v for v in nodes.values())  # shapes kept by the engine


def test_gradients_of_retained_intermediates_are_shown():
    a = al.tensor([1.0, 2.0], requires_grad=True, name="a")
    h = a * 3.0
    h.name = "h"
    h.retain_grad()
    (h * h).sum().backward()
    nodes, _ = parse_dot(al.viz.to_dot(h))
    assert "grad [6 12]" in nodes[node_named(nodes, "h")]


# ----- clusters --------------------------------------------------------------------
def _scoped_net():
    x = al.tensor(np.ones((2, 3)), name="x")
    w1 = al.nn.Parameter(np.full((3, 4), 0.1))
    w1.name = "features.0.weight"
    w2 = al.nn.Parameter(np.full((4, 1), 0.2))
    w2.name = "head.weight"
    with module_scope("", "Net"):
        with module_scope("features", "Sequential"):
            with module_scope("features.0", "Linear"):
                h = x @ w1
            with module_scope("features.1", "ReLU"):
                h = h.relu()
        with module_scope("head", "Linear"):
            y = h @ w2
        loss = y.sum()
    return x, loss


def test_module_clusters_are_nested_and_labelled():
    x, loss = _scoped_net()
    text = al.viz.to_dot(loss)
    labels = re.findall(r'subgraph cluster_\d+ \{\n\s*label="([^"]+)"', text)
    assert set(labels) == {"Net", "features (Sequential)", "features.0 (Linear)", "features.1 (ReLU)", "head (Linear)"}
    # nesting: features.0 is inside features, which is inside Net
    i_net, i_feat, i_f0 = (text.index(f'label="{s}"') for s in ("Net", "features (Sequential)", "features.0 (Linear)"))
    assert i_net < i_feat < i_f0
    block = text[i_f0:text.index("}", i_f0)]
    assert "features.0.weight" in block and "<B>x</B>" not in block  # parameter inside, data outside
    assert "cluster" not in al.viz.to_dot(loss, clusters=False)


def test_collapse_modules_draws_one_node_per_module():
    x, loss = _scoped_net()
    nodes, edges = parse_dot(al.viz.to_dot(loss, collapse_modules=True))
    modules = {k: v for k, v in nodes.items() if "box3d" in v}
    assert len(modules) == 4  # features.0, features.1, head, and Net's own sum
    assert any("features.0 (Linear)" in v and "features.0.weight (3, 4)" in v for v in modules.values())
    assert not any("features.0.weight" in v for k, v in nodes.items() if k not in modules)
    assert node_named(nodes, "x")  # the data stays visible
    nodes, _ = parse_dot(al.viz.to_dot(loss, collapse_modules=1))
    assert len([v for v in nodes.values() if "box3d" in v]) == 1


def test_convnet_clusters():
    nn = al.nn
    if not hasattr(nn, "Conv2d"):
        pytest.skip("nn.Conv2d not written yet")
    al.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    out = net(al.randn(1, 1, 4, 4)).sum()
    text = al.viz.to_dot(out)
    for label in ("0 (Conv2d)", "1 (ReLU)", "3 (Linear)"):
        assert f'label="{label}"' in text
    assert "<B>0.weight</B>" in text and "<B>3.bias</B>" in text
    nodes, _ = parse_dot(al.viz.to_dot(out, collapse_modules=True))
    assert len([v for v in nodes.values() if "box3d" in v]) == 4


# ----- highlight and checking view -------------------------------------------------
def test_highlight_marks_the_paths_from_a_tensor_to_the_output():
    a = al.tensor([1.0], requires_grad=True, name="a")
    b = al.tensor([2.0], requires_grad=True, name="b")
    y = (a.exp() + b.sin()).sum()
    nodes, edges = parse_dot(al.viz.to_dot(y, highlight=a))
    lit_edges = [(s, d) for s, d, attrs in edges if "#dc2626" in attrs]
    assert len(lit_edges) == 6  # a->exp->t->add->t->sum->y
    assert "#dc2626" in nodes[node_named(nodes, "a")] and "#dc2626" not in nodes[node_named(nodes, "b")]


def test_checking_view_colours_agreeing_and_disagreeing_hand_gradients():
    W, x, r, L = autoencoder()
    Wd, xd = W.data, x.data
    res = Wd.T @ Wd @ xd - xd
    right = Wd @ np.outer(res, xd) + np.outer(Wd @ xd, res)
    wrong = Wd @ np.outer(res, xd)  # only one path
    nodes, _ = parse_dot(al.viz.to_dot(L, hand_grads={W: right}))
    assert "#bbf7d0" in nodes[node_named(nodes, "W")] and "hand ok" in nodes[node_named(nodes, "W")]
    W, x, r, L = autoencoder()
    r.name = "r"
    nodes, _ = parse_dot(al.viz.to_dot(L, hand_grads={W: wrong, r: res, "x": np.zeros(3)}))
    assert "#fecaca" in nodes[node_named(nodes, "W")] and "hand X" in nodes[node_named(nodes, "W")]
    assert "hand ok" in nodes[node_named(nodes, "r")]  # an intermediate, ∂L/∂r = r, computed on demand
    assert "no autodiff grad" in nodes[node_named(nodes, "x")]  # a constant has none
    assert W.grad is None  # the check did not touch .grad


def test_checking_view_reports_a_transposed_hand_gradient_as_a_shape_error():
    W, x, r, L = autoencoder(backward=True)
    nodes, _ = parse_dot(al.viz.to_dot(L, hand_grads={W: W.grad.data.T}))
    assert "shape (3, 2) ≠ (2, 3)" in nodes[node_named(nodes, "W")]


# ----- size limit ------------------------------------------------------------------
def _chain(steps: int):
    w = al.tensor([0.5], requires_grad=True, name="w")
    h = al.tensor([1.0], name="h0")
    for _ in range(steps):
        h = (h * w).tanh()
    return h.sum()


def test_past_max_nodes_repeated_structure_is_folded_and_said_so():
    y = _chain(200)  # 800 + nodes
    text = al.viz.to_dot(y, max_nodes=100)
    nodes, _ = parse_dot(text)
    assert len(nodes) <= 100
    assert "collapsed:" in text and "repeated chain" in text
    assert any("(mul → tanh) ×" in v or "(tanh → mul) ×" in v for v in nodes.values())
    assert len(parse_dot(al.viz.to_dot(y, max_nodes=None))[0]) > 800


def test_truncation_keeps_the_limit_for_unfoldable_graphs():
    xs = [al.tensor([float(i)], requires_grad=True) for i in range(150)]
    total = xs[0] * 1.0
    for t in xs[1:]:
        total = total + t * t  # a sum tree: no long single chain
    text = al.viz.to_dot(total.sum(), max_nodes=60)
    nodes, _ = parse_dot(text)
    assert len(nodes) <= 60 and "not drawn" in text and "raise max_nodes" in text


def test_bad_roots_are_refused():
    with pytest.raises(TypeError):
        al.viz.to_dot()
    with pytest.raises(TypeError):
        al.viz.to_dot(np.ones(3))


def test_gplvm_backward_view_sums_the_two_paths_into_X():
    gplvm = pytest.importorskip("autograd_lite.examples.gplvm")
    X_data, Y_data = gplvm.example_inputs(n=4, q=2, d=3)
    X = al.tensor(X_data, requires_grad=True, name="X")
    L, parts = gplvm.log_likelihood(X, Y_data, return_intermediates=True)
    L.backward()
    text = al.viz.to_dot(L, names=parts, backward=True)
    assert "∂L/∂X = Σ of 2 paths" in text and "∂L/∂K = Σ of 2 paths" in text
    nodes, _ = parse_dot(al.viz.to_dot(L, names=parts, hand_grads={parts["K"]: gplvm.grad_K(X_data, Y_data)}))
    assert "no autodiff grad" in nodes[node_named(nodes, "K")]  # released: needs retain_grad()


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
from tests.helpers import data, leaf  # noqa: E402


def test_to_dot_returns_dot_source_without_graphviz():
    x = leaf(data(3))
    w = leaf(data(3, seed=1))
    loss = (x * w).tanh().sum()
    src = al.viz.to_dot(loss)
    assert isinstance(src, str) and src.lstrip().startswith("digraph") and src.rstrip().endswith("}")
    loss.backward(retain_graph=True)
    assert isinstance(al.viz.to_dot(loss, x * 2, backward=True), str)


def test_draw_graph_returns_a_digraph_and_explains_a_missing_dot(monkeypatch, tmp_path):
    import graphviz
    x = leaf(data(3))
    drawing = al.viz.draw_graph((x.exp() * 2).sum())
    assert isinstance(drawing, graphviz.Digraph) and "->" in drawing.source
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program anywhere
    with pytest.raises(Exception, match="(?i)install.*graphviz") as info:
        drawing.pipe(format="svg")
    assert isinstance(info.value, graphviz.ExecutableNotFound)


def test_to_dot_refuses_an_array_naming_the_types():
    with pytest.raises(TypeError, match=r"Tensor.*ndarray"):
        al.viz.to_dot(np.ones(3))
