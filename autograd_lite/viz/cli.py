"""`autograd-lite graph FILE.py [--backward] [--animate backprop.html] [--out graph.svg]`: draw the
graph FILE.py defines.

The file's entry point is a function `graph()` (another name with --entry) taking no
arguments and returning one of
  - a tensor (e.g. a loss), or a tuple / list of tensors (drawn together);
  - a pair (model, example_input): the model is called on the input (drawn as `input`) and its
    output drawn, every module in it (buffers named by module path).
Tensors bound to the file's global names are labelled with those names. For gradients
(--backward, --animate) a non-scalar output is summed first, and the title says so.
FILE runs in a child process with a time limit (--timeout): a file that exits, hangs or fails
gives exit code 2 and the reason.
"""
from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..tensor import Tensor

FORMATS = {".svg", ".png", ".pdf", ".dot", ".gv"}
PROG = "autograd-lite graph"


class _UserError(Exception):
    """Something in the user's file; reported in one line, exit code 2."""


def _roots(result: Any) -> tuple[list[Tensor], dict[str, Any], Any]:
    """(output tensors, extra names, model or None) from the entry point's result."""
    if isinstance(result, Tensor):
        return [result], {}, None
    if isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[0]) \
            and not isinstance(result[0], Tensor):
        from .modules import every_module_drawn, model_names
        model, example = result
        named = hasattr(model, "named_modules")
        if named:
            with every_module_drawn(model):
                out = model(*example) if isinstance(example, (tuple, list)) else model(example)
        else:
            out = model(*example) if isinstance(example, (tuple, list)) else model(example)
        roots, _, _ = _roots(out)
        return roots, (model_names(model, example) if named else {}), model if named else None
    if isinstance(result, (tuple, list)) and result and all(isinstance(t, Tensor) for t in result):
        return list(result), {}, None
    raise TypeError(f"the entry point returned {type(result).__name__}; expected a tensor, tensors, "
                    "or (model, example_input)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="a Python file (.py) defining the entry point")
    parser.add_argument("--entry", default="graph", help="the function to call (default: graph)")
    parser.add_argument("--backward", action="store_true",
                        help="the backward view: gradients on every tensor, chain-rule steps on the edges")
    parser.add_argument("--animate", metavar="PAGE.html",
                        help="also write backpropagation step by step as a self-contained HTML page")
    parser.add_argument("--out", default="graph.svg",
                        help="output file: .svg, .png, .pdf, or .dot/.gv for DOT text; - prints DOT")
    parser.add_argument("--collapse", action="store_true", help="draw each module as one node")
    parser.add_argument("--max-nodes", type=_positive, default=1000, help="node limit before collapsing (default 1000)")
    parser.add_argument("--rankdir", default=None, choices=["LR", "TB", "RL", "BT"],
                        help="layout direction (default: chosen from the graph's shape)")
    parser.add_argument("--timeout", type=_seconds, default=60.0, help="seconds FILE may run (default 60)")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _fail(message: str, code: int = 2) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    suffix = Path(args.out).suffix.lower()
    if args.out != "-" and suffix not in FORMATS:
        return _fail(f"--out must end in one of {', '.join(sorted(FORMATS))}")
    if args.animate is not None and Path(args.animate).suffix.lower() not in (".html", ".htm"):
        return _fail(f"--animate must name an .html file, got {args.animate}")
    path = Path(args.file)
    if path.suffix != ".py":
        return _fail(f"{args.file} is not a Python file (.py); give the file that defines {args.entry}()")
    if not path.is_file():
        return _fail(f"{args.file}: no such file")
    for target in [args.out] * (args.out != "-") + ([args.animate] if args.animate else []):
        if Path(target).is_dir() or not Path(target).resolve().parent.is_dir():
            return _fail(f"cannot write {target}: {'it is a folder' if Path(target).is_dir() else 'no such folder'}")

    with tempfile.TemporaryDirectory() as tmp:
        result_path = os.path.join(tmp, "result.json")
        request = dict(file=str(path), entry=args.entry, backward=args.backward, animate=bool(args.animate),
                       collapse=args.collapse, max_nodes=args.max_nodes, rankdir=args.rankdir, result=result_path)
        try:
            child = subprocess.run([sys.executable, "-m", "autograd_lite.viz.cli", "--child", json.dumps(request)],
                                   timeout=args.timeout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   errors="replace")
        except subprocess.TimeoutExpired:
            return _fail(f"{args.file} did not finish within {args.timeout:g} s (a loop that never ends?); "
                         "raise --timeout if it is just slow")
        sys.stdout.write(child.stdout)
        if not os.path.exists(result_path):
            reason = _last_line(child.stderr)
            if child.returncode == 0 or not reason:
                reason = (f"{args.file} ended before drawing anything (exit code {child.returncode}): "
                          "does it call exit(), sys.exit() or os._exit()?")
            return _fail(reason)
        with open(result_path, encoding="utf-8") as f:
            result = json.load(f)
    return _write(args, suffix, result)


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].removeprefix(f"{PROG}: ") if lines else ""


def _write(args: argparse.Namespace, suffix: str, result: dict[str, Any]) -> int:
    from .render import GraphvizNotFound, drawing_of
    text = result["dot"]
    if args.animate:
        Path(args.animate).write_text(result["html"], encoding="utf-8")
        print(f"wrote {args.animate}")
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    if suffix in {".dot", ".gv"}:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        try:
            Path(args.out).write_bytes(drawing_of(text).pipe(format=suffix[1:]))
        except GraphvizNotFound as e:
            return _fail(str(e), 1)
        except subprocess.CalledProcessError as e:
            return _fail(f"Graphviz could not render the graph: {_last_line(e.stderr.decode(errors='replace'))}", 1)
    print(f"wrote {args.out}")
    return 0


def _child(request: dict[str, Any]) -> int:
    """Runs in the child process: the user's file, its entry point, the DOT (and page) as JSON."""
    file, entry_name = request["file"], request["entry"]
    try:
        namespace = runpy.run_path(file, run_name="__autograd_lite_graph__")
    except SystemExit as e:
        return _fail(f"{file} called exit({'' if e.code is None else e.code}) while loading; "
                     f"define {entry_name}() and let it return the tensor to draw")
    except BaseException as e:  # the user's file: report what broke, not our traceback
        return _fail(f"running {file} failed: {type(e).__name__}: {e}")
    entry = namespace.get(entry_name)
    if not callable(entry):
        return _fail(f"{file} defines no function {entry_name}() (it should return a tensor, or (model, example_input))")
    try:
        roots, names, model = _roots(entry())
    except SystemExit as e:
        return _fail(f"{entry_name}() called exit({'' if e.code is None else e.code}) instead of returning")
    except BaseException as e:
        return _fail(f"{entry_name}() failed: {type(e).__name__}: {e}")
    want_grads = request["backward"] or request["animate"]
    title = None
    if want_grads and len(roots) == 1 and roots[0].numel() != 1 and roots[0].requires_grad:
        shape = roots[0].shape
        roots = [roots[0].sum()]
        title = f"gradients of sum(output): the output has shape {shape}, its elements summed to one number"
    if want_grads and not any(r.requires_grad for r in roots):
        title = "no gradients: nothing in this graph requires grad"
    from .animate import animate_backward
    from .dot import to_dot
    names = {**{k: v for k, v in namespace.items() if isinstance(v, Tensor)}, **names}
    try:
        text = to_dot(*roots, backward=request["backward"], names=names, collapse_modules=request["collapse"],
                      max_nodes=request["max_nodes"], rankdir=request["rankdir"], title=title,
                      grads=bool(want_grads) or None)
        page = None
        if request["animate"]:
            if len(roots) != 1 or not roots[0].requires_grad:
                return _fail("--animate needs one output that requires grad")
            page = animate_backward(roots[0], names=names, rankdir=request["rankdir"]).html()
    except Exception as e:
        return _fail(f"drawing failed: {type(e).__name__}: {e}")
    with open(request["result"], "w", encoding="utf-8") as f:
        json.dump({"dot": text, "html": page}, f)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(_child(json.loads(sys.argv[2])))
    sys.exit(main())
