"""Memory grows linearly with the graph: the peak memory of a forward + backward, per recorded op, is the
same for a graph of a few hundred nodes as for one of a few thousand (chain and wide tree alike); and
what a node keeps until backward is what its backward reads (bytes per layer of a stack).

tracemalloc sees every allocation of NumPy's arrays and of the Python objects of the graph, so the
per-node figure is exact and machine-independent (no RSS noise); the benchmark plots the same
growth up to 10⁶ nodes (`python -m benchmarks.scaling`)."""
from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import autograd_lite as al
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


def kept_bytes_per_layer(layer, n_layers: tuple[int, int] = (4, 8)) -> float:
    """Bytes the graph of a stack of layers keeps per layer after the forward (before backward)."""
    x = al.tensor(np.ones((256, 512)), requires_grad=True)  # 1 MiB per activation
    kept = []
    for n in n_layers:
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            h = x
            for _ in range(n):
                h = layer(h)
            kept.append(tracemalloc.get_traced_memory()[0] - base)
            del h
        finally:
            tracemalloc.stop()
    return (kept[1] - kept[0]) / (n_layers[1] - n_layers[0])


ACTIVATION = 256 * 512 * 8


def test_a_layer_keeps_one_activation_when_its_backward_reads_only_its_output() -> None:
    """tanh(h·1.0): tanh saves its output; the product's output is tanh's input, which tanh's backward
    does not read, so the graph lets it go (as PyTorch does): one activation per layer, not two. (ReLU
    keeps even less: a bit mask of a large output, tests/test_memory.py.)"""
    per_layer = kept_bytes_per_layer(lambda h: al.tanh(h * 1.0))
    assert 0.9 * ACTIVATION <= per_layer <= 1.2 * ACTIVATION, per_layer / ACTIVATION


def test_a_layer_whose_backward_reads_no_values_keeps_none() -> None:
    per_layer = kept_bytes_per_layer(lambda h: h * 1.01 + 0.5)  # both backwards need only the constants
    assert per_layer <= 0.1 * ACTIVATION, per_layer / ACTIVATION


def test_a_layer_whose_backward_reads_its_inputs_keeps_them() -> None:
    """The guard sees kept inputs: x·h reads h in its backward, so every h stays."""
    per_layer = kept_bytes_per_layer(lambda h: (h * 1.0) * h)
    assert per_layer >= 0.9 * ACTIVATION, per_layer / ACTIVATION
