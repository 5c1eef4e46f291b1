"""`draw_graph`: the DOT of `to_dot` as a `graphviz.Digraph` (shows inline in Jupyter;
`.render()` / `.pipe()` give SVG, PNG or PDF through the Graphviz `dot` program)."""
from __future__ import annotations

import functools
from typing import Any

import graphviz

from ..tensor import Tensor
from .dot import to_dot

INSTALL_HINT = ("the Graphviz program `dot` was not found on PATH; rendering needs it "
                "(to_dot() works without it). Install Graphviz: `sudo apt-get install graphviz` "
                "(Debian/Ubuntu), `brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, "
                "or see https://graphviz.org/download/")


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Raised when rendering without the Graphviz binary; the message says how to install it."""

    def __init__(self, args: Any = ()) -> None:
        RuntimeError.__init__(self, INSTALL_HINT)


def _explain_missing_binary(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            if isinstance(e, GraphvizNotFound):
                raise
            raise GraphvizNotFound() from None
    return wrapper


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering explains how to install Graphviz when `dot` is missing."""

    render = _explain_missing_binary(graphviz.Digraph.render)
    pipe = _explain_missing_binary(graphviz.Digraph.pipe)
    view = _explain_missing_binary(graphviz.Digraph.view)
    unflatten = _explain_missing_binary(graphviz.Digraph.unflatten)
    _repr_mimebundle_ = _explain_missing_binary(graphviz.Digraph._repr_mimebundle_)


def draw_graph(*roots: Tensor, **options: Any) -> graphviz.Digraph:
    """The graph of `roots` as a `graphviz.Digraph`; takes the options of `to_dot`.

    Nothing is rendered until the Digraph is displayed, `.render(...)`-ed or `.pipe(...)`-d,
    which needs the `dot` program (Debian package `graphviz`).
    """
    return drawing_of(to_dot(*roots, **options))


def drawing_of(dot: str, format: str = "svg") -> GraphDrawing:
    """A `GraphDrawing` of DOT text written by `to_dot` (a `digraph {...}`)."""
    drawing = GraphDrawing(name="autograd", format=format, encoding="utf-8")
    drawing.body.extend(line + "\n" for line in dot.splitlines()[1:-1])  # everything inside `digraph {...}`
    return drawing
