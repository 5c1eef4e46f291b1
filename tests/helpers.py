"""Shared test helpers: every op test calls `check_op`, which checks first and
second derivatives the same way, in float64, against central differences."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import autograd_lite as al
from autograd_lite.check import gradcheck, gradgradcheck, rel_error  # noqa: F401  (the one rel_error of the tests)


def rand(*shape: int, seed: int = 0, positive: bool = False, requires_grad: bool = True) -> al.Tensor:
    rng = np.random.default_rng(seed + 7919 * len(shape) + sum(shape))
    data = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
    return al.tensor(data, requires_grad=requires_grad)


def check_op(fn: Callable[..., al.Tensor], *inputs: Any, order: int = 2, atol: float = 1e-5,
             rtol: float = 1e-3, eps: float = 1e-6) -> None:
    """gradcheck (and gradgradcheck when order == 2) of fn at the given float64 inputs."""
    for x in inputs:
        if isinstance(x, al.Tensor) and x.dtype.kind == "f":
            assert x.dtype == np.float64, "gradchecks run in float64"
    assert gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if order >= 2:
        assert gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)


def torch_or_skip() -> Any:
    import pytest
    return pytest.importorskip("torch")
