"""Elementwise ops. Binary ops broadcast like NumPy; the engine reduces each
gradient back to its input's shape, so no op here thinks about broadcasting.

In every docstring G is dL/d(output); the gradient formulas are also the
`grad_exprs` the graph viewer prints on edges.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Function, is_grad_enabled
from ..tensor import Tensor

Scalar = (int, float, np.number)


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """A constant Tensor for x; Python numbers take `like`'s float dtype (as PyTorch's wrapped numbers do)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, Scalar) and not isinstance(x, (bool, np.bool_)) \
            and like.dtype.kind == "f":
        return Tensor._make(np.asarray(x, dtype=like.dtype))
    return Tensor._make(np.asarray(x))


def _scalar(c: Any) -> Any:
    if type(c) is float or type(c) is int:  # the common case, checked first for speed
        return c
    return c.item() if isinstance(c, np.generic) else c  # NumPy scalars would promote float32; None, bool pass


def _zero(like: Tensor) -> Tensor:
    return Tensor._make(np.zeros((), dtype=like.dtype))


def _mask(cond: np.ndarray, dtype: np.dtype) -> Tensor:
    return Tensor._make(cond.astype(dtype, copy=False))


# ----- arithmetic ------------------------------------------------------------
class Add(Function):
    saved = ()
    expr, grad_exprs = "a + b", ("G", "G")

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    saved = ()
    expr, grad_exprs = "a − b", ("G", "−G")

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.inputs[1].requires_grad else None)


class Mul(Function):
    saved = ()
    expr, grad_exprs = "a ⊙ b", ("G ⊙ b", "G ⊙ a")

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs
        return (g * b if a.requires_grad else None), (g * a if b.requires_grad else None)


class Div(Function):
    saved = ()
    expr, grad_exprs = "a / b", ("G / b", "−G ⊙ a / b²")

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self.inputs
        ga = g / b
        return (ga if a.requires_grad else None), (-ga * a / b if b.requires_grad else None)


class Neg(Function):
    saved = ()
    expr, grad_exprs = "−a", ("−G",)

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class AddScalar(Function):
    op_name = "add"  # drawn as the op it is; the constant shows in expr
    saved = ()
    grad_exprs = ("G",)
    expr = property(lambda self: f"a + {self.c:g}")

    def __init__(self, c: Any) -> None:
        self.c = _scalar(c)

    def forward(self, a):
        return a + self.c

    def backward(self, g):
        return g


class MulScalar(Function):
    op_name = "mul"  # drawn as the op it is; the constant shows in expr
    saved = ()
    expr = property(lambda self: f"{self.c:g}·a")
    grad_exprs = property(lambda self: (f"{self.c:g}·G",))

    def __init__(self, c: Any) -> None:
        self.c = _scalar(c)

    def forward(self, a):
        return a * self.c

    def backward(self, g):
        return g if self.c == 1 else g * self.c  # 1·G: no copy of a possibly large gradient


class PowScalar(Function):
    op_name = "pow"  # drawn as the op it is; the constant shows in expr
    saved = ()
    expr = property(lambda self: f"a^{self.p:g}")
    grad_exprs = property(lambda self: (f"{self.p:g}·a ⊙ G" if self.p == 2 else f"{self.p:g}·a^{self.p - 1:g} ⊙ G",))

    def __init__(self, p: Any) -> None:
        self.p = _scalar(p)

    def forward(self, a):
        return a * a if self.p == 2 else a ** self.p

    def backward(self, g):
        a = self.inputs[0]
        if self.p == 0:
            return g * 0.0
        if self.p == 2:
            return g * (a * 2.0)
        return g * (a ** (self.p - 1) * self.p)


class Pow(Function):
    saved = ("out",)
    expr, grad_exprs = "a^b", ("G ⊙ b·a^(b−1)", "G ⊙ a^b·log a")

    def forward(self, a, b):
        self.out = a ** b
        return self.out

    def backward(self, g):
        a, b = self.inputs
        ga = g * b * a ** (b - 1.0) if a.requires_grad else None
        gb = None
        if b.requires_grad:  # d/db a^b = a^b log a, taken as 0 where a = 0 (as PyTorch does for b >= 0)
            safe_log = log(where(a.data == 0, 1.0, a)) if np.any(a.data == 0) else log(a)
            gb = g * self.output() * safe_log
        return ga, gb


# ----- unary math --------------------------------------------------------------
class Exp(Function):
    saved = ("out",)
    expr, grad_exprs = "exp(a)", ("G ⊙ exp(a)",)

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return g * self.output()


class Log(Function):
    saved = ()
    expr, grad_exprs = "log(a)", ("G / a",)

    def forward(self, a):
        return np.log(a)

    def backward(self, g):
        return g / self.inputs[0]


class Sqrt(Function):
    saved = ("out",)
    expr, grad_exprs = "√a", ("G / (2√a)",)

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        return g / (self.output() * 2.0)


class Abs(Function):
    saved = ()
    expr, grad_exprs = "|a|", ("G ⊙ sign(a)",)

    def forward(self, a):
        return np.abs(a)

    def backward(self, g):
        return g * Tensor._make(np.sign(self.inputs[0].data))


class Sin(Function):
    saved = ()
    expr, grad_exprs = "sin(a)", ("G ⊙ cos(a)",)

    def forward(self, a):
        return np.sin(a)

    def backward(self, g):
        return g * cos(self.inputs[0])


class Cos(Function):
    saved = ()
    expr, grad_exprs = "cos(a)", ("−G ⊙ sin(a)",)

    def forward(self, a):
        return np.cos(a)

    def backward(self, g):
        return -g * sin(self.inputs[0])


class Tanh(Function):
    saved = ("out",)
    expr, grad_exprs = "tanh(a)", ("G ⊙ (1 − tanh²a)",)

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return TanhGrad().apply(g, self.output())


class TanhGrad(Function):
    """G ⊙ (1 − y²), fused: the hot backward of tanh as one op."""
    saved = ()
    expr, grad_exprs = "a ⊙ (1 − b²)", ("G ⊙ (1 − b²)", "−2 G ⊙ a ⊙ b")

    def forward(self, g, y):
        return g * (1 - y * y)

    def backward(self, gg):
        g, y = self.inputs
        return gg * (1.0 - y * y), (gg * g * y) * -2.0


class Sigmoid(Function):
    saved = ("out",)
    expr, grad_exprs = "σ(a)", ("G ⊙ σ(a)(1 − σ(a))",)

    def forward(self, a):
        e = np.exp(-np.abs(a))  # never overflows; both branches exact to an ulp
        self.out = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        return self.out

    def backward(self, g):
        return SigmoidGrad().apply(g, self.output())


class SigmoidGrad(Function):
    """G ⊙ y(1 − y), fused: the hot backward of sigmoid as one op."""
    saved = ()
    expr, grad_exprs = "a ⊙ b(1 − b)", ("G ⊙ b(1 − b)", "G ⊙ a ⊙ (1 − 2b)")

    def forward(self, g, y):
        return g * y * (1 - y)

    def backward(self, gg):
        g, y = self.inputs
        return gg * y * (1.0 - y), gg * g * (1.0 - y * 2.0)


class Relu(Function):
    saved = ("out",)
    expr, grad_exprs = "max(a, 0)", ("G ⊙ [a > 0]",)

    def forward(self, a):
        # against a zero-filled array, not the scalar 0: NumPy's maximum has no SIMD loop for a
        # scalar operand (20 vs 12 µs at (200, 100) float32, 1.7 vs 1.3 ms at the ConvNet's activation)
        out = np.empty_like(a)
        out.fill(0)
        self.out = np.maximum(a, out, out=out)
        return self.out

    def backward(self, g):
        positive = self.out > 0
        if is_grad_enabled():  # create_graph: a recorded product, differentiable in G
            return g * _mask(positive, g.dtype)
        mask = np.asarray(positive, dtype=g.dtype)  # a same-dtype product: NumPy's float ⊙ bool loop is slower
        return Tensor._make(np.multiply(g.data, mask, out=mask))


class Maximum(Function):
    saved = ()
    expr, grad_exprs = "max(a, b)", ("G ⊙ [a > b]", "G ⊙ [b > a]")  # ties split evenly

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        w = (a.data > b.data) + 0.5 * (a.data == b.data)
        return g * Tensor._make(w.astype(g.dtype)), g * Tensor._make((1 - w).astype(g.dtype))


class Minimum(Function):
    saved = ()
    expr, grad_exprs = "min(a, b)", ("G ⊙ [a < b]", "G ⊙ [b < a]")

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.inputs
        w = (a.data < b.data) + 0.5 * (a.data == b.data)
        return g * Tensor._make(w.astype(g.dtype)), g * Tensor._make((1 - w).astype(g.dtype))


class Where(Function):
    saved = ("cond",)
    expr, grad_exprs = "c ? a : b", ("[c] ⊙ G", "[¬c] ⊙ G")

    def __init__(self, cond: np.ndarray) -> None:
        self.cond = cond

    def forward(self, a, b):
        return np.where(self.cond, a, b)

    def backward(self, g):
        a, b = self.inputs
        zero = _zero(g)
        return (Where(self.cond).apply(g, zero) if a.requires_grad else None,
                Where(self.cond).apply(zero, g) if b.requires_grad else None)


class Clamp(Function):
    saved = ()
    expr, grad_exprs = "clamp(a)", ("G ⊙ [lo ≤ a ≤ hi]",)

    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo, self.hi = _scalar(lo), _scalar(hi)

    def forward(self, a):
        return np.clip(a, self.lo, self.hi)

    def backward(self, g):
        a = self.inputs[0].data
        inside = np.ones(a.shape, dtype=bool)
        if self.lo is not None:
            inside &= a >= self.lo
        if self.hi is not None:
            inside &= a <= self.hi
        return g * _mask(inside, g.dtype)


class Cast(Function):
    saved = ()
    grad_exprs = ("G",)
    expr = property(lambda self: f"({self.dtype}) a")

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def forward(self, a):
        return a.astype(self.dtype)

    def backward(self, g):
        return g.astype(self.inputs[0].dtype)


# ----- public functions ----------------------------------------------------------
def add(a: Any, b: Any) -> Tensor:
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return AddScalar(b).apply(a)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Add().apply(a, as_tensor(b, a))


def sub(a: Any, b: Any) -> Tensor:
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return AddScalar(-b).apply(a)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Sub().apply(a, as_tensor(b, a))


def mul(a: Any, b: Any) -> Tensor:
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return MulScalar(b).apply(a)
    if isinstance(a, Scalar) and isinstance(b, Tensor):
        return MulScalar(a).apply(b)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Mul().apply(a, as_tensor(b, a))


def div(a: Any, b: Any) -> Tensor:
    if isinstance(b, Scalar) and isinstance(a, Tensor) and a.dtype.kind == "f":
        return MulScalar(1.0 / b).apply(a) if b != 0 else Div().apply(a, as_tensor(b, a))
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Div().apply(a, as_tensor(b, a))


def neg(a: Tensor) -> Tensor:
    return Neg().apply(a)


def pow(a: Any, b: Any) -> Tensor:
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return PowScalar(b).apply(a)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Pow().apply(a, as_tensor(b, a))


def exp(a: Tensor) -> Tensor:
    return Exp().apply(a)


def log(a: Tensor) -> Tensor:
    return Log().apply(a)


def sqrt(a: Tensor) -> Tensor:
    return Sqrt().apply(a)


def abs(a: Tensor) -> Tensor:
    return Abs().apply(a)


def sin(a: Tensor) -> Tensor:
    return Sin().apply(a)


def cos(a: Tensor) -> Tensor:
    return Cos().apply(a)


def tanh(a: Tensor) -> Tensor:
    return Tanh().apply(a)


def sigmoid(a: Tensor) -> Tensor:
    return Sigmoid().apply(a)


def relu(a: Tensor) -> Tensor:
    return Relu().apply(a)


def maximum(a: Any, b: Any) -> Tensor:
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Maximum().apply(a, as_tensor(b, a))


def minimum(a: Any, b: Any) -> Tensor:
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Minimum().apply(a, as_tensor(b, a))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise `a if condition else b`; condition gets no gradient."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    like = a if isinstance(a, Tensor) else (b if isinstance(b, Tensor) else None)
    return Where(cond).apply(as_tensor(a, like), as_tensor(b, like))


def clamp(a: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit a to [min, max]. Tensor bounds broadcast and get the gradient where they are the result."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):  # as PyTorch: a keeps G at ties with a bound
        out = a if min is None else where(a.data < as_tensor(min).data, as_tensor(min, a), a)
        return out if max is None else where(out.data > as_tensor(max).data, as_tensor(max, a), out)
    return Clamp(min, max).apply(a)


def astype(a: Tensor, dtype: Any) -> Tensor:
    dtype = np.dtype(dtype)
    if dtype == a.dtype:
        return a
    if dtype.kind not in "fc":
        return Tensor._make(a.data.astype(dtype))  # integer results carry no gradient
    return Cast(dtype).apply(a)


def sign(a: Tensor) -> Tensor:
    return Tensor._make(np.sign(a.data))


def _compare(ufunc: np.ufunc) -> Any:
    def compare(a: Any, b: Any) -> Tensor:
        a_data = a.data if isinstance(a, Tensor) else a
        b_data = b.data if isinstance(b, Tensor) else b
        return Tensor._make(np.asarray(ufunc(a_data, b_data)))
    compare.__name__ = ufunc.__name__
    return compare


eq, ne, lt, le, gt, ge = (_compare(u) for u in (np.equal, np.not_equal, np.less, np.less_equal,
                                                np.greater, np.greater_equal))
logical_and, logical_or, logical_xor = (_compare(u) for u in (np.logical_and, np.logical_or, np.logical_xor))


def logical_not(a: Tensor) -> Tensor:
    return Tensor._make(np.logical_not(a.data))


def isnan(a: Tensor) -> Tensor:
    return Tensor._make(np.isnan(a.data))


def isfinite(a: Tensor) -> Tensor:
    return Tensor._make(np.isfinite(a.data))


class Clone(Function):
    saved = ()
    expr, grad_exprs = "copy(a)", ("G",)

    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g


def clone(a: Tensor) -> Tensor:
    return Clone().apply(a)
