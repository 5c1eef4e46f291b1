"""`nn.utils`: gradient clipping and flattening parameters into one vector, like `torch.nn.utils`."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ..grad_mode import no_grad
from ..ops import cat
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _params(parameters: Tensor | Iterable[Tensor], fn: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: expected Tensors (parameters), got {type(p).__name__} at position {i}")
    return params


def _number(fn: str, name: str, value: Any) -> float:
    """A finite number >= 0: a NaN or negative limit would silently write NaN or flipped gradients."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: {name} must be a number, got {value!r}") from None
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{fn}: {name} must be a finite number >= 0, got {value!r}")
    return number


def _set_grad(p: Tensor, values: np.ndarray) -> None:
    """Write new gradient values into p.grad, the same Tensor object (a new array: .grad may be read-only)."""
    p.grad.data = values.astype(p.grad.dtype, copy=False)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so their total norm (of the per-parameter norms) is at most max_norm.

    coef = max_norm / (total_norm + 1e-6), applied when below 1. Returns the total norm before
    clipping (0-d). Parameters without .grad are skipped. A non-finite total with
    error_if_nonfinite=True raises before any gradient changes.
    """
    params = [p for p in _params(parameters, "clip_grad_norm_") if p.grad is not None]
    max_norm, norm_type = _number("clip_grad_norm_", "max_norm", max_norm), float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive (or inf), got {norm_type}")
    if not params:
        return Tensor(0.0)
    grads = [p.grad.data for p in params]
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        norms = [np.linalg.norm(g.reshape(-1), ord=norm_type) if g.size else 0.0 for g in grads]
        total = float(np.linalg.norm(np.asarray(norms, dtype=np.float64), ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and scale the gradients "
                           "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = min(max_norm / (total + 1e-6), 1.0)
    with no_grad():
        for p in params:
            _set_grad(p, p.grad.data * coef)
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value]."""
    clip_value = _number("clip_grad_value_", "clip_value", clip_value)
    params = [p for p in _params(parameters, "clip_grad_value_") if p.grad is not None]
    with no_grad():
        for p in params:
            _set_grad(p, np.clip(p.grad.data, -clip_value, clip_value))


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    params = _params(parameters, "parameters_to_vector")
    if not params:
        raise RuntimeError("parameters_to_vector: got no parameters")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D vec into the parameters' data (the inverse of parameters_to_vector).

    The length is checked before anything is written.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got {type(vec).__name__}")
    params = _params(parameters, "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(f"vector_to_parameters: vec of shape {vec.shape} does not hold the {total} values of "
                         f"the {len(params)} parameters")
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.data = vec.data[offset:offset + n].reshape(p.shape).astype(p.dtype, copy=True)
            p._version += 1
            offset += n
