"""The checking view's verdicts: a hand-derived gradient against autodiff's, per tensor.

The comparison is `al.check.compare` (the one `check_derivative` uses). Given a DerivativeReport,
its verdicts are drawn as they are, and a missing path (a use of the tensor the hand gradient
leaves out) is returned as node keys to draw in red.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..check.compare import compare
from ..tensor import Tensor
from .graph import Graph


@dataclass
class Verdict:
    """status: "ok", "bad" or "none" (no autodiff gradient to compare with); message: the node's line;
    path: keys of the op nodes on a path the hand gradient misses (drawn in red with what follows them)."""
    status: str
    message: str
    autodiff: np.ndarray | None = None
    path: list[str] = field(default_factory=list)


def _autodiff_grads(roots: Sequence[Tensor], tensors: list[Tensor]) -> dict[int, np.ndarray]:
    """`.grad` where backward left one; otherwise computed now with the graph retained."""
    found = {id(t): t.grad.data for t in tensors if t.grad is not None}
    missing = [t for t in tensors if id(t) not in found and t.requires_grad]
    if missing and len(roots) == 1 and roots[0].numel() == 1 and roots[0].requires_grad:
        from ..backprop import grad
        try:
            grads = grad(roots[0], missing, retain_graph=True, allow_unused=True)
        except RuntimeError:  # a node was released by an earlier backward(): nothing to recompute
            grads = [None] * len(missing)
        found.update((id(t), g.data) for t, g in zip(missing, grads) if g is not None)
    return found


def _from_report(graph: Graph, report: Any) -> dict[str, Verdict]:
    """Verdicts straight from a DerivativeReport: its criteria, diagnosis and missing paths."""
    verdicts = {}
    for check in report.checks:
        t = report.tensors.get(check.name)
        key = graph.key_of(t) if isinstance(t, Tensor) else None
        if key is None:
            continue
        if check.passed:
            message = f"hand ✓ error {check.error_autodiff:.1e}"
        elif check.shape_mistake:
            message = f"hand ✗ shape {check.hand_shape} ≠ {check.shape}"
        else:
            message = f"hand ✗ {check.diagnosis}" if check.mistake else f"hand ✗ error {check.error_autodiff:.1e}"
        path = [f"F{id(u.fn)}" for u in check.missing if u.fn is not None and f"F{id(u.fn)}" in graph.nodes]
        verdicts[key] = Verdict("ok" if check.passed else "bad", message, None, path)
    return verdicts


def check_gradients(graph: Graph, roots: Sequence[Tensor], hand_grads: Any, tol: float) -> dict[str, Verdict]:
    """Verdicts keyed by node. `hand_grads` maps tensors (or tensor names) to hand-derived gradients;
    a DerivativeReport is drawn with its own verdicts (and missing paths)."""
    if hasattr(hand_grads, "checks") and hasattr(hand_grads, "tensors"):
        return _from_report(graph, hand_grads)
    hand_grads: Mapping = getattr(hand_grads, "hand_grads", hand_grads) or {}
    by_name = {n.name: n for n in graph.nodes.values() if n.tensor is not None}
    pairs: list[tuple[str, Tensor, np.ndarray]] = []
    for t, hand in hand_grads.items():
        if isinstance(t, str):
            node = by_name.get(t)
            t = node.tensor if node is not None else None
        key = graph.key_of(t) if isinstance(t, Tensor) else None
        if key is not None:
            pairs.append((key, t, np.asarray(hand.data if isinstance(hand, Tensor) else hand)))
    auto = _autodiff_grads(roots, [t for _, t, _ in pairs])
    verdicts = {}
    for key, t, hand in pairs:
        g = auto.get(id(t))
        if g is None:
            verdicts[key] = Verdict("none", "hand ? no autodiff grad (retain_grad() before backward)")
        elif hand.shape != g.shape:
            verdicts[key] = Verdict("bad", f"hand ✗ shape {hand.shape} ≠ {g.shape}", g)
        else:
            c = compare(hand, g, tol)
            verdicts[key] = Verdict("ok" if c.passed else "bad",
                                    f"hand {'✓' if c.passed else '✗'} error {c.error:.1e}", g)
    return verdicts


def missing_path_keys(graph: Graph, verdicts: Mapping[str, Verdict]) -> set[str]:
    """The keys to draw in red for the paths hand gradients miss: each checked tensor, the op
    of the missed use, and everything from that op on to the outputs."""
    from .graph import descendants
    keys: set[str] = set()
    for key, v in verdicts.items():
        if v.path:
            keys |= {key} | descendants(graph, v.path)
    return keys
