"""`Optimizer`: parameter groups, per-parameter state, zero_grad and state_dict.

Subclasses implement `_update(p, grad, state, group)` with NumPy arrays; the base
class loops over groups and parameters, skips those without a gradient, and
writes the new values into `p.data` in place (an optimizer step is never recorded).
"""
from __future__ import annotations

import copy
import math
import numbers
from typing import Any, Iterable

import numpy as np

from .. import inplace
from ..tensor import Tensor


class _Required:
    """Marks a hyperparameter with no default (SGD's lr); shown as such in help() and signatures."""

    def __repr__(self) -> str:
        return "<required parameter>"


_required = _Required()

_INF = math.inf
# what learning-rate schedulers add to parameter groups (allowed in a loaded state dict)
_SCHEDULER_KEYS = frozenset({"initial_lr", "max_lr", "min_lr", "base_momentum", "max_momentum"})


def check_number(owner: str, name: str, value: Any, low: float = 0.0, high: float = _INF,
                 high_open: bool = False) -> None:
    """Refuse a hyper-parameter that is not a finite real number in [low, high] ([low, high) if high_open)."""
    if type(value) is float and -_INF < value < _INF and low <= value <= high and not (high_open and value == high):
        return  # the common case, checked before the (slower) abstract-class test: it runs every step
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value) or value < low or value > high or (high_open and value == high):
        bound = "]" if not high_open else ")"
        upper = "inf" if high == _INF else f"{high:g}"
        raise ValueError(f"{owner}: invalid {name} {value!r} (must be in [{low:g}, {upper}{bound})")


def _updatable(p: Tensor, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p's array, made writeable if it was not (a copy, which becomes p.data), and grad in its dtype."""
    data = p.data
    if not data.flags.writeable:
        p.data = data = data.copy()
    if grad.dtype is not data.dtype and grad.dtype != data.dtype:  # (`is` first: the usual case, cheaper)
        grad = grad.astype(data.dtype)
    return data, grad


class Optimizer:
    """Base class. `params` is an iterable of tensors or of dicts {"params": [...], "lr": ...} (groups).

    Every hyper-parameter is checked when a group is added, before a step and before a
    state dict is loaded: a NaN, negative or mistyped value is a one-line error, never NaN weights.
    `param_groups` is a plain list of dicts, editable as in PyTorch (e.g. `group["lr"] = 0.01`).
    """

    # name -> (low, high, high_open): the allowed range of each numeric hyper-parameter
    _ranges: dict[str, tuple[float, float, bool]] = {"lr": (0.0, _INF, False), "weight_decay": (0.0, _INF, False)}
    # the per-parameter state entries this optimizer writes (a loaded state must use only these)
    _state_keys: frozenset[str] = frozenset()

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add {"params": tensors, option: value, ...}; options not given take the defaults, as in PyTorch."""
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        name = type(self).__name__
        if not group["params"]:
            raise ValueError(f"{name}: a parameter group has an empty parameter list")
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameters must be Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name} can only optimize leaf tensors (shape {p.shape} is computed)")
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError(f"{name}: a parameter group lists the same parameter twice "
                             "(it would be updated twice per step)")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        for key, default in self.defaults.items():
            if default is _required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {key!r}")
            group.setdefault(key, default)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise TypeError/ValueError for an invalid hyper-parameter of this group (names it and the value)."""
        owner = type(self).__name__
        for key, (low, high, high_open) in self._ranges.items():
            value = group.get(key, _required)
            if value is not _required:
                check_number(owner, key, value, low, high, high_open)
        if "betas" in group:
            betas = group["betas"]
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
            for i, beta in enumerate(betas):
                check_number(owner, f"beta parameter at index {i}", beta, 0.0, 1.0, high_open=True)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear gradients: set them to None (the default, like PyTorch) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.grad = None if set_to_none else Tensor._make(np.zeros_like(p.data))

    def step(self, closure: Any = None) -> Any:
        """One update of every parameter that has a gradient; closure() (re)computes the loss if given."""
        loss = closure() if closure is not None else None
        todo = []  # (group, [(parameter, its gradient's array), ...])
        for group in self.param_groups:  # every group and gradient is checked first, so a failed step changes nothing
            self._check_group(group)  # (param_groups may have been edited since)
            pairs = []
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    grad = grad.data
                    if grad.shape != p.data.shape:
                        raise RuntimeError(f"{type(self).__name__}: gradient shape {grad.shape} differs from the "
                                           f"parameter's {p.shape}")
                    pairs.append((p, grad))
            todo.append((group, pairs))
        done: list[Tensor] = []  # updated so far: marked written even if a later update raises
        try:
            for group, pairs in todo:
                self._update_group(group, pairs, done)
        finally:
            if done:  # every parameter's `_version += 1`, under one lock and one in-place tick
                inplace.note_inplace_writes(done)
        return loss

    def _update_group(self, group: dict[str, Any], pairs: list[tuple[Tensor, np.ndarray]], done: list[Tensor]) -> None:
        """Update each parameter of `group` from its gradient's array (`pairs`) by `_update`, appending each to
        `done` once it is updated. A subclass may take a faster way for the whole group (SGD without momentum)."""
        state, update = self.state, self._update
        for p, grad in pairs:
            data, grad = _updatable(p, grad)
            param_state = state.get(p)
            if param_state is None:
                param_state = state[p] = {}
            update(data, grad, param_state, group)
            done.append(p)

    def _update(self, p: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError

    # ----- saving and restoring -------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A snapshot (copies): {"state": {index: {...}}, "param_groups": [{hyperparameters, "params": [index]}]}.

        Parameters are numbered across groups in order, as in PyTorch.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from `state_dict()` (also after al.save/al.load).

        Everything is checked before anything changes: the number of groups and parameters,
        the state's shapes, every hyper-parameter's value, and that the state comes from this
        kind of optimizer (its hyper-parameter names and state entries); otherwise ValueError.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups', "
                             f"got {type(state_dict).__name__}")
        groups = state_dict["param_groups"]
        if not isinstance(groups, (list, tuple)) or not all(isinstance(g, dict) and "params" in g for g in groups):
            raise ValueError(f"{name}.load_state_dict: 'param_groups' must be a list of dicts with 'params'")
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        params = [p for g in self.param_groups for p in g["params"]]
        new_groups = []
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"parameter group {i}: the loaded state has {len(saved['params'])} parameters, "
                                 f"the optimizer has {len(own['params'])}")
            foreign = sorted(set(saved) - set(self.defaults) - _SCHEDULER_KEYS - {"params"})
            if foreign:  # (a missing hyper-parameter keeps its current value: older checkpoints load)
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has {', '.join(map(str, foreign))}, "
                                 f"which {name} does not have: the state dict comes from another optimizer")
            merged = dict(own)
            for key, value in saved.items():
                if key != "params":
                    value = value.data if isinstance(value, Tensor) else value
                    value = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
                    merged[key] = tuple(value) if isinstance(own.get(key), tuple) else copy.deepcopy(value)
            self._check_group(merged)
            new_groups.append(merged)
        state = state_dict["state"]
        if not isinstance(state, dict):
            raise ValueError(f"{name}.load_state_dict: 'state' must be a dict, got {type(state).__name__}")
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, s in state.items():
            try:
                k = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"{name}.load_state_dict: state key {key!r} is not a parameter index") from None
            if not 0 <= k < len(params):
                raise ValueError(f"loaded optimizer state refers to parameter {k}; the optimizer has {len(params)}")
            if not isinstance(s, dict):
                raise ValueError(f"{name}.load_state_dict: the state of parameter {k} is not a dict")
            foreign = sorted(set(s) - self._state_keys)
            if foreign:
                raise ValueError(f"{name}.load_state_dict: the state of parameter {k} has {', '.join(foreign)}, "
                                 f"which {name} does not keep: the state dict comes from another optimizer")
            p = params[k]
            entry = {}
            for entry_name, value in s.items():
                value = value.data if isinstance(value, Tensor) else value
                if isinstance(value, np.ndarray) and value.ndim > 0:
                    if value.shape != p.shape:
                        raise ValueError(f"optimizer state {entry_name!r} of parameter {k} has shape {value.shape}, "
                                         f"the parameter has {p.shape}")
                    value = value.astype(p.dtype, copy=True)
                elif isinstance(value, np.ndarray):
                    value = value.item()
                entry[entry_name] = copy.deepcopy(value)
            new_state[p] = entry
        for own, merged in zip(self.param_groups, new_groups):  # all checked: only now change anything
            own.update(merged)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
