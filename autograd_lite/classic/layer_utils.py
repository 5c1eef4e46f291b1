"""The homework's "sandwich" layers: common chains of layers as one forward and one backward.

Each backward runs the parts' engine backwards in reverse order (the chain rule
between layers); the cache is the tuple of the parts' caches.
"""
from __future__ import annotations

import numpy as np

from .layers import (affine_backward, affine_forward, batchnorm_backward, batchnorm_forward, conv_backward_naive,
                     conv_forward_naive, layernorm_backward, layernorm_forward, max_pool_backward_naive,
                     max_pool_forward_naive, relu_backward, relu_forward)

Grads3 = tuple[np.ndarray, np.ndarray, np.ndarray]


def affine_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """relu(x.reshape(N, D) @ w + b)."""
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout: np.ndarray, cache: tuple) -> Grads3:
    """(dx, dw, db) of affine → ReLU."""
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)


def affine_norm_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                             norm_param: dict, normalization: str) -> tuple[np.ndarray, tuple]:
    """relu(norm(x @ w + b)) with normalization 'batchnorm' or 'layernorm' (FullyConnectedNet's hidden layer)."""
    norm_forward = {"batchnorm": batchnorm_forward, "layernorm": layernorm_forward}[normalization]
    a, fc_cache = affine_forward(x, w, b)
    a_norm, norm_cache = norm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a_norm)
    return out, (fc_cache, norm_cache, relu_cache, normalization)


def affine_norm_relu_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """(dx, dw, db, dgamma, dbeta) of affine → norm → ReLU."""
    fc_cache, norm_cache, relu_cache, normalization = cache
    norm_backward = {"batchnorm": batchnorm_backward, "layernorm": layernorm_backward}[normalization]
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = norm_backward(da_norm, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict) -> tuple[np.ndarray, tuple]:
    """relu(conv(x, w, b))."""
    a, conv_cache = conv_forward_naive(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout: np.ndarray, cache: tuple) -> Grads3:
    """(dx, dw, db) of conv → ReLU."""
    conv_cache, relu_cache = cache
    return conv_backward_naive(relu_backward(dout, relu_cache), conv_cache)


def conv_relu_pool_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict,
                           pool_param: dict) -> tuple[np.ndarray, tuple]:
    """maxpool(relu(conv(x, w, b)))."""
    a, conv_cache = conv_forward_naive(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_naive(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(dout: np.ndarray, cache: tuple) -> Grads3:
    """(dx, dw, db) of conv → ReLU → max pool."""
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_naive(dout, pool_cache)
    return conv_backward_naive(relu_backward(ds, relu_cache), conv_cache)
