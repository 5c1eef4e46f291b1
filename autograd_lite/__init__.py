"""autograd_lite: reverse-mode automatic differentiation on NumPy, for learning deep learning.

    import autograd_lite as al
    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""
from __future__ import annotations

import numpy as np

from .tensor import Tensor, get_default_dtype, set_default_dtype, tensor
from .engine import Function, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import (abs, add, argmax, argmin, astype, broadcast_to, cat, chunk, clamp, clip, clone, concatenate,
                  cos, diag, diag_embed, diagonal, div, einsum, eq, exp, expand, flatten, flip, ge, gt, isfinite,
                  isnan, le, log, logical_and, logical_not, logical_or, logsumexp, lt, matmul, max, maximum, mean,
                  min, minimum, movedim, mul, ne, neg, outer, pad, permute, pow, relu, reshape, sigmoid, sign, sin,
                  split, sqrt, squeeze, stack, std, sub, sum, sum_to, tanh, trace, transpose, unsqueeze, var, where)
from .creation import (arange, empty, eye, full, full_like, get_rng, linspace, manual_seed, ones, ones_like, rand,
                       rand_like, randint, randn, randn_like, randperm, zeros, zeros_like)
from . import check, functional

float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_
amax, amin = max, min

__version__ = "0.1.0"


def __getattr__(name: str):  # the heavier subpackages load on first use
    import importlib
    if name in {"linalg", "nn", "optim", "viz", "data", "classic", "examples", "train"}:
        return importlib.import_module(f".{name}", __name__)
    if name in {"logdet"}:
        return getattr(importlib.import_module(".linalg", __name__), name)
    if name in {"save", "load"}:
        return getattr(importlib.import_module(".serialization", __name__), name)
    raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
