"""Workload 6: a 20,000-op chain (the op-overhead chain, 100× longer), forward + backward.

Deep graphs are where recursive graph walks fail: a RecursionError is reported as the result."""
from __future__ import annotations

from typing import Any

from . import op_overhead

NAME = "long_chain"
TITLE = "6. A 20,000-op chain on (10, 10) float64, fwd+bwd"
PER_OP = False
MAX_REPEATS, MAX_WARMUP = 5, 1  # seconds per step for some peers


def make_spec(quick: bool) -> dict[str, Any]:
    spec = op_overhead.make_spec(False, n_ops=20_000)
    spec["n_ops"] = 600 if quick else 20_000
    return spec


BUILDERS = dict(op_overhead.BUILDERS)
