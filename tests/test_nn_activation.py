"""Activations, softmax / log_softmax and dropout: values, gradchecks, stability at |x| = 1000."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.nn.functional as F
from autograd_lite.engine import OpError
from tests.helpers import check_op, rand


def phi(x):
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


REFERENCES = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (F.tanh, np.tanh),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x))),
    "swish": (F.swish, lambda x: x / (1 + np.exp(-x))),
    "gelu": (F.gelu, lambda x: x * phi(x)),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    "elu": (lambda x: F.elu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * (np.exp(x) - 1))),
    "softplus": (F.softplus, lambda x: np.log1p(np.exp(x))),
    "softplus_beta": (lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                      lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
}


@pytest.mark.parametrize("name", REFERENCES)
@pytest.mark.parametrize("shape", [(7,), (3, 4)])
def test_activation_values_and_gradcheck(name, shape):
    fn, reference = REFERENCES[name]
    x = rand(*shape, seed=1) * 3
    np.testing.assert_allclose(fn(x).data, reference(x.data), rtol=1e-12, atol=1e-14)
    check_op(fn, x)


@pytest.mark.parametrize("name", [n for n in REFERENCES if n != "relu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_stable_at_large_inputs(name, dtype):
    fn = REFERENCES[name][0]
    x = al.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fn(x)
        out.sum().backward()
    assert out.dtype == x.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax(dim):
    x = rand(3, 4, seed=2)
    e = np.exp(x.data - x.data.max(dim, keepdims=True))
    expected = e / e.sum(dim, keepdims=True)
    np.testing.assert_allclose(F.softmax(x, dim).data, expected, atol=1e-14)
    np.testing.assert_allclose(F.log_softmax(x, dim).data, np.log(expected), atol=1e-12)
    check_op(lambda x: F.softmax(x, dim), x)
    check_op(lambda x: F.log_softmax(x, dim), x)


def test_softmax_stable_for_huge_logits():
    x = al.tensor([[1e4, 0.0, -1e4], [1000.0, 1000.0, -1000.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p, logp = F.softmax(x, 1), F.log_softmax(x, 1)
        (p[:, 0].sum() + logp[:, 1].sum()).backward()
    np.testing.assert_allclose(p.data, [[1, 0, 0], [0.5, 0.5, 0]], atol=1e-12)
    assert logp.data[0, 1] == -1e4 and np.all(np.isfinite(x.grad.data))


def test_dropout_statistics_and_scaling():
    al.manual_seed(0)
    x = al.ones(200, 500)
    out = F.dropout(x, p=0.3)
    zeroed = np.mean(out.data == 0)
    assert abs(zeroed - 0.3) < 0.01
    np.testing.assert_allclose(out.data[out.data != 0], 1 / 0.7)  # inverted scaling
    assert abs(out.data.mean() - 1.0) < 0.02  # the mean is preserved


def test_dropout_gradient_uses_the_same_mask():
    al.manual_seed(1)
    x = rand(20, 30, seed=3)
    out = F.dropout(x, 0.5)
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad.data, (out.data != 0) * 2.0)


def test_dropout_reproducible_with_manual_seed_and_identity_in_eval():
    x = rand(10, 10, seed=4)
    al.manual_seed(7)
    a = F.dropout(x, 0.4).data
    al.manual_seed(7)
    b = F.dropout(x, 0.4).data
    np.testing.assert_array_equal(a, b)
    assert F.dropout(x, 0.4, training=False) is x
    x32 = al.tensor(np.ones((4, 4), np.float32))
    assert F.dropout(x32, 0.5).dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.01, 1.5])  # p = 1 is valid: everything is dropped, as in PyTorch
def test_dropout_bad_p(p):
    with pytest.raises(OpError, match=r"dropout.*p="):
        F.dropout(rand(3), p)


def test_gelu_bad_approximate():
    with pytest.raises(OpError, match="gelu"):
        F.gelu(rand(3), approximate="fast")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_gradient_is_the_masked_upstream_gradient_in_its_dtype(dtype):
    x = al.tensor(np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.0]], dtype=dtype), requires_grad=True)
    g = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=dtype)
    F.relu(x).backward(g)
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 3], [4, 0, 0]])  # zero at 0, as PyTorch


def test_relu_second_derivative_through_create_graph():
    x = rand(3, 4, seed=41)
    (gx,) = al.grad(F.relu(x) ** 2, [x], grad_outputs=[al.ones_like(x)], create_graph=True)
    (ggx,) = al.grad(gx.sum(), [x])  # d/dx Σ 2·relu(x)·[x > 0] = 2·[x > 0]
    np.testing.assert_array_equal(ggx.data, 2.0 * (x.data > 0))


# ----- the rarer activations, PReLU and the adaptive pools (their op-table rows: tests/op_rows_activation.py)
RARE = {  # F name → (nn layer, constructor args, F keyword args)
    "hardtanh": ("Hardtanh", (-2.0, 2.5), {"min_val": -2.0, "max_val": 2.5}), "relu6": ("ReLU6", (), {}),
    "selu": ("SELU", (), {}), "celu": ("CELU", (0.5,), {"alpha": 0.5}), "mish": ("Mish", (), {}),
    "hardswish": ("Hardswish", (), {}), "hardsigmoid": ("Hardsigmoid", (), {}), "logsigmoid": ("LogSigmoid", (), {}),
    "tanhshrink": ("Tanhshrink", (), {}), "softshrink": ("Softshrink", (0.8,), {"lambd": 0.8}),
    "hardshrink": ("Hardshrink", (0.8,), {"lambd": 0.8}),
    "threshold": ("Threshold", (0.3, -2.0), {"threshold": 0.3, "value": -2.0}),
}
KINKS = np.array([-6.0, -3.0, -2.0, -1.0, -0.8, -0.5, 0.0, 0.3, 0.5, 0.8, 1.0, 2.5, 3.0, 6.0, 7.0])


@pytest.mark.parametrize("name", RARE)
def test_rare_activation_layer_is_its_function_and_matches_torch_at_the_kinks(name):
    torch = pytest.importorskip("torch")
    layer, args, kwargs = RARE[name]
    ours = getattr(nn, layer)(*args)
    theirs = getattr(torch.nn, layer)(*args)
    assert repr(ours) == repr(theirs)
    x, tx = al.tensor(KINKS, requires_grad=True), torch.tensor(KINKS, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_array_equal(y.data, getattr(F, name)(al.tensor(KINKS), **kwargs).data)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-15)
    y.sum().backward()
    ty.sum().backward()
    # at the kinks themselves too (0, ±λ, ±3, 6, the ends): PyTorch's one-sided choices; float32-precision
    # constants in PyTorch's gradients (1/6 in hardsigmoid's) allow 1e-7
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-7, atol=1e-15)


@pytest.mark.parametrize("name", ["selu", "celu", "mish", "logsigmoid", "tanhshrink", "hardswish"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rare_activations_stable_at_large_inputs(name, dtype):
    x = al.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(F, name)(x)
        out.sum().backward()
    assert out.dtype == x.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad.data))


def test_logsigmoid_is_exact_far_below_zero():
    x = al.tensor([-40.0, -800.0], requires_grad=True)
    y = F.logsigmoid(x)
    np.testing.assert_allclose(y.data, [-40.0 - math.exp(-40.0), -800.0], rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1 - math.exp(-40.0), 1.0], rtol=1e-15)


def test_rare_activations_in_al_and_as_methods_where_torch_has_them():
    x = rand(3, 4, seed=2)
    np.testing.assert_array_equal(al.selu(x).data, F.selu(x).data)
    np.testing.assert_array_equal(al.celu(x, 2.0).data, F.celu(x, alpha=2.0).data)
    np.testing.assert_array_equal(x.hardshrink(0.3).data, al.hardshrink(x, lambd=0.3).data)
    np.testing.assert_array_equal(al.threshold(x, 0.1, 5.0).data, np.where(x.data > 0.1, x.data, 5.0))
    assert not hasattr(al, "relu6") and not hasattr(al, "mish")  # F only, as in PyTorch
    assert nn.ReLU6(inplace=True).inplace and nn.Hardtanh(-1.0, 1.0, True).inplace


@pytest.mark.parametrize("call, message", [
    (lambda x: F.hardtanh(x, 2.0, 1.0), "hardtanh: min_val must not be greater than max_val"),
    (lambda x: F.celu(x, 0.0), "celu: alpha must not be 0"),
    (lambda x: F.softshrink(x, -0.1), "softshrink: lambd must be at least 0, got lambd=-0.1"),
    (lambda x: F.prelu(x, al.ones(4)), r"prelu: weight must have 1 or 3 .* got weight of shape \(4,\)"),
    (lambda x: F.adaptive_avg_pool2d(x, 2), r"adaptive_avg_pool2d: expected input \(N, C, H, W\) .* \(2, 3\)"),
    (lambda x: F.adaptive_max_pool2d(x.reshape(1, 2, 3), (1, 2, 3)), "adaptive_max_pool2d: output_size must be"),
])
def test_rare_activation_and_pool_errors_name_the_op(call, message):
    x = rand(2, 3, seed=3)
    with pytest.raises(ValueError, match=message):
        call(x)


def test_prelu_layer_matches_torch_per_channel_and_shared():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(5).standard_normal((2, 3, 4, 4))
    for n in (1, 3):
        ours, theirs = nn.PReLU(n, init=0.375), torch.nn.PReLU(n, init=0.375).double()  # exact in float32
        assert repr(ours) == repr(theirs) and [p.shape for p in ours.parameters()] == [(n,)]
        x, tx = al.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        y, ty = ours(x), theirs(tx)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
        g = np.random.default_rng(n).standard_normal(y.shape)
        y.backward(al.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)
    assert nn.PReLU(dtype=al.float32).weight.dtype == np.float32


def test_prelu_gradcheck_both_inputs():
    x = al.tensor(np.array([[-2.0, -0.5, 0.4], [1.5, -1.0, 2.0]]), requires_grad=True)
    check_op(lambda x, w: F.prelu(x, w), x, al.tensor([0.2, -0.3, 0.7], requires_grad=True))


@pytest.mark.parametrize("size", [(3, 2), 4, (None, 3), (5, 7)])
def test_adaptive_max_pool2d_indices_match_torch(size):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(6).standard_normal((2, 3, 7, 5))
    values, indices = F.adaptive_max_pool2d(al.tensor(data), size, return_indices=True)
    ref_values, ref_indices = torch.nn.functional.adaptive_max_pool2d(torch.tensor(data), size, return_indices=True)
    np.testing.assert_array_equal(values.data, ref_values.numpy())
    np.testing.assert_array_equal(indices.data, ref_indices.numpy())
    assert indices.dtype == np.int64
    layer_values, layer_indices = nn.AdaptiveMaxPool2d(size, return_indices=True)(al.tensor(data[0]))
    np.testing.assert_array_equal(layer_indices.data, ref_indices.numpy()[0])
    np.testing.assert_array_equal(layer_values.data, ref_values.numpy()[0])


@pytest.mark.parametrize("call", [lambda a: F.hardtanh(a), lambda a: F.relu6(a), lambda a: al.celu(a),
                                  lambda a: F.softshrink(a), lambda a: F.threshold(a, 0.1, 2.0),
                                  lambda a: F.prelu(a, al.ones(1)), lambda a: F.adaptive_avg_pool2d(a, 1),
                                  lambda a: F.adaptive_max_pool2d(a, 1)])
def test_rare_activation_or_pool_on_a_numpy_array_names_the_op_and_says_to_wrap_it(call):
    with pytest.raises(TypeError, match=r"^\w+: input 0 must be a Tensor, not numpy.ndarray \(wrap it with al.tensor"):
        call(np.ones((1, 2, 3)))
