"""The theory homework's three derivations, done with the engine next to their hand-derived closed forms.

- `autoencoder`: the linear autoencoder L = ½‖WᵀWx − x‖² (two paths to W);
- `gplvm`: the GP-LVM log-likelihood L = −D/2·log|K| − ½·tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I;
- `swish_net`: a two-layer net with a Swish hidden layer and softmax cross-entropy.

Each module has the loss written once with autograd_lite ops, the closed-form
gradients as plain NumPy functions, and `example_inputs()`. The folder
`checks/` holds the same derivations as files for `autograd-lite check`
(plus `autoencoder_wrong.py`, the classic one-path answer, which fails).
"""
from pathlib import Path

from . import autoencoder, gplvm, swish_net

CHECKS_DIR = Path(__file__).parent / "checks"


def check_file(name: str) -> Path:
    """The path of a shipped check file, e.g. check_file("gplvm")."""
    path = CHECKS_DIR / f"{name}.py"
    if not path.is_file():
        shipped = sorted(p.stem for p in CHECKS_DIR.glob("*.py") if p.stem != "__init__")
        raise FileNotFoundError(f"no shipped check file {name!r}; choose from {', '.join(shipped)}")
    return path


__all__ = ["autoencoder", "gplvm", "swish_net", "CHECKS_DIR", "check_file"]
