"""RMSprop (PyTorch's rule): divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import _INF, Optimizer


class RMSprop(Optimizer):
    """s ← α·s + (1−α)·g²;  centered: m ← α·m + (1−α)·g, d = √(s − m²) + ε, else d = √s + ε;
    momentum μ > 0: b ← μ·b + g/d, p ← p − lr·b;  otherwise p ← p − lr·g/d.   (g = ∇ + wd·p)
    """

    _ranges = {**Optimizer._ranges, "alpha": (0.0, _INF, False), "eps": (0.0, _INF, False),
               "momentum": (0.0, _INF, False)}
    _state_keys = frozenset({"step", "square_avg", "momentum_buffer", "grad_avg"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _update(self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        alpha = group["alpha"]
        g = grad + group["weight_decay"] * p if group["weight_decay"] else grad
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * g
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denom = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / denom
            p -= group["lr"] * buf
        else:
            p -= group["lr"] * g / denom
