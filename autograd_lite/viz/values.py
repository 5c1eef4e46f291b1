"""The values and gradients a drawing shows on its tensor nodes.

Every tensor node (input, parameter, intermediate, output) shows its gradient after backward,
without a `retain_grad()` on each:

- while the graph is alive (before `backward()`, or after `backward(retain_graph=True)`), the
  drawing computes every node's gradient itself with `al.grad` (nothing's `.grad` changes), so
  parameters show the gradient of the drawn step, not an earlier one;
- after a plain `backward()` the graph's saved values are freed; the one line
  `al.viz.record_grads(loss).backward()` (instead of `loss.backward()`) records every node's
  value and gradient during that backward, for drawing afterwards.
"""
from __future__ import annotations

import weakref
from typing import Any, Sequence

import numpy as np

from ..engine import Function
from ..tensor import Tensor
from .graph import Graph


class _Record:
    """What record_grads keeps for one op's output (or one leaf): its value and latest gradient."""

    __slots__ = ("data", "grad", "consts")

    def __init__(self, data: np.ndarray | None) -> None:
        self.data, self.grad = data, None
        self.consts: dict[int, np.ndarray] = {}  # constant inputs' values, by position


# by id, with a weak link: a record lives as long as its node (or leaf) does. (Not a
# WeakKeyDictionary: it compares keys with ==, which is elementwise for tensors.)
_RECORDS: dict[int, tuple[weakref.ref, _Record]] = {}


def recorded(obj: Any) -> _Record | None:
    """The record of a node (Function) or leaf tensor, if record_grads saw it."""
    entry = _RECORDS.get(id(obj))
    return entry[1] if entry is not None and entry[0]() is obj else None


def _new_record(obj: Any, data: np.ndarray | None) -> _Record:
    key = id(obj)
    rec = _Record(data)
    _RECORDS[key] = (weakref.ref(obj, lambda _: _RECORDS.pop(key, None)), rec)
    return rec


def _keep(rec: _Record) -> Any:
    def hook(g: Tensor) -> None:
        rec.grad = g.data  # the gradient of this backward only (not accumulated across steps)
    return hook


def record_grads(*roots: Tensor) -> Tensor:
    """Record the value and gradient of every tensor in the graph of `roots` during the next
    backward, so drawings made after it show them on every node; returns `roots[0]`:

        al.viz.record_grads(loss).backward()   # instead of loss.backward()
        al.viz.draw_graph(loss, backward=True)
    """
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError("record_grads: give the output tensor(s) whose graph to record, e.g. record_grads(loss)")
    stack: list[tuple[Function, Tensor]] = []
    for r in roots:
        if r.grad_fn is not None:
            stack.append((r.grad_fn, r))
        elif r.requires_grad:
            _hook_leaf(r)
    seen: set[int] = set()
    while stack:
        fn, out = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if fn.inputs is None:
            raise RuntimeError(f"record_grads: {fn.name} was already released by backward(); "
                               "call record_grads(loss) before loss.backward()")
        rec = recorded(fn)
        if rec is None:
            rec = _new_record(fn, out.data)
            hooks = fn.__dict__.setdefault("hooks", [])
            if isinstance(hooks, tuple):
                hooks = fn.hooks = list(hooks)
            hooks.append(_keep(rec))
        for i, t in enumerate(fn.inputs):
            if t.grad_fn is not None:
                stack.append((t.grad_fn, t))
            elif t.requires_grad:
                _hook_leaf(t)
            else:
                rec.consts[i] = t.data
    return roots[0]



def _hook_leaf(t: Tensor) -> None:
    if recorded(t) is None:
        t.register_hook(_keep(_new_record(t, None)))


def _is_live(graph: Graph) -> bool:
    return all(n.fn.inputs is not None for n in graph.nodes.values() if n.kind == "op")


def attach(graph: Graph, roots: Sequence[Tensor], grads: bool | None, backward_view: bool) -> bool:
    """Set `data` and `grad` (arrays) on the graph's tensor nodes; returns whether the gradients
    were computed here (of the sum of the roots' elements when a root has several)."""
    for node in graph.nodes.values():
        if not node.is_tensor:
            continue
        if node.tensor is not None:
            node.data = node.tensor.data
        elif node.kind == "tensor" and node.fn is not None:
            rec = recorded(node.fn)
            node.data = rec.data if rec is not None else None
    _constants_from_records(graph)
    leaves = [n for n in graph.nodes.values() if n.kind in ("input", "parameter")]
    if grads is None:
        grads = backward_view or any(n.tensor is not None and n.tensor.grad is not None for n in leaves)
    if grads and _is_live(graph) and all(r.requires_grad for r in roots):
        if _compute(graph, roots):
            return True
    ran_backward = False
    for node in graph.nodes.values():
        if not node.is_tensor or node.kind == "constant":
            continue
        rec = recorded(node.fn if node.kind == "tensor" else node.tensor)
        if rec is not None and rec.grad is not None:
            node.grad = rec.grad
        elif node.tensor is not None and node.tensor.grad is not None:
            node.grad = node.tensor.grad.data
        ran_backward = ran_backward or (node.grad is not None and node.kind != "tensor")
    for key in graph.roots:  # backward() of a one-element output starts from gradient 1
        node = graph.nodes[key]
        if node.grad is None and ran_backward and node.kind == "tensor" and node.shape is not None \
                and int(np.prod(node.shape)) == 1:
            node.grad = np.ones(node.shape, dtype=node.dtype)
    return False


def _constants_from_records(graph: Graph) -> None:
    """Constants nobody holds any more: their values from record_grads, if it ran."""
    for e in graph.edges:
        node = graph.nodes[e.src]
        if node.kind == "constant" and node.data is None and e.arg is not None:
            rec = recorded(graph.nodes[e.dst].fn)
            if rec is not None:
                node.data = rec.consts.get(e.arg)


def _compute(graph: Graph, roots: Sequence[Tensor]) -> bool:
    """Every node's gradient of Σ roots, from the live graph, without touching any `.grad`."""
    from ..backprop import grad
    targets: list[tuple[str, Tensor]] = []
    for key, node in graph.nodes.items():
        t = node.tensor
        if t is not None and t.requires_grad and node.kind != "constant":
            targets.append((key, t))
    if not targets:
        return False
    ones = [np.ones(r.shape, dtype=r.dtype) for r in roots]
    try:
        found = grad(list(roots), [t for _, t in targets], grad_outputs=ones, retain_graph=True, allow_unused=True)
    except RuntimeError:  # e.g. a node that cannot run backward: show what backward() left instead
        return False
    for (key, _), g in zip(targets, found):
        graph.nodes[key].grad = g.data if g is not None else None
    return True
