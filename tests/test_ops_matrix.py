"""matmul in every 1-D/2-D/batched/broadcast combination, outer, einsum, trace,
diag, diagonal, eye: values against NumPy, first and second derivatives by gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import check_op, rand

MATMUL_SHAPES = [
    ((3,), (3,)),            # dot product -> scalar
    ((3,), (3, 2)),          # vector @ matrix
    ((2, 3), (3,)),          # matrix @ vector
    ((2, 3), (3, 4)),        # matrix @ matrix
    ((5, 2, 3), (5, 3, 4)),  # batched
    ((5, 2, 3), (3, 4)),     # batch @ shared matrix
    ((2, 3), (5, 3, 4)),     # shared matrix @ batch
    ((3,), (5, 3, 2)),       # vector @ batch
    ((5, 2, 3), (3,)),       # batch @ vector
    ((2, 1, 2, 3), (4, 3, 2)),  # broadcast batch dims (2,1) x (4,)
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul(sa, sb):
    a, b = rand(*sa, seed=61), rand(*sb, seed=62)
    out = a @ b
    want = np.matmul(a.data, b.data)
    assert out.shape == want.shape
    np.testing.assert_allclose(out.data, want, rtol=1e-12)
    np.testing.assert_allclose(al.matmul(a, b).data, want, rtol=1e-12)
    check_op(al.matmul, a, b)


def test_matmul_with_a_numpy_operand():
    w = rand(3, 2, seed=63)
    x = np.ones((4, 3))
    out = x @ w
    assert isinstance(out, al.Tensor)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.full((3, 2), 4.0))


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((3,), (4, 3)), ((), (3,))], ids=str)
def test_matmul_shape_errors_name_both_shapes(sa, sb):
    a, b = rand(*sa), rand(*sb)
    with pytest.raises(ValueError, match=r"matmul: .*" + str(sa).replace("(", r"\(").replace(")", r"\)")):
        a @ b


def test_outer():
    a, b = rand(3, seed=64), rand(4, seed=65)
    np.testing.assert_allclose(al.outer(a, b).data, np.outer(a.data, b.data))
    check_op(al.outer, a, b)
    with pytest.raises(ValueError, match=r"outer: expected two vectors, got shapes \(2, 2\) and \(4,\)"):
        al.outer(rand(2, 2), b)


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("bii->b", [(2, 3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,jk->...ik", [(4, 2, 3), (3, 2)]),
    ("i...->...", [(3, 2, 2)]),
    ("ij,jk", [(2, 3), (3, 4)]),         # implicit: -> ik
    ("ba,ca", [(2, 3), (4, 3)]),         # implicit, alphabetical output: -> bc
    ("ii", [(3, 3)]),                    # implicit trace
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ij,ij->i", [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(eq, shapes):
    xs = [rand(*s, seed=66 + i) for i, s in enumerate(shapes)]
    out = al.einsum(eq, *xs)
    want = np.einsum(eq, *[x.data for x in xs])
    assert out.shape == want.shape
    np.testing.assert_allclose(out.data, want, rtol=1e-12)
    check_op(lambda *ts: al.einsum(eq, *ts), *xs)


def test_einsum_accepts_a_list_and_spaces():
    a, b = rand(2, 3, seed=70), rand(3, seed=71)
    np.testing.assert_allclose(al.einsum("ij, j -> i", [a, b]).data, a.data @ b.data)


def test_einsum_errors():
    with pytest.raises(ValueError, match="einsum: 'ij,jk' names 2 operands but 1 were given"):
        al.einsum("ij,jk", rand(2, 2))
    with pytest.raises(ValueError, match=r"einsum: subscripts 'ijk' do not match operand 0 of shape \(2, 2\)"):
        al.einsum("ijk->i", rand(2, 2))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (2, 3, 3)], ids=str)
def test_trace(shape):
    x = rand(*shape, seed=72)
    np.testing.assert_allclose(al.trace(x).data, np.trace(x.data, axis1=-2, axis2=-1))
    check_op(al.trace, x)


@pytest.mark.parametrize("shape,k", [((4,), 0), ((3,), 1), ((3,), -2), ((3, 3), 0), ((3, 4), 1), ((4, 3), -1)], ids=str)
def test_diag(shape, k):
    x = rand(*shape, seed=73)
    np.testing.assert_array_equal(al.diag(x, k).data, np.diag(x.data, k))
    check_op(lambda t: al.diag(t, k), x)


@pytest.mark.parametrize("shape,args", [((3, 3), (0, 0, 1)), ((3, 4), (1, 0, 1)), ((2, 3, 3), (0, 1, 2)),
                                        ((3, 2, 3), (-1, 0, 2)), ((2, 3, 4), (0, 2, 0)), ((2, 3, 3), (0, -2, -1))],
                         ids=str)
def test_diagonal(shape, args):
    x = rand(*shape, seed=74)
    offset, d1, d2 = args
    np.testing.assert_array_equal(al.diagonal(x, offset, d1, d2).data, np.diagonal(x.data, offset, d1, d2))
    check_op(lambda t: t.diagonal(offset, d1, d2), x)


def test_diag_embed_batched():
    x = rand(2, 3, seed=75)
    out = al.diag_embed(x)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data[1], np.diag(x.data[1]))
    check_op(al.diag_embed, x)


@pytest.mark.parametrize("n,m", [(3, None), (2, 4), (4, 2)])
def test_eye(n, m):
    np.testing.assert_array_equal(al.eye(n, m).data, np.eye(n, m))
    assert al.eye(n, m).dtype == np.float64 and al.eye(n, dtype=np.float32).dtype == np.float32


def test_trace_of_product_gradient_is_the_other_factor_transposed():
    a, b = rand(3, 4, seed=76), rand(4, 3, seed=77)
    al.trace(a @ b).backward()
    np.testing.assert_allclose(a.grad.data, b.data.T)
    np.testing.assert_allclose(b.grad.data, a.data.T)


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
from tests.helpers import compare_with_torch, data, torch_or_skip  # noqa: E402


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
