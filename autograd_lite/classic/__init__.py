"""The homework layer API (cs231n assignment 2 style) on the autograd_lite engine.

Every `*_backward` is computed by the engine from the graph its forward recorded,
never derived by hand. Modules: `layers`, `layer_utils`, `fc_net`, `cnn`,
`optim`, `solver`, `gradient_check`, `data_utils`, and `klayer` (the k-layer
network of the column-major homework, with batch norm and a cyclic learning rate).
"""
from . import gradient_check, layers, optim

__all__ = ["layers", "layer_utils", "fc_net", "cnn", "optim", "solver", "gradient_check", "data_utils", "klayer"]


def __getattr__(name: str):  # the heavier modules load on first use
    import importlib
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autograd_lite.classic' has no attribute {name!r}")
