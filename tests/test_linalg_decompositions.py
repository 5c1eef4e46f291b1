"""al.linalg's decompositions (issue 16.4): eigh/eigvalsh, svd/svdvals, qr and lstsq — PyTorch's
named tuples, shapes, modes and errors, and their gradients (checked against finite differences
on gauge-invariant functions of the factors, and against PyTorch when installed)."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import check_op, compare_with_torch, leaf

RNG = np.random.default_rng(16)


def _sym(a):
    return a + a.mT


def test_eigh_named_tuple_reconstructs_and_reads_one_triangle():
    a = RNG.standard_normal((2, 4, 4))
    s = a + np.swapaxes(a, -1, -2)
    w, v = al.linalg.eigh(al.tensor(s))
    r = al.linalg.eigh(al.tensor(s))
    assert type(r).__name__ == "linalg_eigh" and r.eigenvalues is not None and r.eigenvectors.shape == (2, 4, 4)
    assert np.all(np.diff(w.data, axis=-1) > 0)  # ascending
    np.testing.assert_allclose((v.data * w.data[..., None, :]) @ np.swapaxes(v.data, -1, -2), s, atol=1e-12)
    lower, upper = np.tril(s), np.triu(s)  # the other triangle is never read
    np.testing.assert_allclose(al.linalg.eigvalsh(al.tensor(lower + np.triu(RNG.standard_normal((4, 4)), 1))).data,
                               w.data, atol=1e-12)
    np.testing.assert_allclose(al.linalg.eigvalsh(al.tensor(upper), UPLO="U").data, w.data, atol=1e-12)
    with pytest.raises(ValueError, match="UPLO must be 'L' or 'U'"):
        al.linalg.eigh(al.tensor(s), UPLO="X")
    with pytest.raises(ValueError, match="square"):
        al.linalg.eigvalsh(al.ones(2, 3))


def test_eigh_gradients_first_and_second_order():
    a = leaf(RNG.standard_normal((3, 3)))
    check_op(lambda t: al.linalg.eigvalsh(_sym(t)), a)
    # V·diag(λ³)·Vᵀ and |V| do not depend on the eigenvectors' signs
    check_op(lambda t: (lambda r: (r.eigenvectors * r.eigenvalues.unsqueeze(-2) ** 3) @ r.eigenvectors.mT
                        + r.eigenvectors.abs())(al.linalg.eigh(_sym(t))), a)


def test_eigvalsh_gradient_is_finite_for_repeated_eigenvalues():
    x = leaf(np.eye(3) * 2.0)
    (g,) = al.grad(al.linalg.eigvalsh(x).sum(), x)  # Σλ = trace: gradient I
    np.testing.assert_allclose(g.data, np.eye(3), atol=1e-12)


def test_eigh_matches_torch():
    a = RNG.standard_normal((4, 4))
    compare_with_torch(lambda t: al.linalg.eigvalsh(_sym(t)), lambda t: __import__("torch").linalg.eigvalsh(_sym(t)), a)
    compare_with_torch(lambda t: al.linalg.eigh(_sym(t)).eigenvectors.abs(),
                       lambda t: __import__("torch").linalg.eigh(_sym(t)).eigenvectors.abs(), a)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 4, 3)])
def test_svd_shapes_and_reconstruction(shape):
    a = RNG.standard_normal(shape)
    m, n = shape[-2:]
    k = min(m, n)
    full = al.linalg.svd(al.tensor(a))
    assert type(full).__name__ == "linalg_svd"
    assert full.U.shape[-2:] == (m, m) and full.S.shape[-1:] == (k,) and full.Vh.shape[-2:] == (n, n)
    u, s, vh = al.linalg.svd(al.tensor(a), full_matrices=False)
    assert u.shape[-2:] == (m, k) and vh.shape[-2:] == (k, n)
    np.testing.assert_allclose((u.data * s.data[..., None, :]) @ vh.data, a, atol=1e-12)
    np.testing.assert_allclose(al.linalg.svdvals(al.tensor(a)).data, s.data, atol=1e-12)
    assert np.all(np.diff(s.data, axis=-1) <= 0)  # descending


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3)])
def test_svd_gradients_first_and_second_order(shape):
    a = leaf(RNG.standard_normal(shape))
    check_op(lambda t: al.linalg.svdvals(t), a)
    # U·diag(S²)·Uᵀ and Vhᵀ·diag(S)·Vh: invariant under the singular vectors' signs
    check_op(lambda t: (lambda r: (r.U * r.S.unsqueeze(-2) ** 2) @ r.U.mT)(al.linalg.svd(t, full_matrices=False)), a)
    check_op(lambda t: (lambda r: r.Vh.mT @ (r.S.unsqueeze(-1) * r.Vh))(al.linalg.svd(t, full_matrices=False)), a)


def test_svd_full_matrices_gradient_uses_the_first_k_vectors():
    a = RNG.standard_normal((5, 3))
    f = lambda r: (r.U[..., :3] * r.S).abs().sum() + r.S.sum()  # noqa: E731
    x1, x2 = leaf(a), leaf(a)
    f(al.linalg.svd(x1)).backward()
    f(al.linalg.svd(x2, full_matrices=False)).backward()
    np.testing.assert_allclose(x1.grad.data, x2.grad.data, atol=1e-12)


def test_svd_matches_torch():
    a = RNG.standard_normal((4, 3))
    torch = pytest.importorskip("torch")
    def f(r):
        return (r.U * r.S.unsqueeze(-2)) @ r.U.mT
    compare_with_torch(lambda t: f(al.linalg.svd(t, full_matrices=False)),
                       lambda t: f(torch.linalg.svd(t, full_matrices=False)), a)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (2, 4, 2)])
def test_qr_modes_shapes_and_gradient(shape):
    a = RNG.standard_normal(shape)
    m, n = shape[-2:]
    q, r = al.linalg.qr(al.tensor(a))
    assert q.shape[-2:] == (m, min(m, n)) and r.shape[-2:] == (min(m, n), n)
    np.testing.assert_allclose(q.data @ r.data, a, atol=1e-12)
    k = min(m, n)
    np.testing.assert_allclose(np.swapaxes(q.data, -1, -2) @ q.data, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)),
                               atol=1e-12)
    assert np.allclose(np.tril(r.data, -1), 0)
    qc, rc = al.linalg.qr(al.tensor(a), mode="complete")
    assert qc.shape[-2:] == (m, m) and rc.shape[-2:] == (m, n)
    q_r, r_r = al.linalg.qr(al.tensor(a), mode="r")
    assert q_r.numel() == 0 and np.allclose(r_r.data, r.data)
    check_op(lambda t: (lambda res: res.Q * 2.0 + res.R.sum(-2, keepdim=True))(al.linalg.qr(t)), leaf(a))
    compare_with_torch(lambda t: al.linalg.qr(t), lambda t: __import__("torch").linalg.qr(t), a)


def test_qr_errors_and_wide_gradient():
    with pytest.raises(ValueError, match="mode must be"):
        al.linalg.qr(al.ones(3, 2), mode="full")
    y = leaf(RNG.standard_normal((4, 2)))
    with pytest.raises(ValueError, match="needs m <= n"):
        al.linalg.qr(y, mode="complete").Q.sum().backward()
    wide = RNG.standard_normal((2, 4))
    check_op(lambda t: (lambda res: res.Q.sum(-1, keepdim=True) * 2.0 + res.R ** 2)(al.linalg.qr(t)), leaf(wide))
    compare_with_torch(lambda t: al.linalg.qr(t), lambda t: __import__("torch").linalg.qr(t), wide)
    compare_with_torch(lambda t: al.linalg.qr(t, mode="complete"),
                       lambda t: __import__("torch").linalg.qr(t, mode="complete"), wide)


def test_lstsq_named_tuple_matches_numpy_and_follows_pytorchs_drivers():
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    out = al.linalg.lstsq(al.tensor(a), al.tensor(b))
    assert type(out).__name__ == "linalg_lstsq" and out._fields == ("solution", "residuals", "rank", "singular_values")
    np.testing.assert_allclose(out.solution.data, x, atol=1e-12)
    assert out.residuals.numel() == 0 and out.rank.item() == 3 and out.singular_values.numel() == 0  # gelsy
    d = al.linalg.lstsq(al.tensor(a), al.tensor(b), driver="gelsd")
    np.testing.assert_allclose(d.residuals.data, res, rtol=1e-10)
    np.testing.assert_allclose(d.singular_values.data, sv, rtol=1e-12)
    assert al.linalg.lstsq(al.tensor(a), al.tensor(b), driver="gels").rank.numel() == 0
    assert al.linalg.lstsq(al.tensor(a), al.tensor(b[:, 0])).solution.shape == (3,)
    batched = al.linalg.lstsq(al.tensor(np.stack([a, 2 * a])), al.tensor(b))  # batch dims broadcast
    np.testing.assert_allclose(batched.solution.data[1], x / 2, atol=1e-12)
    with pytest.raises(ValueError, match="driver must be one of"):
        al.linalg.lstsq(al.tensor(a), al.tensor(b), driver="magic")
    with pytest.raises(ValueError, match="same m"):
        al.linalg.lstsq(al.tensor(a), al.tensor(b[:5]))


def test_lstsq_wide_gives_the_minimum_norm_solution_and_its_gradient():
    a, b = RNG.standard_normal((2, 4)), RNG.standard_normal((2, 1))
    sol = al.linalg.lstsq(al.tensor(a), al.tensor(b)).solution
    np.testing.assert_allclose(sol.data, np.linalg.pinv(a) @ b, atol=1e-12)
    check_op(lambda s, t: al.linalg.lstsq(s, t).solution, leaf(a), leaf(b))
    compare_with_torch(lambda s, t: al.linalg.lstsq(s, t).solution,
                       lambda s, t: __import__("torch").linalg.lstsq(s, t).solution, a, b)


def test_lstsq_has_no_gradient_for_rank_deficient_a():
    x = leaf(np.outer([1.0, 2.0, 3.0], [1.0, -1.0]))  # rank 1
    sol = al.linalg.lstsq(x, al.tensor(np.ones((3, 1)))).solution
    with pytest.raises(ValueError, match="full rank"):
        sol.sum().backward()


def test_lstsq_gradient_for_full_rank_tall_a():
    a, b = leaf(RNG.standard_normal((5, 3))), leaf(RNG.standard_normal((5, 2)))
    check_op(lambda s, t: al.linalg.lstsq(s, t).solution, a, b)
    compare_with_torch(lambda s, t: al.linalg.lstsq(s, t).solution,
                       lambda s, t: __import__("torch").linalg.lstsq(s, t).solution, a.data, b.data)
