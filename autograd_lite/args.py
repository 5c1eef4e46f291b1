"""Argument checks shared by the ops and the layers (kernel sizes, strides, sizes, probabilities).

Each bad value is a one-line error naming the op or module, the argument and the value (PyTorch
often truncates 2.5 to 2 or fails later, deep inside)."""
from __future__ import annotations

from typing import Any

import numpy as np


def size(owner: str, name: str, value: Any, minimum: int | None = 0) -> int:
    """An int (not a bool) >= minimum (any int for minimum=None), e.g. a number of features."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be an integer, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: {name} must be {'positive' if minimum == 1 else f'>= {minimum}'}, got {value}")
    return int(value)


def pair(owner: str, name: str, value: Any, minimum: int = 0) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum (kernel sizes, strides, padding)."""
    items = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(items) != 2:
        raise ValueError(f"{owner}: {name} must be an int or a pair of ints, got {value!r}")
    try:
        return tuple(size(owner, name, v, minimum) for v in items)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{e}" if not isinstance(value, (tuple, list)) else f"{e} (in {name}={value!r})") from None


def probability(owner: str, name: str, p: Any) -> float:
    """A probability in [0, 1]."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0 <= p <= 1:
        raise ValueError(f"{owner}: {name} must be a probability in [0, 1], got {p!r}")
    return float(p)
