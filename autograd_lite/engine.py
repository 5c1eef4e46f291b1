"""The autodiff engine: the `Function` node and reverse-mode traversal with accumulation.

A primitive op is a `Function` subclass with a NumPy `forward(*arrays)` and a `backward(g)` written
in Tensor ops. Applying it records a node whose `inputs` are the argument Tensors; `run_backward`
walks the nodes from the output back to the leaves, each once all gradient flowing into it has
arrived, and sums what reaches each leaf. With `create_graph=False` backward runs with recording off
and the gradients travel as bare NumPy arrays (the fast path: an op's `backward_arrays`, its formula on
arrays, where it has one); with `create_graph=True` they are Tensors and every step is recorded, so the
result can be differentiated again.

Elsewhere: `backward()`/`al.grad` and the hooks in backprop.py, grad mode in grad_mode.py, in-place
detection in inplace.py, what a node keeps in saving.py, the viewer's record in viz/recorder.py.
"""
from __future__ import annotations

import gc
import heapq
import itertools
import keyword
from typing import Any, Callable, Sequence

import numpy as np

from . import inplace, saving
from . import grad_mode
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled, state as _grad  # noqa: F401
from .tensor import Tensor

# Hooks for an observer (the graph viewer's recorder); None when nobody watches.
on_record: Callable[[Function], None] | None = None  # on_record(node): a node was just recorded
# on_release(node, g, fits): backward used the node, its inputs go; fits: its gradient had the input's
# shape and dtype by the op's promise (`grad_fits_input`, so the output has the input's shape and dtype too)
on_release: Callable[[Function, Any, bool], None] | None = None

_order = itertools.count()  # node numbers: every node is numbered after the nodes of its inputs
_new_tensor, _ndarray, _KEPT_BELOW = object.__new__, np.ndarray, saving.VALUES_KEPT_BELOW


class OpError(ValueError):
    """Bad input to an op, with a message that already names the op and the offending values."""


class Function:
    """A primitive op, and once applied, its node in the graph.

    Subclasses define `forward(*arrays) -> ndarray` and
    `backward(g) -> Tensor | tuple[Tensor | None, ...]` (one gradient per input,
    given g = dL/d(output)), `saved` (the attributes forward stores for backward,
    freed after it), plus the formula strings the graph viewer shows: `expr` (the
    forward, inputs named a, b, c, ...) and `grad_exprs` (one chain-rule step per
    input, with G = dL/d(output)).
    """

    # Set once recorded (seq, writes_seen) and by the graph viewer's record when backward releases the
    # node (viz/recorder.py): slots, as adding keys to an instance's __dict__ after it is made grows the
    # dict, a cost of ~0.3 µs per node measured on the 300-op chain.
    __slots__ = ("seq", "writes_seen", "kept_parents", "kept_shape", "kept_dtype", "out_ref", "__dict__",
                 "__weakref__")

    expr: str = ""
    grad_exprs: tuple[str, ...] = ()
    saved: tuple[str, ...] = ()  # attribute names holding arrays that backward needs (per class: see _release)
    twice_differentiable = True  # False: create_graph through it raises, naming the op
    reads_inputs = True  # whether backward reads `self.inputs` (found from each subclass's code)

    inputs: tuple[Tensor, ...] | None = None  # None once backward has released the node
    hooks: tuple = ()  # gradient hooks of the output tensor (a list once one is registered)
    # Optional: `backward_arrays(g: ndarray) -> ndarray | tuple[ndarray | None, ...]`, backward's formula
    # on bare arrays, which backward without create_graph calls instead (nothing is recorded there, so
    # no Tensor per gradient). It must compute exactly what `backward` computes, with the same NumPy ops.
    backward_arrays: Callable[[np.ndarray], Any] | None = None
    # True for a one-input op whose output has its input's shape and dtype and whose `backward_arrays`
    # keeps G's (elementwise in G with the saved output or a Python number): the engine then skips
    # checking that gradient's shape and dtype (G arrives with the output's, which are the input's).
    grad_fits_input = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "reads_inputs" not in vars(cls):
            cls.reads_inputs = saving.mentions_inputs(cls, Function)
        if "_release" not in vars(cls):
            cls._release = _releaser(cls.saved)

    def _release(self) -> None:
        """Free what backward needed: the inputs and the `saved` attributes (each set to None).
        Every subclass gets its own copy with the names written out (see `_releaser`)."""
        self.inputs = None
        for key in self.saved:
            setattr(self, key, None)

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        """The op on the inputs' NumPy arrays (one per input tensor) → the output array.

        Stores what `backward` needs as the attributes named in `saved`.
        """
        raise NotImplementedError

    def backward(self, g: Tensor) -> Tensor | tuple[Tensor | None, ...]:
        """g = dL/d(output), shaped like the output → dL/d(input) for each input, in Tensor ops.

        Returns one tensor for a one-input op, else a tuple with one entry per input (None for an
        input that gets no gradient). A gradient may have the broadcast shape; the engine sums it
        down to the input's shape. Written in Tensor ops so that it can itself be differentiated.
        """
        raise NotImplementedError

    def apply(self, *inputs: Tensor) -> Tensor:
        """Run forward on the inputs' arrays; record this node if grad mode is on and an input needs grad."""
        one = len(inputs) == 1
        try:
            if one:
                t = inputs[0]
                out = self.forward(t.data)
            elif len(inputs) == 2:  # (a product, a bias add: no list of the arrays)
                out = self.forward(inputs[0].data, inputs[1].data)
            else:
                out = self.forward(*[t.data for t in inputs])
        except OpError:
            raise
        except Exception as e:  # keep the exception as raised (its type may need other arguments); say where
            backprop.refuse_non_tensors(self, inputs)
            e.add_note(f"{self.op_name}: input shapes {', '.join(str(t.shape) for t in inputs)}")
            raise
        if type(out) is not _ndarray:  # NumPy reductions return scalars: .data is always an array
            out = np.asarray(out)
        result = _new_tensor(Tensor)  # Tensor._make, inlined: this is the hottest line of the library
        result.data = out
        if one:  # the usual op: no loop over the inputs (t is the one input)
            try:  # (free when nothing raises)
                recorded = t._requires_grad and (grad_mode.everywhere or _grad.enabled)
            except AttributeError:  # not a Tensor (a NumPy array has .data too)
                backprop.refuse_non_tensors(self, inputs)
                raise
            if recorded:
                self.inputs = inputs
                # an unread input large enough to be worth freeing: a stand-in (saving.py). The size first:
                # for the usual small input, one test
                if t.data.nbytes >= _KEPT_BELOW and not self.reads_inputs:
                    self.inputs = saving.stand_ins(inputs)
                self.seq = next(_order)  # _record, inlined for the usual op
                self.writes_seen = inplace.writes
                observe = on_record
                if observe is not None:
                    observe(self)
                result.grad_fn, result._requires_grad = self, True
                return result
        elif grad_mode.everywhere or _grad.enabled:
            try:
                for t in inputs:
                    if t._requires_grad:
                        self.inputs = inputs
                        if not self.reads_inputs:
                            for t in inputs:
                                if t.data.nbytes >= _KEPT_BELOW:
                                    self.inputs = saving.stand_ins(inputs)
                                    break
                        return self._record(result)
            except AttributeError:  # an input without _requires_grad: not a Tensor
                backprop.refuse_non_tensors(self, inputs)
                raise
        result.grad_fn, result._requires_grad = None, False
        return result

    def _record(self, result: Tensor) -> Tensor:
        """Make this node (its inputs set) the grad_fn of its output `result`."""
        self.seq = next(_order)
        self.writes_seen = inplace.writes
        observe = on_record  # read once: another thread may unset it meanwhile
        if observe is not None:
            observe(self)
        result.grad_fn, result._requires_grad = self, True
        return result

    def output(self) -> Tensor:
        """The op's output inside backward (saved as `self.out` by forward), rebuilt as a fresh tensor
        pointing at this node: keeping the tensor would make a node <-> tensor cycle."""
        return Tensor._make(self.out, self if _grad.enabled else None)

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The output's shape, as the graph viewer kept it when backward released the node
        (viz/recorder.py; AttributeError if nothing was kept)."""
        return _recorder.output_meta(self)[0]

    @property
    def out_dtype(self) -> np.dtype:
        """The output's dtype, as the graph viewer kept it when backward released the node."""
        return _recorder.output_meta(self)[1]

    @property
    def name(self) -> str:
        """The node's name in graphs and error messages: the class name + "Backward" (`MulBackward`)."""
        return type(self).__name__ + "Backward"

    @property
    def op_name(self) -> str:
        """The op's name in error messages: the class name in lower case (`mul`)."""
        return type(self).__name__.lower()

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _releaser(saved: Any) -> Callable[[Function], None]:
    """`Function._release` for a class whose `saved` names are these: `self.inputs = None` and one
    `self.<name> = None` per name, written out (made once per class). Backward frees each node this
    way; the loop over `saved` with setattr cost ~0.07 µs more per node (the 300-op chain: ~3%)."""
    if not (type(saved) is tuple and all(type(k) is str and k.isidentifier() and not keyword.iskeyword(k)
                                         for k in saved)):
        return Function._release  # (not a tuple of plain names: the loop)
    lines = ["def _release(self):", "    self.inputs = None"] + [f"    self.{key} = None" for key in saved]
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # noqa: S102  (the names are checked identifiers)
    release = namespace["_release"]
    release.__doc__ = Function._release.__doc__
    return release


_sum_to_shape: Callable[[np.ndarray, tuple[int, ...]], np.ndarray] | None = None  # ops/shape.py's, at first use


def _fit_grad(g: Any, like: Tensor, fn: Function, inputs: tuple[Tensor, ...]) -> Any:
    """Reduce a broadcast gradient (a Tensor, or an array when nothing is recorded) to the input's
    exact shape and dtype (`like` is one of fn's `inputs`)."""
    global _sum_to_shape
    data = like.data  # (the array's shape and dtype: cheaper than the Tensor's properties)
    if g.shape != data.shape:
        try:
            if isinstance(g, Tensor):
                g = g.sum_to_size(data.shape)
            else:  # the sum_to op's forward (the same sums as the Tensor path's)
                if _sum_to_shape is None:  # (ops import the engine; an import at every call costs ~1 µs)
                    from .ops.shape import sum_to_shape as _sum_to_shape
                g = _sum_to_shape(g if type(g) is _ndarray else np.asarray(g), data.shape)
        except ValueError:
            i = next(i for i, t in enumerate(inputs) if t is like)
            raise RuntimeError(f"{fn.name} returned a gradient of shape {g.shape} for input {i} "
                               f"of shape {like.shape}") from None
    return g.astype(data.dtype) if g.dtype != data.dtype else g


def _as_tensor(g: Any) -> Tensor:
    """An array gradient of the unrecorded backward as a Tensor (0-d NumPy sums are scalars)."""
    return Tensor._make(g if type(g) is _ndarray else np.asarray(g))


def wrap_grads(grads: Any) -> Any:
    """`backward_arrays`' result (an array, None, or a tuple of them) as Tensors: how an op whose
    `backward` shares that formula when nothing is recorded returns it."""
    if type(grads) is tuple:
        return tuple(None if gi is None else Tensor._make(gi) for gi in grads)
    return None if grads is None else Tensor._make(grads)


def _backward_through_tensors(node: Function, g: np.ndarray) -> Any:
    """node.backward on an array gradient, for a Function without `backward_arrays`: its Tensor
    formula, run with nothing recorded, and the results' arrays."""
    grads = node.backward(_as_tensor(g))
    if type(grads) is tuple:
        return tuple(None if gi is None else gi.data for gi in grads)
    return None if grads is None else grads.data


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool, create_graph: bool,
                 capture: Sequence[Tensor] | None = None, needed: set[Function] | None = None
                 ) -> list[Tensor | None] | None:
    """Propagate root_grads (one per root, of its shape) from roots to the leaves.

    Nodes run in decreasing number (each is numbered after its inputs' nodes), so a node runs once
    all gradient flowing into it has arrived: one pass, no topological sort. The gradients accumulate
    into the `.grad` of every leaf that requires grad; with `capture` (al.grad) those tensors'
    gradients are returned instead, no `.grad` changes and only the nodes in `needed` run. Recording
    is on only if create_graph (in this thread). The cyclic garbage collector is paused meanwhile:
    backward makes no cycles, and collections would only re-traverse the (possibly huge) graph.
    """
    paused = gc.isenabled()
    gc.disable()
    recording = grad_mode.set_mode(create_graph)
    try:
        return _propagate(roots, root_grads, retain_graph, create_graph, capture, needed)
    finally:
        grad_mode.set_mode(recording)
        if paused:
            gc.enable()


def _propagate(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool, create_graph: bool,
               capture: Sequence[Tensor] | None, needed: set[Function] | None) -> list[Tensor | None] | None:
    # Without create_graph nothing records the gradients, so they travel as bare arrays: no Tensor per
    # gradient, and each node's `backward_arrays` when it has one. With create_graph they are Tensors.
    raw = not create_graph
    node_grads: dict[Function, Any] = {}  # gradient arrived so far at each pending node's output
    # leaf -> its summed gradient. Keyed by the Tensor itself (its hash is its identity's, and a dict compares
    # keys by identity first, so Tensor.__eq__ never runs): no id() call and no [leaf, g] pair per leaf
    leaf_grads: dict[Tensor, Any] = {}
    ready: list[tuple[int, Function]] = []  # heap of (−number, node): the latest node first
    # The pending node while no other is, and its gradient (kept out of node_grads): it has all its
    # gradient, since every node still to come is reachable from it, so numbered before it; it runs
    # next, without the heap (a chain never touches the heap nor node_grads).
    only: Function | None = None
    only_grad: Any = None
    pruning = capture is not None
    if pruning:
        wanted_nodes = {t.grad_fn: i for i, t in enumerate(capture) if t.grad_fn is not None}
        captured: list[Tensor | None] = [None] * len(capture)
    node, inputs = None, tuple(roots)
    grads: Any = tuple([g.data for g in root_grads] if raw else root_grads)
    fits = False  # the gradients to route have their inputs' shapes and dtypes (grad_fits_input)
    while True:
        # add each gradient to what its tensor's node (or leaf) received so far
        for inp, gi in (zip(inputs, grads) if type(grads) is tuple else ((inputs[0], grads),)):
            if gi is None or not inp._requires_grad:
                continue
            if not fits:
                data = inp.data
                if gi.shape != data.shape or (gi.dtype is not data.dtype and gi.dtype != data.dtype):  # (`is`: cheaper)
                    gi = _fit_grad(gi, inp, node, inputs)
            parent = inp.grad_fn
            if parent is None:
                summed = leaf_grads.get(inp)
                leaf_grads[inp] = gi if summed is None else summed + gi
            elif parent is only:
                only_grad = only_grad + gi
            elif parent in node_grads:
                node_grads[parent] = node_grads[parent] + gi
            elif only is None and not ready:
                only, only_grad = parent, gi
            else:  # a second pending node: both go through node_grads and the heap
                if only is not None:
                    node_grads[only] = only_grad
                    heapq.heappush(ready, (-only.seq, only))
                    only = only_grad = None
                node_grads[parent] = gi
                heapq.heappush(ready, (-parent.seq, parent))
        if only is not None:
            node, g, only, only_grad = only, only_grad, None, None
        elif ready:
            node = heapq.heappop(ready)[1]
            g = node_grads.pop(node)
        else:
            break
        while True:  # run the node; along a chain, straight on to the next one (no routing loop)
            if pruning:  # al.grad: run only the needed nodes; capture the gradients asked for
                if needed is not None and node not in needed:
                    grads = ()
                    break
                if node.hooks:
                    g = _run_node_hooks(node, g, raw, True)
                if node in wanted_nodes:
                    captured[wanted_nodes[node]] = _as_tensor(g) if raw else g
            elif node.hooks:
                g = _run_node_hooks(node, g, raw, False)
            inputs = node.inputs
            if inputs is None or (create_graph and not node.twice_differentiable) or (
                    node.writes_seen != inplace.writes and inplace.modified_inputs(node)):
                backprop.refuse(node)
            if raw:
                fast = node.backward_arrays
                grads = fast(g) if fast is not None else _backward_through_tensors(node, g)
                fits = node.grad_fits_input
            else:
                grads = node.backward(g)
            if not retain_graph:  # free what backward needed: the inputs (`inputs` keeps them for routing)
                if on_release is not None:
                    on_release(node, g, fits)
                node._release()
            # One gradient for a computed input, and no other node pending: that input's node has all its
            # gradient (as for `only` above) and runs next. Otherwise route through the loop above.
            if type(grads) is tuple or grads is None or ready:
                break
            inp = inputs[0]
            parent = inp.grad_fn
            if parent is None or not inp._requires_grad:
                break
            if not fits:
                data = inp.data
                if grads.shape != data.shape or (grads.dtype is not data.dtype and grads.dtype != data.dtype):
                    grads = _fit_grad(grads, inp, node, inputs)
            node, g = parent, grads

    if capture is not None:
        for i, t in enumerate(capture):
            if t.grad_fn is None and t in leaf_grads:
                g = leaf_grads[t]
                captured[i] = backprop.leaf_hooks(t, _as_tensor(g) if raw else g)
        return captured
    _accumulate_into_leaves(leaf_grads.items(), raw)
    return None


def _run_node_hooks(node: Function, g: Any, raw: bool, capturing: bool) -> Any:
    """g after the gradient hooks of the node's output (al.grad leaves every .grad alone, like
    torch.autograd.grad, so it skips the hooks retain_grad() added)."""
    gt = _as_tensor(g) if raw else g
    for hook in node.hooks:
        if not (capturing and getattr(hook, "retains_grad", False)):
            gt = backprop.run_hook(hook, gt)
    return gt.data if raw else gt


def _accumulate_into_leaves(leaf_grads: Any, raw: bool) -> None:
    """leaf.grad += g for every leaf, after its hooks; a .grad never aliases another array."""
    seen_arrays: set[int] = set()
    for leaf, g in leaf_grads:
        if leaf._hooks:
            g = backprop.leaf_hooks(leaf, _as_tensor(g) if raw else g)
            g = g.data if raw else g
        if not raw:
            leaf.grad = g if leaf.grad is None else leaf.grad + g
            continue
        data = g if type(g) is _ndarray else np.asarray(g)
        if data.base is not None or id(data) in seen_arrays or not data.flags.writeable:
            data = data.copy()
        seen_arrays.add(id(data))
        total = data if leaf.grad is None else np.asarray(leaf.grad.data + data)  # asarray: 0-d + 0-d is a scalar
        leaf.grad = Tensor._make(total)


# Imported last, as they need Function: the gradient hooks' runner, and the graph viewer's recorder,
# which installs itself on the hooks above.
from . import backprop  # noqa: E402
from .viz import recorder as _recorder  # noqa: E402
