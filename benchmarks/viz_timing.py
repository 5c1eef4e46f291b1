"""The graph viewer's cost: DOT source for a 10,000-node graph (`al.viz.to_dot`), three views timed."""
from __future__ import annotations

import statistics
import time
from typing import Any

from .bench_viz import chain_graph


def time_to_dot(quick: bool, repeats: int = 3) -> dict[str, Any]:
    """Median seconds of to_dot on a ~10,000-node graph: in full, under the default limit, backward view."""
    import autograd_lite as al
    n_nodes = 300 if quick else 10_000
    root = chain_graph(n_nodes)
    result: dict[str, Any] = {"nodes": n_nodes, "source": "bench_viz.chain_graph"}
    views = (("full", {"max_nodes": None}), ("default", {}), ("backward", {"backward": True, "max_nodes": None}))
    for label, options in views:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            dot = al.viz.to_dot(root, **options)
            times.append(time.perf_counter() - t0)
        result[label] = {"median_s": statistics.median(times), "dot_chars": len(dot)}
    return result
