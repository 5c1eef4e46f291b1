"""Whole derivatives of functions: `jacobian` and `hessian`, like torch.autograd.functional."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .backprop import grad
from .engine import enable_grad
from .tensor import Tensor


def _as_inputs(inputs: Any) -> tuple[tuple[Tensor, ...], bool]:
    single = isinstance(inputs, Tensor)
    items = (inputs,) if single else tuple(inputs)
    return tuple(t.detach().requires_grad_(True) for t in items), single


def jacobian(func: Callable[..., Tensor], inputs: Any, create_graph: bool = False) -> Any:
    """d `func(*inputs)` / d inputs: for output shape O and input shape I, a tensor of shape O + I.

    One input and one output give a Tensor; several inputs give a tuple (one per input),
    several outputs a tuple of those.
    """
    xs, single_in = _as_inputs(inputs)
    if create_graph:  # keep the link to the caller's tensors so the jacobian can be differentiated
        xs = (inputs,) if single_in else tuple(inputs)
    with enable_grad():
        out = func(*xs)
    outs, single_out = ((out,), True) if isinstance(out, Tensor) else (tuple(out), False)
    result = []
    for y in outs:
        rows = [[] for _ in xs]
        for k in range(y.numel()):
            onehot = np.zeros(y.numel(), dtype=y.dtype)
            onehot[k] = 1
            gs = grad(y, xs, Tensor._make(onehot.reshape(y.shape)), retain_graph=True,
                      create_graph=create_graph, allow_unused=True)
            for i, (g, x) in enumerate(zip(gs, xs)):
                rows[i].append(g if g is not None else Tensor._make(np.zeros(x.shape, x.dtype)))
        from .ops import stack
        per_input = tuple(stack(r).reshape(y.shape + x.shape) if r else Tensor._make(np.zeros(y.shape + x.shape))
                          for r, x in zip(rows, xs))
        result.append(per_input[0] if single_in else per_input)
    return result[0] if single_out else tuple(result)


def hessian(func: Callable[..., Tensor], inputs: Any, create_graph: bool = False) -> Any:
    """Second derivatives of a scalar func: shape I + I for one input; a nested tuple for several."""
    xs, single_in = _as_inputs(inputs)

    def gradient(*args: Tensor) -> Any:
        out = func(*args)
        if out.numel() != 1:
            raise RuntimeError(f"hessian: the function must return a single-element tensor, got shape {out.shape}")
        gs = grad(out, args, create_graph=True, allow_unused=True)
        gs = tuple(g if g is not None else a * 0.0 for g, a in zip(gs, args))
        return gs[0] if single_in else gs

    return jacobian(gradient, xs[0] if single_in else xs, create_graph=create_graph)


def vjp(func: Callable[..., Tensor], inputs: Any, v: Any = None) -> tuple[Tensor, Any]:
    """Vector-Jacobian product: `(func(*inputs), vᵀ J)`, where J = d func / d inputs.

    `v` has the output's shape (it may be omitted for a single-element output); the product has
    each input's shape: a Tensor for one input, a tuple for several. The output is detached.
    """
    xs, single_in = _as_inputs(inputs)
    with enable_grad():
        out = func(*xs)
    gs = grad(out, xs, v, allow_unused=True)
    return out.detach(), gs[0] if single_in else gs
