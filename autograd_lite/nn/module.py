"""`Parameter`, `Module` and the containers `Sequential` and `ModuleList` (more in container.py).

A `Module` registers what is assigned to it: a `Parameter` becomes a parameter,
a `Module` a submodule, and `register_buffer` adds state that is saved but not
trained (batch norm's running mean). Everything else is a plain attribute.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import numpy as np

from ..grad_mode import no_grad
from ..viz.recorder import current_scope, module_scope
from ..tensor import Tensor
from . import _hooks
from ._hooks import RemovableHandle


class Parameter(Tensor):
    """A tensor that is a trainable weight of a module: it requires grad (the graph viewer draws it as one).

    `Parameter(data, requires_grad=True)`; a Tensor's array is shared, not copied (like PyTorch).
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.zeros(0)
        if isinstance(data, Tensor):
            super().__init__(0.0)
            self.data = data.data
        else:
            super().__init__(data)
        if self.data.dtype.kind != "f":
            raise TypeError(f"Parameter: a parameter must hold floating-point data, got {self.data.dtype}")
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and network: subclass, assign layers in `__init__`, define `forward`."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_path", None)
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())  # id -> (hook, with_kwargs)
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; subclasses define it, and `module(x)` calls it (with hooks).

        Its gradient is the engine's: forward is written in Tensor ops, so backward needs no code.
        """
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ----- calling --------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run forward inside `module_scope(path, ClassName)`; a root call names paths and unnamed parameters."""
        if not current_scope():  # the outermost module call: number the tree from here
            self._assign_paths()
        path = self.__dict__.get("_path")
        with module_scope(type(self).__name__ if path is None else path, type(self).__name__):
            if not (self.__dict__.get("_forward_pre_hooks") or self.__dict__.get("_forward_hooks")
                    or self.__dict__.get("_backward_hooks")):
                return self.forward(*args, **kwargs)
            return _hooks.call_with_hooks(self, args, kwargs)

    # ----- hooks ----------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """hook(module, args) before forward; a non-None result replaces args (a tuple, or one value).
        with_kwargs=True: hook(module, args, kwargs) returning None or (args, kwargs)."""
        return _hooks.add(self, "_forward_pre_hooks", (hook, with_kwargs), prepend)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """hook(module, args, output) after forward (with_kwargs: hook(module, args, kwargs, output));
        a non-None result replaces the output."""
        return _hooks.add(self, "_forward_hooks", (hook, with_kwargs), prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_input, grad_output) once the gradients w.r.t. the module's tensor inputs are
        known: tuples with one entry per positional tensor input / per tensor output (None where there
        is no gradient). A non-None result (a tuple like grad_input) replaces the input gradients."""
        return _hooks.add(self, "_backward_hooks", (hook, False), prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Deprecated in PyTorch: here the same as register_full_backward_hook."""
        return self.register_full_backward_hook(hook)

    def _assign_paths(self) -> None:
        for name, module in self.named_modules():
            object.__setattr__(module, "_path", name)
        for name, p in self.named_parameters():
            if p.name is None:
                p.name = name

    # ----- registration ---------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called: "
                                 f"call super().__init__() first in {type(self).__name__}.__init__")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self.__dict__.pop(name, None)
            buffers.pop(name, None)
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} (Tensor or None expected)")
            buffers[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r}")
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only called when normal lookup fails
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` as the parameter `name` (same as assigning it as an attribute); None reserves the name."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """State that is not trained but saved in state_dict (unless persistent=False), e.g. running means."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register `module` as the child `name` (same as assigning it as an attribute); `register_module` is the same.

        The name is a non-empty string without '.'; None reserves it.
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: module name must be a non-empty string without '.', got {name!r}")
        self._modules[name] = module

    register_module = add_module

    # ----- traversal ------------------------------------------------------
    def named_modules(self, prefix: str = "", memo: set | None = None) -> Iterator[tuple[str, Module]]:
        """This module and every submodule, with dotted paths ("" for self, "features.0", ...)."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self) -> Iterator[Module]:
        """This module and every submodule below it, each once, depth first."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct child (not their children)."""
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        """Each direct child module (not their children)."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for path, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{path}.{name}" if path else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, e.g. ("layers.0.weight", ...); a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (of the submodules too unless recurse=False), a shared one once: what optimizers take."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, e.g. ("bn.running_mean", ...): the registered tensors that are not trained."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer (of the submodules too unless recurse=False), e.g. batch norm's running statistics."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self) -> int:
        """Number of trainable scalars."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    # ----- modes and gradients --------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout drops, batch norm uses batch statistics), for this module and all below."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"{type(self).__name__}.train: mode is expected to be a bool, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode, for this module and all below: `train(False)` (dropout is the identity, batch norm uses
        its running statistics). Returns self.
        """
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's `.grad`: set it to None (default) or to zeros of the parameter's shape."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = Tensor._make(np.zeros_like(p.data))

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set `requires_grad` of every parameter (False freezes the module); returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def apply(self, fn: Any) -> Module:
        """fn(module) for every submodule (children first) and then self, like PyTorch; for custom init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)` (its dtype), as in PyTorch: floating
        parameters and buffers are cast in place (their identity is kept); the only device is the CPU."""
        dtype = _hooks.parse_to(type(self).__name__, args, kwargs)
        if dtype is None:
            return self
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f":
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor._make(t.grad.data.astype(dtype))
        return self

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32, in place; returns self."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64, in place; returns self."""
        return self.to(np.float64)

    def cpu(self) -> Module:
        """Returns self: the CPU is the only device."""
        return self

    def type(self, dst_type: Any) -> Module:
        """Cast floating parameters and buffers to `dst_type`, in place (as `to(dst_type)`); returns self."""
        return self.to(dst_type)

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path ("features.0"); "" is self."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})")
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path ("features.0.weight"); AttributeError naming the path if there is none."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r} (looking up {target!r})")
        return module._parameters[name]

    # ----- state ----------------------------------------------------------
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name; values share memory with the model (detached)."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for path, module in self.named_modules(prefix.rstrip(".")):
            dot = f"{path}." if path else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[dot + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copy values into the parameters and buffers, in place.

        Every key and shape is checked before anything is written: with strict=True a
        missing or unexpected key raises; a shape mismatch always raises. The error names
        the keys, and on error the model is unchanged.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and missing:
            problems.append("missing key(s): " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
        arrays = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = value.data if isinstance(value, Tensor) else np.asarray(value)
            if value.shape != target.shape:
                problems.append(f"size mismatch for {key!r}: checkpoint has shape {value.shape}, "
                                f"the model has {target.shape}")
            elif value.dtype.kind not in "fiub":
                problems.append(f"{key!r} holds non-numeric data of dtype {value.dtype}")
            arrays[key] = value
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                               + "\n  ".join(problems) + "\nThe model was left unchanged.")
        with no_grad():
            for key, value in arrays.items():
                target = own[key]
                if not target.data.flags.writeable:
                    target.data = target.data.copy()
                np.copyto(target.data, value, casting="unsafe")
                target._version += 1
        return _IncompatibleKeys(missing, unexpected)

    # ----- printing -------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of the module's repr (its arguments, e.g. `in_features=4, out_features=3`);
        "" here. Subclasses override it.
        """
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: list-like access to the registered submodules."""

    def _from(self, items: list[Module]) -> _ModuleSequence:
        raise NotImplementedError

    def _key(self, index: int) -> str:
        n = len(self._modules)
        if not isinstance(index, (int, np.integer)) or not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index!r} is out of range for {n} modules")
        return list(self._modules)[int(index) % n]

    def _renumber(self, items: list[Module]) -> None:
        self._modules.clear()
        for i, m in enumerate(items):
            self.add_module(str(i), m)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._from(list(self._modules.values())[index])
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: only Modules can be stored, got {type(module).__name__}")
        self.add_module(self._key(index), module)

    def __delitem__(self, index: int | slice) -> None:
        items = list(self._modules.values())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[list(self._modules).index(self._key(index))]
        self._renumber(items)  # indices stay 0..n−1, as in PyTorch

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> Any:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        self._renumber(items)

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module


class Sequential(_ModuleSequence):
    """Modules applied in order: `Sequential(nn.Linear(4, 8), nn.ReLU(), ...)` or from an OrderedDict."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def _from(self, items: list[Module]) -> Sequential:
        return Sequential(*items)

    def forward(self, x: Any) -> Any:
        """x through each module in order: `m_n(...m_2(m_1(x)))`; the shapes are those of the modules in turn."""
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of submodules that are registered (their parameters are found); it has no forward."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _from(self, items: list[Module]) -> ModuleList:
        return ModuleList(items)
