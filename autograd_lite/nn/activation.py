"""Activation layers and `Dropout`.

The activation layers are generated from the op registry: an op declared with
`module="Softplus"` (ops/activation.py) becomes `nn.Softplus(beta=1.0, threshold=20.0)`,
whose constructor takes the op's keyword arguments and whose forward is
`F.softplus(x, beta=..., threshold=...)` (see `registry.module_classes`).
"""
from __future__ import annotations

import inspect
from typing import Any

from ..ops import registry as _registry
from ..tensor import Tensor
from . import functional as F
from .module import Module

# PyTorch's activation layers that take an `inplace` flag (last argument, default False).
_INPLACE_LAYERS = {"ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "SiLU", "Mish", "Hardtanh", "Hardswish",
                   "Hardsigmoid", "Threshold", "RReLU"}


def _accepting_inplace(cls: type) -> type:
    """`cls` with PyTorch's `inplace=False` argument (keyword or last positional, as `nn.ReLU(True)`).
    The result is the same either way; it is computed out of place, so the input is not overwritten."""
    n_args = len(inspect.signature(cls.__init__).parameters) - 1  # after self

    def __init__(self: Any, *args: Any, inplace: bool = False, **kwargs: Any) -> None:
        if len(args) > n_args:
            *args, inplace = args
        cls.__init__(self, *args, **kwargs)
        self.inplace = bool(inplace)

    def extra_repr(self: Any) -> str:  # PyTorch's repr: ReLU(inplace=True)
        return ", ".join(part for part in (cls.extra_repr(self), "inplace=True" if self.inplace else "") if part)

    sig = inspect.signature(cls.__init__)
    flag = inspect.Parameter("inplace", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=False, annotation=bool)
    __init__.__signature__ = sig.replace(parameters=[*sig.parameters.values(), flag])  # type: ignore[attr-defined]
    return type(cls.__name__, (cls,), {"__init__": __init__, "extra_repr": extra_repr, "__doc__": cls.__doc__,
                                       "__module__": __name__})


_wrapped: dict[type, type] = {}  # one wrapper per class, so aliases stay one class (nn.Swish is nn.SiLU)
for _name, _cls in _registry.module_classes(Module).items():
    if _cls.__name__ in _INPLACE_LAYERS and _cls not in _wrapped:
        _wrapped[_cls] = _accepting_inplace(_cls)
    globals()[_name] = _wrapped.get(_cls, _cls)


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1/(1−p); identity in eval()."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        """p: the probability of zeroing; inplace is accepted as in PyTorch (computed out of place)."""
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p is the probability of zeroing and must be in [0, 1], got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


__all__ = [*sorted(_registry.module_classes(Module)), "Dropout"]
