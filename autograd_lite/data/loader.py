"""`Dataset`, `TensorDataset`, `Subset`, `DataLoader`, `random_split`: mini-batches of tensors,
shuffled reproducibly, with PyTorch's names and arguments (`al.utils.data` re-exports them)."""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..random import numpy_rng
from ..tensor import Tensor


class Dataset:
    """Base class of map-style data sets, as in PyTorch: subclasses define `__getitem__(i)`
    (a sample: a tensor, array, number, or a tuple of them) and `__len__()`."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are rows of equally long arrays: `TensorDataset(X, y)[i] == (X[i], y[i])`.

    Accepts Tensors or arrays of numbers or bools (object, string and datetime arrays are
    refused); an index array gives a whole batch at once.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
        for i, a in enumerate(arrays):
            if a.dtype.kind not in "biufc":
                what = _KINDS.get(a.dtype.kind, "not numbers")
                raise TypeError(f"TensorDataset: tensor {i} has dtype {a.dtype} ({what}); "
                                "only numbers and bools can be batched into tensors")
        lengths = {a.shape[0] if a.ndim else None for a in arrays}
        if len(lengths) != 1 or None in lengths:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"TensorDataset: all tensors need the same first dimension, got shapes {shapes}")
        self.arrays = arrays

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The whole arrays as Tensors, each (N, ...), in the order given."""
        return tuple(Tensor._make(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor._make(np.asarray(a[index])) for a in self.arrays)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """The samples at `indices` (an integer array of length B) as Tensors, each (B, ...)."""
        return tuple(Tensor._make(a[indices]) for a in self.arrays)

    def __repr__(self) -> str:
        return f"TensorDataset({len(self)} samples, shapes {[a.shape[1:] for a in self.arrays]})"


_KINDS = {"O": "Python objects", "U": "strings", "S": "bytes", "M": "datetimes", "m": "time deltas",
          "V": "records"}


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order (`Subset(ds, [4, 1])[0] == ds[4]`)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError(f"Subset: indices must be a 1-D sequence of integers, got {np.asarray(indices).dtype} "
                            f"of shape {idx.shape}")
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"Subset: index out of range for a dataset of {n} samples")
        self.dataset, self.indices = dataset, [int(i) for i in idx]

    @property
    def arrays(self) -> list[np.ndarray]:
        """The subset's rows of a TensorDataset's arrays (copies)."""
        return [a[self.indices] for a in self.dataset.arrays]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return self.get_batch(np.asarray(index))
        return self.dataset[self.indices[index]]

    def get_batch(self, indices: np.ndarray) -> Any:
        """Whole batches at once when the underlying dataset can (TensorDataset)."""
        chosen = np.asarray(self.indices, dtype=np.int64)[indices]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(chosen)
        batch = _collate([self.dataset[int(i)] for i in chosen])
        return batch if isinstance(batch, tuple) else (batch,)

    def __len__(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.dataset)} samples)"


def _collate(samples: list[Any]) -> Any:
    """Stack a list of samples (tuples of tensors/arrays/numbers) into batch tensors."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[i] for s in samples]) for i in range(len(first)))
    return Tensor._make(np.stack([s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]))


class DataLoader:
    """Iterate over a dataset in mini-batches: each batch is a tuple of Tensors (inputs, targets, ...).

    shuffle=True draws a new order every epoch from, in order of preference, `generator`
    (an al.Generator or a np.random.Generator), a private generator seeded with `seed` (the
    same sequence of epochs in every run), or the global generator (`al.manual_seed`).
    drop_last skips a final short batch. batch_size must be a positive int (not a bool).
    `transform(x)` is applied to the first tensor of every batch (e.g. RandomHorizontalFlip).
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, generator: np.random.Generator | None = None,
                 transform: Callable[[Tensor], Tensor] | None = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size}")
        if generator is not None:
            numpy_rng(generator, "DataLoader")  # refuse anything else now, not at the first epoch
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, int(batch_size), shuffle, drop_last
        self.generator = generator if generator is not None else (
            np.random.default_rng(seed) if seed is not None else None)
        self.transform = transform

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return numpy_rng(self.generator, "DataLoader").permutation(n)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        order = self._order()
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if hasattr(self.dataset, "get_batch"):
                batch = self.dataset.get_batch(idx)
            else:
                batch = _collate([self.dataset[int(i)] for i in idx])
                batch = batch if isinstance(batch, tuple) else (batch,)
            if self.transform is not None:
                batch = (self.transform(batch[0]),) + tuple(batch[1:])
            yield batch


def random_split(dataset: Any, lengths: Sequence[int | float], generator: Any = None, *,
                 seed: int | None = None) -> list[Subset]:
    """Split into disjoint random `Subset` objects of the given lengths, as `torch.utils.data.random_split`.

    lengths are sample counts summing to len(dataset), or fractions summing to 1 (the remainder
    of the rounding goes to the first parts, one each, as in PyTorch). The order comes from
    `generator` (an al.Generator), a private generator seeded with `seed`, or the global one.
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(not 0 <= x <= 1 for x in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {lengths}")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be counts >= 0 or fractions summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, the dataset has {n}")
    if seed is not None and generator is None:
        rng = np.random.default_rng(seed)
    else:
        rng = numpy_rng(generator, "random_split")
    order = rng.permutation(n)
    parts, start = [], 0
    for count in lengths:
        parts.append(Subset(dataset, order[start:start + count].tolist()))
        start += count
    return parts
