"""The functional layer API, like torch.nn.functional: `import autograd_lite.nn.functional as F`.

A thin public module: each name is an op from `autograd_lite.ops` (the fused
primitives live in ops/conv.py, ops/norm.py, ops/activation.py, ops/loss.py),
with PyTorch's signatures and semantics.
"""
from __future__ import annotations

from ..ops import pad, relu, sigmoid, tanh
from ..ops.activation import dropout, elu, gelu, leaky_relu, log_softmax, silu, softmax, softplus
from ..ops.conv import avg_pool2d, conv2d, max_pool2d
from ..ops.linear import linear
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, mse_loss,
                        multi_margin_loss, nll_loss)
from ..ops.norm import batch_norm, group_norm, layer_norm

swish = silu

__all__ = ["linear", "conv2d", "max_pool2d", "avg_pool2d", "batch_norm", "layer_norm", "group_norm", "dropout",
           "relu", "leaky_relu", "sigmoid", "tanh", "silu", "swish", "gelu", "elu", "softplus", "softmax",
           "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "multi_margin_loss", "pad"]
