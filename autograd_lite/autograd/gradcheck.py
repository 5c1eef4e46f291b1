"""`gradcheck` and `gradgradcheck` with `torch.autograd.gradcheck`'s signatures.

Both compare the engine's derivatives with central differences through `al.check`
(float64 copies of the inputs, so the caller's tensors are never perturbed). As in
PyTorch, only the inputs with requires_grad=True are checked, and at least one is required.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from ..check.numeric import GradcheckError, gradcheck as _check_first_order
from ..grad_mode import enable_grad
from ..tensor import Tensor
from .backprop import grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def _inputs(inputs: Any, fn: str) -> tuple[Any, ...]:
    items = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wanted = [i for i, x in enumerate(items) if isinstance(x, Tensor) and x.requires_grad]
    if not wanted:
        raise ValueError(f"{fn} expects at least one input tensor to require gradient, but none of them "
                         "have requires_grad=True.")
    for i in wanted:
        if items[i].dtype != np.float64:
            warnings.warn(f"{fn}: input #{i} requires gradient and is not a double precision floating point "
                          f"({items[i].dtype}); it is checked in a float64 copy", UserWarning, stacklevel=3)
    return items


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """True when every ∂func/∂input (inputs with requires_grad) agrees with central differences:
    `|analytical − numerical| ≤ atol + rtol·|numerical|` everywhere. Otherwise raises GradcheckError
    naming the input and the worst element (or returns False with raise_exception=False).
    The flags PyTorch uses for its other checks are accepted; they change nothing here."""
    items = _inputs(inputs, "gradcheck")
    return _check_first_order(func, items, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """gradcheck of the map inputs ↦ ∂<func(inputs), v>/∂inputs: second derivatives against
    differences of first ones. v is grad_outputs, or random normal of the outputs' shapes (seeded)."""
    items = _inputs(inputs, "gradgradcheck")
    wrt = [i for i, x in enumerate(items) if isinstance(x, Tensor) and x.requires_grad]
    if grad_outputs is None:
        with enable_grad():
            out0 = func(*items)
        outs0 = out0 if isinstance(out0, (tuple, list)) else (out0,)
        rng = np.random.default_rng(0)
        vs = [Tensor._make(rng.standard_normal(o.shape).astype(o.dtype)) for o in outs0]
    else:
        vs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)

    def first_derivatives(*args: Any) -> tuple[Tensor, ...]:
        with enable_grad():
            out = func(*args)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            used = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
            gs = grad([o for o, _ in used], [args[i] for i in wrt], [v for _, v in used], create_graph=True,
                      allow_unused=True) if used else (None,) * len(wrt)
        return tuple(g if g is not None else args[i] * 0.0 for g, i in zip(gs, wrt))

    return _check_first_order(first_derivatives, items, eps=eps, atol=atol, rtol=rtol,
                              raise_exception=raise_exception)
