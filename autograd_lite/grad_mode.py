"""Grad mode: whether ops record a graph, per thread (as in PyTorch).

`no_grad`, `enable_grad` and `set_grad_enabled` behave like PyTorch's: context managers
and decorators (`@al.no_grad` also bare; on a generator function the mode holds inside
the generator), and `al.set_grad_enabled(False)` as a plain call. Each thread has its own
mode and every new thread starts with grad enabled, so a `no_grad()` or a `backward()` in
one thread never changes what another records.
"""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable, Generator


class _State(threading.local):
    enabled = True  # the class default is what every new thread sees: grad enabled

    def __init__(self) -> None:  # runs once per thread
        self.outer: list[bool] = []  # the modes to restore when this thread's `with` blocks exit


state = _State()  # `state.enabled`: Function.apply records a node only when it is on (or `everywhere` is True)

# True while no thread has grad mode off: then every thread's `state.enabled` is True, and Function.apply
# reads this module global instead (a threading.local attribute costs ~50 ns per op, a global ~10).
# Kept by set_mode, the only writer of `state.enabled`; a thread that ends with grad mode off leaves it
# False (ops then read their thread's mode, as they would anyway).
everywhere = True
_threads_off = 0  # threads whose grad mode is off
_lock = threading.Lock()


def set_mode(mode: bool) -> bool:
    """Set this thread's grad mode to `mode`; returns the previous one."""
    global everywhere, _threads_off
    prev, mode = state.enabled, bool(mode)
    if prev != mode:
        with _lock:
            _threads_off += -1 if mode else 1
            everywhere = not _threads_off
        state.enabled = mode
    return prev


def is_grad_enabled() -> bool:
    """Whether ops in this thread record a graph."""
    return state.enabled


def _run_generator_in_mode(gen: Generator, mode: bool) -> Generator:
    """Drive `gen` with the grad mode set to `mode` while its code runs, restored at each yield
    (the caller's code between two `next()` calls runs in the caller's mode)."""
    def step(method: Callable, *args: Any) -> Any:
        prev = set_mode(mode)
        try:
            return method(*args)
        finally:
            set_mode(prev)

    try:
        request = step(gen.send, None)
        while True:
            try:
                response = yield request
            except GeneratorExit:
                step(gen.close)
                raise
            except BaseException as e:  # thrown in by the caller: deliver it inside the mode
                request = step(gen.throw, e)
            else:
                request = step(gen.send, response)
    except StopIteration as stop:
        return stop.value


class _GradMode:
    """Sets grad mode inside a `with` block (or a decorated function), restoring it on exit."""

    mode: bool

    def __enter__(self) -> None:
        # the previous mode goes on this thread's stack, not on self: one instance may be entered by many threads
        state.outer.append(set_mode(self.mode))

    def __exit__(self, *exc: Any) -> None:
        set_mode(state.outer.pop())

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator_wrapper(*args: Any, **kwargs: Any) -> Any:
                return (yield from _run_generator_in_mode(fn(*args, **kwargs), mode))
            return generator_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = set_mode(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                set_mode(prev)
        return wrapper


class set_grad_enabled(_GradMode):
    """`al.set_grad_enabled(False)` switches recording off at once (in this thread); as a context
    manager or decorator it restores the previous mode afterwards (like torch.set_grad_enabled)."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev_at_call = set_mode(self.mode)

    def __enter__(self) -> None:
        state.outer.append(self.prev_at_call)

    def __call__(self, fn: Callable) -> Callable:
        set_mode(self.prev_at_call)  # as a decorator it changes nothing until called
        return super().__call__(fn)


class no_grad(_GradMode):
    """Nothing computed inside is recorded: no graph, no saved arrays. `@al.no_grad` works bare too."""

    mode = False

    def __new__(cls, fn: Callable | None = None) -> Any:
        return cls.__call__(super().__new__(cls), fn) if callable(fn) else super().__new__(cls)


class enable_grad(no_grad):
    """Recording on inside (e.g. within a `no_grad` block); `@al.enable_grad` works bare too."""

    mode = True
