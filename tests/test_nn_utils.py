"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import nn
from autograd_lite.nn import utils

rng = np.random.default_rng(11)
GRADS = [rng.standard_normal((3, 2)) * 4, rng.standard_normal(5) * 4]


def params_with_grads():
    ps = [nn.Parameter(np.zeros(g.shape)) for g in GRADS]
    for p, g in zip(ps, GRADS):
        p.grad = al.tensor(g.copy())
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_scales_all_gradients_together(norm_type):
    ps = params_with_grads()
    flat = np.concatenate([g.reshape(-1) for g in GRADS])
    total = np.max(np.abs(flat)) if norm_type == float("inf") else np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)
    grad_obj = ps[0].grad
    out = utils.clip_grad_norm_(ps, max_norm=1.0, norm_type=norm_type)
    np.testing.assert_allclose(out.item(), total, rtol=1e-12)
    coef = 1.0 / (total + 1e-6)
    for p, g in zip(ps, GRADS):
        np.testing.assert_allclose(p.grad.data, g * coef, rtol=1e-12)
    assert ps[0].grad is grad_obj  # the same Tensor object, updated
    ps = params_with_grads()
    utils.clip_grad_norm_(ps, max_norm=1e6)  # below the limit: unchanged
    np.testing.assert_allclose(ps[1].grad.data, GRADS[1])


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(np.zeros(2))
    assert utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    p.grad = al.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert p.grad.data[1] == 1.0  # untouched after the error


def test_clip_grad_value_():
    ps = params_with_grads()
    utils.clip_grad_value_(ps, 0.5)
    for p, g in zip(ps, GRADS):
        np.testing.assert_allclose(p.grad.data, np.clip(g, -0.5, 0.5))


def test_vector_round_trip_and_errors():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = utils.parameters_to_vector(net.parameters())
    assert vec.shape == (11,) and vec.requires_grad
    (vec * vec).sum().backward()  # differentiable
    np.testing.assert_allclose(net[0].weight.grad.data, 2 * net[0].weight.data)
    new = al.tensor(np.arange(11.0))
    utils.vector_to_parameters(new, net.parameters())
    np.testing.assert_array_equal(net[0].weight.data, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(net[1].bias.data, [10.0])
    np.testing.assert_array_equal(utils.parameters_to_vector(net.parameters()).data, new.data)
    before = net[0].weight.data.copy()
    with pytest.raises(ValueError, match="does not hold the 11 values"):
        utils.vector_to_parameters(al.tensor(np.ones(10)), net.parameters())
    with pytest.raises(TypeError, match="expected vec to be a Tensor"):
        utils.vector_to_parameters(np.ones(11), net.parameters())
    np.testing.assert_array_equal(net[0].weight.data, before)


def test_against_torch():
    torch = pytest.importorskip("torch")
    tps = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in GRADS]
    for p, g in zip(tps, GRADS):
        p.grad = torch.tensor(g.copy())
    ps = params_with_grads()
    assert np.isclose(utils.clip_grad_norm_(ps, 2.0, 3.0).item(), torch.nn.utils.clip_grad_norm_(tps, 2.0, 3.0).item())
    for p, q in zip(ps, tps):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)
    utils.clip_grad_value_(ps, 0.1)
    torch.nn.utils.clip_grad_value_(tps, 0.1)
    for p, q in zip(ps, tps):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy())
