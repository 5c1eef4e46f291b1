"""Drawing computational graphs: forward and backward views, module clusters, checking view.

    al.viz.to_dot(loss)                        # DOT text, no Graphviz needed
    al.viz.draw_graph(loss, backward=True)     # graphviz.Digraph: shows in Jupyter, .render("g", format="svg")
    al.viz.record_grads(loss).backward()       # keep every node's value and gradient for drawing after backward
    al.viz.animate_backward(loss, "bp.html")   # backpropagation step by step (HTML page; inline in Jupyter)
    al.viz.chain_rule_latex(loss)              # the chain-rule steps as LaTeX
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import Any

# The engine imports viz.recorder at start-up; the drawing modules load on first use.
_HOMES = {"to_dot": "dot", "draw_graph": "render", "GraphvizNotFound": "render", "record_grads": "values",
          "animate_backward": "animate", "Animation": "animate", "chain_rule_latex": "latex",
          "chain_rule_steps": "latex"}

__all__ = ["to_dot", "draw_graph", "record_grads", "animate_backward", "Animation", "chain_rule_latex",
           "chain_rule_steps", "GraphvizNotFound"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:  # a submodule: al.viz.graph
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autograd_lite.viz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
