"""Drawing a model: every module visible, and its input, target and buffers named.

A module whose forward returns its input unchanged (Flatten of an already flat batch, Dropout in
eval mode, Identity) records no op, so it would vanish from the drawing and from the module
count. `every_module_drawn(model)` makes such calls record an `identity` node in their scope.
"""
from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..engine import Function
from ..tensor import Tensor


class Identity(Function):
    """y = a: stands for a module that passed its input through (drawing only); dL/da = G."""

    expr, grad_exprs = "a", ("G",)
    op_name = "identity"
    saved = ()  # backward needs nothing

    def forward(self, a: np.ndarray) -> np.ndarray:
        return a

    def backward(self, g: Tensor) -> Tensor:
        return g


@contextmanager
def every_module_drawn(model: Any) -> Iterator[None]:
    """Within the block, a leaf module of `model` returning its input records an identity op."""
    wrapped = []
    for _, module in model.named_modules():
        if next(iter(module.children()), None) is not None:
            continue

        def forward(*args: Any, _forward: Any = module.forward, **kwargs: Any) -> Any:
            out = _forward(*args, **kwargs)
            if isinstance(out, Tensor) and any(out is a for a in args):
                return Identity().apply(out)
            return out
        object.__setattr__(module, "forward", forward)  # an instance attribute, removed afterwards
        wrapped.append(module)
    try:
        yield
    finally:
        for module in wrapped:
            object.__delattr__(module, "forward")


def model_names(model: Any, inputs: Any = None, target: Any = None) -> dict[str, Any]:
    """{name: tensor} for drawing a model's graph: `input` (input_0, ... for several), `target`,
    and every buffer by its module path (`bn1.running_mean`)."""
    names: dict[str, Any] = {path: buf for path, buf in model.named_buffers() if isinstance(buf, Tensor)}
    if isinstance(inputs, Tensor):
        names["input"] = inputs
    elif isinstance(inputs, (tuple, list)):
        names.update((f"input_{i}", t) for i, t in enumerate(inputs) if isinstance(t, Tensor))
    if isinstance(target, Tensor):
        names["target"] = target
    return names


MAX_SIDE_PT = 1500  # the main job's graph.svg: at most this long on its longest side


def svg_size(svg: bytes | str) -> tuple[float, float]:
    """(width, height) in points of a Graphviz SVG."""
    head = svg[:2000].decode(errors="replace") if isinstance(svg, bytes) else svg[:2000]
    m = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', head)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def draw_model_graph(model: Any, loss_fn: Any, x: Tensor, y: Tensor, folder: str | Path) -> list[str]:
    """Draw loss_fn(model(x), y) (in eval mode: no statistics change) into `folder`: graph.svg
    with every tensor's gradient of this step; past MAX_SIDE_PT on its longest side, graph.svg is
    the graph collapsed to modules (scaled down if still too large) and graph_full.svg the full
    one. Without Graphviz's `dot`: graph.dot. Returns the paths written."""
    from .dot import to_dot
    from .render import drawing_of
    folder = Path(folder)
    was_training = model.training
    model.eval()
    try:
        with every_module_drawn(model):
            loss = loss_fn(model(x), y)
    finally:
        model.train(was_training)
    options = dict(names=model_names(model, x, y), tooltips=False, grads=True)
    full = to_dot(loss, **options)
    if shutil.which("dot") is None:
        (folder / "graph.dot").write_text(full, encoding="utf-8")
        return [str(folder / "graph.dot")]

    def render(text: str) -> bytes:
        return drawing_of(text).pipe(format="svg")

    svg = render(full)
    if max(svg_size(svg)) <= MAX_SIDE_PT:
        (folder / "graph.svg").write_bytes(svg)
        return [str(folder / "graph.svg")]
    (folder / "graph_full.svg").write_bytes(svg)
    title = "collapsed to modules; every op and tensor: graph_full.svg"
    for details in (True, False):  # a long model: one line per module, then scaled down if need be
        collapsed = to_dot(loss, collapse_modules=True, module_details=details, title=title, **options)
        svg = render(collapsed)
        if max(svg_size(svg)) <= MAX_SIDE_PT:
            break
    else:
        inches = MAX_SIDE_PT / 72  # Graphviz scales the drawing down to fit
        svg = render(collapsed.replace("  graph [", f'  graph [size="{inches:.2f},{inches:.2f}", ', 1))
    (folder / "graph.svg").write_bytes(svg)
    return [str(folder / "graph.svg"), str(folder / "graph_full.svg")]
