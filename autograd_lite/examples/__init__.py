"""The theory homework's three derivations, done with the engine next to their hand-derived closed forms.

- `autoencoder`: the linear autoencoder L = ½‖WᵀWx − x‖² (two paths to W);
- `gplvm`: the GP-LVM log-likelihood L = −D/2·log|K| − ½·tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I;
- `swish_net`: a two-layer net with a Swish hidden layer and softmax cross-entropy.

Each module has the loss written once with autograd_lite ops, the closed-form
gradients as plain NumPy functions, and `example_inputs()`; each is also a check
file for `autograd-lite check` (it defines `f`, `inputs()` and `grad_<name>`), as
is `autoencoder_wrong`, the classic one-path answer, which fails.
`autograder_demo` generates a class of submissions for the course autograder.
"""
from pathlib import Path

from . import autoencoder, gplvm, swish_net

CHECKS_DIR = Path(__file__).parent
CHECK_FILES = ("autoencoder", "autoencoder_wrong", "gplvm", "swish_net")


def check_file(name: str) -> Path:
    """The path of a shipped check file, e.g. check_file("gplvm")."""
    if name not in CHECK_FILES:
        raise FileNotFoundError(f"no shipped check file {name!r}; choose from {', '.join(CHECK_FILES)}")
    return CHECKS_DIR / f"{name}.py"


__all__ = ["autoencoder", "gplvm", "swish_net", "CHECKS_DIR", "CHECK_FILES", "check_file"]
