"""Adam and AdamW (PyTorch's rules, bias-corrected; optional AMSGrad)."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ._axpy import add_scaled_
from .optimizer import _INF, Optimizer


class Adam(Optimizer):
    """t ← t+1;  m ← β₁·m + (1−β₁)·g;  v ← β₂·v + (1−β₂)·g²  (g = ∇ + wd·p, L2 weight decay);
    p ← p − lr/(1−β₁ᵗ) · m / (√v̂ / √(1−β₂ᵗ) + ε), with v̂ = v, or max over steps of v for amsgrad.
    """

    decoupled_weight_decay = False
    _ranges = {**Optimizer._ranges, "eps": (0.0, _INF, False)}
    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False) -> None:
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas  # (a non-pair is refused by name)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update(self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        g = -grad if group["maximize"] else grad
        if wd and self.decoupled_weight_decay:
            p *= 1 - lr * wd  # AdamW: shrink the weights directly
        elif wd:  # Adam: L2 penalty folded into the gradient (a copy: .grad itself is never written)
            g = g.copy() if g is grad else g
            add_scaled_(g, p, wd)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Two scratch arrays instead of a temporary per operation; each line keeps PyTorch's
        # order of operations (lerp, addcmul, addcdiv), so results agree to the last bit or two.
        scratch, update = np.subtract(g, m), np.empty_like(p)
        add_scaled_(m, scratch, 1 - beta1)  # m ← m + (1−β₁)·(g − m) = β₁·m + (1−β₁)·g
        v *= beta2
        np.multiply(g, 1 - beta2, out=scratch)
        scratch *= g
        v += scratch  # v ← β₂·v + (1−β₂)·g·g
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v, out=scratch)
        denom /= math.sqrt(1 - beta2 ** t)
        denom += group["eps"]
        np.multiply(m, lr / (1 - beta1 ** t), out=update)
        update /= denom
        p -= update  # p ← p − step_size·m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay: p ← p·(1 − lr·wd) before the Adam step (default wd = 0.01)."""

    decoupled_weight_decay = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
