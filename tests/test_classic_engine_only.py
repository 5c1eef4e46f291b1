"""The classic backward passes hold no hand-derived gradient: their results come from the engine.

Three kinds of evidence: (1) structurally, no backward function touches NumPy —
each only hands dout to the graph its forward recorded; (2) every backward runs
the engine's reverse pass; (3) behaviourally, when an op inside a forward is
swapped for a different function, the unchanged backward follows the new
forward (a hand-written formula would go on computing the old derivative).
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.engine as engine
from autograd_lite.classic import conv_layers, layer_utils, layers, norm_layers
from autograd_lite.classic.gradient_check import eval_numerical_gradient_array
from tests.helpers import rel_error



BACKWARD_MODULES = [layers, norm_layers, conv_layers, layer_utils]
BACKWARDS = sorted({(m.__name__.split(".")[-1], name) for m in BACKWARD_MODULES
                    for name, fn in vars(m).items()
                    if name.endswith("_backward") or name.endswith("_backward_alt") or name.endswith("_backward_naive")
                    if inspect.isfunction(fn)})


def test_every_layer_of_the_api_has_its_backward():
    names = {name for _, name in BACKWARDS}
    for required in ["affine_backward", "relu_backward", "dropout_backward", "batchnorm_backward",
                     "batchnorm_backward_alt", "layernorm_backward", "conv_backward_naive", "max_pool_backward_naive",
                     "spatial_batchnorm_backward", "spatial_groupnorm_backward", "affine_relu_backward",
                     "conv_relu_backward", "conv_relu_pool_backward"]:
        assert required in names


@pytest.mark.parametrize("module, name", BACKWARDS)
def test_backward_functions_do_no_arithmetic_of_their_own(module, name):
    """A backward's code names no NumPy and no Tensor op: it calls cache.grads or other backwards."""
    fn = getattr({m.__name__.split(".")[-1]: m for m in BACKWARD_MODULES}[module], name)
    used = set(fn.__code__.co_names)
    assert not used & {"np", "numpy", "al", "sum", "dot", "mean", "var", "sqrt", "where", "maximum"}, used
    assert "grads" in used or any(u.endswith("_backward") or u.endswith("_backward_naive") for u in used), used


def make_case(name):
    """(forward returning (out, cache), backward, inputs, dout) for each layer."""
    rng = np.random.RandomState(0)
    x2, x4 = rng.randn(4, 5), rng.randn(2, 3, 4, 4)
    d, c = rng.randn(5), rng.randn(3)
    cases = {
        "affine": (layers.affine_forward, layers.affine_backward, (x2, rng.randn(5, 3), rng.randn(3)), (4, 3)),
        "relu": (layers.relu_forward, layers.relu_backward, (x2,), (4, 5)),
        "dropout": (lambda x: layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 1}),
                    layers.dropout_backward, (x2,), (4, 5)),
        "batchnorm": (lambda x, g, b: layers.batchnorm_forward(x, g, b, {"mode": "train"}),
                      layers.batchnorm_backward, (x2, d, d.copy()), (4, 5)),
        "batchnorm_alt": (lambda x, g, b: layers.batchnorm_forward(x, g, b, {"mode": "train"}),
                          layers.batchnorm_backward_alt, (x2, d, d.copy()), (4, 5)),
        "layernorm": (lambda x, g, b: layers.layernorm_forward(x, g, b, {}), layers.layernorm_backward,
                      (x2, d, d.copy()), (4, 5)),
        "conv": (lambda x, w, b: layers.conv_forward_naive(x, w, b, {"stride": 1, "pad": 1}),
                 layers.conv_backward_naive, (x4, rng.randn(2, 3, 3, 3), rng.randn(2)), (2, 2, 4, 4)),
        "max_pool": (lambda x: layers.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2}),
                     layers.max_pool_backward_naive, (x4,), (2, 3, 2, 2)),
        "spatial_batchnorm": (lambda x, g, b: layers.spatial_batchnorm_forward(x, g, b, {"mode": "train"}),
                              layers.spatial_batchnorm_backward, (x4, c, c.copy()), (2, 3, 4, 4)),
        "spatial_groupnorm": (lambda x, g, b: layers.spatial_groupnorm_forward(x, g, b, 3, {}),
                              layers.spatial_groupnorm_backward,
                              (x4, c.reshape(1, 3, 1, 1), c.reshape(1, 3, 1, 1).copy()), (2, 3, 4, 4)),
    }
    forward, backward, inputs, dout_shape = cases[name]
    return forward, backward, inputs, rng.randn(*dout_shape)


CASES = ["affine", "relu", "dropout", "batchnorm", "batchnorm_alt", "layernorm", "conv", "max_pool",
         "spatial_batchnorm", "spatial_groupnorm"]


@pytest.mark.parametrize("name", CASES)
def test_every_backward_runs_the_engine(name, monkeypatch):
    calls = []
    real = engine.run_backward

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "run_backward", counting)
    forward, backward, inputs, dout = make_case(name)
    _, cache = forward(*inputs)
    assert not calls
    backward(dout, cache)
    assert len(calls) == 1


def check_follows_forward(forward, backward, inputs, dout):
    """The backward equals the numeric gradient of whatever the forward now computes."""
    _, cache = forward(*inputs)
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, g in enumerate(grads):
        num = eval_numerical_gradient_array(lambda v: forward(*inputs[:i], v, *inputs[i + 1:])[0], inputs[i], dout)
        assert rel_error(num, g) < 1e-7, (i, rel_error(num, g))
    return grads


def test_relu_backward_follows_a_changed_forward(monkeypatch):
    forward, backward, (x,), dout = make_case("relu")
    monkeypatch.setattr(al, "relu", lambda t: al.maximum(t, 0.1 * t))  # relu_forward now computes a leaky ReLU
    (dx,) = check_follows_forward(forward, backward, (x,), dout)
    np.testing.assert_allclose(dx, np.where(x > 0, 1.0, 0.1) * dout)  # not the ReLU's derivative any more


def test_affine_backward_follows_a_changed_matmul(monkeypatch):
    forward, backward, inputs, dout = make_case("affine")
    _, cache = forward(*inputs)
    dx, dw, db = backward(dout, cache)
    real_matmul = al.matmul
    monkeypatch.setattr(al, "matmul", lambda a, b: 3.0 * real_matmul(a, b))  # affine_forward now computes 3·x·w + b
    dx3, dw3, db3 = check_follows_forward(forward, backward, inputs, dout)
    np.testing.assert_allclose(dx3, 3 * dx)
    np.testing.assert_allclose(dw3, 3 * dw)
    np.testing.assert_allclose(db3, db)


@pytest.mark.parametrize("name", ["batchnorm", "batchnorm_alt", "layernorm", "spatial_batchnorm", "spatial_groupnorm"])
def test_normalization_backward_follows_a_changed_forward(name, monkeypatch):
    """Normalize by var**(1/4) instead of sqrt(var): every normalization backward follows."""
    forward, backward, inputs, dout = make_case(name)
    _, cache = forward(*inputs)
    before = backward(dout, cache)
    monkeypatch.setattr(al, "sqrt", lambda t: t ** 0.25)
    after = check_follows_forward(forward, backward, inputs, dout)
    assert rel_error(before[0], after[0]) > 1e-2  # dx really changed


def test_classic_cache_is_the_recorded_graph():
    x = np.random.RandomState(1).randn(3, 4)
    out, cache = layers.relu_forward(x)
    assert isinstance(cache.out, al.Tensor) and cache.out.grad_fn is not None
    assert cache.wrt[0].requires_grad and np.array_equal(cache.wrt[0].data, x)
    np.testing.assert_array_equal(cache.out.data, out)
