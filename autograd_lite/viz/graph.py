"""Walk the autodiff graph from its outputs into a neutral structure (`Graph`) that the DOT,
collapsing and LaTeX writers share.

The drawing is micrograd's: every op is a node and so is every tensor (leaves, intermediates,
outputs). An edge goes from each input tensor to the op that consumes it (`arg` = its position,
so the op's `grad_exprs[arg]` is the chain-rule step along it), and from each op to its output.
Works before and after `backward()`: released nodes keep their structure (`recorder.parents`),
and values are shown wherever the user still holds the tensor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from ..engine import Function
from ..tensor import Tensor
from ..saving import is_stand_in
from .recorder import InputStub, parents, scope_of

Scope = tuple  # ((module path, class name), ...) outermost first, as recorded by recorder.module_scope


@dataclass(eq=False)
class Node:
    """One drawn node. `kind` is one of
    input (a leaf that requires grad), parameter (an nn.Parameter), constant (needs no grad),
    tensor (an op's output), op, module (a collapsed module), elided (collapsed structure)."""

    key: str
    kind: str
    name: str = ""
    shape: tuple[int, ...] | None = None
    dtype: Any = None
    tensor: Tensor | None = None  # the value, while someone still holds it
    fn: Function | None = None  # op nodes, and tensor nodes: the op that produced them
    scope: Scope = ()
    is_root: bool = False
    text: list[str] = field(default_factory=list)  # extra lines for module / elided nodes
    data: Any = None  # the value (ndarray) to show, set by values.attach
    grad: Any = None  # the gradient (ndarray) to show, set by values.attach
    generated: bool = False  # the name is a made-up short one (t1, c1, ...)

    @property
    def is_tensor(self) -> bool:
        return self.kind in ("input", "parameter", "constant", "tensor")


@dataclass(eq=False)
class Edge:
    """Forward direction: src feeds dst. `arg` is the input position for tensor -> op edges."""

    src: str
    dst: str
    arg: int | None = None


@dataclass(eq=False)
class Graph:
    nodes: dict[str, Node]
    edges: list[Edge]
    roots: list[str]
    notes: list[str] = field(default_factory=list)  # what was collapsed, said in the drawing

    def consumers(self) -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {k: [] for k in self.nodes}
        for e in self.edges:
            out[e.src].append(e)
        return out

    def producers(self) -> dict[str, list[Edge]]:
        into: dict[str, list[Edge]] = {k: [] for k in self.nodes}
        for e in self.edges:
            into[e.dst].append(e)
        return into

    def key_of(self, t: Tensor) -> str | None:
        """The node drawing tensor t (a leaf, a constant or an op's output), if it is in the graph."""
        for key in (f"T{id(t.grad_fn)}" if t.grad_fn is not None else None, f"L{id(t)}", f"C{id(t)}"):
            if key in self.nodes:
                return key
        return None


# Ops drawn by the name PyTorch gives them (op_name is the class name, lower-cased).
TORCH_NAMES = {
    "classcrossentropy": "cross_entropy", "softmaxcrossentropy": "cross_entropy",
    "binarycrossentropy": "binary_cross_entropy", "batchnorm": "batch_norm", "standardize": "layer_norm",
    "logsoftmax": "log_softmax", "leakyrelu": "leaky_relu", "maxpool2d": "max_pool2d",
    "poolgather": "max_pool2d", "poolscatter": "max_pool2d_backward", "conv2dgradinput": "conv2d_backward_input",
    "conv2dgradweight": "conv2d_backward_weight", "broadcastto": "broadcast_to", "sumto": "sum_to_size",
    "concat": "cat", "diagembed": "diag_embed", "indexadd": "index_add", "indexput": "index_put",
    "index": "getitem", "cast": "to", "matrixtranspose": "transpose", "sigmoidgrad": "sigmoid_backward",
    "tanhgrad": "tanh_backward", "gelugrad": "gelu_backward", "logabsdet": "slogdet",
    "singularvalues": "svdvals", "vectornorm": "vector_norm",
}


def op_label(fn: Function) -> str:
    """The op's name as PyTorch spells it (`cross_entropy`, not `classcrossentropy`)."""
    name = fn.op_name
    return TORCH_NAMES.get(name, name)


def is_parameter(t: Any) -> bool:
    return type(t).__name__ == "Parameter" or bool(getattr(t, "is_parameter", False))


def build(roots: Iterable[Tensor], names: Mapping[str, Any] | None = None) -> Graph:
    """The graph reachable from `roots` back to the leaves (iteratively: any depth).

    `names` maps variable names to tensors (e.g. a module's globals) to label unnamed ones.
    """
    roots = list(roots)
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"viz: expected Tensors as roots, got {type(r).__name__}")
    given = {id(t): n for n, t in (names or {}).items() if isinstance(t, Tensor)}
    given_arrays = {id(t.data): n for n, t in (names or {}).items() if isinstance(t, Tensor)}

    def given_name(t: Tensor | None) -> str:
        """A name from `names`: the tensor itself, or one sharing its array (a buffer's reshaped view)."""
        if t is None:
            return ""
        base = t.data.base
        return given.get(id(t)) or given_arrays.get(id(t.data)) or (given_arrays.get(id(base), "") if base is not None else "")
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    held: dict[str, Tensor] = {}  # op output tensors found as some consumer's input

    def leaf(p: Any) -> str:
        if isinstance(p, Tensor):
            key = f"L{id(p)}"
            if key not in nodes:
                kind = "parameter" if is_parameter(p) else "input"
                nodes[key] = Node(key, kind, p.name or given_name(p), p.shape, p.dtype, p)
            return key
        t = p.ref()  # an InputStub: a constant
        key = f"C{id(t if t is not None else p)}"
        if key not in nodes:
            name = p.name or given_name(t)
            nodes[key] = Node(key, "constant", name, p.shape, p.dtype, t)
        return key

    stack: list[Function] = []
    seen: set[int] = set()
    root_keys: list[str] = []
    for r in roots:
        if r.grad_fn is None:
            key = leaf(r if r.requires_grad else InputStub(r))
        else:
            key = f"T{id(r.grad_fn)}"
            held[key] = r
            stack.append(r.grad_fn)
        if key not in root_keys:
            root_keys.append(key)
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        op_key, out_key = f"F{id(fn)}", f"T{id(fn)}"
        scope = scope_of(fn)
        nodes[op_key] = Node(op_key, "op", op_label(fn), fn=fn, scope=scope)
        nodes[out_key] = Node(out_key, "tensor", fn=fn, scope=scope,
                              shape=getattr(fn, "out_shape", None), dtype=getattr(fn, "out_dtype", None))
        edges.append(Edge(op_key, out_key))
        inputs = fn.inputs
        for i, p in enumerate(parents(fn)):
            if isinstance(p, Function):
                key = f"T{id(p)}"
                if inputs is not None:
                    held.setdefault(key, inputs[i])
                if id(p) not in seen:
                    stack.append(p)
            else:
                key = leaf(p)
            edges.append(Edge(key, op_key, i))
        target = getattr(fn, "target", None)
        if isinstance(target, np.ndarray):  # a loss's class indices: an input that is not a Tensor
            key = f"Y{id(fn)}"
            nodes[key] = Node(key, "constant", given_arrays.get(id(target), "target"), target.shape, target.dtype)
            nodes[key].data = target
            edges.append(Edge(key, op_key))
    for key, node in nodes.items():
        if node.kind == "tensor":
            t = node.fn.out_ref() if hasattr(node.fn, "out_ref") else None
            t = t if t is not None else held.get(key)
            if t is not None and is_stand_in(t):  # its values were freed in the forward (saving.py)
                node.shape, node.dtype = t.shape, t.dtype
            elif t is not None:
                node.tensor, node.shape, node.dtype = t, t.shape, t.dtype
                node.name = t.name or given_name(t)
    for key in root_keys:
        nodes[key].is_root = True
    _place_leaves(nodes, edges)
    _generate_names(nodes)
    return Graph(nodes, edges, root_keys)


def _place_leaves(nodes: dict[str, Node], edges: list[Edge]) -> None:
    """Parameters and scalar constants go in the innermost module all their consumers share."""
    scopes: dict[str, list[Scope]] = {}
    for e in edges:
        if nodes[e.src].kind in ("parameter", "constant"):
            scopes.setdefault(e.src, []).append(nodes[e.dst].scope)
    for key, found in scopes.items():
        node = nodes[key]
        if node.kind == "constant" and node.shape not in ((), (1,)):
            continue
        common = found[0]
        for s in found[1:]:
            n = 0
            while n < min(len(common), len(s)) and common[n] == s[n]:
                n += 1
            common = common[:n]
        node.scope = common


def _generate_names(nodes: dict[str, Node]) -> None:
    """Short names for unnamed tensors: x1 inputs, p1 parameters, c1 constants, t1 intermediates."""
    prefix = {"input": "x", "parameter": "p", "constant": "c", "tensor": "t"}
    counts = dict.fromkeys(prefix, 0)
    for node in nodes.values():
        if node.kind in prefix and not node.name:
            counts[node.kind] += 1
            node.name, node.generated = f"{prefix[node.kind]}{counts[node.kind]}", True


def descendants(graph: Graph, start: Iterable[str]) -> set[str]:
    """Keys on the paths from `start` forward to the outputs (start included)."""
    cons = graph.consumers()
    found, stack = set(), [k for k in start if k in graph.nodes]
    while stack:
        k = stack.pop()
        if k in found:
            continue
        found.add(k)
        stack.extend(e.dst for e in cons[k])
    return found


def role(arg: int | None) -> str:
    """The name an op's formula strings give input `arg`: a, b, c, ..."""
    return "" if arg is None else "abcdefgh"[arg] if arg < 8 else f"x{arg}"


def grad_expr(fn: Function | None, arg: int) -> str:
    """The op's chain-rule step for input `arg` (G = dL/d(output)), or a stand-in naming the op."""
    exprs = tuple(getattr(fn, "grad_exprs", ()) or ())
    if not exprs:
        return f"{type(fn).__name__}.backward(G)"
    return exprs[min(arg, len(exprs) - 1)]
