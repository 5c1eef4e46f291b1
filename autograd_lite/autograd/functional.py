"""Whole derivatives of functions, like `torch.autograd.functional`:
`vjp jvp jacobian hessian vhp hvp`, with PyTorch's signatures and return structure.

Every one is built from reverse passes (`grad`); `jvp` and `hvp` use the double-backward
trick (PyTorch's too): for u ↦ Jᵀu, the gradient of <Jᵀu, v> w.r.t. u is J·v.
Results are detached unless create_graph=True, in which case they stay linked to the
caller's inputs and can be differentiated again. `strict=True` raises where the output
does not depend on an input (instead of returning zeros); `vectorize` is accepted and ignored.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..grad_mode import enable_grad
from ..tensor import Tensor
from .backprop import grad


def _as_tuple(value: Any, arg: str, fn: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether value was a lone Tensor, value as a tuple of Tensors), PyTorch's check and message."""
    single = isinstance(value, Tensor)
    items = (value,) if single else tuple(value) if isinstance(value, (tuple, list)) else None
    if items is None or not all(isinstance(t, Tensor) for t in items):
        raise TypeError(f"The {arg} given to {fn} must be either a Tensor or a tuple of Tensors but the value "
                        f"given was of type {type(value).__name__}")
    return single, items


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """Inputs to differentiate: linked to the caller's (create_graph) or fresh detached leaves."""
    if create_graph:
        return tuple(x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True) for x in inputs)
    return tuple(x.detach().requires_grad_(True) for x in inputs)


def _finish(values: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    return tuple(v if v is None or create_graph else v.detach() for v in values)


def _zeros_for_unused(grads: tuple[Tensor | None, ...], like: tuple[Tensor, ...], strict: bool, fn: str,
                      what: str) -> tuple[Tensor, ...]:
    out = []
    for i, (g, x) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                   f"This is not allowed in strict mode ({fn}, {what}).")
            g = Tensor._make(np.zeros(x.shape, x.dtype))
        out.append(g)
    return tuple(out)


def _call(func: Callable[..., Any], xs: tuple[Tensor, ...], fn: str) -> tuple[bool, tuple[Tensor, ...]]:
    with enable_grad():
        out = func(*xs)
    return _as_tuple(out, "outputs of the user-provided function", fn)


def _check_v(v: Any, like: tuple[Tensor, ...], fn: str, what: str, single_like: bool) -> tuple[Tensor, ...]:
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"{fn}: the vector v can only be None if the {what} is a single Tensor with a "
                               "single element")
        return (Tensor._make(np.ones(like[0].shape, like[0].dtype)),)
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn}: v has {len(vs)} Tensors but the {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"{fn}: mismatch in shape: entry {i} in v has shape {a.shape} but the {what} "
                               f"has shape {b.shape}")
    return vs


def _vector_product(outs: Any, wrt: tuple[Tensor, ...], vs: Any, create_graph: bool) -> tuple[Tensor | None, ...]:
    """Σ_k vs[k]ᵀ·∂outs[k]/∂wrt (one reverse pass); None for an input nothing depends on."""
    used = [(o, v) for o, v in zip(outs, vs) if o is not None and o.requires_grad]
    if not used:
        return (None,) * len(wrt)
    with enable_grad():
        return grad([o for o, _ in used], wrt, [v for _, v in used], retain_graph=True, create_graph=create_graph,
                    allow_unused=True)


def _forward_product(outs: Any, xs: tuple[Tensor, ...], vs: tuple[Tensor, ...], create_graph: bool
                     ) -> tuple[Tensor | None, ...]:
    """J·v by the double-backward trick: u ↦ Jᵀu is linear in a dummy u, and its gradient along v is J·v."""
    us = tuple(Tensor._make(np.zeros(o.shape, o.dtype)).requires_grad_(True) for o in outs)
    return _vector_product(_vector_product(outs, xs, us, True), us, vs, create_graph)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), vᵀ·J): v has the outputs' shapes, the result the inputs' shapes."""
    single_in, xs = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare(xs, create_graph)
    single_out, outs = _call(func, xs, "vjp")
    vs = _check_v(v, outs, "vjp", "output of the user-provided function", single_out)
    gs = _finish(_zeros_for_unused(_vector_product(outs, xs, vs, create_graph), xs, strict, "vjp", "vjp"),
                 create_graph)
    outs = _finish(outs, create_graph)
    return (outs[0] if single_out else outs), (gs[0] if single_in else gs)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J·v): v has the inputs' shapes, the result the outputs' shapes."""
    single_in, xs = _as_tuple(inputs, "inputs", "jvp")
    vs = _check_v(v, xs, "jvp", "input", single_in)
    xs = _prepare(xs, create_graph)
    single_out, outs = _call(func, xs, "jvp")
    jv = _finish(_zeros_for_unused(_forward_product(outs, xs, vs, create_graph), outs, strict, "jvp", "jvp"),
                 create_graph)
    outs = _finish(outs, create_graph)
    return (outs[0] if single_out else outs), (jv[0] if single_out else jv)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """∂func/∂inputs, one reverse pass per output element: output shape O and input shape I give O + I.

    A lone Tensor in and out gives a Tensor; a tuple of inputs a tuple (one per input);
    a tuple of outputs a tuple over outputs (of tuples, for tuple inputs).
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: expected strategy to be 'reverse-mode' or 'forward-mode', got {strategy!r}")
    single_in, xs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare(xs, create_graph)
    single_out, outs = _call(func, xs, "jacobian")
    from ..ops import stack
    result = []
    for j, y in enumerate(outs):
        rows: list[list[Tensor]] = [[] for _ in xs]
        for k in range(y.numel()):
            onehot = np.zeros(y.numel(), dtype=y.dtype)
            onehot[k] = 1
            gs = _vector_product((y,), xs, (Tensor._make(onehot.reshape(y.shape)),), create_graph)
            gs = _zeros_for_unused(gs, xs, strict, "jacobian", f"output {j}")
            for i, g in enumerate(gs):
                rows[i].append(g)
        per_input = tuple(stack(r).reshape(y.shape + x.shape) if r else Tensor._make(np.zeros(y.shape + x.shape,
                                                                                               x.dtype))
                          for r, x in zip(rows, xs))
        result.append(_finish(per_input, create_graph))
    result = [r[0] if single_in else r for r in result]
    return result[0] if single_out else tuple(result)


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """Second derivatives of a scalar func: shape I + I for one input; a tuple of tuples (i, j) for several."""
    single_in, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*args: Tensor) -> Any:
        _, gs = _scalar_gradient(func, args, "hessian")
        gs = _zeros_for_unused(gs, args, strict, "hessian", "gradient")
        return gs[0] if single_in else gs

    return jacobian(gradient, xs[0] if single_in else xs, create_graph=create_graph, strict=strict)


def _scalar_gradient(func: Callable[..., Any], xs: tuple[Tensor, ...], fn: str) -> tuple[Tensor, Any]:
    """(func(xs), ∂func/∂xs recorded): func must return one single-element Tensor."""
    single_out, outs = _call(func, xs, fn)
    if not single_out or outs[0].numel() != 1:
        raise RuntimeError(f"{fn}: the function given to {fn} should return a single Tensor with a single element")
    ones = (Tensor._make(np.ones(outs[0].shape, outs[0].dtype)),)
    return outs[0], _vector_product(outs, xs, ones, True)


def _hessian_product(fn: str, func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool,
                     strict: bool) -> tuple[Any, Any]:
    """(func(inputs), vᵀ·H) for vhp, or H·v by the double-backward trick for hvp."""
    single_in, xs = _as_tuple(inputs, "inputs", fn)
    vs = _check_v(v, xs, fn, "input", single_in)
    xs = _prepare(xs, create_graph)
    out, gs = _scalar_gradient(func, xs, fn)
    product = _vector_product if fn == "vhp" else _forward_product
    hv = _finish(_zeros_for_unused(product(gs, xs, vs, create_graph), xs, strict, fn, fn), create_graph)
    return _finish((out,), create_graph)[0], (hv[0] if single_in else hv)


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), vᵀ·H) for a scalar func; v and the result have the inputs' shapes."""
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), H·v) for a scalar func, by the double-backward trick; equal to vhp for a
    twice continuously differentiable func (H is symmetric)."""
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)
