"""The op registry: every public op is declared once, directly under its Function class.

    class Exp(Function):
        ...

    @register(Exp, method=True)
    def exp(a: Tensor) -> Tensor:
        return Exp().apply(a)

`register` records the forms an op takes — `al.<name>`, the Tensor method, `F.<name>`
(`nn.functional`), `al.linalg.<name>`, an in-place `name_` method, operator dunders, an
`nn` Module class — and returns the function unchanged. From these records:

- `install_methods(Tensor)` (called at the end of tensor.py) sets every method, operator
  and property on the class as a plain function: a method call costs what it always did;
- `namespace("al" | "F" | "linalg")` gives the names (and `__all__`) of `autograd_lite`,
  `nn.functional` and `al.linalg`;
- `module_classes(Module)` builds the parameter-free `nn` layers (`nn.Softplus`, ...).

Ops composed of other ops are plain functions registered the same way (no Function).
"""
from __future__ import annotations

import builtins
import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..grad_mode import is_grad_enabled

NAMESPACES = ("al", "F", "linalg")


@dataclass
class Op:
    """One registered op: the function and where it is exposed."""
    name: str  # the public name (in each namespace and as the method, unless `method` says otherwise)
    fn: Callable[..., Any]
    function: type | None = None  # the Function subclass it applies (None for composed ops)
    namespaces: tuple[str, ...] = ("al",)
    method: str | None = None  # Tensor method name
    aliases: tuple[str, ...] = ()  # further names, in the same namespaces and as methods
    dunders: tuple[str, ...] = ()  # operators: __add__ is fn(self, other)
    rdunders: tuple[str, ...] = ()  # reflected operators: __radd__ is fn(other, self)
    inplace: str | None = None  # the in-place method name (add_), where PyTorch has one
    idunders: tuple[str, ...] = ()  # in-place operators (__iadd__)
    ufunc: np.ufunc | None = None  # the in-place form's no-grad fast path (out= the tensor's array)
    prop: str | None = None  # exposed as a read-only Tensor property instead of a method
    module: tuple[str, ...] = ()  # nn layer class name(s): a Module calling fn with its constructor args
    layer_inplace: Callable[..., Any] | None = None  # the in-place form its layer calls with inplace=True


OPS: dict[str, Op] = {}  # by key: the public name, or "Tensor.<method>" for method-only ops


def register(function: type | None = None, name: str | None = None, *, al: bool = True, F: bool = False,
             linalg: bool = False, method: bool | str = False, aliases: tuple[str, ...] = (),
             dunders: tuple[str, ...] = (), rdunders: tuple[str, ...] = (), inplace: bool | str = False,
             idunders: tuple[str, ...] = (), ufunc: np.ufunc | None = None, prop: str | None = None,
             module: str | tuple[str, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a public op (decorator); returns the function unchanged.

    function: the Function subclass the op applies (its `expr` and `grad_exprs` become
    the docstring's gradient line when the function has no docstring).
    name: the public name (default: the function's name).
    al / F / linalg: expose as `al.<name>`, `nn.functional.<name>`, `al.linalg.<name>`.
    method: a Tensor method of the same name (True) or of the given name.
    inplace: an in-place method `<name>_` (True) or of the given name: computes the op and writes
    the result into the tensor (PyTorch's rules for leaves that require grad).
    dunders / rdunders / idunders: operators, reflected operators, in-place operators.
    module: an `nn` layer class name (or names: the first is the class, the rest aliases).
    """
    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        public = name or fn.__name__
        spaces = tuple(s for s, on in (("al", al), ("F", F), ("linalg", linalg)) if on)
        meth = public if method is True else (method or None)
        key = public if spaces else f"Tensor.{meth or prop or dunders[0]}"
        if key in OPS:
            raise ValueError(f"register: op {key!r} is declared twice")
        inplace_name = f"{public}_" if inplace is True else (inplace or None)
        OPS[key] = Op(public, fn, function, spaces, meth, tuple(aliases), tuple(dunders), tuple(rdunders),
                      inplace_name, tuple(idunders), ufunc, prop,
                      (module,) if isinstance(module, str) else tuple(module))
        if fn.__doc__ is None and function is not None and getattr(function, "expr", None):
            fn.__doc__ = _formula_doc(function)
        return fn
    return declare


def _formula_doc(function: type) -> str:
    """The docstring an op without one gets from its Function's formula strings (inputs a, b, ...)."""
    expr = function.expr if isinstance(function.expr, str) else function.__name__.lower()
    grads = function.grad_exprs if isinstance(function.grad_exprs, tuple) else ()
    rule = "; ".join(f"∂L/∂{'abcdefgh'[i]} = {g}" for i, g in enumerate(grads))
    return f"{expr}.\n\nGradient, with G = ∂L/∂output: {rule}." if rule else f"{expr}."


def register_inplace(fn: Callable[..., Any], name: str | None = None, *, layer: bool = False,
                     **forms: Any) -> Callable[..., Any]:
    """Declare `<name>_`, the in-place form of an op declared elsewhere, as an op of its own.

    The form is `fn(t, *args, **kwargs)` written into t (autograd_lite/inplace.py: PyTorch's rules);
    `forms` are register's options (al=, F=, method=, aliases=, dunders=). `layer=True`: the op's
    nn layer takes PyTorch's `inplace=False` argument (`nn.ReLU(inplace=True)` calls the form).
    Returns the form.
    """
    from .. import inplace
    public = name or f"{fn.__name__}_"

    def form(input: Any, *args: Any, **kwargs: Any) -> Any:
        return inplace.write(input, public, fn, *args, **kwargs)
    form.__name__ = form.__qualname__ = public
    form.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]  (the op's own arguments)
    form.__doc__ = (f"{fn.__name__}, in place: input ← {fn.__name__}(input, ...), written into input's memory; "
                    f"returns input.\n\nThe gradient is {fn.__name__}'s, at the old values (an error on a leaf "
                    "that requires grad, outside no_grad).")
    if layer:
        owner = next(op for op in OPS.values() if op.fn is fn and op.module)
        owner.layer_inplace = form
    return register(name=public, **forms)(form)


# ----- what the registry builds ---------------------------------------------------
def namespace(space: str) -> dict[str, Callable[..., Any]]:
    """Every op exposed in `space` ("al", "F" or "linalg"), by public name and alias."""
    if space not in NAMESPACES:
        raise ValueError(f"namespace: unknown namespace {space!r}, expected one of {NAMESPACES}")
    out: dict[str, Callable[..., Any]] = {}
    for op in OPS.values():
        if space in op.namespaces:
            for n in (op.name, *op.aliases):
                out[n] = op.fn
    return out


def _reflected(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reflected(self: Any, other: Any) -> Any:
        return fn(other, self)
    reflected.__name__ = f"r{fn.__name__}"
    reflected.__doc__ = f"{fn.__name__}(other, self): the reflected operator."
    return reflected


def _inplace(fn: Callable[..., Any], name: str, ufunc: np.ufunc | None) -> Callable[..., Any]:
    """`t.<name>(*args, **kwargs)`: fn(t, *args, **kwargs) written into t (see autograd_lite/inplace.py).

    Extra arguments pass through (`masked_fill_(mask, value)`, `index_add_(dim, index, source)`)."""
    from .. import inplace
    from ..tensor import Tensor

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if ufunc is not None and len(args) == 1 and not kwargs and not (
                is_grad_enabled() and (self._requires_grad or getattr(args[0], "_requires_grad", False))):
            return inplace.write_ufunc(self, name, ufunc, args[0])  # nothing recorded: no temporary array
        return inplace.write(self, name, fn, *args, **kwargs)
    method.__name__ = name
    method.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]  (the op's own arguments)
    method.__doc__ = (f"In-place {fn.__name__}: the result is written into this tensor, which is returned "
                      "(an error on a leaf that requires grad, outside no_grad).")
    return method


def install_methods(cls: type) -> None:
    """Set every registered method, operator and property on `cls` (Tensor) as a plain function.

    A name the class defines itself is kept (tensor.py's own methods, e.g. `to` and `type`, which
    parse devices and type names)."""
    own = set(cls.__dict__)

    def setattr(obj: type, name: str, value: Any) -> None:  # noqa: A001  (the builtin, minus own names)
        if name not in own:
            builtins.setattr(obj, name, value)

    for op in OPS.values():
        fn = op.fn
        if op.method:
            for n in (op.method, *(op.aliases if op.namespaces else ())):
                setattr(cls, n, fn)
        for n in op.dunders:
            setattr(cls, n, fn)
        for n in op.rdunders:
            setattr(cls, n, _reflected(fn))
        if op.inplace or op.idunders:
            inplace = _inplace(fn, op.inplace or f"{op.name}_", op.ufunc)
            for n in ((op.inplace,) if op.inplace else ()) + op.idunders:
                setattr(cls, n, inplace)
        if op.prop:
            setattr(cls, op.prop, property(fn, doc=fn.__doc__))


_modules: dict[str, type] = {}  # made once: `nn.ReLU` is one class however often it is asked for


def module_classes(base: type) -> dict[str, type]:
    """The `nn` layer classes declared with `module=`: `Name(*args)` keeps the op's keyword
    arguments (after the input) as attributes and its forward is `op(x, **those)`."""
    for op in OPS.values():
        if op.module and op.module[0] not in _modules:
            cls = _module_class(op, base)
            for n in op.module:
                _modules[n] = cls
    return dict(_modules)


def _module_class(op: Op, base: type) -> type:
    params = list(inspect.signature(op.fn).parameters.values())[1:]  # after the input
    names = [p.name for p in params]
    form = op.layer_inplace
    if form is not None:  # PyTorch's `inplace=False`, last: forward then writes the result into its input
        params.append(inspect.Parameter("inplace", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=False,
                                        annotation="bool"))
    signature = inspect.Signature([p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params])
    fn = op.fn

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        base.__init__(self)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{type(self).__name__}: {e}") from None
        bound.apply_defaults()
        for k, v in bound.arguments.items():
            setattr(self, k, v)

    def forward(self: Any, input: Any) -> Any:
        if form is not None and self.inplace:
            return form(input, **{k: getattr(self, k) for k in names})
        return fn(input, **{k: getattr(self, k) for k in names})

    def extra_repr(self: Any) -> str:
        shown = [f"{k}={getattr(self, k)!r}" for k in names]
        return ", ".join(shown + (["inplace=True"] if form is not None and self.inplace else []))  # as PyTorch

    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    __init__.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[self_param, *signature.parameters.values()])
    doc = f"The layer form of `{op.name}`: forward(x) = {op.name}(x{''.join(', ' + n for n in names)})."
    forward.__doc__ = (f"x → {op.name}(x{''.join(', self.' + n for n in names)}); `{op.name}`'s docstring "
                       "gives the shapes and the gradient.")
    extra_repr.__doc__ = ("The layer's arguments, as its repr shows them: "
                          + (f"`{', '.join(f'{p.name}={p.default!r}' for p in params)}` by default." if params
                             else "none."))
    return type(op.module[0], (base,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr,
                                        "__doc__": doc, "__module__": "autograd_lite.nn.activation"})
