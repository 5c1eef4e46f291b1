"""The autodiff engine: the `Function` node and reverse-mode traversal (grad mode: grad_mode.py).

A primitive op is a `Function` subclass with a NumPy `forward(*arrays)` and a
`backward(grad)` written in Tensor ops. Applying it records a node whose
`inputs` are the argument Tensors; `run_backward` walks the nodes in reverse
topological order (iteratively: graph depth is unbounded) and accumulates.
With `create_graph=False` the backward runs with recording off (the fast path);
with `create_graph=True` it is recorded like any computation, so it can be
differentiated again.
"""
from __future__ import annotations

import gc
import heapq
import itertools
import sys
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from . import grad_mode as _mode
from .grad_mode import (current_scope, enable_grad, is_grad_enabled, module_scope,  # noqa: F401 (re-exported)
                        no_grad, set_grad_enabled)
from .tensor import Tensor

_new_tensor = object.__new__
_seq = itertools.count()  # every recorded node and every in-place write gets the next number
_last_inplace = -1  # the number of the most recent in-place write anywhere


def note_inplace_write() -> int:
    """Called when a tensor is written in place; returns the write's sequence number."""
    global _last_inplace
    _last_inplace = next(_seq)
    return _last_inplace


class OpError(ValueError):
    """Bad input to an op, with a message that already names the op and the offending values."""


class Function:
    """A primitive op, and once applied, its node in the graph.

    Subclasses define `forward(*arrays) -> ndarray` and
    `backward(g) -> Tensor | tuple[Tensor | None, ...]` (one gradient per input,
    given g = dL/d(output)), plus the formula strings the graph viewer shows:
    `expr` (the forward, inputs named a, b, c, ...) and `grad_exprs` (one
    chain-rule step per input, with G = dL/d(output)).
    """

    expr: str = ""
    grad_exprs: tuple[str, ...] = ()
    differentiable = True  # False: output never requires grad (comparisons, argmax)
    twice_differentiable = True  # False: create_graph through it raises, naming the op

    inputs: tuple[Tensor, ...] | None = None
    released = False
    hooks: tuple = ()  # gradient hooks of the output tensor (a list once one is registered)
    # Attributes holding arrays that backward needs, freed after it. None: find them by scanning.
    saved: tuple[str, ...] | None = None

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Tensor) -> Tensor | tuple[Tensor | None, ...]:
        raise NotImplementedError

    def apply(self, *inputs: Tensor) -> Tensor:
        try:
            out = self.forward(inputs[0].data) if len(inputs) == 1 else self.forward(*[t.data for t in inputs])
        except (ValueError, IndexError, TypeError) as e:
            if isinstance(e, OpError):
                raise
            shapes = ", ".join(str(t.shape) for t in inputs)
            raise type(e)(f"{self.op_name}: {e} (input shapes {shapes})") from None
        result = _new_tensor(Tensor)  # Tensor._make, inlined: this is the hottest line of the library
        result.data = out
        if _mode.enabled and self.differentiable:
            for t in inputs:
                if t._requires_grad:
                    self.inputs = inputs
                    self.seq = next(_seq)  # later than every input's node: a topological order for free
                    self.scope = _mode.scope
                    result.grad_fn, result._requires_grad = self, True
                    return result
        result.grad_fn, result._requires_grad = None, False
        return result

    def output(self) -> Tensor:
        """The op's output inside backward (saved as `self.out` by forward).

        Rebuilt as a fresh tensor pointing at this node rather than kept as a
        reference, which would make a node <-> tensor cycle.
        """
        return Tensor._make(self.out, self if _mode.enabled else None)

    @property
    def name(self) -> str:
        return type(self).__name__ + "Backward"

    @property
    def op_name(self) -> str:
        return type(self).__name__.lower()

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def parents(self) -> list[Any]:
        """Per input: its producing node, the leaf tensor needing grad, or an InputStub."""
        if self.inputs is None:
            return list(self._parents)
        return [t.grad_fn or (t if t._requires_grad else InputStub(t)) for t in self.inputs]

    def release(self) -> None:
        """Free saved arrays after backward; keep the structure (and op parameters) for drawing."""
        inputs = self.inputs
        self._parents = self.parents()
        for t in inputs:  # a weak link to each computed input the user still holds, to draw its value later
            if t.grad_fn is not None and sys.getrefcount(t) > 3:  # 3: `inputs`, `t`, the call's argument
                t.grad_fn.out_ref = weakref.ref(t)
        self.inputs = inputs = None
        self.released = True
        if self.saved is not None:
            for key in self.saved:
                setattr(self, key, None)
            return
        d = self.__dict__
        for key, value in d.items():  # values change, keys don't: safe while iterating
            kind = type(value)
            if kind is np.ndarray or kind is Tensor or (
                    (kind is tuple or kind is list) and value and type(value[0]) in (np.ndarray, Tensor)):
                d[key] = None


class InputStub:
    """A constant input of a released node: its metadata and a weak link to the value."""

    __slots__ = ("ref", "shape", "dtype", "name")

    def __init__(self, t: Tensor) -> None:
        self.ref, self.shape, self.dtype, self.name = weakref.ref(t), t.shape, t.dtype, t.name


def _fit_grad(g: Tensor, like: Tensor, fn: Function) -> Tensor:
    """Reduce a broadcast gradient to the input's exact shape and dtype (the one shared helper)."""
    if g.shape != like.shape:
        try:
            g = g.sum_to_size(like.shape)
        except ValueError:
            i = next(i for i, t in enumerate(fn.inputs) if t is like)
            raise RuntimeError(f"{fn.name} returned a gradient of shape {g.shape} for input {i} "
                               f"of shape {like.shape}") from None
    if g.dtype != like.dtype:
        g = g.astype(like.dtype)
    return g


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


def _live_parent_nodes(node: Function) -> list[Function]:
    # a released node has no live inputs: reaching it raises later
    return [t.grad_fn for t in node.inputs or () if t.grad_fn is not None]


def _modified_inputs(node: Function) -> list[int]:
    """Inputs written in place after the node used them (their saved values are gone)."""
    if node.seq > _last_inplace:  # no in-place write at all since the node was recorded
        return []
    return [i for i, t in enumerate(node.inputs) if t._modified_at > node.seq]


def _refuse(node: Function) -> None:
    """Raise the clear error for a node whose saved values can't be used."""
    if node.released:
        raise RuntimeError(
            f"backward through {node.name} a second time: its saved values were freed by the "
            "first backward(). Pass retain_graph=True to the first call to backward twice.")
    for i in _modified_inputs(node):
        raise RuntimeError(
            f"{node.name}: input {i} (shape {node.inputs[i].shape}) was modified in place after it was used; "
            "its gradient would be wrong. Modify a clone() instead.")
    raise RuntimeError(f"{node.name} does not support higher-order gradients (create_graph=True)")


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: Sequence[Tensor] | None = None) -> list[Tensor | None] | None:
    """Propagate root_grads from roots to the leaves (see `_propagate`).

    Python's cyclic garbage collector is paused meanwhile: backward makes no
    reference cycles, and collections would only re-traverse the (possibly
    huge) graph over and over: 5-10% of a deep graph's backward time.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _propagate(roots, root_grads, retain_graph, create_graph, capture)
    finally:
        if paused:
            gc.enable()


def _propagate(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
               create_graph: bool, capture: Sequence[Tensor] | None) -> list[Tensor | None] | None:
    """Propagate root_grads from roots to the leaves.

    Nodes run in decreasing sequence number (each node is numbered after its
    inputs' nodes), so a node runs once all gradient flowing into it has
    arrived: one pass, no separate topological sort. Without `capture`, the
    gradients accumulate into the `.grad` of every leaf that requires grad;
    with `capture`, those tensors' gradients are returned instead and no
    `.grad` changes (this is `al.grad`).
    """
    node_grads: dict[Function, Tensor] = {}
    leaf_grads: dict[int, list] = {}
    ready: list[tuple[int, Function]] = []  # heap of (−seq, node): the latest node first

    def to_leaf(leaf: Tensor, g: Tensor) -> None:
        entry = leaf_grads.get(id(leaf))
        if entry is None:
            leaf_grads[id(leaf)] = [leaf, g]
        else:
            entry[1] = entry[1] + g

    for t, g in zip(roots, root_grads):
        node = t.grad_fn
        if node is None:
            to_leaf(t, g)
            continue
        node.out_ref = weakref.ref(t)  # the root's value stays drawable
        if node in node_grads:
            node_grads[node] = node_grads[node] + g
        else:
            node_grads[node] = g
            heapq.heappush(ready, (-node.seq, node))

    wanted_nodes: dict[Function, int] = {}
    needed: set[Function] | None = None
    if capture is not None:  # prune to the nodes that lead to a captured tensor
        wanted_nodes = {t.grad_fn: i for i, t in enumerate(capture) if t.grad_fn is not None}
        wanted_leaves = {id(t) for t in capture if t.grad_fn is None}
        needed = set()
        for node in topological_order([n for _, n in ready], _live_parent_nodes):
            if node in wanted_nodes or any(
                    (t.grad_fn in needed) if t.grad_fn is not None else (id(t) in wanted_leaves)
                    for t in node.inputs or ()):
                needed.add(node)
    captured: list[Tensor | None] = [None] * len(capture or ())

    recording, _mode.enabled = _mode.enabled, create_graph  # as set_grad_enabled, minus its objects
    try:
        while ready:
            node = heapq.heappop(ready)[1]
            g = node_grads.pop(node)
            if needed is not None and node not in needed:
                continue
            for hook in node.hooks:
                if capture is not None and getattr(hook, "retains_grad", False):
                    continue  # al.grad leaves every .grad alone, like torch.autograd.grad
                replaced = hook(g)  # not `hook(g) or g`: bool() of a Tensor is ambiguous
                g = g if replaced is None else replaced
            if wanted_nodes and node in wanted_nodes:
                captured[wanted_nodes[node]] = g
            inputs = node.inputs
            if inputs is None or (create_graph and not node.twice_differentiable) or (
                    node.seq < _last_inplace and _modified_inputs(node)):
                _refuse(node)
            grads = node.backward(g)
            if type(grads) is not tuple:
                grads = (grads,)
            for inp, gi in zip(inputs, grads):
                if gi is None or not inp._requires_grad:
                    continue
                if gi.data.shape != inp.data.shape or gi.data.dtype != inp.data.dtype:
                    gi = _fit_grad(gi, inp, node)
                parent = inp.grad_fn
                if parent is None:
                    to_leaf(inp, gi)
                elif parent in node_grads:
                    node_grads[parent] = node_grads[parent] + gi
                else:
                    node_grads[parent] = gi
                    heapq.heappush(ready, (-parent.seq, parent))
            inp = gi = None  # no stray reference: release() tells user-held inputs by their refcount
            if not retain_graph:
                node.out_shape, node.out_dtype = g.data.shape, g.data.dtype  # kept for drawing it later
                node.release()

        if capture is not None:
            for i, t in enumerate(capture):
                if t.grad_fn is None and id(t) in leaf_grads:
                    captured[i] = _run_hooks(t, leaf_grads[id(t)][1])
            return captured
        _accumulate_into_leaves(leaf_grads.values(), create_graph)
    finally:
        _mode.enabled = recording
    return None


def _accumulate_into_leaves(leaf_grads: Any, create_graph: bool) -> None:
    """leaf.grad += g for every leaf, after its hooks; a .grad never aliases another array."""
    seen_arrays: set[int] = set()
    for leaf, g in leaf_grads:
        if leaf._hooks:
            g = _run_hooks(leaf, g)
        if create_graph:
            leaf.grad = g if leaf.grad is None else leaf.grad + g
            continue
        data = g.data
        if id(data) in seen_arrays or not data.flags.writeable or data.base is not None:
            data = data.copy()
        seen_arrays.add(id(data))
        leaf.grad = Tensor._make(data if leaf.grad is None else leaf.grad.data + data)


def _run_hooks(t: Tensor, g: Tensor) -> Tensor:
    for hook in t._hooks or ():
        replaced = hook(g)
        g = g if replaced is None else replaced
    return g


def _as_grad_list(outputs: Sequence[Tensor], grads: Sequence[Any] | None, caller: str) -> list[Tensor]:
    result = []
    for i, out in enumerate(outputs):
        g = None if grads is None else grads[i]
        if not out.requires_grad:
            raise RuntimeError(f"{caller}: output {i} (shape {out.shape}) does not require grad: no input "
                               "had requires_grad=True, or it was computed under no_grad()")
        if g is None:
            if out.data.size != 1:
                raise RuntimeError(f"{caller}: output {i} has shape {out.shape}; a gradient can be implied "
                                   "only for a single-element output. Pass gradient= of that shape.")
            g = Tensor._make(np.ones_like(out.data) if out.data.ndim else np.array(1, out.data.dtype))  # the usual loss
        elif not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g, dtype=out.dtype))
        if g.shape != out.shape:
            raise RuntimeError(f"{caller}: gradient of shape {g.shape} given for output {i} of shape {out.shape}")
        result.append(g)
    return result


def backward(tensor: Tensor, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Sequence[Tensor] | None = None) -> None:
    """`tensor.backward(...)`: accumulate d(tensor)/d(leaf) into every leaf's `.grad`."""
    grads = _as_grad_list([tensor], None if gradient is None else [gradient], "backward()")
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward([tensor], grads, keep, create_graph)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t, g in zip(inputs, run_backward([tensor], grads, keep, create_graph, capture=inputs)):
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
    result = run_backward(outputs, grads, keep, create_graph, capture=inputs)
    for i, g in enumerate(result):
        if g is None and not allow_unused:
            raise RuntimeError(f"grad(): input {i} (shape {inputs[i].shape}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
    return tuple(result)
