"""Timing, peak-memory and environment measurement shared by every workload.

Timing: all libraries' steps of one workload run in the same process, interleaved
round by round (so a burst of load from other processes hits every library alike),
after warm-up; we report the median of the repeats.

Memory: one fresh process per (workload, library) — see `benchmarks.memprobe`.
"""
from __future__ import annotations

import datetime
import gc
import importlib
import json
import os
import platform
import subprocess
import sys
import time
try:
    import resource  # Unix
except ImportError:
    resource = None
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
# Fixed glibc thresholds: large blocks are always mmap'ed and returned to the OS on free, for every library,
# so a step's peak RSS is not hidden by memory glibc kept from the warm-up step (its adaptive threshold would).
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_TRIM_THRESHOLD_": "131072"}
LIBRARIES = ("numpy", "autograd_lite", "autograd_lite_noscipy", "torch", "autograd", "mygrad")
ALONE_LIBRARIES = ("numpy", "autograd_lite", "torch")  # also timed each alone in a fresh process
LIBRARY_LABELS = {"numpy": "NumPy (hand-written)", "autograd_lite": "autograd_lite",
                  "autograd_lite_noscipy": "autograd_lite without SciPy", "torch": "PyTorch",
                  "autograd": "HIPS autograd", "mygrad": "MyGrad"}
SCIPY_MODULES = ("scipy", "scipy.linalg", "scipy.special")


@contextmanager
def without_scipy() -> Iterator[None]:
    """autograd_lite on its NumPy-only paths: while active, importing SciPy fails and autograd_lite's
    SciPy routine lookup answers None (what it does when SciPy is not installed)."""
    from autograd_lite import _scipy_blas
    modules = {name: sys.modules.get(name) for name in SCIPY_MODULES}
    lookup = _scipy_blas.routine
    sys.modules.update(dict.fromkeys(SCIPY_MODULES))  # None in sys.modules: `import scipy` raises ImportError
    _scipy_blas.routine = lambda name, dtype: None
    try:
        yield
    finally:
        _scipy_blas.routine = lookup
        for name, module in modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def no_scipy_builder(builder: Callable[[Any], Callable[[], float]]) -> Callable[[Any], Callable[[], float]]:
    """An autograd_lite builder whose model is built and stepped without SciPy."""
    def build(spec: Any) -> Callable[[], float]:
        with without_scipy():
            step = builder(spec)

        def step_without_scipy() -> float:
            with without_scipy():
                return step()
        return step_without_scipy
    return build


def with_variants(builders: dict[str, Callable]) -> dict[str, Callable]:
    """The workload's builders, plus autograd_lite without SciPy next to autograd_lite."""
    out = {}
    for lib, builder in builders.items():
        out[lib] = builder
        if lib == "autograd_lite":
            out["autograd_lite_noscipy"] = no_scipy_builder(builder)
    return out


def pin_threads(n: int) -> None:
    """Pin BLAS/OpenMP threads to n. Call before NumPy or torch is imported (the variables are read at load)."""
    for var in THREAD_VARS:
        os.environ[var] = str(n)
    os.environ.update(MALLOC_ENV)


def pin_torch_threads(n: int) -> None:
    """torch.set_num_threads(n) when PyTorch is installed."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(n)


class Skip(Exception):
    """A library cannot run a workload (not installed, or lacks an op); the message says why."""


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)
    faults: list[float] = field(default_factory=list)  # minor page faults per step, one entry per sample
    check: float | None = None  # the step's result on its first call (a loss), to confirm all libraries agree
    error: str | None = None  # e.g. "RecursionError" — a result, not a crash

    @property
    def best(self) -> float | None:
        """The fastest sample: for workloads of a millisecond or two, whose medians swing with the load."""
        return min(self.times) if self.times else None

    @property
    def median(self) -> float | None:
        return _median(self.times)

    @property
    def faults_per_step(self) -> float | None:
        """Pages the step touched afresh (memory the OS had to map in), median over the samples."""
        return _median(self.faults)


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


def _build(builder: Callable, spec: Any) -> Callable[[], float]:
    try:
        return builder(spec)
    except ImportError as e:
        raise Skip(f"not installed ({e.name})") from None


def time_interleaved(builders: dict[str, Callable], spec: Any, repeats: int, warmup: int,
                     min_sample: float) -> dict[str, Timing]:
    """Median-ready timings of each library's step, the libraries interleaved within each round.

    Each sample runs the step `number` times (calibrated so a sample lasts ≥ min_sample seconds)
    and records the time per step.
    """
    results: dict[str, Timing] = {}
    steps: dict[str, tuple[Callable, int]] = {}
    for lib, builder in builders.items():
        try:
            step = _build(builder, spec)
            result = Timing(check=float(step()))
            t0 = time.perf_counter()
            for _ in range(warmup):
                step()
            once = (time.perf_counter() - t0) / max(warmup, 1)
            steps[lib] = (step, max(1, int(min_sample / max(once, 1e-9))))
        except Skip as e:
            result = Timing(error=f"skipped: {e}")
        except RecursionError:
            result = Timing(error="RecursionError")
        except Exception as e:  # a peer failing on a workload is a result to report, not a crash
            result = Timing(error=f"{type(e).__name__}: {str(e)[:120]}")
        results[lib] = result
    for _ in range(repeats):
        for lib, (step, number) in steps.items():
            gc.collect()
            faults, t0 = _minor_faults(), time.perf_counter()
            for _ in range(number):
                step()
            results[lib].times.append((time.perf_counter() - t0) / number)
            results[lib].faults.append((_minor_faults() - faults) / number)
    return results


def measure_memory(workload: str, lib: str, quick: bool, timeout: float = 300.0) -> float | str:
    """Peak extra RSS (MiB) of one step, in a fresh process; or a string saying why there is none."""
    out = _probe("benchmarks.memprobe", [workload, lib] + (["--quick"] if quick else []), MALLOC_ENV, timeout)
    return out if isinstance(out, str) else out["peak_mib"] if "peak_mib" in out else out["error"]


def measure_alone(workload: str, lib: str, quick: bool, repeats: int, threads: int,
                  timeout: float = 300.0) -> dict[str, float] | str:
    """The library's step timed alone in a fresh process, glibc's malloc as a user's process has it (no
    MALLOC_ENV): {"median", "best", "faults_per_step"}, or a string saying why there is none."""
    args = [workload, lib, "--repeats", str(repeats), "--threads", str(threads)] + (["--quick"] if quick else [])
    out = _probe("benchmarks.alone", args, {}, timeout)
    return out if isinstance(out, str) or "error" not in out else out["error"]


def _probe(module: str, args: list[str], env: dict[str, str], timeout: float) -> dict | str:
    """Run `python -m module args` in a fresh process from the repository root, with this process's
    environment (as started, but for `env`); its last output line as JSON, or why there is none."""
    startup = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}  # pin_threads added MALLOC_ENV here
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        proc = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                              env={**startup, **env}, cwd=root, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return f"probe failed: {(proc.stderr.strip().splitlines() or ['?'])[-1][:100]}"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version
        return version(module)
    except Exception:
        try:
            return getattr(importlib.import_module(module), "__version__", "?")
        except ImportError:
            return None


def environment(threads: int) -> dict[str, Any]:
    """Date, machine, library versions and thread settings, for the report."""
    import numpy as np
    env: dict[str, Any] = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "versions": {"numpy": np.__version__},
        "threads": {var: os.environ.get(var) for var in THREAD_VARS},
    }
    for dist, module in (("autograd_lite", "autograd_lite"), ("torch", "torch"), ("autograd", "autograd"),
                         ("mygrad", "mygrad")):
        env["versions"][dist] = _version(module)
    if "torch" in sys.modules:  # imported (and pinned) only when it is benchmarked
        env["threads"]["torch.get_num_threads()"] = sys.modules["torch"].get_num_threads()
    try:
        from threadpoolctl import threadpool_info
        env["threads"]["BLAS pools"] = ", ".join(f"{p['internal_api']} {p['num_threads']}"
                                                 for p in threadpool_info())
    except ImportError:
        pass
    return env
