"""PyTorch agreement beyond single ops (every op's own parity is generated from
tests/op_table.py by tests/test_op_table.py): in-place writes, accumulation and
hooks, var/std defaults, creation dtypes. Skipped when torch is absent."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al

torch = pytest.importorskip("torch")

R = np.random.default_rng(2024)


def test_setitem_gradient_matches_torch():
    x_np, v_np = R.standard_normal((3, 4)), R.standard_normal(4)

    def run(lib, x, v):
        y = x * 2.0
        y[1] = v * 3.0
        y[:, 0] = 0.0
        return (y * y).sum()
    ours = [al.tensor(x_np, requires_grad=True), al.tensor(v_np, requires_grad=True)]
    theirs = [torch.tensor(x_np, requires_grad=True), torch.tensor(v_np, requires_grad=True)]
    run(al, *ours).backward()
    run(torch, *theirs).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12)


def test_accumulation_and_hooks_match_torch():
    x_np = R.standard_normal(3)
    results = []
    for lib in (al, torch):
        x = lib.tensor(x_np, requires_grad=True)
        y = x * 2.0
        y.register_hook(lambda g: g * 3.0)
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        (y ** 3).sum().backward()
        results.append((x.grad.numpy() if lib is torch else x.grad.data,
                        y.grad.numpy() if lib is torch else y.grad.data))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_var_std_defaults_match_torch():
    a = R.standard_normal((4, 5))
    for fn in ("var", "std"):
        for kwargs in ({}, {"dim": 1}, {"dim": 0, "unbiased": False}, {"dim": (0, 1), "keepdim": True}):
            ours = getattr(al, fn)(al.tensor(a), **kwargs)
            theirs = getattr(torch, fn)(torch.tensor(a), **kwargs)
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, err_msg=f"{fn} {kwargs}")


def test_creation_dtypes_match_torch_defaults():
    assert al.arange(5).dtype == np.int64 and torch.arange(5).dtype == torch.int64
    assert al.arange(0.0, 1.0, 0.25).shape == tuple(torch.arange(0.0, 1.0, 0.25).shape)
    np.testing.assert_allclose(al.linspace(-1, 1, 7).data, torch.linspace(-1, 1, 7, dtype=torch.float64).numpy(), atol=1e-15)
    np.testing.assert_array_equal(al.eye(3, 4).data, torch.eye(3, 4).numpy())
