"""What the site is made from: the public names of autograd_lite, namespace by namespace, and
the README's sections.

One walk over the names serves two readers: `docs/conf.py` writes the API reference pages from it, and
`tests/test_docstrings.py` checks that each name it finds has a docstring. So a name that
is public is documented in the site, and a name without a docstring fails a test.
"""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

# (module, title, what the page says first); the order of the API reference
NAMESPACES: list[tuple[str, str, str]] = [
    ("autograd_lite", "al", "Tensors, ops on them, creation functions, gradients as functions."),
    ("autograd_lite.functional", "al.functional", "Jacobians and Hessians of functions."),
    ("autograd_lite.linalg", "al.linalg", "Differentiable linear algebra, batched over leading dimensions."),
    ("autograd_lite.autograd", "al.autograd", "PyTorch's `torch.autograd` names on autograd_lite."),
    ("autograd_lite.random", "al.random", "Random numbers with PyTorch's `Generator` and `generator=`."),
    ("autograd_lite.nn", "nn", "Modules: layers, activations, losses."),
    ("autograd_lite.nn.functional", "F", "The functions the `nn` layers call, with PyTorch's signatures."),
    ("autograd_lite.optim", "optim", "Optimizers and learning-rate schedules."),
    ("autograd_lite.data", "data", "Data sets, loaders and transforms."),
    ("autograd_lite.utils.data", "al.utils.data", "PyTorch's `torch.utils.data` names on autograd_lite's data."),
    ("autograd_lite.train", "train", "The training loop, its history and the models of `autograd-lite train`."),
    ("autograd_lite.viz", "viz", "Drawing computational graphs."),
    ("autograd_lite.check", "check", "Gradient checks and the derivative checker."),
    ("autograd_lite.classic", "classic", "The homework layer API; every backward is computed by the engine."),
]

# Names that `autograd_lite` loads on first use (its module `__getattr__`), so `dir()` does not list them.
LAZY = {"autograd_lite": ["logdet", "save", "load"]}


@dataclass
class Entry:
    """One public name: where it is reached from and the object it is."""
    module: str
    name: str
    obj: Any
    members: list[str] = field(default_factory=list)  # public methods and properties of a class

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"


def _own(obj: Any) -> bool:
    """True for functions and classes of this package (not NumPy's float64 or typing's Any)."""
    return (inspect.isclass(obj) or callable(obj)) and \
        (getattr(obj, "__module__", None) or "").startswith("autograd_lite")


def _public_names(module: ModuleType) -> list[str]:
    names = list(module.__all__) if hasattr(module, "__all__") else [n for n in dir(module) if not n.startswith("_")]
    return names + [n for n in LAZY.get(module.__name__, []) if n not in names]


def class_members(cls: type) -> list[str]:
    """The public methods and properties a class defines itself (inherited ones are documented on the base)."""
    out = []
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if isinstance(attr, property) or inspect.isfunction(attr):
            out.append(name)
    return out


def walk(module_name: str) -> list[Entry]:
    """Every public function and class reached from `module_name`, recursing into the submodules it lists
    in `__all__` that are not namespaces of their own (classic.layers, optim.lr_scheduler, nn.init)."""
    module = importlib.import_module(module_name)
    own_namespaces = {m for m, _, _ in NAMESPACES}
    entries: list[Entry] = []
    for name in _public_names(module):
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            if hasattr(module, "__all__") and name in module.__all__ and obj.__name__ not in own_namespaces \
                    and obj.__name__.startswith(module_name + "."):
                entries += walk(obj.__name__)
            continue
        if not _own(obj):
            continue
        if not hasattr(module, "__all__") and module_name != "autograd_lite" and obj.__module__ != module_name:
            continue  # a helper imported into a submodule, documented where it is defined
        entries.append(Entry(module_name, name, obj, class_members(obj) if inspect.isclass(obj) else []))
    return entries


def missing_docstrings(entries: list[Entry]) -> list[str]:
    """Qualified names with no docstring. A class needs its own; a method may inherit its base's."""
    missing = []
    for e in entries:
        if not (e.obj.__doc__ or "").strip():
            missing.append(e.qualname)
        for m in e.members:
            attr = inspect.getattr_static(e.obj, m)
            if isinstance(attr, (staticmethod, classmethod)):
                attr = attr.__func__
            if not (inspect.getdoc(getattr(e.obj, m) if not isinstance(attr, property) else attr) or "").strip():
                missing.append(f"{e.qualname}.{m}")
    return missing


def readme_sections(readme: Path) -> list[str]:
    """The README's `## ` headings, in order (lines inside code fences are not headings)."""
    headings, fenced = [], False
    for line in readme.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            headings.append(line)
    return headings
