"""Tensor constructors and the seeded random generator that everything random draws from."""
from __future__ import annotations

from typing import Any

import numpy as np

from .device import check_device
from .tensor import Tensor, _to_array, check_dtype, get_default_dtype

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator behind rand/randn/dropout/initialisation/shuffling, for reproducible runs."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng() -> np.random.Generator:
    """The generator behind every random draw of the library (reseeded by `manual_seed`)."""
    return _rng


def _shape(size: Any, op: str) -> tuple[int, ...]:
    """A size given as ints or one tuple/list of ints; anything else (2.5, True, -1) is refused."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for i, s in enumerate(size):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}(): size must be a tuple of ints, but found element of type "
                            f"{type(s).__name__} ({s!r}) at position {i}")
        if s < 0:
            raise ValueError(f"{op}(): size {tuple(size)} has a negative dimension {s} (a negative size)")
    return tuple(int(s) for s in size)


def _new(data: np.ndarray, requires_grad: bool, name: str | None = None) -> Tensor:
    t = Tensor._make(data)
    t.name = name
    if requires_grad:
        t.requires_grad = True
    return t


def _dtype(dtype: Any, op: str) -> np.dtype:
    return get_default_dtype() if dtype is None else check_dtype(dtype, f"{op}()")


def _like_dtype(t: Tensor, dtype: Any, op: str) -> np.dtype:
    return t.dtype if dtype is None else check_dtype(dtype, f"{op}()")


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size (ints, or one tuple of ints)."""
    check_device(device, "zeros()")
    return _new(np.zeros(_shape(size, "zeros"), _dtype(dtype, "zeros")), requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size."""
    check_device(device, "ones()")
    return _new(np.ones(_shape(size, "ones"), _dtype(dtype, "ones")), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with fill_value."""
    check_device(device, "full()")
    return _new(np.full(_shape((size,), "full"), fill_value, _dtype(dtype, "full")), requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size (zero-filled here)."""
    check_device(device, "empty()")
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of t's shape and (unless given) dtype."""
    check_device(device, "zeros_like()")
    return _new(np.zeros(t.shape, _like_dtype(t, dtype, "zeros_like")), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of t's shape and (unless given) dtype."""
    check_device(device, "ones_like()")
    return _new(np.ones(t.shape, _like_dtype(t, dtype, "ones_like")), requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """fill_value in t's shape and (unless given) dtype."""
    check_device(device, "full_like()")
    return _new(np.full(t.shape, fill_value, _like_dtype(t, dtype, "full_like")), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix (n×n when m is None)."""
    check_device(device, "eye()")
    return _new(np.eye(*_shape((n,) if m is None else (n, m), "eye"), dtype=_dtype(dtype, "eye")), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Like torch.arange: integer arguments give int64, floats the default dtype."""
    check_device(device, "arange()")
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    dtype = check_dtype(dtype, "arange()")
    return _new(np.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    check_device(device, "linspace()")
    return _new(np.linspace(start, end, *_shape((steps,), "linspace"), dtype=_dtype(dtype, "linspace")), requires_grad)


# ----- the NumPy bridge --------------------------------------------------------------
_NUMPY_KINDS = "biuf"  # bool, signed and unsigned integers, floating point


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing ndarray's memory, as torch.from_numpy: writes to either show in the other.

    The dtype is kept (float32 stays float32); arrays of objects, strings or complex numbers are refused."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in _NUMPY_KINDS:
        raise TypeError(f"from_numpy(): can't convert np.ndarray of type {ndarray.dtype}; the supported types are "
                        "bool, integers and floating point")
    return Tensor._make(ndarray)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a tensor without copying when possible, as torch.as_tensor: a Tensor of that dtype is
    returned itself (another dtype: the differentiable cast), an ndarray of that dtype is shared
    (like from_numpy); anything else (lists, numbers, other dtypes) is copied as `tensor(data, dtype=dtype)`."""
    check_device(device, "as_tensor()")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and data.dtype.kind in _NUMPY_KINDS and (
            dtype is None or check_dtype(dtype, "as_tensor()") == data.dtype):
        return Tensor._make(data)
    return Tensor._make(_to_array(data, dtype))
