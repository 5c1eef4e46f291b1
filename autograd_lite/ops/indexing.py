"""Indexing, NumPy's rules: basic (ints, slices incl. negative steps, None,
...) and advanced (integer arrays, boolean masks, Tensors of either).

`Index` and `IndexAdd` are each other's adjoints: the gradient of a[idx] adds G
into zeros at idx, accumulating where an integer index repeats.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import OpError, Function, is_grad_enabled
from ..tensor import Tensor
from .elementwise import as_tensor
from .registry import register


def normalize_index(index: Any) -> tuple[Any, bool]:
    """(index with Tensors and lists turned into arrays, whether it is basic indexing)."""
    items = index if isinstance(index, tuple) else (index,)
    out, basic = [], True
    for i in items:
        if isinstance(i, Tensor):
            i = i.data
        if isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray):
            if i.dtype.kind not in "iub":
                raise OpError(f"index: index arrays must be integer or bool, got {i.dtype}")
            basic = False
        elif isinstance(i, (bool, np.bool_)):
            basic = False
        elif not isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis))):
            raise OpError(f"index: unsupported index of type {type(i).__name__}")
        out.append(i)
    return (tuple(out) if isinstance(index, tuple) else out[0]), basic


class Index(Function):
    saved = ()
    expr, grad_exprs = "a[i]", ("G scattered into zeros at i (summed on repeats)",)

    def __init__(self, index: Any, basic: bool) -> None:
        self.index, self.basic = index, basic

    def forward(self, a):
        return a[self.index]

    def backward(self, g):
        return IndexAdd(self.index, self.basic, self.inputs[0].shape).apply(g)


@register(Index, al=False, dunders=("__getitem__",))
def getitem(a: Tensor, index: Any) -> Tensor:
    """a[index] with NumPy's basic and advanced indexing.  ∂L/∂a = G added into zeros at index."""
    idx, basic = normalize_index(index)
    return Index(idx, basic).apply(a)  # an IndexError comes back naming the op and the shape


class IndexAdd(Function):
    saved = ()
    expr, grad_exprs = "zeros + a at i", ("G[i]",)

    def __init__(self, index: Any, basic: bool, shape: tuple[int, ...]) -> None:
        self.index, self.basic, self.shape = index, basic, shape

    def forward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        if self.basic:
            out[self.index] = g
        else:
            np.add.at(out, self.index, g)
        return out

    def backward(self, gg):
        return Index(self.index, self.basic).apply(gg)


class IndexPut(Function):
    """a with a[i] replaced by v: the out-of-place form of `a[i] = v`."""
    saved = ()
    expr, grad_exprs = "a with a[i] = v", ("G with G[i] = 0", "G[i] (summed to v's shape)")

    def __init__(self, index: Any, basic: bool) -> None:
        self.index, self.basic = index, basic

    def forward(self, a, v):
        out = a.copy()
        out[self.index] = v
        return out

    def backward(self, g):
        a, v = self.inputs
        ga = IndexPut(self.index, self.basic).apply(g, Tensor._make(np.zeros((), g.dtype))) if a.requires_grad else None
        gv = None
        if v.requires_grad:
            gv = Index(self.index, self.basic).apply(g)
            if gv.shape != v.shape:  # v was broadcast into the selection
                from .shape import sum_to
                gv = sum_to(gv, v.shape)
        return ga, gv




@register(IndexPut, al=False, dunders=("__setitem__",))
def setitem(a: Tensor, index: Any, value: Any) -> None:
    """`a[index] = value`. Copy-on-write, so views of a never change behind a graph's back;
    earlier ops that used a then refuse to backward (their input was modified)."""
    idx, basic = normalize_index(index)
    v = as_tensor(value, a)
    if v.ndim and v.shape[0] == 1:  # PyTorch drops a value's extra leading 1s: x[0] = t of shape (1,) works
        target_ndim = np.ndim(a.data[idx])
        while v.ndim > target_ndim and v.shape[0] == 1:
            v = v.reshape(v.shape[1:])
    if a.is_leaf and a.requires_grad and is_grad_enabled():
        raise RuntimeError(f"setitem: a leaf tensor that requires grad (shape {a.shape}) cannot be modified in "
                           "place; write to a clone(), or to .data under no_grad()")
    before = Tensor._make(a.data, a.grad_fn)  # a snapshot: `a` itself is about to change
    before._requires_grad = a.requires_grad
    out = IndexPut(idx, basic).apply(before, v)
    a.data, a.grad_fn = out.data, out.grad_fn
    a._requires_grad = a.requires_grad or out.requires_grad
    if out.grad_fn is not None:
        import weakref
        out.grad_fn.out_ref = weakref.ref(a)
    a._version += 1

