"""Activations, softmax / log-softmax and dropout as primitives.

Every forward is stable for any finite x (no overflow warnings, no NaN at ±1000):
exponentials only ever see non-positive arguments. Each backward is written in
Tensor ops of the input or the saved output, so second derivatives work.
(relu, sigmoid and tanh live with the core elementwise ops.)
"""
from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..backprop import refuse_non_tensors
from ..creation import get_rng
from ..engine import Function, OpError
from ..tensor import Tensor
from .dims import dim_index
from .elementwise import exp, minimum, sigmoid, tanh, where
from .registry import register


class LeakyRelu(Function):
    grad_exprs = ("G ⊙ (a > 0 ? 1 : s)",)
    saved = ()

    def __init__(self, slope: float) -> None:
        self.slope = float(slope)
        self.expr = f"a > 0 ? a : {self.slope:g}·a"

    def forward(self, x):
        return np.where(x > 0, x, x * self.slope)

    def backward(self, g):
        x = self.inputs[0].data
        return g * Tensor._make(np.where(x > 0, 1.0, self.slope).astype(g.dtype))


@register(LeakyRelu, al=False, F=True, module="LeakyReLU")
def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise.  ∂L/∂x = G ⊙ (x > 0 ? 1 : negative_slope)."""
    return LeakyRelu(negative_slope).apply(input)


class Silu(Function):
    """silu(x) = x·σ(x) (swish); d/dx = σ(x)·(1 + x·(1 − σ(x)))."""
    expr, grad_exprs = "a·σ(a)", ("G ⊙ σ(a)(1 + a(1 − σ(a)))",)
    saved = ()

    def forward(self, x):
        e = np.exp(-np.abs(x))
        return x * np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(self, g):
        x = self.inputs[0]
        s = sigmoid(x)
        return g * (s * (x * (1.0 - s) + 1.0))


@register(Silu, al=False, F=True, aliases=("swish",), module=("SiLU", "Swish"))
def silu(input: Tensor) -> Tensor:
    """x·σ(x), also called swish.  ∂L/∂x = G ⊙ σ(x)(1 + x(1 − σ(x)))."""
    return Silu().apply(input)


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf
        return erf(x)
    except ImportError:  # exact but slower
        return np.vectorize(math.erf, otypes=[x.dtype])(x)


class Gelu(Function):
    """gelu(x) = x·Φ(x) with Φ the standard normal CDF; d/dx = Φ(x) + x·φ(x)."""
    expr, grad_exprs = "a·Φ(a)", ("G ⊙ (Φ(a) + a·φ(a))",)
    saved = ()

    def forward(self, x):
        return x * (0.5 * (1.0 + _erf(x * (1 / math.sqrt(2)))))

    def backward(self, g):
        x = self.inputs[0]
        return g * GeluGrad().apply(x)


class GeluGrad(Function):
    """Φ(x) + x·φ(x), whose own derivative is φ(x)·(2 − x²)."""
    expr, grad_exprs = "Φ(a) + a·φ(a)", ("G ⊙ φ(a)(2 − a²)",)
    saved = ()

    def forward(self, x):
        pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return 0.5 * (1.0 + _erf(x * (1 / math.sqrt(2)))) + x * pdf

    def backward(self, g):
        x = self.inputs[0]
        pdf = exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
        return g * pdf * (2.0 - x * x)


@register(Gelu, al=False, F=True, module="GELU")
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x); approximate='tanh' uses 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) like PyTorch.
    ∂L/∂x = G ⊙ (Φ(x) + x·φ(x))."""
    if approximate == "tanh":
        inner = (input + input ** 3 * 0.044715) * math.sqrt(2 / math.pi)
        return input * (tanh(inner) + 1.0) * 0.5
    if approximate != "none":
        raise OpError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu().apply(input)


class Elu(Function):
    """elu(x) = x for x > 0, α(eˣ − 1) otherwise; d/dx = 1, resp. α·eˣ."""
    grad_exprs = ("G ⊙ (a > 0 ? 1 : α·exp(a))",)
    saved = ()

    def __init__(self, alpha: float) -> None:
        self.alpha = float(alpha)
        self.expr = f"a > 0 ? a : {self.alpha:g}(exp(a) − 1)"

    def forward(self, x):
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)) * self.alpha)

    def backward(self, g):
        x = self.inputs[0]
        negative_part = exp(minimum(x, 0.0)) * self.alpha
        return g * where(x.data > 0, 1.0, negative_part)


@register(Elu, al=False, F=True, module="ELU")
def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α(eˣ − 1) otherwise.  ∂L/∂x = G ⊙ (x > 0 ? 1 : α·eˣ)."""
    return Elu(alpha).apply(input)


class Softplus(Function):
    """softplus(x) = log(1 + exp(βx))/β, and x itself where βx > threshold (as PyTorch); d/dx = σ(βx)."""
    grad_exprs = ("G ⊙ σ(βa)",)
    saved = ()

    def __init__(self, beta: float, threshold: float) -> None:
        self.beta, self.threshold = float(beta), float(threshold)
        self.expr = f"log(1 + exp({self.beta:g}a))/{self.beta:g}"

    def forward(self, x):
        bx = x * self.beta
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) * (1 / self.beta)
        return np.where(bx > self.threshold, x, soft)

    def backward(self, g):
        x = self.inputs[0]
        linear = x.data * self.beta > self.threshold
        return g * where(linear, 1.0, sigmoid(x * self.beta))


@register(Softplus, al=False, F=True, module="Softplus")
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(βx))/β (x itself where βx > threshold).  ∂L/∂x = G ⊙ σ(βx)."""
    return Softplus(beta, threshold).apply(input)


class Softmax(Function):
    """y = exp(x − max x)/Σ exp(x − max x) along dim; dx = y ⊙ (G − Σ G⊙y)."""
    expr, grad_exprs = "softmax(a)", ("y ⊙ (G − Σ G⊙y)",)
    saved = ("out",)

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, x):
        e = np.exp(x - np.max(x, axis=self.dim, keepdims=True))
        self.out = e / np.sum(e, axis=self.dim, keepdims=True)
        return self.out

    def backward(self, g):
        y = self.output()
        return y * (g - (g * y).sum(self.dim, keepdim=True))


def _softmax_dim(op: str, x: Tensor, dim: int | None) -> int:
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return dim_index(dim, x.ndim, op) if x.ndim else 0


@register(Softmax, method=True, F=True, module="Softmax")
def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """exp(x)/Σ exp(x) along dim, without overflow.  ∂L/∂x = y ⊙ (G − Σ G⊙y)."""
    return Softmax(_softmax_dim("softmax", input, dim)).apply(input)


class LogSoftmax(Function):
    """y = x − logsumexp(x) along dim; dx = G − exp(y)·Σ G."""
    expr, grad_exprs = "a − logΣexp(a)", ("G − softmax(a)·Σ G",)
    saved = ("out",)

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, x):
        shifted = x - np.max(x, axis=self.dim, keepdims=True)
        self.out = shifted - np.log(np.sum(np.exp(shifted), axis=self.dim, keepdims=True))
        return self.out

    def backward(self, g):
        return g - exp(self.output()) * g.sum(self.dim, keepdim=True)


@register(LogSoftmax, method=True, F=True, module="LogSoftmax")
def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """x − logsumexp(x) along dim, without overflow.  ∂L/∂x = G − softmax(x)·Σ G."""
    return LogSoftmax(_softmax_dim("log_softmax", input, dim)).apply(input)


class Dropout(Function):
    """y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p) drawn from al.get_rng(); dx = G ⊙ m / (1 − p)."""
    grad_exprs = ("G ⊙ m/(1 − p)",)
    saved = ("scaled_mask",)

    def __init__(self, p: float) -> None:
        self.p = p
        self.expr = f"dropout(a, p={p:g})"

    def forward(self, x):
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        keep = get_rng().random(x.shape, dtype=dtype) >= self.p
        self.scaled_mask = keep.astype(x.dtype) * (1.0 / (1.0 - self.p))
        return x * self.scaled_mask

    def backward(self, g):
        return g * Tensor._make(self.scaled_mask)


@register(Dropout, F=True)
def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p); the identity if not training."""
    if not 0 <= p <= 1:
        raise OpError(f"dropout: p is the probability of zeroing and must be in [0, 1], got p={p}")
    if not training or p == 0:
        return input
    if p == 1:  # everything is dropped, as in PyTorch (there is no 1/(1 − p) to scale by)
        return input * 0.0
    return Dropout(float(p)).apply(input)


# ----- the rarer activations: compositions of the ops above, exact (PyTorch's formulas and kink conventions)
def require_tensors(op: str, *inputs: Any) -> None:
    """The one-line TypeError a Function gives for a non-Tensor input (e.g. a NumPy array), for a composed op."""
    if not all(isinstance(t, Tensor) for t in inputs):
        refuse_non_tensors(SimpleNamespace(op_name=op), inputs)  # type: ignore[arg-type]  (reads op_name only)


def _nonnegative(op: str, name: str, value: float) -> float:
    if value < 0:
        raise OpError(f"{op}: {name} must be at least 0, got {name}={value}")
    return float(value)


@register(al=False, F=True, module="Hardtanh")
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val]; any shape → the same shape.
    ∂L/∂x = G where min_val < x < max_val, else 0 (PyTorch's: 0 at the ends too)."""
    require_tensors("hardtanh", input)
    if min_val > max_val:
        raise OpError(f"hardtanh: min_val must not be greater than max_val, got min_val={min_val}, "
                      f"max_val={max_val}")
    x = input.data
    return where((x > min_val) & (x < max_val), input, np.clip(x, min_val, max_val).astype(x.dtype))


@register(al=False, F=True, module="ReLU6")
def relu6(input: Tensor) -> Tensor:
    """min(max(x, 0), 6), i.e. hardtanh(x, 0, 6); any shape → the same shape.  ∂L/∂x = G where 0 < x < 6, else 0."""
    require_tensors("relu6", input)
    return hardtanh(input, 0.0, 6.0)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


@register(F=True, module="SELU")
def selu(input: Tensor) -> Tensor:
    """scale·elu(x, α) with PyTorch's α ≈ 1.6733, scale ≈ 1.0507; any shape → the same shape.
    ∂L/∂x = G ⊙ scale·(x > 0 ? 1 : α·eˣ)."""
    require_tensors("selu", input)
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


@register(F=True, module="CELU")
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α(exp(x/α) − 1) otherwise (= α·elu(x/α)); any shape → the same shape.
    ∂L/∂x = G ⊙ (x > 0 ? 1 : exp(x/α))."""
    require_tensors("celu", input)
    if alpha == 0:
        raise OpError("celu: alpha must not be 0 (it divides x), got alpha=0")
    return elu(input * (1.0 / alpha)) * float(alpha)


@register(al=False, F=True, module="Mish")
def mish(input: Tensor) -> Tensor:
    """x·tanh(softplus(x)); any shape → the same shape.
    ∂L/∂x = G ⊙ (tanh(sp) + x·σ(x)·(1 − tanh²(sp))), sp = softplus(x)."""
    require_tensors("mish", input)
    return input * tanh(softplus(input))


@register(al=False, F=True, module="Hardswish")
def hardswish(input: Tensor) -> Tensor:
    """x·relu6(x + 3)/6: 0 for x ≤ −3, x for x ≥ 3; any shape → the same shape.
    ∂L/∂x = G ⊙ (x ≤ −3 ? 0 : x ≥ 3 ? 1 : x/3 + 1/2)."""
    require_tensors("hardswish", input)
    return input * hardtanh(input + 3.0, 0.0, 6.0) * (1 / 6)  # at ±3 the gradient is PyTorch's 0 and 1


@register(al=False, F=True, module="Hardsigmoid")
def hardsigmoid(input: Tensor) -> Tensor:
    """relu6(x + 3)/6: 0 for x ≤ −3, 1 for x ≥ 3; any shape → the same shape.  ∂L/∂x = G/6 where −3 < x < 3, else 0."""
    require_tensors("hardsigmoid", input)
    return hardtanh(input + 3.0, 0.0, 6.0) * (1 / 6)


@register(al=False, F=True, module="LogSigmoid")
def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x) = −softplus(−x), stable for any finite x; any shape → the same shape.  ∂L/∂x = G ⊙ σ(−x)."""
    require_tensors("logsigmoid", input)
    return -softplus(-input, 1.0, math.inf)  # no linear shortcut: exact for very negative x too


@register(al=False, F=True, module="Tanhshrink")
def tanhshrink(input: Tensor) -> Tensor:
    """x − tanh(x); any shape → the same shape.  ∂L/∂x = G ⊙ tanh²(x)."""
    require_tensors("tanhshrink", input)
    return input - tanh(input)


@register(al=False, F=True, module="Softshrink")
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x − λ for x > λ, x + λ for x < −λ, 0 otherwise; any shape → the same shape.
    ∂L/∂x = G where abs(x) > λ, else 0."""
    require_tensors("softshrink", input)
    lambd = _nonnegative("softshrink", "lambd", lambd)
    x = input.data
    return where(np.abs(x) > lambd, input - np.where(x > 0, lambd, -lambd).astype(x.dtype), 0.0)


@register(method=True, F=True, module="Hardshrink")
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where abs(x) > λ, 0 otherwise; any shape → the same shape.  ∂L/∂x = G where abs(x) > λ, else 0."""
    require_tensors("hardshrink", input)
    return where(np.abs(input.data) > lambd, input, 0.0)


@register(F=True, module="Threshold")
def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """x where x > threshold, value otherwise; any shape → the same shape.
    ∂L/∂x = G where x > threshold, else 0."""
    require_tensors("threshold", input)
    return where(input.data > threshold, input, float(value))


@register(method=True, F=True)
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, w·x otherwise, w learnable: weight (1,) shared or (C,) one per channel (dim 1 of
    input; inputs of fewer than 2 dims have one channel).  ∂L/∂x = G ⊙ (x > 0 ? 1 : w),
    ∂L/∂w = Σ G ⊙ x over the elements x ≤ 0 of its channel."""
    require_tensors("prelu", input, weight)
    channels, n = (input.shape[1] if input.ndim >= 2 else 1), weight.data.size
    if weight.ndim > 1 or n not in (1, channels):
        raise OpError(f"prelu: weight must have 1 or {channels} (the input's channels) elements, got weight of "
                      f"shape {weight.shape} for input of shape {input.shape}")
    if n > 1:  # one slope per channel: (C,) → (C, 1, ..., 1) against dim 1
        weight = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    elif weight.ndim:
        weight = weight.reshape(())
    return where(input.data > 0, input, input * weight)
