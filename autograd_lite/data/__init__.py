"""Data: `Dataset`, `TensorDataset`, `Subset`, `DataLoader`, `random_split`, batch transforms and the
bundled/local data sets."""
from .datasets import CIFAR10_CLASSES, Splits, load_cifar10, load_digits, load_spirals, make_spirals
from .loader import DataLoader, Dataset, Subset, TensorDataset, random_split
from .transforms import Compose, Normalize, RandomHorizontalFlip

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split", "RandomHorizontalFlip", "Normalize",
           "Compose", "load_digits", "load_cifar10", "make_spirals", "load_spirals", "Splits", "CIFAR10_CLASSES"]
