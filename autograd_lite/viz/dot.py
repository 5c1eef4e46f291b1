"""`to_dot`: the graph as Graphviz DOT text (pure Python, no Graphviz binary needed).

Forward view: data flows from the leaves to the outputs; each op shows its formula, inputs
named a, b, ... as in the formula. Backward view (`backward=True`): the same layout with the
arrows reversed and each edge labelled with the op's chain-rule step (G = ∂L/∂output); a tensor
used by several ops gets a "+" node where its gradient contributions are summed.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterable, Mapping

from ..backprop import topological_order
from ..tensor import Tensor
from . import collapse, values
from .checking import Verdict, check_gradients, missing_path_keys
from .modules import model_names
from .graph import Graph, Node, build, descendants, grad_expr, role
from .style import (CHECK_BAD, CHECK_NONE, CHECK_OK, COLORS, GRAD_EDGE, HIGHLIGHT, KIND_TITLE, clean, full_text,
                    html, quote, shape_text, summary)

# Fonts that exist almost everywhere first (DejaVu on Linux, Liberation as Arial's metric twin);
# cells are sized by Graphviz with the first one it has, and a viewer without it falls back to narrower ones.
FONT = "DejaVu Sans,Liberation Sans,Helvetica,Arial,sans-serif"
RANKDIRS = ("LR", "TB", "RL", "BT")
NAME_CHARS = 80  # longer tensor / module names are cut in labels (tooltips keep more)


def to_dot(*roots: Tensor, backward: bool = False, names: Mapping[str, Any] | None = None,
           show_values: bool = True, max_values: int = 6, clusters: bool = True,
           collapse_modules: bool | int = False, highlight: Tensor | Iterable[Tensor] | None = None,
           hand_grads: Any = None, check_tol: float = 1e-6, max_nodes: int | None = 1000,
           rankdir: str | None = None, tooltips: bool = True, title: str | None = None,
           grads: bool | None = None, model: Any = None, module_details: bool = True) -> str:
    """DOT source of the graph that computed `roots` (one or several output tensors).

    Args:
        backward: draw gradient flow (reversed arrows, chain-rule steps on the edges, "+" nodes
            where a tensor's gradients from several uses are summed).
        names: {variable name: tensor} to label unnamed tensors (e.g. `globals()`).
        model: an nn.Module: its buffers are named by module path (`bn1.running_mean`).
        show_values: values of tensors with at most `max_values` elements, else min/mean/max; the
            gradient beside the value on every tensor node.
        max_values: see show_values.
        grads: show gradients on every tensor node. None (default): when backward() has run or in
            the backward view. While the graph is alive they are computed here (of Σ roots, with
            `al.grad`: no `.grad` changes); after a plain backward() they come from
            `al.viz.record_grads(loss).backward()` (or `.grad` / retain_grad()).
        clusters: group ops by nn.Module (nested boxes labelled `path (Class)`).
        collapse_modules: True draws each innermost module as one node, an int k collapses at
            module depth k.
        module_details: False writes only `path (Class)` in the collapsed modules' nodes.
        highlight: tensor(s) whose path(s) to the outputs are drawn in red.
        hand_grads: {tensor or name: hand-derived gradient}; nodes turn green where it agrees with
            autodiff (relative error <= check_tol) and red where it does not.
        max_nodes: past this many nodes, modules are collapsed, repeated chains folded and the
            rest cut, and the drawing says so (None: no limit).
        rankdir: "LR", "TB", "RL" or "BT"; None chooses LR or TB from the graph's shape (closer to a page).
    """
    if not roots:
        raise TypeError("to_dot: give at least one output tensor")
    _check_options(rankdir, max_values, max_nodes, check_tol, title)
    graph = build(roots, _with_model_names(names, model))
    values.attach(graph, roots, grads, backward)
    verdicts = check_gradients(graph, roots, hand_grads, check_tol) if hand_grads is not None else {}
    marked = [highlight] if isinstance(highlight, Tensor) else list(highlight or ())
    start = [k for k in (graph.key_of(t) for t in marked) if k is not None]
    if collapse_modules:
        collapse.collapse_modules(graph, collapse_modules, module_details)
    collapse.limit(graph, max_nodes)
    lit = (descendants(graph, start) if start else set()) | missing_path_keys(graph, verdicts)
    writer = _Writer(graph, backward, show_values, max_values, tooltips, verdicts, lit)
    return writer.write(clusters, rankdir or choose_rankdir(graph), title)


def _check_options(rankdir: Any, max_values: Any, max_nodes: Any, check_tol: Any, title: Any) -> None:
    """Every option that reaches the DOT text is checked, so none can inject DOT."""
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(RANKDIRS)} or None, got {clean(repr(rankdir), 60)}")
    if isinstance(max_values, bool) or not isinstance(max_values, int) or max_values < 0:
        raise ValueError(f"to_dot: max_values must be an int >= 0, got {clean(repr(max_values), 60)}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 2):
        raise ValueError(f"to_dot: max_nodes must be an int >= 2 or None, got {clean(repr(max_nodes), 60)}")
    if not isinstance(check_tol, (int, float)) or not check_tol >= 0:
        raise ValueError(f"to_dot: check_tol must be a number >= 0, got {clean(repr(check_tol), 60)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"to_dot: title must be a str, got {type(title).__name__}")


def _with_model_names(names: Mapping[str, Any] | None, model: Any) -> dict[str, Any]:
    return {**(model_names(model) if model is not None else {}), **(names or {})}


def choose_rankdir(graph: Graph) -> str:
    """LR or TB, whichever draws the graph closer to a page's proportions (√2 : 1).

    A tensor node is about 3× wider than tall, so a graph D ranks deep and W nodes wide is
    ~D·50 × W·150 pt top-to-bottom and ~D·150 × W·50 pt left-to-right."""
    prods = graph.producers()
    depth: dict[str, int] = {}
    for key in topological_order(list(graph.nodes), lambda k: [e.src for e in prods[k]]):
        depth[key] = 1 + max((depth[e.src] for e in prods[key]), default=-1)
    ranks = max(depth.values(), default=0) + 1
    width = max(Counter(depth.values()).values(), default=1)

    def off(w: float, h: float) -> float:
        return abs(math.log(max(w, h) / min(w, h)) - math.log(math.sqrt(2)))
    return "TB" if off(width * 150, ranks * 50) < off(ranks * 150, width * 50) else "LR"


class _Writer:
    def __init__(self, graph: Graph, backward: bool, show_values: bool, max_values: int, tooltips: bool,
                 verdicts: dict[str, Verdict], lit: set[str]) -> None:
        self.graph, self.backward, self.show_values, self.max_values = graph, backward, show_values, max_values
        self.tooltips, self.verdicts, self.lit = tooltips, verdicts, lit
        self.sums: dict[str, str] = {}  # tensor key -> its "+" node, in the backward view
        self.inputs_of: dict[str, int] = {}  # op key -> number of inputs drawn
        self.grad_text: dict[str, str] | None = None  # the animation's one-line gradient cells, by node

    def write(self, clusters: bool, rankdir: str, title: str | None) -> str:
        """The whole DOT text."""
        lines = ["digraph autograd {",
                 f"  graph [rankdir={rankdir}, fontname={quote(FONT)}, nodesep=0.25, ranksep=0.35, "
                 f"newrank=true{self._caption(title)}];",
                 f"  node [fontname={quote(FONT)}, fontsize=10];",
                 f"  edge [fontname={quote(FONT)}, fontsize=9, arrowsize=0.7];"]
        body = self.edge_lines()  # first: decides the "+" nodes
        members: dict[tuple, list[str]] = {}
        for node in self.graph.nodes.values():
            members.setdefault(node.scope if clusters else (), []).append(self.node_line(node))
        for key, sum_key in self.sums.items():
            members.setdefault(self.graph.nodes[key].scope if clusters else (), []).append(self.sum_line(key, sum_key))
        lines += _clusters(members)
        lines += body
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _caption(self, title: str | None) -> str:
        parts = ([title] if title else []) + (["collapsed: " + "; ".join(self.graph.notes)] if self.graph.notes else [])
        return f", label={quote(chr(10).join(clean(p, 1000) for p in parts))}, labelloc=t, fontsize=12" if parts else ""

    # ----- nodes ----------------------------------------------------------------
    def node_line(self, node: Node) -> str:
        if node.is_tensor:
            return self.tensor_line(node)
        if node.kind == "op":
            return self.op_line(node)
        fill, border = COLORS[node.kind]
        shape = "box3d" if node.kind == "module" else "note"
        lit = node.key in self.lit
        return (f"  {node.key} [shape={shape}, style=filled, fillcolor={quote(fill)}, "
                f"color={quote(HIGHLIGHT if lit else border)}, penwidth={3 if lit else 1}, height=0.3, "
                f"margin=\"0.1,0.04\", label={quote(chr(10).join(clean(t, 2 * NAME_CHARS) for t in node.text if t))}];")

    def op_line(self, node: Node) -> str:
        fn, (fill, border) = node.fn, COLORS["op"]
        expr = getattr(fn, "expr", "") or ""
        label = node.name + (f"\n{expr}" if expr else "")
        lit = node.key in self.lit
        attrs = (f"shape=ellipse, style=filled, fillcolor={quote(fill)}, color={quote(HIGHLIGHT if lit else border)}, "
                 f"penwidth={3 if lit else 1}, margin=\"0.05,0.02\", label={quote(label)}")
        if self.tooltips:
            steps = [f"∂L/∂{role(i)} = {grad_expr(fn, i)}" for i in range(self.inputs_of.get(node.key, 0))]
            where = " / ".join(f"{p} ({c})" if p else c for p, c in node.scope)
            tip = "\n".join([f"{fn.name}: {expr}"] + steps + ([f"in {where}"] if where else []))
            attrs += f", tooltip={quote(tip)}"
        return f"  {node.key} [{attrs}];"

    def tensor_line(self, node: Node) -> str:
        kind = "output" if node.is_root else node.kind
        fill, border = COLORS[kind]
        verdict = self.verdicts.get(node.key)
        if verdict is not None:
            fill, border = {"ok": CHECK_OK, "bad": CHECK_BAD}.get(verdict.status, CHECK_NONE)
        lit = node.key in self.lit
        if lit:
            border = HIGHLIGHT
        title = KIND_TITLE.get(kind, "")
        rows = [f'<TR><TD COLSPAN="2"><B>{html(node.name, NAME_CHARS)}</B>'
                + (f' <FONT POINT-SIZE="8">{title}</FONT>' if title else "") + "</TD></TR>",
                f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="9">{html(shape_text(node.shape, node.dtype))}</FONT></TD></TR>']
        cells = []
        if self.show_values and node.data is not None:
            cells.append(_lines("data ", summary(node.data, self.max_values)))
        if self.grad_text is not None:
            if node.key in self.grad_text:
                cells.append(_room("grad " + self.grad_text[node.key]))
        elif self.show_values and node.grad is not None:
            cells.append(_lines("grad ", summary(node.grad, self.max_values)))
        if cells:
            span = ' COLSPAN="2"' if len(cells) == 1 else ""
            rows.append("<TR>" + "".join(f'<TD{span} ALIGN="LEFT" BALIGN="LEFT">{c}</TD>' for c in cells) + "</TR>")
        if verdict is not None:
            rows.append(f'<TR><TD COLSPAN="2"><B>{html(verdict.message)}</B></TD></TR>')
        table = (f'<TABLE BORDER="{3 if lit else 1}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
                 f'BGCOLOR="{fill}" COLOR="{border}">' + "".join(rows) + "</TABLE>")
        attrs = f"shape=plain, label=<{table}>"
        if self.tooltips:
            attrs += f", tooltip={quote(self.tooltip(node, verdict))}"
        return f"  {node.key} [{attrs}];"

    def tooltip(self, node: Node, verdict: Verdict | None) -> str:
        parts = [f"{node.name}: {shape_text(node.shape, node.dtype)}"]
        if node.data is not None:
            parts.append("value = " + full_text(node.data))
        elif node.kind == "tensor":
            parts.append("value freed by backward() (al.viz.record_grads(loss).backward() keeps it)")
        if node.grad is not None:
            parts.append("grad = " + full_text(node.grad))
        if verdict is not None and verdict.autodiff is not None:
            parts.append(verdict.message)
            if node.grad is None:
                parts.append("autodiff grad = " + full_text(verdict.autodiff))
        return "\n".join(parts)

    def sum_line(self, key: str, sum_key: str) -> str:
        fill, border = COLORS["sum"]
        lit = key in self.lit
        return (f"  {sum_key} [shape=circle, style=filled, fillcolor={quote(fill)}, "
                f"color={quote(HIGHLIGHT if lit else border)}, width=0.3, fixedsize=true, label=\"+\", "
                f"tooltip={quote('∂L/∂' + self.graph.nodes[key].name + ': the sum of its paths')}];")

    # ----- edges ----------------------------------------------------------------
    def edge_lines(self) -> list[str]:
        graph = self.graph
        uses: dict[str, int] = {}
        for e in graph.edges:
            if e.arg is not None:
                self.inputs_of[e.dst] = self.inputs_of.get(e.dst, 0) + 1
                uses[e.src] = uses.get(e.src, 0) + 1
        lines = []
        for e in graph.edges:
            src, dst = graph.nodes[e.src], graph.nodes[e.dst]
            lit = e.src in self.lit and e.dst in self.lit
            attrs = [f"color={quote(HIGHLIGHT)}", "penwidth=2.5"] if lit else []
            if not self.backward:
                if e.arg is not None and self.inputs_of[e.dst] > 1:
                    attrs.insert(0, f"label={quote(role(e.arg))}")
                lines.append(f"  {e.src} -> {e.dst}" + (f" [{', '.join(attrs)}];" if attrs else ";"))
                continue
            if src.kind == "constant":  # no gradient flows into a constant
                lines.append(f"  {e.src} -> {e.dst} [dir=none, style=dashed, color=\"#9ca3af\"];")
                continue
            attrs = ["dir=back"] + (attrs or [f"color={quote(GRAD_EDGE)}", f"fontcolor={quote(GRAD_EDGE)}"])
            head = e.src
            if e.arg is not None and uses[e.src] > 1:  # several uses: their gradients meet in a "+" node
                head = f"S{e.src}"
                if e.src not in self.sums:
                    self.sums[e.src] = head
                    total = f"∂L/∂{src.name} = Σ of {uses[e.src]} paths"
                    lines.append(f"  {e.src} -> {head} [{', '.join(attrs + [f'label={quote(total)}'])}];")
            if e.arg is not None:
                attrs.append(f"label={quote(f'∂L/∂{role(e.arg)} = {grad_expr(dst.fn, e.arg)}')}")
            lines.append(f"  {head} -> {e.dst} [{', '.join(attrs)}];")
        return lines


def _room(text: str) -> str:
    """A cell line with a little room after it: browsers draw text a few % wider than Graphviz measures."""
    return html(text) + "&#160;" * (1 + len(text) // 16)


def _lines(prefix: str, rows: list[str]) -> str:
    pad = " " * len(prefix)
    return "<BR/>".join(_room((prefix if i == 0 else pad) + r) for i, r in enumerate(rows))


def _clusters(members: dict[tuple, list[str]]) -> list[str]:
    """Node lines nested in `subgraph cluster_*` blocks following the module scopes."""
    children: dict[tuple, set[tuple]] = {}
    for scope in list(members):
        for depth in range(len(scope)):
            children.setdefault(scope[:depth], set()).add(scope[:depth + 1])
    counter = iter(range(1_000_000_000))
    out: list[str] = []

    def emit(scope: tuple, indent: str) -> None:
        if scope:
            path, cls = scope[-1]
            out.append(f"{indent}subgraph cluster_{next(counter)} {{")
            out.append(f"{indent}  label={quote(f'{path} ({cls})' if path else cls, 2 * NAME_CHARS)}; labeljust=l; "
                       f"style=\"rounded,dashed\"; color=\"#0369a1\"; fontcolor=\"#0369a1\"; fontsize=10;")
        for line in members.get(scope, ()):
            out.append(indent + line if scope else line)
        for child in sorted(children.get(scope, ()), key=str):
            emit(child, indent + "  ")
        if scope:
            out.append(f"{indent}}}")

    emit((), "")
    return out
