"""The graph viewer's cost: DOT source for a 10,000-node graph (`al.viz.to_dot`).

The graph is the viz engineer's `benchmarks/bench_viz.py` chain_graph when that file is present
(a tanh RNN-like loop), else an equivalent chain built here; both views are timed (median of repeats)."""
from __future__ import annotations

import importlib.util
import os
import statistics
import time
from typing import Any


def bench_viz_module() -> Any | None:
    """benchmarks/bench_viz.py (the viz engineer's own benchmark script) if it is present."""
    path = os.path.join(os.path.dirname(__file__), "bench_viz.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("benchmarks.bench_viz", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _chain(n_nodes: int) -> Any:
    import autograd_lite as al
    h = al.tensor([[0.5, -0.2], [0.1, 0.3]], requires_grad=True)
    for i in range(n_nodes // 2):  # one op node and its output per op
        h = al.tanh(h) * 1.01 if i % 2 else al.sigmoid(h) + 0.1
    return h.sum()


def time_to_dot(quick: bool, repeats: int = 3) -> dict[str, Any]:
    """Median seconds of to_dot on a ~10,000-node graph: in full, under the default limit, backward view."""
    import autograd_lite as al
    n_nodes = 300 if quick else 10_000
    bench_viz = bench_viz_module()
    root = bench_viz.chain_graph(n_nodes) if bench_viz and hasattr(bench_viz, "chain_graph") else _chain(n_nodes)
    result: dict[str, Any] = {"nodes": n_nodes, "source": "bench_viz.chain_graph" if bench_viz else "a tanh chain"}
    views = (("full", {"max_nodes": None}), ("default", {}), ("backward", {"backward": True, "max_nodes": None}))
    for label, options in views:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            dot = al.viz.to_dot(root, **options)
            times.append(time.perf_counter() - t0)
        result[label] = {"median_s": statistics.median(times), "dot_chars": len(dot)}
    return result
