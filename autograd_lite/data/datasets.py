"""Data sets: the bundled 8×8 digits, CIFAR-10 from a local folder, and synthetic spirals.

Each loader returns `Splits(train, val, test)` of `TensorDataset` objects with float images
(N, C, H, W) and int64 labels, split deterministically. Nothing is ever downloaded.
"""
from __future__ import annotations

import os
import pickle
from typing import NamedTuple

import numpy as np

from ..tensor import get_default_dtype
from .loader import TensorDataset


class Splits(NamedTuple):
    train: TensorDataset
    val: TensorDataset
    test: TensorDataset
    classes: tuple[str, ...]


def _split(X: np.ndarray, y: np.ndarray, n_val: int, n_test: int, seed: int) -> tuple:
    order = np.random.default_rng(seed).permutation(len(X))
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    return (X[train], y[train]), (X[val], y[val]), (X[test], y[test])


def load_digits(val_size: int = 300, test_size: int = 300, seed: int = 0, dtype: object = None) -> Splits:
    """scikit-learn's bundled handwritten digits: 1,797 images (N, 1, 8, 8) scaled to [0, 1], 10 classes.

    The split is a fixed permutation (seed=0): 1,197 train, 300 validation, 300 test by default.
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:
        raise ImportError("load_digits needs scikit-learn, which ships the digits data: "
                          "pip install scikit-learn (or autograd_lite[data])") from None
    raw = sk_load_digits()
    X = (raw.images[:, None, :, :] / 16.0).astype(dtype or get_default_dtype())
    y = raw.target.astype(np.int64)
    if val_size + test_size >= len(X):
        raise ValueError(f"load_digits: val_size + test_size = {val_size + test_size} leaves no training data")
    train, val, test = _split(X, y, val_size, test_size, seed)
    return Splits(TensorDataset(*train), TensorDataset(*val), TensorDataset(*test),
                  tuple(str(d) for d in range(10)))


CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Reads the CIFAR pickles but refuses anything except NumPy arrays: a tampered file cannot run code."""

    allowed = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("numpy.core.numeric", "_frombuffer"),
               ("numpy._core.numeric", "_frombuffer"), ("_codecs", "encode")}  # (protocol 2 bytes)

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR-10 batch file")
        return super().find_class(module, name)


def _cifar_folder(root: str) -> str:
    root = os.path.expanduser(os.fspath(root))
    for folder in (root, os.path.join(root, "cifar-10-batches-py")):
        if os.path.isfile(os.path.join(folder, "data_batch_1")):
            return folder
    raise FileNotFoundError(
        f"CIFAR-10 not found under {root!r}. Download the Python version (cifar-10-python.tar.gz) from "
        "https://www.cs.toronto.edu/~kriz/cifar.html, unpack it, and pass the folder that contains "
        "'cifar-10-batches-py' (or that folder itself), e.g. --data-dir ~/data. It should hold "
        "data_batch_1 ... data_batch_5 and test_batch.")


def _read_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            batch = _ArraysOnlyUnpickler(f, encoding="bytes").load()
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}  # Python 2 or 3 pickles
        data, labels = batch["data"], batch["labels"]
    except (pickle.UnpicklingError, KeyError, EOFError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{path} is not a CIFAR-10 batch file (a pickled dict with b'data' and b'labels'): {e}")
    data = np.asarray(data, dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(f"{path}: expected b'data' of shape (N, 3072) and N labels, got {data.shape} "
                         f"and {len(labels)} labels")
    return data.reshape(-1, 3, 32, 32), np.asarray(labels, dtype=np.int64)


def load_cifar10(root: str, val_size: int = 1000, num_batches: int = 5, dtype: object = np.float32,
                 seed: int = 0) -> Splits:
    """CIFAR-10 from the standard `cifar-10-batches-py` pickles: images (N, 3, 32, 32) scaled to [0, 1].

    Train = data_batch_1..num_batches minus `val_size` images held out for validation
    (a fixed random choice), test = test_batch.
    """
    folder = _cifar_folder(root)
    parts = [_read_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, num_batches + 1)]
    X, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    X_test, y_test = _read_batch(os.path.join(folder, "test_batch"))
    if val_size >= len(X):
        raise ValueError(f"load_cifar10: val_size={val_size} but only {len(X)} training images were found")
    order = np.random.default_rng(seed).permutation(len(X))
    val, train = order[:val_size], order[val_size:]

    def scale(a: np.ndarray) -> np.ndarray:
        return (a / 255.0).astype(dtype)

    return Splits(TensorDataset(scale(X[train]), y[train]), TensorDataset(scale(X[val]), y[val]),
                  TensorDataset(scale(X_test), y_test), CIFAR10_CLASSES)


def make_spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The interleaved spirals of cs231n: X (n_per_class·n_classes, 2) float, y int64 class labels."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.repeat(np.arange(n_classes), n_per_class).astype(np.int64)
    for c in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        theta = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + rng.standard_normal(n_per_class) * noise
        X[c * n_per_class:(c + 1) * n_per_class] = np.c_[r * np.sin(theta), r * np.cos(theta)]
    return X.astype(get_default_dtype()), y


def load_spirals(n_per_class: int = 200, n_classes: int = 3, noise: float = 0.2, seed: int = 0) -> Splits:
    """Spirals split 60/20/20 into train/val/test."""
    X, y = make_spirals(n_per_class, n_classes, noise, seed)
    n = len(X)
    train, val, test = _split(X, y, n // 5, n // 5, seed)
    return Splits(TensorDataset(*train), TensorDataset(*val), TensorDataset(*test),
                  tuple(str(c) for c in range(n_classes)))
