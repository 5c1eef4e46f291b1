"""The functional layer API, like torch.nn.functional: `import autograd_lite.nn.functional as F`.

Every name here is an op registered with `F=True` in `autograd_lite/ops/` (the fused
primitives live in ops/conv.py, ops/norm.py, ops/activation.py, ops/loss.py; see
ops/registry.py), with PyTorch's signatures and semantics.
"""
from __future__ import annotations

from ..ops import registry as _registry

globals().update(_registry.namespace("F"))
__all__ = sorted(_registry.namespace("F"))
