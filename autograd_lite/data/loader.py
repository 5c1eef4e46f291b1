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
        return _collate([self.dataset[int(i)] for i in chosen])

    def __len__(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.dataset)} samples)"


def _collate(samples: list[Any]) -> Any:
    """Batch a list of samples as PyTorch's `default_collate` does: tensors, arrays and numbers are
    stacked into one Tensor (Python ints give int64, floats float64, bools bool); tuples and lists
    are collated position by position (a tuple), dicts key by key (a dict); strings stay a list."""
    first = samples[0]
    if isinstance(first, dict):
        return {k: _collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError(f"DataLoader: each sample in a batch must have the same length, got "
                               f"{sorted({len(s) for s in samples})}")
        return tuple(_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, bool):
        return Tensor._make(np.array(samples, dtype=np.bool_))
    if isinstance(first, numbers.Integral) and not isinstance(first, np.generic):
        return Tensor._make(np.array(samples, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._make(np.array(samples, dtype=np.float64))
    return Tensor._make(np.stack([s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]))


class DataLoader:
    """Iterate over a dataset in mini-batches, collated as PyTorch's `default_collate` does: a dataset
    of `(x, y)` samples gives `(X, Y)` batch Tensors, one of dicts gives a dict of batch Tensors, one of
    single tensors gives batch Tensors.

    shuffle=True draws a new order every epoch from, in order of preference, `generator`
    (an al.Generator or a np.random.Generator), a private generator seeded with `seed` (the
    same sequence of epochs in every run), or the global generator (`al.manual_seed`).
    drop_last skips a final short batch. batch_size must be a positive int (not a bool).
    `transform(x)` is applied to the first tensor of every batch (e.g. RandomHorizontalFlip).
    `collate_fn(samples)` replaces the default collation, as in PyTorch; `num_workers` and
    `pin_memory` are accepted for PyTorch programs and change nothing (batches are made in this
    process from data already in memory).
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, generator: np.random.Generator | None = None,
                 transform: Callable[[Tensor], Tensor] | None = None, *,
                 collate_fn: Callable[[list], Any] | None = None, num_workers: int = 0,
                 pin_memory: bool = False) -> None:
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
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be an integer >= 0, got {num_workers!r}")
        # Samples are in memory already, so batches are made in this process whatever num_workers says,
        # and there is no device memory to pin: both are accepted so PyTorch programs run unchanged.
        self.num_workers, self.pin_memory = int(num_workers), bool(pin_memory)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {collate_fn!r}")
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return numpy_rng(self.generator, "DataLoader").permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if self.collate_fn is not None:
                batch = self.collate_fn([self.dataset[int(i)] for i in idx])
            elif hasattr(self.dataset, "get_batch"):
                batch = self.dataset.get_batch(idx)
            else:
                batch = _collate([self.dataset[int(i)] for i in idx])  # as the samples are: tuple, dict, Tensor
            if self.transform is not None:
                batch = (self.transform(batch[0]),) + tuple(batch[1:]) if isinstance(batch, tuple) else \
                    self.transform(batch)
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
