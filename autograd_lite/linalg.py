"""`al.linalg`: linear algebra with gradients, like `torch.linalg`.

The ops and their gradient rules live in `autograd_lite/ops/linalg.py`; this module
exposes every op registered there with `linalg=True` (see `ops/registry.py`).
"""
from __future__ import annotations

from .ops import registry as _registry
from .ops.linalg import LinAlgError

globals().update(_registry.namespace("linalg"))
__all__ = ["LinAlgError", *sorted(_registry.namespace("linalg"))]
