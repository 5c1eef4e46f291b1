"""`Tensor`: an `np.ndarray` plus the link (`grad_fn`) to the op that made it.

The class holds data and autograd state only. Every computation is an op in
`autograd_lite.ops`; its methods and operators (`x.exp()`, `x + y`, `x[i] = v`, `x.T`)
are set on the class at the end of this file by `registry.install_methods(Tensor)`,
from each op's declaration (`@register(..., method=True, dunders=("__add__",))`).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

_default_dtype = np.dtype(np.float64)


def set_default_dtype(dtype: Any) -> None:
    """The dtype given to Python numbers and lists (float64 unless changed)."""
    global _default_dtype
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, got {d}")
    _default_dtype = d


def get_default_dtype() -> np.dtype:
    """The dtype Python floats get (float64 unless `set_default_dtype` changed it)."""
    return _default_dtype


def check_dtype(dtype: Any, op: str) -> np.dtype:
    """dtype as an np.dtype, if a tensor may hold it: bool, integer or floating point."""
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from None
    if d.kind not in "biuf":
        raise TypeError(f"{op}: tensors hold bool, integer or floating-point data, not {d}"
                        + (" (complex numbers are not supported)" if d.kind == "c" else ""))
    return d


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    if dtype is not None:
        dtype = check_dtype(dtype, "tensor()")
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data, dtype=dtype, copy=True)
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
            data = [x.data if isinstance(x, Tensor) else x for x in data]
        try:
            arr = np.array(data, dtype=dtype)
        except (ValueError, TypeError):
            raise TypeError(f"tensor(): cannot make a tensor from this {type(data).__name__}: its nested "
                            "sequences are ragged or hold non-numbers") from None
        if dtype is None and arr.dtype.kind == "f":  # Python floats take the default dtype
            arr = arr.astype(_default_dtype)
        elif dtype is None and arr.dtype.kind in "iu":  # Python ints give int64, as in PyTorch
            arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biuf":
        what = "ragged or non-numeric data" if arr.dtype == object else f"dtype {arr.dtype}"
        raise TypeError(f"tensor(): cannot make a tensor of {what}; tensors hold bool, integer or "
                        "floating-point numbers" + (" (complex numbers are not supported)" if arr.dtype.kind == "c"
                                                    else ""))
    return arr


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    `Tensor(data, requires_grad=False, dtype=None, name=None)` copies `data`
    (a number, nested list, ndarray or Tensor). NumPy data keeps its dtype;
    Python numbers get the default dtype (see `set_default_dtype`).
    """

    __slots__ = ("data", "grad_fn", "_requires_grad", "__dict__", "__weakref__")
    # Rarely-set state lives in the class until first assigned: cheaper construction for every op result.
    grad: Tensor | None = None
    name: str | None = None
    _hooks: list[Callable] | None = None
    _v = 0
    _modified_at = -1  # sequence number of the last in-place write: nodes recorded before it refuse to backward

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor has seen (like PyTorch's `_version`)."""
        return self._v

    @_version.setter
    def _version(self, value: int) -> None:
        self._v = value
        self._modified_at = _inplace.note_inplace_write(self.data)

    __array_priority__ = 1000
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        self.data = _to_array(data, dtype)
        self.grad_fn = None
        self._requires_grad = False
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, data: np.ndarray, grad_fn: Any = None) -> Tensor:
        """Wrap an array without copying (the ops' constructor)."""
        t = object.__new__(cls)
        t.data, t.grad_fn, t._requires_grad = data, grad_fn, grad_fn is not None
        return t

    # ----- autograd state -------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded, so that gradients flow to it."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None:
            if flag:
                return
            raise RuntimeError("requires_grad can be changed only on leaf tensors; use detach() on a computed tensor")
        if flag and self.data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require grad, this one is {self.data.dtype} "
                            "(a gradient of an integer or bool tensor is meaningless); "
                            "create it with float data or dtype=np.float64")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` (floating-point leaves only) and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for a tensor not computed by a recorded op (user-made, or made under no_grad)."""
        return self.grad_fn is None

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad."""
        _backprop.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        t = Tensor._make(self.data)
        t.name = self.name
        return t

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            return
        if not getattr(self.grad_fn, "retains_grad", False):
            import weakref
            ref = weakref.ref(self)

            def keep(g: Tensor) -> None:
                t = ref()
                if t is not None:
                    g_saved = g if g.requires_grad else g.detach()
                    t.grad = g_saved if t.grad is None else t.grad + g_saved
            keep.retains_grad = True
            self.grad_fn.retains_grad = True
            self._add_hook(keep)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call hook(grad) when this tensor's gradient is computed; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad")
        return self._add_hook(hook)

    def _add_hook(self, hook: Callable) -> Any:
        if self.grad_fn is None:
            owner, attr = self, "_hooks"
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            owner, attr = self.grad_fn, "hooks"
            hooks = self.grad_fn.__dict__.setdefault("hooks", [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # ----- array facts ----------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The sizes of the dimensions."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the data."""
        return self.data.dtype

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of one dim (PyTorch's `size`)."""
        return self.data.shape if dim is None else self.data.shape[_ops.dims.dim_index(dim, self.ndim, "size")]

    def dim(self) -> int:
        """The number of dimensions (PyTorch's `dim()`)."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data array itself: shared, not copied (writes to either show in the other).

        Refused on a tensor that requires grad, as in PyTorch (use `t.detach().numpy()`);
        `force=True` gives a copy instead."""
        if force:
            return self.data.copy()
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self.data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): a Tensor with {self.data.size} elements cannot be converted to Scalar; only "
                             f"one-element tensors can (shape {self.shape})")
        return self.data.item()

    def tolist(self) -> Any:
        """The data as (nested lists of) Python numbers; a 0-d tensor gives a number."""
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """`np.asarray(t)`: the data itself (no copy unless `copy=True` or another dtype is asked for)."""
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            if copy is False:
                raise ValueError(f"np.asarray(tensor, dtype={dtype}, copy=False): a {self.dtype} tensor needs a copy")
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.data.size} elements is ambiguous")
        return bool(self.data)

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.data)

    __hash__ = object.__hash__

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        d = self.data
        integral = d.dtype.kind != "f" or not d.size or bool(np.all(np.mod(d[np.isfinite(d)], 1) == 0))
        body = np.array2string(d, separator=", ", prefix="tensor(", precision=4, threshold=1000, edgeitems=3,
                               floatmode="maxprec" if integral else "fixed")  # PyTorch: 1.5000, but 1.
        extras = []
        if self.data.dtype not in (_default_dtype, np.dtype(bool), np.dtype(np.int64)):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ----- dtypes and devices (PyTorch's names; the only device is the CPU) -----------
    @property
    def device(self) -> _device.device:
        """Where the data lives: always `device(type='cpu')` (equal to "cpu")."""
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        """False: autograd_lite runs on the CPU only."""
        return False

    def cpu(self) -> Tensor:
        """The tensor itself (it is on the CPU already)."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Raises: there is no GPU here (`al.cuda.is_available()` is False)."""
        raise RuntimeError("cuda(): no CUDA device: autograd_lite runs on the CPU only (use .to(device) with "
                           "device = 'cuda' if al.cuda.is_available() else 'cpu')")

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's `to`: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` (other's dtype),
        keywords `device=`, `dtype=`, `non_blocking=`, `copy=`. The tensor itself when nothing changes
        (unless copy=True); a dtype change is differentiable (the gradient is cast back to this dtype).
        A device other than the CPU is a one-line error."""
        dtype, copy = _device.parse_to("to()", args, kwargs)
        out = self if dtype is None else _ops.elementwise.astype(self, check_dtype(dtype, "to()"))
        return out.clone() if copy and out is self else out

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """With no argument, the type's name as PyTorch spells it ('torch.FloatTensor', 'torch.LongTensor', ...,
        the same strings so code comparing them runs unchanged); with a dtype (or such a name), `to(dtype)`."""
        if dtype is None:
            return "torch." + _TYPE_NAMES.get(self.data.dtype, f"{self.data.dtype}Tensor")
        if isinstance(dtype, _TensorType):
            dtype = dtype.dtype
        elif isinstance(dtype, str):
            name = dtype.rpartition(".")[2]
            found = [d for d, n in _TYPE_NAMES.items() if n == name]
            if not found:
                raise TypeError(f"type(): invalid type {dtype!r}; expected a dtype or one of "
                                f"{', '.join('torch.' + n for n in _TYPE_NAMES.values())}")
            dtype = found[0]
        return self.to(dtype)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point one (float16, float32, float64)."""
        return self.data.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self.data.itemsize

    # ----- new tensors like this one (PyTorch's new_*: this tensor's dtype unless given) ----------
    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """A copy of data as a tensor of this tensor's dtype (unless `dtype` is given)."""
        _device.check_device(device, "new_tensor()")
        return Tensor(data, requires_grad=requires_grad, dtype=self.dtype if dtype is None else dtype)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of the given size, in this tensor's dtype (unless `dtype` is given)."""
        return _creation.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of the given size, in this tensor's dtype (unless `dtype` is given)."""
        return _creation.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """A tensor of the given size (zero-filled here), in this tensor's dtype (unless `dtype` is given)."""
        return _creation.empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: float, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """fill_value in the given size, in this tensor's dtype (unless `dtype` is given)."""
        return _creation.full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


class _HookHandle:
    def __init__(self, hooks: list, hook: Callable) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


_TYPE_NAMES = {np.dtype(d): n for d, n in (
    (np.float32, "FloatTensor"), (np.float64, "DoubleTensor"), (np.float16, "HalfTensor"), (np.int64, "LongTensor"),
    (np.int32, "IntTensor"), (np.int16, "ShortTensor"), (np.int8, "CharTensor"), (np.uint8, "ByteTensor"),
    (np.bool_, "BoolTensor"))}


class _TensorType(type):
    """The metaclass of the legacy type names: `isinstance(t, al.FloatTensor)` is a dtype test, as in PyTorch."""
    dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.data.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'al.{cls.__name__}'>"


def _legacy_new(cls: _TensorType, *args: Any) -> Tensor:
    """`FloatTensor([1, 2])` copies the data; `FloatTensor(2, 3)` is a tensor of that size (zero-filled here)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return Tensor(args[0], dtype=cls.dtype)
    return _creation.zeros(*args, dtype=cls.dtype)


# PyTorch's legacy type names (`dtype = al.FloatTensor; x.type(dtype)`, `al.LongTensor([1, 2])`): each is a
# dtype (np.dtype(al.FloatTensor) is float32) and a constructor; `t.type()` returns their PyTorch spelling.
TENSOR_TYPES = {name: _TensorType(name, (), {"dtype": d, "__new__": _legacy_new, "__module__": "autograd_lite",
                                             "__doc__": f"The {d} tensor type: `{name}(data)` or `{name}(*size)`."})
                for d, name in _TYPE_NAMES.items()}


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None, *,
           device: Any = None) -> Tensor:
    """Make a tensor (a copy of `data`); see `Tensor`. `device` may be None, "cpu" or al.device("cpu")."""
    _device.check_device(device, "tensor()")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def is_tensor(obj: Any) -> bool:
    """Whether obj is a Tensor."""
    return isinstance(obj, Tensor)


from . import device as _device  # noqa: E402
from . import backprop as _backprop, inplace as _inplace  # noqa: E402  (backward runs there; in-place writes tick its clock)
from . import ops as _ops  # noqa: E402  (ops need Tensor; Tensor's methods are ops)
from .ops import inplace as _inplace_ops, registry as _registry  # noqa: E402,F401  (in-place forms: exp_, copy_, ...)

# Every method and operator not defined above (exp, sum, reshape, __add__, __getitem__, __setitem__,
# T, ...) is an op declared in autograd_lite/ops/ with method=, dunders= or prop=; set here as plain
# functions on the class, so a method call costs one attribute lookup, as for a method defined above.
_registry.install_methods(Tensor)

from . import creation as _creation  # noqa: E402  (the new_* methods build through it)
