"""benchmarks/RESULTS.md: environment, one table per workload, efficiency, the viewer, targets met or not."""
from __future__ import annotations

import glob
import json
import os
from typing import Any

from .harness import ALONE_LIBRARIES, LIBRARIES, LIBRARY_LABELS
from .targets import TARGETS, Results

SPREAD_RUNS = 5  # the report's spread covers the last this many kept runs
README_START, README_END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
# The README's headline rows: (target text in TARGETS, how the README names it)
HEADLINES = (("two-layer step ≤ 1.0× PyTorch", "two-layer step, × PyTorch"),
             ("two-layer step ≤ 1.05× the NumPy baseline", "two-layer step, × hand-written NumPy"),
             ("batch-norm MLP step ≤ 1.05× the NumPy baseline", "batch-norm MLP step, × hand-written NumPy"),
             ("ConvNet step ≤ 1.0× PyTorch", "ConvNet step, × PyTorch"),
             ("ConvNet peak memory ≤ 1.0× PyTorch", "ConvNet peak memory, × PyTorch"),
             ("ResNet conv stage ≤ 1.0× PyTorch", "ResNet conv stage, × PyTorch"),
             ("per-op overhead ≤ 0.5× PyTorch", "per-op overhead (300-op chain), × PyTorch"),
             ("GP-LVM gradient ≤ 1.0× PyTorch", "GP-LVM gradient, × PyTorch"),
             ("20,000-op chain ≤ 1.0× PyTorch", "20,000-op chain, × PyTorch"))


def save_run(directory: str, env: dict[str, Any], results: Results) -> str:
    """Keep one run's target values (and medians) as JSON, named by its date; returns the file."""
    os.makedirs(directory, exist_ok=True)
    record = {"date": env["date"], "cpu": env["cpu"], "load_average": env.get("load_average"), "targets": {},
              "medians": {name: {lib: t.median for lib, t in entry["timings"].items()}
                          for name, entry in results.items()},
              "alone": {name: {lib: a["median"] for lib, a in entry.get("alone", {}).items() if isinstance(a, dict)}
                        for name, entry in results.items() if entry.get("alone")}}
    for target in TARGETS:
        verdict, shown = target.verdict(results)
        if verdict in ("met", "NOT met"):
            record["targets"][target.text] = {"value": target.measure(results)[0], "shown": shown,
                                              "limit": target.limit, "verdict": verdict}
    path = os.path.join(directory, env["date"].replace(" ", "_").replace(":", "") + ".json")
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    return path


def load_runs(directory: str) -> list[dict[str, Any]]:
    """The last SPREAD_RUNS kept runs, oldest first."""
    runs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json")))[-SPREAD_RUNS:]:
        with open(path) as f:
            runs.append(json.load(f))
    return runs


def _value_range(runs: list[dict[str, Any]], text: str) -> tuple[list[float], int]:
    values = [r["targets"][text]["value"] for r in runs if text in r["targets"]]
    met = sum(r["targets"][text]["verdict"] == "met" for r in runs if text in r["targets"])
    return values, met


def _spread(values: list[float], text: str) -> str:
    if not values:
        return "—"
    if "RecursionError" in text:  # 0 = completed, 1 = failed
        return "completed in every run" if max(values) == 0 else f"failed in {sum(v > 0 for v in values)}"
    if "efficiency" in text:  # stored as limit/efficiency; show efficiencies
        return f"{60 / max(values):.0f}-{60 / min(values):.0f}%"
    return f"{min(values):.2f}-{max(values):.2f}×"


def spread_table(runs: list[dict[str, Any]]) -> list[str]:
    """Each target over the kept runs: its range and in how many runs it was met."""
    rows = [f"Each target over the last {len(runs)} full runs ({runs[0]['date']} to {runs[-1]['date']}; load "
            "averages at their starts: " + ", ".join(f"{r['load_average'][0]:.1f}" for r in runs
                                                     if r.get("load_average")) + "):", "",
            "| target | range over runs | met in |", "|---|---|---|"]
    for target in TARGETS:
        values, met = _value_range(runs, target.text)
        if values:
            rows.append(f"| {target.text} | {_spread(values, target.text)} | {met} of {len(values)} |")
    every = runs_meeting_every_target(runs)
    rows += ["", f"Runs in which every target was met: {', '.join(every) if every else 'none'} "
                 f"({len(every)} of {len(runs)})."]
    return rows


def runs_meeting_every_target(runs: list[dict[str, Any]]) -> list[str]:
    """The dates of the runs whose every recorded target was met (one "not measured" counts against the run)."""
    texts = [t.text for t in TARGETS]
    return [r["date"] for r in runs
            if all(r["targets"][text]["verdict"] == "met" for text in texts if text in r["targets"])]


def readme_block(runs: list[dict[str, Any]]) -> str:
    """The README's performance numbers, from the kept runs alone (so the README cannot drift from them)."""
    latest = runs[-1]
    lines = [README_START,
             f"Ratios from the last full run ({latest['date']}, {latest['cpu']}, 1 thread) and their range over "
             f"the last {len(runs)} runs; `benchmarks/RESULTS.md` has the tables, the causes of every gap and "
             "`benchmarks/PROFILE.md` the profiles:", "",
             "| measure | last run | range over runs | target | met in |", "|---|---|---|---|---|"]
    for text, label in HEADLINES:
        if text not in latest["targets"]:
            continue
        values, met = _value_range(runs, text)
        entry = latest["targets"][text]
        lines.append(f"| {label} | {entry['shown']} | {_spread(values, text)} | ≤ {entry['limit']:g}× | "
                     f"{met} of {len(values)} |")
    lines += ["", "![time and memory against batch size](benchmarks/plots/scaling_batch.png)",
              "![time and memory against graph size](benchmarks/plots/scaling_graph.png)", README_END]
    return "\n".join(lines)


def update_readme(path: str, runs: list[dict[str, Any]]) -> bool:
    """Rewrite the README's block between the markers; False if the README has no markers."""
    with open(path) as f:
        text = f.read()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    with open(path, "w") as f:
        f.write(head + readme_block(runs) + tail)
    return True


def scaling_section(scaling: dict[str, Any]) -> list[str]:
    """Per-unit costs from benchmarks/plots/scaling.json: µs and bytes per node, ms and MiB per sample."""
    sweeps = scaling["sweeps"]
    lines = ["## How cost grows", "",
             f"`python -m benchmarks.scaling` ({scaling['date']}, load average {scaling['load_average'][0]:.1f}): "
             "each point in a fresh process per library (1 thread), the libraries alternating point by point; "
             "time is the fastest of 3 steps (1 at the largest sizes), memory the peak resident-set growth of "
             "the first step.", "",
             "![time and memory against batch size](plots/scaling_batch.png)", "",
             "![time and memory against graph size](plots/scaling_graph.png)", ""]
    for family, names, unit, t_scale, t_unit, m_scale, m_unit in (
            ("graph size", ("chain", "tree"), "nodes", 1e6, "µs/node", 2 ** 20, "bytes/node"),
            ("batch size", ("two_layer", "convnet"), "batch", 1e3, "ms/sample", 1.0, "MiB/sample")):
        for name in names:
            libs = sweeps.get(name, {})
            sizes = sorted({int(s) for points in libs.values() for s in points})
            if not sizes:
                continue
            lines += [f"{name.replace('_', '-')} against {family}: time and peak memory per unit "
                      f"({t_unit}, {m_unit})", "",
                      f"| {unit} | " + " | ".join(f"{lib} {t_unit} | {lib} {m_unit}" for lib in libs) + " |",
                      "|---|" + "---|---|" * len(libs)]
            for size in sizes:
                cells = []
                for lib, points in libs.items():
                    p = points.get(str(size), {})
                    memory = p.get("peak_mib", 0.0) * m_scale / size
                    cells += ([f"{p['seconds'] * t_scale / size:.3g}",
                               f"{memory:,.0f}" if m_scale > 1 else f"{memory:.3g}"]
                              if "seconds" in p else [p.get("error", "—"), ""])
                lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
            lines.append("")
            if m_scale > 1:  # graph sweeps: is memory per node constant once fixed costs are amortised?
                for lib, points in libs.items():
                    per_node = [p["peak_mib"] * m_scale / int(s) for s, p in points.items()
                                if "peak_mib" in p and int(s) >= 10_000]
                    if len(per_node) > 1:
                        lines.append(f"- {lib}: {min(per_node):,.0f}-{max(per_node):,.0f} bytes per node from "
                                     f"10,000 nodes up (max/min {max(per_node) / min(per_node):.2f}): "
                                     + ("linear growth." if max(per_node) <= 1.1 * min(per_node)
                                        else "more than linear growth."))
                lines.append("")
    return lines


def _time(seconds: float | None, per_op: int | None) -> str:
    if seconds is None:
        return "—"
    if per_op:
        return f"{1e6 * seconds / per_op:.1f} µs/op"
    return f"{1e3 * seconds:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None else f"{a / b:.2f}×"


def _memory(value: Any) -> str:
    return f"{value:.1f} MiB" if isinstance(value, float) else (value or "—")


def reference_loss(entry: dict[str, Any]) -> float | None:
    """The loss every library's first step must agree with: the hand-written NumPy step's, else the
    workload's NumPy forward (`reference_loss(spec)`)."""
    numpy_timing = entry["timings"].get("numpy")
    if numpy_timing is not None and numpy_timing.check is not None:
        return numpy_timing.check
    module = entry["module"]
    return module.reference_loss(entry["spec"]) if hasattr(module, "reference_loss") else None


def workload_table(entry: dict[str, Any]) -> list[str]:
    """One workload's table: per library its median, ratios, peak memory, efficiency and loss."""
    timings, memory, module = entry["timings"], entry.get("memory") or {}, entry["module"]
    per_op = entry["spec"].get("n_ops") if module.PER_OP else None
    torch_t = timings.get("torch").median if timings.get("torch") else None
    numpy_t = timings.get("numpy").median if timings.get("numpy") else None
    reference = reference_loss(entry)
    eff = entry.get("efficiency", {})
    rows = ["| library | median | × PyTorch | × NumPy baseline | peak memory | memory × PyTorch | "
            + ("efficiency | " if eff else "") + "loss (agrees?) |",
            "|---|---|---|---|---|---|" + ("---|" if eff else "") + "---|"]
    for lib in LIBRARIES:
        t = timings.get(lib)
        if t is None:
            continue
        if t.median is None:
            rows.append(f"| {LIBRARY_LABELS[lib]} | {t.error} | | | {_memory(memory.get(lib))} | | "
                        + ("| " if eff else "") + "|")
            continue
        mem = memory.get(lib)
        mem_ratio = _ratio(mem, memory.get("torch")) if isinstance(mem, float) and isinstance(
            memory.get("torch"), float) else "—"
        agree = "" if reference is None or t.check is None else (
            "✓" if abs(t.check - reference) <= 1e-4 * max(1.0, abs(reference)) else "✗ differs")
        efficiency = f"{100 * eff[lib]:.0f}% | " if lib in eff else ("— | " if eff else "")
        rows.append(f"| {LIBRARY_LABELS[lib]} | {_time(t.median, per_op)} | {_ratio(t.median, torch_t)} | "
                    f"{_ratio(t.median, numpy_t)} | {_memory(mem)} | {mem_ratio} | {efficiency}"
                    f"{t.check:.6g} {agree} |")
    return rows


def alone_section(results: Results) -> list[str]:
    """Each library's step alone in a fresh process: medians, ratios and page faults per step."""
    labels = [LIBRARY_LABELS[lib] for lib in ALONE_LIBRARIES]  # numpy, autograd_lite, torch: the columns below
    rows = []
    for entry in results.values():
        alone = entry.get("alone")
        if not alone:
            continue
        per_op = entry["spec"].get("n_ops") if entry["module"].PER_OP else None
        timed = {lib: alone.get(lib) for lib in ALONE_LIBRARIES}  # a dict, an error string, or None (not run)
        median = {lib: a["median"] if isinstance(a, dict) else None for lib, a in timed.items()}
        shown = [_time(median[lib], per_op) if isinstance(a, dict) else (a or "—") for lib, a in timed.items()]
        faults = " / ".join(f"{a['faults_per_step']:.0f}" if isinstance(a, dict) else "—" for a in timed.values())
        ours = median["autograd_lite"]
        rows.append(f"| {entry['module'].NAME} | {' | '.join(shown)} | {_ratio(ours, median['torch'])} | "
                    f"{_ratio(ours, median['numpy'])} | {faults} |")
    if not rows:
        return []
    return ["## Each library alone in a fresh process", "",
            "The tables above interleave every library in one process, which then share one heap; here NumPy's "
            "hand-written step, autograd_lite and PyTorch each run alone, as a user's training script does "
            "(`python -m benchmarks.alone WORKLOAD LIBRARY`; same warm-up and samples). Page faults per step "
            "count memory a step touched afresh: glibc's malloc returning a step's freed memory to the OS, "
            "to be faulted in again by the next (see autograd_lite/_malloc.py).", "",
            f"| workload | {' | '.join(labels)} | autograd_lite × PyTorch | autograd_lite × NumPy | "
            "page faults per step (NumPy / autograd_lite / PyTorch) |",
            "|---|---|---|---|---|---|---|"] + rows + [""]


def render(env: dict[str, Any], results: Results, extras: dict[str, Any], settings: dict[str, Any]) -> str:
    """The whole of RESULTS.md from one run's results and the kept runs, scaling data and viewer timing."""
    load = env.get("load_average")
    loaded = load is not None and load[0] > 0.5 * (env["usable_cores"] or 1)
    lines = [
        "# Benchmark results", "",
        f"Generated by `python -m benchmarks{' --quick' if settings['quick'] else ''}` on {env['date']}. "
        "Regenerate with `python -m benchmarks` (a few minutes; peers that are not installed are skipped).", "",
        "## Machine and settings", "",
        f"- CPU: {env['cpu']}, {env['cores']} cores ({env['usable_cores']} usable); Python {env['python']}",
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v),
        f"- Threads: pinned to {settings['threads']} for every library — "
        + ", ".join(f"{k}={v}" for k, v in env["threads"].items() if v is not None)
        + (". Fewer threads than cores: on a machine loaded by other processes, 2-thread OpenBLAS/OpenMP "
           "spin-waits collapse (measured here: a 128×128 float32 matmul at 0.2 GFLOP/s with 2 threads vs 79 "
           "with 1, PyTorch steps up to 50× slower), which would measure the load, not the libraries"
           if settings["threads"] < (env["usable_cores"] or 1) else ""),
        f"- Timing: in one process, libraries interleaved round by round; {settings['warmup']} warm-up steps, "
        f"{settings['repeats']} timed samples per library (each ≥ {settings['min_sample'] * 1e3:.0f} ms, "
        "several steps if needed); the median is reported. Ratios compare medians from the same run.",
        "- Peak memory: a fresh process per (workload, library): one warm-up step on a throw-away model (the "
        "library's lazy initialisation), then a fresh model, free memory returned to the OS, and the peak "
        "resident-set growth (VmHWM − VmRSS after resetting the high-water mark) during its first step: "
        "activations, saved tensors, temporaries and the gradients; glibc's mmap threshold fixed for all.",
        f"- Load average at the start: {', '.join(f'{x:.1f}' for x in load) if load else 'unknown'}"
        + (" — **measured on a loaded, shared machine**: absolute times are noisy, the same-run ratios "
           "are the meaningful numbers." if loaded else ""),
        "",
    ]
    lines += ["## Targets", "", "| target | issue | measured | verdict |", "|---|---|---|---|"]
    causes = []
    for target in TARGETS:
        verdict, shown = target.verdict(results)
        lines.append(f"| {target.text} | {target.issue} | {shown} | {verdict} |")
        if verdict == "NOT met" and target.cause:
            causes.append(f"- **{target.text}** ({shown}): {target.cause}")
    lines.append("")
    if causes:
        lines += ["Gaps and their causes (from profiles; see the profile notes below):", ""] + causes + [""]
    for name, entry in results.items():
        lines += [f"## {entry['module'].TITLE}", ""] + workload_table(entry) + [""]
        if entry.get("flops"):
            peak = entry["peak_gflops"]
            lines += [f"Matmul work: {entry['flops'] / 1e6:.0f} MFLOP; at NumPy's float32 matmul throughput "
                      f"measured in the same rounds ({peak:.1f} GFLOP/s, a square matmul timed interleaved with "
                      f"the steps) the ideal time is {1e3 * entry['flops'] / peak / 1e9:.2f} ms. "
                      "Efficiency = ideal time / median time.", ""]
    lines += alone_section(results)
    if "peak_gflops" in extras:
        lines += ["## Efficiency (the physical limit)", "",
                  f"Best NumPy float32 matmul throughput seen on this machine before the run: "
                  f"{extras['peak_gflops']:.1f} GFLOP/s (square 1024 and 2048 matmuls). Efficiencies in the tables "
                  "of workloads 1 and 2 use the throughput measured interleaved with those workloads instead, so "
                  "the machine's load affects the limit and the libraries alike.", ""]
    if extras.get("runs"):
        lines += ["## Spread over runs", ""] + spread_table(extras["runs"]) + [""]
    if extras.get("scaling"):
        lines += scaling_section(extras["scaling"])
    if "viz" in extras:
        v = extras["viz"]
        lines += ["## Graph viewer: DOT source of a large graph", "",
                  f"`al.viz.to_dot` on a graph of about {v['nodes']:,} drawn nodes ({v['source']}), median of 3:", "",
                  "| view | time | DOT size |", "|---|---|---|"]
        for label, text in (("full", "whole graph (max_nodes=None)"), ("default", "default limit (folded)"),
                            ("backward", "backward view, whole graph")):
            lines.append(f"| {text} | {v[label]['median_s']:.2f} s | {v[label]['dot_chars'] / 1e3:,.0f} kB |")
        lines.append("")
    lines += ["## Profile notes", "", "Where the time goes — per workload, per op, and the microseconds of one op on "
              "the 300-op chain — is in `benchmarks/PROFILE.md` (measured with `python -m benchmarks.profile` "
              "and `python -m benchmarks.op_cost`).", ""]
    return "\n".join(lines)
