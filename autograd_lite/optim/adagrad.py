"""Adagrad (PyTorch's rule): per-coordinate steps shrinking with the sum of squared gradients."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import _INF, Optimizer


class Adagrad(Optimizer):
    """t ← t+1;  g = ∇ + wd·p;  s ← s + g²;  p ← p − lr/(1 + (t−1)·lr_decay) · g / (√s + ε)."""

    _ranges = {**Optimizer._ranges, "lr_decay": (0.0, _INF, False), "eps": (0.0, _INF, False),
               "initial_accumulator_value": (0.0, _INF, False)}
    _state_keys = frozenset({"step", "sum"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _update(self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        g = grad + group["weight_decay"] * p if group["weight_decay"] else grad
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += g * g
        p -= clr * g / (np.sqrt(state["sum"]) + group["eps"])
