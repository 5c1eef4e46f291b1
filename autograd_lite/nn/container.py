"""Containers that register what they hold: `ModuleDict`, `ParameterList`, `ParameterDict`
(`Sequential` and `ModuleList` live in module.py). Like PyTorch's, they have no forward."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module, Parameter


def _pairs(owner: str, values: Any) -> Iterable[tuple[Any, Any]]:
    """Key-value pairs from a mapping or an iterable of pairs (PyTorch's update() rule)."""
    if isinstance(values, Mapping):
        return list(values.items())
    pairs = []
    for i, item in enumerate(values):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"{owner}.update: element #{i} should be a (key, value) pair, got {item!r}")
        pairs.append(tuple(item))
    return pairs


class _RegistryDict(Module):
    """Dict access to one of the module's registries (`_modules` or `_parameters`)."""

    registry = "_modules"

    def _items(self) -> dict[str, Any]:
        return self.__dict__[self.registry]

    def __getitem__(self, key: str) -> Any:
        return self._items()[key]

    def __delitem__(self, key: str) -> None:
        del self._items()[key]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items()))

    def __contains__(self, key: object) -> bool:
        return key in self._items()

    def keys(self) -> Iterable[str]:
        return self._items().keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._items().items()

    def values(self) -> Iterable[Any]:
        return self._items().values()

    def get(self, key: str, default: Any = None) -> Any:
        return self._items().get(key, default)

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._items().clear()

    def update(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        for key, value in _pairs(type(self).__name__, values):
            self[key] = value


class ModuleDict(_RegistryDict):
    """An ordered dict of submodules: `ModuleDict({"conv": nn.Conv2d(1, 8, 3), "act": nn.ReLU()})`."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict: {key!r} must be a Module, got {type(module).__name__}")
        self.add_module(key, module)


def _describe(parameters: Mapping[str, Any]) -> str:
    return "\n".join(f"  ({k}): Parameter containing: [{p.dtype} of size {p.shape}]"
                     for k, p in parameters.items() if p is not None)


def _as_parameter(value: Any) -> Any:
    """A plain Tensor becomes a Parameter sharing its data (PyTorch's ParameterList rule); None stays None."""
    if value is None or isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"a parameter container holds Parameters or Tensors, got {type(value).__name__}")


class ParameterList(Module):
    """A list of registered parameters (named "0", "1", ...); Tensors are turned into Parameters."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _index(self, index: int) -> str:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ParameterList: index {index} is out of range for {n} parameters")
        return str(index % n)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return self._parameters[self._index(index)]

    def __setitem__(self, index: int, value: Any) -> None:
        self.register_parameter(self._index(index), _as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._parameters.values()))

    def append(self, value: Any) -> ParameterList:
        """Add value (a Parameter, or a Tensor made into one) as the next index; returns self."""
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of values in order; returns self."""
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        """One line per parameter in the repr: its name, shape and dtype."""
        return _describe(self._parameters)


class ParameterDict(_RegistryDict):
    """An ordered dict of registered parameters; Tensors are turned into Parameters."""

    registry = "_parameters"

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ParameterDict: a key must be a non-empty string without '.', got {key!r}")
        self.register_parameter(key, _as_parameter(value))

    def extra_repr(self) -> str:
        """One line per parameter in the repr: its name, shape and dtype."""
        return _describe(self._parameters)
