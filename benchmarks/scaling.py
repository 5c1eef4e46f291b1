"""How cost grows: time and peak memory against batch size and against graph size, autograd_lite and PyTorch.

    python -m benchmarks.scaling [--quick] [--libs autograd_lite,torch] [--max-nodes 1000000]

Sweeps (each point in a fresh process per library, the libraries alternating point by point):
- batch size 1 → 1024: the two-layer step and the ConvNet step (workloads 1 and 2 at other batch sizes);
- graph size 10² → 10⁶ nodes: a chain (the per-op overhead chain, longer) and a wide tree (one (10, 10)
  input scaled into n/2 leaves, summed back by a balanced tree of n/2 additions), forward + backward.
Per point: the peak resident-set growth of the first step (as `benchmarks.memprobe`), then the fastest
of a few timed steps. Writes benchmarks/plots/scaling.json and the plots benchmarks/plots/*.png.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any, Callable

from .harness import MALLOC_ENV, pin_threads

HERE = os.path.dirname(os.path.abspath(__file__))
PLOTS = os.path.join(HERE, "plots")
BATCH_SIZES = (1, 4, 16, 64, 256, 1024)
GRAPH_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
SWEEPS = {"two_layer": BATCH_SIZES, "convnet": BATCH_SIZES, "chain": GRAPH_SIZES, "tree": GRAPH_SIZES}
LABELS = {"two_layer": "two-layer step", "convnet": "ConvNet step", "chain": "chain", "tree": "wide tree"}


def _with_batch(spec: dict, key: str, n: int) -> dict:
    """The workload's spec with its data rows repeated or cut to a batch of n."""
    import numpy as np
    rows = spec[key].shape[0]
    index = np.arange(n) % rows
    return {**spec, key: np.ascontiguousarray(spec[key][index]), "y": spec["y"][index]}


def graph_step(lib_name: str, shape: str, n_nodes: int) -> Callable[[], float]:
    """Forward + backward of a graph of about n_nodes recorded ops (chain or wide tree) on (10, 10) float64."""
    from .workloads.common import LIBRARIES, rng
    lib = LIBRARIES[lib_name]()
    x = lib.tensor(rng(4).standard_normal((10, 10)), True)

    def chain() -> Any:
        h = x
        for _ in range(n_nodes // 3):  # three ops per round, as the per-op overhead chain
            h = lib.module.tanh(h) * 1.01 + 0.1
        return h.sum()

    def tree() -> Any:
        level = [x * (1.0 + i / n_nodes) for i in range(max(1, n_nodes // 2))]  # n/2 leaves ...
        while len(level) > 1:  # ... summed pairwise: n/2 - 1 additions
            level = [a + b for a, b in zip(level[::2], level[1::2])] + level[len(level) - len(level) % 2:]
        return level[0].sum()
    build = chain if shape == "chain" else tree

    def step() -> float:
        lib.clear_grad(x)
        loss = build()
        loss.backward()
        return lib.item(loss)
    return step


def make_step(sweep: str, lib: str, size: int) -> Callable[[], float]:
    """One step of a sweep at one size: a graph of `size` nodes, or the workload at batch `size`."""
    if sweep in ("chain", "tree"):
        return graph_step(lib, sweep, size)
    from .workloads import WORKLOADS
    module = WORKLOADS[sweep]
    spec = _with_batch(module.make_spec(False), "X" if sweep == "two_layer" else "x", size)
    return module.BUILDERS[lib](spec)


def measure_point(sweep: str, lib: str, size: int, repeats: int) -> dict[str, Any]:
    """In this (fresh) process: peak memory of the first step, then the fastest of `repeats` steps."""
    from .memprobe import _release_free_memory, _status_kib
    if lib == "torch":
        import torch
        torch.set_num_threads(1)
    warm = make_step(sweep, lib, min(size, 64))  # the library's one-time lazy initialisation
    warm()
    del warm
    step = make_step(sweep, lib, size)
    _release_free_memory()
    base = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    peak_mib = (_status_kib("VmHWM") - base) / 1024.0
    times = [first]
    for _ in range(repeats if first < 2.0 else 1):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return {"seconds": min(times), "peak_mib": peak_mib}


def run_point(sweep: str, lib: str, size: int, repeats: int, timeout: float = 900.0) -> dict[str, Any]:
    """measure_point in a fresh process (one thread), or {"error": ...}."""
    cmd = [sys.executable, "-m", "benchmarks.scaling", "--point", sweep, lib, str(size), str(repeats)]
    env = {**os.environ, **MALLOC_ENV}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=os.path.dirname(HERE),
                              timeout=timeout)
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    except (json.JSONDecodeError, IndexError):
        return {"error": (proc.stderr.strip().splitlines() or ["probe failed"])[-1][:120]}


def sweep_all(libs: list[str], quick: bool, max_nodes: int) -> dict[str, Any]:
    """{sweep: {lib: {size: point}}}, every point measured in its own process."""
    results: dict[str, Any] = {}
    for sweep, sizes in SWEEPS.items():
        sizes = [s for s in sizes if sweep not in ("chain", "tree") or s <= max_nodes]
        if quick:
            sizes = sizes[:3]
        results[sweep] = {lib: {} for lib in libs}
        for size in sizes:
            for lib in libs:  # alternate libraries point by point
                point = run_point(sweep, lib, size, 1 if quick else 3)
                results[sweep][lib][str(size)] = point
                shown = (f"{point['seconds'] * 1e3:10.2f} ms {point['peak_mib']:9.1f} MiB" if "seconds" in point
                         else point["error"])
                print(f"  {sweep:9s} {lib:14s} {size:>8}  {shown}", flush=True)
    return results


def plot(results: dict[str, Any], out_dir: str) -> list[str]:
    """Log-log plots of time and peak memory per sweep family; returns the files written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    written = []
    for family, sweeps, xlabel in (("batch", ("two_layer", "convnet"), "batch size"),
                                   ("graph", ("chain", "tree"), "recorded ops (nodes)")):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, key, ylabel in ((axes[0], "seconds", "time per step (s)"), (axes[1], "peak_mib", "peak memory (MiB)")):
            for sweep in sweeps:
                for lib, points in results.get(sweep, {}).items():
                    xs = [int(s) for s, p in points.items() if key in p and p[key] > 0]
                    ys = [points[str(s)][key] for s in xs]
                    if xs:
                        ax.plot(xs, ys, marker="o", linestyle="-" if lib == "autograd_lite" else "--",
                                label=f"{LABELS[sweep]}, {lib}")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.grid(True, which="both", alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"How cost grows with {xlabel} (1 thread)")
        fig.tight_layout()
        path = os.path.join(out_dir, f"scaling_{family}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    """Run the sweeps and plot them; with --point, measure one point (in the child process)."""
    if argv and argv[0] == "--point":
        pin_threads(1)
        sweep, lib, size, repeats = argv[1], argv[2], int(argv[3]), int(argv[4])
        try:
            print(json.dumps(measure_point(sweep, lib, size, repeats)))
        except ImportError as e:
            print(json.dumps({"error": f"not installed ({e.name})"}))
        return 0
    p = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the first three sizes of each sweep, one timed step")
    p.add_argument("--libs", default="autograd_lite,torch")
    p.add_argument("--max-nodes", type=int, default=GRAPH_SIZES[-1])
    p.add_argument("--output", default=PLOTS, help="directory for scaling.json and the plots")
    args = p.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_average": os.getloadavg(),
               "sweeps": sweep_all(args.libs.split(","), args.quick, args.max_nodes)}
    with open(os.path.join(args.output, "scaling.json"), "w") as f:
        json.dump(results, f, indent=1)
    for path in plot(results["sweeps"], args.output):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
