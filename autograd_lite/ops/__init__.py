"""The primitive ops, one file per family, each declared once with `registry.register`.

Importing this package imports every family, so the registry is complete: `autograd_lite`,
`nn.functional`, `al.linalg` and Tensor's methods and operators are all built from it
(see registry.py).
"""
from __future__ import annotations

from . import registry
from . import elementwise, indexing, reduction, shape, matrix  # noqa: F401  (the core families first)
from . import gather, sorting  # noqa: F401  (gather/scatter and sorting build on indexing's Index)
from . import activation, comparison, conv, linalg, linear, loss, norm  # noqa: F401
from . import distance, fold, resample, sparse  # noqa: F401  (F.unfold, fold, interpolate, embedding, ...)
from .elementwise import as_tensor  # noqa: F401  (for the library's own modules)

globals().update(registry.namespace("al"))
__all__ = ["registry", "as_tensor", *sorted(registry.namespace("al"))]
