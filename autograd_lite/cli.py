"""`autograd-lite`: the command line. Each subcommand lives with the package it drives."""
from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "train": ("autograd_lite.train.cli", "train a model (default: a small ConvNet on the bundled digits)"),
    "check": ("autograd_lite.check.cli", "check hand-derived gradients in FILE.py against autodiff"),
    "graph": ("autograd_lite.viz.cli", "draw the computational graph defined in FILE.py"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["--version"], ["-V"]):
        from . import __version__
        print(f"autograd-lite {__version__}")
        return 0
    if not argv or argv[0] in {"-h", "--help"}:
        if not argv:  # the main job: `autograd-lite` alone trains the default model
            argv = ["train"]
        else:
            print("usage: autograd-lite [--version] {train,check,graph} [options]\n")
            for name, (_, text) in COMMANDS.items():
                print(f"  {name:6s} {text}")
            return 0
    if argv[0] not in COMMANDS:
        if argv[0].startswith("-"):  # options for the default command
            argv = ["train"] + argv
        else:
            print(f"autograd-lite: unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)}", file=sys.stderr)
            return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
