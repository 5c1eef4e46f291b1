"""Time `al.viz.to_dot` on a 10,000-node graph (a tanh RNN-like loop), drawn in full and
under the default node limit (where repeated structure is folded).

    python benchmarks/bench_viz.py [--nodes 10000]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import autograd_lite as al


def chain_graph(n_nodes: int) -> al.Tensor:
    """h ← tanh(h·w + b), repeated: 3 ops and their 3 outputs (6 drawn nodes) per step."""
    w = al.tensor(np.full(4, 0.9), requires_grad=True, name="w")
    b = al.tensor(np.full(4, 0.1), requires_grad=True, name="b")
    h = al.tensor(np.linspace(-1, 1, 4), name="h0")
    for _ in range(max(1, (n_nodes - 3) // 6)):
        h = al.tanh(h * w + b)
    return h.sum()


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    text = fn()
    seconds = time.perf_counter() - start
    print(f"{label:42s} {seconds:7.3f} s   {text.count(' -> '):6d} edges, {len(text) / 1e6:5.2f} MB of DOT")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=10_000)
    args = parser.parse_args()
    loss = chain_graph(args.nodes)
    timed(f"to_dot, {args.nodes} nodes, no limit", lambda: al.viz.to_dot(loss, max_nodes=None))
    timed(f"to_dot, {args.nodes} nodes, default limit", lambda: al.viz.to_dot(loss))
    timed(f"to_dot backward view, no limit", lambda: al.viz.to_dot(loss, backward=True, max_nodes=None))
    loss.backward()
    timed(f"to_dot after backward(), no limit", lambda: al.viz.to_dot(loss, max_nodes=None))


if __name__ == "__main__":
    main()
