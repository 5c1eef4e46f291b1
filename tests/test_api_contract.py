"""An audit of /work/shared/API.md against the code, as a PyTorch user and a homework student use it.

For every name API.md lists: it exists, its arguments are named and defaulted as the contract
(and PyTorch) say, and calling it does what the contract says — shapes, reduction rules, dtype
rules and every item of the "Clarifications" section. Where torch is installed the results are
compared with it (each such test skips itself without torch). The last part feeds bad input to
a sample of ops in every module: the error names the op and the offending shapes or values, and
parameters, .grad, optimizer state and files are left as they were.
"""
from __future__ import annotations

import inspect
import os
import pickle

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.nn.functional as F
import autograd_lite.optim as optim
from autograd_lite.optim import lr_scheduler


def torch_or_skip():
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


def compare_with_torch(al_fn, torch_fn, *arrays, atol=1e-8, rtol=1e-6, grad=True):
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


@pytest.fixture
def restore_default_dtype():
    yield
    al.set_default_dtype(np.float64)


# =====================================================================================
# Names
# =====================================================================================
TOP_LEVEL = ("tensor Tensor set_default_dtype exp log sqrt abs sin cos tanh sigmoid relu maximum minimum where "
             "clamp pow sum mean max min var std logsumexp argmax argmin reshape transpose permute flatten "
             "squeeze unsqueeze expand broadcast_to cat stack split pad flip matmul outer einsum trace diag "
             "diagonal eye logdet no_grad enable_grad is_grad_enabled grad functional linalg check viz nn optim "
             "classic save load").split()
TENSOR_METHODS = ("numpy item detach numel backward requires_grad_ retain_grad register_hook exp log sqrt abs sin "
                  "cos tanh sigmoid relu maximum minimum where clamp pow sum mean max min var std logsumexp argmax "
                  "argmin reshape transpose permute flatten squeeze unsqueeze expand broadcast_to split flip "
                  "matmul outer trace diag diagonal").split()
NN_NAMES = ("Module Parameter Sequential Linear Conv2d MaxPool2d AvgPool2d BatchNorm1d BatchNorm2d LayerNorm "
            "GroupNorm Dropout ReLU LeakyReLU Sigmoid Tanh SiLU Swish GELU Softmax Flatten CrossEntropyLoss "
            "MSELoss").split()
F_NAMES = ("linear conv2d max_pool2d avg_pool2d batch_norm layer_norm group_norm dropout relu leaky_relu sigmoid "
           "tanh silu swish gelu softmax log_softmax cross_entropy nll_loss mse_loss binary_cross_entropy "
           "binary_cross_entropy_with_logits multi_margin_loss").split()
CLASSIC = {
    "layers": "affine_forward affine_backward relu_forward relu_backward dropout_forward dropout_backward "
              "batchnorm_forward batchnorm_backward batchnorm_backward_alt layernorm_forward layernorm_backward "
              "conv_forward_naive conv_backward_naive max_pool_forward_naive max_pool_backward_naive "
              "spatial_batchnorm_forward spatial_batchnorm_backward spatial_groupnorm_forward "
              "spatial_groupnorm_backward svm_loss softmax_loss",
    "layer_utils": "affine_relu_forward affine_relu_backward conv_relu_forward conv_relu_backward "
                   "conv_relu_pool_forward conv_relu_pool_backward",
    "fc_net": "TwoLayerNet FullyConnectedNet",
    "cnn": "ThreeLayerConvNet",
    "optim": "sgd sgd_momentum rmsprop adam",
    "solver": "Solver",
    "gradient_check": "eval_numerical_gradient eval_numerical_gradient_array grad_check_sparse",
    "data_utils": "load_CIFAR10 get_CIFAR10_data",
}


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_name_exists(name):
    assert getattr(al, name) is not None


@pytest.mark.parametrize("name", TENSOR_METHODS)
def test_tensor_method_exists(name):
    assert callable(getattr(al.tensor([[1.0, 2.0], [3.0, 4.0]]), name))


@pytest.mark.parametrize("name", "inv det slogdet solve cholesky norm".split())
def test_linalg_name_exists(name):
    assert callable(getattr(al.linalg, name))


@pytest.mark.parametrize("name", NN_NAMES)
def test_nn_name_exists(name):
    assert isinstance(getattr(nn, name), type)


@pytest.mark.parametrize("name", F_NAMES)
def test_functional_name_exists(name):
    assert callable(getattr(F, name))


@pytest.mark.parametrize("name", "SGD RMSprop Adam AdamW Adagrad".split())
def test_optimizer_exists_with_its_methods(name):
    opt = getattr(optim, name)([nn.Parameter(al.ones(2))], lr=0.1)
    for method in ("step", "zero_grad", "state_dict", "load_state_dict"):
        assert callable(getattr(opt, method))


@pytest.mark.parametrize("module,name", [(m, n) for m, names in CLASSIC.items() for n in names.split()])
def test_classic_name_exists(module, name):
    import importlib
    assert callable(getattr(importlib.import_module(f"autograd_lite.classic.{module}"), name))


def test_aliases_are_the_same_objects():
    assert nn.Swish is nn.SiLU and F.swish is F.silu


# =====================================================================================
# Tensor: construction and dtype rules
# =====================================================================================
def test_tensor_and_Tensor_signatures():
    for ctor in (al.tensor, al.Tensor.__init__):
        assert_signature(ctor, ["data", "requires_grad", "dtype", "name"], requires_grad=False, dtype=None,
                         name=None)
    t = al.Tensor([1.0, 2.0], True, None, "w")
    assert t.requires_grad and t.name == "w" and isinstance(al.tensor(1.0), al.Tensor)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_numpy_array_keeps_its_dtype(dtype):
    assert al.tensor(np.zeros(3, dtype)).dtype == dtype
    assert al.tensor(al.tensor(np.zeros(3, dtype))).dtype == dtype  # a Tensor too


@pytest.mark.parametrize("value", [3, 2.5, [1, 2], [[1.0, 2.0], [3.0, 4.0]], (1, 2.5)], ids=repr)
def test_python_data_gets_the_default_dtype(value):
    assert al.tensor(value).dtype == np.float64


@pytest.mark.parametrize("spelling", [np.float32, "float32", np.dtype("float32")], ids=str)
def test_set_default_dtype_accepts_numpy_dtypes_and_names(spelling, restore_default_dtype):
    al.set_default_dtype(spelling)
    assert al.tensor([1, 2]).dtype == np.float32
    assert al.zeros(2).dtype == al.ones(2).dtype == al.randn(2).dtype == np.float32
    assert al.tensor(np.zeros(2)).dtype == np.float64  # NumPy data still keeps its dtype
    al.set_default_dtype("float64")
    assert al.tensor(1.0).dtype == np.float64


def test_set_default_dtype_refuses_non_float(restore_default_dtype):
    with pytest.raises(TypeError, match="float"):
        al.set_default_dtype(np.int64)
    assert al.tensor(1.0).dtype == np.float64


def test_explicit_dtype_wins():
    assert al.tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert al.tensor(np.zeros(2), dtype="float32").dtype == np.float32


@pytest.mark.parametrize("data_", [np.arange(3), np.array([True, False])], ids=["int", "bool"])
def test_integer_and_bool_tensors_never_require_grad(data_):
    with pytest.raises(TypeError, match="floating.*gradient of an integer or bool tensor is meaningless"):
        al.tensor(data_, requires_grad=True)
    t = al.tensor(data_)
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad_()
    assert not t.requires_grad


def test_python_numbers_keep_a_float32_tensor_float32():
    assert (al.tensor(np.ones(2, np.float32)) * 2.5 + 1).dtype == np.float32


# =====================================================================================
# Tensor: attributes, methods, operators
# =====================================================================================
def test_tensor_attributes():
    t = al.tensor(data(2, 3), requires_grad=True, name="x")
    assert isinstance(t.data, np.ndarray) and t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64
    assert t.T.shape == (3, 2) and np.array_equal(t.T.data, t.data.T)
    assert al.ones(2, 3, 4).T.shape == (4, 3, 2)
    assert t.grad is None and t.requires_grad and t.is_leaf and t.grad_fn is None and t.name == "x"
    y = t * 2.0
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    y.sum().backward()
    assert isinstance(t.grad, al.Tensor) and np.array_equal(t.grad.data, np.full((2, 3), 2.0))


def test_numpy_returns_the_data_array_also_when_requiring_grad():
    t = al.tensor([1.0, 2.0], requires_grad=True)
    assert t.numpy() is t.data
    assert isinstance(np.asarray(t), np.ndarray) and np.array_equal(np.asarray(t), [1.0, 2.0])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


def test_item_detach_numel():
    t = al.tensor([[2.5]], requires_grad=True)
    assert t.item() == 2.5 and isinstance(t.item(), float)
    assert al.ones(2, 3).numel() == 6 and al.tensor(1.0).numel() == 1
    d = t.detach()
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.data, t.data)


def test_backward_signature_and_gradient_argument():
    assert_signature(al.Tensor.backward, ["gradient", "retain_graph", "create_graph"], gradient=None,
                     create_graph=False)
    assert inspect.signature(al.Tensor.backward).parameters["retain_graph"].default in (False, None)
    x = leaf(data(3))
    (x * x).backward(al.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(x.grad.data, 2 * x.data * [1.0, 0.0, 2.0])


def test_retain_graph_and_create_graph():
    x = leaf(data(3))
    y = (x ** 3).sum()
    y.backward(retain_graph=True)
    y.backward()  # second pass through the retained graph accumulates
    np.testing.assert_allclose(x.grad.data, 2 * 3 * x.data ** 2)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    x.grad = None
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_requires_grad_retain_grad_register_hook():
    t = al.tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    assert not t.requires_grad_(False).requires_grad
    x = leaf([1.0, 2.0])
    h = x * 3.0
    h.retain_grad()
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.data.copy()) or g * 10.0)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    np.testing.assert_allclose(seen[0], 6 * h.data)
    np.testing.assert_allclose(x.grad.data, 60 * h.data)  # the hook's return value replaced the gradient
    handle.remove()


def test_operators_against_torch():
    compare_with_torch(lambda a, b, c: (a + b * c - b / (c * c + 1.0)) ** 2 @ (-c.T) @ c + 2.0 ** a,
                       lambda a, b, c: (a + b * c - b / (c * c + 1.0)) ** 2 @ (-c.T) @ c + 2.0 ** a,
                       data(3, 4), data(4), data(3, 4, seed=1))


def test_broadcast_input_gradient_has_that_inputs_shape():
    a, b = leaf(data(2, 3, 4)), leaf(data(3, 1))
    for op in (lambda: a + b, lambda: a * b, lambda: al.maximum(a, b), lambda: al.where(a > 0, a, b),
               lambda: a / (b * b + 1.0), lambda: a ** 2 - b):
        a.grad = b.grad = None
        op().sum().backward()
        assert a.grad.shape == a.shape and b.grad.shape == b.shape


def test_comparisons_are_bool_and_carry_no_grad():
    x = leaf(data(4))
    for c in (x > 0, x >= 0, x < 0, x <= 0, x == x, x != 0):
        assert c.dtype == np.bool_ and not c.requires_grad and c.grad_fn is None


def test_tensor_where_and_outer_methods_like_torch():
    cond = al.tensor(np.array([True, False, True]))
    a, b = al.tensor([1.0, 2.0, 3.0]), al.tensor([-1.0, -2.0, -3.0])
    assert np.array_equal(a.where(cond, b).data, [1.0, -2.0, 3.0])  # torch: self.where(condition, other)
    assert np.array_equal(a.outer(b).data, np.outer(a.data, b.data))


# =====================================================================================
# Functions on tensors
# =====================================================================================
ELEMENTWISE = {
    "exp": (lambda m, x: m.exp(x), False), "log": (lambda m, x: m.log(x), True),
    "sqrt": (lambda m, x: m.sqrt(x), True), "abs": (lambda m, x: m.abs(x), False),
    "sin": (lambda m, x: m.sin(x), False), "cos": (lambda m, x: m.cos(x), False),
    "tanh": (lambda m, x: m.tanh(x), False), "sigmoid": (lambda m, x: m.sigmoid(x), False),
    "relu": (lambda m, x: m.relu(x), False), "clamp": (lambda m, x: m.clamp(x, min=-0.5, max=0.7), False),
    "pow": (lambda m, x: m.pow(x, 3), False),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_function_and_method_against_torch(name):
    torch = torch_or_skip()
    fn, positive = ELEMENTWISE[name]
    compare_with_torch(lambda x: fn(al, x), lambda x: fn(torch, x), data(3, 4, positive=positive))
    x = al.tensor(data(3, 4, positive=positive))
    method = getattr(x, name)
    args = {"clamp": dict(min=-0.5, max=0.7), "pow": dict(exponent=3)}.get(name, {})
    np.testing.assert_allclose(method(*args.values()).data, fn(al, x).data)


def test_binary_elementwise_against_torch():
    torch = torch_or_skip()
    a, b = data(3, 4), data(4, seed=2)
    compare_with_torch(al.maximum, torch.maximum, a, b)
    compare_with_torch(al.minimum, torch.minimum, a, b)
    compare_with_torch(lambda x, y: al.where(x > y, x, y), lambda x, y: torch.where(x > y, x, y), a, b)
    compare_with_torch(lambda x, y: al.pow(x, y), lambda x, y: torch.pow(x, y), data(3, positive=True), data(3))


REDUCTIONS = ["sum", "mean", "max", "min", "var", "std", "logsumexp"]
TORCH_REDUCTION = {"max": "amax", "min": "amin"}


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", [None, 1, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_against_torch(name, dim, keepdim):
    torch = torch_or_skip()
    if name == "logsumexp" and dim is None:
        dim = (0, 1, 2)  # torch.logsumexp needs a dim
    t_name = TORCH_REDUCTION.get(name, name)

    def t_fn(x):
        t_dim = () if dim is None and name in TORCH_REDUCTION else dim  # amax reduces all over dim=()
        return getattr(torch, t_name)(x, dim=t_dim, keepdim=keepdim)

    compare_with_torch(lambda x: getattr(al, name)(x, dim=dim, keepdim=keepdim), t_fn, data(2, 3, 4))


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_aliases_axis_and_keepdims(name):
    x = al.tensor(data(2, 3, 4))
    base = getattr(al, name)(x, dim=(0, 2), keepdim=True)
    for kwargs in (dict(axis=(0, 2), keepdims=True), dict(axis=(0, 2), keepdim=True), dict(dim=(0, 2), keepdims=True)):
        np.testing.assert_allclose(getattr(al, name)(x, **kwargs).data, base.data)
        np.testing.assert_allclose(getattr(x, name)(**kwargs).data, base.data)
    assert base.shape == (1, 3, 1)


def test_max_min_with_dim_return_values_only():
    x = al.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    for out in (al.max(x, dim=1), x.max(1), al.max(x, 1)):
        assert isinstance(out, al.Tensor) and np.array_equal(out.data, [5.0, 7.0])
    assert isinstance(x.min(dim=0), al.Tensor) and np.array_equal(x.min(dim=0).data, [1.0, 0.0, 2.0])


def test_argmax_argmin_give_indices():
    torch = torch_or_skip()
    a = data(3, 4, 5)
    x, t = al.tensor(a), torch.tensor(a)
    for name in ("argmax", "argmin"):
        for kwargs in (dict(), dict(dim=1), dict(dim=-1, keepdim=True)):
            out = getattr(al, name)(x, **kwargs)
            assert out.dtype.kind == "i" and not out.requires_grad
            np.testing.assert_array_equal(out.data, getattr(torch, name)(t, **kwargs).numpy())
            np.testing.assert_array_equal(getattr(x, name)(**kwargs).data, out.data)


def test_var_std_default_to_n_minus_1_and_accept_correction():
    torch = torch_or_skip()
    a = data(4, 5)
    x, t = al.tensor(a), torch.tensor(a)
    np.testing.assert_allclose(al.var(x).data, a.var(ddof=1))
    np.testing.assert_allclose(x.std(dim=0).data, a.std(axis=0, ddof=1))
    for c in (0, 1, 2):
        np.testing.assert_allclose(al.var(x, dim=1, correction=c).data, torch.var(t, dim=1, correction=c).numpy())
        np.testing.assert_allclose(x.std(1, correction=c).data, torch.std(t, 1, correction=c).numpy())
    compare_with_torch(lambda u: u.var(dim=0, correction=0), lambda u: u.var(dim=0, correction=0), a)


# ----- shape ops -----------------------------------------------------------------------
def test_expand_takes_a_shape_and_minus_one_keeps_a_size():
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.expand(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4), data(3, 1))
    compare_with_torch(lambda x: x.expand(2, -1, 4), lambda x: x.expand(2, -1, 4), data(3, 1))
    compare_with_torch(lambda x: al.broadcast_to(x, (5, 3)), lambda x: torch.broadcast_to(x, (5, 3)), data(3))


@pytest.mark.parametrize("pad", [(1, 2), (1, 0, 0, 2), (0, 1, 2, 0, 1, 1)], ids=str)
def test_pad_is_flat_last_dimension_first_like_F_pad(pad):
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.pad(x, pad), lambda x: torch.nn.functional.pad(x, pad), data(2, 3, 4))
    assert al.pad(al.ones(2, 3), (1, 0, 0, 2)).shape == (4, 4)


@pytest.mark.parametrize("sizes", [2, [1, 4], [3, 0, 2]], ids=str)
def test_split_takes_sizes_not_split_points(sizes):
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.split(x, sizes, 1), lambda x: torch.split(x, sizes, 1), data(2, 5))
    assert tuple(p.shape[1] for p in al.split(al.ones(2, 5), [1, 4], dim=1)) == (1, 4)


def test_transpose_swaps_dim0_and_dim1():
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.transpose(x, 0, 2), lambda x: torch.transpose(x, 0, 2), data(2, 3, 4))
    compare_with_torch(lambda x: x.transpose(-1, 1), lambda x: x.transpose(-1, 1), data(2, 3, 4))


@pytest.mark.parametrize("name,al_fn,torch_fn", [
    ("reshape", lambda x: al.reshape(x, (4, -1)), lambda x: x.reshape(4, -1)),
    ("reshape_method", lambda x: x.reshape(6, 4), lambda x: x.reshape(6, 4)),
    ("permute", lambda x: al.permute(x, (2, 0, 1)), lambda x: x.permute(2, 0, 1)),
    ("permute_method", lambda x: x.permute(1, 2, 0), lambda x: x.permute(1, 2, 0)),
    ("flatten", lambda x: al.flatten(x), lambda x: x.flatten()),
    ("flatten_from_1", lambda x: x.flatten(1), lambda x: x.flatten(1)),
    ("unsqueeze", lambda x: al.unsqueeze(x, 1), lambda x: x.unsqueeze(1)),
    ("squeeze", lambda x: al.squeeze(al.unsqueeze(x, 0)), lambda x: x.unsqueeze(0).squeeze()),
    ("squeeze_dim", lambda x: x.unsqueeze(-1).squeeze(-1), lambda x: x.unsqueeze(-1).squeeze(-1)),
    ("flip", lambda x: al.flip(x, (0, 2)), lambda x: x.flip((0, 2))),
], ids=lambda v: v if isinstance(v, str) else "")
def test_shape_op_against_torch(name, al_fn, torch_fn):
    compare_with_torch(al_fn, torch_fn, data(2, 3, 4))


def test_cat_and_stack_against_torch():
    torch = torch_or_skip()
    compare_with_torch(lambda a, b: al.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], dim=1),
                       data(2, 3), data(2, 4))
    compare_with_torch(lambda a, b: al.stack([a, b], dim=-1), lambda a, b: torch.stack([a, b], dim=-1),
                       data(2, 3), data(2, 3, seed=5))


# ----- indexing ------------------------------------------------------------------------
def test_negative_step_slices_follow_numpy():
    a = data(5, 6)
    x = leaf(a)
    y = x[::-2, 4:0:-3]
    np.testing.assert_array_equal(y.data, a[::-2, 4:0:-3])
    w = data(*y.shape, seed=3)
    (y * al.tensor(w)).sum().backward()
    expected = np.zeros_like(a)
    expected[::-2, 4:0:-3] = w
    np.testing.assert_array_equal(x.grad.data, expected)


@pytest.mark.parametrize("index_kind", ["int_tensor", "bool_tensor", "int_list", "pair_of_int_tensors",
                                        "mixed", "none_ellipsis"])
def test_advanced_indexing_with_tensors_against_torch(index_kind):
    torch = torch_or_skip()
    a = data(4, 5)
    idx = np.array([3, 0, 3, 1])  # a repeated index: its gradient accumulates
    rows, cols = np.array([0, 2, 2]), np.array([4, 1, 1])
    mask = a > 0.2
    indices = {
        "int_tensor": (al.tensor(idx), torch.tensor(idx)),
        "bool_tensor": (al.tensor(mask), torch.tensor(mask)),
        "int_list": ([3, 3, 0], [3, 3, 0]),
        "pair_of_int_tensors": ((al.tensor(rows), al.tensor(cols)), (torch.tensor(rows), torch.tensor(cols))),
        "mixed": ((slice(1, None), al.tensor(cols)), (slice(1, None), torch.tensor(cols))),
        "none_ellipsis": ((None, Ellipsis, -1), (None, Ellipsis, -1)),
    }
    al_index, torch_index = indices[index_kind]
    compare_with_torch(lambda x: x[al_index], lambda x: x[torch_index], a)


# ----- matrix ops and linear algebra ---------------------------------------------------
@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                                    ((4,), (4, 3)), ((2, 3, 4), (4,))], ids=str)
def test_matmul_is_batched_and_broadcasting(shapes):
    torch = torch_or_skip()
    compare_with_torch(al.matmul, torch.matmul, data(*shapes[0]), data(*shapes[1], seed=4))
    compare_with_torch(lambda a, b: a @ b, lambda a, b: a @ b, data(*shapes[0]), data(*shapes[1], seed=4))


def test_outer_einsum_trace_diag_diagonal_eye():
    torch = torch_or_skip()
    compare_with_torch(al.outer, torch.outer, data(3), data(4))
    compare_with_torch(lambda a, b: al.einsum("bij,jk->bik", a, b), lambda a, b: torch.einsum("bij,jk->bik", a, b),
                       data(2, 3, 4), data(4, 5))
    compare_with_torch(al.trace, torch.trace, data(4, 4))
    compare_with_torch(al.diag, torch.diag, data(4))
    compare_with_torch(al.diag, torch.diag, data(4, 4))
    compare_with_torch(lambda a: al.diag(a, 1), lambda a: torch.diag(a, 1), data(3))
    compare_with_torch(lambda a: al.diagonal(a, 0, 1, 2), lambda a: torch.diagonal(a, 0, 1, 2), data(2, 3, 3))
    compare_with_torch(lambda a: a.diagonal(), lambda a: a.diagonal(), data(3, 4))
    np.testing.assert_array_equal(al.eye(3).data, np.eye(3))
    assert al.eye(2, 3).shape == (2, 3) and al.eye(2).dtype == np.float64


def _spd(n, batch=()):
    a = data(*batch, n, n, seed=7)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("batch", [(), (2,)], ids=["single", "batched"])
def test_linalg_against_torch(batch):
    torch = torch_or_skip()
    a, spd, b = data(*batch, 3, 3, seed=11) + 3 * np.eye(3), _spd(3, batch), data(*batch, 3, 2, seed=12)
    compare_with_torch(al.linalg.inv, torch.linalg.inv, a)
    compare_with_torch(al.linalg.det, torch.linalg.det, a)
    compare_with_torch(al.linalg.slogdet, lambda m: tuple(torch.linalg.slogdet(m)), a)
    compare_with_torch(al.logdet, torch.logdet, spd)
    compare_with_torch(al.linalg.solve, torch.linalg.solve, a, b)
    compare_with_torch(al.linalg.cholesky, torch.linalg.cholesky, spd)
    compare_with_torch(al.linalg.norm, torch.linalg.norm, a)


def test_slogdet_returns_sign_and_logabsdet():
    sign, logabsdet = al.linalg.slogdet(al.tensor([[-2.0, 0.0], [0.0, 3.0]]))
    assert sign.item() == -1.0 and np.isclose(logabsdet.item(), np.log(6.0))


def test_linalg_norm_vector_and_ord():
    torch = torch_or_skip()
    compare_with_torch(al.linalg.norm, torch.linalg.norm, data(5))
    compare_with_torch(lambda v: al.linalg.norm(v, ord=1), lambda v: torch.linalg.norm(v, ord=1), data(5))
    compare_with_torch(lambda m: al.linalg.norm(m, dim=1), lambda m: torch.linalg.norm(m, dim=1), data(3, 4))


# =====================================================================================
# Gradients as functions
# =====================================================================================
def test_grad_modes():
    x = leaf(data(3))
    assert al.is_grad_enabled()
    with al.no_grad():
        assert not al.is_grad_enabled()
        assert not (x * 2).requires_grad
        with al.enable_grad():
            assert al.is_grad_enabled() and (x * 2).requires_grad
    assert al.is_grad_enabled()

    @al.no_grad()
    def scaled(t):
        return t * 2

    assert not scaled(x).requires_grad and al.is_grad_enabled()


def test_grad_signature_and_values_against_torch():
    torch = torch_or_skip()
    assert_signature(al.grad, ["outputs", "inputs", "grad_outputs", "retain_graph", "create_graph"],
                     grad_outputs=None, retain_graph=None, create_graph=False)
    a, b = data(3), data(3, seed=2)
    x, y = leaf(a), leaf(b)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out = al.grad((x * y).sin().sum(), [x, y])
    expected = torch.autograd.grad((tx * ty).sin().sum(), [tx, ty])
    assert isinstance(out, tuple) and len(out) == 2
    for o, e in zip(out, expected):
        np.testing.assert_allclose(o.data, e.numpy())
    assert x.grad is None and y.grad is None  # .grad untouched
    w = data(3, seed=5)
    (gx,) = al.grad(x * y, x, grad_outputs=al.tensor(w))
    np.testing.assert_allclose(gx.data, w * b)
    (g,) = al.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = al.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, 6 * a)


def test_jacobian_and_hessian_against_torch():
    torch = torch_or_skip()
    from torch.autograd import functional as TF
    a, b = data(3), data(2, 3, seed=3)

    def f(x, w):
        return al.tanh(w @ x) if isinstance(x, al.Tensor) else torch.tanh(w @ x)

    j = al.functional.jacobian(f, (al.tensor(a), al.tensor(b)))
    tj = TF.jacobian(f, (torch.tensor(a), torch.tensor(b)))
    for o, e in zip(j, tj):
        np.testing.assert_allclose(o.data, e.numpy(), atol=1e-10)
    j1 = al.functional.jacobian(lambda x: x.exp() * x.sum(), al.tensor(a))
    assert isinstance(j1, al.Tensor) and j1.shape == (3, 3)
    np.testing.assert_allclose(j1.data, TF.jacobian(lambda x: x.exp() * x.sum(), torch.tensor(a)).numpy())

    def g(x):
        return (x.sin() * x).sum() if isinstance(x, al.Tensor) else (x.sin() * x).sum()

    np.testing.assert_allclose(al.functional.hessian(g, al.tensor(a)).data,
                               TF.hessian(g, torch.tensor(a)).numpy(), atol=1e-10)
    h = al.functional.hessian(lambda x, y: (x * x * y).sum(), (al.tensor(a), al.tensor(a + 1)))
    th = TF.hessian(lambda x, y: (x * x * y).sum(), (torch.tensor(a), torch.tensor(a + 1)))
    for row, trow in zip(h, th):
        for o, e in zip(row, trow):
            np.testing.assert_allclose(o.data, e.numpy(), atol=1e-10)


# =====================================================================================
# nn
# =====================================================================================
MODULE_SIGNATURES = {
    "Linear": (["in_features", "out_features", "bias"], dict(bias=True)),
    "Conv2d": (["in_channels", "out_channels", "kernel_size"], dict(stride=1, padding=0, bias=True)),
    "MaxPool2d": (["kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "AvgPool2d": (["kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "BatchNorm1d": (["num_features", "eps", "momentum"], dict(eps=1e-5, momentum=0.1)),
    "BatchNorm2d": (["num_features", "eps", "momentum"], dict(eps=1e-5, momentum=0.1)),
    "LayerNorm": (["normalized_shape", "eps"], dict(eps=1e-5)),
    "GroupNorm": (["num_groups", "num_channels"], dict(eps=1e-5)),
    "Dropout": (["p"], dict(p=0.5)),
    "LeakyReLU": (["negative_slope"], dict(negative_slope=0.01)),
    "Softmax": (["dim"], dict(dim=None)),
    "Flatten": (["start_dim", "end_dim"], dict(start_dim=1, end_dim=-1)),
    "CrossEntropyLoss": ([], dict(reduction="mean")),
    "MSELoss": ([], dict(reduction="mean")),
}


@pytest.mark.parametrize("name", MODULE_SIGNATURES)
def test_module_constructor_signature(name):
    names, defaults = MODULE_SIGNATURES[name]
    assert_signature(getattr(nn, name), names, **defaults)


def _build_net(self, lib, ones):
    """The same network in autograd_lite (lib=nn) and in torch (lib=torch.nn)."""
    self.scale = lib.Parameter(ones(1))
    self.body = lib.Sequential(lib.Linear(4, 6), lib.BatchNorm1d(6), lib.ReLU(), lib.Dropout(0.5))
    self.head = lib.Linear(6, 3)


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        _build_net(self, nn, al.ones)

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


def test_module_methods_and_state_dict_keys_like_torch():
    torch = torch_or_skip()

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            _build_net(self, torch.nn, torch.ones)

    net, tnet = _Net(), TorchNet()
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert net.training and net.body[3].training
    assert net.eval() is net and not net.body[3].training and not net.head.training
    net.train()
    assert net.body[1].training
    net(al.tensor(data(5, 4))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    with pytest.raises(NotImplementedError):
        nn.Module().forward(al.ones(1))


def test_linear_weight_is_out_by_in():
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert nn.Linear(5, 3, bias=False).bias is None
    x = al.tensor(data(2, 5))
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data)


@pytest.mark.parametrize("make,fan_in", [(lambda: nn.Linear(400, 300), 400),
                                         (lambda: nn.Conv2d(4, 64, 5), 100),
                                         (lambda: nn.Conv2d(2, 50, (3, 4), bias=True), 24)],
                         ids=["Linear", "Conv2d", "Conv2d_rect"])
def test_linear_and_conv_initialise_uniform_within_one_over_sqrt_fan_in(make, fan_in):
    al.manual_seed(0)
    layer = make()
    bound = 1 / np.sqrt(fan_in)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.98 * bound and np.abs(b).max() > 0.8 * bound  # the whole interval is used
    assert abs(w.mean()) < 0.05 * bound and abs(w.var() / (bound ** 2 / 3) - 1) < 0.1  # uniform: var = bound²/3


def _copy_into_torch(module, tmodule):
    torch = torch_or_skip()
    tmodule = tmodule.double()
    with torch.no_grad():
        for name, value in module.state_dict().items():
            tmodule.state_dict()[name].copy_(torch.tensor(value.data))
    return tmodule


MODULE_CASES = {
    "Linear": (lambda: nn.Linear(4, 3), lambda t: t.nn.Linear(4, 3), (5, 4)),
    "Linear_batched": (lambda: nn.Linear(4, 3), lambda t: t.nn.Linear(4, 3), (2, 5, 4)),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), lambda t: t.nn.Conv2d(3, 4, 3, 2, 1), (2, 3, 7, 6)),
    "Conv2d_nobias": (lambda: nn.Conv2d(2, 3, (2, 3), bias=False), lambda t: t.nn.Conv2d(2, 3, (2, 3), bias=False),
                      (1, 2, 5, 5)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda t: t.nn.MaxPool2d(2), (2, 3, 6, 5)),
    "MaxPool2d_pad": (lambda: nn.MaxPool2d(3, 2, 1), lambda t: t.nn.MaxPool2d(3, 2, 1), (2, 3, 7, 7)),
    "AvgPool2d_pad": (lambda: nn.AvgPool2d(3, 2, 1), lambda t: t.nn.AvgPool2d(3, 2, 1), (2, 3, 7, 7)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), lambda t: t.nn.BatchNorm1d(4), (6, 4)),
    "BatchNorm1d_3d": (lambda: nn.BatchNorm1d(4, momentum=0.3), lambda t: t.nn.BatchNorm1d(4, momentum=0.3),
                       (3, 4, 5)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3, eps=1e-3), lambda t: t.nn.BatchNorm2d(3, eps=1e-3), (2, 3, 4, 4)),
    "LayerNorm": (lambda: nn.LayerNorm(4), lambda t: t.nn.LayerNorm(4), (3, 2, 4)),
    "LayerNorm_2d": (lambda: nn.LayerNorm((2, 4)), lambda t: t.nn.LayerNorm((2, 4)), (3, 2, 4)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda t: t.nn.GroupNorm(2, 4), (3, 4, 2, 3)),
    "ReLU": (nn.ReLU, lambda t: t.nn.ReLU(), (3, 4)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda t: t.nn.LeakyReLU(0.2), (3, 4)),
    "Sigmoid": (nn.Sigmoid, lambda t: t.nn.Sigmoid(), (3, 4)),
    "Tanh": (nn.Tanh, lambda t: t.nn.Tanh(), (3, 4)),
    "SiLU": (nn.SiLU, lambda t: t.nn.SiLU(), (3, 4)),
    "Swish": (nn.Swish, lambda t: t.nn.SiLU(), (3, 4)),
    "GELU": (nn.GELU, lambda t: t.nn.GELU(), (3, 4)),
    "Softmax": (lambda: nn.Softmax(dim=1), lambda t: t.nn.Softmax(dim=1), (3, 4)),
    "Flatten": (nn.Flatten, lambda t: t.nn.Flatten(), (2, 3, 4)),
    "Dropout_eval": (lambda: nn.Dropout(0.3).eval(), lambda t: t.nn.Dropout(0.3).eval(), (3, 4)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)),
                   lambda t: t.nn.Sequential(t.nn.Linear(4, 5), t.nn.Tanh(), t.nn.Linear(5, 2)), (3, 4)),
}


@pytest.mark.parametrize("name", MODULE_CASES)
def test_module_against_torch(name):
    torch = torch_or_skip()
    make, make_torch, shape = MODULE_CASES[name]
    module = make()
    tmodule = _copy_into_torch(module, make_torch(torch))
    tmodule.train(module.training)
    compare_with_torch(module, tmodule, data(*shape))
    params = dict(tmodule.named_parameters())
    for pname, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.data, params[pname].grad.numpy(), atol=1e-8, rtol=1e-6)
    buffers = dict(tmodule.named_buffers())
    for bname, b in module.named_buffers():  # batch norm's running statistics follow PyTorch's rule
        np.testing.assert_allclose(b.data, buffers[bname].numpy(), atol=1e-12)
    if buffers:
        module.eval(), tmodule.eval()
        compare_with_torch(module, tmodule, data(*shape, seed=9))


def test_batch_norm_cumulative_average_with_momentum_none_like_torch():
    torch = torch_or_skip()
    bn = nn.BatchNorm1d(3, momentum=None)
    tbn = _copy_into_torch(bn, torch.nn.BatchNorm1d(3, momentum=None))
    for seed in range(3):
        x = data(5, 3, seed=seed) * (seed + 1)
        bn(al.tensor(x)), tbn(torch.tensor(x))
    for name, b in bn.state_dict().items():
        np.testing.assert_allclose(b.data, tbn.state_dict()[name].numpy(), atol=1e-12)


def test_mse_loss_warns_like_torch_when_shapes_broadcast():
    with pytest.warns(UserWarning, match=r"mse_loss.*\(3, 1\).*\(3,\)"):
        out = F.mse_loss(al.ones(3), al.ones(3, 1))
    assert out.shape == ()


@pytest.mark.parametrize("name,target_kind", [("CrossEntropyLoss", "int"), ("MSELoss", "float")])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules_against_torch(name, target_kind, reduction):
    torch = torch_or_skip()
    target = np.array([2, 0, 1, 2]) if target_kind == "int" else data(4, 3, seed=8)
    compare_with_torch(lambda x: getattr(nn, name)(reduction=reduction)(x, al.tensor(target)),
                       lambda x: getattr(torch.nn, name)(reduction=reduction)(x, torch.tensor(target)), data(4, 3))


def test_dropout_p_is_the_probability_of_zeroing():
    al.manual_seed(0)
    layer = nn.Dropout(p=0.3)
    y = layer(al.ones(200_000)).data
    assert abs((y == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.7)
    assert np.array_equal(layer.eval()(al.ones(5)).data, np.ones(5))
    assert np.array_equal(F.dropout(al.ones(5), 0.3, training=False).data, np.ones(5))


def test_dropout_p_one_zeroes_everything_like_torch():
    x = leaf(data(4))
    for y in (F.dropout(x, p=1.0), nn.Dropout(1.0)(x)):
        assert np.array_equal(y.data, np.zeros(4))
    F.dropout(x, p=1.0).sum().backward()
    assert np.array_equal(x.grad.data, np.zeros(4))


def _snapshot(module):
    return {k: v.data.copy() for k, v in module.state_dict().items()}


def test_load_state_dict_round_trip_and_strict_false():
    a, b = _Net(), _Net()
    b.load_state_dict(a.state_dict())
    for k, v in _snapshot(a).items():
        assert np.array_equal(b.state_dict()[k].data, v)
    sd = {k: al.tensor(np.full(v.shape, 0.5)) for k, v in _snapshot(a).items() if k.startswith("head")}
    result = b.load_state_dict({**sd, "extra": al.ones(1)}, strict=False)
    assert "scale" in result.missing_keys and result.unexpected_keys == ["extra"]
    assert np.all(b.head.weight.data == 0.5)


@pytest.mark.parametrize("problem", ["shape_of_last_key", "missing_key", "unexpected_key"])
def test_load_state_dict_checks_every_key_and_shape_before_changing_anything(problem):
    model = _Net()
    before = _snapshot(model)
    sd = {k: al.tensor(np.zeros(v.shape, v.dtype)) for k, v in before.items()}
    if problem == "shape_of_last_key":
        last = list(sd)[-1] if list(sd)[-1] != "body.1.num_batches_tracked" else "head.bias"
        sd[last] = al.zeros(7)
        match = rf"{last}.*\(7,\)"
    elif problem == "missing_key":
        del sd["head.bias"]
        match = "missing.*head.bias"
    else:
        sd["head.gain"] = al.ones(3)
        match = "unexpected.*head.gain"
    with pytest.raises(RuntimeError, match=match):
        model.load_state_dict(sd)
    for k, v in _snapshot(model).items():
        assert np.array_equal(v, before[k]), f"{k} changed although loading failed"


# =====================================================================================
# nn.functional
# =====================================================================================
F_SIGNATURES = {
    "linear": (["input", "weight", "bias"], dict(bias=None)),
    "conv2d": (["input", "weight", "bias", "stride", "padding"], dict(bias=None, stride=1, padding=0)),
    "max_pool2d": (["input", "kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "avg_pool2d": (["input", "kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "batch_norm": (["input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"],
                   dict(weight=None, bias=None, training=False, momentum=0.1, eps=1e-5)),
    "layer_norm": (["input", "normalized_shape", "weight", "bias", "eps"], dict(weight=None, bias=None, eps=1e-5)),
    "group_norm": (["input", "num_groups", "weight", "bias", "eps"], dict(weight=None, bias=None, eps=1e-5)),
    "dropout": (["input", "p", "training"], dict(p=0.5, training=True)),
    "softmax": (["input", "dim"], {}),
    "log_softmax": (["input", "dim"], {}),
    "cross_entropy": (["input", "target"], dict(reduction="mean")),
    "nll_loss": (["input", "target"], dict(reduction="mean")),
    "mse_loss": (["input", "target"], dict(reduction="mean")),
    "binary_cross_entropy": (["input", "target"], dict(reduction="mean")),
    "binary_cross_entropy_with_logits": (["input", "target"], dict(reduction="mean")),
    "multi_margin_loss": (["input", "target"], dict(p=1, margin=1.0, reduction="mean")),
    "leaky_relu": (["input", "negative_slope"], dict(negative_slope=0.01)),
}


@pytest.mark.parametrize("name", F_SIGNATURES)
def test_functional_signature(name):
    names, defaults = F_SIGNATURES[name]
    assert_signature(getattr(F, name), names, **defaults)


def _tf():
    return torch_or_skip().nn.functional


F_CASES = {
    "linear": (lambda x, w, b: F.linear(x, w, b), lambda x, w, b: _tf().linear(x, w, b), [(2, 5, 4), (3, 4), (3,)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1),
               lambda x, w, b: _tf().conv2d(x, w, b, stride=(2, 1), padding=1), [(2, 3, 6, 5), (4, 3, 3, 2), (4,)]),
    "conv2d_defaults": (lambda x, w: F.conv2d(x, w), lambda x, w: _tf().conv2d(x, w), [(1, 2, 5, 5), (3, 2, 3, 3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), lambda x: _tf().max_pool2d(x, 2), [(2, 3, 6, 6)]),
    "max_pool2d_pad": (lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: _tf().max_pool2d(x, 3, 2, 1), [(2, 3, 7, 6)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 2), lambda x: _tf().avg_pool2d(x, 2), [(2, 3, 6, 6)]),
    "avg_pool2d_pad": (lambda x: F.avg_pool2d(x, 3, 2, 1), lambda x: _tf().avg_pool2d(x, 3, 2, 1), [(2, 3, 7, 6)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (3, 4), w, b), lambda x, w, b: _tf().layer_norm(x, (3, 4), w, b),
                   [(2, 3, 4), (3, 4), (3, 4)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 3, w, b), lambda x, w, b: _tf().group_norm(x, 3, w, b),
                   [(2, 6, 2, 2), (6,), (6,)]),
    "relu": (F.relu, lambda x: _tf().relu(x), [(3, 4)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: _tf().leaky_relu(x, 0.1), [(3, 4)]),
    "sigmoid": (F.sigmoid, lambda x: _tf().sigmoid(x), [(3, 4)]),
    "tanh": (F.tanh, lambda x: _tf().tanh(x), [(3, 4)]),
    "silu": (F.silu, lambda x: _tf().silu(x), [(3, 4)]),
    "swish": (F.swish, lambda x: _tf().silu(x), [(3, 4)]),
    "gelu": (F.gelu, lambda x: _tf().gelu(x), [(3, 4)]),
    "softmax": (lambda x: F.softmax(x, 0), lambda x: _tf().softmax(x, 0), [(3, 4)]),
    "log_softmax": (lambda x: F.log_softmax(x, dim=-1), lambda x: _tf().log_softmax(x, dim=-1), [(3, 4)]),
}


@pytest.mark.parametrize("name", F_CASES)
def test_functional_against_torch(name):
    al_fn, torch_fn, shapes = F_CASES[name]
    compare_with_torch(al_fn, torch_fn, *[data(*s, seed=i) for i, s in enumerate(shapes)])


def test_avg_pool2d_counts_padded_zeros():
    out = F.avg_pool2d(al.ones(1, 1, 2, 2), 2, stride=1, padding=1)
    np.testing.assert_allclose(out.data[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_functional_against_torch(training):
    torch = torch_or_skip()
    x, w, b = data(5, 3, 2), data(3, seed=1), data(3, seed=2)
    rm, rv = al.tensor(data(3, seed=3)), al.tensor(data(3, positive=True, seed=4))
    trm, trv = torch.tensor(rm.data.copy()), torch.tensor(rv.data.copy())
    compare_with_torch(lambda x_, w_, b_: F.batch_norm(x_, rm, rv, w_, b_, training, 0.2, 1e-3),
                       lambda x_, w_, b_: _tf().batch_norm(x_, trm, trv, w_, b_, training, 0.2, 1e-3), x, w, b)
    np.testing.assert_allclose(rm.data, trm.numpy()), np.testing.assert_allclose(rv.data, trv.numpy())


LOSS_CASES = {
    "cross_entropy": (lambda: np.array([2, 0, 1, 2]), False),
    "nll_loss": (lambda: np.array([1, 0, 2, 2]), False),
    "mse_loss": (lambda: data(4, 3, seed=5), False),
    "binary_cross_entropy": (lambda: (data(4, 3, seed=6) > 0).astype(float), True),
    "binary_cross_entropy_with_logits": (lambda: (data(4, 3, seed=6) > 0).astype(float), False),
    "multi_margin_loss": (lambda: np.array([2, 0, 1, 1]), False),
}


@pytest.mark.parametrize("name", LOSS_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_functions_against_torch(name, reduction):
    torch = torch_or_skip()
    make_target, probabilities = LOSS_CASES[name]
    target = make_target()
    x = 1 / (1 + np.exp(-data(4, 3))) if probabilities else data(4, 3)
    compare_with_torch(lambda u: getattr(F, name)(u, al.tensor(target), reduction=reduction),
                       lambda u: getattr(_tf(), name)(u, torch.tensor(target), reduction=reduction), x)
    out = getattr(F, name)(al.tensor(x), al.tensor(target))  # the default reduction is the mean
    np.testing.assert_allclose(out.data, getattr(F, name)(al.tensor(x), al.tensor(target), reduction="mean").data)


def test_cross_entropy_takes_integer_class_targets_as_array_or_tensor():
    x = al.tensor(data(4, 3))
    y = np.array([2, 0, 1, 2])
    expected = np.mean(np.log(np.exp(x.data).sum(1)) - x.data[np.arange(4), y])
    np.testing.assert_allclose(F.cross_entropy(x, y).data, expected)
    np.testing.assert_allclose(F.cross_entropy(x, al.tensor(y)).data, expected)


def test_multi_margin_loss_divides_by_C_unlike_the_homework_svm_loss():
    from autograd_lite.classic.layers import svm_loss
    x, y = data(5, 4), np.array([0, 3, 1, 1, 2])
    hinge = np.maximum(0, 1 - x[np.arange(5), y][:, None] + x)
    hinge[np.arange(5), y] = 0
    np.testing.assert_allclose(F.multi_margin_loss(al.tensor(x), y).data, hinge.sum(1).mean() / 4)
    np.testing.assert_allclose(svm_loss(x, y)[0], hinge.sum(1).mean())


# =====================================================================================
# optim and lr_scheduler
# =====================================================================================
def test_optimizer_signatures_and_defaults():
    assert_signature(optim.SGD, ["params", "lr"], momentum=0, nesterov=False, weight_decay=0)
    assert_signature(optim.RMSprop, ["params", "lr", "alpha", "eps"], lr=1e-2, alpha=0.99, eps=1e-8)
    assert_signature(optim.Adam, ["params", "lr", "betas", "eps", "weight_decay"], lr=1e-3, betas=(0.9, 0.999),
                     eps=1e-8, weight_decay=0)
    assert_signature(optim.AdamW, ["params", "lr", "betas", "eps", "weight_decay"], lr=1e-3, betas=(0.9, 0.999),
                     eps=1e-8, weight_decay=1e-2)
    assert_signature(optim.Adagrad, ["params", "lr"], lr=1e-2)


def test_sgd_needs_a_learning_rate():
    with pytest.raises((TypeError, ValueError), match="lr"):
        optim.SGD([nn.Parameter(al.ones(2))])


OPTIMIZER_CASES = {
    "SGD": ("SGD", dict(lr=0.1)),
    "SGD_momentum_wd": ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    "SGD_nesterov": ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    "RMSprop": ("RMSprop", dict()),
    "RMSprop_momentum": ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.5)),
    "Adam": ("Adam", dict()),
    "Adam_wd": ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "AdamW": ("AdamW", dict(lr=0.01)),
    "Adagrad": ("Adagrad", dict(lr=0.1)),
}


@pytest.mark.parametrize("name", OPTIMIZER_CASES)
def test_optimizer_updates_against_torch(name):
    torch = torch_or_skip()
    cls, kwargs = OPTIMIZER_CASES[name]
    p0 = data(3, 2)
    p, tp = nn.Parameter(al.tensor(p0)), torch.nn.Parameter(torch.tensor(p0))
    opt, topt = getattr(optim, cls)([p], **kwargs), getattr(torch.optim, cls)([tp], **kwargs)
    for k in range(6):
        grad = 2 * p.data + np.sin(k * p.data)
        p.grad, tp.grad = al.tensor(grad), torch.tensor(2 * tp.detach().numpy() + np.sin(k * tp.detach().numpy()))
        opt.step(), topt.step()
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    opt.zero_grad()
    assert p.grad is None


def test_optimizer_state_dict_is_a_snapshot_and_load_restores():
    p = nn.Parameter(al.tensor(data(3)))
    opt = optim.Adam([p], lr=0.1)
    for _ in range(2):
        p.grad = al.tensor(p.data * 2)
        opt.step()
    snap = opt.state_dict()
    saved = {k: v.copy() for k, v in snap["state"][0].items() if isinstance(v, np.ndarray)}
    for v in snap["state"][0].values():
        if isinstance(v, np.ndarray):
            v += 100.0  # scribbling on the snapshot does not reach the optimizer
    snap["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1
    for k, v in opt.state[p].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(v, saved[k])
    snap = opt.state_dict()
    p.grad = al.tensor(p.data * 2)
    opt.step()  # stepping on does not change the snapshot
    for k, v in snap["state"][0].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(v, saved[k])
    q = nn.Parameter(al.tensor(p.data.copy()))
    opt2 = optim.Adam([q], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    p.grad, q.grad = al.tensor(p.data * 2), al.tensor(q.data * 2)
    opt.step(), opt2.step()
    np.testing.assert_allclose(q.data, p.data)


def test_failed_optimizer_step_changes_nothing():
    a, b = nn.Parameter(al.tensor(data(2))), nn.Parameter(al.tensor(data(3)))
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = al.ones(2), al.ones(4)  # b's gradient has the wrong shape
    before = a.data.copy(), b.data.copy()
    with pytest.raises((RuntimeError, ValueError), match=r"SGD.*\(4,\).*\(3,\)"):
        opt.step()
    assert np.array_equal(a.data, before[0]) and np.array_equal(b.data, before[1])
    assert not any(opt.state.get(p) for p in (a, b)), "momentum buffers were created by a failed step"


def test_failed_optimizer_load_state_dict_changes_nothing():
    p = nn.Parameter(al.tensor(data(3)))
    opt = optim.Adam([p], lr=0.1)
    p.grad = al.ones(3)
    opt.step()
    good = opt.state_dict()
    bad = opt.state_dict()
    bad["param_groups"][0]["lr"] = 7.0
    bad["state"][0]["exp_avg"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"exp_avg.*\(5,\).*\(3,\)"):
        opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], good["state"][0]["exp_avg"])


def test_scheduler_signatures_and_defaults():
    assert_signature(lr_scheduler.StepLR, ["optimizer", "step_size", "gamma"], gamma=0.1)
    assert_signature(lr_scheduler.ExponentialLR, ["optimizer", "gamma"])
    assert_signature(lr_scheduler.CosineAnnealingLR, ["optimizer", "T_max", "eta_min"], eta_min=0)
    assert_signature(lr_scheduler.CyclicLR, ["optimizer", "base_lr", "max_lr", "step_size_up"], mode="triangular",
                     cycle_momentum=True, base_momentum=0.8, max_momentum=0.9)


SCHEDULER_CASES = {
    "StepLR": ("SGD", dict(lr=0.1), "StepLR", dict(step_size=3, gamma=0.5)),
    "ExponentialLR": ("SGD", dict(lr=0.1), "ExponentialLR", dict(gamma=0.9)),
    "CosineAnnealingLR": ("Adam", dict(lr=0.1), "CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    "CyclicLR_triangular_sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9), "CyclicLR",
                                         dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    "CyclicLR_triangular2_updown": ("SGD", dict(lr=0.1, momentum=0.5), "CyclicLR",
                                    dict(base_lr=0.01, max_lr=0.2, step_size_up=3, step_size_down=5,
                                         mode="triangular2", base_momentum=0.7, max_momentum=0.95)),
    "CyclicLR_exp_range_adam_betas": ("Adam", dict(lr=0.1), "CyclicLR",
                                      dict(base_lr=0.001, max_lr=0.01, step_size_up=2, mode="exp_range",
                                           gamma=0.95)),
    "CyclicLR_no_momentum_cycling": ("SGD", dict(lr=0.1), "CyclicLR",
                                     dict(base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False)),
}


@pytest.mark.parametrize("name", SCHEDULER_CASES)
def test_scheduler_against_torch(name):
    torch = torch_or_skip()
    opt_name, opt_kwargs, sched_name, sched_kwargs = SCHEDULER_CASES[name]
    opt = getattr(optim, opt_name)([nn.Parameter(al.ones(2))], **opt_kwargs)
    topt = getattr(torch.optim, opt_name)([torch.nn.Parameter(torch.ones(2))], **opt_kwargs)
    sched = getattr(lr_scheduler, sched_name)(opt, **sched_kwargs)
    tsched = getattr(torch.optim.lr_scheduler, sched_name)(topt, **sched_kwargs)

    def momentum(group):
        return group["betas"][0] if "betas" in group else group.get("momentum")

    for _ in range(25):
        g, tg = opt.param_groups[0], topt.param_groups[0]
        assert g["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)
        assert momentum(g) == pytest.approx(momentum(tg), rel=1e-12)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        opt.step(), topt.step()
        sched.step(), tsched.step()


def test_failed_cyclic_lr_construction_leaves_optimizer_unchanged():
    opt = optim.Adagrad([nn.Parameter(al.ones(2))], lr=0.5)  # no momentum, no betas
    with pytest.raises(ValueError, match="momentum"):
        lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    assert opt.param_groups[0]["lr"] == 0.5
    sgd = optim.SGD([nn.Parameter(al.ones(2))], lr=0.5, momentum=0.3)
    with pytest.raises(ValueError, match="bogus"):
        lr_scheduler.CyclicLR(sgd, 0.01, 0.1, mode="bogus")
    assert sgd.param_groups[0]["lr"] == 0.5 and sgd.param_groups[0]["momentum"] == 0.3


# =====================================================================================
# viz and check
# =====================================================================================
def test_to_dot_returns_dot_source_without_graphviz():
    x = leaf(data(3))
    w = leaf(data(3, seed=1))
    loss = (x * w).tanh().sum()
    src = al.viz.to_dot(loss)
    assert isinstance(src, str) and src.lstrip().startswith("digraph") and src.rstrip().endswith("}")
    loss.backward(retain_graph=True)
    assert isinstance(al.viz.to_dot(loss, x * 2, backward=True), str)


def test_draw_graph_returns_a_digraph_and_explains_a_missing_dot(monkeypatch, tmp_path):
    import graphviz
    x = leaf(data(3))
    drawing = al.viz.draw_graph((x.exp() * 2).sum())
    assert isinstance(drawing, graphviz.Digraph) and "->" in drawing.source
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program anywhere
    with pytest.raises(Exception, match="(?i)install.*graphviz") as info:
        drawing.pipe(format="svg")
    assert isinstance(info.value, graphviz.ExecutableNotFound)


def test_rel_error_is_the_homework_formula():
    x, y = np.array([1.0, 0.0, -2.0, 0.0]), np.array([1.1, 0.0, -2.0, 1e-9])
    expected = np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
    assert al.check.rel_error(x, y) == pytest.approx(expected)
    assert al.check.rel_error(al.tensor(x), al.tensor(x)) == 0.0


def test_numerical_grad_returns_one_array_per_input_and_passes_tensors():
    assert_signature(al.check.numerical_grad, ["f"], eps=1e-6)
    assert inspect.signature(al.check.numerical_grad).parameters["inputs"].kind is inspect.Parameter.VAR_POSITIONAL
    seen = []

    def f(u, v):
        seen.append((type(u), type(v)))
        return (u * u * v).sum()

    a, b = data(3), data(3, seed=1)
    gu, gv = al.check.numerical_grad(f, a, al.tensor(b))
    assert set(seen) == {(al.Tensor, al.Tensor)}
    np.testing.assert_allclose(gu, 2 * a * b, rtol=1e-6), np.testing.assert_allclose(gv, a * a, rtol=1e-6)
    single = al.check.numerical_grad(lambda u: (u ** 3).sum(), a, eps=1e-5)
    assert isinstance(single, np.ndarray) and single.shape == a.shape
    np.testing.assert_allclose(single, 3 * a ** 2, rtol=1e-6)


def test_gradcheck_returns_true_or_raises_naming_input_and_element():
    assert_signature(al.check.gradcheck, ["f", "inputs", "eps", "atol", "rtol"], eps=1e-6, atol=1e-5, rtol=1e-3)
    assert al.check.gradcheck(lambda u, v: (u * v).sin(), [leaf(data(3)), leaf(data(3, seed=1))]) is True

    class WrongGradient(al.Function):
        def forward(self, a):
            return a * a

        def backward(self, g):
            return g * self.inputs[0] * 3.0  # should be 2·a

    with pytest.raises(Exception, match=r"input 0.*element") as info:
        al.check.gradcheck(lambda u: WrongGradient().apply(u), [leaf([1.0, -2.0])])
    assert "analytical" in str(info.value) and "numerical" in str(info.value)


def test_gradcheck_on_a_function_returning_no_tensor_says_so():
    with pytest.raises(TypeError, match="gradcheck.*Tensor.*float"):
        al.check.gradcheck(lambda u: 3.0, [leaf([1.0])])


# =====================================================================================
# The homework layer API: autograd_lite.classic
# =====================================================================================
from autograd_lite.classic import (cnn, data_utils, fc_net, gradient_check, layer_utils,  # noqa: E402
                                   layers, solver)
from autograd_lite.classic import optim as classic_optim  # noqa: E402

CLASSIC_SIGNATURES = [
    (layers.affine_forward, ["x", "w", "b"], {}), (layers.relu_forward, ["x"], {}),
    (layers.dropout_forward, ["x", "dropout_param"], {}),
    (layers.batchnorm_forward, ["x", "gamma", "beta", "bn_param"], {}),
    (layers.layernorm_forward, ["x", "gamma", "beta", "ln_param"], {}),
    (layers.conv_forward_naive, ["x", "w", "b", "conv_param"], {}),
    (layers.max_pool_forward_naive, ["x", "pool_param"], {}),
    (layers.spatial_batchnorm_forward, ["x", "gamma", "beta", "bn_param"], {}),
    (layers.spatial_groupnorm_forward, ["x", "gamma", "beta", "G", "gn_param"], {}),
    (layers.svm_loss, ["x", "y"], {}), (layers.softmax_loss, ["x", "y"], {}),
    (layer_utils.affine_relu_forward, ["x", "w", "b"], {}),
    (layer_utils.conv_relu_forward, ["x", "w", "b", "conv_param"], {}),
    (layer_utils.conv_relu_pool_forward, ["x", "w", "b", "conv_param", "pool_param"], {}),
    (fc_net.TwoLayerNet, ["input_dim", "hidden_dim", "num_classes", "weight_scale", "reg"],
     dict(input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0)),
    (fc_net.FullyConnectedNet, ["hidden_dims", "input_dim", "num_classes", "dropout", "normalization", "reg",
                                "weight_scale", "dtype", "seed"],
     dict(input_dim=3 * 32 * 32, num_classes=10, dropout=1, normalization=None, reg=0.0, weight_scale=1e-2,
          dtype=np.float32, seed=None)),
    (cnn.ThreeLayerConvNet, ["input_dim", "num_filters", "filter_size", "hidden_dim", "num_classes",
                             "weight_scale", "reg", "dtype"],
     dict(input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10, weight_scale=1e-3,
          reg=0.0, dtype=np.float32)),
    (gradient_check.eval_numerical_gradient, ["f", "x", "verbose", "h"], dict(verbose=True, h=1e-5)),
    (gradient_check.eval_numerical_gradient_array, ["f", "x", "df", "h"], dict(h=1e-5)),
    (gradient_check.grad_check_sparse, ["f", "x", "analytic_grad", "num_checks", "h"], dict(num_checks=10, h=1e-5)),
    (data_utils.load_CIFAR10, ["root"], {}),
    (data_utils.get_CIFAR10_data, ["num_training", "num_validation", "num_test"],
     dict(num_training=49000, num_validation=1000, num_test=1000)),
] + [(getattr(classic_optim, n), ["w", "dw", "config"], dict(config=None))
     for n in ("sgd", "sgd_momentum", "rmsprop", "adam")] + [
    (getattr(mod, n), ["dout", "cache"], {}) for mod, names in (
        (layers, CLASSIC["layers"]), (layer_utils, CLASSIC["layer_utils"])) for n in names.split()
    if n.endswith(("_backward", "_backward_alt", "_backward_naive"))]


@pytest.mark.parametrize("fn,names,defaults", CLASSIC_SIGNATURES, ids=lambda v: getattr(v, "__name__", ""))
def test_classic_signature(fn, names, defaults):
    assert_signature(fn, names, **defaults)


def _numeric(f, x, dout):
    return gradient_check.eval_numerical_gradient_array(f, x, dout)


def test_affine_layer_w_is_D_by_M():
    x, w, b = data(4, 2, 3), data(6, 5, seed=1), data(5, seed=2)
    out, cache = layers.affine_forward(x, w, b)
    np.testing.assert_allclose(out, x.reshape(4, 6) @ w + b)
    dout = data(4, 5, seed=3)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    np.testing.assert_allclose(dx, _numeric(lambda v: layers.affine_forward(v, w, b)[0], x, dout), rtol=1e-6)
    np.testing.assert_allclose(dw, _numeric(lambda v: layers.affine_forward(x, v, b)[0], w, dout), rtol=1e-6)
    np.testing.assert_allclose(db, dout.sum(0))


def test_relu_layer():
    x, dout = data(3, 4), data(3, 4, seed=1)
    out, cache = layers.relu_forward(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    np.testing.assert_array_equal(layers.relu_backward(dout, cache), dout * (x > 0))


def test_dropout_layer_p_is_the_keep_probability():
    x = data(500, 400) + 5
    out, cache = layers.dropout_forward(x, {"mode": "train", "p": 0.8, "seed": 0})
    kept = out != 0
    assert abs(kept.mean() - 0.8) < 0.01
    np.testing.assert_allclose(out[kept], x[kept] / 0.8)
    dout = data(500, 400, seed=1)
    np.testing.assert_allclose(layers.dropout_backward(dout, cache), dout * kept / 0.8)
    again, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.8, "seed": 0})
    np.testing.assert_array_equal(again, out)  # the seed fixes the mask
    test_out, test_cache = layers.dropout_forward(x, {"mode": "test", "p": 0.8})
    np.testing.assert_array_equal(test_out, x)
    np.testing.assert_array_equal(layers.dropout_backward(dout, test_cache), dout)


def test_batchnorm_running_averages_follow_cs231n():
    x, gamma, beta = data(8, 3) * 2 + 1, np.ones(3), np.zeros(3)
    bn_param = {"mode": "train"}
    out, cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(0), x.var(0) / (x.var(0) + 1e-5))
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(0))  # momentum 0.9, from zero
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(0))  # the biased variance
    dout = data(8, 3, seed=2)
    dx, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    for a, b in zip((dx, dgamma, dbeta), layers.batchnorm_backward_alt(dout, cache)):
        np.testing.assert_allclose(a, b)
    numeric = _numeric(lambda v: layers.batchnorm_forward(v, gamma, beta, {"mode": "train"})[0], x.copy(), dout)
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-8)
    test_out, _ = layers.batchnorm_forward(x, gamma, beta, dict(bn_param, mode="test"))
    np.testing.assert_allclose(test_out, (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + 1e-5))


def test_layernorm_and_spatial_norms():
    x = data(4, 5) * 3
    out, cache = layers.layernorm_forward(x, np.ones(5), np.zeros(5), {})
    np.testing.assert_allclose(out, (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5))
    assert [g.shape for g in layers.layernorm_backward(data(4, 5), cache)] == [(4, 5), (5,), (5,)]
    x4 = data(2, 4, 3, 3)
    out, cache = layers.spatial_batchnorm_forward(x4, np.ones(4), np.zeros(4), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert [g.shape for g in layers.spatial_batchnorm_backward(data(2, 4, 3, 3), cache)] == [x4.shape, (4,), (4,)]
    gamma = np.ones((1, 4, 1, 1))
    out, cache = layers.spatial_groupnorm_forward(x4, gamma, np.zeros((1, 4, 1, 1)), 2, {})
    grouped = x4.reshape(2, 2, -1)
    expected = (grouped - grouped.mean(2, keepdims=True)) / np.sqrt(grouped.var(2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, expected.reshape(x4.shape))
    assert [g.shape for g in layers.spatial_groupnorm_backward(data(2, 4, 3, 3), cache)] == [x4.shape, gamma.shape,
                                                                                            gamma.shape]


def test_conv_and_max_pool_naive_against_torch():
    torch = torch_or_skip()
    x, w, b = data(2, 3, 7, 6), data(4, 3, 3, 3, seed=1), data(4, seed=2)
    out, cache = layers.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
    np.testing.assert_allclose(out, tout.detach().numpy(), atol=1e-10)
    dout = data(*out.shape, seed=3)
    tout.backward(torch.tensor(dout))
    for g, t in zip(layers.conv_backward_naive(dout, cache), (tx, tw, tb)):
        np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-10)
    pool_param = {"pool_height": 2, "pool_width": 3, "stride": 2}
    out, cache = layers.max_pool_forward_naive(x, pool_param)
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, (2, 3), stride=2)
    np.testing.assert_allclose(out, tout.detach().numpy())
    dout = data(*out.shape, seed=4)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(layers.max_pool_backward_naive(dout, cache), tx.grad.numpy())


def test_svm_and_softmax_loss():
    x, y = data(6, 4), np.array([0, 3, 1, 1, 2, 0])
    loss, dx = layers.svm_loss(x, y)
    margins = np.maximum(0, x - x[np.arange(6), y][:, None] + 1)
    margins[np.arange(6), y] = 0
    assert loss == pytest.approx(margins.sum() / 6)  # mean over samples, not divided by C
    np.testing.assert_allclose(dx, gradient_check.eval_numerical_gradient(
        lambda v: layers.svm_loss(v, y)[0], x.copy(), verbose=False), atol=1e-7)
    loss, dx = layers.softmax_loss(x, y)
    shifted = x - x.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    assert loss == pytest.approx(-log_probs[np.arange(6), y].mean())
    expected = np.exp(log_probs)
    expected[np.arange(6), y] -= 1
    np.testing.assert_allclose(dx, expected / 6, atol=1e-12)


def test_layer_utils_sandwiches():
    x, w, b = data(3, 4), data(4, 5, seed=1), data(5, seed=2)
    out, cache = layer_utils.affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(x @ w + b, 0))
    assert [g.shape for g in layer_utils.affine_relu_backward(data(3, 5), cache)] == [(3, 4), (4, 5), (5,)]
    x4, w4, b4 = data(2, 3, 6, 6), data(4, 3, 3, 3, seed=1), data(4, seed=2)
    conv = {"stride": 1, "pad": 1}
    out, cache = layer_utils.conv_relu_forward(x4, w4, b4, conv)
    np.testing.assert_allclose(out, np.maximum(layers.conv_forward_naive(x4, w4, b4, conv)[0], 0))
    assert [g.shape for g in layer_utils.conv_relu_backward(data(*out.shape), cache)] == [x4.shape, w4.shape, (4,)]
    out, cache = layer_utils.conv_relu_pool_forward(x4, w4, b4, conv, {"pool_height": 2, "pool_width": 2,
                                                                       "stride": 2})
    assert out.shape == (2, 4, 3, 3)
    assert [g.shape for g in layer_utils.conv_relu_pool_backward(data(*out.shape), cache)] == [x4.shape, w4.shape,
                                                                                               (4,)]


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_fully_connected_net(normalization):
    np.random.seed(231)
    model = fc_net.FullyConnectedNet([6, 5], input_dim=4, num_classes=3, normalization=normalization, reg=0.3,
                                     weight_scale=5e-2, dtype=np.float64, dropout=0.7, seed=123)
    expected = {"W1": (4, 6), "b1": (6,), "W2": (6, 5), "b2": (5,), "W3": (5, 3), "b3": (3,)}
    if normalization:
        expected.update(gamma1=(6,), beta1=(6,), gamma2=(5,), beta2=(5,))
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert all(v.dtype == np.float64 for v in model.params.values())
    X, y = data(7, 4), np.array([0, 1, 2, 0, 1, 2, 0])
    assert model.loss(X).shape == (7, 3)
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in ("W1", "b2", "W3") + (("gamma1", "beta2") if normalization else ()):
        numeric = gradient_check.eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                                         verbose=False, h=1e-6)
        assert al.check.rel_error(grads[name], numeric) < 1e-5, name


def test_two_layer_and_three_layer_conv_net():
    np.random.seed(0)
    two = fc_net.TwoLayerNet(input_dim=5, hidden_dim=4, num_classes=3, weight_scale=1e-3, reg=0.0)
    assert {k: v.shape for k, v in two.params.items()} == {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
    loss, grads = two.loss(data(6, 5), np.arange(6) % 3)
    assert loss == pytest.approx(np.log(3), abs=1e-3) and set(grads) == set(two.params)
    three = cnn.ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=4, filter_size=3, hidden_dim=5, num_classes=3,
                                  dtype=np.float64)
    assert {k: v.shape for k, v in three.params.items()} == {
        "W1": (4, 2, 3, 3), "b1": (4,), "W2": (4 * 3 * 3, 5), "b2": (5,), "W3": (5, 3), "b3": (3,)}
    X, y = data(2, 2, 6, 6), np.array([0, 2])
    assert three.loss(X).shape == (2, 3)
    assert three.loss(X, y)[0] == pytest.approx(np.log(3), abs=1e-3)
    three.params = {k: v * 100 for k, v in three.params.items()}  # gradients large enough to check numerically
    loss, grads = three.loss(X, y)
    numeric = gradient_check.eval_numerical_gradient(lambda _: three.loss(X, y)[0], three.params["W1"],
                                                     verbose=False, h=1e-6)
    assert al.check.rel_error(grads["W1"], numeric) < 1e-6


def test_classic_update_rules():
    w, dw = data(3), data(3, seed=1)
    next_w, config = classic_optim.sgd(w.copy(), dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, w - 0.1 * dw)
    next_w, config = classic_optim.sgd_momentum(w, dw, {"learning_rate": 0.1, "momentum": 0.9,
                                                        "velocity": np.ones(3)})
    np.testing.assert_allclose(config["velocity"], 0.9 * np.ones(3) - 0.1 * dw)  # v = mu*v - lr*dw
    np.testing.assert_allclose(next_w, w + config["velocity"])
    next_w, config = classic_optim.rmsprop(w, dw, {"learning_rate": 0.1})
    cache = 0.01 * dw ** 2
    np.testing.assert_allclose(next_w, w - 0.1 * dw / (np.sqrt(cache) + 1e-8))
    next_w, config = classic_optim.adam(w, dw, {"learning_rate": 0.1})
    assert config["t"] == 1  # t is incremented before it is used
    m_hat, v_hat = (0.1 * dw) / 0.1, (0.001 * dw ** 2) / 0.001
    np.testing.assert_allclose(next_w, w - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8))


def test_solver_trains_with_the_notebook_arguments():
    np.random.seed(0)
    X = data(40, 4)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    small = {"X_train": X[:30], "y_train": y[:30], "X_val": X[30:], "y_val": y[30:]}
    model = fc_net.TwoLayerNet(input_dim=4, hidden_dim=10, num_classes=3, weight_scale=1e-1)
    s = solver.Solver(model, small, update_rule="sgd_momentum", optim_config={"learning_rate": 0.1}, lr_decay=0.5,
                      batch_size=10, num_epochs=3, print_every=100, verbose=False)
    s.train()
    assert len(s.loss_history) == 9 and len(s.val_acc_history) == len(s.train_acc_history) == 4
    assert s.loss_history[-1] < s.loss_history[0]
    assert all(c["learning_rate"] == pytest.approx(0.1 * 0.5 ** 3) for c in s.optim_configs.values())
    assert set(s.best_params) == set(model.params)


def test_gradient_check_helpers(capsys):
    x = data(3, 2)
    np.testing.assert_allclose(gradient_check.eval_numerical_gradient(lambda v: (v ** 2).sum(), x.copy(),
                                                                      verbose=False), 2 * x, rtol=1e-6)
    df = data(3, 2, seed=1)
    np.testing.assert_allclose(gradient_check.eval_numerical_gradient_array(np.sin, x.copy(), df),
                               np.cos(x) * df, rtol=1e-6)
    errors = gradient_check.grad_check_sparse(lambda v: (v ** 3).sum(), x.copy(), 3 * x ** 2, num_checks=4)
    assert len(errors) == 4 and max(errors) < 1e-6
    assert "relative error" in capsys.readouterr().out


def _fake_cifar(folder, per_batch=4):
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, per_batch).tolist()}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(batch, f)


def test_load_cifar10_from_a_local_folder(tmp_path):
    _fake_cifar(tmp_path)
    Xtr, ytr, Xte, yte = data_utils.load_CIFAR10(str(tmp_path))
    assert Xtr.shape == (20, 32, 32, 3) and Xte.shape == (4, 32, 32, 3)
    assert Xtr.dtype.kind == "f" and ytr.dtype.kind == "i" and ytr.shape == (20,)
    with open(tmp_path / "data_batch_1", "rb") as f:
        raw = pickle.load(f)[b"data"]
    np.testing.assert_array_equal(Xtr[0, 5, 7], raw[0, [5 * 32 + 7, 1024 + 5 * 32 + 7, 2048 + 5 * 32 + 7]])
    d = data_utils.get_CIFAR10_data(num_training=15, num_validation=5, num_test=3, cifar10_dir=str(tmp_path))
    assert d["X_train"].shape == (15, 3, 32, 32) and d["X_val"].shape == (5, 3, 32, 32)
    assert d["X_test"].shape == (3, 3, 32, 32) and d["y_val"].shape == (5,)
    np.testing.assert_allclose(d["X_train"].mean(0), 0, atol=1e-9)


# =====================================================================================
# Bad input: a clear error naming the op and the offending shapes or values; nothing changes
# =====================================================================================
def _x():
    return al.tensor(data(2, 3), requires_grad=True)


def _stale_model():
    return fc_net.TwoLayerNet(input_dim=4, hidden_dim=3, num_classes=2)


BAD_INPUT = {
    # core ops
    "reshape": (lambda: _x().reshape(4, 2), r"reshape.*\(2, 3\).*\(4, 2\)"),
    "matmul": (lambda: _x() @ _x(), r"matmul.*\(2, 3\).*\(2, 3\)"),
    "add_broadcast": (lambda: _x() + al.ones(4), r"add.*\(2, 3\).*\(4,\)"),
    "cat": (lambda: al.cat([_x(), al.ones(3, 2)]), r"cat.*\(2, 3\).*\(3, 2\)"),
    "split": (lambda: al.split(_x(), [1, 1], 1), r"split.*\[1, 1\].*3"),
    "pad": (lambda: al.pad(_x(), (1, 1, 1, 1, 1, 1)), r"pad.*\(1, 1, 1, 1, 1, 1\)"),
    "expand": (lambda: _x().expand(4, 3), r"expand.*\(2, 3\).*\(4, 3\)"),
    "sum_dim": (lambda: _x().sum(dim=3), r"sum.*dim 3.*2 dimensions"),
    "var_dim": (lambda: _x().var(dim=-3), r"var.*dim -3"),
    "argmax_dim": (lambda: al.argmax(_x(), dim=5), r"argmax.*5.*2"),
    "index_int": (lambda: _x()[5], r"index.*5.*\(2, 3\)"),
    "index_bool": (lambda: _x()[al.tensor(np.array([True, False, True]))], r"index.*\(2, 3\)"),
    "index_float": (lambda: _x()[al.tensor([0.0])], r"index.*float"),
    # linalg
    "inv_not_square": (lambda: al.linalg.inv(_x()), r"linalg.inv.*\(2, 3\)"),
    "solve_mismatch": (lambda: al.linalg.solve(al.eye(2), al.ones(3, 1)), r"linalg.solve.*\(2, 2\).*\(3, 1\)"),
    "cholesky_not_pd": (lambda: al.linalg.cholesky(-al.eye(2)), r"cholesky.*positive definite"),
    # nn.functional
    "F_linear": (lambda: F.linear(_x(), al.ones(4, 5)), r"linear.*\(2, 3\).*\(4, 5\)"),
    "F_conv2d": (lambda: F.conv2d(al.ones(1, 3, 5, 5), al.ones(2, 4, 3, 3)), r"conv2d.*\(1, 3, 5, 5\).*\(2, 4, 3, 3\)"),
    "F_max_pool2d": (lambda: F.max_pool2d(_x(), 2), r"max_pool2d.*\(2, 3\)"),
    "F_batch_norm": (lambda: F.batch_norm(_x(), al.zeros(2), al.ones(3)), r"batch_norm.*running_mean.*\(3,\).*\(2,\)"),
    "F_layer_norm": (lambda: F.layer_norm(_x(), (4,)), r"layer_norm.*\(4,\).*\(2, 3\)"),
    "F_group_norm": (lambda: F.group_norm(al.ones(2, 6, 2), 4), r"group_norm.*4.*6"),
    "F_dropout": (lambda: F.dropout(_x(), p=1.5), r"dropout.*1.5"),
    "F_softmax": (lambda: F.softmax(_x(), dim=2), r"softmax.*dim 2"),
    "F_cross_entropy_class": (lambda: F.cross_entropy(_x(), np.array([0, 3])), r"cross_entropy.*3.*3 classes"),
    "F_cross_entropy_shape": (lambda: F.cross_entropy(_x(), np.array([0, 1, 2])), r"cross_entropy.*\(3,\).*\(2, 3\)"),
    "F_cross_entropy_reduction": (lambda: F.cross_entropy(_x(), np.array([0, 1]), reduction="avg"),
                                  r"cross_entropy.*'avg'"),
    "F_nll_loss": (lambda: F.nll_loss(_x(), np.array([0, -2])), r"nll_loss.*-2"),
    "F_mse_loss": (lambda: F.mse_loss(al.ones(3), al.ones(4)), r"mse_loss.*\(4,\).*\(3,\)"),
    "F_bce_values": (lambda: F.binary_cross_entropy(al.tensor([0.5, 2.0]), al.tensor([1.0, 0.0])),
                     r"binary_cross_entropy.*\[0, 1\].*2"),
    "F_bce_logits_shape": (lambda: F.binary_cross_entropy_with_logits(al.ones(3), al.ones(2)),
                           r"binary_cross_entropy_with_logits.*\(2,\).*\(3,\)"),
    "F_multi_margin": (lambda: F.multi_margin_loss(_x(), np.array([0, 3])), r"multi_margin_loss.*3"),
    # nn modules
    "Linear_features": (lambda: nn.Linear(3, 2)(al.ones(4, 5)), r"\(4, 5\).*\(2, 3\)"),
    "Conv2d_channels": (lambda: nn.Conv2d(3, 2, 3)(al.ones(1, 4, 5, 5)), r"conv2d.*\(1, 4, 5, 5\)"),
    "BatchNorm2d_channels": (lambda: nn.BatchNorm2d(3)(al.ones(2, 4, 3, 3)), r"BatchNorm2d.*\(2, 4, 3, 3\)"),
    "BatchNorm1d_dims": (lambda: nn.BatchNorm1d(3)(al.ones(2, 3, 4, 5)), r"BatchNorm1d.*\(2, 3, 4, 5\)"),
    "GroupNorm_ctor": (lambda: nn.GroupNorm(4, 6), r"GroupNorm.*6.*4"),
    "Dropout_ctor": (lambda: nn.Dropout(1.5), r"Dropout.*1.5"),
    "loss_reduction": (lambda: nn.MSELoss(reduction="avg"), r"MSELoss.*'avg'"),
    # optim
    "SGD_lr": (lambda: optim.SGD([nn.Parameter(al.ones(2))], lr=-1.0), r"SGD.*-1"),
    "Adam_betas": (lambda: optim.Adam([nn.Parameter(al.ones(2))], betas=(1.5, 0.9)), r"Adam.*1.5"),
    "optimizer_no_params": (lambda: optim.Adam([]), r"Adam.*empty"),
    "CyclicLR_mode": (lambda: lr_scheduler.CyclicLR(optim.SGD([nn.Parameter(al.ones(2))], lr=0.1, momentum=0.9),
                                                    0.01, 0.1, mode="bogus"), r"CyclicLR.*bogus"),
    # classic
    "affine_forward": (lambda: layers.affine_forward(np.ones((4, 6)), np.ones((5, 3)), np.ones(3)),
                       r"\(4, 6\).*\(5, 3\)"),
    "affine_backward_dout": (lambda: layers.affine_backward(np.ones((4, 2)), layers.affine_forward(
        np.ones((4, 3)), np.ones((3, 3)), np.ones(3))[1]), r"dout.*\(4, 2\).*\(4, 3\)"),
    "batchnorm_gamma": (lambda: layers.batchnorm_forward(np.ones((4, 3)), np.ones(2), np.zeros(3), {"mode": "train"}),
                        r"batchnorm.*\(2,\)"),
    "batchnorm_mode": (lambda: layers.batchnorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3), {"mode": "x"}),
                       r"batchnorm.*mode.*x"),
    "svm_loss_labels": (lambda: layers.svm_loss(np.ones((2, 3)), np.array([0, 3])), r"svm_loss.*3.*3 classes"),
    "softmax_loss_labels": (lambda: layers.softmax_loss(np.ones((2, 3)), np.array([0, 3])),
                            r"softmax_loss.*3.*3 classes"),
    "dropout_forward_p": (lambda: layers.dropout_forward(np.ones(3), {"p": 0, "mode": "train"}), r"dropout_forward.*0"),
    "conv_forward_naive": (lambda: layers.conv_forward_naive(np.ones((1, 3, 5, 5)), np.ones((2, 2, 3, 3)), np.ones(2),
                                                             {"stride": 1, "pad": 0}), r"conv2d.*\(1, 3, 5, 5\)"),
    "FullyConnectedNet_norm": (lambda: fc_net.FullyConnectedNet([3], normalization="bn"), r"normalization.*'bn'"),
    "Solver_rule": (lambda: solver.Solver(_stale_model(), {"X_train": np.ones((2, 4)), "y_train": np.zeros(2, int),
                                                           "X_val": np.ones((2, 4)), "y_val": np.zeros(2, int)},
                                          update_rule="nope"), r"Solver.*nope"),
    # viz, check, serialization
    "to_dot_root": (lambda: al.viz.to_dot(np.ones(3)), r"Tensor.*ndarray"),
    "save_a_model": (lambda: al.save(nn.Linear(2, 2), os.devnull), r"state_dict"),
}


@pytest.mark.parametrize("name", BAD_INPUT)
def test_bad_input_gives_a_clear_error(name):
    call, match = BAD_INPUT[name]
    with pytest.raises((ValueError, IndexError, TypeError, RuntimeError)) as info:
        call()
    import re
    assert re.search(match, str(info.value), re.S), f"unclear error: {type(info.value).__name__}: {info.value}"


@pytest.mark.parametrize("bad_call", [
    lambda x, w: x + al.ones(4), lambda x, w: x @ x, lambda x, w: F.linear(x, w.T),
    lambda x, w: x.reshape(7), lambda x, w: F.cross_entropy(x, np.array([0, 9])), lambda x, w: x[:, 7],
    lambda x, w: al.linalg.inv(x), lambda x, w: F.layer_norm(x, (2,), w), lambda x, w: x.sum(dim=(0, 4)),
], ids=["add", "matmul", "linear", "reshape", "cross_entropy", "index", "inv", "layer_norm", "sum"])
def test_a_failed_op_after_backward_leaves_data_and_grad_as_they_were(bad_call):
    x, w = al.tensor(data(2, 3), requires_grad=True), al.tensor(data(4, 3, seed=1), requires_grad=True)
    (x @ w.T).tanh().sum().backward()
    before = [(t.data.copy(), t.grad.data.copy()) for t in (x, w)]
    with pytest.raises(Exception):
        bad_call(x, w)
    for t, (value, grad) in zip((x, w), before):
        assert np.array_equal(t.data, value) and np.array_equal(t.grad.data, grad)


def test_index_error_names_the_op_once():
    with pytest.raises(IndexError) as info:
        al.ones(2, 3)[5]
    message = str(info.value)
    assert message.startswith("index: ") and message.count("index: ") == 1 and message.count("(2, 3)") == 1, message


def test_a_failed_module_call_changes_no_parameter_grad_or_buffer():
    bn = nn.BatchNorm1d(3)
    lin = nn.Linear(3, 2)
    lin(bn(al.tensor(data(5, 3)))).sum().backward()
    before = {**{k: v.data.copy() for k, v in bn.state_dict().items()},
              **{k + ".grad": p.grad.data.copy() for k, p in lin.named_parameters()}}
    for bad in (lambda: bn(al.ones(1, 3)),  # one value per channel in training
                lambda: bn(al.ones(4, 2)), lambda: lin(al.ones(4, 4))):
        with pytest.raises(ValueError):
            bad()
    after = {**{k: v.data for k, v in bn.state_dict().items()},
             **{k + ".grad": p.grad.data for k, p in lin.named_parameters()}}
    for k, v in before.items():
        assert np.array_equal(after[k], v), f"{k} changed by a failed call"


def test_failed_save_and_load_leave_files_unchanged(tmp_path):
    path = tmp_path / "model.npz"
    model = nn.Linear(3, 2)
    al.save(model.state_dict(), path)
    original = path.read_bytes()
    with pytest.raises(TypeError, match="state_dict"):
        al.save({"model": model}, path)
    assert path.read_bytes() == original and sorted(os.listdir(tmp_path)) == ["model.npz"]
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(original[: len(original) // 2])
    with pytest.raises(ValueError, match="corrupt.npz"):
        al.load(corrupt)
    assert corrupt.read_bytes() == original[: len(original) // 2]
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError):
        model.load_state_dict({"weight": al.load(path)["weight"]})  # bias is missing
    for k, v in model.state_dict().items():
        assert np.array_equal(v.data, before[k])
