"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (PyTorch's rule)."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .. import _scipy_blas
from ..tensor import Tensor
from ._axpy import add_scaled_, add_scaled_by
from .optimizer import _INF, Optimizer, _required, _updatable


class SGD(Optimizer):
    """g ← ∇ + wd·p;  b ← μ·b + (1−τ)·g (b = g at the first step);  g ← g + μ·b (Nesterov) or b;  p ← p − lr·g.

    μ = momentum, τ = dampening. With maximize=True the step goes uphill.
    """

    def __init__(self, params: Iterable[Any], lr: float = _required, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    _ranges = {**Optimizer._ranges, "momentum": (0.0, _INF, False), "dampening": (-_INF, _INF, False)}
    _state_keys = frozenset({"momentum_buffer"})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group.get("nesterov") and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update_group(self, group: dict[str, Any], pairs: list[tuple[Tensor, np.ndarray]], done: list[Tensor]) -> None:
        if group["momentum"] or group["weight_decay"] or group["maximize"]:
            super()._update_group(group, pairs, done)
            return
        # plain SGD, p ← p − lr·g: the hyper-parameters read once per group, no per-parameter state to
        # read (an empty entry per parameter, as PyTorch keeps), one axpy per parameter
        scale, state, dtype, axpy = -float(group["lr"]), self.state, None, None
        for p, grad in pairs:
            data, grad = _updatable(p, grad)
            if p not in state:
                state[p] = {}
            if data.dtype is not dtype:  # SciPy's axpy for it, looked up when the dtype changes
                dtype = data.dtype
                axpy = _scipy_blas.routine("axpy", dtype)
            add_scaled_by(axpy, data, grad, scale)
            done.append(p)

    def _update(self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        # Each line is one in-place y ← y + a·x (PyTorch's add_ with alpha); the gradient array
        # itself (the parameter's .grad) is never written: g is copied before the first change.
        g = -grad if group["maximize"] else grad
        if group["weight_decay"]:
            g = g.copy() if g is grad else g
            add_scaled_(g, p, group["weight_decay"])
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= mu
                add_scaled_(buf, g, 1 - group["dampening"])
            if group["nesterov"]:
                g = g.copy() if g is grad else g
                add_scaled_(g, buf, mu)
            else:
                g = buf
        add_scaled_(p, g, -group["lr"])
