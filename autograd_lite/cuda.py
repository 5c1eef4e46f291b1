"""`al.cuda`: there is no GPU here. `is_available()` is False and `device_count()` is 0, so code
that picks a device (`"cuda" if al.cuda.is_available() else "cpu"`) chooses the CPU; the
seeding calls tutorials make (`manual_seed`, `manual_seed_all`) are accepted and do nothing.
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "current_device"]


def is_available() -> bool:
    """False: autograd_lite runs on the CPU only."""
    return False


def device_count() -> int:
    """0: there are no CUDA devices."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored (there is no GPU generator to seed), as PyTorch does without CUDA."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored (there is no GPU generator to seed), as PyTorch does without CUDA."""


def current_device() -> int:
    """Raises: there is no CUDA device."""
    raise RuntimeError("al.cuda.current_device(): no CUDA device: autograd_lite runs on the CPU only")
