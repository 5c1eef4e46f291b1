"""The entry points of backpropagation: `tensor.backward()` and `al.grad()` (like torch.autograd's),
which check their arguments and hand the traversal to `engine.run_backward`; the gradient hooks'
runner; al.grad's pruning of the graph."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import engine, inplace
from .engine import Function
from .tensor import Tensor


def backward(tensor: Tensor, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Sequence[Tensor] | None = None) -> None:
    """`tensor.backward(...)`: accumulate d(tensor)/d(leaf) into every leaf's `.grad`
    (only into `inputs`' when given)."""
    grads = _as_grad_list([tensor], None if gradient is None else [gradient], "backward()")
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        engine.run_backward([tensor], grads, keep, create_graph)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t, g in zip(inputs, _captured([tensor], grads, keep, create_graph, inputs)):
        if g is not None:
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Gradients of outputs w.r.t. inputs, like `torch.autograd.grad`; `.grad` is not touched."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if isinstance(grad_outputs, Tensor) or (grad_outputs is not None and not isinstance(grad_outputs, (list, tuple))):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad(): input {i} (shape {t.shape}) does not require grad")
    grads = _as_grad_list(outputs, grad_outputs, "grad()")
    keep = create_graph if retain_graph is None else retain_graph
    result = _captured(outputs, grads, keep, create_graph, inputs)
    for i, g in enumerate(result):
        if g is None and not allow_unused:
            raise RuntimeError(f"grad(): input {i} (shape {inputs[i].shape}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
    return tuple(result)


def _captured(outputs: list[Tensor], grads: list[Tensor], keep: bool, create_graph: bool,
              inputs: list[Tensor]) -> list[Tensor | None]:
    """The inputs' gradients, running only the part of the graph that leads to them."""
    needed = nodes_leading_to(inputs, [t.grad_fn for t in outputs if t.grad_fn is not None])
    return engine.run_backward(outputs, grads, keep, create_graph, capture=inputs, needed=needed)


def _as_grad_list(outputs: Sequence[Tensor], grads: Sequence[Any] | None, caller: str) -> list[Tensor]:
    """One gradient Tensor per output, of its shape (1 for a single-element output when none is given)."""
    result = []
    for i, out in enumerate(outputs):
        g = None if grads is None else grads[i]
        if not out._requires_grad:
            raise RuntimeError(f"{caller}: output {i} (shape {out.shape}) does not require grad: no input "
                               "had requires_grad=True, or it was computed under no_grad()")
        data = out.data  # (the array's size, shape and dtype: cheaper than the Tensor's properties, every step)
        if g is None:
            if data.size != 1:
                raise RuntimeError(f"{caller}: output {i} has shape {out.shape}; a gradient can be implied "
                                   "only for a single-element output. Pass gradient= of that shape.")
            # the usual loss: d(loss)/d(loss) = 1 (np.array for a 0-d loss: 0.4 µs against np.ones' 1.3,
            # which is Python; np.ones: cheaper than ones_like)
            g = Tensor._make(np.array(1, data.dtype) if data.ndim == 0 else np.ones(data.shape, data.dtype))
        else:
            if not isinstance(g, Tensor):
                g = Tensor._make(np.asarray(g, dtype=data.dtype))
            if g.shape != data.shape:
                raise RuntimeError(f"{caller}: gradient of shape {g.shape} given for output {i} of shape {out.shape}")
        result.append(g)
    return result


def nodes_leading_to(targets: Sequence[Tensor], starts: Sequence[Function]) -> set[Function]:
    """al.grad's pruning: the nodes reachable backwards from `starts` from which some tensor in
    `targets` is reachable backwards too. Backward runs only those."""
    wanted_nodes = {t.grad_fn for t in targets if t.grad_fn is not None}
    wanted_leaves = {id(t) for t in targets if t.grad_fn is None}
    needed: set[Function] = set()

    def live_parents(node: Function) -> list[Function]:  # a released node has none: reaching it raises later
        return [t.grad_fn for t in node.inputs or () if t.grad_fn is not None]
    for node in topological_order(starts, live_parents):  # parents first, so `needed` is complete for them
        if node in wanted_nodes or any((t.grad_fn in needed) if t.grad_fn is not None else (id(t) in wanted_leaves)
                                       for t in node.inputs or ()):
            needed.add(node)
    return needed


def topological_order(roots: Sequence[Any], parents: Callable[[Any], Any]) -> list[Any]:
    """Everything reachable from roots through `parents`, each item after all of its parents
    (an iterative post-order walk: graph depth is unbounded)."""
    order: list[Any] = []
    visited: set[Any] = set()
    stack: list[tuple[Any, bool]] = [(r, False) for r in roots]
    while stack:
        item, expanded = stack.pop()
        if expanded:
            order.append(item)
        elif item not in visited:
            visited.add(item)
            stack.append((item, True))
            stack.extend((p, False) for p in parents(item) if p not in visited)
    return order


def run_hook(hook: Callable, g: Tensor) -> Tensor:
    """g after a gradient hook: its result if it returned one, checked to be a gradient of g's kind."""
    result = hook(g)
    if result is None:
        return g
    name = repr(getattr(hook, "__qualname__", None) or hook)
    if not isinstance(result, Tensor):
        raise TypeError(f"hook {name} returned {type(result).__name__}; a gradient hook must "
                        "return a Tensor (e.g. al.tensor(value)) or None")
    if result.shape != g.shape or result.dtype != g.dtype:
        raise RuntimeError(f"hook {name} returned a gradient of shape {result.shape}, dtype "
                           f"{result.dtype}; expected shape {g.shape}, dtype {g.dtype} (the gradient it was given)")
    return result


def leaf_hooks(leaf: Tensor, g: Tensor) -> Tensor:
    """g after the leaf's gradient hooks, in the order they were registered."""
    for hook in leaf._hooks or ():
        g = run_hook(hook, g)
    return g


def refuse(node: Function) -> None:
    """Raise the clear error for a node whose saved values can't be used."""
    if node.inputs is None:
        raise RuntimeError(
            f"backward through {node.name} a second time: its saved values were freed by the "
            "first backward(). Pass retain_graph=True to the first call to backward twice.")
    for i in inplace.modified_inputs(node):
        raise RuntimeError(
            f"{node.name}: input {i} (shape {node.inputs[i].shape}) was modified in place after it was used; "
            "its gradient would be wrong. Modify a clone() instead.")
    raise RuntimeError(f"{node.name} does not support higher-order gradients (create_graph=True)")


def refuse_non_tensors(fn: Function, inputs: tuple[Any, ...]) -> None:
    """An op applied to something other than Tensors (e.g. a NumPy array) is a one-line TypeError."""
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn.op_name}: input {i} must be a Tensor, not {type(t).__module__}.{type(t).__name__}"
                            " (wrap it with al.tensor(...) or al.from_numpy(...))")
