"""The chain rule of a small graph as an ordered list of steps, in text or LaTeX, built from the
same formula strings (`grad_exprs`) the backward view prints on its edges.

Reverse mode in adjoint notation, x̄ = ∂L/∂x: starting from L̄ = 1, each op in reverse
topological order passes its output's adjoint G to its inputs; a tensor used twice receives
two contributions (`+=`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..backprop import topological_order
from ..tensor import Tensor
from .graph import Graph, build, grad_expr, op_label, role

_ROLE = re.compile(r"(?<![A-Za-z0-9_])([a-hG])(?![A-Za-z0-9_])")


@dataclass
class ChainRuleStep:
    target: str  # the tensor receiving a gradient contribution
    source: str  # the op's output, whose adjoint is G
    op: str
    formula: str  # grad_exprs entry with the roles replaced by tensor names, G by the adjoint
    accumulate: bool  # a second (third, ...) contribution: +=
    pieces: list = field(default_factory=list, repr=False)  # formula split around tensor names (for LaTeX)

    def __str__(self) -> str:
        return f"∂L/∂{self.target} {'+=' if self.accumulate else '='} {self.formula}    ({self.op})"


def _order(graph: Graph) -> list[str]:
    """Op keys, each before the ops that produced its inputs (reverse topological order)."""
    prods = graph.producers()
    post = topological_order(graph.roots, lambda key: [e.src for e in prods[key]])
    return [k for k in reversed(post) if graph.nodes[k].kind == "op"]


def _substitute(expr: str, names: dict[str, str]) -> list[Any]:
    """Split a formula into text pieces and role tokens replaced by ('name', tensor name)."""
    pieces: list[Any] = []
    last = 0
    for m in _ROLE.finditer(expr):
        if m.group(1) in names:
            pieces += [expr[last:m.start()], ("name", names[m.group(1)])]
            last = m.end()
    return pieces + [expr[last:]]


def chain_rule_steps(root: Tensor, names: Mapping[str, Any] | None = None) -> list[ChainRuleStep]:
    """The local derivative steps of backpropagation from `root`, in the order they run."""
    return _steps(build([root], names))


def _steps(graph: Graph) -> list[ChainRuleStep]:
    prods, cons = graph.producers(), graph.consumers()
    steps, reached = [], set()
    for op_key in _order(graph):
        fn = graph.nodes[op_key].fn
        out = graph.nodes[cons[op_key][0].dst].name
        ins = sorted((e for e in prods[op_key] if e.arg is not None), key=lambda e: e.arg)
        roles = {role(e.arg): graph.nodes[e.src].name for e in ins}
        roles["G"] = f"∂L/∂{out}"
        for e in ins:
            target = graph.nodes[e.src]
            if target.kind == "constant":
                continue
            pieces = _substitute(grad_expr(fn, e.arg), roles)
            formula = "".join(p if isinstance(p, str) else p[1] for p in pieces)
            steps.append(ChainRuleStep(target.name, out, op_label(fn), formula, e.src in reached, pieces))
            reached.add(e.src)
    return steps


_SYMBOLS = [("⁻ᵀ", "^{-\\top}"), ("⁻¹", "^{-1}"), ("ᵀ", "^{\\top}"), ("·", " \\cdot "), ("⊙", " \\odot "),
            ("−", "-"), ("²", "^{2}"), ("³", "^{3}"), ("σ", "\\sigma "), ("≤", " \\le "), ("≥", " \\ge "),
            ("≠", " \\ne "), ("¬", "\\neg "), ("→", " \\to "), ("Σ", "\\sum "), ("∂", "\\partial "), ("∞", "\\infty ")]
_WORDS = re.compile(r"(?<![\\A-Za-z_])([A-Za-z][A-Za-z_]+)")
_STD = {"exp", "log", "sin", "cos", "tanh", "det", "max", "min"}


def latex_name(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z])(\d*)", name)
    if m:
        return m.group(1) + (f"_{{{m.group(2)}}}" if m.group(2) else "")
    return "\\mathrm{" + name.replace("\\", "").replace("_", "\\_").replace("{", "").replace("}", "") + "}"


def _bar(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z])(\d*)", name)
    if m:
        return f"\\bar{{{m.group(1)}}}" + (f"_{{{m.group(2)}}}" if m.group(2) else "")
    return f"\\overline{{{latex_name(name)}}}"


def _latex_text(text: str) -> str:
    text = _WORDS.sub(lambda m: f"\\{m.group(1)} " if m.group(1) in _STD
                      else f"\\operatorname{{{m.group(1).replace('_', chr(92) + '_')}}}", text)
    for sym, tex in _SYMBOLS:
        text = text.replace(sym, tex)
    text = re.sub(r"\^\(([^()]*)\)", r"^{(\1)}", text)
    return text


def _latex_formula(pieces: list[Any]) -> str:
    out = []
    for p in pieces:
        if isinstance(p, str):
            out.append(_latex_text(p))
        elif p[1].startswith("∂L/∂"):
            out.append(_bar(p[1][4:]))
        else:
            out.append(latex_name(p[1]) + " ")
    tex = re.sub(r"√\s*(\\[a-z]+\{[^{}]*\}(?:_\{\d+\})?|\([^()]*\)|[A-Za-z](?:_\{\d+\})?)", r"\\sqrt{\1}", "".join(out))
    return re.sub(r"\s+(?=\^)", "", re.sub(r"\s+", " ", tex)).strip()


def chain_rule_latex(root: Tensor, names: Mapping[str, Any] | None = None) -> str:
    """An `align*` block of the chain-rule steps from `root` back to its leaves (x̄ = ∂L/∂x)."""
    graph = build([root], names)
    steps = _steps(graph)
    root_name = graph.nodes[graph.roots[0]].name
    start = "1" if root.numel() == 1 else "\\text{given}"
    lines = [f"{_bar(root_name)} &= {start}"]
    for s in steps:
        sign = "\\mathrel{+}=" if s.accumulate else "="
        lines.append(f"{_bar(s.target)} &{sign} {_latex_formula(s.pieces)} && \\text{{({s.op.replace('_', ' ')})}}")
    return ("% reverse-mode chain rule, \\bar{x} = \\partial L / \\partial x\n\\begin{align*}\n"
            + " \\\\\n".join(lines) + "\n\\end{align*}\n")
