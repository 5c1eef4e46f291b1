"""classic.data_utils: CIFAR-10 from a tiny folder in the exact pickle format, and the digits stand-in."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from autograd_lite.classic.data_utils import get_CIFAR10_data, load_CIFAR10


def write_cifar_folder(root, per_batch=4, seed=0, key=lambda k: k.encode()):
    """data_batch_1..5 and test_batch as CIFAR-10 ships them: pickled dicts with bytes keys,
    b'data' a (n, 3072) uint8 array (1024 red, then green, then blue values, row-major), b'labels' a list."""
    rng = np.random.RandomState(seed)
    root.mkdir()
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.randint(0, 256, size=(per_batch, 3072)).astype(np.uint8)
        labels = [int(v) for v in rng.randint(0, 10, size=per_batch)]
        with open(root / name, "wb") as f:
            pickle.dump({key("batch_label"): name.encode(), key("labels"): labels, key("data"): data,
                         key("filenames"): [b"img.png"] * per_batch}, f, protocol=2)
        batches[name] = (data, labels)
    return batches


@pytest.mark.parametrize("key", [lambda k: k.encode(), str], ids=["bytes_keys", "str_keys"])
def test_load_cifar10(tmp_path, key):
    batches = write_cifar_folder(tmp_path / "cifar-10-batches-py", key=key)
    Xtr, ytr, Xte, yte = load_CIFAR10(str(tmp_path / "cifar-10-batches-py"))
    assert Xtr.shape == (20, 32, 32, 3) and Xte.shape == (4, 32, 32, 3)
    assert Xtr.dtype.kind == "f" and ytr.dtype.kind == "i" and yte.dtype.kind == "i"
    data2, labels2 = batches["data_batch_2"]
    np.testing.assert_array_equal(ytr[4:8], labels2)
    # pixel (row 5, col 7) of image 1 of batch 2: red at 5*32+7, green 1024 later, blue 2048 later
    np.testing.assert_array_equal(Xtr[5, 5, 7], data2[1, [5 * 32 + 7, 1024 + 5 * 32 + 7, 2048 + 5 * 32 + 7]])
    np.testing.assert_array_equal(yte, batches["test_batch"][1])


def test_get_cifar10_data_from_folder(tmp_path):
    write_cifar_folder(tmp_path / "cifar")
    Xtr, ytr, Xte, yte = load_CIFAR10(str(tmp_path / "cifar"))
    data = get_CIFAR10_data(num_training=15, num_validation=5, num_test=3, cifar10_dir=str(tmp_path / "cifar"))
    shapes = {k: v.shape for k, v in data.items()}
    assert shapes == {"X_train": (15, 3, 32, 32), "y_train": (15,), "X_val": (5, 3, 32, 32), "y_val": (5,),
                      "X_test": (3, 3, 32, 32), "y_test": (3,)}
    mean_image = Xtr[:15].mean(axis=0)
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-9)  # mean-subtracted
    np.testing.assert_allclose(data["X_val"], (Xtr[15:20] - mean_image).transpose(0, 3, 1, 2))
    np.testing.assert_allclose(data["X_test"], (Xte[:3] - mean_image).transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(data["y_val"], ytr[15:20])
    raw = get_CIFAR10_data(num_training=15, num_validation=5, num_test=3, subtract_mean=False,
                           cifar10_dir=str(tmp_path / "cifar"))
    np.testing.assert_array_equal(raw["X_train"], Xtr[:15].transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="asked for 30"):
        get_CIFAR10_data(num_training=30, cifar10_dir=str(tmp_path / "cifar"))
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py"):
        load_CIFAR10(str(tmp_path / "missing"))


def test_digits_stand_in_has_the_same_layout():
    data = get_CIFAR10_data()
    assert set(data) == {"X_train", "y_train", "X_val", "y_val", "X_test", "y_test"}
    assert data["X_train"].shape == (1347, 1, 8, 8) and data["X_val"].shape == (150, 1, 8, 8)
    assert data["X_test"].shape == (300, 1, 8, 8)
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-9)
    assert data["y_train"].dtype.kind == "i" and set(np.unique(data["y_train"])) == set(range(10))
    small = get_CIFAR10_data(num_training=100, num_validation=20, num_test=30)
    assert [len(small[k]) for k in ("y_train", "y_val", "y_test")] == [100, 20, 30]
