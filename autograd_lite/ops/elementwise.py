"""Elementwise ops. Binary ops broadcast like NumPy; the engine reduces each
gradient back to its input's shape, so no op here thinks about broadcasting.

In every docstring G is dL/d(output); the gradient formulas are also the
`grad_exprs` the graph viewer prints on edges.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Function, OpError, is_grad_enabled
from ..tensor import Tensor
from .registry import register

Scalar = (int, float, np.number)
# A Function made without running its __init__: for the scalar ops' float constants, whose __init__ would
# only store them (a Python call less per op: ~0.05 µs of the ~2.6 µs of the per-op overhead chain)
_new_node = object.__new__
# The ufuncs of the hottest formulas (scalar ops, tanh), called directly: exactly the operators' results,
# without `np.` lookups and the operators' deferral checks (~25-60 ns a call on a small array)
_add, _multiply, _subtract, _square, _tanh, _array = np.add, np.multiply, np.subtract, np.square, np.tanh, np.array
_ndarray = np.ndarray


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """A constant Tensor for x; Python numbers take `like`'s float dtype (as PyTorch's wrapped numbers do)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, Scalar) and not isinstance(x, (bool, np.bool_)) \
            and like.dtype.kind == "f":
        return Tensor._make(np.asarray(x, dtype=like.dtype))
    return Tensor._make(np.asarray(x))


_FLOAT64 = np.dtype(np.float64)
# The scalar ops' Python-float constants as shared read-only 0-d float64 arrays: with a float64 operand
# the result is the same, but NumPy converts a Python float on every call (~0.1 µs on a small array) and
# the same constants recur in every step. Bounded (a graph with a constant per node must not grow it):
# cleared when full. 0.0 (equal to −0.0) and NaN (equal to nothing) are never cached.
_CONSTANTS: dict[float, np.ndarray] = {}
_CONSTANTS_MAX = 64


def _new_constant(c: float) -> np.ndarray:
    """c as a read-only 0-d float64 array, kept in _CONSTANTS (the callers looked it up there first)."""
    k = _array(c)
    if c and c == c:
        if len(_CONSTANTS) >= _CONSTANTS_MAX:
            _CONSTANTS.clear()
        k.flags.writeable = False
        _CONSTANTS[c] = k
    return k


def _scalar(c: Any) -> Any:
    if type(c) is float or type(c) is int:  # the common case, checked first for speed
        return c
    return c.item() if isinstance(c, np.generic) else c  # NumPy scalars would promote float32; None, bool pass


def _zero(like: Tensor) -> Tensor:
    return Tensor._make(np.zeros((), dtype=like.dtype))


def float_mask(cond: np.ndarray, dtype: np.dtype) -> Tensor:
    """A constant 0/1 tensor of `dtype` from a boolean array (a gradient mask)."""
    return Tensor._make(cond.astype(dtype, copy=False))


# Bytes of output from which ReLU keeps a bit-packed mask for backward instead of its output (see Relu).
RELU_MASK_BYTES = 1 << 20


# ----- arithmetic ------------------------------------------------------------
class Add(Function):
    saved = ()
    expr, grad_exprs = "a + b", ("G", "G")

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g

    backward_arrays = backward


@register(Add, method=True, dunders=("__add__",), rdunders=("__radd__",), inplace=True, idunders=("__iadd__",),
          ufunc=np.add)
def add(a: Any, b: Any, alpha: Any = 1) -> Tensor:
    """a + alpha·b, broadcasting.  ∂L/∂a = G, ∂L/∂b = alpha·G (each summed to its input's shape)."""
    if alpha != 1:
        b = b * alpha
    if type(b) is float and isinstance(a, Tensor):  # the usual case: AddScalar(b) without a call of __init__
        node = _new_node(AddScalar)
        node.c = b
        return node.apply(a)
    if type(b) is Tensor and type(a) is Tensor:  # two tensors (a bias add): nothing to convert
        return Add().apply(a, b)
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return AddScalar(b).apply(a)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Add().apply(a, as_tensor(b, a))


class Sub(Function):
    saved = ()
    expr, grad_exprs = "a − b", ("G", "−G")

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.inputs[1].requires_grad else None)

    backward_arrays = backward  # -g: the same negation on an array


@register(Sub, method=True, dunders=("__sub__",), rdunders=("__rsub__",), inplace=True, idunders=("__isub__",),
          ufunc=np.subtract)
def sub(a: Any, b: Any, alpha: Any = 1) -> Tensor:
    """a − alpha·b, broadcasting.  ∂L/∂a = G, ∂L/∂b = −alpha·G."""
    if alpha != 1:
        b = b * alpha
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return AddScalar(-b).apply(a)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Sub().apply(a, as_tensor(b, a))


class Mul(Function):
    saved = ()
    expr, grad_exprs = "a ⊙ b", ("G ⊙ b", "G ⊙ a")

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs
        return (g * b if a.requires_grad else None), (g * a if b.requires_grad else None)

    def backward_arrays(self, g):
        a, b = self.inputs
        return (g * b.data if a._requires_grad else None), (g * a.data if b._requires_grad else None)


@register(Mul, method=True, dunders=("__mul__",), rdunders=("__rmul__",), inplace=True, idunders=("__imul__",),
          ufunc=np.multiply)
def mul(a: Any, b: Any) -> Tensor:
    """a ⊙ b, broadcasting.  ∂L/∂a = G ⊙ b, ∂L/∂b = G ⊙ a."""
    if type(b) is float and isinstance(a, Tensor):  # the usual case: MulScalar(b) without a call of __init__
        node = _new_node(MulScalar)
        node.c = b
        return node.apply(a)
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return MulScalar(b).apply(a)
    if isinstance(a, Scalar) and isinstance(b, Tensor):
        return MulScalar(a).apply(b)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Mul().apply(a, as_tensor(b, a))


class Div(Function):
    saved = ()
    expr, grad_exprs = "a / b", ("G / b", "−G ⊙ a / b²")

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self.inputs
        ga = g / b
        return (ga if a.requires_grad else None), (-ga * a / b if b.requires_grad else None)

    def backward_arrays(self, g):
        a, b = self.inputs
        ga = g / b.data
        return (ga if a._requires_grad else None), (-ga * a.data / b.data if b._requires_grad else None)


@register(Div, method=True, dunders=("__truediv__",), rdunders=("__rtruediv__",), inplace=True,
          idunders=("__itruediv__",), ufunc=np.divide)
def div(a: Any, b: Any) -> Tensor:
    """a / b, broadcasting.  ∂L/∂a = G / b, ∂L/∂b = −G ⊙ a / b²."""
    if isinstance(b, Scalar) and isinstance(a, Tensor) and a.dtype.kind == "f":
        return MulScalar(1.0 / b).apply(a) if b != 0 else Div().apply(a, as_tensor(b, a))
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Div().apply(a, as_tensor(b, a))


class Neg(Function):
    saved = ()
    grad_fits_input = True
    expr, grad_exprs = "−a", ("−G",)

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g

    backward_arrays = backward


@register(Neg, method=True, dunders=("__neg__",))
def neg(a: Tensor) -> Tensor:
    return Neg().apply(a)


@register(method=True, dunders=("__pos__",))
def positive(a: Tensor) -> Tensor:
    """a itself (unary +), as torch.positive."""
    return a


class AddScalar(Function):
    op_name = "add"  # drawn as the op it is; the constant shows in expr
    saved = ()
    grad_fits_input = True
    grad_exprs = ("G",)
    expr = property(lambda self: f"a + {self.c:g}")

    def __init__(self, c: Any) -> None:
        if type(c) is not float:  # (a float, the usual constant, needs no conversion)
            c = _scalar(c)
            if type(c) is complex:  # a complex output: the engine casts its gradient back to the input's dtype
                self.grad_fits_input = False
        self.c = c

    def forward(self, a):
        c = self.c
        if type(c) is float and a.dtype is _FLOAT64:  # as a 0-d array (see _CONSTANTS)
            c = _CONSTANTS.get(c)
            if c is None:
                c = _new_constant(self.c)
        return _add(a, c)

    def backward(self, g):
        return g

    backward_arrays = backward


class MulScalar(Function):
    op_name = "mul"  # drawn as the op it is; the constant shows in expr
    saved = ("k",)  # the constant as forward used it (see forward)
    grad_fits_input = True
    expr = property(lambda self: f"{self.c:g}·a")
    grad_exprs = property(lambda self: (f"{self.c:g}·G",))

    def __init__(self, c: Any) -> None:
        if type(c) is not float:  # (a float, the usual constant, needs no conversion)
            c = _scalar(c)
            if type(c) is complex:  # a complex output: the engine casts its gradient back to the input's dtype
                self.grad_fits_input = False
        self.c = c

    def forward(self, a):
        k = self.c
        if type(k) is float and a.dtype is _FLOAT64:  # as a 0-d array (see _CONSTANTS), for forward and backward
            k = _CONSTANTS.get(k)
            if k is None:
                k = _new_constant(self.c)
        self.k = k
        return _multiply(a, k)

    def backward(self, g):
        return g if self.c == 1 else g * self.c  # 1·G: no copy of a possibly large gradient

    def backward_arrays(self, g):
        return g if self.c == 1 else _multiply(g, self.k)


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


@register(Pow, method=True, dunders=("__pow__",), rdunders=("__rpow__",))
def pow(a: Any, b: Any) -> Tensor:
    """a^b, broadcasting.  ∂L/∂a = G ⊙ b·a^(b−1), ∂L/∂b = G ⊙ a^b·log a (0 where a = 0)."""
    if isinstance(b, Scalar) and isinstance(a, Tensor):
        return PowScalar(b).apply(a)
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Pow().apply(a, as_tensor(b, a))


# ----- unary math --------------------------------------------------------------
class Exp(Function):
    saved = ("out",)
    grad_fits_input = True
    expr, grad_exprs = "exp(a)", ("G ⊙ exp(a)",)

    def forward(self, a):
        out = self.out = np.exp(a)
        return out

    def backward(self, g):
        return g * self.output()

    def backward_arrays(self, g):
        return g * self.out


@register(Exp, method=True)
def exp(a: Tensor) -> Tensor:
    return Exp().apply(a)


class Log(Function):
    saved = ()
    expr, grad_exprs = "log(a)", ("G / a",)

    def forward(self, a):
        return np.log(a)

    def backward(self, g):
        return g / self.inputs[0]

    def backward_arrays(self, g):
        return g / self.inputs[0].data


@register(Log, method=True)
def log(a: Tensor) -> Tensor:
    return Log().apply(a)


class Sqrt(Function):
    saved = ("out",)
    grad_fits_input = True
    expr, grad_exprs = "√a", ("G / (2√a)",)

    def forward(self, a):
        out = self.out = np.sqrt(a)
        return out

    def backward(self, g):
        return g / (self.output() * 2.0)

    def backward_arrays(self, g):
        return g / (self.out * 2.0)


@register(Sqrt, method=True)
def sqrt(a: Tensor) -> Tensor:
    return Sqrt().apply(a)


class Abs(Function):
    saved = ()
    expr, grad_exprs = "|a|", ("G ⊙ sign(a)",)

    def forward(self, a):
        return np.abs(a)

    def backward(self, g):
        return g * Tensor._make(np.sign(self.inputs[0].data))


@register(Abs, method=True, dunders=("__abs__",))
def abs(a: Tensor) -> Tensor:
    """`|a|`, element-wise; any shape → the same shape.

    Gradient, with G = ∂L/∂output: ∂L/∂a = G ⊙ sign(a) (0 at a = 0, as PyTorch).
    """
    return Abs().apply(a)


class Sin(Function):
    saved = ()
    expr, grad_exprs = "sin(a)", ("G ⊙ cos(a)",)

    def forward(self, a):
        return np.sin(a)

    def backward(self, g):
        return g * cos(self.inputs[0])


@register(Sin, method=True)
def sin(a: Tensor) -> Tensor:
    return Sin().apply(a)


class Cos(Function):
    saved = ()
    expr, grad_exprs = "cos(a)", ("−G ⊙ sin(a)",)

    def forward(self, a):
        return np.cos(a)

    def backward(self, g):
        return -g * sin(self.inputs[0])


@register(Cos, method=True)
def cos(a: Tensor) -> Tensor:
    return Cos().apply(a)


# 1 of each float dtype as a read-only 0-d array, for `one − y` in the gradients below: exactly `1.0 − y`
# (NumPy casts a Python float to the array's dtype first), but an operand of the array's own dtype skips
# NumPy's conversion and promotion of a Python scalar (0.15-0.3 µs of each call on a small array).
# Another dtype takes the Python float 1.0.
_ONES = {np.dtype(d): np.array(1.0, d) for d in (np.float16, np.float32, np.float64, np.longdouble)}
for _a in _ONES.values():
    _a.flags.writeable = False


# The gradients below work in one temporary of their own (out= given positionally: a keyword costs what
# the allocations save): y² by np.square, y·y's loop (bit for bit), with one operand less to dispatch.
def _tanh_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    t = _square(y)  # g ⊙ (1 − y²), y = tanh(a)
    if type(t) is _ndarray and t.dtype is g.dtype:
        return _multiply(g, _subtract(_ONES.get(y.dtype, 1.0), t, t), t)
    # a 0-d y (NumPy returns a scalar), or g of another dtype (the result takes the promoted one)
    return _multiply(g, _subtract(_ONES.get(y.dtype, 1.0), t))


def _sigmoid_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _multiply(_multiply(g, y), _subtract(_ONES.get(y.dtype, 1.0), y))  # g ⊙ y ⊙ (1 − y), y = σ(a)


class Tanh(Function):
    saved = ("out",)
    grad_fits_input = True
    expr, grad_exprs = "tanh(a)", ("G ⊙ (1 − tanh²a)",)

    def forward(self, a):
        out = self.out = _tanh(a)
        return out

    def backward(self, g):
        return TanhGrad().apply(g, self.output())

    def backward_arrays(self, g):
        return _tanh_grad(g, self.out)


class TanhGrad(Function):
    """G ⊙ (1 − y²), fused: the hot backward of tanh as one op."""
    saved = ()
    expr, grad_exprs = "a ⊙ (1 − b²)", ("G ⊙ (1 − b²)", "−2 G ⊙ a ⊙ b")

    def forward(self, g, y):
        return _tanh_grad(g, y)

    def backward(self, gg):
        g, y = self.inputs
        return gg * (1.0 - y * y), (gg * g * y) * -2.0


@register(Tanh, method=True, F=True, module="Tanh")
def tanh(a: Tensor) -> Tensor:
    return Tanh().apply(a)


class Sigmoid(Function):
    saved = ("out",)
    grad_fits_input = True
    expr, grad_exprs = "σ(a)", ("G ⊙ σ(a)(1 − σ(a))",)

    def forward(self, a):
        e = np.exp(-np.abs(a))  # never overflows; both branches exact to an ulp
        self.out = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        return self.out

    def backward(self, g):
        return SigmoidGrad().apply(g, self.output())

    def backward_arrays(self, g):
        return _sigmoid_grad(g, self.out)


class SigmoidGrad(Function):
    """G ⊙ y(1 − y), fused: the hot backward of sigmoid as one op."""
    saved = ()
    expr, grad_exprs = "a ⊙ b(1 − b)", ("G ⊙ b(1 − b)", "G ⊙ a ⊙ (1 − 2b)")

    def forward(self, g, y):
        return _sigmoid_grad(g, y)

    def backward(self, gg):
        g, y = self.inputs
        return gg * y * (1.0 - y), gg * g * (1.0 - y * 2.0)


@register(Sigmoid, method=True, F=True, module="Sigmoid")
def sigmoid(a: Tensor) -> Tensor:
    return Sigmoid().apply(a)


class Relu(Function):
    """max(a, 0). A large output (≥ RELU_MASK_BYTES) is not kept for backward: a bit-packed mask [out > 0]
    (1/32 of a float32 output) is, so the output goes as soon as its consumers drop it (conv → ReLU →
    max-pool then holds no full-size array until backward). A smaller output is kept itself: cheaper, and
    an in-place write to it is refused at backward, as in PyTorch (the mask makes such a write harmless)."""
    saved = ("out", "mask")
    expr, grad_exprs = "max(a, 0)", ("G ⊙ [a > 0]",)
    out: np.ndarray | None = None
    mask: np.ndarray | None = None
    axes: tuple[int, ...] = ()  # the mask's axis order: out's axes from the largest stride to the smallest

    def forward(self, a):
        # against a zero-filled array, not the scalar 0: NumPy's maximum has a SIMD loop only for
        # two array operands (benchmarks/PROFILE.md has the timings)
        out = np.empty_like(a)
        out.fill(0)
        np.maximum(a, out, out=out)  # (keyword: NumPy deprecates a positional out for maximum, not for others)
        if out.nbytes >= RELU_MASK_BYTES:
            # packed in memory order (out has a's layout, e.g. a channels-last view of a convolution): no copy
            # into C order here, and the unpacked mask comes back in that layout, as G does
            self.axes = tuple(np.argsort([-stride for stride in out.strides], kind="stable"))
            in_memory = out.transpose(self.axes)
            if not in_memory.flags.c_contiguous:  # (empty_like's layouts are always some axis order)
                self.axes, in_memory = tuple(range(out.ndim)), out
            self.mask, self.shape = np.packbits(in_memory > 0), in_memory.shape
        else:
            self.out = out
        return out

    def _positive(self, size: int) -> np.ndarray:
        """[out > 0] from the packed mask, as bools in the output's layout."""
        in_memory = np.unpackbits(self.mask, count=size).view(bool).reshape(self.shape)
        return in_memory.transpose(np.argsort(self.axes))

    def backward(self, g):
        if not is_grad_enabled():
            return Tensor._make(self.backward_arrays(g.data))
        # create_graph: a recorded product, differentiable in G
        positive = self._positive(g.data.size) if self.out is None else self.out > 0
        return g * float_mask(positive, g.dtype)

    def backward_arrays(self, g):
        if self.out is None:  # the packed mask, as 0/1 floats in the result's buffer: a same-dtype product
            # is faster than NumPy's float ⊙ bool loop (0.29 against 0.37 ms at 1 Mi float32), same values
            mask = self._positive(g.size).astype(g.dtype)
            return np.multiply(g, mask, out=mask)
        # the comparison written straight into a float array (no bool mask, as fast): a same-dtype product,
        # since NumPy's float ⊙ bool loop is slower
        mask = np.greater(self.out, 0, np.empty_like(g))  # (out= positionally: a keyword costs parsing)
        return np.multiply(g, mask, mask)


@register(Relu, method=True, F=True, module="ReLU")
def relu(a: Tensor) -> Tensor:
    return Relu().apply(a)


class Maximum(Function):
    saved = ()
    expr, grad_exprs = "max(a, b)", ("G ⊙ [a > b]", "G ⊙ [b > a]")  # ties split evenly

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        w = (a.data > b.data) + 0.5 * (a.data == b.data)
        return g * Tensor._make(w.astype(g.dtype)), g * Tensor._make((1 - w).astype(g.dtype))


@register(Maximum, method=True)
def maximum(a: Any, b: Any) -> Tensor:
    """max(a, b) elementwise, broadcasting; at ties each input gets G/2."""
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Maximum().apply(a, as_tensor(b, a))


class Minimum(Function):
    saved = ()
    expr, grad_exprs = "min(a, b)", ("G ⊙ [a < b]", "G ⊙ [b < a]")

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.inputs
        w = (a.data < b.data) + 0.5 * (a.data == b.data)
        return g * Tensor._make(w.astype(g.dtype)), g * Tensor._make((1 - w).astype(g.dtype))


@register(Minimum, method=True)
def minimum(a: Any, b: Any) -> Tensor:
    """min(a, b) elementwise, broadcasting; at ties each input gets G/2."""
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return Minimum().apply(a, as_tensor(b, a))


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


@register(Where)
def where(condition: Any, input: Any = None, other: Any = None) -> Tensor | tuple[Tensor, ...]:
    """Elementwise `input if condition else other`, broadcasting; condition gets no gradient.
    `where(condition)` alone is `nonzero(condition, as_tuple=True)`, as in PyTorch."""
    if input is None and other is None:
        from .gather import nonzero  # gather builds on this module
        return nonzero(condition, as_tuple=True)
    a, b = input, other
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    like = a if isinstance(a, Tensor) else (b if isinstance(b, Tensor) else None)
    return Where(cond).apply(as_tensor(a, like), as_tensor(b, like))


@register(name="where", al=False, method=True)
def _where_method(self: Tensor, condition: Any, other: Any) -> Tensor:
    """`x.where(condition, y)`: x where condition holds, else y (PyTorch's method order)."""
    return where(condition, self, other)


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
        return g * float_mask(inside, g.dtype)


@register(Clamp, method=True, aliases=("clip",))
def clamp(a: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit a to [min, max]. Tensor bounds broadcast and get the gradient where they are the result."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):  # as PyTorch: a keeps G at ties with a bound
        out = a if min is None else where(a.data < as_tensor(min).data, as_tensor(min, a), a)
        return out if max is None else where(out.data > as_tensor(max).data, as_tensor(max, a), out)
    return Clamp(min, max).apply(a)


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


@register(Cast, method=True)
def astype(a: Tensor, dtype: Any) -> Tensor:
    """a converted to dtype; float results keep the gradient (cast back), integer ones carry none."""
    dtype = np.dtype(dtype)
    if dtype == a.dtype:
        return a
    if dtype.kind not in "fc":
        return Tensor._make(a.data.astype(dtype))  # integer results carry no gradient
    return Cast(dtype).apply(a)


@register(name="float", al=False, method=True)
def _to_float32(a: Tensor) -> Tensor:
    """a as float32 (PyTorch's `.float()`)."""
    return astype(a, np.float32)


@register(name="double", al=False, method=True)
def _to_float64(a: Tensor) -> Tensor:
    """a as float64 (PyTorch's `.double()`)."""
    return astype(a, np.float64)


@register(name="long", al=False, method=True)
def _to_int64(a: Tensor) -> Tensor:
    """a as int64 (PyTorch's `.long()`); no gradient."""
    return astype(a, np.int64)


@register(name="int", al=False, method=True)
def _to_int32(a: Tensor) -> Tensor:
    """a as int32 (PyTorch's `.int()`); no gradient."""
    return astype(a, np.int32)


@register(name="bool", al=False, method=True)
def _to_bool(a: Tensor) -> Tensor:
    """a as bool (PyTorch's `.bool()`); no gradient."""
    return astype(a, np.bool_)


@register(name="half", al=False, method=True)
def _to_float16(a: Tensor) -> Tensor:
    """a as float16 (PyTorch's `.half()`): NumPy computes it, slowly and with float16's rounding;
    the gradient is cast back to a's dtype."""
    return astype(a, np.float16)


# ----- signs, comparisons, tests ------------------------------------------------------
class Sign(Function):
    saved = ()
    expr, grad_exprs = "sign(a)", ("0",)

    def forward(self, a):
        return np.sign(a)

    def backward(self, g):
        return g * 0.0  # piecewise constant: zero almost everywhere (as PyTorch)


@register(Sign, method=True)
def sign(a: Tensor) -> Tensor:
    """−1, 0 or 1 by the sign of a.  ∂L/∂a = 0."""
    return Sign().apply(a)


def _compare(ufunc: np.ufunc, name: str, symbol: str) -> Any:
    def compare(a: Any, b: Any) -> Tensor:
        a_data = a.data if isinstance(a, Tensor) else a
        b_data = b.data if isinstance(b, Tensor) else b
        return Tensor._make(np.asarray(ufunc(a_data, b_data)))
    compare.__name__ = name
    compare.__doc__ = f"a {symbol} b elementwise, broadcasting: a bool tensor, no gradient."
    return compare


eq = register(method=True, dunders=("__eq__",))(_compare(np.equal, "eq", "=="))
ne = register(method=True, dunders=("__ne__",))(_compare(np.not_equal, "ne", "!="))
lt = register(method=True, dunders=("__lt__",))(_compare(np.less, "lt", "<"))
le = register(method=True, dunders=("__le__",))(_compare(np.less_equal, "le", "<="))
gt = register(method=True, dunders=("__gt__",))(_compare(np.greater, "gt", ">"))
ge = register(method=True, dunders=("__ge__",))(_compare(np.greater_equal, "ge", ">="))
logical_and = register(method=True, dunders=("__and__",))(_compare(np.logical_and, "logical_and", "and"))
logical_or = register(method=True, dunders=("__or__",))(_compare(np.logical_or, "logical_or", "or"))
logical_xor = register(method=True, dunders=("__xor__",))(_compare(np.logical_xor, "logical_xor", "xor"))


@register(method=True, dunders=("__invert__",))
def logical_not(a: Tensor) -> Tensor:
    """not a, elementwise: a bool tensor, no gradient."""
    return Tensor._make(np.logical_not(a.data))


@register(method=True)
def isnan(a: Tensor) -> Tensor:
    """Where a is NaN: a bool tensor."""
    return Tensor._make(np.isnan(a.data))


@register(method=True)
def isfinite(a: Tensor) -> Tensor:
    """Where a is neither infinite nor NaN: a bool tensor."""
    return Tensor._make(np.isfinite(a.data))


class Clone(Function):
    saved = ()
    grad_fits_input = True
    expr, grad_exprs = "copy(a)", ("G",)

    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g

    backward_arrays = backward


@register(Clone, method=True)
def clone(a: Tensor) -> Tensor:
    """A copy of a that stays in the graph (∂L/∂a = G)."""
    return Clone().apply(a)


@register(name="contiguous", al=False, method=True)
def _contiguous(a: Tensor) -> Tensor:
    """a itself: every tensor's array is usable as it is (PyTorch's `.contiguous()`)."""
    return a


class RuntimeOpError(OpError, RuntimeError):
    """An error PyTorch raises as RuntimeError (integer division by zero, strict shape rules):
    `except RuntimeError` (PyTorch habit) and `except ValueError` (this library's OpError) both catch it."""


# ----- integer-style division: %, //, fmod ---------------------------------------------
def _divisor_check(op: str, a: np.ndarray, b: np.ndarray) -> None:
    if a.dtype.kind in "iub" and np.asarray(b).dtype.kind in "iub" and np.any(b == 0):
        raise RuntimeOpError(f"{op}: ZeroDivisionError (an integer divisor is 0)")


class Remainder(Function):
    """a − b·⌊a/b⌋ (the sign of b, as Python's %).  ∂L/∂a = G, ∂L/∂b = −G ⊙ ⌊a/b⌋."""
    saved = ()
    expr, grad_exprs = "a mod b", ("G", "−G ⊙ ⌊a/b⌋")
    quotient = staticmethod(np.floor_divide)

    def forward(self, a, b):
        _divisor_check(self.op_name, a, b)
        return np.remainder(a, b)

    def backward(self, g):
        a, b = self.inputs
        if not b.requires_grad:
            return g, None
        with np.errstate(all="ignore"):  # b = 0 gives NaN, as PyTorch
            q = self.quotient(a.data, b.data)
        return g, g * Tensor._make(-q.astype(g.dtype))


class Fmod(Remainder):
    """a − b·trunc(a/b) (the sign of a, as C's fmod).  ∂L/∂a = G, ∂L/∂b = −G ⊙ trunc(a/b)."""
    expr, grad_exprs = "fmod(a, b)", ("G", "−G ⊙ trunc(a/b)")

    @staticmethod
    def quotient(a, b):
        return np.trunc(a / b)

    def forward(self, a, b):
        _divisor_check("fmod", a, b)
        return np.fmod(a, b)


def _binary(fn: type, a: Any, b: Any) -> Tensor:
    """Apply a two-input Function, Python numbers taking the other operand's dtype (float, or integer
    for a Python int: int32 % 3 stays int32, as in PyTorch)."""
    a = _operand(a, b if isinstance(b, Tensor) else None)
    return fn().apply(a, _operand(b, a))


def _operand(x: Any, like: Tensor | None) -> Tensor:
    if type(x) is int and like is not None and like.dtype.kind in "iu":
        return Tensor._make(np.asarray(x, like.dtype))
    return as_tensor(x, like)


@register(Remainder, method=True, dunders=("__mod__",), rdunders=("__rmod__",), idunders=("__imod__",))
def remainder(input: Any, other: Any) -> Tensor:
    """input mod other with the divisor's sign (Python's and PyTorch's `%`), broadcasting; ints stay ints.
    ∂L/∂input = G, ∂L/∂other = −G ⊙ ⌊input/other⌋."""
    return _binary(Remainder, input, other)


@register(Fmod, method=True)
def fmod(input: Any, other: Any) -> Tensor:
    """input mod other with the dividend's sign (C's fmod), broadcasting.
    ∂L/∂input = G, ∂L/∂other = −G ⊙ trunc(input/other)."""
    return _binary(Fmod, input, other)


class FloorDivide(Function):
    """⌊a/b⌋, as Python's //.  Piecewise constant: zero gradient (PyTorch has none)."""
    op_name = "floor_divide"  # drawn by PyTorch's name
    saved = ()
    expr, grad_exprs = "⌊a/b⌋", ("0", "0")

    def forward(self, a, b):
        _divisor_check("floor_divide", a, b)
        return np.floor_divide(a, b)

    def backward(self, g):
        return g * 0.0, g * 0.0


@register(FloorDivide, method=True, dunders=("__floordiv__",), rdunders=("__rfloordiv__",),
          idunders=("__ifloordiv__",))
def floor_divide(input: Any, other: Any) -> Tensor:
    """⌊input/other⌋ (Python's `//`), broadcasting; ints stay ints.  ∂L/∂input = ∂L/∂other = 0
    (PyTorch's floor_divide has no derivative; this one is zero, its value almost everywhere)."""
    return _binary(FloorDivide, input, other)


# ----- rounding: piecewise constant, zero gradient (as PyTorch) -------------------------------
class Rounding(Function):
    """floor, ceil, trunc or round (to `decimals`): ∂L/∂a = 0, as in PyTorch."""
    saved = ()
    grad_exprs = ("0",)

    def __init__(self, ufunc: Any, decimals: int = 0) -> None:
        self.ufunc, self.decimals = ufunc, decimals
        self.expr = f"{self.op_name}(a)"

    @property
    def op_name(self) -> str:
        return {np.rint: "round"}.get(self.ufunc, getattr(self.ufunc, "__name__", "round"))

    def forward(self, a):
        if a.dtype.kind in "iub":  # integers are already whole, as in PyTorch
            return a.copy()
        if self.decimals:
            return np.round(a, self.decimals)
        return self.ufunc(a)

    def backward(self, g):
        return g * 0.0


@register(Rounding, method=True)
def floor(input: Tensor) -> Tensor:
    """The largest integer ≤ input, elementwise (same dtype).  ∂L/∂input = 0."""
    return Rounding(np.floor).apply(input)


@register(Rounding, method=True)
def ceil(input: Tensor) -> Tensor:
    """The smallest integer ≥ input, elementwise (same dtype).  ∂L/∂input = 0."""
    return Rounding(np.ceil).apply(input)


@register(Rounding, method=True, aliases=("fix",))
def trunc(input: Tensor) -> Tensor:
    """input rounded toward zero, elementwise (same dtype).  ∂L/∂input = 0."""
    return Rounding(np.trunc).apply(input)


@register(Rounding, method=True)
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """input rounded to `decimals` places, halves to even (as PyTorch).  ∂L/∂input = 0."""
    return Rounding(np.rint, int(decimals)).apply(input)


# ----- more unary math ---------------------------------------------------------------------
class Log1p(Function):
    saved = ()
    expr, grad_exprs = "log(1 + a)", ("G / (1 + a)",)

    def forward(self, a):
        return np.log1p(a)

    def backward(self, g):
        return g / (self.inputs[0] + 1.0)


@register(Log1p, method=True)
def log1p(input: Tensor) -> Tensor:
    """log(1 + x), accurate for small x.  ∂L/∂x = G / (1 + x)."""
    return Log1p().apply(input)


class Expm1(Function):
    saved = ("out",)
    expr, grad_exprs = "exp(a) − 1", ("G ⊙ exp(a)",)

    def forward(self, a):
        out = self.out = np.expm1(a)
        return out

    def backward(self, g):
        return g * (self.output() + 1.0)


@register(Expm1, method=True)
def expm1(input: Tensor) -> Tensor:
    """exp(x) − 1, accurate for small x.  ∂L/∂x = G ⊙ exp(x)."""
    return Expm1().apply(input)


class LogBase(Function):
    """log₂ or log₁₀: log(a) / log(base).  ∂L/∂a = G / (a·ln base)."""
    saved = ()
    grad_exprs = ("G / (a·ln base)",)

    def __init__(self, base: int) -> None:
        self.base, self.ufunc = base, {2: np.log2, 10: np.log10}[base]
        self.expr = f"log{base}(a)"

    @property
    def op_name(self) -> str:
        return f"log{self.base}"

    def forward(self, a):
        return self.ufunc(a)

    def backward(self, g):
        return g / (self.inputs[0] * float(np.log(self.base)))


@register(LogBase, method=True)
def log2(input: Tensor) -> Tensor:
    """log₂ x.  ∂L/∂x = G / (x·ln 2)."""
    return LogBase(2).apply(input)


@register(LogBase, method=True)
def log10(input: Tensor) -> Tensor:
    """log₁₀ x.  ∂L/∂x = G / (x·ln 10)."""
    return LogBase(10).apply(input)


class Rsqrt(Function):
    saved = ("out",)
    expr, grad_exprs = "1/√a", ("−G ⊙ (1/√a)³ / 2",)

    def forward(self, a):
        self.out = 1.0 / np.sqrt(a)
        return self.out

    def backward(self, g):
        y = self.output()
        return g * (y * y * y) * -0.5


@register(Rsqrt, method=True)
def rsqrt(input: Tensor) -> Tensor:
    """1/√x.  ∂L/∂x = −G ⊙ x^(−3/2) / 2."""
    return Rsqrt().apply(input)


class Reciprocal(Function):
    saved = ("out",)
    expr, grad_exprs = "1/a", ("−G / a²",)

    def forward(self, a):
        if a.dtype.kind in "iub":  # PyTorch: an integer's reciprocal is a float
            a = a.astype(np.float64)
        self.out = 1.0 / a
        return self.out

    def backward(self, g):
        y = self.output()
        return -g * (y * y)


@register(Reciprocal, method=True)
def reciprocal(input: Tensor) -> Tensor:
    """1/x (a float for integer input).  ∂L/∂x = −G / x²."""
    return Reciprocal().apply(input)


@register(method=True)
def square(input: Tensor) -> Tensor:
    """x², elementwise (ints stay ints).  ∂L/∂x = 2x ⊙ G."""
    return pow(input, 2)


class Atan2(Function):
    saved = ()
    expr, grad_exprs = "atan2(a, b)", ("G ⊙ b / (a² + b²)", "−G ⊙ a / (a² + b²)")

    def forward(self, a, b):
        return np.arctan2(a, b)

    def backward(self, g):
        a, b = self.inputs
        scale = g / (a * a + b * b)
        return (scale * b if a.requires_grad else None), (-scale * a if b.requires_grad else None)


@register(Atan2, method=True, aliases=("arctan2",))
def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input), in (−π, π].  ∂L/∂input = G ⊙ other / r²,
    ∂L/∂other = −G ⊙ input / r², with r² = input² + other²."""
    return _binary(Atan2, input, other)


class Sinh(Function):
    saved = ()
    expr, grad_exprs = "sinh(a)", ("G ⊙ cosh(a)",)

    def forward(self, a):
        return np.sinh(a)

    def backward(self, g):
        return g * cosh(self.inputs[0])


@register(Sinh, method=True)
def sinh(input: Tensor) -> Tensor:
    """sinh x.  ∂L/∂x = G ⊙ cosh x."""
    return Sinh().apply(input)


class Cosh(Function):
    saved = ()
    expr, grad_exprs = "cosh(a)", ("G ⊙ sinh(a)",)

    def forward(self, a):
        return np.cosh(a)

    def backward(self, g):
        return g * sinh(self.inputs[0])


@register(Cosh, method=True)
def cosh(input: Tensor) -> Tensor:
    """cosh x.  ∂L/∂x = G ⊙ sinh x."""
    return Cosh().apply(input)


class Tan(Function):
    saved = ("out",)
    expr, grad_exprs = "tan(a)", ("G ⊙ (1 + tan²a)",)

    def forward(self, a):
        self.out = np.tan(a)
        return self.out

    def backward(self, g):
        y = self.output()
        return g * (y * y + 1.0)


@register(Tan, method=True)
def tan(input: Tensor) -> Tensor:
    """tan x.  ∂L/∂x = G ⊙ (1 + tan²x)."""
    return Tan().apply(input)


class Asin(Function):
    """asin, or acos (= π/2 − asin) with `sign` −1."""
    saved = ()

    def __init__(self, sign: float = 1.0) -> None:
        self.sign = sign
        self.expr = "asin(a)" if sign > 0 else "acos(a)"
        self.grad_exprs = ("G / √(1 − a²)" if sign > 0 else "−G / √(1 − a²)",)

    @property
    def op_name(self) -> str:
        return "asin" if self.sign > 0 else "acos"

    def forward(self, a):
        return np.arcsin(a) if self.sign > 0 else np.arccos(a)

    def backward(self, g):
        a = self.inputs[0]
        return g / sqrt(1.0 - a * a) * self.sign


@register(Asin, method=True, aliases=("arcsin",))
def asin(input: Tensor) -> Tensor:
    """arcsin x, in [−π/2, π/2].  ∂L/∂x = G / √(1 − x²)."""
    return Asin().apply(input)


@register(Asin, method=True, aliases=("arccos",))
def acos(input: Tensor) -> Tensor:
    """arccos x, in [0, π].  ∂L/∂x = −G / √(1 − x²)."""
    return Asin(-1.0).apply(input)


class Atan(Function):
    saved = ()
    expr, grad_exprs = "atan(a)", ("G / (1 + a²)",)

    def forward(self, a):
        return np.arctan(a)

    def backward(self, g):
        a = self.inputs[0]
        return g / (a * a + 1.0)


@register(Atan, method=True, aliases=("arctan",))
def atan(input: Tensor) -> Tensor:
    """arctan x, in (−π/2, π/2).  ∂L/∂x = G / (1 + x²)."""
    return Atan().apply(input)


class Erf(Function):
    saved = ()
    expr, grad_exprs = "erf(a)", ("G ⊙ 2/√π·exp(−a²)",)

    def forward(self, a):
        from .activation import _erf  # SciPy's erf when installed (activation owns the fallback)
        return _erf(a)

    def backward(self, g):
        a = self.inputs[0]
        return g * exp(a * a * -1.0) * (2.0 / np.sqrt(np.pi))


@register(Erf, method=True)
def erf(input: Tensor) -> Tensor:
    """The error function 2/√π ∫₀ˣ exp(−t²) dt.  ∂L/∂x = G ⊙ 2/√π·exp(−x²)."""
    return Erf().apply(input)


class Erfinv(Function):
    saved = ("out",)
    expr, grad_exprs = "erf⁻¹(a)", ("G ⊙ √π/2·exp(erf⁻¹(a)²)",)

    def forward(self, a):
        try:
            from scipy.special import erfinv as scipy_erfinv
        except ImportError:  # Newton's method on erf, from a rational first guess
            self.out = _erfinv_newton(a)
        else:
            self.out = scipy_erfinv(a)
        return self.out

    def backward(self, g):
        y = self.output()
        return g * exp(y * y) * (np.sqrt(np.pi) / 2.0)


def _erfinv_newton(a: np.ndarray) -> np.ndarray:
    from .activation import _erf
    with np.errstate(all="ignore"):
        w = -np.log((1.0 - a) * (1.0 + a))  # Winitzki's approximation, relative error < 2e-3
        t = 2 / (np.pi * 0.147) - w / 2
        y = np.sign(a) * np.sqrt(np.sqrt(t * t + w / 0.147) - t)
        for _ in range(4):  # quadratic convergence: float64 accuracy from the ~2e-3 first guess
            y = y - (_erf(y) - a) / (2 / np.sqrt(np.pi) * np.exp(-y * y))
        y = np.where(np.abs(a) == 1, np.sign(a) * np.inf, np.where(np.abs(a) > 1, np.nan, y))
    return y.astype(a.dtype, copy=False)


@register(Erfinv, method=True)
def erfinv(input: Tensor) -> Tensor:
    """The inverse of erf on (−1, 1) (±inf at ±1, NaN outside).  ∂L/∂x = G ⊙ √π/2·exp(erfinv(x)²)."""
    return Erfinv().apply(input)
