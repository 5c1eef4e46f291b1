"""`autograd-lite check FILE.py`: check the hand-derived gradients written in a file.

The file defines, at top level:

    f(a, b, ...)      the scalar loss, written with autograd_lite ops on Tensors; it may
                      return (loss, {"K": K, ...}) to expose intermediate tensors
    inputs()          example inputs: a dict {"a": array, "b": array, ...} (or a tuple,
                      in f's parameter order)
    grad_<name>(a, b, ...)
                      your hand-derived dL/d<name> as a NumPy function of the same
                      (NumPy) inputs; <name> is a parameter of f or an intermediate's name

Every grad_<name> is compared with autodiff and central differences, in float64.
Exit status: 0 when every formula passes, 1 when one is wrong (or has the wrong
shape), 2 when the file is broken (missing a definition, or a line raised).
FILE may also name a shipped example: autoencoder, autoencoder_wrong, gplvm, swish_net.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any


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
        return path
    from ..examples import CHECKS_DIR
    shipped = CHECKS_DIR / f"{Path(name).stem}.py"
    if not path.suffix and shipped.is_file():
        return shipped
    raise BrokenFile(f"no such file: {name}")


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_autograd_lite_check_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise BrokenFile(f"{_where_raised(exc, path)}\n  {type(exc).__name__}: {exc}") from None
    return module


def _gather(module: Any, path: Path) -> tuple[Any, Any, dict[str, Any]]:
    missing = [n for n in ("f", "inputs") if not callable(getattr(module, n, None))]
    hand = {k[len("grad_"):]: v for k, v in vars(module).items() if k.startswith("grad_") and callable(v)}
    if not hand:
        missing.append("at least one grad_<name>(...) function")
    if missing:
        raise BrokenFile(f"{path} does not define {', '.join(missing)} (see `autograd-lite check --help`)")
    return module.f, module.inputs, hand


def run(path: Path, tol: float, fd_tol: float, eps: float, fd: bool) -> Any:
    """Load and check the file; BrokenFile on any problem with the file itself."""
    from .derivative import DerivativeCheckError, check_derivative
    f, make_inputs, hand = _gather(_load(path), path)
    try:
        return check_derivative(f, make_inputs(), hand, tol=tol, fd_tol=fd_tol, eps=eps, finite_differences=fd)
    except DerivativeCheckError as exc:
        raise BrokenFile(str(exc)) from None
    except Exception as exc:  # a line of the user's f, inputs() or grad_<name> raised
        raise BrokenFile(f"{_where_raised(exc, path)}\n  {type(exc).__name__}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograd-lite check", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="a .py file following the convention below, or a shipped example's name")
    parser.add_argument("--tol", type=float, default=1e-6, help="max relative error vs autodiff (default 1e-6)")
    parser.add_argument("--fd-tol", type=float, default=1e-4,
                        help="max relative error vs finite differences (default 1e-4)")
    parser.add_argument("--eps", type=float, default=1e-6, help="finite-difference step (default 1e-6)")
    parser.add_argument("--no-fd", action="store_true", help="skip finite differences (large inputs)")
    args = parser.parse_args(argv)
    try:
        path = _resolve(args.file)
        report = run(path, args.tol, args.fd_tol, args.eps, not args.no_fd)
    except BrokenFile as exc:
        print(f"autograd-lite check: broken file: {exc}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
