"""In-place writes (`add_`, `x += 1`, `exp_`, `copy_`, ...) and the backward passes they would make wrong.

`write(t, name, op, *args)` is every in-place op: it computes `op(t, *args)` and writes the
result into t's own memory, as PyTorch does (views of t and arrays shared with NumPy see the
new values). PyTorch's rules:

- on a leaf that requires grad, outside `no_grad`: an error (under `no_grad` the data is
  written: how optimizers and `nn.init` update parameters);
- otherwise, when gradients are recorded, the write is an op of the graph: t's `grad_fn`
  becomes the in-place op's node, whose input is a snapshot of t's old values;
- a write into a view of a tensor of the graph is refused while recording (its base's graph
  would not know of it);
- a node that kept t (an input, or its own output saved for backward, as `exp` and `relu` do)
  refuses to backward once t has been written: its gradient would come from the new values.

The bookkeeping is a clock of in-place writes: every write gets the next tick, stored in the
tensor (`_modified_at`) and for its memory block (the ndarray owning the memory, so views
share it), and every node remembers the tick it was recorded at (`writes_seen`). A node whose
inputs or saved arrays were written at a later tick was modified after use.
"""
from __future__ import annotations

import sys
import threading
import weakref
from typing import Any, Callable

import numpy as np

from .grad_mode import is_grad_enabled
from .tensor import Tensor

writes = 0  # the tick of the latest in-place write anywhere (0: none yet)
_lock = threading.Lock()  # two threads writing at once still get distinct, increasing ticks
_blocks: dict[int, list] = {}  # id(memory owner) -> [weak ref to it, tick of its last write] (a list: a rewrite
# of the same block, every optimizer step's, updates the tick in place)

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
MODIFIED_ERROR = ("one of the variables needed for gradient computation has been modified by an inplace "
                  "operation")


def _owner(a: np.ndarray) -> np.ndarray:
    """The array owning a's memory (a itself, or the base its views share)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def note_inplace_write(data: np.ndarray | None = None) -> int:
    """Called when a tensor is written in place (its array `data`); returns the write's tick."""
    global writes
    with _lock:
        writes += 1
        if data is not None:
            _mark_written(data, writes)
        return writes


def note_inplace_writes(tensors: list[Tensor]) -> None:
    """`t._version += 1` for each of `tensors` (written in place together, e.g. by an optimizer step)
    under one lock and one tick: what the per-tensor setter does, without a lock and tick apiece."""
    global writes
    with _lock:
        writes += 1
        tick = writes
        for t in tensors:
            _mark_written(t.data, tick)
            t._v += 1
            t._modified_at = tick


def _mark_written(data: np.ndarray, tick: int) -> None:
    """Record (under _lock) that data's memory block was written at `tick`."""
    owner = _owner(data)
    key = id(owner)
    entry = _blocks.get(key)
    if entry is not None and entry[0]() is owner:
        entry[1] = tick
    else:
        _blocks[key] = [weakref.ref(owner, _forget(key)), tick]


def _forget(key: int) -> Callable[[weakref.ref], None]:
    def drop(ref: weakref.ref) -> None:  # the memory is gone: so is its entry (unless reused by a new owner)
        entry = _blocks.get(key)
        if entry is not None and entry[0] is ref:
            del _blocks[key]
    return drop


def _written_after(a: np.ndarray, tick: int) -> bool:
    entry = _blocks.get(id(_owner(a)))
    return entry is not None and entry[1] > tick and entry[0]() is _owner(a)


def modified_inputs(node: Any) -> list[int]:
    """Backward's check of one node: [] if nothing it kept was written in place since it was recorded.

    Otherwise raises PyTorch's RuntimeError ("one of the variables needed for gradient computation
    has been modified by an inplace operation"), naming the node and what was written.
    """
    seen = node.writes_seen
    if seen == writes:  # no in-place write at all since then: the common case, one comparison
        return []
    for i, t in enumerate(node.inputs):
        if t._modified_at > seen or _written_after(t.data, seen):
            raise RuntimeError(f"{MODIFIED_ERROR}: input {i} of {node.name} (shape {t.shape}, {t.dtype}) was "
                               f"modified in place after it was used (it is at version {t._version}); its gradient "
                               "would be wrong. Modify a clone() instead, or use the out-of-place op.")
    for key in node.saved:
        a = getattr(node, key, None)
        if isinstance(a, np.ndarray) and _written_after(a, seen):
            what = "its output" if key == "out" else f"its saved {key!r}"
            raise RuntimeError(f"{MODIFIED_ERROR}: {node.name} saved {what} (shape {a.shape}) for backward, and it "
                               "was modified in place afterwards; its gradient would be wrong. Modify a clone() "
                               "instead, or use the out-of-place op.")
    return []


# ----- the in-place write ------------------------------------------------------------
def _needs_grad(args: Any) -> bool:
    return any(isinstance(a, Tensor) and a._requires_grad for a in args)


def write(t: Tensor, name: str, op: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
    """t ← op(t, *args, **kwargs), written into t's memory; returns t (see the module docstring)."""
    recording = is_grad_enabled() and (t._requires_grad or _needs_grad(args) or _needs_grad(kwargs.values()))
    if recording and t.grad_fn is None and t._requires_grad:
        raise RuntimeError(f"{LEAF_ERROR} ({name} on a leaf tensor that requires grad, shape {t.shape}: update it "
                           "under al.no_grad(), or modify a clone())")
    target = t.data
    if not target.flags.writeable:
        raise RuntimeError(f"{name}: this tensor's memory is read-only (an expand()/broadcast view, or a read-only "
                           f"NumPy array), shape {t.shape}; write into a clone() instead")
    if recording and t.dtype.kind == "f":
        _refuse_view(t, name)
        before = Tensor._make(target.copy(), t.grad_fn)  # the old values, for the op's backward
        before._requires_grad = t._requires_grad
        args = tuple(before if a is t else a for a in args)  # y.mul_(y): the operand is the old y
        kwargs = {k: before if v is t else v for k, v in kwargs.items()}
        _retarget(t, before, (*args, *kwargs.values()))
        out = op(before, *args, **kwargs)
    else:
        recording = False  # an integer or bool tensor carries no gradient: the write is a plain write
        out = op(Tensor._make(target), *args, **kwargs)  # forward makes a new array: reading target is safe
    _store(target, out.data, name)
    if recording:
        t.grad_fn, t._requires_grad = out.grad_fn, out._requires_grad
    t._version += 1
    return t


def _retarget(t: Tensor, before: Tensor, operands: tuple) -> None:
    """Nodes recorded from t that the operands were computed from (`y.add_(y * 0.5)`) take `before`
    as their input instead of t: they used t's old values and its old place in the graph, and t is
    about to get new ones (keeping t would make the graph a cycle through t's new node)."""
    born = t.__dict__.setdefault("_born", -1 if t.grad_fn is None else t.grad_fn.seq)  # older nodes can't use t
    stack = [a.grad_fn for a in operands if isinstance(a, Tensor) and a.grad_fn is not None]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or node.inputs is None or node.seq <= born:
            continue
        seen.add(id(node))
        if any(x is t for x in node.inputs):
            if node.writes_seen < t._modified_at:  # it used values of t that an earlier write replaced
                raise RuntimeError(f"{MODIFIED_ERROR}: an operand of this in-place op was computed (by {node.name}) from "
                                   f"values the tensor (shape {t.shape}) had before an earlier in-place write; "
                                   "its gradient would be wrong. Modify a clone() instead.")
            node.inputs = tuple(before if x is t else x for x in node.inputs)
        stack.extend(x.grad_fn for x in node.inputs if x.grad_fn is not None and x is not before)


def _store(target: np.ndarray, result: np.ndarray, name: str) -> None:
    """target[...] = result, with PyTorch's checks: same shape (no broadcasting the tensor), castable dtype."""
    if result.shape != target.shape:
        raise RuntimeError(f"{name}: the result has shape {result.shape}, which differs from the tensor's shape "
                           f"{target.shape} (an in-place op cannot change a tensor's shape)")
    if not np.can_cast(result.dtype, target.dtype, casting="same_kind"):
        raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the tensor's dtype {target.dtype}")
    np.copyto(target, result, casting="same_kind")


def write_ufunc(t: Tensor, name: str, ufunc: np.ufunc, other: Any) -> Tensor:
    """t ← ufunc(t, other) with nothing recorded (grad mode off, or nothing requires grad): no temporary."""
    target = t.data
    if not target.flags.writeable:
        return write(t, name, lambda a, b: a, other)  # raises the read-only error
    value = other.data if isinstance(other, Tensor) else other
    shape = np.broadcast_shapes(target.shape, np.shape(value))
    if shape != target.shape:
        raise RuntimeError(f"{name}: the result has shape {shape}, which differs from the tensor's shape "
                           f"{target.shape} (an in-place op cannot change a tensor's shape)")
    try:
        ufunc(target, value, out=target, casting="same_kind")
    except TypeError:  # NumPy's UFuncTypeError: a float result into an integer tensor
        kind = np.result_type(target, value)
        raise RuntimeError(f"{name}: result type {kind} can't be cast to the tensor's dtype {target.dtype}") from None
    t._version += 1
    return t


def _refuse_view(t: Tensor, name: str) -> None:
    """Writes into a view of another tensor are refused while recording: the other tensor's graph would miss it."""
    node = t.grad_fn
    if node is not None and node.inputs is not None:
        base = next((x for x in node.inputs if np.may_share_memory(t.data, x.data)), None)
        if base is None:
            return
        why = f"it is a view of the {base.shape} input of {node.name}"
    elif t.data.base is not None and sys.getrefcount(t.data.base) > 2:  # others hold that memory (the view
        why = "it shares its memory with another array"  # itself and getrefcount's argument are the 2 expected)
    else:
        return
    raise RuntimeError(f"{name}: in-place writes into a view of another tensor are not supported while gradients "
                       f"are recorded ({why}, shape {t.shape}); write into a clone(), or use the out-of-place op")
