"""The graph viewer's cost: DOT source for a 10,000-node graph (`al.viz.to_dot`)."""
from __future__ import annotations

import importlib.util
import os
import statistics
import time
from typing import Any


def bench_viz_module() -> Any | None:
    """benchmarks/bench_viz.py (the viz engineer's own benchmark) if it is present."""
    path = os.path.join(os.path.dirname(__file__), "bench_viz.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("benchmarks.bench_viz", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_to_dot(quick: bool, repeats: int = 3) -> dict[str, Any]:
    """Median seconds of to_dot on a chain of 10,000 op nodes: the whole graph, and with the default node limit."""
    import autograd_lite as al
    n_nodes = 300 if quick else 10_000
    x = al.tensor([[0.5, -0.2], [0.1, 0.3]], requires_grad=True)
    h = x
    for i in range(n_nodes // 2):
        h = al.tanh(h) * 1.01 if i % 2 else al.sigmoid(h) + 0.1
    result: dict[str, Any] = {"nodes": n_nodes}
    for label, options in (("full", {"max_nodes": None}), ("default", {})):  # default: folds past 1,000 nodes
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            dot = al.viz.to_dot(h, **options)
            times.append(time.perf_counter() - t0)
        result[label] = {"median_s": statistics.median(times), "dot_chars": len(dot)}
    return result
