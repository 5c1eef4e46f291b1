"""The affine map of fully-connected layers, fused: one node instead of transpose, matmul and add."""
from __future__ import annotations

from ..engine import Function, OpError, is_grad_enabled
from ..tensor import Tensor
from .registry import register


class Linear(Function):
    """y = x·Wᵀ + b for x (..., in), W (out, in), b (out,); dx = G·W, dW = Gᵀ·x, db = Σ G.

    Only the gradients of inputs that require grad are computed (an input batch usually doesn't).
    """
    saved = ()  # backward reads its inputs
    expr, grad_exprs = "a·bᵀ + c", ("G·b", "Gᵀ·a", "Σ G")

    def forward(self, x, w, b=None):
        out = x @ w.T
        if b is not None:
            out += b
        return out

    def backward(self, g):
        x, w = self.inputs[:2]
        wants_bias = len(self.inputs) > 2 and self.inputs[2].requires_grad
        if is_grad_enabled():  # create_graph: recorded Tensor ops, so the gradient differentiates again
            g2, x2 = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])  # leading dims as rows
            gx = g @ w if x.requires_grad else None
            gw = g2.mT @ x2 if w.requires_grad else None
            gb = g2.sum(0) if wants_bias else None
        else:  # plain NumPy: no nodes, and Gᵀ is a transposed view that BLAS reads in place
            ga = g.data
            g2 = ga.reshape(-1, ga.shape[-1])
            gx = Tensor._make(ga @ w.data) if x.requires_grad else None
            gw = Tensor._make(g2.T @ x.data.reshape(-1, x.shape[-1])) if w.requires_grad else None
            gb = Tensor._make(g2.sum(0)) if wants_bias else None
        return (gx, gw, gb)[:len(self.inputs)]


@register(Linear, al=False, F=True)
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input·weightᵀ + bias, weight of shape (out_features, in_features) as in PyTorch."""
    if weight.ndim != 2 or input.ndim < 1 or input.shape[-1] != weight.shape[1]:
        raise OpError(f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape} "
                      "(expected input (..., in_features), weight (out_features, in_features))")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise OpError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    return Linear().apply(input, weight) if bias is None else Linear().apply(input, weight, bias)
