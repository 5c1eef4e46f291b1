"""A course-autograder demo: a reference file and generated student submissions for the linear autoencoder.

    python -m autograd_lite.examples.autograder_demo FOLDER [N]

writes FOLDER/reference.py and FOLDER/submissions/ with N submissions (default 200) — right, wrong
(one path, a factor 2, a sign), crashing, raising, hanging, exiting, printing and importing os — then grades
them with `autograd-lite check --reference` on every core and prints the time it took.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REFERENCE = '''"""Reference: the linear autoencoder L = ½‖WᵀWx − x‖² (two gradients, two input sets)."""
import numpy as np

POINTS = {"W": 2, "x": 1}


def f(W, x):
    r = W.T @ (W @ x) - x
    return 0.5 * (r * r).sum()


def input_sets():
    rng = np.random.default_rng(0)
    return [{"W": rng.standard_normal((2, 4)), "x": rng.standard_normal(4)} for _ in range(2)]
'''

RIGHT_W = "    r = W.T @ W @ x - x\n    return W @ np.outer(r, x) + np.outer(W @ x, r)\n"
RIGHT_X = "    r = W.T @ W @ x - x\n    return (W.T @ W - np.eye(len(x))) @ r\n"

# kind -> (body of grad_W, body of grad_x, extra module-level lines); every body returns or misbehaves
KINDS = {
    "right": (RIGHT_W, RIGHT_X, ""),
    "one_path": ("    r = W.T @ W @ x - x\n    return W @ np.outer(r, x)\n", RIGHT_X, ""),
    "factor": ("    r = W.T @ W @ x - x\n    return 2 * (W @ np.outer(r, x) + np.outer(W @ x, r))\n", RIGHT_X, ""),
    "sign": (RIGHT_W, "    r = W.T @ W @ x - x\n    return -(W.T @ W - np.eye(len(x))) @ r\n", ""),
    "crash": ("    return np.linalg.inv(W) @ x\n", RIGHT_X, ""),
    "hang": ("    while True:\n        pass\n", RIGHT_X, ""),
    "exit": (RIGHT_W, "    exit(0)\n", ""),
    "raises": (RIGHT_W, "    raise ValueError('not done yet')\n", ""),
    "prints": ("    print('debug', W.shape)\n" + RIGHT_W, RIGHT_X, ""),
    "imports": (RIGHT_W, RIGHT_X, "import os  # not allowed\n"),
}

# the share of each kind among generated submissions (cycled deterministically)
MIX = ["right"] * 8 + ["one_path", "factor", "sign", "crash", "hang", "exit", "raises", "prints", "imports"]


def expected_scores() -> dict[str, float]:
    """The score each kind should get (out of 3: W is worth 2, x 1)."""
    return {"right": 3, "one_path": 1, "factor": 1, "sign": 2, "crash": 1, "hang": 1, "exit": 2,
            "raises": 2, "prints": 1, "imports": 0}


def write_reference(folder: Path) -> Path:
    """FOLDER/reference.py."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reference.py"
    path.write_text(REFERENCE)
    return path


def generate_submissions(folder: Path, n: int) -> dict[str, str]:
    """n submissions s000_<kind>.py in folder, kinds cycling through MIX; returns {name: kind}."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = {}
    for i in range(n):
        kind = MIX[i % len(MIX)]
        grad_w, grad_x, head = KINDS[kind]
        name = f"s{i:03d}_{kind}"
        (folder / f"{name}.py").write_text(f"import numpy as np\n{head}\n\ndef grad_W(W, x):\n{grad_w}\n\n"
                                           f"def grad_x(W, x):\n{grad_x}")
        kinds[name] = kind
    return kinds


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(__doc__)
        return 2
    folder, n = Path(argv[0]), int(argv[1]) if len(argv) > 1 else 200
    ref = write_reference(folder)
    generate_submissions(folder / "submissions", n)
    start = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "autograd_lite.cli", "check", "--reference", str(ref),
                            str(folder / "submissions"), "--out", str(folder / "grades"), "--gradescope",
                            "--timeout", "2"])
    print(f"{n} submissions graded in {time.perf_counter() - start:.1f} s (exit status {code})")
    return code


if __name__ == "__main__":
    sys.exit(main())
