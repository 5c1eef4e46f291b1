"""The checking view's verdicts: a hand-derived gradient against autodiff's, per tensor."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..check import rel_error
from ..tensor import Tensor
from .graph import Graph


@dataclass
class Verdict:
    status: str  # "ok", "bad" or "none" (no autodiff gradient to compare with)
    message: str
    autodiff: np.ndarray | None = None


def _autodiff_grads(roots: Sequence[Tensor], tensors: list[Tensor]) -> dict[int, np.ndarray]:
    """`.grad` where backward left one; otherwise computed now with the graph retained."""
    found = {id(t): t.grad.data for t in tensors if t.grad is not None}
    missing = [t for t in tensors if id(t) not in found and t.requires_grad]
    if missing and len(roots) == 1 and roots[0].numel() == 1 and roots[0].requires_grad:
        from ..engine import grad
        try:
            grads = grad(roots[0], missing, retain_graph=True, allow_unused=True)
        except RuntimeError:  # a node was released by an earlier backward(): nothing to recompute
            grads = [None] * len(missing)
        found.update((id(t), g.data) for t, g in zip(missing, grads) if g is not None)
    return found


def check_gradients(graph: Graph, roots: Sequence[Tensor], hand_grads: Any, tol: float) -> dict[str, Verdict]:
    """Verdicts keyed by node. `hand_grads` maps tensors (or tensor names) to hand-derived
    gradients; a report object with a `.hand_grads` mapping is accepted too."""
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
            err = float(rel_error(hand, g))
            verdicts[key] = Verdict("ok" if err <= tol else "bad",
                                    f"hand {'✓' if err <= tol else '✗'} rel. error {err:.1e}", g)
    return verdicts
