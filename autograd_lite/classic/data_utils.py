"""Data for the homework: CIFAR-10 from a local `cifar-10-batches-py` folder, or the digits stand-in.

Nothing is downloaded. `load_CIFAR10(root)` reads the standard pickle batches;
`get_CIFAR10_data(...)` returns the notebooks' dict (X_train, y_train, X_val,
y_val, X_test, y_test; images channels-first and mean-subtracted). Without a
CIFAR folder it returns scikit-learn's bundled 8×8 digits in the same layout,
so notebooks and tests run anywhere.
"""
from __future__ import annotations

import os

import numpy as np

from ..data.datasets import _read_batch as read_cifar_batch


def load_CIFAR_batch(filename: str) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch file: X (n, 32, 32, 3) float64 and y (n,) int64."""
    images, y = read_cifar_batch(filename)  # arrays only: a tampered file cannot run code
    return images.transpose(0, 2, 3, 1).astype(np.float64), y


def load_CIFAR10(root: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test) from data_batch_1..5 and test_batch in the folder `root`."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"load_CIFAR10: no folder {root!r}; it should hold the extracted "
                                "cifar-10-batches-py files (data_batch_1 ... data_batch_5, test_batch)")
    batches = [load_CIFAR_batch(os.path.join(root, f"data_batch_{b}")) for b in range(1, 6)]
    Xtr = np.concatenate([X for X, _ in batches])
    Ytr = np.concatenate([y for _, y in batches])
    Xte, Yte = load_CIFAR_batch(os.path.join(root, "test_batch"))
    return Xtr, Ytr, Xte, Yte


def load_digits_as_images() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits as (X_train, y_train, X_test, y_test) images of shape (n, 8, 8, 1).

    Intensities are rescaled from 0..16 to 0..255 like CIFAR's pixels; a fixed
    shuffle (not touching NumPy's global state) puts 1497 images in the
    training part and 300 in the test part.
    """
    from sklearn.datasets import load_digits
    digits = load_digits()
    order = np.random.RandomState(0).permutation(len(digits.target))
    X = (digits.images[order] * (255.0 / 16.0))[..., None]
    y = digits.target[order].astype(np.int64)
    return X[:1497], y[:1497], X[1497:], y[1497:]


def get_CIFAR10_data(num_training: int = 49000, num_validation: int = 1000, num_test: int = 1000,
                     subtract_mean: bool = True, cifar10_dir: str | None = None) -> dict[str, np.ndarray]:
    """The notebooks' data dict, images (N, C, H, W).

    Validation images are the num_validation training images after the first
    num_training; test images the first num_test of the test set; with
    subtract_mean every split has the training images' mean image subtracted.
    cifar10_dir: a local cifar-10-batches-py folder; None uses the digits
    (1, 8, 8) instead, with every count capped to what that set holds
    (at most 150 validation and 300 test images, the rest of 1497 for training).
    """
    if cifar10_dir is None:
        X_train, y_train, X_test, y_test = load_digits_as_images()
        num_validation = min(num_validation, 150)
        num_training = min(num_training, len(y_train) - num_validation)
        num_test = min(num_test, len(y_test))
    else:
        X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir)
    if num_training + num_validation > len(y_train) or num_test > len(y_test):
        raise ValueError(f"get_CIFAR10_data: asked for {num_training} + {num_validation} training and "
                         f"{num_test} test images; the data has {len(y_train)} and {len(y_test)}")

    X_val = X_train[num_training:num_training + num_validation]
    y_val = y_train[num_training:num_training + num_validation]
    X_train, y_train = X_train[:num_training], y_train[:num_training]
    X_test, y_test = X_test[:num_test], y_test[:num_test]
    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train, X_val, X_test = X_train - mean_image, X_val - mean_image, X_test - mean_image

    def channels_first(X: np.ndarray) -> np.ndarray:
        return X.transpose(0, 3, 1, 2).copy()

    return {"X_train": channels_first(X_train), "y_train": y_train, "X_val": channels_first(X_val),
            "y_val": y_val, "X_test": channels_first(X_test), "y_test": y_test}
