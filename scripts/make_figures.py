"""Regenerate the README's graph pictures in docs/img/ (needs the Graphviz `dot` program).

    python scripts/make_figures.py

- gplvm_forward.svg / gplvm_backward.svg: the GP-LVM log-likelihood
  L = −D/2·log|K| − ½·tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I, forward and backward views
  (X feeds XXᵀ twice, so its gradient is a sum of two paths).
- convnet_modules.svg: a small ConvNet's graph clustered by module, and
  convnet_collapsed.svg: the same with one node per module.
- micrograd.svg: micrograd's scalar example L = (a·b + c)·f, data and gradient on every node.
- backprop.html: backpropagation through ½‖WᵀWx − x‖² step by step (al.viz.animate_backward),
  and backprop_step6.svg: its step 6, where the Wᵀ path reaches W's "+" node.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd_lite as al
import autograd_lite.nn as nn
from autograd_lite.examples import gplvm

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"


def gplvm_graph() -> tuple[al.Tensor, dict]:
    X_data, Y_data = gplvm.example_inputs(n=4, q=2, d=3)
    X = al.tensor(X_data, requires_grad=True, name="X")
    Y = al.tensor(Y_data, name="Y")
    L, parts = gplvm.log_likelihood(X, Y, return_intermediates=True)
    L.name = "L"
    return L, {"X": X, "Y": Y, **parts}


def convnet_loss() -> al.Tensor:
    al.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(4 * 4 * 4, 10))
    x = al.randn(2, 1, 8, 8)
    x.name = "images"
    labels = al.tensor(np.array([3, 7]), name="labels")
    return nn.CrossEntropyLoss()(net(x), labels)


def write(name: str, drawing) -> None:
    path = OUT / name
    path.write_bytes(drawing.pipe(format="svg"))
    print(f"wrote {path.relative_to(OUT.parent.parent)}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    L, names = gplvm_graph()
    write("gplvm_forward.svg", al.viz.draw_graph(L, names=names, rankdir="TB",
                                                 title="GP-LVM log-likelihood: forward"))
    al.viz.record_grads(L).backward()  # keeps every node's value and gradient for the drawing
    write("gplvm_backward.svg", al.viz.draw_graph(L, names=names, backward=True, rankdir="TB",
                                                  title="GP-LVM log-likelihood: backward (G = ∂L/∂output)"))
    loss = convnet_loss()
    write("convnet_modules.svg", al.viz.draw_graph(loss, rankdir="TB", title="A small ConvNet, clustered by module"))
    write("convnet_collapsed.svg", al.viz.draw_graph(loss, rankdir="TB", collapse_modules=True,
                                                     title="The same ConvNet, one node per module"))
    write("micrograd.svg", al.viz.draw_graph(micrograd_loss(), title="L = (a·b + c)·f after backward"))
    anim = al.viz.animate_backward(autoencoder_loss())
    anim.save(OUT / "backprop.html")
    print("wrote docs/img/backprop.html")
    write("backprop_step6.svg", anim.frame(6))


def micrograd_loss() -> al.Tensor:
    a, b = al.tensor(2.0, requires_grad=True, name="a"), al.tensor(-3.0, requires_grad=True, name="b")
    c, f = al.tensor(10.0, requires_grad=True, name="c"), al.tensor(-2.0, requires_grad=True, name="f")
    e = a * b
    d = e + c
    L = d * f
    e.name, d.name, L.name = "e", "d", "L"
    al.viz.record_grads(L).backward()
    return L


def autoencoder_loss() -> al.Tensor:
    W = al.tensor(np.arange(6.0).reshape(2, 3) / 6, requires_grad=True, name="W")
    x = al.tensor([1.0, -1.0, 2.0], name="x")
    r = W.T @ (W @ x) - x
    r.name = "r"
    L = 0.5 * (r * r).sum()
    L.name = "L"
    return L


if __name__ == "__main__":
    main()
