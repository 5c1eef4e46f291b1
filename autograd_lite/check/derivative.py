"""Check a hand-derived gradient: your formula against autodiff and against finite differences.

Write the function once with autograd_lite ops and each hand-derived gradient
as a plain NumPy function taking the same arguments:

    def f(X, Y):                                   # a scalar loss
        K = 2.0 * X @ X.T + al.eye(len(X))
        return -al.logdet(K) - al.trace(al.linalg.solve(K, Y @ Y.T)), {"K": K}

    def grad_X(X, Y): ...                          # ∂L/∂X, shape of X
    def grad_K(X, Y): ...                          # ∂L/∂K for the intermediate K

    report = al.check.check_derivative(f, {"X": X, "Y": Y}, {"X": grad_X, "K": grad_K})
    print(report)            # a table; in Jupyter an HTML table
    assert report            # True when every formula passes

`f` may return the loss alone, or `(loss, {"name": tensor, ...})` to expose
intermediate tensors whose gradients you also derived by hand. Every input
is checked against autodiff and central differences (in float64);
intermediates against autodiff only (they cannot be perturbed alone).

The relative error is the homework's max |h − r| / (|h| + |r|), with the
floor of the denominator scaled to the gradient's size, 1e-8·max(1, max|r|),
so that rounding noise on entries that are mathematically zero does not
count. A formula passes when its error is ≤ `tol` against autodiff and
≤ `fd_tol` against finite differences. A gradient of the wrong shape is
reported as a shape mistake, and a returned transpose is named as such.
"""
from __future__ import annotations

import html
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from ..engine import grad
from ..tensor import Tensor
from .numeric import numerical_grad


class DerivativeCheckError(ValueError):
    """The check itself cannot run: a non-scalar loss, an unknown gradient name, a missing input."""


def relative_error(hand: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Elementwise |h − r| / max(|h| + |r|, 1e-8·max(1, max|r|))."""
    floor = 1e-8 * max(1.0, float(np.max(np.abs(ref), initial=0.0)))
    return np.abs(hand - ref) / np.maximum(np.abs(hand) + np.abs(ref), floor)


@dataclass
class GradientCheck:
    """The verdict on one hand-derived gradient."""
    name: str
    kind: str                    # "input" or "intermediate"
    shape: tuple[int, ...]       # the tensor's shape
    hand_shape: tuple[int, ...]  # the shape your formula returned
    error_autodiff: float        # relative error vs autodiff (nan on a shape mistake)
    error_fd: float | None       # vs central differences; None for intermediates
    worst_index: tuple[int, ...] | None
    worst_hand: float | None
    worst_autodiff: float | None
    passed: bool
    verdict: str                 # "PASS", "WRONG" or "SHAPE"
    message: str

    @property
    def shape_mistake(self) -> bool:
        return self.verdict == "SHAPE"


def _shape_hint(name: str, hand: np.ndarray, auto: np.ndarray) -> str:
    said = f"{name}: shape mistake: your gradient has shape {hand.shape} but {name} has shape {auto.shape}"
    if hand.ndim == 2 and hand.T.shape == auto.shape:
        err = float(np.max(relative_error(hand.T, auto), initial=0.0))
        if err < 1e-6:
            return f"{said}; its transpose matches autodiff (rel. error {err:.1e}): you returned ∇ᵀ"
    if hand.size == auto.size:
        err = float(np.max(relative_error(hand.reshape(auto.shape), auto), initial=0.0))
        if err < 1e-6:
            return f"{said}; reshaped it matches autodiff (rel. error {err:.1e})"
    if hand.ndim > auto.ndim and hand.shape[hand.ndim - auto.ndim:] == auto.shape:
        return f"{said}; did you forget to sum over the leading (batch) dimension?"
    return said


def _compare(name: str, kind: str, hand: Any, auto: np.ndarray, fd: np.ndarray | None,
             tol: float, fd_tol: float) -> GradientCheck:
    hand = np.asarray(hand, dtype=np.float64)
    if hand.shape != auto.shape:
        return GradientCheck(name, kind, auto.shape, hand.shape, float("nan"), None, None, None, None, False,
                             "SHAPE", _shape_hint(name, hand, auto))
    errors = relative_error(hand, auto)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(errors), errors.shape)) if errors.size else ()
    err_auto = float(errors[worst]) if errors.size else 0.0
    err_fd = None if fd is None else float(np.max(relative_error(hand, fd), initial=0.0))
    passed = err_auto <= tol and (err_fd is None or err_fd <= fd_tol)
    at = f"{name}[{', '.join(map(str, worst))}]" if worst else name
    if passed:
        message = f"{name}: matches"
    elif err_auto > tol:
        message = (f"{name}: the hand formula is wrong: largest relative error {err_auto:.1e} at {at} "
                   f"(hand {hand[worst]:.6g}, autodiff {auto[worst]:.6g})")
    else:
        message = (f"{name}: agrees with autodiff but not with finite differences (rel. error {err_fd:.1e}); "
                   "is f smooth at this point?")
    if fd is not None and float(np.max(relative_error(auto, fd), initial=0.0)) > fd_tol:
        message += " [note: autodiff and finite differences disagree here; f may not be differentiable]"
    return GradientCheck(name, kind, auto.shape, hand.shape, err_auto, err_fd, worst,
                         float(hand[worst]), float(auto[worst]), passed, "PASS" if passed else "WRONG", message)


def _input_names(f: Callable, inputs: Any) -> tuple[list[str], list[Any], bool]:
    """(names, values, by_keyword): inputs as a dict are passed by keyword, otherwise by position."""
    if isinstance(inputs, Mapping):
        return list(inputs), list(inputs.values()), True
    values = [inputs] if isinstance(inputs, (np.ndarray, Tensor)) else list(inputs)
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [params[i] if i < len(params) else f"input{i}" for i in range(len(values))]
    return names, values, False


def check_derivative(f: Callable[..., Any], inputs: Any, hand_grads: Mapping[str, Any], *, tol: float = 1e-6,
                     fd_tol: float = 1e-4, eps: float = 1e-6, finite_differences: bool = True) -> DerivativeReport:
    """Compare hand-derived gradients of the scalar f with autodiff and finite differences.

    f: takes Tensors, returns a scalar Tensor or (scalar, {name: intermediate Tensor}).
    inputs: {name: array} (passed to f by keyword) or a sequence (by position; names from f's signature).
    hand_grads: {name: ndarray or function}; a function gets the inputs as float64 NumPy arrays,
        the same way f gets them, and returns dL/d(name) in the shape of that input or intermediate.
    Returns a DerivativeReport (truthy when every formula passes).
    """
    names, values, by_keyword = _input_names(f, inputs)
    arrays = [_as_array(v) for v in values]
    call = (lambda f_, xs: f_(**dict(zip(names, xs)))) if by_keyword else (lambda f_, xs: f_(*xs))

    tensors = [Tensor(a, requires_grad=a.dtype.kind == "f", name=n) for n, a in zip(names, arrays)]
    out = call(f, tensors)
    loss, intermediates = out if isinstance(out, tuple) else (out, {})
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise DerivativeCheckError(f"check_derivative: f must return a scalar Tensor (or (scalar, dict)), got "
                                   f"{type(loss).__name__} of shape {getattr(loss, 'shape', '?')}")
    if not isinstance(intermediates, Mapping):
        raise DerivativeCheckError("check_derivative: the second value f returns must be a dict {name: Tensor}")
    targets: dict[str, tuple[str, Tensor]] = {n: ("input", t) for n, t in zip(names, tensors)}
    for n, t in intermediates.items():
        if t.name is None:
            t.name = n
        targets.setdefault(n, ("intermediate", t))
    for n in hand_grads:
        if n not in targets:
            raise DerivativeCheckError(
                f"check_derivative: a hand gradient for {n!r}, but f has no input or intermediate of that name "
                f"(inputs: {', '.join(names) or 'none'}; intermediates: {', '.join(intermediates) or 'none'})")
        if not targets[n][1].requires_grad:
            raise DerivativeCheckError(f"check_derivative: {n!r} is not a floating-point tensor that the loss "
                                       "depends on; it has no gradient")

    checked = [n for n in targets if n in hand_grads]
    autodiff = grad(loss, [targets[n][1] for n in checked], retain_graph=True, allow_unused=True)
    results, hand_by_tensor = [], {}
    for n, g in zip(checked, autodiff):
        kind, t = targets[n]
        auto = np.zeros(t.shape) if g is None else np.asarray(g.data, np.float64)
        spec = hand_grads[n]
        hand = spec(**dict(zip(names, _copies(arrays)))) if by_keyword and callable(spec) else (
            spec(*_copies(arrays)) if callable(spec) else spec)
        if hand is None:
            raise DerivativeCheckError(f"check_derivative: the hand gradient for {n!r} returned None")
        fd = None
        if kind == "input" and finite_differences:
            i = names.index(n)
            fd = numerical_grad(lambda x: _loss_only(call(f, tensors[:i] + [x] + tensors[i + 1:])), arrays[i], eps=eps)
        results.append(_compare(n, kind, hand, auto, fd, tol, fd_tol))
        hand_by_tensor[t] = np.asarray(hand, dtype=np.float64)
    return DerivativeReport(getattr(f, "__name__", "f"), results, loss, {n: t for n, (_, t) in targets.items()},
                            hand_by_tensor, tol, fd_tol if finite_differences else None)


def _as_array(value: Any) -> np.ndarray:
    """A float64 copy of a floating input (checks run in float64); other dtypes (labels) as they are."""
    a = np.array(value.data if isinstance(value, Tensor) else value)
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def _copies(arrays: list[np.ndarray]) -> list[np.ndarray]:
    return [a.copy() for a in arrays]


def _loss_only(out: Any) -> Tensor:
    return out[0] if isinstance(out, tuple) else out


class DerivativeReport:
    """The result of check_derivative: one GradientCheck per hand gradient.

    `passed` (also `bool(report)`), `checks` (list), `report["X"]` (one check),
    `loss` (the graph root) and `tensors` ({name: Tensor}); `hand_grads` maps each
    checked Tensor to your array, for `al.viz.draw_graph(report.loss, hand_grads=report.hand_grads)`.
    """

    def __init__(self, function: str, checks: list[GradientCheck], loss: Tensor, tensors: dict[str, Tensor],
                 hand_grads: dict[Tensor, np.ndarray], tol: float, fd_tol: float | None) -> None:
        self.function, self.checks, self.loss, self.tensors = function, checks, loss, tensors
        self.hand_grads, self.tol, self.fd_tol = hand_grads, tol, fd_tol

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> GradientCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no hand gradient named {name!r} was checked; checked: {[c.name for c in self.checks]}")

    @property
    def failed(self) -> list[GradientCheck]:
        return [c for c in self.checks if not c.passed]

    def _criterion(self) -> str:
        fd = f" and ≤ {self.fd_tol:.0e} vs finite differences" if self.fd_tol is not None else ""
        return f"pass: relative error ≤ {self.tol:.0e} vs autodiff{fd} (float64)"

    def _rows(self) -> list[list[str]]:
        rows = []
        for c in self.checks:
            shape = str(c.shape) if not c.shape_mistake else f"{c.shape} ≠ yours {c.hand_shape}"
            num = (lambda x: "n/a" if x is None else f"{x:.1e}")
            rows.append([c.name, c.kind, shape, "—" if c.shape_mistake else num(c.error_autodiff),
                         "—" if c.shape_mistake else num(c.error_fd),
                         "—" if c.worst_index is None else str(c.worst_index),
                         "—" if c.worst_hand is None else f"{c.worst_hand:.6g}",
                         "—" if c.worst_autodiff is None else f"{c.worst_autodiff:.6g}", c.verdict])
        return rows

    HEADER = ["tensor", "kind", "shape", "vs autodiff", "vs finite diff", "worst at", "hand", "autodiff", "verdict"]

    def __str__(self) -> str:
        rows = [self.HEADER] + self._rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEADER))]
        lines = [f"Derivative check of {self.function}: {self._criterion()}", ""]
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        lines.append("")
        if self.passed:
            n = len(self.checks)
            lines.append(f"PASSED: {'the' if n == 1 else f'all {n}'} hand-derived gradient{'s' * (n != 1)} "
                         f"match{'es' * (n == 1)}.")
        else:
            lines.append(f"FAILED: {len(self.failed)} of {len(self.checks)} hand-derived gradients are wrong.")
            lines += ["  ✗ " + c.message for c in self.failed]
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = "passed" if self.passed else f"failed: {', '.join(c.name for c in self.failed)}"
        return f"<DerivativeReport of {self.function}: {state}>"

    def _repr_html_(self) -> str:
        colour = {"PASS": "#1a7f37", "WRONG": "#cf222e", "SHAPE": "#bc4c00"}
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADER)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[:-1])
            + f'<td style="color:{colour[row[-1]]};font-weight:bold">{row[-1]}</td></tr>' for row in self._rows())
        notes = "".join(f"<li>{html.escape(c.message)}</li>" for c in self.failed)
        summary = ("<b>PASSED</b>: every hand-derived gradient matches." if self.passed
                   else f"<b>FAILED</b>:<ul>{notes}</ul>")
        return (f"<div><p>Derivative check of <code>{html.escape(self.function)}</code>: "
                f"{html.escape(self._criterion())}</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table><p>{summary}</p></div>")
