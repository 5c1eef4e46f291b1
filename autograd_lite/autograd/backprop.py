"""`grad` and `backward` with `torch.autograd`'s signatures, on the engine's reverse pass."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import backprop
from ..grad_mode import enable_grad
from ..tensor import Tensor


def _tensors(value: Any, what: str) -> list[Tensor]:
    items = [value] if isinstance(value, Tensor) else list(value)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd: {what} {i} is a {type(t).__name__}, expected a Tensor")
    return items


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """Gradients of outputs w.r.t. inputs (Σ_k grad_outputs[k]·∂outputs[k]/∂inputs), like torch.autograd.grad.

    Returns one Tensor per input and leaves every `.grad` alone. An input the outputs do
    not depend on raises, unless allow_unused=True (None for it) or materialize_grads=True (zeros).
    """
    if is_grads_batched:
        raise NotImplementedError("autograd.grad: is_grads_batched=True is not supported; loop over the "
                                  "grad_outputs (or use autograd.functional.jacobian)")
    inputs = _tensors(inputs, "input")
    allow = materialize_grads if allow_unused is None else allow_unused
    if materialize_grads and allow_unused is False:
        raise ValueError("autograd.grad: materialize_grads=True needs allow_unused to be None or True")
    result = backprop.grad(outputs, inputs, grad_outputs, retain_graph=retain_graph, create_graph=create_graph,
                         allow_unused=allow)
    if materialize_grads:
        result = tuple(Tensor._make(np.zeros(x.shape, x.dtype)) if g is None else g for g, x in zip(result, inputs))
    return result


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """Accumulate Σ_k ∂(tensors[k]·grad_tensors[k])/∂leaf into every leaf's `.grad`, like torch.autograd.backward."""
    tensors = _tensors(tensors, "tensor")
    grads = grad_tensors if grad_tensors is not None else grad_variables
    if grads is None or isinstance(grads, Tensor):
        grads = [grads] * len(tensors) if grads is None else [grads]
    grads = list(grads)
    if len(grads) != len(tensors):
        raise RuntimeError(f"autograd.backward: got {len(tensors)} tensors and {len(grads)} gradients")
    if len(tensors) == 1:
        tensors[0].backward(grads[0], retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
        return
    with enable_grad():  # several roots: one scalar root Σ_k <tensor_k, grad_k>, so shared nodes run once
        total = None
        for i, (t, g) in enumerate(zip(tensors, grads)):
            if not t.requires_grad:
                raise RuntimeError(f"autograd.backward: tensor {i} (shape {t.shape}) does not require grad")
            if g is None:
                if t.numel() != 1:
                    raise RuntimeError(f"autograd.backward: grad can be implicitly created only for scalar "
                                       f"outputs; tensor {i} has shape {t.shape}")
                term = t.sum()
            else:
                g = g if isinstance(g, Tensor) else Tensor(np.asarray(g, dtype=t.dtype))
                if g.shape != t.shape:
                    raise RuntimeError(f"autograd.backward: gradient of shape {g.shape} given for tensor {i} "
                                       f"of shape {t.shape}")
                term = (t * (g if create_graph else g.detach())).sum()
            total = term if total is None else total + term
    total.backward(retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:
    """PyTorch's deprecated wrapper, kept so old tutorials run: a Tensor sharing data's memory
    (a copy for non-Tensor data) with requires_grad set. Tensors need no wrapper."""
    t = data.detach() if isinstance(data, Tensor) else Tensor(data)
    return t.requires_grad_(requires_grad) if requires_grad else t
