"""One module per workload: `make_spec(quick)` defines the data and shapes once; `BUILDERS` maps each
library to a function spec -> step() (one training step or gradient evaluation, returning the loss)."""
from __future__ import annotations

from types import ModuleType

from . import bn_mlp, convnet, gplvm, long_chain, op_overhead, resnet, two_layer

WORKLOADS: dict[str, ModuleType] = {m.NAME: m for m in (two_layer, convnet, bn_mlp, op_overhead, gplvm, long_chain,
                                                            resnet)}
