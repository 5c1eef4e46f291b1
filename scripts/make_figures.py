"""Regenerate the README's graph pictures in docs/img/ (needs the Graphviz `dot` program).

    python scripts/make_figures.py

- gplvm_forward.svg / gplvm_backward.svg: the GP-LVM log-likelihood
  L = −D/2·log|K| − ½·tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I, forward and backward views
  (X feeds XXᵀ twice, so its gradient is a sum of two paths).
- convnet_modules.svg: a small ConvNet's graph clustered by module, and
  convnet_collapsed.svg: the same with one node per module.
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
    L.backward()
    write("gplvm_backward.svg", al.viz.draw_graph(L, names=names, backward=True, rankdir="TB",
                                                  title="GP-LVM log-likelihood: backward (G = ∂L/∂output)"))
    loss = convnet_loss()
    write("convnet_modules.svg", al.viz.draw_graph(loss, rankdir="TB", title="A small ConvNet, clustered by module"))
    write("convnet_collapsed.svg", al.viz.draw_graph(loss, rankdir="TB", collapse_modules=True,
                                                     title="The same ConvNet, one node per module"))


if __name__ == "__main__":
    main()
