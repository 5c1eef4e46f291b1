"""All primitive ops, grouped by kind; `bind_methods` makes them Tensor operators and methods."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..grad_mode import is_grad_enabled
from . import elementwise, indexing, matrix, reduction, shape
from .elementwise import (abs, add, as_tensor, astype, clamp, clone, cos, div, eq, exp, ge, gt, isfinite, isnan,
                          le, log, logical_and, logical_not, logical_or, logical_xor, lt, maximum, minimum,
                          mul, ne, neg, pow, relu, sigmoid, sign, sin, sqrt, sub, tanh, where)
from .indexing import getitem, setitem
from .matrix import diag, diag_embed, diagonal, einsum, matmul, outer, trace
from .reduction import argmax, argmin, logsumexp, max, mean, min, std, sum, var
from .shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, flip, movedim, pad, permute, reshape,
                    split, squeeze, stack, sum_to, transpose, unsqueeze)

clip = clamp


def _inplace(op: Any) -> Any:
    """`t op= x`: in place on the data when nothing is recorded, else the result re-bound to t."""
    ufunc = {add: np.add, sub: np.subtract, mul: np.multiply, div: np.divide}[op]

    def method(self: Any, other: Any) -> Any:
        recording = is_grad_enabled() and (self.requires_grad or getattr(other, "requires_grad", False))
        if recording:
            if self.is_leaf:
                raise RuntimeError(f"in-place {ufunc.__name__} on a leaf tensor that requires grad "
                                   f"(shape {self.shape}); wrap the update in al.no_grad()")
            before = type(self)._make(self.data, self.grad_fn)
            out = op(before, other)
            if out.shape != self.shape:
                raise ValueError(f"in-place {ufunc.__name__}: result shape {out.shape} differs from {self.shape}")
            self.data, self.grad_fn = out.data, out.grad_fn
        else:
            value = other.data if hasattr(other, "data") and hasattr(other, "grad_fn") else other
            if self.data.flags.writeable:
                ufunc(self.data, value, out=self.data, casting="same_kind")
            else:
                self.data = ufunc(self.data, value).astype(self.dtype, copy=False)
        self._version += 1
        return self
    return method


def bind_methods(cls: type) -> None:
    def rev(fn: Any) -> Any:
        return lambda self, other: fn(other, self)

    operators = {
        "__add__": add, "__radd__": rev(add), "__sub__": sub, "__rsub__": lambda s, o: add(neg(s), o),
        "__mul__": mul, "__rmul__": rev(mul), "__truediv__": div, "__rtruediv__": rev(div),
        "__pow__": pow, "__rpow__": rev(pow), "__matmul__": matmul, "__rmatmul__": rev(matmul),
        "__neg__": neg, "__pos__": lambda s: s, "__abs__": abs, "__getitem__": getitem,
        "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
        "__and__": logical_and, "__or__": logical_or, "__xor__": logical_xor, "__invert__": logical_not,
        "__iadd__": _inplace(add), "__isub__": _inplace(sub), "__imul__": _inplace(mul),
        "__itruediv__": _inplace(div),
    }
    methods = dict(
        add=add, sub=sub, mul=mul, div=div, pow=pow, neg=neg, exp=exp, log=log, sqrt=sqrt, abs=abs, sin=sin,
        cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu, clamp=clamp, clip=clamp, maximum=maximum,
        minimum=minimum, sign=sign, sum=sum, mean=mean, max=max, min=min, amax=max, amin=min, var=var, std=std,
        logsumexp=logsumexp, argmax=argmax, argmin=argmin, reshape=reshape, view=reshape, permute=permute,
        transpose=transpose, flatten=flatten, squeeze=squeeze, unsqueeze=unsqueeze, expand=expand,
        broadcast_to=broadcast_to, flip=flip, split=split, chunk=chunk, matmul=matmul, trace=trace,
        diagonal=diagonal, diag=diag, astype=astype, clone=clone, eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge,
        isnan=isnan, isfinite=isfinite, movedim=movedim, outer=outer,
        where=lambda self, condition, other: where(condition, self, other),  # torch: self where condition
    )
    for name, fn in {**operators, **methods}.items():
        setattr(cls, name, fn)
    cls.T = property(lambda self: self if self.ndim < 2 else transpose(self) if self.ndim == 2
                     else permute(self, tuple(reversed(range(self.ndim)))))
    cls.mT = property(lambda self: transpose(self, -2, -1))
    cls.to = lambda self, dtype: astype(self, dtype)
    cls.type = lambda self, dtype: astype(self, dtype)
    cls.float = lambda self: astype(self, np.float32)
    cls.double = lambda self: astype(self, np.float64)
    cls.long = lambda self: astype(self, np.int64)
    cls.contiguous = lambda self: self
    cls.expand_as = lambda self, other: expand(self, other.shape)
    cls.sum_to_size = lambda self, *size: sum_to(self, shape._shape_arg(size))  # as in PyTorch
    cls.view_as = lambda self, other: reshape(self, other.shape)
    cls.fill_ = lambda self, v: setitem(self, Ellipsis, v) or self
    cls.zero_ = lambda self: setitem(self, Ellipsis, 0) or self
