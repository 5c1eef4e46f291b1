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
from .module import Module, Parameter

# PyTorch's activation layers that take an `inplace` flag (last argument, default False). The registry
# gives it to layers whose op has an in-place form (nn.ReLU(inplace=True) calls relu_); the others
# accept it here and compute out of place: the same result, the input left as it was.
_INPLACE_LAYERS = {"ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "SiLU", "Mish", "Hardtanh", "Hardswish",
                   "Hardsigmoid", "Threshold", "RReLU"}


def _accepting_inplace(cls: type) -> type:
    """`cls` with PyTorch's `inplace=False` argument (keyword or last positional, as `nn.LeakyReLU(0.2, True)`),
    computed out of place."""
    sig = inspect.signature(cls.__init__)
    n_args = len(sig.parameters) - 1  # after self

    def __init__(self: Any, *args: Any, inplace: bool = False, **kwargs: Any) -> None:
        if len(args) > n_args:
            *args, inplace = args
        cls.__init__(self, *args, **kwargs)
        self.inplace = bool(inplace)

    def extra_repr(self: Any) -> str:
        """The arguments as the repr shows them, PyTorch's way: `negative_slope=0.2, inplace=True`."""
        return ", ".join(part for part in (cls.extra_repr(self), "inplace=True" if self.inplace else "") if part)

    flag = inspect.Parameter("inplace", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=False, annotation=bool)
    __init__.__signature__ = sig.replace(parameters=[*sig.parameters.values(), flag])  # type: ignore[attr-defined]
    return type(cls.__name__, (cls,), {"__init__": __init__, "extra_repr": extra_repr, "__doc__": cls.__doc__,
                                       "__module__": __name__})


_wrapped: dict[type, type] = {}  # one wrapper per class, so aliases stay one class (nn.Swish is nn.SiLU)
for _name, _cls in _registry.module_classes(Module).items():
    if (_cls.__name__ in _INPLACE_LAYERS and "inplace" not in inspect.signature(_cls.__init__).parameters
            and _cls not in _wrapped):
        _wrapped[_cls] = _accepting_inplace(_cls)
    globals()[_name] = _wrapped.get(_cls, _cls)


def _lambd_repr(self: Any) -> str:
    """`0.5`: lambd, as PyTorch's repr shows it (no name)."""
    return str(self.lambd)


for _name in ("Softshrink", "Hardshrink"):
    globals()[_name].extra_repr = _lambd_repr


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
        """x → x of the same shape: in training each element is zeroed with probability p and the rest are
        scaled by 1/(1 − p); in eval() x itself. Gradient: G times the same mask and scale.
        """
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        """`p=0.5`: the argument, as the repr shows it."""
        return f"p={self.p}"


class PReLU(Module):
    """x for x > 0, a·x otherwise, with a learnable slope a: one shared (num_parameters=1) or one per
    channel (num_parameters=C, dim 1 of the input), each starting at init, as in PyTorch."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        """num_parameters: 1 or the input's channels; init: the slopes' first value; device: CPU only."""
        super().__init__()
        from .. import creation
        if not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.full((num_parameters,), float(init), dtype=dtype, device=device))

    def forward(self, x: Tensor) -> Tensor:
        """x (N, C, ...) or any shape with num_parameters=1 → the same shape.
        Gradients: ∂L/∂x = G ⊙ (x > 0 ? 1 : a), ∂L/∂a = Σ G ⊙ x over the elements x ≤ 0 of a's channel."""
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        """`num_parameters=1`: the argument, as the repr shows it."""
        return f"num_parameters={self.num_parameters}"


__all__ = [*sorted(_registry.module_classes(Module)), "Dropout", "PReLU"]
