"""Backward without create_graph routes bare arrays and calls each op's `backward_arrays` when it has
one: it must give exactly (bit for bit) what the Tensor formula `backward` gives (up to rounding where
the two are different formulas), and an op marked `grad_fits_input` must return a gradient of its input's shape and dtype (the engine skips that check)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.engine import Function
import autograd_lite.nn.functional as F
from autograd_lite.ops import elementwise as ew
from autograd_lite.ops.loss import ClassCrossEntropy
from autograd_lite.ops.matrix import Matmul
from autograd_lite.ops.norm import BatchNorm
from autograd_lite.ops.reduction import Mean, Sum


def _all_functions() -> list[type]:
    found, stack = [], [Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


ARRAY_BACKWARDS = [cls for cls in _all_functions() if cls.backward_arrays is not None]

# one op call per Function with backward_arrays: (the call on tensors a, b)
CALLS = {
    ew.Add: lambda a, b: a + b, ew.Sub: lambda a, b: a - b, ew.Mul: lambda a, b: a * b,
    ew.Div: lambda a, b: a / b, ew.Neg: lambda a, b: -a, ew.AddScalar: lambda a, b: a + 0.3,
    ew.MulScalar: lambda a, b: a * 1.7, ew.Exp: lambda a, b: al.exp(a), ew.Log: lambda a, b: al.log(a),
    ew.Sqrt: lambda a, b: al.sqrt(a), ew.Tanh: lambda a, b: al.tanh(a), ew.Sigmoid: lambda a, b: al.sigmoid(a),
    ew.Clone: lambda a, b: a.clone(), ew.Relu: lambda a, b: (a - 1.25).relu(),
    Sum: lambda a, b: a.sum(0) if a.ndim else a.sum(), Mean: lambda a, b: a.mean(-1, keepdim=True) if a.ndim else a.mean(),
    # a as rows (a 0-d one as (2, 1): batch norm needs two samples), b's first entries as parameters
    Matmul: lambda a, b: a.reshape(-1, 1) @ b.reshape(1, -1),
    ClassCrossEntropy: lambda a, b: F.cross_entropy(_rows(a), al.tensor(np.arange(len(_rows(a))) % _rows(a).shape[1])),
    BatchNorm: lambda a, b: F.batch_norm(_rows(a) * 1.0, None, None, b.reshape(-1)[:_rows(a).shape[1]],
                                         b.reshape(-1)[:_rows(a).shape[1]] * 0.5, training=True),
}


# ops whose array backward is another formula than their recorded one (batch norm's simplified backward
# against x̂ and σ⁻¹ recomputed as functions of x): compared up to rounding, the rest bit for bit
DIFFERENT_ALGEBRA = {BatchNorm}


def _rows(a: al.Tensor) -> al.Tensor:
    return a if a.ndim == 2 else a.expand(2, 1) * al.tensor(np.array([[1], [-1]], a.dtype))  # two distinct rows


def test_every_array_backward_is_tested_here():
    missing = sorted(cls.__name__ for cls in set(ARRAY_BACKWARDS) - set(CALLS))
    assert not missing, f"add a call of {missing} to CALLS, so that its backward_arrays is compared with backward"


@pytest.mark.parametrize("cls", list(CALLS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((), ())])
def test_backward_arrays_equals_the_tensor_formula(cls, dtype, shapes):
    rng = np.random.default_rng(5)
    a = al.tensor(rng.uniform(0.5, 2.0, shapes[0]).astype(dtype), requires_grad=True)
    b = al.tensor(rng.uniform(0.5, 2.0, shapes[1]).astype(dtype), requires_grad=True)
    out = CALLS[cls](a, b)
    node = out.grad_fn
    assert type(node) is cls
    g = rng.standard_normal(out.shape).astype(dtype)
    # the Tensor formula as create_graph runs it: under no_grad, matmul's, batch norm's and cross-entropy's
    # `backward` would call backward_arrays itself, and the comparison could not fail
    with al.enable_grad():
        expected = node.backward(al.tensor(g))
    got = node.backward_arrays(g)
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(expected)
    for e, r in zip(expected, got):
        if e is None:
            assert r is None
            continue
        r = np.asarray(r)
        assert r.dtype == e.dtype and r.shape == e.shape
        if cls in DIFFERENT_ALGEBRA:  # the same gradient by another formula: equal up to rounding
            eps = np.finfo(dtype).eps
            np.testing.assert_allclose(r, e.data, rtol=64 * eps, atol=64 * eps * max(1.0, float(np.abs(e.data).max())))
        else:
            np.testing.assert_array_equal(r, e.data)
        if cls.grad_fits_input:
            assert r.shape == a.shape and r.dtype == a.dtype


def test_relu_of_a_large_output_backward_arrays_equals_the_tensor_formula():
    rng = np.random.default_rng(7)
    a = al.tensor(rng.standard_normal(1 << 18).astype(np.float32), requires_grad=True)  # 1 MiB: the packed mask
    node = a.relu().grad_fn
    assert node.out is None and node.mask is not None
    g = rng.standard_normal(a.shape).astype(np.float32)
    with al.enable_grad():
        expected = node.backward(al.tensor(g))
    np.testing.assert_array_equal(node.backward_arrays(g), expected.data)


def test_a_chain_gives_the_same_gradient_with_and_without_create_graph():
    x = al.tensor(np.random.default_rng(6).standard_normal((5, 5)), requires_grad=True)

    def loss():
        h = x
        for _ in range(20):
            h = al.tanh(h) * 1.01 + 0.1
        return (al.exp(h) / (h * h + 1.0)).sum()
    loss().backward()
    plain = x.grad.data.copy()
    x.grad = None
    loss().backward(create_graph=True)
    np.testing.assert_array_equal(plain, x.grad.data)


def test_branching_graph_sums_every_path():
    x = al.tensor([0.5, -1.0, 2.0], requires_grad=True)
    a = al.tanh(x)
    y = (a * a + a * 2.0 + al.exp(a)).sum()  # three paths from a: the heap, not the lone-node shortcut
    y.backward()
    t = np.tanh(x.data)
    np.testing.assert_allclose(x.grad.data, (2 * t + 2 + np.exp(t)) * (1 - t * t), rtol=1e-12)


def test_hooks_see_tensors_and_can_replace_the_gradient():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    h = al.tanh(x) * 3.0
    seen = []
    h.register_hook(lambda g: seen.append(type(g)) or g * 2.0)
    h.sum().backward()
    assert seen == [al.Tensor]
    np.testing.assert_allclose(x.grad.data, 6.0 * (1 - np.tanh(x.data) ** 2))


def test_zero_dim_chain_gives_zero_dim_array_grads():
    x = al.tensor(0.3, requires_grad=True)
    (al.tanh(x) * 2.0 + 1.0).backward()
    assert type(x.grad.data) is np.ndarray and x.grad.shape == ()
    assert x.grad.item() == pytest.approx(2 * (1 - np.tanh(0.3) ** 2))


def test_backward_in_threads_at_once_with_and_without_create_graph():
    errors = []

    def work(seed: int, create_graph: bool) -> None:
        try:
            for _ in range(30):
                x = al.tensor(np.random.default_rng(seed).standard_normal(4), requires_grad=True)
                y = (al.tanh(x) * 2.0).sum()
                (gx,) = al.grad(y, x, create_graph=create_graph)
                assert (gx.grad_fn is not None) == create_graph
                np.testing.assert_allclose(gx.data, 2 * (1 - np.tanh(x.data) ** 2), rtol=1e-12)
                assert al.is_grad_enabled()
        except BaseException as e:  # reported by the main thread
            errors.append(e)
    threads = [threading.Thread(target=work, args=(i, i % 2 == 0)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
