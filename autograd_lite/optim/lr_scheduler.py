"""Learning-rate schedules, like `torch.optim.lr_scheduler`: call `scheduler.step()` after `optimizer.step()`.

Each schedule is a closed-form function of the step counter `last_epoch`
(epochs for StepLR/MultiStepLR/ExponentialLR/CosineAnnealingLR/LinearLR/LambdaLR, batches
for CyclicLR/OneCycleLR), giving PyTorch's learning rates; ReduceLROnPlateau instead reacts
to the metric passed to `step(metric)`. Schedules are not meant to be chained. Every argument
is checked before the optimizer is touched.
"""
from __future__ import annotations

import bisect
import math
import numbers
from typing import Any, Callable, Sequence

from .optimizer import Optimizer, check_number


def _positive_int(owner: str, name: str, value: Any) -> int:
    """value as an int, refusing bools, non-integers and values < 1 with a one-line error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"{owner}: {name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value}")
    return int(value)


def triangular_phase(step: int, step_size_up: float, step_size_down: float | None = None) -> tuple[int, float]:
    """(cycle number, counted from 1; fraction of the way from base_lr to max_lr) at this step of a
    triangular cycle that rises for step_size_up steps and falls for step_size_down (default: the same)."""
    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    total, ratio = up + down, up / (up + down)
    cycle = math.floor(1 + step / total)
    x = 1.0 + step / total - cycle
    return cycle, (x / ratio if x <= ratio else (x - 1) / (ratio - 1))


def triangular_lr(step: int, base_lr: float, max_lr: float, step_size_up: float,
                  step_size_down: float | None = None) -> float:
    """The triangular cyclic learning rate (CyclicLR's default mode, the k-layer homework's schedule):
    base_lr + (max_lr − base_lr)·h, h climbing 0 → 1 over step_size_up steps and back over step_size_down."""
    return base_lr + (max_lr - base_lr) * triangular_phase(step, step_size_up, step_size_down)[1]


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
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        check_number("StepLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        return [base * self.gamma ** (epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr · γ^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        check_number("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        return [base * self.gamma ** epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = η_min + (base_lr − η_min)·(1 + cos(π·epoch / T_max)) / 2."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        check_number("CosineAnnealingLR", "eta_min", eta_min)
        self.eta_min = eta_min
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


class _MomentumCycling:
    """Shared by CyclicLR and OneCycleLR: the momentum (SGD/RMSprop) or Adam's β₁ that moves against the lr."""

    use_beta1 = False

    def _momentum_bounds(self, name: str, optimizer: Optimizer, base: Any, top: Any) -> tuple[list, list]:
        """Per-group (base, max) momentums, after checking the optimizer has a momentum to cycle."""
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError(f"{name}: the optimizer must have momentum or betas when cycle_momentum=True "
                             "(pass cycle_momentum=False, e.g. for plain SGD without momentum)")
        self.use_beta1 = "betas" in optimizer.defaults
        return _per_group("base_momentum", optimizer, base), _per_group("max_momentum", optimizer, top)

    def _start_momentum(self, optimizer: Optimizer, base_ms: list, max_ms: list) -> None:
        for m, b, group in zip(max_ms, base_ms, optimizer.param_groups):
            self._set_momentum(group, m)
            group["max_momentum"], group["base_momentum"] = m, b

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum


class CyclicLR(_MomentumCycling, LRScheduler):
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
        for lr in base_lrs + self.max_lrs:
            check_number("CyclicLR", "base_lr/max_lr", lr)
        up = float(_positive_int("CyclicLR", "step_size_up", step_size_up))
        down = float(_positive_int("CyclicLR", "step_size_down", step_size_down)) if step_size_down is not None else up
        self.step_size_up, self.step_size_down = up, down
        self.total_size, self.step_ratio = up + down, up / (up + down)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode {mode!r} is not triangular, triangular2 or exp_range, "
                             "and no scale_fn was given")
        self.mode, self.gamma, self._scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = self._momentum_bounds("CyclicLR", optimizer, base_momentum,
                                                                            max_momentum)
        if last_epoch == -1:  # all arguments checked: only now change the optimizer
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
            if cycle_momentum:
                self._start_momentum(optimizer, self.base_momentums, self.max_momentums)
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

    def _phase(self, epoch: int) -> tuple[float, float]:
        """(scale factor: the fraction of the way up, scale_fn's value) at this step."""
        cycle, rise = triangular_phase(epoch, self.step_size_up, self.step_size_down)
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


class LambdaLR(LRScheduler):
    """lr = base_lr · lr_lambda(epoch); one function, or one per parameter group."""

    _not_saved = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * len(optimizer.param_groups)
        if len(lambdas) != len(optimizer.param_groups):
            raise ValueError(f"LambdaLR: expected {len(optimizer.param_groups)} lr_lambdas, got {len(lambdas)}")
        if not all(callable(f) for f in lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function of the epoch (or a list of them)")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        return [base * f(epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class MultiStepLR(LRScheduler):
    """lr = base_lr · γ^(number of milestones ≤ epoch); a milestone listed twice counts twice, as in PyTorch."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"MultiStepLR: milestones must be a list of epochs, got {milestones!r}")
        self.milestones = sorted(_positive_int("MultiStepLR", "each milestone", m) for m in milestones)
        check_number("MultiStepLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        return [base * self.gamma ** bisect.bisect_right(self.milestones, epoch) for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr · (start_factor + (end_factor − start_factor)·min(epoch, total_iters) / total_iters)."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        check_number("LinearLR", "start_factor", start_factor, 0.0, 1.0)
        if start_factor == 0:
            raise ValueError("LinearLR: start_factor must be > 0 and <= 1, got 0")
        check_number("LinearLR", "end_factor", end_factor, 0.0, 1.0)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = _positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch: int) -> list[float]:
        t = min(epoch, self.total_iters)
        factor = self.start_factor + (self.end_factor - self.start_factor) * t / self.total_iters
        return [base * factor for base in self.base_lrs]


class OneCycleLR(_MomentumCycling, LRScheduler):
    """The 1cycle policy (Smith & Topin), stepped after every batch, exactly like PyTorch's.

    The lr warms up from max_lr/div_factor to max_lr over the first pct_start of total_steps,
    then anneals ('cos' or 'linear') down to max_lr/(div_factor·final_div_factor);
    three_phase=True comes back down to the initial lr first, symmetrically, then anneals.
    With cycle_momentum the momentum (or Adam's β₁) moves the opposite way, between
    max_momentum and base_momentum. Stepping past total_steps is an error.
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            self.total_steps = _positive_int("OneCycleLR", "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_positive_int("OneCycleLR", "epochs", epochs)
                                * _positive_int("OneCycleLR", "steps_per_epoch", steps_per_epoch))
        else:
            raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)")
        check_number("OneCycleLR", "pct_start", pct_start, 0.0, 1.0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        for lr in max_lrs:
            check_number("OneCycleLR", "max_lr", lr)
        check_number("OneCycleLR", "div_factor", div_factor)
        check_number("OneCycleLR", "final_div_factor", final_div_factor)
        if div_factor == 0 or final_div_factor == 0:
            raise ValueError("OneCycleLR: div_factor and final_div_factor must be > 0")
        self.anneal_strategy, self.three_phase, self.cycle_momentum = anneal_strategy, bool(three_phase), cycle_momentum
        n = self.total_steps
        if three_phase:  # [end step, start lr key, end lr key, start momentum key, end momentum key]
            self.phases = [[float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"],
                           [float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"],
                           [n - 1.0, "initial_lr", "min_lr", "max_momentum", "max_momentum"]]
        else:
            self.phases = [[float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"],
                           [n - 1.0, "max_lr", "min_lr", "base_momentum", "max_momentum"]]
        if cycle_momentum:
            base_ms, max_ms = self._momentum_bounds("OneCycleLR", optimizer, base_momentum, max_momentum)
        if last_epoch == -1:  # all arguments checked: only now change the optimizer
            for lr, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                self._start_momentum(optimizer, base_ms, max_ms)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _at(self, group: dict[str, Any], step: int, momentum: bool) -> float:
        start_step = 0.0
        for i, (end_step, start_lr, end_lr, start_m, end_m) in enumerate(self.phases):
            if step <= end_step or i == len(self.phases) - 1:
                pct = (step - start_step) / (end_step - start_step)
                start, end = (start_m, end_m) if momentum else (start_lr, end_lr)
                return self._anneal(group[start], group[end], pct)
            start_step = end_step
        raise AssertionError("unreachable")

    def lr_at(self, epoch: int) -> list[float]:
        if epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {epoch} times; total_steps is {self.total_steps}")
        return [self._at(group, epoch, False) for group in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        lrs = self.lr_at(self.last_epoch)
        if self.cycle_momentum:  # side effect, as in PyTorch: momentum moves against the lr
            for group in self.optimizer.param_groups:
                self._set_momentum(group, self._at(group, self.last_epoch, True))
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` when the metric passed to `step(metric)` stopped improving for
    more than `patience` epochs (PyTorch's rule: improvement is relative or absolute by `threshold`,
    `cooldown` epochs of rest after each reduction, never below `min_lr`, changes under `eps` skipped)."""

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | list[float] = 0.0, eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        check_number("ReduceLROnPlateau", "factor", factor, 0.0, 1.0, high_open=True)
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: {name} must be an integer >= 0, got {value!r}")
        check_number("ReduceLROnPlateau", "threshold", threshold)
        check_number("ReduceLROnPlateau", "eps", eps)
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        for lr in self.min_lrs:
            check_number("ReduceLROnPlateau", "min_lr", lr)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience, self.threshold = mode, factor, int(patience), threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, int(cooldown), eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, current: float) -> bool:
        if self.mode == "min":
            bound = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return current < bound
        bound = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return current > bound

    def step(self, metrics: Any = None, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric (e.g. the validation loss) and reduce the lr on a plateau."""
        if metrics is None:
            raise TypeError("ReduceLROnPlateau.step(metrics): pass the metric to watch, e.g. the validation loss")
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
