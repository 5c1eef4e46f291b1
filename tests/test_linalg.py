"""al.linalg: gradchecks (first and second order, float64, batched), singular inputs, PyTorch agreement."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import linalg
from autograd_lite.engine import OpError
from tests.helpers import check_op, rand, torch_or_skip

SHAPES = [(3, 3), (2, 3, 3), (2, 1, 2, 2)]


def well_conditioned(*shape: int, seed: int = 0) -> al.Tensor:
    """A random square matrix (batch) shifted away from singularity."""
    n = shape[-1]
    return al.tensor(rand(*shape, seed=seed).data + 3 * np.eye(n), requires_grad=True)


def spd(x: al.Tensor) -> al.Tensor:
    """A symmetric positive-definite function of an arbitrary square x, for checks of SPD-only ops."""
    return x @ x.mT + 2 * al.eye(x.shape[-1])


# ----- gradients and second derivatives -----------------------------------------
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name,fn", [
    ("inv", linalg.inv),
    ("det", linalg.det),
    ("slogdet", lambda a: linalg.slogdet(a)[1]),
    ("logdet", al.logdet),
])
def test_square_ops_gradcheck(name, fn, shape):
    check_op(fn, well_conditioned(*shape))


@pytest.mark.parametrize("a_shape,b_shape", [
    ((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (3, 4)), ((3, 3), (2, 3, 1)),
], ids=str)
def test_solve_gradcheck_both_arguments(a_shape, b_shape):
    check_op(linalg.solve, well_conditioned(*a_shape), rand(*b_shape, seed=1))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cholesky_gradcheck(shape):
    check_op(lambda x: linalg.cholesky(spd(x)), rand(*shape))


def test_cholesky_gradient_is_symmetric():
    a = spd(rand(4, 4)).detach().requires_grad_()
    (linalg.cholesky(a) * rand(4, 4, seed=3, requires_grad=False)).sum().backward()
    np.testing.assert_allclose(a.grad.data, a.grad.data.T, atol=1e-12)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, math.inf, -math.inf], ids=str)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (-1, True), ((0, 2), False)], ids=str)
def test_vector_norm_gradcheck(ord, dim, keepdim):
    check_op(lambda x: linalg.vector_norm(x, ord, dim, keepdim), rand(2, 3, 4))


@pytest.mark.parametrize("dim", [None, 1], ids=str)
def test_norm_defaults_to_two_norm_gradcheck(dim):
    check_op(lambda x: linalg.norm(x, dim=dim), rand(2, 3, 4))


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf], ids=str)
def test_matrix_norm_gradcheck(ord):
    order = 2 if ord in ("fro", 1, -1, math.inf, -math.inf) else 1  # SVD-based norms: first order only
    check_op(lambda x: linalg.norm(x, ord, dim=(-2, -1)), rand(2, 3, 4), order=order)


def test_norm_gradient_at_zero_is_zero_not_nan():
    for ord in (None, 3):
        x = al.zeros(4, requires_grad=True)
        linalg.norm(x, ord).backward()
        np.testing.assert_array_equal(x.grad.data, np.zeros(4))


def test_inv_hessian_is_differentiable():
    """Third order: the gradient of the gradient of tr(inv(A)) agrees with finite differences."""
    def grad_of_sum_inv(a: al.Tensor) -> al.Tensor:
        with al.enable_grad():  # gradcheck evaluates its finite differences under no_grad
            return al.grad(linalg.inv(a).sum(), a, create_graph=True)[0]
    check_op(grad_of_sum_inv, well_conditioned(3, 3))


# ----- singular and large inputs --------------------------------------------------
def test_det_gradient_finite_for_singular_matrix():
    a = al.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], requires_grad=True)
    linalg.det(a).backward()
    cofactors = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a.data, i, 0), j, 1))
                           for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(a.grad.data, cofactors, atol=1e-12)
    assert np.any(cofactors != 0)  # rank 2: a nonzero gradient, where det·A⁻ᵀ would be NaN


def test_det_gradient_rank_deficient_by_two_is_zero():
    a = al.tensor(np.ones((3, 3)), requires_grad=True)
    linalg.det(a).backward()
    np.testing.assert_allclose(a.grad.data, 0.0, atol=1e-12)


@pytest.mark.parametrize("op", ["inv", "solve", "cholesky"])
def test_singular_input_raises_naming_batch_element(op):
    bad = np.stack([np.eye(3), np.eye(3), np.ones((3, 3)) if op != "cholesky" else -np.eye(3)])
    a = al.tensor(bad, requires_grad=True)
    fn = {"inv": linalg.inv, "cholesky": linalg.cholesky, "solve": lambda m: linalg.solve(m, al.ones(3, 3, 1))}[op]
    with pytest.raises(linalg.LinAlgError, match=r"(singular|not positive definite).*batch element \(2,\)"):
        fn(a)
    assert issubclass(linalg.LinAlgError, OpError) and a.grad is None


def test_numerically_singular_matrix_raises():
    a = al.tensor([[1.0, 1.0], [1.0, 1.0 + 1e-17 + 2e-16]])
    with pytest.raises(linalg.LinAlgError, match="singular"):
        linalg.inv(a)


def test_large_logdet_does_not_overflow():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((500, 500))
    k_np = m @ m.T / 50 + 40 * np.eye(500)
    k = al.tensor(k_np, requires_grad=True)
    value = al.logdet(k)
    with np.errstate(over="ignore"):
        assert np.isinf(np.linalg.det(k_np))  # the determinant itself overflows
    np.testing.assert_allclose(value.item(), 2 * np.sum(np.log(np.diag(np.linalg.cholesky(k_np)))), rtol=1e-12)
    assert value.item() > 1800
    value.backward()
    np.testing.assert_allclose(k.grad.data, np.linalg.inv(k_np), atol=1e-12)


def test_logdet_sign_conventions():
    assert np.isnan(al.logdet(al.tensor(-np.eye(3))).item())
    assert al.logdet(al.tensor(np.zeros((2, 2)))).item() == -np.inf
    sign, logabs = linalg.slogdet(al.tensor(-np.eye(3)))
    assert sign.item() == -1 and logabs.item() == 0


def test_gplvm_hessian_wrt_small_x():
    """Second derivatives through logdet and inv: the Hessian of the GP-LVM likelihood is symmetric and
    matches finite differences of the autodiff gradient."""
    from autograd_lite.examples import gplvm
    x0, y = gplvm.example_inputs(n=4, q=2, d=3)
    loss = lambda x: gplvm.log_likelihood(x, al.tensor(y))
    hess = al.functional.hessian(loss, al.tensor(x0)).data.reshape(8, 8)
    np.testing.assert_allclose(hess, hess.T, atol=1e-8)

    def grad_at(x: np.ndarray) -> np.ndarray:
        t = al.tensor(x, requires_grad=True)
        return al.grad(loss(t), t)[0].data

    eps, numeric = 1e-6, np.zeros((8, 8))
    for i in range(8):
        step = np.zeros(8)
        step[i] = eps
        numeric[:, i] = (grad_at(x0 + step.reshape(4, 2)) - grad_at(x0 - step.reshape(4, 2))).ravel() / (2 * eps)
    np.testing.assert_allclose(hess, numeric, rtol=1e-5, atol=1e-6)


# ----- against PyTorch --------------------------------------------------------------
@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "logdet", "solve", "cholesky", "norm", "norm_inf"])
def test_matches_torch(name):
    torch = torch_or_skip()
    a = spd(rand(2, 3, 3)).detach().requires_grad_()
    b = rand(2, 3, 2, seed=5, requires_grad=False)
    ours = {"inv": lambda m: linalg.inv(m), "det": linalg.det, "slogdet": lambda m: linalg.slogdet(m)[1],
            "logdet": al.logdet, "solve": lambda m: linalg.solve(m, b), "cholesky": linalg.cholesky,
            "norm": lambda m: linalg.norm(m, dim=-1), "norm_inf": lambda m: linalg.norm(m, math.inf, dim=(-2, -1))}
    theirs = {"inv": torch.linalg.inv, "det": torch.linalg.det, "slogdet": lambda m: torch.linalg.slogdet(m)[1],
              "logdet": torch.logdet, "solve": lambda m: torch.linalg.solve(m, torch.tensor(b.data)),
              "cholesky": torch.linalg.cholesky, "norm": lambda m: torch.linalg.norm(m, dim=-1),
              "norm_inf": lambda m: torch.linalg.norm(m, math.inf, dim=(-2, -1))}
    out = ours[name](a)
    weight = np.random.default_rng(1).standard_normal(out.shape)
    (out * al.tensor(weight)).sum().backward()
    ta = torch.tensor(a.data, requires_grad=True)
    tout = theirs[name](ta)
    (tout * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    grad = a.grad.data
    tgrad = ta.grad.numpy()
    if name == "cholesky":  # PyTorch's gradient is the symmetric one too
        tgrad = 0.5 * (tgrad + np.swapaxes(tgrad, -1, -2))
    np.testing.assert_allclose(grad, tgrad, rtol=1e-8, atol=1e-10)


def test_solve_vector_and_broadcast_shapes_match_torch():
    torch = torch_or_skip()
    a = well_conditioned(2, 3, 3).data
    for b_shape in [(3,), (2, 3), (3, 4), (3, 3)]:
        b = np.random.default_rng(0).standard_normal(b_shape)
        ours = linalg.solve(al.tensor(a), al.tensor(b)).data
        theirs = torch.linalg.solve(torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord,dim", [(None, None), (2, 0), (1, -1), (0, 1), (math.inf, None), ("fro", (0, 1)),
                                     ("nuc", (0, 1)), (-2, (0, 1)), (-1, (1, 0))], ids=str)
def test_norm_values_match_torch(ord, dim):
    torch = torch_or_skip()
    x = rand(3, 4).data
    x[0, 0] = 0.0
    ours = linalg.norm(al.tensor(x), ord, dim)
    theirs = torch.linalg.norm(torch.tensor(x), ord, dim)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_bad_shapes_raise_op_error():
    with pytest.raises(OpError, match="square"):
        linalg.inv(al.ones(2, 3))
    with pytest.raises(OpError, match="do not match"):
        linalg.solve(al.eye(3), al.ones(4, 2))
