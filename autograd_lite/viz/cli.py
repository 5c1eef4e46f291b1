"""`autograd-lite graph FILE.py [--backward] [--out graph.svg]`: draw the graph FILE.py defines.

The file's entry point is a function `graph()` (another name with --entry) taking no
arguments and returning one of
  - a tensor (e.g. a loss), or a tuple / list of tensors (drawn together);
  - a pair (model, example_input): the model is called on the input and its output drawn.
Tensors bound to the file's global names are labelled with those names.
"""
from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path
from typing import Any

from ..tensor import Tensor

FORMATS = {".svg", ".png", ".pdf", ".dot", ".gv"}


def _roots(result: Any) -> list[Tensor]:
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[0]) \
            and not isinstance(result[0], Tensor):
        model, example = result
        return _roots(model(*example) if isinstance(example, (tuple, list)) else model(example))
    if isinstance(result, (tuple, list)) and result and all(isinstance(t, Tensor) for t in result):
        return list(result)
    raise TypeError(f"the entry point returned {type(result).__name__}; expected a tensor, tensors, "
                    "or (model, example_input)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograd-lite graph", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="a Python file defining the entry point")
    parser.add_argument("--entry", default="graph", help="the function to call (default: graph)")
    parser.add_argument("--backward", action="store_true",
                        help="the backward view (runs backward() on a scalar output to show gradients)")
    parser.add_argument("--out", default="graph.svg",
                        help="output file: .svg, .png, .pdf, or .dot/.gv for DOT text; - prints DOT")
    parser.add_argument("--collapse", action="store_true", help="draw each module as one node")
    parser.add_argument("--max-nodes", type=int, default=1000, help="node limit before collapsing (default 1000)")
    parser.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    args = parser.parse_args(argv)

    suffix = Path(args.out).suffix.lower()
    if args.out != "-" and suffix not in FORMATS:
        print(f"autograd-lite graph: --out must end in one of {', '.join(sorted(FORMATS))}", file=sys.stderr)
        return 2
    try:
        namespace = runpy.run_path(args.file, run_name="__autograd_lite_graph__")
    except Exception as e:  # the user's file: report what broke, not our traceback
        print(f"autograd-lite graph: running {args.file} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    entry = namespace.get(args.entry)
    if not callable(entry):
        print(f"autograd-lite graph: {args.file} defines no function {args.entry}() "
              "(it should return a tensor, or (model, example_input))", file=sys.stderr)
        return 2
    try:
        roots = _roots(entry())
        if args.backward and len(roots) == 1 and roots[0].numel() == 1 and roots[0].requires_grad:
            roots[0].backward(retain_graph=True)
    except Exception as e:
        print(f"autograd-lite graph: {args.entry}() failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 2

    from .dot import to_dot
    from .render import GraphvizNotFound, draw_graph
    options = dict(backward=args.backward, names=namespace, collapse_modules=args.collapse,
                   max_nodes=args.max_nodes, rankdir=args.rankdir)
    if args.out == "-" or suffix in {".dot", ".gv"}:
        text = to_dot(*roots, **options)
        if args.out == "-":
            sys.stdout.write(text)
        else:
            Path(args.out).write_text(text, encoding="utf-8")
    else:
        try:
            Path(args.out).write_bytes(draw_graph(*roots, **options).pipe(format=suffix[1:]))
        except GraphvizNotFound as e:
            print(f"autograd-lite graph: {e}", file=sys.stderr)
            return 1
    if args.out != "-":
        print(f"wrote {args.out}")
    return 0
