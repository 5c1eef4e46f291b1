"""Dtypes: NumPy arrays keep theirs, Python data gets the default dtype, float32
stays float32 through every op and its gradient, and only floats require grad."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al


def f32(*shape: int, seed: int = 0, positive: bool = False) -> al.Tensor:
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
    return al.tensor(data.astype(np.float32), requires_grad=True)


# name -> (function, input shapes, positive inputs)
OPS = {
    "add": (lambda a, b: a + b, [(2, 3), (3,)], False),
    "sub": (lambda a, b: a - b, [(2, 3), (3,)], False),
    "mul": (lambda a, b: a * b, [(2, 3), (3,)], False),
    "div": (lambda a, b: a / b, [(2, 3), (3,)], True),
    "pow": (lambda a, b: a ** b, [(2, 3), (3,)], True),
    "neg": (lambda a: -a, [(3,)], False),
    "scalars": (lambda a: (2.0 * a + 1.5) / 3.0 - 0.5, [(3,)], False),
    "numpy_scalars": (lambda a: a * np.float64(2.0) + np.float64(1.0), [(3,)], False),
    "pow_scalar": (lambda a: a ** 3 + a ** 2.5 + 2.0 ** a, [(3,)], True),
    "exp": (al.exp, [(3,)], False),
    "log": (al.log, [(3,)], True),
    "sqrt": (al.sqrt, [(3,)], True),
    "abs": (al.abs, [(3,)], False),
    "sin": (al.sin, [(3,)], False),
    "cos": (al.cos, [(3,)], False),
    "tanh": (al.tanh, [(3,)], False),
    "sigmoid": (al.sigmoid, [(3,)], False),
    "relu": (al.relu, [(3,)], False),
    "maximum": (al.maximum, [(2, 3), (3,)], False),
    "minimum": (al.minimum, [(2, 3), (3,)], False),
    "where": (lambda a, b: al.where(a > 0, a, b), [(2, 3), (3,)], False),
    "where_scalar": (lambda a: al.where(a > 0, a, 0.0), [(3,)], False),
    "clamp": (lambda a: al.clamp(a, -0.5, 0.5), [(3,)], False),
    "sum": (lambda a: a.sum(1), [(2, 3)], False),
    "mean": (lambda a: a.mean(), [(2, 3)], False),
    "max": (lambda a: a.max(0).values, [(2, 3)], False),
    "amax": (lambda a: a.amax(0), [(2, 3)], False),
    "min": (lambda a: a.min(), [(2, 3)], False),
    "var": (lambda a: a.var(1), [(2, 3)], False),
    "std": (lambda a: a.std(), [(2, 3)], False),
    "logsumexp": (lambda a: al.logsumexp(a, 1), [(2, 3)], False),
    "reshape": (lambda a: a.reshape(3, 2), [(2, 3)], False),
    "transpose": (lambda a: a.T, [(2, 3)], False),
    "expand": (lambda a: a.expand(2, 3), [(3,)], False),
    "cat": (lambda a, b: al.cat([a, b.reshape(1, 3)]), [(2, 3), (3,)], False),
    "stack": (lambda a, b: al.stack([a, b]), [(3,), (3,)], False),
    "split": (lambda a: al.split(a, [1, 2], 1)[1], [(2, 3)], False),
    "pad": (lambda a: al.pad(a, (1, 1), value=2.0), [(2, 3)], False),
    "flip": (lambda a: al.flip(a, 0), [(2, 3)], False),
    "getitem": (lambda a: a[np.array([0, 0, 1]), 1:], [(2, 3)], False),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3,)], False),
    "outer": (al.outer, [(3,), (2,)], False),
    "einsum": (lambda a, b: al.einsum("ij,j->i", a, b), [(2, 3), (3,)], False),
    "trace": (al.trace, [(3, 3)], False),
    "diag": (al.diag, [(3,)], False),
    "diagonal": (lambda a: a.diagonal(), [(3, 3)], False),
}


@pytest.mark.parametrize("name", OPS)
def test_float32_stays_float32_through_op_and_gradient(name):
    fn, shapes, positive = OPS[name]
    xs = [f32(*s, seed=i, positive=positive) for i, s in enumerate(shapes)]
    out = fn(*xs)
    assert out.dtype == np.float32, f"{name} returned {out.dtype}"
    grads = al.grad((out * out).sum(), xs, create_graph=True)
    assert all(g.dtype == np.float32 for g in grads), f"gradient of {name}: {[g.dtype for g in grads]}"
    (gg,) = al.grad((grads[0] * grads[0]).sum(), xs[0], retain_graph=True, allow_unused=True)  # 2nd order
    assert gg is None or gg.dtype == np.float32
    out.sum().backward()
    assert all(x.grad.dtype == np.float32 for x in xs)


def test_numpy_arrays_keep_their_dtype_and_python_data_gets_the_default():
    assert al.tensor(np.ones(2, np.float32)).dtype == np.float32
    assert al.tensor(np.ones(2, np.int32)).dtype == np.int32
    assert al.tensor(np.array([True])).dtype == np.bool_
    assert al.tensor([1.0, 2.0]).dtype == np.float64
    assert al.tensor(3.0).dtype == np.float64
    assert al.tensor([1, 2]).dtype == np.int64  # Python ints give int64, as in PyTorch
    assert al.tensor([1, 2.5]).dtype == np.float64  # a mix with floats: the default
    assert al.tensor(True).dtype == np.bool_
    assert al.tensor([1.0], dtype=np.float32).dtype == np.float32
    assert al.tensor([True, False]).dtype == np.bool_


@pytest.mark.parametrize("spec", [np.float32, "float32", np.dtype("float32")], ids=["type", "name", "dtype"])
def test_set_default_dtype(spec, restore_default_dtype):
    al.set_default_dtype(spec)
    assert al.get_default_dtype() == np.float32
    assert al.tensor(2).dtype == np.int64
    for t in (al.tensor([1.0, 2.0]), al.tensor(2.0), al.zeros(2), al.ones(2, 2), al.randn(3), al.rand(2),
              al.eye(2), al.full((2,), 3.0), al.linspace(0, 1, 3), al.arange(0.0, 2.0)):
        assert t.dtype == np.float32
    assert al.tensor(np.ones(2)).dtype == np.float64  # NumPy arrays keep theirs
    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.5 + 1.0).sum().backward()
    assert x.grad.dtype == np.float32


def test_default_dtype_must_be_floating(restore_default_dtype):
    with pytest.raises(TypeError, match="floating"):
        al.set_default_dtype(np.int64)
    assert al.get_default_dtype() == np.float64


def test_mixed_float32_float64_promotes_like_numpy_and_grads_keep_input_dtypes():
    a, b = f32(3), al.tensor(np.ones(3), requires_grad=True)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_tensors_cannot_require_grad(dtype):
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        al.tensor(np.zeros(2, dtype), requires_grad=True)
    with pytest.raises(TypeError, match="only floating-point"):
        al.zeros(2, dtype=dtype, requires_grad=True)


def test_integer_arithmetic_and_casts():
    i = al.tensor(np.array([1, 2, 3]))
    assert (i + 1).dtype == np.int64 and (i * i).dtype == np.int64
    x = f32(3)
    assert (x * i).dtype == np.float32 or (x * i).dtype == np.float64  # NumPy's promotion rule
    assert al.arange(3).dtype == np.int64 and x.long().dtype == np.int64 and not x.long().requires_grad
    assert x.double().dtype == np.float64 and x.double().requires_grad


def test_manual_seed_reproducibility():
    al.manual_seed(7)
    a = (al.randn(3, 2), al.rand(4), al.randint(0, 10, (5,)), al.randperm(6))
    al.manual_seed(7)
    b = (al.randn(3, 2), al.rand(4), al.randint(0, 10, (5,)), al.randperm(6))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.data, y.data)
    assert not np.array_equal(al.randn(3, 2).data, a[0].data)  # the stream moves on
    assert al.randint(0, 10, (5,)).dtype == np.int64 and set(al.randperm(6).data) == set(range(6))
    assert np.all((a[1].data >= 0) & (a[1].data < 1))


def test_creation_functions():
    assert al.zeros(2, 3).shape == (2, 3) and al.zeros((2, 3)).shape == (2, 3)
    np.testing.assert_array_equal(al.ones(2).data, [1.0, 1.0])
    np.testing.assert_array_equal(al.full((2,), 7.0).data, [7.0, 7.0])
    np.testing.assert_array_equal(al.arange(1, 7, 2).data, [1, 3, 5])
    np.testing.assert_allclose(al.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    like = f32(2, 2)
    for t in (al.zeros_like(like), al.ones_like(like), al.full_like(like, 3.0), al.rand_like(like),
              al.randn_like(like)):
        assert t.shape == (2, 2) and t.dtype == np.float32 and not t.requires_grad
    w = al.randn(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    np.testing.assert_array_equal(al.eye(3).data, np.eye(3))
