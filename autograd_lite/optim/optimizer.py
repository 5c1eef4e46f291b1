"""`Optimizer`: parameter groups, per-parameter state, zero_grad and state_dict.

Subclasses implement `_update(p, grad, state, group)` with NumPy arrays; the base
class loops over groups and parameters, skips those without a gradient, and
writes the new values into `p.data` in place (an optimizer step is never recorded).
"""
from __future__ import annotations

import copy
from typing import Any, Iterable

import numpy as np

from ..tensor import Tensor


class _Required:
    """Marks a hyperparameter with no default (SGD's lr); shown as such in help() and signatures."""

    def __repr__(self) -> str:
        return "<required parameter>"


_required = _Required()


class Optimizer:
    """Base class. `params` is an iterable of tensors or of dicts {"params": [...], "lr": ...} (groups)."""

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
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameters must be Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__} can only optimize leaf tensors (shape {p.shape} is computed)")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        for name, default in self.defaults.items():
            if default is _required and name not in group:
                raise ValueError(f"{type(self).__name__}: parameter group didn't specify a value of required "
                                 f"optimization parameter {name!r}")
            group.setdefault(name, default)
        self.param_groups.append(group)

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
        todo = [(p, group) for group in self.param_groups for p in group["params"] if p.grad is not None]
        for p, _ in todo:  # every gradient is checked first, so a failed step changes nothing
            if p.grad.data.shape != p.data.shape:
                raise RuntimeError(f"{type(self).__name__}: gradient shape {p.grad.shape} differs from the "
                                   f"parameter's {p.shape}")
        state = self.state
        for p, group in todo:
            data, grad = p.data, p.grad.data
            if not data.flags.writeable:
                p.data = data = data.copy()
            if grad.dtype != data.dtype:
                grad = grad.astype(data.dtype)
            self._update(data, grad, state[p] if p in state else state.setdefault(p, {}), group)
            p._version += 1
        return loss

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
        """Restore from `state_dict()` (also after al.save/al.load); checks sizes before changing anything."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        params = [p for g in self.param_groups for p in g["params"]]
        for i, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"parameter group {i}: the loaded state has {len(saved['params'])} parameters, "
                                 f"the optimizer has {len(own['params'])}")
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, s in state_dict["state"].items():
            k = int(key)
            if not 0 <= k < len(params):
                raise ValueError(f"loaded optimizer state refers to parameter {k}; the optimizer has {len(params)}")
            p = params[k]
            entry = {}
            for name, value in s.items():
                value = value.data if isinstance(value, Tensor) else value
                if isinstance(value, np.ndarray) and value.ndim > 0:
                    if value.shape != p.shape:
                        raise ValueError(f"optimizer state {name!r} of parameter {k} has shape {value.shape}, "
                                         f"the parameter has {p.shape}")
                    value = value.astype(p.dtype, copy=True)
                elif isinstance(value, np.ndarray):
                    value = value.item()
                entry[name] = copy.deepcopy(value)
            new_state[p] = entry
        for saved, own in zip(groups, self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    value = value.data if isinstance(value, Tensor) else value
                    value = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
                    own[name] = tuple(value) if isinstance(own.get(name), tuple) else copy.deepcopy(value)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
