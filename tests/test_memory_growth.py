"""Memory grows linearly with the graph: the peak memory of a forward + backward, per recorded op, is the
same for a graph of a few hundred nodes as for one of a few thousand (chain and wide tree alike).

tracemalloc sees every allocation of NumPy's arrays and of the Python objects of the graph, so the
per-node figure is exact and machine-independent (no RSS noise); the benchmark plots the same
growth up to 10⁶ nodes (`python -m benchmarks.scaling`)."""
from __future__ import annotations

import gc
import tracemalloc

import pytest

from benchmarks.scaling import graph_step

SIZES = (300, 600, 1200, 2400)


def peak_bytes(shape: str, n_nodes: int) -> int:
    """Peak traced memory above the start, during one forward + backward of an n-node graph."""
    step = graph_step("autograd_lite", shape, n_nodes)
    step()  # first call: lazy imports and caches are not part of the graph's cost
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", ["chain", "tree"])
def test_memory_per_node_is_constant(shape: str) -> None:
    peaks = [peak_bytes(shape, n) for n in SIZES]
    per_node = [(b - a) / (m - n) for (n, a), (m, b) in zip(zip(SIZES, peaks), zip(SIZES[1:], peaks[1:]))]
    # each (10, 10) float64 output is 800 bytes; a node and its tensor add a few hundred more
    assert all(800 <= p <= 4000 for p in per_node), per_node
    assert max(per_node) <= 1.05 * min(per_node), f"{shape}: bytes per added node {per_node} grow with the graph"


def test_the_guard_sees_superlinear_growth() -> None:
    """The per-node comparison would catch a graph that keeps O(n) memory per node."""
    kept: list = []

    def leaky_peak(n: int) -> int:
        kept.clear()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            kept.extend(bytearray(n) for _ in range(n // 10))  # n/10 blocks of n bytes: quadratic in n
            return tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    peaks = [leaky_peak(n) for n in SIZES]
    per_node = [(b - a) / (m - n) for (n, a), (m, b) in zip(zip(SIZES, peaks), zip(SIZES[1:], peaks[1:]))]
    assert max(per_node) > 1.05 * min(per_node)
