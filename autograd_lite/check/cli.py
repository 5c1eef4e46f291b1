"""`autograd-lite check FILE.py`: check the hand-derived gradients written in a file.

The file defines, at top level:

    f(a, b, ...)      the scalar loss, written with autograd_lite ops on Tensors; it may
                      return (loss, {"K": K, ...}) to expose intermediate tensors
    inputs()          example inputs: a dict {"a": array, "b": array, ...} (or a tuple,
                      in f's parameter order)
    grad_<name>(a, b, ...)
                      your hand-derived dL/d<name> as a NumPy function of the same
                      (NumPy) inputs; <name> is a parameter of f or an intermediate's name
    CHECK = ("a", ...)  optional: check only these grad_<name> (the file may define others)

Every grad_<name> is compared with autodiff at several points and autodiff with
finite differences, in float64 (see al.check.check_derivative). The file runs in a
child process with a timeout (--timeout, default 60 s).
Exit status: 0 when every formula passes, 1 when one is wrong (or has the wrong
shape), 2 when the file is broken (missing a definition, a line raised, it called
exit() or os._exit(), it ran past the timeout, it is not a .py file).
FILE may also name a shipped example: autoencoder, autoencoder_wrong, gplvm, swish_net.

Course autograder: `autograd-lite check --reference ref.py submissions/` grades every
submission (a file holding only grad_<name> functions) against the reference (f,
inputs() or input_sets(), POINTS = {"W": 2, ...}), each in its own process, in
parallel; see autograd_lite.check.grade.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Callable


class BrokenFile(Exception):
    """The check file cannot be used; the message says why."""


def _where_raised(exc: BaseException, path: Path) -> str:
    """'FILE, line N, in func: <the line>' for the innermost frame in the user's file."""
    frames = [fr for fr in traceback.extract_tb(exc.__traceback__) if Path(fr.filename).resolve() == path.resolve()]
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        return f"{path}, line {exc.lineno}: {(exc.text or '').strip()}"
    if not frames:
        return str(path)
    fr = frames[-1]
    return f"{path}, line {fr.lineno}, in {fr.name}: {(fr.line or '').strip()}"


def _resolve(name: str) -> Path:
    path = Path(name)
    if path.is_file():
        if path.suffix == ".ipynb":
            raise BrokenFile(f"{name} is a notebook; export it first (`jupyter nbconvert --to script {name}`) "
                             "and check the .py file")
        if path.suffix != ".py":
            raise BrokenFile(f"{name} is not a Python file (.py); write f, inputs and grad_<name> in a .py file")
        return path
    from ..examples import CHECK_FILES, check_file
    if not path.suffix and name in CHECK_FILES:
        return check_file(name)
    raise BrokenFile(f"no such file: {name}")


def _exit_call(exc: SystemExit, path: Path) -> BrokenFile:
    return BrokenFile(f"{_where_raised(exc, path)}\n  the file calls exit()/sys.exit({exc.code!r}); a check file "
                      "must not end the process")


def _load(path: Path) -> ModuleType:
    from ..examples import CHECK_FILES, CHECKS_DIR
    if path.stem in CHECK_FILES and path.resolve() == (CHECKS_DIR / path.name).resolve():
        return importlib.import_module(f"autograd_lite.examples.{path.stem}")  # a shipped example (package-relative)
    spec = importlib.util.spec_from_file_location(f"_autograd_lite_check_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:
        raise _exit_call(exc, path) from None
    except Exception as exc:
        raise BrokenFile(f"{_where_raised(exc, path)}\n  {type(exc).__name__}: {exc}") from None
    return module


def _gather(module: Any, path: Path) -> tuple[Any, Any, dict[str, Any]]:
    missing = [n for n in ("f", "inputs") if not callable(getattr(module, n, None))]
    hand = {k[len("grad_"):]: v for k, v in vars(module).items() if k.startswith("grad_") and callable(v)}
    if getattr(module, "CHECK", None) is not None:  # optional: which grad_<name> to compare
        hand = {k: v for k, v in hand.items() if k in module.CHECK}
    if not hand:
        missing.append("at least one grad_<name>(...) function")
    if missing:
        raise BrokenFile(f"{path} does not define {', '.join(missing)} (see `autograd-lite check --help`)")
    return module.f, module.inputs, hand


def run(path: Path, tol: float, fd_tol: float, eps: float | None, fd: bool, points: int = 3) -> Any:
    """Load and check the file (in this process); BrokenFile on any problem with the file itself."""
    from .derivative import DerivativeCheckError, HandGradientError, check_derivative
    f, make_inputs, hand = _gather(_load(path), path)
    try:
        return check_derivative(f, make_inputs(), hand, tol=tol, fd_tol=fd_tol, eps=eps, finite_differences=fd,
                                points=points)
    except HandGradientError as exc:
        cause = exc.__cause__
        if isinstance(cause, SystemExit):
            raise _exit_call(cause, path) from None
        raise BrokenFile(f"{_where_raised(cause, path)}\n  {exc}") from None
    except (DerivativeCheckError, ValueError) as exc:
        if isinstance(exc, DerivativeCheckError) or str(exc).startswith("check_derivative"):
            raise BrokenFile(str(exc)) from None
        raise BrokenFile(f"{_where_raised(exc, path)}\n  {type(exc).__name__}: {exc}") from None
    except SystemExit as exc:
        raise _exit_call(exc, path) from None
    except Exception as exc:  # a line of the user's f or inputs() raised
        raise BrokenFile(f"{_where_raised(exc, path)}\n  {type(exc).__name__}: {exc}") from None


def _positive(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograd-lite check", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="a .py file following the convention below, a shipped example's name, or "
                                     "(with --reference) a folder of submissions or one submission")
    parser.add_argument("--tol", type=_positive(float), default=1e-6,
                        help="max |hand − autodiff| relative to max|autodiff| (default 1e-6)")
    parser.add_argument("--fd-tol", type=_positive(float), default=1e-4,
                        help="max |finite differences − autodiff| relative to max|autodiff|, on top of their "
                             "error estimate (default 1e-4)")
    parser.add_argument("--eps", type=_positive(float), default=None,
                        help="finite-difference base step (default: chosen per element)")
    parser.add_argument("--points", type=_positive(int), default=3,
                        help="points to check at: the given inputs and seeded perturbations (default 3)")
    parser.add_argument("--no-fd", action="store_true", help="skip finite differences (large inputs)")
    parser.add_argument("--timeout", type=_positive(float), default=60.0,
                        help="seconds allowed per file or submission (default 60)")
    grading = parser.add_argument_group("course autograder (with --reference)")
    grading.add_argument("--reference", metavar="REF.py",
                         help="the instructor's reference: f, inputs() or input_sets(), POINTS = {name: points}")
    grading.add_argument("--jobs", type=_positive(int), default=None, help="parallel submissions (default: all cores)")
    grading.add_argument("--out", default="grades", help="folder for the reports and summary.csv (default grades/)")
    grading.add_argument("--gradescope", action="store_true",
                         help="also write Gradescope's results.json (per submission)")
    grading.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--child", metavar="RESULT", help=argparse.SUPPRESS)  # internal: run here, write RESULT
    return parser


def _run_child(path: Path, args: argparse.Namespace) -> int:
    """Check the file in a child process with a timeout: exit(), os._exit() and endless loops
    become exit status 2 with the reason, never a silent 0 or a hang."""
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "done.json"
        cmd = [sys.executable, "-m", "autograd_lite.check.cli", str(path), "--child", str(marker),
               "--tol", repr(args.tol), "--fd-tol", repr(args.fd_tol), "--points", str(args.points)]
        cmd += (["--eps", repr(args.eps)] if args.eps is not None else []) + (["--no-fd"] if args.no_fd else [])
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired as exc:
            sys.stdout.write(_text(exc.stdout))
            raise BrokenFile(f"{path}: no report within {args.timeout:g} s (an endless loop?); stopped. "
                             "Raise --timeout for slow checks") from None
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if not marker.is_file():
            raise BrokenFile(f"{path}: the process ended (exit status {result.returncode}) before the report was "
                             "complete: does the file call os._exit() or crash the interpreter?")
        return int(json.loads(marker.read_text())["code"])


def _text(out: Any) -> str:
    return out.decode(errors="replace") if isinstance(out, bytes) else (out or "")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.reference is not None:
        from .grade import main_from_args
        return main_from_args(args)
    try:
        path = _resolve(args.file)
        if args.child is None:
            return _run_child(path, args)
        report = run(path, args.tol, args.fd_tol, args.eps, not args.no_fd, args.points)
        code = 0 if report.passed else 1
        print(report)
    except BrokenFile as exc:
        print(f"autograd-lite check: broken file: {exc}", file=sys.stderr)
        code = 2
    if args.child is not None:
        sys.stdout.flush()
        Path(args.child).write_text(json.dumps({"code": code}))
    return code


if __name__ == "__main__":
    sys.exit(main())
