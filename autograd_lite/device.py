"""Devices: autograd_lite computes on the CPU only, with PyTorch's device vocabulary.

`al.device("cpu")`, `device=` on creation and random functions, `.to("cpu")`, `.cpu()` and
`.device` exist so that tutorial code which picks a device runs unchanged:

    device = "cuda" if al.cuda.is_available() else "cpu"   # "cpu" here
    model.to(device); x = x.to(device)

Asking for another device ("cuda", "mps") is a one-line error. `al.backends` holds the
flags tutorials set (`al.backends.cudnn.deterministic = True`): accepted, without effect.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

KNOWN = ("cpu", "cuda", "mps", "xpu", "meta")  # device types PyTorch programs name


class device:
    """A device, as `torch.device`: `device("cpu")`, `device("cuda:0")`, `device("cuda", 0)`.

    Only the CPU computes here; other devices can be named (so `device("cuda")` can be
    compared and printed) but tensors cannot be put on them. Equal to its string ("cpu").
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:  # noqa: A002  (PyTorch's name)
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {type!r}")
        kind, _, number = type.partition(":")
        if kind not in KNOWN:
            raise RuntimeError(f"device(): expected one of {', '.join(KNOWN)} device type at start of device "
                               f"string: {type!r}")
        if number:
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"device(): invalid device string {type!r}")
            index = int(number)
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device(): the device index must be a non-negative integer, got {index!r}")
        self.type, self.index = kind, index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type={self.type!r})" if self.index is None else f"device(type={self.type!r}, index={self.index})"


CPU = device("cpu")


def check_device(dev: Any, op: str) -> device:
    """The device `dev` names (None, "cpu", "cpu:0", al.device("cpu")), if it is the CPU; else a one-line error."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev) if isinstance(dev, str) else None
    if d is None:
        raise TypeError(f"{op}: device must be a string like 'cpu' or an al.device, got {type(dev).__name__}")
    if d.type != "cpu":
        raise RuntimeError(f"{op}: device {str(d)!r} is not available: autograd_lite runs on the CPU only "
                           "(pick the device with `'cuda' if al.cuda.is_available() else 'cpu'`)")
    return CPU


# `torch.backends.*` flags that seeding helpers set; nothing here reads them.
backends = SimpleNamespace(
    mps=SimpleNamespace(is_available=lambda: False, is_built=lambda: False),
    cudnn=SimpleNamespace(deterministic=False, benchmark=False, enabled=False, is_available=lambda: False),
)


def parse_to(owner: str, args: tuple, kwargs: dict) -> tuple[Any, bool]:
    """(dtype or None, copy) from `to`'s forms: to(dtype), to(device, dtype), to(other_tensor),
    keywords device=, dtype=, non_blocking=, copy=; a device other than the CPU raises."""
    kwargs = dict(kwargs)
    dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{owner}: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
    flags = []
    for a in args:
        if hasattr(a, "grad_fn") and hasattr(a, "dtype"):  # another tensor: its dtype (and device)
            dtype = a.dtype
        elif isinstance(a, (str, device)):
            dev = a
        elif isinstance(a, bool):  # positional non_blocking, copy
            flags.append(a)
        elif a is not None:
            dtype = a
    if len(flags) > 1:
        copy = flags[1]
    check_device(dev, owner)
    return dtype, copy
