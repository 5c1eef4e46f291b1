"""In-place writes and the backward passes they would make wrong.

A node keeps (some of) its inputs for backward. If one of them is written in place after
the node used it, the gradient would be computed from the new values: backward refuses.
The bookkeeping is a clock of in-place writes: every write gets the next tick (stored in
the tensor as `_modified_at`), and every node remembers the tick it was recorded at
(`writes_seen`). An input whose tick is later than its node's was modified after use.
"""
from __future__ import annotations

import threading
from typing import Any

writes = 0  # the tick of the latest in-place write anywhere (0: none yet)
_lock = threading.Lock()  # two threads writing at once still get distinct, increasing ticks


def note_inplace_write() -> int:
    """Called when a tensor is written in place; returns the write's tick."""
    global writes
    with _lock:
        writes += 1
        return writes


def modified_inputs(node: Any) -> list[int]:
    """Positions of the node's inputs written in place after the node was recorded."""
    if node.writes_seen == writes:  # no in-place write at all since then: the common case, one comparison
        return []
    return [i for i, t in enumerate(node.inputs) if t._modified_at > node.writes_seen]
