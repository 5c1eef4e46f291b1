"""al.Generator and generator= on the random functions (autograd_lite/random.py), with PyTorch's signatures."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import random as alr
from autograd_lite.data import DataLoader, TensorDataset


def test_generator_manual_seed_replays_and_is_independent_of_the_global_stream() -> None:
    g = alr.Generator().manual_seed(7)
    assert g.initial_seed() == 7
    first = alr.randn(3, 4, generator=g).data
    al.manual_seed(0)
    alr.rand(5)  # the global stream moves; g does not care
    g.manual_seed(7)
    np.testing.assert_array_equal(alr.randn(3, 4, generator=g).data, first)
    assert not np.array_equal(alr.randn(3, 4, generator=alr.Generator().manual_seed(8)).data, first)
    assert alr.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1  # PyTorch wraps negative seeds


def test_generator_seed_state_and_bad_arguments() -> None:
    g = alr.Generator()
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2 ** 63
    state = g.get_state()
    a = alr.rand(4, generator=g).data
    g.set_state(state)
    np.testing.assert_array_equal(alr.rand(4, generator=g).data, a)
    with pytest.raises(TypeError, match="seed must be an integer"):
        g.manual_seed(1.5)
    with pytest.raises(RuntimeError, match="cuda"):  # PyTorch's error type without CUDA
        alr.Generator(device="cuda")
    with pytest.raises(TypeError, match="generator must be"):
        alr.rand(2, generator=42)


def test_default_generator_is_the_stream_al_manual_seed_seeds() -> None:
    al.manual_seed(123)
    assert alr.initial_seed() == 123
    expected = al.randn(2, 3).data  # the registry's randn draws from the same stream
    alr.default_generator.manual_seed(123)
    np.testing.assert_array_equal(alr.randn(2, 3).data, expected)
    al.manual_seed(5)
    np.testing.assert_array_equal(alr.randperm(10).data, np.random.default_rng(5).permutation(10))


def test_without_a_generator_the_numbers_are_the_older_functions_numbers() -> None:
    for new, old in ((lambda: alr.rand(3, 2), lambda: al.rand(3, 2)), (lambda: alr.randn(4), lambda: al.randn(4)),
                     (lambda: alr.randint(0, 10, (5,)), lambda: al.randint(0, 10, (5,))),
                     (lambda: alr.randperm(6), lambda: al.randperm(6))):
        al.manual_seed(3)
        a = old().data
        al.manual_seed(3)
        b = new().data
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_shapes_dtypes_and_signatures_follow_pytorch() -> None:
    g = alr.Generator().manual_seed(0)
    assert alr.rand(2, 3, generator=g).shape == (2, 3) and alr.rand((2, 3), generator=g).shape == (2, 3)
    assert alr.randn(2, dtype=np.float32, generator=g).dtype == np.float32
    r = alr.randint(5, (100,), generator=g)
    assert r.dtype == np.int64 and r.shape == (100,) and r.data.min() >= 0 and r.data.max() < 5
    r = alr.randint(-3, 3, (4, 5), generator=g)
    assert r.shape == (4, 5) and r.data.min() >= -3 and r.data.max() < 3
    assert sorted(alr.randperm(8, generator=g).data.tolist()) == list(range(8))
    x = al.zeros(3, 2, dtype=np.float32)
    assert alr.rand_like(x, generator=g).dtype == np.float32 and alr.randn_like(x).shape == (3, 2)
    assert alr.rand(2, requires_grad=True).requires_grad and not alr.rand(2).requires_grad
    with pytest.raises(ValueError, match="high must be > low"):
        alr.randint(3, 3, (2,))
    with pytest.raises(ValueError, match="negative dimension"):
        alr.randn(-1)
    with pytest.raises(TypeError, match="floating-point"):
        alr.rand(2, dtype=np.int64)


def test_normal_bernoulli_and_multinomial() -> None:
    g = alr.Generator().manual_seed(1)
    draws = alr.normal(2.0, 3.0, size=(200_000,), generator=g).data
    assert abs(draws.mean() - 2.0) < 0.03 and abs(draws.std() - 3.0) < 0.03
    mean, std = al.tensor([0.0, 100.0]), al.tensor([[1e-12], [1e-12]])
    np.testing.assert_allclose(alr.normal(mean, std, generator=g).data, [[0.0, 100.0]] * 2, atol=1e-9)
    with pytest.raises(ValueError, match="std"):
        alr.normal(0.0, -1.0, size=(2,))
    b = alr.bernoulli(al.tensor([0.0, 1.0, 0.5] * 10_000), generator=g).data
    assert set(np.unique(b)) <= {0.0, 1.0} and b[0::3].sum() == 0 and b[1::3].sum() == 10_000
    assert abs(b[2::3].mean() - 0.5) < 0.02
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        alr.bernoulli(al.tensor([1.5]))
    weights = al.tensor([[0.0, 1.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    m = alr.multinomial(weights, 2, generator=g).data
    assert m.shape == (2, 2) and m.dtype == np.int64 and sorted(m[0]) == [1, 2] and len(set(m[1])) == 2
    many = alr.multinomial(al.tensor([1.0, 3.0]), 40_000, replacement=True, generator=g).data
    assert abs(many.mean() - 0.75) < 0.01
    with pytest.raises(ValueError, match="without replacement"):
        alr.multinomial(weights, 3)


def test_same_distributions_as_pytorch() -> None:
    """No shared bit stream with PyTorch: compare what the draws must satisfy, both sides."""
    torch = pytest.importorskip("torch")
    g, tg = alr.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    ours = alr.multinomial(al.tensor([0.0, 2.0, 0.0, 5.0]), 2, generator=g).data
    theirs = torch.multinomial(torch.tensor([0.0, 2.0, 0.0, 5.0]), 2, generator=tg).numpy()
    assert sorted(ours) == sorted(theirs) == [1, 3]
    assert alr.randint(3, 9, (2, 2), generator=g).dtype == np.int64 == torch.randint(3, 9, (2, 2)).numpy().dtype
    assert alr.bernoulli(al.zeros(3, dtype=np.float32)).dtype == torch.bernoulli(torch.zeros(3)).numpy().dtype


def test_dataloader_and_random_split_accept_a_generator() -> None:
    ds = TensorDataset(np.arange(20.0)[:, None], np.arange(20))

    def order(gen):
        return [int(i) for _, y in DataLoader(ds, 5, shuffle=True, generator=gen) for i in y.data]

    assert order(alr.Generator().manual_seed(4)) == order(alr.Generator().manual_seed(4))
    assert sorted(order(alr.Generator())) == list(range(20))
    from autograd_lite.utils.data import random_split
    a = random_split(ds, [0.7, 0.3], generator=alr.Generator().manual_seed(1))
    b = random_split(ds, [14, 6], generator=alr.Generator().manual_seed(1))
    assert [s.indices for s in a] == [s.indices for s in b]
