"""al.linalg: gradchecks (first and second order, float64, batched), singular inputs, PyTorch agreement."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import _scipy_blas, linalg
from autograd_lite.ops import linalg as linalg_ops
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


@pytest.mark.parametrize("block", [32, 1], ids=["lu", "cholesky"])
def test_numerically_singular_matrix_raises(block, monkeypatch):
    monkeypatch.setattr(linalg_ops, "_BLOCK", block)
    a = al.tensor([[1.0, 1.0], [1.0, 1.0 + 1e-17 + 2e-16]])  # symmetric, and positive definite in floating point
    with pytest.raises(linalg.LinAlgError, match="singular to working precision"):
        linalg.inv(a)


def test_solve_overflowing_to_inf_raises_naming_batch_element():
    a = al.tensor(np.stack([np.eye(2), np.diag([1e-300, 1.0])]))
    with pytest.raises(linalg.LinAlgError, match=r"singular to working precision \(batch element \(1,\)\)"):
        linalg.solve(a, al.tensor([[1e300], [1.0]]))


def test_logdet_gradient_at_singular_matrix_raises_not_nan():
    a = al.tensor(np.ones((3, 3)), requires_grad=True)
    value = al.logdet(a)
    assert value.item() == -np.inf
    with pytest.raises(linalg.LinAlgError, match="singular"):
        value.backward()


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


@pytest.mark.parametrize("path", ["lu", "cholesky"])
def test_gplvm_hessian_wrt_small_x(path, monkeypatch):
    """Second derivatives through logdet and inv: the Hessian of the GP-LVM likelihood is symmetric and
    matches finite differences of the autodiff gradient."""
    if path == "cholesky":
        monkeypatch.setattr(linalg_ops, "_BLOCK", 2)
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


# ----- symmetric positive definite: one Cholesky factorization, shared ---------------
@pytest.fixture
def small_blocks(monkeypatch):
    """Send SPD matrices from 3×3 up through the Cholesky path, inverted in several 2×2 blocks."""
    monkeypatch.setattr(linalg_ops, "_BLOCK", 2)


@pytest.fixture(params=["scipy", "numpy"])
def lapack(request, monkeypatch) -> str:
    """Run a test with SciPy's potrf (when installed), then with the NumPy-only fallback."""
    if request.param == "scipy":
        pytest.importorskip("scipy")
    else:
        monkeypatch.setattr(_scipy_blas, "routine", lambda name, dtype: None)
    return request.param


def count_lapack_calls(monkeypatch) -> list[tuple[str, tuple[int, ...]]]:
    """Record (function, shape of A) for every factorization the ops make, by np.linalg or SciPy."""
    calls: list[tuple[str, tuple[int, ...]]] = []

    def counting(name: str, real):
        def counted(a, *args, **kwargs):
            calls.append((name, np.shape(a)))
            return real(a, *args, **kwargs)
        return counted
    for name in ("cholesky", "slogdet", "solve", "inv"):
        monkeypatch.setattr(np.linalg, name, counting(name, getattr(np.linalg, name)))
    lookup = _scipy_blas.routine
    scipy_names = {"potrf": "cholesky", "getrf": "lu"}

    def counted_lookup(name: str, dtype):
        real = lookup(name, dtype)
        return counting(scipy_names[name], real) if real is not None and name in scipy_names else real
    monkeypatch.setattr(_scipy_blas, "routine", counted_lookup)
    return calls


def gaussian_loglik(k: al.Tensor, y: al.Tensor) -> al.Tensor:
    """The GP-LVM likelihood's shape: −D/2·log|K| − ½·Σ (K⁻¹Y) ⊙ Y."""
    return -0.5 * y.shape[-1] * al.logdet(k) - 0.5 * (linalg.solve(k, y) * y).sum()


@pytest.mark.parametrize("shape", [(3, 3), (5, 5), (2, 5, 5)], ids=str)
@pytest.mark.parametrize("name,fn", [
    ("inv", linalg.inv),
    ("logdet", al.logdet),
    ("slogdet", lambda a: linalg.slogdet(a)[1]),
    ("solve", lambda a: linalg.solve(a, al.tensor(np.linspace(-1, 1, 2 * a.shape[-1]).reshape(-1, 2)))),
    ("logdet_and_solve", lambda a: gaussian_loglik(a, al.tensor(np.linspace(-1, 1, 2 * a.shape[-1]).reshape(-1, 2)))),
])
def test_spd_path_gradcheck(small_blocks, lapack, name, fn, shape):
    check_op(lambda x: fn(spd(x)), rand(*shape))


@pytest.mark.parametrize("name", ["inv", "logdet", "solve"])
def test_spd_path_agrees_with_lu_path(lapack, name, monkeypatch):
    x, b = rand(2, 40, 40), rand(40, 3, seed=2, requires_grad=False)
    weight = al.tensor(np.random.default_rng(3).standard_normal((2, 40, 40)))
    fn = {"inv": lambda a: (linalg.inv(a) * weight).sum(), "logdet": lambda a: al.logdet(a).sum(),
          "solve": lambda a: (linalg.solve(a, b) ** 2).sum()}[name]
    results = []
    for block in (32, 1000):  # 40 > 32: Cholesky; 40 <= 1000: LU
        monkeypatch.setattr(linalg_ops, "_BLOCK", block)
        a = (spd(x) / 40).detach().requires_grad_()
        out = fn(a)
        out.backward()
        results.append((out.item(), a.grad.data))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n", [1, 5, 7, 32, 33, 45, 64, 100, 200], ids=str)  # last blocks of 1, 5, 7, 13, 4, 8
def test_blockwise_triangular_inverse(n, order):
    m = rand(3, n, n).data
    low = np.linalg.cholesky(m @ np.swapaxes(m, -1, -2) / n + np.eye(n))  # well conditioned
    given = np.array(low, order=order)  # "F": not C-contiguous, as SciPy's factors are
    inverse = linalg_ops._invert_lower_in_place(given)
    assert inverse is given  # in place, whatever the layout
    np.testing.assert_allclose(inverse, np.linalg.inv(low), rtol=1e-12, atol=1e-12)
    assert np.all(np.triu(inverse, 1) == 0)


def test_logdet_and_solve_share_one_cholesky(lapack, monkeypatch):
    calls = count_lapack_calls(monkeypatch)
    x, y = rand(40, 2), rand(40, 3, seed=1, requires_grad=False)
    k = x @ x.mT + 0.5 * al.eye(40)  # SPD, n = 40 > _BLOCK
    gaussian_loglik(k, y).backward()
    assert [c for c in calls if c[1][-1] == 40] == [("cholesky", (40, 40))]  # no LU, no second Cholesky
    k_inv = np.linalg.inv(k.data)
    dk = 0.5 * k_inv @ y.data @ y.data.T @ k_inv - 1.5 * k_inv
    np.testing.assert_allclose(x.grad.data, 2 * dk @ x.data, rtol=1e-9, atol=1e-11)
    assert id(k) not in linalg_ops._SharedCholesky._registry  # freed with the released graph


def test_spd_path_in_float32_stays_float32_and_agrees_with_float64(lapack):
    x64, y64 = rand(40, 2).data, rand(40, 3, seed=1, requires_grad=False).data
    results = []
    for dtype in (np.float64, np.float32):
        x = al.tensor(x64.astype(dtype), requires_grad=True)
        k = x @ x.mT + 0.5 * al.eye(40, dtype=dtype)  # SPD, n = 40 > _BLOCK: the Cholesky path
        loss = gaussian_loglik(k, al.tensor(y64.astype(dtype)))
        loss.backward()
        assert loss.dtype == x.grad.dtype == dtype
        results.append((loss.item(), x.grad.data))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-3, atol=1e-4)


def test_shared_factor_not_reused_after_in_place_write(lapack, monkeypatch):
    a = (spd(rand(40, 40)) / 40).detach().requires_grad_()
    kept = al.logdet(a)  # its node keeps a's factor alive
    calls = count_lapack_calls(monkeypatch)
    linalg.solve(a, al.ones(40, 1))
    assert calls.count(("cholesky", (40, 40))) == 0  # reused while a is unchanged
    with al.no_grad():
        a += al.eye(40)
    x = linalg.solve(a, al.ones(40, 1))
    assert calls.count(("cholesky", (40, 40))) == 1  # a new factor for the new values
    np.testing.assert_allclose(x.data, np.linalg.solve(a.data, np.ones((40, 1))), rtol=1e-10)
    assert kept.requires_grad


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


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
def test_slogdet_returns_sign_and_logabsdet():
    sign, logabsdet = al.linalg.slogdet(al.tensor([[-2.0, 0.0], [0.0, 3.0]]))
    assert sign.item() == -1.0 and np.isclose(logabsdet.item(), np.log(6.0))
