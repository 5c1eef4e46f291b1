"""`python -m benchmarks [--quick] [--only two_layer,convnet] [--libs torch,autograd_lite] [--no-memory]`

Runs every workload for every installed library, side by side, and writes benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from .harness import ALONE_LIBRARIES, LIBRARIES, pin_threads

HERE = os.path.dirname(os.path.abspath(__file__))


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes and few repeats: a smoke run of seconds")
    p.add_argument("--only", default="", help="comma-separated workloads (default: all)")
    p.add_argument("--libs", default="", help=f"comma-separated libraries among {', '.join(LIBRARIES)}")
    p.add_argument("--threads", type=int, default=None, help="BLAS/torch threads (default: the usable cores)")
    p.add_argument("--repeats", type=int, default=None, help="timed samples per library (default 15; quick 3)")
    p.add_argument("--no-memory", action="store_true", help="skip the per-process peak-memory probes")
    p.add_argument("--no-viz", action="store_true", help="skip the graph viewer timing")
    p.add_argument("--no-alone", action="store_true",
                   help=f"skip timing {', '.join(ALONE_LIBRARIES)} each alone in a fresh process")
    p.add_argument("--runs-dir", default=os.path.join(HERE, "runs"),
                   help="where each full run's target values are kept (the report shows their spread)")
    p.add_argument("--output", default=None, help="where to write the report (default benchmarks/RESULTS.md; "
                   "with --quick: nowhere unless given)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    threads = args.threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    pin_threads(threads)  # before NumPy is imported below
    from . import efficiency, report, viz_timing
    from .harness import environment, measure_alone, measure_memory, pin_torch_threads, time_interleaved, with_variants
    from .workloads import WORKLOADS

    settings = {"quick": args.quick, "threads": threads, "repeats": args.repeats or (3 if args.quick else 15),
                "warmup": 1 if args.quick else 3, "min_sample": 0.0 if args.quick else 0.05}
    names = [w for w in args.only.split(",") if w] or list(WORKLOADS)
    libs = [lib for lib in args.libs.split(",") if lib] or list(LIBRARIES)
    unknown = [w for w in names if w not in WORKLOADS] + [lib for lib in libs if lib not in LIBRARIES]
    if unknown:
        print(f"unknown workload or library: {', '.join(unknown)}", file=sys.stderr)
        return 2
    if "torch" in libs:
        pin_torch_threads(threads)
    env = environment(threads)
    extras: dict = {}
    if any(w in names for w in ("two_layer", "convnet")):
        extras["peak_gflops"] = efficiency.peak_matmul_gflops(args.quick)
        print(f"NumPy float32 matmul peak: {extras['peak_gflops']:.1f} GFLOP/s", flush=True)
    results: dict = {}
    for name in names:
        module = WORKLOADS[name]
        spec = module.make_spec(args.quick)
        available = with_variants(module.BUILDERS)
        builders = {lib: available[lib] for lib in libs if lib in available}
        print(f"{module.TITLE}", flush=True)
        peak_step = efficiency.build_peak_step(args.quick)
        timed = dict(builders, matmul_peak=lambda spec: peak_step) if hasattr(module, "flops") else builders
        repeats = min(settings["repeats"], getattr(module, "MAX_REPEATS", settings["repeats"]))
        warmup = min(settings["warmup"], getattr(module, "MAX_WARMUP", settings["warmup"]))
        timings = time_interleaved(timed, spec, repeats, warmup, settings["min_sample"])
        entry = {"module": module, "spec": spec, "timings": timings}
        peak = timings.pop("matmul_peak", None)
        if peak is not None and peak.median:
            # the limit under this run's load: a big matmul's median, timed in the same rounds
            entry["flops"], entry["peak_gflops"] = module.flops(spec), peak_step.flops / peak.median / 1e9
            ideal = entry["flops"] / (entry["peak_gflops"] * 1e9)
            entry["efficiency"] = {lib: ideal / t.median for lib, t in timings.items() if t.median}
        if not args.no_memory:
            entry["memory"] = {lib: measure_memory(name, lib, args.quick) for lib in builders}
        if not args.no_alone:
            entry["alone"] = {lib: measure_alone(name, lib, args.quick, repeats, threads)
                              for lib in ALONE_LIBRARIES if lib in builders}
        for lib, t in timings.items():
            shown = f"{t.median * 1e3:9.3f} ms" if t.median else t.error
            mem = entry.get("memory", {}).get(lib)
            print(f"  {lib:14s} {shown}" + (f"   peak {mem:.1f} MiB" if isinstance(mem, float) else ""),
                  flush=True)
        results[name] = entry
    if not args.no_viz:
        extras["viz"] = viz_timing.time_to_dot(args.quick)
        print(f"to_dot, {extras['viz']['nodes']} nodes: {extras['viz']['full']['median_s']:.2f} s", flush=True)
    output = args.output or (None if args.quick else os.path.join(HERE, "RESULTS.md"))
    if not args.quick:  # keep this run's target values; the report shows the spread over the kept runs
        report.save_run(args.runs_dir, env, results)
        extras["runs"] = report.load_runs(args.runs_dir)
    scaling = os.path.join(HERE, "plots", "scaling.json")
    if os.path.exists(scaling):
        with open(scaling) as f:
            extras["scaling"] = json.load(f)
    text = report.render(env, results, extras, settings)
    if output:
        with open(output, "w") as f:
            f.write(text)
        print(f"wrote {output}")
    if extras.get("runs") and args.output is None:  # the default report: the README's numbers follow it
        readme = os.path.join(os.path.dirname(HERE), "README.md")
        if os.path.exists(readme) and report.update_readme(readme, extras["runs"]):
            print(f"updated {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
