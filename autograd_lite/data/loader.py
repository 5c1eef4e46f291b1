"""`TensorDataset` and `DataLoader`: mini-batches of tensors, shuffled reproducibly."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..creation import get_rng
from ..tensor import Tensor


class TensorDataset:
    """Samples are rows of equally long arrays: `TensorDataset(X, y)[i] == (X[i], y[i])`.

    Accepts Tensors or arrays; an index array gives a whole batch at once.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
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


def _collate(samples: list[Any]) -> Any:
    """Stack a list of samples (tuples of tensors/arrays/numbers) into batch tensors."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[i] for s in samples]) for i in range(len(first)))
    return Tensor._make(np.stack([s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]))


class DataLoader:
    """Iterate over a dataset in mini-batches: each batch is a tuple of Tensors (inputs, targets, ...).

    shuffle=True draws a new order every epoch from, in order of preference, `generator`
    (a np.random.Generator), a private generator seeded with `seed` (the same sequence of
    epochs in every run), or `al.get_rng()`. drop_last skips a final short batch.
    `transform(x)` is applied to the first tensor of every batch (e.g. RandomHorizontalFlip).
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, generator: np.random.Generator | None = None,
                 transform: Callable[[Tensor], Tensor] | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
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
        return (self.generator or get_rng()).permutation(n)

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


def random_split(dataset: TensorDataset, lengths: Sequence[int], seed: int = 0) -> list[TensorDataset]:
    """Split into disjoint random parts of the given lengths (deterministic for a seed)."""
    if sum(lengths) != len(dataset):
        raise ValueError(f"random_split: lengths {list(lengths)} sum to {sum(lengths)}, the dataset has {len(dataset)}")
    order = np.random.default_rng(seed).permutation(len(dataset))
    parts, start = [], 0
    for n in lengths:
        idx = order[start:start + n]
        parts.append(TensorDataset(*[a[idx] for a in dataset.arrays]))
        start += n
    return parts
