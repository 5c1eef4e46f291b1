"""autograd_lite: reverse-mode automatic differentiation on NumPy, for learning deep learning.

    import autograd_lite as al
    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])

The functions on tensors (`al.exp`, `al.matmul`, ...) are the ops registered with `al=True`
in `autograd_lite/ops/` (see ops/registry.py); the names below them are the rest of the API.
"""
from __future__ import annotations

import numpy as np

from . import _malloc

_malloc.tune()  # a training step reuses the memory the last one freed (glibc only; see _malloc.py)

from .tensor import TENSOR_TYPES as _TENSOR_TYPES, Tensor, get_default_dtype, is_tensor, set_default_dtype, tensor
from .device import backends, device
from .backprop import grad
from .engine import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import registry as _registry
from .creation import (arange, as_tensor, empty, eye, from_numpy, full, full_like, get_rng, linspace, manual_seed, ones,
                       ones_like, zeros, zeros_like)
from .random import (Generator, bernoulli, default_generator, initial_seed, multinomial, normal, rand, rand_like,
                     randint, randn, randn_like, randperm, seed)
from . import check, cuda, functional, random, utils

globals().update(_registry.namespace("al"))

# dtypes by PyTorch's names (NumPy's scalar types; `t.dtype == al.float32` holds for a float32 tensor)
float16, float32, float64 = np.float16, np.float32, np.float64
half, float, double = np.float16, np.float32, np.float64  # noqa: A001  (PyTorch's aliases: al.float is float32)
uint8, int8, int16, int32, int64 = np.uint8, np.int8, np.int16, np.int32, np.int64
short, int, long = np.int16, np.int32, np.int64  # noqa: A001
bool = bool_ = np.bool_  # noqa: A001
finfo, iinfo = np.finfo, np.iinfo
globals().update(_TENSOR_TYPES)  # FloatTensor, LongTensor, ...: PyTorch's legacy type names

__version__ = "0.1.0"

__all__ = ["Tensor", "tensor", "get_default_dtype", "set_default_dtype", "Function", "enable_grad", "grad",
           "is_grad_enabled", "no_grad", "set_grad_enabled", "arange", "empty", "eye", "full", "full_like", "get_rng",
           "linspace", "manual_seed", "ones", "ones_like", "rand", "rand_like", "randint", "randn", "randn_like",
           "randperm", "zeros", "zeros_like", "Generator", "default_generator", "initial_seed", "seed", "normal",
           "bernoulli", "multinomial", "check", "functional", "random", "utils", "cuda", "backends", "device", "is_tensor",
           "as_tensor", "from_numpy", "float16", "float32", "float64", "half", "double", "uint8", "int8", "int16",
           "int32", "int64", "short", "long", "bool_", "finfo", "iinfo", *_TENSOR_TYPES,  # not al.float/int/bool:
           # `from autograd_lite import *` must not hide Python's float, int and bool
           *sorted(_registry.namespace("al"))]


def __getattr__(name: str):  # the heavier subpackages load on first use
    import importlib
    if name in {"linalg", "nn", "optim", "viz", "data", "classic", "examples", "train", "autograd"}:
        return importlib.import_module(f".{name}", __name__)
    if name in {"save", "load"}:
        return getattr(importlib.import_module(".serialization", __name__), name)
    raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
