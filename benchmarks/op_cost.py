"""Where the microseconds of one op go, on the per-op overhead chain (300 ops on (10, 10) float64).

    python -m benchmarks.op_cost [--n-ops 300] [--repeats 200]

Every figure is the fastest of `repeats` timings (this workload's medians swing with the load), per op:

- forward, whole: building the chain through the public API (`al.tanh(h) * 1.01 + 0.1`);
  - NumPy kernel: each recorded node's `forward(*arrays)` called again on its inputs' arrays;
  - Function construction: `type(node)()` (or with the node's constant) for each node;
  - Tensor construction: `Tensor._make(array, None)` once per op;
  - dispatch and recording: the rest (operator lookup, `apply`'s argument handling, grad-mode check,
    linking the node to its inputs, the sequence number);
- backward, whole: `loss.backward()`;
  - backward calls: each node's gradient formula called directly, as backward without create_graph
    calls it: `backward_arrays` on the gradient's array where the op has one (NumPy only), else
    `backward` on a Tensor with recording off (Tensor ops: kernels, Function and Tensor construction);
  - the graph viewer's record: what keeping each released node's structure for drawing costs
    (forward + backward timed again with `engine.on_release` unset);
  - traversal and accumulation: the rest (ordering the nodes, routing and summing gradients, shape
    checks, freeing saved arrays);
- PyTorch's forward and backward on the same chain, and the hand-written NumPy forward and backward.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Callable

from .harness import pin_threads
from .workloads import op_overhead


def fastest(fn: Callable[[], Any], repeats: int) -> float:
    """The shortest of `repeats` timings of fn(), in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def chain(module: Any, x: Any, rounds: int, outputs: list | None = None) -> Any:
    """The per-op overhead chain through `module` (autograd_lite or torch), summed; each op's output
    appended to `outputs` when given."""
    h = x
    if outputs is None:  # the timed form: exactly the workload's loop
        for _ in range(rounds):
            h = module.tanh(h) * 1.01 + 0.1
        return h.sum()
    for _ in range(rounds):
        a = module.tanh(h)
        b = a * 1.01
        h = b + 0.1
        outputs += (a, b, h)
    return h.sum()


def _construct(node: Any) -> Callable[[], Any]:
    cls = type(node)
    try:
        cls()
        return cls
    except TypeError:
        constant = node.c
        return lambda: cls(constant)


def measure(n_ops: int, repeats: int) -> dict[str, float]:
    """Per-op microseconds of each part (see the module docstring)."""
    import numpy as np

    import autograd_lite as al
    from autograd_lite import Tensor, engine

    x0 = np.random.default_rng(4).standard_normal((10, 10))
    x = al.tensor(x0, requires_grad=True)
    rounds = n_ops // 3

    def forward() -> Any:
        return chain(al, x, rounds)

    def forward_backward() -> None:
        x.grad = None
        forward().backward()

    outputs: list = []
    chain(al, x, rounds, outputs)
    nodes = [t.grad_fn for t in outputs]
    arrays = [[t.data for t in n.inputs] for n in nodes]
    constructors = [_construct(n) for n in nodes]
    g = np.ones((10, 10))
    formulas = [n.backward_arrays if n.backward_arrays is not None else (lambda a, n=n: n.backward(Tensor._make(a)))
                for n in nodes]
    data = x0.copy()
    us = 1e6 / len(nodes)
    parts = {
        "forward": fastest(forward, repeats) * us,
        "kernel": fastest(lambda: [n.forward(*a) for n, a in zip(nodes, arrays)], repeats) * us,
        "function": fastest(lambda: [c() for c in constructors], repeats) * us,
        "tensor": fastest(lambda: [Tensor._make(data, None) for _ in nodes], repeats) * us,
        "forward_backward": fastest(forward_backward, repeats) * us,
    }
    with al.no_grad():
        parts["backward_calls"] = fastest(lambda: [f(g) for f in formulas], repeats) * us
    release, engine.on_release = engine.on_release, None
    try:
        parts["forward_backward_no_viewer"] = fastest(forward_backward, repeats) * us
    finally:
        engine.on_release = release
    return parts


def derive(parts: dict[str, float]) -> dict[str, float]:
    """The parts measured as differences: backward, dispatch and recording, the viewer's record,
    traversal and accumulation."""
    backward = parts["forward_backward"] - parts["forward"]
    viewer = parts["forward_backward"] - parts["forward_backward_no_viewer"]
    return {**parts, "backward": backward, "viewer": viewer,
            "recording": parts["forward"] - parts["kernel"] - parts["function"] - parts["tensor"],
            "traversal": backward - parts["backward_calls"] - viewer}


def measure_peers(n_ops: int, repeats: int) -> dict[str, float]:
    """PyTorch's forward and forward + backward per op, and the hand-written NumPy chain's."""
    import numpy as np
    out: dict[str, float] = {}
    x0 = np.random.default_rng(4).standard_normal((10, 10))
    rounds = n_ops // 3
    us = 1e6 / (3 * rounds)

    numpy_both = op_overhead.build_numpy({"x": x0, "n_ops": n_ops})
    out["numpy_forward_backward"] = fastest(numpy_both, repeats) * us
    try:
        import torch
    except ImportError:
        return out
    torch.set_num_threads(1)
    x = torch.tensor(x0, requires_grad=True)

    def forward() -> Any:
        return chain(torch, x, rounds)

    def both() -> None:
        x.grad = None
        forward().backward()
    out["torch_forward"] = fastest(forward, repeats) * us
    out["torch_forward_backward"] = fastest(both, repeats) * us
    return out


def main(argv: list[str]) -> None:
    """Measure the parts three times, interleaved with the peers, and print the fastest of each."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.op_cost", description=__doc__.splitlines()[0])
    p.add_argument("--n-ops", type=int, default=300)
    p.add_argument("--repeats", type=int, default=200)
    args = p.parse_args(argv)
    pin_threads(1)
    parts, peers = {}, {}
    for _ in range(3):  # interleave the libraries; keep each figure's fastest
        for target, new in ((parts, measure(args.n_ops, args.repeats // 3)),
                            (peers, measure_peers(args.n_ops, args.repeats // 3))):
            for k, v in new.items():
                target[k] = min(v, target.get(k, v))
    parts = derive(parts)
    rows = [("forward, whole", parts["forward"]), ("  NumPy kernel", parts["kernel"]),
            ("  Function construction", parts["function"]), ("  Tensor construction", parts["tensor"]),
            ("  dispatch and recording", parts["recording"]), ("backward, whole", parts["backward"]),
            ("  backward calls (gradient formulas)", parts["backward_calls"]),
            ("  the graph viewer's record", parts["viewer"]),
            ("  traversal and accumulation", parts["traversal"]),
            ("forward + backward, autograd_lite", parts["forward_backward"])]
    if "torch_forward" in peers:
        rows += [("forward, PyTorch", peers["torch_forward"]),
                 ("backward, PyTorch", peers["torch_forward_backward"] - peers["torch_forward"]),
                 ("forward + backward, PyTorch", peers["torch_forward_backward"])]
    rows.append(("forward + backward, hand-written NumPy", peers["numpy_forward_backward"]))
    print("| part (per op) | µs |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
