"""Drawing a model: every module visible, and its input, target and buffers named.

A module whose forward returns its input unchanged (Flatten of an already flat batch, Dropout in
eval mode, Identity) records no op, so it would vanish from the drawing and from the module
count. `every_module_drawn(model)` makes such calls record an `identity` node in their scope.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from ..engine import Function
from ..tensor import Tensor


class Identity(Function):
    """y = a: stands for a module that passed its input through (drawing only); dL/da = G."""

    expr, grad_exprs = "a", ("G",)
    op_name = "identity"

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
