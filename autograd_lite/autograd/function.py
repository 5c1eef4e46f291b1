"""`Function`: user-defined differentiable operations in PyTorch's form.

    class MyExp(al.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y

    y = MyExp.apply(x)

`apply` runs `forward` with recording off, then records ONE engine node named after
the class (the graph viewer draws it like a built-in op; `y.grad_fn` is
`<MyExpBackward>`). When the backward is written in Tensor ops it records under
`create_graph=True`, so the gradient differentiates again: saved inputs are the
caller's tensors and a saved output is re-linked to the node, as in PyTorch.

Several differentiable outputs share the node: it outputs them packed into one flat
array, and each output is a slice of it (so one backward call receives every
output's gradient).
"""
from __future__ import annotations

import functools
import weakref
from typing import Any, Callable

import numpy as np

from ..engine import Function as _EngineFunction
from ..grad_mode import is_grad_enabled, no_grad
from ..tensor import Tensor


class FunctionCtx:
    """The `ctx` passed to a custom Function's forward and backward.

    Stores whatever forward wants to hand to backward: `ctx.save_for_backward(*tensors)`
    (read back as `ctx.saved_tensors`) or plain attributes (`ctx.scale = 2.0`).
    `ctx.needs_input_grad[i]` says whether forward's i-th argument needs a gradient.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._saved: tuple[Any, ...] | None = None
        self._non_differentiable: set[int] = set()
        self._outputs: tuple[Any, ...] = ()  # forward's return values, to recognise saved outputs
        self._node: Callable[[], Any] | None = None  # weak link to the recorded node
        self._in_forward = True

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors (inputs or outputs of forward, or None) for backward; call it in forward, once."""
        if not self._in_forward:
            raise RuntimeError("save_for_backward can only be called from forward (or setup_context)")
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: argument {i} is a {type(t).__name__}; only Tensors and None "
                                "can be saved (store other values as ctx attributes)")
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to save_for_backward. Under create_graph, a saved output is linked to this node."""
        if self._saved is None:
            return ()
        node = self._node() if self._node is not None else None
        if node is None or not is_grad_enabled():
            return self._saved
        return tuple(node.linked_output(t) for t in self._saved)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Outputs that never get a gradient (indices, masks): they do not require grad and
        backward receives zeros for them (None after set_materialize_grads(False))."""
        self._non_differentiable.update(id(t) for t in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """False: backward receives None instead of zeros for an output without a gradient."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Not supported: in-place custom Functions (PyTorch's mark_dirty) raise NotImplementedError."""
        raise NotImplementedError("mark_dirty: custom Functions that modify their inputs in place are not "
                                  "supported; return a new tensor instead")


class _FunctionNode(_EngineFunction):
    """The engine node of one application of a custom Function (subclassed per user class)."""

    user_class: type
    saved = ("ctx", "packed")  # freed after backward (a second backward then raises)

    def __init__(self, ctx: FunctionCtx, outputs: list[Tensor], packed: np.ndarray, arg_slots: list[int]) -> None:
        self.ctx, self.outputs_meta, self.packed, self.arg_slots = ctx, [], packed, arg_slots
        offset = 0
        for t in outputs:  # (start, stop, shape, dtype) of each differentiable output in the packed array
            self.outputs_meta.append((offset, offset + t.data.size, t.shape, t.dtype))
            offset += t.data.size

    @property
    def op_name(self) -> str:
        return self.user_class.__name__

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        return self.packed  # the user's forward already ran (with recording off) in apply

    def split(self, whole: Tensor) -> list[Tensor]:
        """Per-output pieces of a packed tensor (the outputs themselves, or their gradients)."""
        if len(self.outputs_meta) == 1:
            return [whole]
        pieces = [whole[a:b].reshape(shape) for a, b, shape, _ in self.outputs_meta]
        return [p if p.dtype == dtype else p.astype(dtype) for p, (*_, dtype) in zip(pieces, self.outputs_meta)]

    def linked_output(self, t: Any) -> Any:
        """A saved tensor, or for a saved output: the same values as a tensor whose grad_fn is this node."""
        for k, out in enumerate(self.ctx._outputs):
            if t is out and k in self.ctx._differentiable_slots:
                return self.split(Tensor._make(self.packed, self))[self.ctx._differentiable_slots.index(k)]
        return t

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        ctx, cls = self.ctx, self.user_class
        pieces = iter(self.split(g))
        grad_outputs = []
        for k, out in enumerate(ctx._outputs):
            if k in ctx._differentiable_slots:
                grad_outputs.append(next(pieces))
            elif isinstance(out, Tensor) and ctx.materialize_grads:
                grad_outputs.append(Tensor._make(np.zeros(out.shape, out.dtype)))
            else:
                grad_outputs.append(None)
        backward = cls.backward if cls.backward is not Function.backward else cls.vjp  # PyTorch's alias
        return self._check_grads(backward(ctx, *grad_outputs))

    def _check_grads(self, grads: Any) -> tuple[Tensor | None, ...]:
        """One gradient per forward argument, as PyTorch checks them; returns those of the tensor arguments."""
        name, n_args = self.name, len(self.ctx.needs_input_grad)
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) > n_args and all(g is None for g in grads[n_args:]):
            grads = grads[:n_args]  # trailing Nones are allowed, as in PyTorch
        if len(grads) != n_args:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                               f"(expected {n_args}, got {len(grads)})")
        tensor_slots = set(self.arg_slots)
        for i, g in enumerate(grads):
            if g is None:
                continue
            if i not in tensor_slots:
                raise RuntimeError(f"function {name} returned a gradient different than None at position {i + 1}, "
                                   "but the corresponding forward input was not a Tensor")
            if not isinstance(g, Tensor):
                raise TypeError(f"function {name} returned a {type(g).__name__} as gradient {i}; "
                                "expected a Tensor or None")
        out = []
        for slot, inp in zip(self.arg_slots, self.inputs):
            g = grads[slot]
            if g is not None and inp.requires_grad:
                try:
                    fits = np.broadcast_shapes(g.shape, inp.shape) == g.shape  # inp expands to g: summed
                except ValueError:
                    fits = False
                if not fits:
                    raise RuntimeError(f"Function {name} returned an invalid gradient at index {slot} - got "
                                       f"{list(g.shape)} but expected shape compatible with {list(inp.shape)}")
            out.append(g)
        return tuple(out)


def _node_class(cls: type) -> type:
    """The engine node class for a user Function class, made once: named like the class."""
    made = cls.__dict__.get("_node_class")
    if made is None:
        once = getattr(cls.backward, "_once_differentiable", False)
        made = type(cls.__name__, (_FunctionNode,), {
            "user_class": cls, "__module__": cls.__module__, "__qualname__": cls.__qualname__,
            "expr": getattr(cls, "expr", ""),
            "grad_exprs": tuple(getattr(cls, "grad_exprs", ()) or ()),
            "twice_differentiable": not once})
        setattr(cls, "_node_class", made)
    return made


class Function:
    """Base class of custom differentiable operations, as `torch.autograd.Function`.

    Define static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` (one gradient,
    or None, per forward argument), or `forward(*args)` plus
    `setup_context(ctx, inputs, output)`; call it as `MyFn.apply(*args)`.
    """

    expr: str = ""  # optional formula strings for the graph viewer, as on built-in ops
    grad_exprs: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{type(self).__name__}: legacy autograd function with non-static forward method is "
                           f"not supported; define forward/backward as @staticmethod and call "
                           f"{type(self).__name__}.apply(...)")

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation, on Tensors with recording off; returns a Tensor or a tuple (override it)."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        """Optional (PyTorch 2 style): save what backward needs, given forward's inputs and output."""
        raise NotImplementedError("setup_context is not overridden")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Given dL/d(each output), return dL/d(each forward argument) (None for non-Tensors); written
        in Tensor ops, it differentiates again under create_graph=True (override it, or `vjp`)."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward on args (recording off) and record one node whose backward is cls.backward."""
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply: pass arguments by position (got keyword arguments "
                            f"{', '.join(kwargs)}), as in PyTorch")
        recording = is_grad_enabled()
        needs = tuple(isinstance(a, Tensor) and a.requires_grad and recording for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            if cls.setup_context is not Function.setup_context:  # PyTorch 2 style: forward without ctx
                result = cls.forward(*args)
                cls.setup_context(ctx, args, result)
            else:
                result = cls.forward(ctx, *args)
        ctx._in_forward = False
        outputs = result if isinstance(result, tuple) else (result,)
        ctx._outputs = outputs
        slots = [k for k, o in enumerate(outputs) if isinstance(o, Tensor) and o.dtype.kind in "fc"
                 and id(o) not in ctx._non_differentiable]
        ctx._differentiable_slots = slots
        if not any(needs) or not slots:
            return result
        diff = [outputs[k] for k in slots]
        if len(diff) == 1:
            packed = diff[0].data
        else:
            dtype = np.result_type(*[o.dtype for o in diff])
            packed = np.concatenate([o.data.astype(dtype, copy=False).reshape(-1) for o in diff])
        arg_slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        node = _node_class(cls)(ctx, diff, packed, arg_slots)
        ctx._node = weakref.ref(node)
        linked = node.split(node.apply(*[args[i] for i in arg_slots]))
        final = list(outputs)
        for k, t in zip(slots, linked):
            final[k] = t
        return tuple(final) if isinstance(result, tuple) else final[0]


def once_differentiable(backward: Callable) -> Callable:
    """Decorator for a backward written in NumPy (not Tensor ops): it runs with recording off, and
    differentiating it again (create_graph=True) raises instead of giving a wrong answer."""
    @functools.wraps(backward)
    def wrapper(ctx: Any, *grad_outputs: Any) -> Any:
        with no_grad():
            return backward(ctx, *grad_outputs)
    wrapper._once_differentiable = True
    return wrapper
