"""What a node keeps for its backward: what `saved` names, and its inputs only if backward reads them.

A node holds its input Tensors (the graph's edges). When its backward never reads `self.inputs`
(ReLU's uses its output, a sum's or a max-pool's no values at all), a large computed input is
replaced in the node by a stand-in with the same node, shape and dtype but no values, so its array
is freed as soon as nobody else holds it (as PyTorch keeps only the tensors an op saves).
Inputs under 1 MiB stay as they are: a stand-in would cost more time than the memory it frees,
and the graphs people draw with their values (viz) keep every value they had. A drawing shows a
replaced input's value only while the caller still holds that tensor (through `out_ref`).
"""
from __future__ import annotations

import weakref
from types import CodeType

import numpy as np

from .tensor import Tensor

VALUES_KEPT_BELOW = 1 << 20  # bytes: computed inputs this large are replaced by stand-ins when unread


def mentions_inputs(cls: type, base: type) -> bool:
    """Whether any method of cls, or of its bases below `base` (Function), names `inputs`."""
    mro = cls.__mro__[:cls.__mro__.index(base)]
    found = [getattr(v, "fget", None) or getattr(v, "__func__", v) for k in mro for v in vars(k).values()]
    codes = [f.__code__ for f in found if hasattr(f, "__code__")]
    while codes:
        code = codes.pop()
        if "inputs" in code.co_names:
            return True
        codes += [c for c in code.co_consts if isinstance(c, CodeType)]  # nested functions, lambdas
    return False


def stand_ins(inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """The inputs, each large computed one replaced by a stand-in: its node, shape and dtype, and as
    values a read-only NaN broadcast that takes no memory (a backward that read it would say so)."""
    kept = []
    for t in inputs:
        if t.data.nbytes >= VALUES_KEPT_BELOW and t.grad_fn is not None:
            s = Tensor._make(np.broadcast_to(np.array(np.nan, t.data.dtype), t.data.shape), t.grad_fn)
            t.grad_fn.out_ref = weakref.ref(t)  # the graph viewer's weak link to the value (viz/recorder.py)
            t = s
        kept.append(t)
    return tuple(kept)


def is_stand_in(t: Tensor) -> bool:
    """Whether t is a stand-in made above (its values were freed): a broadcast NaN of a node's output."""
    data = t.data
    return (t.grad_fn is not None and data.ndim > 0 and data.size > 0 and not any(data.strides)
            and not data.flags.writeable and bool(np.isnan(data.flat[0])))
