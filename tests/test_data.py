"""Datasets, DataLoader determinism, flips, and the CIFAR-10 reader on a folder written in its exact format."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.data import (DataLoader, RandomHorizontalFlip, TensorDataset, load_cifar10, load_digits,
                                make_spirals, random_split)


def _dataset(n: int = 10) -> TensorDataset:
    return TensorDataset(np.arange(n * 2, dtype=float).reshape(n, 2), np.arange(n))


def _epochs(loader: DataLoader, count: int = 2) -> list[list[int]]:
    return [[int(i) for _, y in loader for i in y.data] for _ in range(count)]


def test_tensor_dataset_indexing_and_length_checks() -> None:
    ds = _dataset()
    x, y = ds[3]
    assert isinstance(x, al.Tensor) and np.array_equal(x.data, [6.0, 7.0]) and y.item() == 3
    assert len(ds) == 10
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))


@pytest.mark.parametrize("batch_size,drop_last,sizes", [(4, False, [4, 4, 2]), (4, True, [4, 4]), (10, False, [10]),
                                                        (3, True, [3, 3, 3])])
def test_batches_cover_the_data_in_order(batch_size: int, drop_last: bool, sizes: list[int]) -> None:
    loader = DataLoader(_dataset(), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert [len(y) for _, y in batches] == sizes and len(loader) == len(sizes)
    assert [int(i) for _, y in batches for i in y.data] == list(range(sum(sizes)))
    assert batches[0][0].shape == (sizes[0], 2) and batches[0][1].dtype == np.int64


def test_shuffle_with_a_seed_is_reproducible_and_changes_every_epoch() -> None:
    first = _epochs(DataLoader(_dataset(), batch_size=3, shuffle=True, seed=7))
    again = _epochs(DataLoader(_dataset(), batch_size=3, shuffle=True, seed=7))
    other = _epochs(DataLoader(_dataset(), batch_size=3, shuffle=True, seed=8))
    assert first == again and first != other
    assert first[0] != first[1] and sorted(first[0]) == list(range(10))


def test_shuffle_follows_the_generator_or_al_manual_seed() -> None:
    a = _epochs(DataLoader(_dataset(), 4, shuffle=True, generator=np.random.default_rng(1)))
    b = _epochs(DataLoader(_dataset(), 4, shuffle=True, generator=np.random.default_rng(1)))
    assert a == b
    al.manual_seed(3)
    c = _epochs(DataLoader(_dataset(), 4, shuffle=True))
    al.manual_seed(3)
    assert c == _epochs(DataLoader(_dataset(), 4, shuffle=True))


def test_generic_datasets_are_collated() -> None:
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=float), i

    (x, y), = list(DataLoader(Squares(), batch_size=5))
    assert x.shape == (5, 2) and np.array_equal(y.data, np.arange(5))


def test_random_horizontal_flip_mirrors_whole_images() -> None:
    x = np.arange(2 * 3 * 2 * 4, dtype=float).reshape(2, 3, 2, 4)
    assert np.array_equal(RandomHorizontalFlip(p=1.0)(al.tensor(x)).data, x[..., ::-1])
    assert np.array_equal(RandomHorizontalFlip(p=0.0)(al.tensor(x)).data, x)
    big = np.random.default_rng(0).standard_normal((400, 1, 3, 3))
    out = RandomHorizontalFlip(p=0.5, generator=np.random.default_rng(0))(al.tensor(big)).data
    flipped = np.all(out == big[..., ::-1], axis=(1, 2, 3))
    kept = np.all(out == big, axis=(1, 2, 3))
    assert np.all(flipped | kept) and 150 < flipped.sum() < 250
    with pytest.raises(ValueError, match="N, C, H, W"):
        RandomHorizontalFlip()(al.tensor(np.zeros((3, 4))))


def test_loader_applies_the_transform_to_inputs_only() -> None:
    ds = TensorDataset(np.arange(8, dtype=float).reshape(2, 1, 1, 4), np.array([0, 1]))
    (x, y), = list(DataLoader(ds, batch_size=2, transform=RandomHorizontalFlip(p=1.0)))
    assert np.array_equal(x.data[0, 0, 0], [3, 2, 1, 0]) and np.array_equal(y.data, [0, 1])


def test_random_split_is_a_deterministic_partition() -> None:
    a, b = random_split(_dataset(), [7, 3], seed=1)
    a2, _ = random_split(_dataset(), [7, 3], seed=1)
    labels = sorted(int(v) for v in np.concatenate([a.arrays[1], b.arrays[1]]))
    assert labels == list(range(10)) and np.array_equal(a.arrays[1], a2.arrays[1])


def test_digits_split_is_deterministic_and_scaled() -> None:
    pytest.importorskip("sklearn")
    s, s2 = load_digits(), load_digits()
    assert (len(s.train), len(s.val), len(s.test)) == (1197, 300, 300)
    x = s.train.arrays[0]
    assert x.shape[1:] == (1, 8, 8) and x.dtype.kind == "f" and 0 <= x.min() and x.max() <= 1
    assert np.array_equal(s.test.arrays[1], s2.test.arrays[1]) and s.train.arrays[1].dtype == np.int64
    assert set(np.unique(s.train.arrays[1])) == set(range(10))
    assert len(set(map(bytes, s.train.arrays[0])) & set(map(bytes, s.test.arrays[0]))) <= 5  # (rare duplicate images)


def _write_cifar(folder, per_batch: int = 6, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    folder.mkdir()
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, per_batch)]
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                         b"filenames": [b"x.png"] * per_batch}, f, protocol=2)
        written[name] = (data, labels)
    return written


def test_cifar10_reader_on_the_standard_folder_format(tmp_path) -> None:
    written = _write_cifar(tmp_path / "cifar-10-batches-py")
    for root in (tmp_path, tmp_path / "cifar-10-batches-py"):
        s = load_cifar10(root, val_size=5)
        assert (len(s.train), len(s.val), len(s.test)) == (25, 5, 6) and len(s.classes) == 10
        x_test, y_test = s.test.arrays
        raw, labels = written["test_batch"]
        assert x_test.shape == (6, 3, 32, 32) and x_test.dtype == np.float32
        # channel-major rows: the first 1024 bytes are the red plane of image 0
        np.testing.assert_allclose(x_test[0, 0].ravel(), raw[0, :1024] / 255.0, rtol=1e-6)
        np.testing.assert_allclose(x_test[2, 2, 31, 31], raw[2, 3071] / 255.0, rtol=1e-6)
        assert y_test.tolist() == labels and y_test.dtype == np.int64
        all_train = sorted(int(v) for v in np.concatenate([s.train.arrays[1], s.val.arrays[1]]))
        assert all_train == sorted(v for i in range(1, 6) for v in written[f"data_batch_{i}"][1])


def test_missing_cifar_folder_says_where_to_put_it(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py") as info:
        load_cifar10(tmp_path / "nowhere")
    assert "cs.toronto.edu" in str(info.value) and "data_batch_1" in str(info.value)


def test_cifar_reader_refuses_pickled_code(tmp_path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder, per_batch=2)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with open(folder / "data_batch_1", "wb") as f:
        pickle.dump({b"data": Evil(), b"labels": [0]}, f)
    with pytest.raises(ValueError, match="builtins.print"):
        load_cifar10(tmp_path, val_size=1)


def test_spirals() -> None:
    X, y = make_spirals(50, 3, seed=1)
    assert X.shape == (150, 2) and np.bincount(y).tolist() == [50, 50, 50]
    assert np.array_equal(X, make_spirals(50, 3, seed=1)[0])


def test_utils_data_has_pytorchs_names() -> None:
    from autograd_lite.utils import data as udata
    assert udata.TensorDataset is TensorDataset and udata.DataLoader is DataLoader

    class Squares(udata.Dataset):  # the PyTorch pattern: subclass, define __getitem__ and __len__
        def __len__(self) -> int:
            return 7

        def __getitem__(self, i: int):
            return np.array([float(i)]), i * i

    batches = list(DataLoader(Squares(), batch_size=3))
    assert [b[1].data.tolist() for b in batches] == [[0, 1, 4], [9, 16, 25], [36]]
    assert batches[0][0].shape == (3, 1)
    sub = udata.Subset(Squares(), [5, 2])
    assert len(sub) == 2 and sub[0][1] == 25 and sub[1][1] == 4
    assert [b[1].data.tolist() for b in DataLoader(sub, batch_size=2)] == [[25, 4]]
    with pytest.raises(NotImplementedError, match="__getitem__"):
        udata.Dataset()[0]
    with pytest.raises(IndexError, match="out of range"):
        udata.Subset(_dataset(), [10])


def test_random_split_gives_subsets_of_pytorchs_lengths() -> None:
    parts = random_split(_dataset(), [0.5, 0.3, 0.2], seed=0)
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    x, y = DataLoader(parts[1], batch_size=3).__iter__().__next__()
    np.testing.assert_array_equal(y.data, parts[1].arrays[1])
    with pytest.raises(ValueError, match="sum to"):
        random_split(_dataset(), [5, 6])
    torch = pytest.importorskip("torch")
    for n, fractions in ((10, [0.5, 0.3, 0.2]), (11, [0.34, 0.33, 0.33]), (7, [0.1, 0.9]), (5, [0.25] * 4)):
        ours = [len(p) for p in random_split(_dataset(n), fractions, seed=0)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs, (n, fractions)
