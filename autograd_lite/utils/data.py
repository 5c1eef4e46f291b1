"""`al.utils.data`: `torch.utils.data`'s names, re-exported from `autograd_lite.data`.

`Dataset` (base class), `TensorDataset`, `Subset`, `DataLoader` and `random_split(..., generator=)`.
"""
from ..data.loader import DataLoader, Dataset, Subset, TensorDataset, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split"]
