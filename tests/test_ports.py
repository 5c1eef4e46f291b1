"""The port corpus: PyTorch programs in `tests/ports/` run on autograd_lite after changing only their imports.

Each `tests/ports/<name>.py` is written as PyTorch tutorials and course notebooks write it. Its twin is made
here by rewriting the import lines alone (`import torch` -> `import autograd_lite as torch`, `torch.nn` ->
`autograd_lite.nn`, `torch.utils.data` -> `autograd_lite.utils.data`, ...; see `IMPORTS`). Every twin runs in
its own subprocess and must exit 0 and print numbers. When torch is installed, the originals run too (in one
subprocess, so torch is imported once) and every printed number must agree: rtol 1e-5, atol 1e-6 (a program
in float32 carries float32 rounding; ports that train for longer use float64 as PyTorch programs that need
precision do). A port prints only what does not depend on random draws, or draws from NumPy and hands the
arrays to both libraries.
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PORTS = Path(__file__).parent / "ports"
ROOT = Path(__file__).parent.parent
NAMES = sorted(p.stem for p in PORTS.glob("*.py") if not p.name.startswith("_"))
RTOL, ATOL = 1e-5, 1e-6

# The fixed mapping, applied to import lines only: torch's module path -> autograd_lite's.
IMPORTS = {"torch": "autograd_lite"}
_IMPORT_LINE = re.compile(r"^(\s*)(import|from)\s+(torch(?:\.[\w.]+)?)\b(.*)$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b|\bTrue\b|\bFalse\b")


def twin_source(source: str) -> str:
    """The autograd_lite twin of a PyTorch program: its import lines rewritten, nothing else touched."""
    out = []
    for line in source.splitlines():
        m = _IMPORT_LINE.match(line)
        if m:
            indent, kind, module, rest = m.groups()
            target = IMPORTS["torch"] + module[len("torch"):]
            if kind == "import" and module == "torch" and not rest.strip():
                line = f"{indent}import {target} as torch"          # `import torch` keeps the name torch
            elif kind == "import" and " as " not in rest:
                raise ValueError(f"write `import {module} as NAME` in a port, not {line.strip()!r}")
            else:
                line = f"{indent}{kind} {target}{rest}"
        out.append(line)
    return "\n".join(out) + "\n"


def numbers(text: str) -> list[float]:
    """Every number a program printed, in order (True/False as 1/0)."""
    values = []
    for tok in _NUMBER.findall(text):
        values.append(1.0 if tok == "True" else 0.0 if tok == "False" else float(tok))
    return values


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONHASHSEED"] = "0"
    return env


_TORCH_DRIVER = textwrap.dedent("""
    import contextlib, io, json, os, runpy, sys, traceback
    import torch
    results = {}
    for path in sys.argv[2:]:
        name = os.path.splitext(os.path.basename(path))[0]
        os.chdir(os.path.join(sys.argv[1], name))
        torch.set_default_dtype(torch.float32)
        torch.set_grad_enabled(True)
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                runpy.run_path(path, run_name="__main__")
            results[name] = {"ok": True, "out": buf.getvalue()}
        except BaseException:
            results[name] = {"ok": False, "out": buf.getvalue() + traceback.format_exc()}
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def torch_outputs(tmp_path_factory) -> dict[str, dict]:
    """What each original PyTorch program printed (one subprocess for all, so torch is imported once)."""
    pytest.importorskip("torch")
    work = tmp_path_factory.mktemp("torch_runs")
    for name in NAMES:
        (work / name).mkdir()
    proc = subprocess.run([sys.executable, "-c", _TORCH_DRIVER, str(work), *(str(PORTS / f"{n}.py") for n in NAMES)],
                          capture_output=True, text=True, timeout=600, env=_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def run_twin(name: str, workdir: Path) -> subprocess.CompletedProcess:
    """Write the twin of port `name` into workdir and run it there in a fresh interpreter."""
    twin = workdir / f"{name}.py"
    twin.write_text(twin_source((PORTS / f"{name}.py").read_text()))
    return subprocess.run([sys.executable, str(twin)], cwd=workdir, capture_output=True, text=True, timeout=120,
                          env=_env())


def test_corpus_is_large_enough() -> None:
    assert len(NAMES) >= 40, NAMES


def test_twin_rewrites_import_lines_only() -> None:
    src = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport torch.optim as optim\n"
           "from torch.utils.data import DataLoader, TensorDataset\nfrom torch import nn\n"
           "from torch.optim.lr_scheduler import StepLR\nx = torch.tensor([1.0])  # torch.nn stays\n"
           "    import torch\n")
    assert twin_source(src).splitlines() == [
        "import autograd_lite as torch", "import autograd_lite.nn as nn",
        "import autograd_lite.nn.functional as F", "import autograd_lite.optim as optim",
        "from autograd_lite.utils.data import DataLoader, TensorDataset", "from autograd_lite import nn",
        "from autograd_lite.optim.lr_scheduler import StepLR", "x = torch.tensor([1.0])  # torch.nn stays",
        "    import autograd_lite as torch"]
    with pytest.raises(ValueError, match="import torch.nn as NAME"):
        twin_source("import torch.nn\n")
    # an unrelated module whose name starts with torch is not rewritten
    assert twin_source("import torchvision\n") == "import torchvision\n"


def test_numbers_parses_what_both_libraries_print() -> None:
    assert numbers("loss 0.25, acc 1e-3 [-2, 3.5] True False (2, 3)") == [0.25, 1e-3, -2.0, 3.5, 1.0, 0.0, 2.0, 3.0]
    got = numbers("nan -inf +7")
    assert math.isnan(got[0]) and got[1:] == [-math.inf, 7.0]
    assert _agree([1.0, math.nan, 2.0], [1.0 + 1e-7, math.nan, 2.1]) == [2]


def _agree(a: list[float], b: list[float]) -> list[int]:
    """Indices where two printed number lists disagree (nan equals nan)."""
    bad = []
    for i, (x, y) in enumerate(zip(a, b)):
        if math.isnan(x) and math.isnan(y):
            continue
        if not math.isclose(x, y, rel_tol=RTOL, abs_tol=ATOL):
            bad.append(i)
    return bad


@pytest.mark.parametrize("name", NAMES)
def test_port(name: str, tmp_path: Path, request) -> None:
    """The twin runs and prints numbers; with torch, the same numbers as the PyTorch original."""
    proc = run_twin(name, tmp_path)
    assert proc.returncode == 0, f"twin of {name} failed:\n{proc.stderr[-3000:]}"
    got = numbers(proc.stdout)
    assert got, f"twin of {name} printed no numbers"
    try:
        import torch  # noqa: F401
    except ImportError:
        return  # the numeric comparison needs the PyTorch original
    ref = request.getfixturevalue("torch_outputs")[name]
    assert ref["ok"], f"the PyTorch original {name} failed:\n{ref['out'][-3000:]}"
    want = numbers(ref["out"])
    assert len(got) == len(want), (f"{name}: twin printed {len(got)} numbers, PyTorch {len(want)}\n"
                                   f"twin:\n{proc.stdout}\ntorch:\n{ref['out']}")
    bad = _agree(got, want)
    lines = "\n".join(f"  #{i}: autograd_lite {got[i]!r}, torch {want[i]!r}" for i in bad[:10])
    assert not bad, f"{name}: {len(bad)} numbers differ\n{lines}\ntwin:\n{proc.stdout}\ntorch:\n{ref['out']}"


# Fixes the corpus called for, in the areas the ports engineer owns (data, nn).

def test_dataloader_collates_as_pytorch_default_collate() -> None:
    import numpy as np

    import autograd_lite as al
    from autograd_lite.utils.data import DataLoader, Dataset

    class Records(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": al.tensor([float(i), 2.0 * i]), "label": i % 2, "weight": 0.5 * i, "name": f"r{i}",
                    "flag": i > 2}

    batch = next(iter(DataLoader(Records(), batch_size=3)))
    assert sorted(batch) == ["flag", "label", "name", "weight", "x"]
    assert batch["x"].shape == (3, 2) and batch["x"].tolist() == [[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]]
    assert batch["label"].dtype == np.int64 and batch["label"].tolist() == [0, 1, 0]
    assert batch["weight"].dtype == np.float64 and batch["weight"].tolist() == [0.0, 0.5, 1.0]
    assert batch["flag"].dtype == np.bool_ and batch["name"] == ["r0", "r1", "r2"]

    class Single(Dataset):  # samples that are one tensor give batches that are one tensor, not 1-tuples
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return al.tensor([float(i)])

    batches = list(DataLoader(Single(), batch_size=2))
    assert all(isinstance(b, al.Tensor) for b in batches) and batches[1].tolist() == [[2.0], [3.0]]

    class Ragged(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return (al.tensor([1.0]),) * (i + 1)

    with pytest.raises(RuntimeError, match="same length"):
        next(iter(DataLoader(Ragged(), batch_size=2)))


def test_activation_layers_take_pytorchs_inplace_flag() -> None:
    import autograd_lite as al
    import autograd_lite.nn as nn

    # layers without an in-place op accept the flag (as nn.LeakyReLU(0.2, inplace=True) in DCGAN code)
    # and compute out of place: PyTorch's result, the input left as it was
    x = al.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    for layer, want in ((nn.LeakyReLU(0.1, True), [-0.1, 0.5, 2.0]), (nn.ELU(alpha=0.5, inplace=True), None),
                        (nn.SiLU(inplace=True), None), (nn.Dropout(0.3, inplace=True), [-1.0, 0.5, 2.0])):
        assert layer.inplace is True and "inplace=True" in repr(layer) or isinstance(layer, nn.Dropout)
        layer.eval()
        out = layer(x)
        assert x.tolist() == [-1.0, 0.5, 2.0]
        if want is not None:
            assert out.tolist() == pytest.approx(want)
    assert nn.LeakyReLU(0.1, True).negative_slope == 0.1 and nn.LeakyReLU().inplace is False
    assert nn.Swish is nn.SiLU
    y = x * 1
    nn.ReLU(True)(y)  # nn.ReLU has an in-place form and writes into its input, as PyTorch's
    assert y.tolist() == [0.0, 0.5, 2.0]
    with pytest.raises(TypeError, match="LeakyReLU"):
        nn.LeakyReLU(0.1, True, True)
    with pytest.raises(TypeError, match="Softplus"):
        nn.Softplus(inplace=True)  # PyTorch's Softplus has no inplace flag either


def test_dataloader_takes_collate_fn_and_pytorchs_worker_arguments() -> None:
    import autograd_lite as al
    from autograd_lite.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(al.arange(6), al.arange(6) * 10)
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return sum(int(x) for x, _ in samples), [int(y) for _, y in samples]

    loader = DataLoader(ds, batch_size=4, collate_fn=collate, num_workers=2, pin_memory=True)
    assert list(loader) == [(6, [0, 10, 20, 30]), (9, [40, 50])] and seen == [4, 2]
    assert loader.num_workers == 2 and loader.pin_memory is True
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(ds, collate_fn="stack")
