"""In-place forms (`exp_`, `pow_`, `copy_`, `normal_`, ...) of ops declared without one.

Each is `inplace.write(t, name, op, ...)`: the op's result written into t's memory, with PyTorch's
rules (autograd_lite/inplace.py): an error on a leaf that requires grad outside `no_grad`; recorded
in the graph otherwise (t's `grad_fn` becomes the op's node); nodes that kept t refuse to backward.
Ops declared with `inplace=True` (add_, sub_, mul_, div_) get the same method from the registry.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Function, OpError
from ..inplace import write
from ..tensor import Tensor
from .elementwise import as_tensor, clamp, exp, neg, pow, relu, sigmoid, tanh
from .registry import register, register_inplace


class Overwrite(Function):
    """a's values replaced by b (broadcast to a's shape, cast to a's dtype): copy_, normal_, uniform_.

    ∂L/∂a = 0 (the old values are gone), ∂L/∂b = G summed to b's shape."""
    saved = ()
    expr, grad_exprs = "b (written over a)", ("0", "G (summed to b's shape)")

    def forward(self, a, b):
        return np.broadcast_to(b, a.shape).astype(a.dtype)

    def backward(self, g):
        a, b = self.inputs
        return (g * 0.0 if a.requires_grad else None), (g if b.requires_grad else None)


def _overwrite(a: Tensor, b: Tensor, op: str) -> Tensor:
    try:
        fits = np.broadcast_shapes(b.shape, a.shape) == a.shape
    except ValueError:
        fits = False
    if not fits:
        raise OpError(f"{op}: the source of shape {b.shape} cannot be broadcast to the tensor's shape {a.shape}")
    return Overwrite().apply(a, b)


@register(name="copy_", al=False, method=True)
def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Write src (broadcast to self's shape, cast to self's dtype) into self; returns self.
    ∂L/∂src = G summed to src's shape; the old values get no gradient."""
    return write(self, "copy_", _overwrite, as_tensor(src), "copy_")


# The in-place forms of ops declared without one (the op's gradient, at the old values).
exp_ = register_inplace(exp, method=True)
neg_ = register_inplace(neg, method=True)
pow_ = register_inplace(pow, al=False, method=True, dunders=("__ipow__",))  # also `t **= exponent`
clamp_ = register_inplace(clamp, method=True, aliases=("clip_",))
relu_ = register_inplace(relu, method=True, F=True, layer=True)  # nn.ReLU(inplace=True)
sigmoid_ = register_inplace(sigmoid, method=True)
tanh_ = register_inplace(tanh, method=True)


@register(name="fill_", method=True)
def fill_(input: Tensor, value: Any) -> Tensor:
    """Write value (a number, or a one-element tensor, which gets the gradient) into every element; returns input.
    ∂L/∂value = ΣG; the old values get no gradient."""
    v = as_tensor(value)
    if v.numel() != 1:
        raise OpError(f"fill_: the value must be a number or a one-element tensor, got shape {v.shape}")
    return write(input, "fill_", _overwrite, v.reshape(()), "fill_")


@register(name="zero_", method=True)
def zero_(input: Tensor) -> Tensor:
    """Write 0 into every element; returns input. The old values get no gradient."""
    return write(input, "zero_", _overwrite, Tensor._make(np.zeros((), input.dtype)), "zero_")


def _float_target(t: Tensor, op: str) -> None:
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: sampling needs a floating-point tensor, this one is {t.dtype}")


@register(name="normal_", al=False, method=True)
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill self with samples of N(mean, std²) drawn from `generator` (al.random's global stream when None);
    returns self. No gradient flows to the old values (sampling is not differentiable)."""
    from ..random import numpy_rng
    _float_target(self, "normal_")
    if not std >= 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    draw = numpy_rng(generator, "normal_").standard_normal(self.shape) * std + mean
    return write(self, "normal_", _overwrite, Tensor._make(draw.astype(self.dtype, copy=False)), "normal_")


@register(name="uniform_", al=False, method=True)
def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None, **bounds: float) -> Tensor:
    """Fill self with samples uniform on [a, b) (PyTorch's keywords `from`/`to` are accepted too) drawn from
    `generator` (al.random's global stream when None); returns self. No gradient flows to the old values."""
    from ..random import numpy_rng
    unknown = set(bounds) - {"from", "to"}
    if unknown:
        raise TypeError(f"uniform_: unexpected keyword arguments {sorted(unknown)}")
    a, b = bounds.get("from", a), bounds.get("to", b)
    _float_target(self, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expects a [from, to) range with from <= to, got from={a} > to={b}")
    draw = numpy_rng(generator, "uniform_").uniform(a, b, self.shape)
    return write(self, "uniform_", _overwrite, Tensor._make(draw.astype(self.dtype, copy=False)), "uniform_")
