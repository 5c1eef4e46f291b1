"""Learning-rate schedules, like `torch.optim.lr_scheduler`: call `scheduler.step()` after `optimizer.step()`.

Each schedule is a closed-form function of the step counter `last_epoch`
(epochs for StepLR/ExponentialLR/CosineAnnealingLR, batches for CyclicLR),
giving PyTorch's learning rates. Schedules are not meant to be chained.
"""
from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base: remembers each group's initial lr, then sets group["lr"] = lr_at(last_epoch) on every step()."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param_groups[{i}] has no 'initial_lr': resume a scheduler (last_epoch >= 0) "
                                   "only after loading the optimizer's state")
        if not hasattr(self, "base_lrs"):
            self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, epoch: int) -> list[float]:
        """The learning rate of each group at step counter `epoch`."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The learning rate of each group at the current step counter."""
        return self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest step()."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance the step counter (or set it to `epoch`) and write the new rates into the optimizer."""
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    _not_saved = ("optimizer", "_scale_fn_custom")

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and a custom scale function, which is code)."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()
                if k not in self._not_saved}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` returned."""
        for key, value in state_dict.items():
            value = value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value
            self.__dict__[key] = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


class StepLR(LRScheduler):
    """lr = base_lr · γ^⌊epoch / step_size⌋."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size, self.gamma = int(step_size), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        return [base * self.gamma ** (epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr · γ^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        return [base * self.gamma ** epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = η_min + (base_lr − η_min)·(1 + cos(π·epoch / T_max)) / 2."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
                for base in self.base_lrs]


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[float]:
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"expected {len(optimizer.param_groups)} values for {name}, got {len(value)}")
        return list(value)
    return [value] * len(optimizer.param_groups)


class CyclicLR(LRScheduler):
    """Cyclical learning rate (Smith 2017), stepped after every batch, exactly like PyTorch's.

    The lr climbs linearly from base_lr to max_lr in step_size_up steps and back down in
    step_size_down (default: the same). With x the position in the current cycle,
    lr = base_lr + (max_lr − base_lr)·h(x)·scale, where scale is 1 ('triangular', the k-layer
    homework's schedule), 1/2^(cycle−1) ('triangular2') or γ^step ('exp_range').
    With cycle_momentum the momentum (or Adam's β₁) moves the opposite way, between
    max_momentum and base_momentum.
    """

    _not_saved = ("optimizer", "_scale_fn_custom")

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float], max_lr: float | list[float],
                 step_size_up: int = 2000, step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Any = None, scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: float = 0.8, max_momentum: float = 0.9, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size, self.step_ratio = up + down, up / (up + down)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode {mode!r} is not triangular, triangular2 or exp_range, "
                             "and no scale_fn was given")
        self.mode, self.gamma, self._scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("CyclicLR: the optimizer must have momentum or betas when cycle_momentum=True "
                                 "(pass cycle_momentum=False, e.g. for plain SGD without momentum)")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
        if last_epoch == -1:  # all arguments checked: only now change the optimizer
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
            if cycle_momentum:
                for m, b, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    self._set_momentum(group, m)
                    group["max_momentum"], group["base_momentum"] = m, b
        self.base_lrs = base_lrs
        super().__init__(optimizer, last_epoch)

    def scale_fn(self, x: float) -> float:
        """The amplitude factor at cycle (or step) x: 1 (triangular), 1/2^(x−1) (triangular2), γ^x (exp_range)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _phase(self, epoch: int) -> tuple[float, float]:
        """(scale factor: the fraction of the way up, scale_fn's value) at this step."""
        cycle = math.floor(1 + epoch / self.total_size)
        x = 1.0 + epoch / self.total_size - cycle
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        return rise, self.scale_fn(cycle if self.scale_mode == "cycle" else epoch)

    def lr_at(self, epoch: int) -> list[float]:
        rise, scale = self._phase(epoch)
        return [base + (top - base) * rise * scale for base, top in zip(self.base_lrs, self.max_lrs)]

    def get_lr(self) -> list[float]:
        """The learning rate of each group at the current step; with cycle_momentum, also sets the momentum."""
        if self.cycle_momentum:  # side effect, as in PyTorch: momentum moves against the lr
            rise, scale = self._phase(self.last_epoch)
            for group, b, m in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, m - (m - b) * rise * scale)
        return super().get_lr()
