"""The homework's three-layer convolutional network, built from the classic layers.

conv → ReLU → 2×2 max pool → affine → ReLU → affine → softmax, on inputs of
shape (N, C, H, W). Same model API as `fc_net`: `params`, `loss(X)` for scores,
`loss(X, y)` for `(loss, grads)`.
"""
from __future__ import annotations

import numpy as np

import autograd_lite as al

from .fc_net import add_weight_decay
from .layer_utils import affine_relu_backward, affine_relu_forward, conv_relu_pool_backward, conv_relu_pool_forward
from .layers import affine_backward, affine_forward, softmax_loss


class ThreeLayerConvNet:
    """Parameters W1 (F, C, HH, WW), b1 (F,), W2 (F·H/2·W/2, hidden_dim), b2, W3 (hidden_dim, num_classes), b3.

    The convolution keeps the spatial size (stride 1, pad (filter_size − 1) // 2);
    the pool halves it. Weights are weight_scale · N(0, 1), biases zero.
    """

    def __init__(self, input_dim: tuple[int, int, int] = (3, 32, 32), num_filters: int = 32, filter_size: int = 7,
                 hidden_dim: int = 100, num_classes: int = 10, weight_scale: float = 1e-3, reg: float = 0.0,
                 dtype: type = np.float32) -> None:
        C, H, W = input_dim
        self.reg, self.dtype = reg, dtype
        self.params = {
            "W1": weight_scale * np.random.randn(num_filters, C, filter_size, filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * np.random.randn(num_filters * (H // 2) * (W // 2), hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores (N, num_classes) when y is None; else (loss, grads)."""
        p = self.params
        filter_size = p["W1"].shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        with al.set_grad_enabled(y is not None):  # scoring records no graph
            pooled, pool_cache = conv_relu_pool_forward(X.astype(self.dtype), p["W1"], p["b1"], conv_param,
                                                        pool_param)
            hidden, hidden_cache = affine_relu_forward(pooled, p["W2"], p["b2"])
            scores, scores_cache = affine_forward(hidden, p["W3"], p["b3"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dhidden, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, hidden_cache)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dpooled, pool_cache)
        loss = add_weight_decay(loss, grads, p, ["W1", "W2", "W3"], self.reg)
        return loss, grads
