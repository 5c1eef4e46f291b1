"""F.normalize, cosine_similarity, pairwise_distance, F.embedding and their layers: closed forms,
broadcasting, degenerate inputs, errors, and PyTorch where installed."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite import nn
from autograd_lite.engine import OpError
from tests.helpers import check_op, compare_with_torch, rand

rng = np.random.default_rng(13)


# ----- normalize --------------------------------------------------------------------------------------------
def test_normalize_gives_unit_vectors_along_dim():
    x = rng.standard_normal((3, 4, 2))
    for p, dim in [(2.0, 1), (1.0, -1), (3.0, 0)]:
        out = F.normalize(al.tensor(x), p, dim).data
        np.testing.assert_allclose(np.sum(np.abs(out) ** p, axis=dim), 1.0)
        np.testing.assert_allclose(out * np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1 / p), x)


def test_normalize_of_zero_is_zero_and_its_gradient_finite():
    x = al.zeros(2, 3, requires_grad=True)
    out = F.normalize(x)
    assert not out.data.any()
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, 1e12)  # 1 / eps: the clamped norm is a constant there (as PyTorch)


def test_normalize_gradient_is_the_projection_off_the_output():
    """p = 2: ∂L/∂x = (G − x̂⟨G, x̂⟩) / ‖x‖."""
    x, g = rng.standard_normal(5), rng.standard_normal(5)
    t = al.tensor(x, requires_grad=True)
    F.normalize(t, dim=0).backward(al.tensor(g))
    n = np.linalg.norm(x)
    xh = x / n
    np.testing.assert_allclose(t.grad.data, (g - xh * (g @ xh)) / n)


# ----- cosine_similarity ------------------------------------------------------------------------------------
def test_cosine_similarity_values_and_broadcasting():
    a = np.array([[1.0, 0.0], [1.0, 1.0], [3.0, 4.0]])
    b = np.array([2.0, 0.0])
    out = al.cosine_similarity(al.tensor(a), al.tensor(b), dim=-1)
    np.testing.assert_allclose(out.data, [1.0, 2 ** -0.5, 0.6])
    assert F.cosine_similarity(rand(2, 3, 4), rand(3, 1), dim=1).shape == (2, 4)
    assert F.cosine_similarity is al.cosine_similarity


def test_cosine_similarity_gradients():
    check_op(lambda a, b: F.cosine_similarity(a, b), rand(3, 4), rand(3, 4, seed=1))
    check_op(lambda a, b: F.cosine_similarity(a, b, dim=0), rand(4, 2), rand(4, 1, seed=1))


@pytest.mark.parametrize("call, err, match", [
    (lambda: F.cosine_similarity(al.zeros(3, 4), al.zeros(2, 4)), OpError, r"\(3, 4\) and \(2, 4\) do not broadcast"),
    (lambda: F.cosine_similarity(al.zeros(3, 4), al.zeros(3, 4), dim=2), IndexError, "Dimension out of range"),
    (lambda: F.normalize(al.zeros(3), dim=1), IndexError, "normalize: Dimension out of range"),
])
def test_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


# ----- pairwise_distance ------------------------------------------------------------------------------------
def test_pairwise_distance_values():
    a, b = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[3.0, 4.0], [1.0, 1.0]])
    np.testing.assert_allclose(F.pairwise_distance(al.tensor(a), al.tensor(b), eps=0.0).data, [5.0, 0.0])
    np.testing.assert_allclose(al.pairwise_distance(al.tensor(a), al.tensor(b), p=1.0, eps=0.0).data, [7.0, 0.0])
    out = F.pairwise_distance(al.tensor(a), al.tensor(b), keepdim=True)
    assert out.shape == (2, 1) and out.data[1, 0] == pytest.approx(2 ** 0.5 * 1e-6)  # eps keeps it off the kink
    assert F.pairwise_distance(al.zeros(4), al.ones(4)).shape == ()


def test_pairwise_distance_gradients():
    check_op(lambda a, b: F.pairwise_distance(a, b), rand(3, 4), rand(4, seed=1))
    check_op(lambda a, b: F.pairwise_distance(a, b, p=3.0), rand(3, 4), rand(3, 4, seed=1))


def test_layers():
    a, b = rand(3, 4), rand(3, 4, seed=1)
    cos, dist = nn.CosineSimilarity(dim=0, eps=1e-6), nn.PairwiseDistance(p=1.0, keepdim=True)
    np.testing.assert_array_equal(cos(a, b).data, F.cosine_similarity(a, b, 0, 1e-6).data)
    np.testing.assert_array_equal(dist(a, b).data, F.pairwise_distance(a, b, 1.0, keepdim=True).data)
    assert not list(cos.parameters()) and not list(dist.parameters())


def test_match_torch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    a, b = rng.standard_normal((3, 4, 2)), rng.standard_normal((4, 1))
    compare_with_torch(lambda x, y: F.cosine_similarity(x, y), lambda x, y: tf.cosine_similarity(x, y), a, b)
    compare_with_torch(lambda x: F.normalize(x, 1.5, -1), lambda x: tf.normalize(x, 1.5, -1), a)
    compare_with_torch(lambda x, y: F.pairwise_distance(x, y, 2.5, keepdim=True),
                       lambda x, y: tf.pairwise_distance(x, y, 2.5, keepdim=True), a, rng.standard_normal((4, 2)))
    zero = np.zeros((2, 3))  # degenerate: a zero vector's cosine is 0, its gradient x2 / (‖x2‖·eps), as PyTorch
    compare_with_torch(lambda x, y: F.cosine_similarity(x, y), lambda x, y: tf.cosine_similarity(x, y), zero,
                       rng.standard_normal((2, 3)), rtol=1e-9)
    x, y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    np.testing.assert_allclose(nn.CosineSimilarity()(al.tensor(x), al.tensor(y)).data,
                               torch.nn.CosineSimilarity()(torch.tensor(x), torch.tensor(y)).numpy())
    np.testing.assert_allclose(nn.PairwiseDistance()(al.tensor(x), al.tensor(y)).data,
                               torch.nn.PairwiseDistance()(torch.tensor(x), torch.tensor(y)).numpy())


# ----- embedding --------------------------------------------------------------------------------------------
IDS = np.array([[0, 2, 2], [3, 0, 1]])


def test_embedding_looks_up_rows_and_gradients_add_up_repeats():
    w = rand(4, 3)
    out = F.embedding(al.tensor(IDS), w)
    np.testing.assert_array_equal(out.data, w.data[IDS])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data[:, 0], [2, 1, 2, 1])


def test_embedding_padding_row_gets_no_gradient_to_any_order():
    w = rand(4, 3)
    out = F.embedding(IDS, w, padding_idx=-2)  # the row 2; ndarray ids are accepted too
    np.testing.assert_array_equal(out.data[0, 1], w.data[2])  # still looked up
    (g,) = al.grad((out ** 3).sum(), w, create_graph=True)
    assert not g.data[2].any() and g.data[0].any()
    g.sum().backward()  # the second derivative through the scatter skips the padding row too
    assert not w.grad.data[2].any() and w.grad.data[0].any()


def test_embedding_second_order_without_padding():
    check_op(lambda w: F.embedding(al.tensor(IDS), w) ** 2, rand(4, 3))


def test_embedding_max_norm_renormalises_the_rows_it_reads():
    w = al.tensor(np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]), requires_grad=True)
    F.embedding(np.array([0, 1]), w, max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(w.data, axis=1), [1.0, 0.5, 10.0], rtol=1e-6)


@pytest.mark.parametrize("ids, kwargs, err, match", [
    (np.array([0.0, 1.0]), {}, TypeError, "embedding: expected integer indices"),
    (np.array([0, 4]), {}, IndexError, "embedding: index 4 is out of range for 4 embeddings"),
    (np.array([0]), dict(padding_idx=4), OpError, "padding_idx must be within num_embeddings"),
    (np.array([0]), dict(scale_grad_by_freq=True), NotImplementedError, "scale_grad_by_freq"),
])
def test_embedding_errors(ids, kwargs, err, match):
    with pytest.raises(err, match=match):
        F.embedding(ids, al.zeros(4, 2), **kwargs)


def test_embedding_layer_uses_the_functional_form():
    emb = nn.Embedding(5, 3, padding_idx=1)
    ids = al.tensor(IDS)
    np.testing.assert_array_equal(emb(ids).data, F.embedding(ids, emb.weight, padding_idx=1).data)


def test_embedding_matches_torch():
    torch = pytest.importorskip("torch")
    w, g = rng.standard_normal((4, 3)), rng.standard_normal((2, 3, 3))
    for padding_idx in (None, 2):
        ours, theirs = al.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
        out = F.embedding(al.tensor(IDS), ours, padding_idx=padding_idx)
        ref = torch.nn.functional.embedding(torch.tensor(IDS), theirs, padding_idx=padding_idx)
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        (out * al.tensor(g)).pow(2).sum().backward()
        (ref * torch.tensor(g)).pow(2).sum().backward()
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)
