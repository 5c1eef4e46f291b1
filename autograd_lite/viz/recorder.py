"""What the graph viewer needs from a graph, recorded beside the engine rather than inside it.

The engine (engine.py) knows only backprop; it calls two hooks, and this module installs both:

- `engine.on_record(node)` when an op is recorded. Installed only while some thread is inside
  a `module_scope` (an nn.Module call), so ops outside modules pay nothing. It stores the
  calling thread's scope as `node.scope`: ((module path, class name), ...), outermost first.
- `engine.on_release(node, g, fits)` just before backward frees a node's inputs and saved arrays.
  It keeps what drawing the node later needs: `node.kept_parents` (see `parents`), the output's
  shape and dtype (from g, the gradient of the node's output: an array, or a Tensor with
  create_graph) unless the op's output has its input's (`fits`, the op's `grad_fits_input`: read
  from the parent when drawn), and on the node of every computed input the user may still hold a
  weak link `out_ref` to that tensor, to show its value.

Read them back with `parents(node)`, `node.out_shape`/`node.out_dtype` (see `output_meta`) and
`scope_of(node)`.
"""
from __future__ import annotations

import sys
import threading
import weakref
from typing import Any

from .. import engine
from ..engine import Function
from ..tensor import Tensor

Scope = tuple  # ((module path, class name), ...), outermost first


class _Local(threading.local):
    scope: Scope = ()  # the class default is what every new thread sees: in no module


_local = _Local()
_lock = threading.Lock()
_threads_in_scope = 0  # how many module_scope blocks are open in all threads: on_record is installed while > 0


def _note_scope(node: Function) -> None:
    scope = _local.scope
    if scope:  # another thread may be the one inside a module
        node.scope = scope


class module_scope:
    """Marks ops recorded inside (in this thread) as belonging to a module (path, class);
    the graph viewer clusters them."""

    def __init__(self, path: str, class_name: str) -> None:
        self.entry = (path, class_name)

    def __enter__(self) -> None:
        global _threads_in_scope
        self.prev = _local.scope
        _local.scope = self.prev + (self.entry,)
        with _lock:
            _threads_in_scope += 1
            engine.on_record = _note_scope

    def __exit__(self, *exc: Any) -> None:
        global _threads_in_scope
        _local.scope = self.prev
        with _lock:
            _threads_in_scope -= 1
            if not _threads_in_scope:
                engine.on_record = None


def current_scope() -> Scope:
    """The module calls this thread is inside: ((path, class name), ...), outermost first."""
    return _local.scope


def scope_of(node: Function) -> Scope:
    """The module calls the node's op ran in (() outside any module)."""
    return getattr(node, "scope", ())


class InputStub:
    """A constant input of a released node: its metadata and a weak link to the value."""

    __slots__ = ("ref", "shape", "dtype", "name")

    def __init__(self, t: Tensor) -> None:
        data = t.data  # (its array's shape and dtype: cheaper than the Tensor's properties, once per backward)
        self.ref, self.shape, self.dtype, self.name = weakref.ref(t), data.shape, data.dtype, t.name


def parents(node: Function) -> list[Any]:
    """Per input of the node: the node that computed it, the leaf tensor needing grad, or an
    InputStub (a constant). Works before and after backward released the node."""
    if node.inputs is None:
        kept = getattr(node, "kept_parents", ())
        return [kept] if isinstance(kept, Function) else list(kept)
    return [t.grad_fn or (t if t._requires_grad else InputStub(t)) for t in node.inputs]


def _refs_when_only_the_graph_holds() -> int:
    """sys.getrefcount of a node's input that nothing else holds, seen from a loop like _keep_structure's
    (measured, not assumed: the count includes the loop variable and the call's own references)."""
    for t in (object(),):
        return sys.getrefcount(t)
    raise AssertionError  # unreachable


_ONLY_THE_GRAPH = _refs_when_only_the_graph_holds()


def _keep_structure(node: Function, g: Any, fits: bool, _getrefcount: Any = sys.getrefcount,
                    _ref: Any = weakref.ref) -> None:
    # parents(node), inlined: this runs once per node in every backward. A weak link `out_ref` only if
    # someone else may hold t (a few false "yes" just cost a link that dies): skipping it for tensors
    # only the graph holds is backward's cheapest 4%.
    inputs = node.inputs
    t = inputs[0]
    fn = t.grad_fn
    if fn is not None and len(inputs) == 1:  # the usual node: one computed input
        if _getrefcount(t) > _ONLY_THE_GRAPH:
            fn.out_ref = _ref(t)
        node.kept_parents = fn  # one parent: the node itself, no tuple (see parents)
    else:
        kept = []
        for t in inputs:
            fn = t.grad_fn
            if fn is not None:
                kept.append(fn)
                if _getrefcount(t) > _ONLY_THE_GRAPH:
                    fn.out_ref = _ref(t)
            else:
                kept.append(t if t._requires_grad else InputStub(t))
        node.kept_parents = kept
    if not fits:  # (else its output's shape and dtype are its input's: see output_meta)
        node.kept_shape, node.kept_dtype = g.shape, g.dtype  # g: an array, or a Tensor under create_graph


def output_meta(node: Function) -> tuple[tuple[int, ...], Any]:
    """(shape, dtype) of a node's output, once backward has released it (`Function.out_shape`).

    A node whose op keeps its input's shape and dtype (`grad_fits_input`) records neither: they are
    its parent's, found up the chain (and noted on the nodes passed, so drawing a long chain stays
    linear). Raises AttributeError for a node released while nobody recorded (`engine.on_release` unset)."""
    passed = []
    while True:
        try:
            found = node.kept_shape, node.kept_dtype
            break
        except AttributeError:
            pass
        if not node.grad_fits_input:
            raise AttributeError(f"{node.name} has no recorded output shape")
        source = node.inputs[0] if node.inputs is not None else parents(node)[0]
        if not isinstance(source, Function):  # a Tensor, or an InputStub: both know theirs
            found = source.shape, source.dtype
            break
        passed.append(node)
        node = source
    for n in passed:
        n.kept_shape, n.kept_dtype = found
    return found


engine.on_release = _keep_structure
