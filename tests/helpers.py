"""Shared test helpers: every op test calls `check_op`, which checks first and
second derivatives the same way, in float64, against central differences."""
from __future__ import annotations

import inspect
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


def assert_signature(fn, names, **defaults):
    """The leading positional parameters are `names` (in order) and the given ones default as stated."""
    params = inspect.signature(fn).parameters
    positional = [n for n, p in params.items()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and n != "self"]
    assert positional[:len(names)] == list(names), f"{fn.__qualname__}{inspect.signature(fn)}"
    for name, default in defaults.items():
        assert name in params, f"{fn.__qualname__} has no parameter {name!r}"
        assert params[name].default == default, f"{fn.__qualname__}: {name} defaults to {params[name].default!r}"


def data(*shape, seed=0, positive=False):
    rng = np.random.default_rng(seed + 31 * len(shape) + sum(shape))
    return rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)


def leaf(array):
    return al.tensor(np.array(array), requires_grad=True)


def compare_with_torch(al_fn: Callable[..., Any], torch_fn: Callable[..., Any], *arrays: Any, atol: float = 1e-8,
                       rtol: float = 1e-6, grad: bool = True) -> None:
    """Run both functions on float64 leaves made from `arrays`; outputs and gradients must agree."""
    torch = torch_or_skip()
    xs = [leaf(a) for a in arrays]
    ts = [torch.tensor(np.array(a), requires_grad=grad) for a in arrays]
    out, expected = al_fn(*xs), torch_fn(*ts)
    outs = out if isinstance(out, tuple) else (out,)
    expecteds = expected if isinstance(expected, tuple) else (expected,)
    assert len(outs) == len(expecteds)
    for o, e in zip(outs, expecteds):
        assert o.shape == tuple(e.shape)
        np.testing.assert_allclose(o.data, e.detach().numpy(), atol=atol, rtol=rtol)
    if not grad:
        return
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(o.shape) for o in outs]
    sum(((o * al.tensor(w)).sum() for o, w in zip(outs, weights) if o.dtype.kind == "f"), al.tensor(0.0)).backward()
    sum(((e * torch.tensor(w)).sum() for e, w in zip(expecteds, weights) if e.dtype.is_floating_point)).backward()
    for x, t in zip(xs, ts):
        assert (x.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert x.grad.shape == x.shape
            np.testing.assert_allclose(x.grad.data, t.grad.numpy(), atol=atol, rtol=rtol)


def assert_clear_error(call: Callable[[], Any], match: str) -> None:
    """call() raises one of the errors bad input gets, with a message matching `match` (a regex)."""
    import re

    import pytest
    with pytest.raises((ValueError, IndexError, TypeError, RuntimeError)) as info:
        call()
    assert re.search(match, error_text(info.value), re.S), f"unclear error: {type(info.value).__name__}: {info.value}"


def error_text(e: BaseException) -> str:
    """An exception's message and its notes (where the engine names the op that raised it)."""
    return "\n".join([str(e), *getattr(e, "__notes__", ())])
