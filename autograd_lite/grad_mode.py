"""Grad mode (whether ops record a graph) and module scope (which nn.Module an op runs in).

`no_grad`, `enable_grad` and `set_grad_enabled` behave like PyTorch's: context managers
and decorators (`@al.no_grad` also bare), and `al.set_grad_enabled(False)` as a plain call.
"""
from __future__ import annotations

from typing import Any, Callable

enabled = True  # read by every op: Function.apply records a node only when this is on
scope: tuple[tuple[str, str], ...] = ()  # the nn.Module calls we are inside: ((path, class name), ...)


def is_grad_enabled() -> bool:
    return enabled


class _GradMode:
    """Sets grad mode inside a `with` block (or a decorated function), restoring it on exit."""

    mode: bool

    def __enter__(self) -> None:
        global enabled
        self.prev, enabled = enabled, self.mode

    def __exit__(self, *exc: Any) -> None:
        global enabled
        enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            global enabled
            prev, enabled = enabled, mode
            try:
                return fn(*args, **kwargs)
            finally:
                enabled = prev
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class set_grad_enabled(_GradMode):
    """`al.set_grad_enabled(False)` switches recording off at once; as a context manager or
    decorator it restores the previous mode afterwards (like torch.set_grad_enabled)."""

    def __init__(self, mode: bool) -> None:
        global enabled
        self.mode = bool(mode)
        self.prev_at_call, enabled = enabled, self.mode

    def __enter__(self) -> None:
        self.prev = self.prev_at_call

    def __call__(self, fn: Callable) -> Callable:
        global enabled
        enabled = self.prev_at_call  # as a decorator it changes nothing until called
        return super().__call__(fn)


class no_grad(_GradMode):
    """Nothing computed inside is recorded: no graph, no saved arrays. `@al.no_grad` works bare too."""

    mode = False

    def __new__(cls, fn: Callable | None = None) -> Any:
        return cls.__call__(super().__new__(cls), fn) if callable(fn) else super().__new__(cls)


class enable_grad(no_grad):
    mode = True


class module_scope:
    """Marks ops recorded inside as belonging to a module (path, class); the graph viewer clusters them."""

    def __init__(self, path: str, class_name: str) -> None:
        self.entry = (path, class_name)

    def __enter__(self) -> None:
        global scope
        self.prev, scope = scope, scope + (self.entry,)

    def __exit__(self, *exc: Any) -> None:
        global scope
        scope = self.prev


def current_scope() -> tuple[tuple[str, str], ...]:
    return scope
