"""Module hooks (forward pre-hooks, forward hooks, full backward hooks) and `Module.to`'s arguments.

Full backward hooks follow PyTorch's design: the module's tensor inputs and outputs pass
through identity Functions. The outputs' node runs first in backward and records
grad_output; the inputs' node then has grad_input, calls the hooks, and passes on
what they return. When no input needs a gradient, the hooks run at the outputs' node
with grad_input all None.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor

_ids = itertools.count()


class RemovableHandle:
    """Returned by the register_*_hook methods: `handle.remove()` unregisters the hook (also as `with handle:`)."""

    def __init__(self, registry: OrderedDict, key: int) -> None:
        self.registry, self.id = registry, key

    def remove(self) -> None:
        self.registry.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def add(module: Any, registry_name: str, entry: tuple, prepend: bool) -> RemovableHandle:
    if not callable(entry[0]):
        raise TypeError(f"{type(module).__name__}: a hook must be callable, got {type(entry[0]).__name__}")
    registry = module.__dict__[registry_name]
    key = next(_ids)
    registry[key] = entry
    if prepend:
        registry.move_to_end(key, last=False)
    return RemovableHandle(registry, key)


class _HookState:
    """What the two identity nodes of one module call share."""

    def __init__(self, module: Any, n_inputs: int) -> None:
        self.module, self.n_inputs = module, n_inputs
        self.grad_output: tuple[Tensor | None, ...] = ()

    def run(self, grad_input: tuple[Tensor | None, ...]) -> tuple[Tensor | None, ...]:
        for hook, _ in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_input):
                raise RuntimeError(f"backward hook of {type(self.module).__name__} returned {len(result)} "
                                   f"gradients; expected {len(grad_input)} (one per tensor input)")
            for i, (new, old) in enumerate(zip(result, grad_input)):
                if new is not None and old is not None and new.shape != old.shape:
                    raise RuntimeError(f"backward hook of {type(self.module).__name__} returned a gradient of "
                                       f"shape {new.shape} for input {i} of shape {old.shape}")
            grad_input = result
        return grad_input


class _Identity(Function):
    """Passes the module's tensors through unchanged; the subclasses' backward does the hook work."""

    @staticmethod
    def forward(ctx: Any, state: _HookState, *tensors: Tensor) -> Any:
        ctx.state = state
        return tensors if len(tensors) > 1 else tensors[0]


class BackwardHookOutputs(_Identity):
    """On the module's outputs: its backward records grad_output."""

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> Any:
        ctx.state.grad_output = grads
        if ctx.state.n_inputs == 0:  # no input needs a gradient: the hooks run here, with grad_input None
            ctx.state.run((None,) * ctx.state.n_all_inputs)
        return (None,) + grads


class BackwardHookInputs(_Identity):
    """On the module's inputs that need gradients: its backward calls the hooks."""

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> Any:
        return (None,) + tuple(ctx.state.run(grads))


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """module.forward(*args, **kwargs) with its pre-hooks, forward hooks and backward hooks."""
    for hook, with_kwargs in list(module._forward_pre_hooks.values()):
        if with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    state = None
    if module._backward_hooks:
        slots = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        state = _HookState(module, len(slots))
        state.n_all_inputs = sum(isinstance(a, Tensor) for a in args)
        if slots:
            wrapped = BackwardHookInputs.apply(state, *[args[i] for i in slots])
            wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
            args = list(args)
            for i, w in zip(slots, wrapped):
                args[i] = w
            args = tuple(args)
    output = module.forward(*args, **kwargs)
    for hook, with_kwargs in list(module._forward_hooks.values()):
        result = hook(module, args, kwargs, output) if with_kwargs else hook(module, args, output)
        if result is not None:
            output = result
    if state is not None:
        output = _wrap_outputs(state, output)
    return output


def _wrap_outputs(state: _HookState, output: Any) -> Any:
    single = isinstance(output, Tensor)
    items = (output,) if single else tuple(output) if isinstance(output, (tuple, list)) else ()
    slots = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
    if not slots:
        return output
    wrapped = BackwardHookOutputs.apply(state, *[items[i] for i in slots])
    wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
    items = list(items)
    for i, w in zip(slots, wrapped):
        items[i] = w
    return items[0] if single else type(output)(items)


def parse_to(owner: str, args: tuple, kwargs: dict) -> np.dtype | None:
    """The dtype from Module.to's arguments (None: no dtype given); a device other than the CPU raises."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"{owner}.to: unexpected keyword argument(s) {', '.join(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, str) or type(a).__name__ == "device":
            device = a
        elif a is not None:
            dtype = a
    if device is not None:
        kind = str(getattr(device, "type", device)).split(":")[0]
        if kind != "cpu":
            raise RuntimeError(f"{owner}.to: device {str(device)!r} is not available; autograd_lite runs on the "
                               "CPU only (use 'cpu')")
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}.to: cannot interpret {dtype!r} as a dtype or device") from None
    if dtype.kind != "f":
        raise TypeError(f"{owner}.to: nn.Module.to only accepts floating point dtypes, but got desired dtype="
                        f"{dtype}")
    return dtype
