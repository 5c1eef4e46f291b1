"""Check a hand-derived gradient: your formula against autodiff, at several points, and autodiff against
finite differences.

Write the function once with autograd_lite ops and each hand-derived gradient
as a plain NumPy function taking the same arguments:

    def f(X, Y):                                   # a scalar loss
        K = 2.0 * X @ X.T + al.eye(len(X))
        return -al.logdet(K) - al.trace(al.linalg.solve(K, Y @ Y.T)), {"K": K}

    def grad_X(X, Y): ...                          # ∂L/∂X, shape of X
    def grad_K(X, Y): ...                          # ∂L/∂K for the intermediate K

    report = al.check.check_derivative(f, {"X": X, "Y": Y}, {"X": grad_X, "K": grad_K})
    print(report)            # verdict first, then a table; in Jupyter an HTML table
    assert report            # True when every formula passes

`f` may return the loss alone, or `(loss, {"name": tensor, ...})` to expose
intermediate tensors whose gradients you also derived by hand.

The criteria (float64 throughout):
- your formula h agrees with autodiff r: max|h − r| ≤ tol·max|r|, at the given
  inputs and at `points − 1` seeded random perturbations of them (a symmetric
  matrix input becomes non-symmetric there, so a formula that holds only for
  symmetric inputs is caught and said to be so). Where the gradient is ≈ 0
  (max|r| tiny relative to the loss) it is judged relative to its own size with
  tolerance 1e-2, and also at a second point, 0.1 times the inputs;
- autodiff agrees with finite differences at the given inputs:
  |fd − r| ≤ fd_tol·max|r| + 4·(fd's error estimate), elementwise. The finite
  differences are Richardson-extrapolated central differences with step
  selection and an error estimate (`numeric.richardson_grad`); a disagreement
  within that estimate passes, with a note. Intermediates cannot be perturbed
  alone, so they are compared with autodiff only.
A wrong formula gets a diagnosis in words (`compare.diagnose`): a constant
factor, a sign, averaging instead of summing, a missing path (for a tensor used
by several ops, each use's contribution is computed with one backward per use),
a transpose, a formula right on part of the entries, or one that holds only for
symmetric inputs.
"""
from __future__ import annotations

import html
import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..backprop import grad
from ..grad_mode import no_grad
from ..tensor import Tensor
from .compare import Comparison, Diagnosis, Use, compare, diagnose, shape_hint
from .numeric import richardson_grad


class DerivativeCheckError(ValueError):
    """The check itself cannot run: a non-scalar loss, an unknown gradient name, a missing input."""


class HandGradientError(DerivativeCheckError):
    """A hand gradient function raised; the message names it, `__cause__` is the original exception."""


@dataclass
class GradientCheck:
    """The verdict on one hand-derived gradient.

    error_autodiff: max|h − r| / max|r| at the point where it is worst (nan on a shape mistake);
    norm_error, cosine: ‖h − r‖/‖r‖ and cos(h, r) there; error_fd: max|fd − r| / max|r| at the
    given inputs (None for intermediates or without finite differences), fd_noise: FD's own error
    estimate on that scale. worst_index points at the entry that failed the failing comparison.
    verdict: "PASS", "WRONG", "SHAPE" or "UNSURE" (your formula matches autodiff, but autodiff and
    finite differences disagree beyond FD's error: f may not be differentiable there).
    mistake: the kind of mistake ("factor", "sign", "mean-vs-sum", "missing-path", "transpose",
    "partial", "symmetric-only", "nan", "zero", "shape", ...) or None; diagnosis: it in words.
    """
    name: str
    kind: str                    # "input" or "intermediate"
    shape: tuple[int, ...]
    hand_shape: tuple[int, ...]
    error_autodiff: float
    error_fd: float | None
    worst_index: tuple[int, ...] | None
    worst_hand: float | None
    worst_autodiff: float | None
    passed: bool
    verdict: str
    message: str
    norm_error: float = float("nan")
    cosine: float = float("nan")
    fd_noise: float | None = None
    mistake: str | None = None
    diagnosis: str = ""
    point: str = "the given inputs"
    notes: list[str] = field(default_factory=list)
    missing: list[Use] = field(default_factory=list)

    @property
    def shape_mistake(self) -> bool:
        """True when the hand gradient's shape differs from the tensor's (verdict "SHAPE"): no value was compared."""
        return self.verdict == "SHAPE"


# ----- the points and what autodiff says there -------------------------------------------------
@dataclass
class Point:
    """One point the formulas are checked at: its arrays, the recorded graph, autodiff's gradients."""
    label: str
    arrays: list[np.ndarray]
    loss: Tensor
    tensors: dict[str, Tensor]
    kinds: dict[str, str]
    autodiff: dict[str, np.ndarray]
    _uses: dict[str, list[Use]] = field(default_factory=dict)

    def uses(self, name: str) -> list[Use]:
        """The contribution of each use of tensor `name` (one backward per use); [] if used once."""
        if name not in self._uses:
            self._uses[name] = _per_use(self.loss, self.tensors[name], self.autodiff[name])
        return self._uses[name]


def _label(t: Tensor, depth: int = 1) -> str:
    if t.name:
        return t.name
    fn = t.grad_fn
    if fn is None or depth <= 0 or fn.inputs is None:
        return "·"
    return f"({_expr(fn, depth - 1)})"


def _expr(fn: Any, depth: int) -> str:
    expr = getattr(fn, "expr", "") or fn.op_name
    args = [_label(t, depth) for t in fn.inputs]
    role = lambda m: args[ord(m[1]) - 97] if ord(m[1]) - 97 < len(args) else m[1]  # noqa: E731 (a → first input)
    return re.sub(r"(?<![A-Za-z])([a-h])(?![A-Za-z])", role, expr)


def _describe_use(fn: Any, slot: int) -> str:
    return f"`{fn.op_name}` ({_expr(fn, 1)})"


def _per_use(loss: Tensor, t: Tensor, total: np.ndarray) -> list[Use]:
    """For a tensor used by several ops: each use's share of dL/dt, as ∂L/∂(that op's output)
    pulled back through that op's backward alone. Empty when t has one use (or the graph is gone)."""
    outputs: dict[int, Tensor] = {id(loss.grad_fn): loss} if loss.grad_fn is not None else {}
    uses, stack, seen = [], [loss.grad_fn] if loss.grad_fn is not None else [], set()
    while stack:
        fn = stack.pop()
        if id(fn) in seen or fn.inputs is None:
            continue
        seen.add(id(fn))
        for slot, x in enumerate(fn.inputs):
            if x is t:
                uses.append((fn, slot))
            if x.grad_fn is not None:
                outputs.setdefault(id(x.grad_fn), x)
                stack.append(x.grad_fn)
    if len(uses) < 2:
        return []
    consumers = list({id(fn): fn for fn, _ in uses}.values())
    outs = [outputs[id(fn)] for fn in consumers]
    upstream = dict(zip(map(id, consumers), grad(loss, outs, retain_graph=True, allow_unused=True)))
    found = []
    with no_grad():
        for fn, slot in uses:
            g_out = upstream[id(fn)]
            if g_out is None:
                contribution = np.zeros(t.shape)
            else:
                gs = fn.backward(g_out)
                g = (gs if isinstance(gs, tuple) else (gs,))[slot]
                if g is None:
                    contribution = np.zeros(t.shape)
                else:
                    g = g.sum_to_size(t.shape) if g.shape != t.shape else g
                    contribution = np.asarray(g.data, np.float64)
            found.append(Use(_describe_use(fn, slot), contribution, fn, slot))
    labels = [u.label for u in found]
    for u in found:
        if labels.count(u.label) > 1:
            u.label += f" as {'abcdefgh'[u.slot] if u.slot < 8 else u.slot}"
    scale = float(np.max(np.abs(total), initial=0.0))
    if float(np.max(np.abs(sum(u.contribution for u in found) - total), initial=0.0)) > 1e-8 * max(scale, 1e-300):
        return []  # the contributions do not add up (a custom backward): say nothing about paths
    return found


# ----- check_derivative -------------------------------------------------------------------------
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


def _as_array(value: Any) -> np.ndarray:
    """A float64 copy of a floating input (checks run in float64); other dtypes (labels) as they are."""
    a = np.array(value.data if isinstance(value, Tensor) else value)
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def _loss_only(out: Any) -> Tensor:
    return out[0] if isinstance(out, tuple) else out


class _Problem:
    """f, its inputs' names and how to call it; evaluates points."""

    def __init__(self, f: Callable, inputs: Any) -> None:
        self.f = f
        self.names, values, self.by_keyword = _input_names(f, inputs)
        self.arrays = [_as_array(v) for v in values]
        self.function = getattr(f, "__name__", "f")

    def call(self, fn: Callable, xs: list[Any]) -> Any:
        return fn(**dict(zip(self.names, xs))) if self.by_keyword else fn(*xs)

    def evaluate(self, arrays: list[np.ndarray], label: str, wanted: list[str] | None) -> Point:
        tensors = [Tensor(a.copy(), requires_grad=a.dtype.kind == "f", name=n) for n, a in zip(self.names, arrays)]
        out = self.call(self.f, tensors)
        loss, intermediates = out if isinstance(out, tuple) and len(out) == 2 else (out, {})
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise DerivativeCheckError(f"check_derivative: f must return a scalar Tensor (or (scalar, dict)), got "
                                       f"{type(loss).__name__} of shape {getattr(loss, 'shape', '?')}")
        if not isinstance(intermediates, Mapping):
            raise DerivativeCheckError("check_derivative: the second value f returns must be a dict {name: Tensor}")
        named = dict(zip(self.names, tensors))
        kinds = dict.fromkeys(self.names, "input")
        for n, t in intermediates.items():
            if n in named:
                raise DerivativeCheckError(f"check_derivative: f returns an intermediate named {n!r}, the name of an "
                                           "input; rename the intermediate")
            if not isinstance(t, Tensor):
                raise DerivativeCheckError(f"check_derivative: intermediate {n!r} is a {type(t).__name__}, "
                                           "not a Tensor")
            if t.name is None:
                t.name = n
            named[n], kinds[n] = t, "intermediate"
        wanted = list(named) if wanted is None else wanted
        need = [n for n in wanted if named[n].requires_grad]
        grads = grad(loss, [named[n] for n in need], retain_graph=True, allow_unused=True) if need else []
        autodiff = {n: (np.zeros(named[n].shape) if g is None else np.asarray(g.data, np.float64))
                    for n, g in zip(need, grads)}
        return Point(label, arrays, loss, named, kinds, autodiff)

    def loss_at(self, i: int, x: np.ndarray) -> float:
        xs = list(self.arrays)
        xs[i] = x
        with no_grad():
            return float(np.asarray(_loss_only(self.call(self.f, [Tensor(a) for a in xs])).data))


def _perturbed(arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Float inputs plus 10% (of their RMS) seeded Gaussian noise; a full-matrix perturbation, so a
    symmetric matrix becomes non-symmetric. Other inputs (labels) as they are."""
    out = []
    for a in arrays:
        if a.dtype.kind != "f":
            out.append(a)
            continue
        rms = float(np.sqrt(np.mean(a ** 2))) if a.size else 0.0
        out.append(a + 0.1 * (rms if rms > 0 else 1.0) * rng.standard_normal(a.shape))
    return out


def _symmetric_inputs(names: list[str], arrays: list[np.ndarray]) -> list[str]:
    return [n for n, a in zip(names, arrays) if a.dtype.kind == "f" and a.ndim == 2 and a.shape[0] == a.shape[1]
            and a.shape[0] > 1 and np.allclose(a, a.T, rtol=1e-12, atol=1e-14 * float(np.max(np.abs(a), initial=0)))]


def _hand_value(problem: _Problem, name: str, spec: Any, arrays: list[np.ndarray]) -> np.ndarray:
    """Call (or take) the hand gradient for `name` at `arrays`; refuse None, complex and non-numbers."""
    fname = getattr(spec, "__name__", f"the hand gradient for {name!r}")
    if callable(spec):
        try:
            value = problem.call(spec, [a.copy() for a in arrays])
        except Exception as exc:  # noqa: BLE001 - any error in the user's formula is reported as such
            raise HandGradientError(f"check_derivative: the hand gradient {fname} for {name!r} raised "
                                    f"{type(exc).__name__}: {exc}") from exc
    else:
        value = spec
    if value is None:
        raise DerivativeCheckError(f"check_derivative: the hand gradient {fname} for {name!r} returned None")
    value = value.data if isinstance(value, Tensor) else value
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001
        raise DerivativeCheckError(f"check_derivative: the hand gradient {fname} for {name!r} returned "
                                   f"{type(value).__name__}, not an array") from exc
    if arr.dtype.kind == "c":
        raise DerivativeCheckError(f"check_derivative: the hand gradient {fname} for {name!r} is complex "
                                   f"(dtype {arr.dtype}); a gradient of a real loss is real")
    if arr.dtype.kind not in "biuf":
        raise DerivativeCheckError(f"check_derivative: the hand gradient {fname} for {name!r} returned an array "
                                   f"of dtype {arr.dtype}, not numbers")
    return arr.astype(np.float64)


def check_derivative(f: Callable[..., Any], inputs: Any, hand_grads: Mapping[str, Any], *, tol: float = 1e-6,
                     fd_tol: float = 1e-4, eps: float | None = None, finite_differences: bool = True,
                     points: int = 3, seed: int = 0) -> DerivativeReport:
    """Compare hand-derived gradients of the scalar f with autodiff (at several points) and finite differences.

    Args:
        f: takes Tensors, returns a scalar Tensor or (scalar, {name: intermediate Tensor}).
        inputs: {name: array} (passed to f by keyword) or a sequence (by position; names from f's signature).
        hand_grads: {name: ndarray or function}; a function gets the inputs as float64 NumPy arrays,
            the same way f gets them, and returns dL/d(name) in the shape of that input or intermediate.
        points: the given inputs plus points − 1 seeded perturbations (`seed`); an array hand gradient is
            checked at the given inputs only.
        eps: the finite-difference base step (None: chosen per element).

    Returns:
        A DerivativeReport (truthy when every formula passes). Deterministic.
    """
    for label, value in (("tol", tol), ("fd_tol", fd_tol)) + ((("eps", eps),) if eps is not None else ()):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"check_derivative: {label} must be a finite number > 0, got {value!r}")
    if not isinstance(points, int) or points < 1:
        raise ValueError(f"check_derivative: points must be an int ≥ 1, got {points!r}")
    problem = _Problem(f, inputs)
    given = problem.evaluate(problem.arrays, "the given inputs", None)
    for n in hand_grads:
        if n not in given.tensors:
            inter = [k for k, v in given.kinds.items() if v == "intermediate"]
            raise DerivativeCheckError(
                f"check_derivative: a hand gradient for {n!r}, but f has no input or intermediate of that name "
                f"(inputs: {', '.join(problem.names) or 'none'}; intermediates: {', '.join(inter) or 'none'})")
        t = given.tensors[n]
        if t.dtype.kind in "biu":
            raise DerivativeCheckError(f"check_derivative: {n!r} is an integer array ({t.dtype}); pass floats to "
                                       "check its gradient")
        if not t.requires_grad:
            raise DerivativeCheckError(f"check_derivative: {n!r} is not a floating-point tensor that the loss "
                                       "depends on; it has no gradient")
    checked = [n for n in given.tensors if n in hand_grads]
    given.autodiff = {n: given.autodiff[n] for n in checked}

    rng = np.random.default_rng(seed)
    symmetric = _symmetric_inputs(problem.names, problem.arrays)
    extra: list[Point] = []
    skipped: list[str] = []
    for k in range(points - 1):
        label = f"perturbed point {k + 1}" + (f" (where {', '.join(symmetric)} "
                                               f"{'is' if len(symmetric) == 1 else 'are'} not symmetric)"
                                               if symmetric else "")
        arrays = _perturbed(problem.arrays, rng)
        try:
            with np.errstate(all="ignore"):
                p = problem.evaluate(arrays, label, checked)
            if not np.isfinite(float(np.asarray(p.loss.data))):
                raise FloatingPointError("the loss is not finite")
        except DerivativeCheckError:
            raise
        except Exception as exc:  # noqa: BLE001 - f may be defined only near the given point
            skipped.append(f"{label} skipped: f raised {type(exc).__name__} there")
            continue
        extra.append(p)

    results, hand_by_tensor = [], {}
    for n in checked:
        spec = hand_grads[n]
        at, hands, skipped_here = [], [], []
        for p in [given] + (extra if callable(spec) else []):
            try:
                hands.append(_hand_value(problem, n, spec, p.arrays))
            except HandGradientError as exc:
                if p is given:
                    raise
                skipped_here.append(f"{p.label} skipped: {str(exc).removeprefix('check_derivative: ')}")
                continue
            at.append(p)
        check = _judge(n, given.kinds[n], at, hands, symmetric, tol)
        check.notes += skipped_here
        if check.passed and check.mistake is None and _is_tiny(given, n):
            check = _second_point(check, n, spec, problem, tol)
        if finite_differences and given.kinds[n] == "input" and check.verdict not in ("SHAPE",):
            _finite_differences(check, n, given, hands[0], problem, eps, fd_tol)
        check.notes += skipped
        check.message = _message(check)
        results.append(check)
        hand_by_tensor[given.tensors[n]] = hands[0]
    return DerivativeReport(problem.function, results, given.loss, given.tensors, hand_by_tensor, tol,
                            fd_tol if finite_differences else None, 1 + len(extra))


def _scales(point: Point, name: str) -> tuple[float, float]:
    loss = float(np.asarray(point.loss.data))
    value = np.asarray(point.tensors[name].data, np.float64)
    return loss, float(np.max(np.abs(value), initial=0.0))


def _is_tiny(point: Point, name: str) -> bool:
    """Whether autodiff's gradient of `name` is ≈ 0 at this point (relative to the loss)."""
    loss, value = _scales(point, name)
    return compare(point.autodiff[name], point.autodiff[name], 1.0, loss_scale=loss, value_scale=value).tiny


def _judge(name: str, kind: str, at: list[Point], hands: list[np.ndarray], symmetric: list[str],
           tol: float) -> GradientCheck:
    """hand vs autodiff at each point; the first failing point decides, and is diagnosed."""
    given = at[0]
    ref0 = given.autodiff[name]
    if hands[0].shape != ref0.shape:
        d = shape_hint(name, hands[0], ref0)
        return GradientCheck(name, kind, ref0.shape, hands[0].shape, float("nan"), None, None, None, None, False,
                             "SHAPE", "", mistake=d.kind, diagnosis=d.text)
    comps: list[Comparison] = []
    for p, h in zip(at, hands):
        loss, value = _scales(p, name)
        comps.append(compare(h, p.autodiff[name], tol, loss_scale=loss, value_scale=value))
    failing = next((i for i, c in enumerate(comps) if not c.passed), None)
    i = failing if failing is not None else max(range(len(comps)), key=lambda j: comps[j].error)
    p, h, c = at[i], hands[i], comps[i]
    r = p.autodiff[name]
    w = c.worst
    check = GradientCheck(name, kind, r.shape, h.shape, c.error, None, w, None if w is None else float(h[w]),
                          None if w is None else float(r[w]), c.passed, "PASS" if c.passed else "WRONG", "",
                          norm_error=c.norm_error, cosine=c.cosine, point=p.label)
    if c.tiny:
        check.notes.append(f"the gradient is ≈ 0 at {p.label} (max |∂L/∂{name}| = {np.max(np.abs(r)):.1e}); "
                           f"judged relative to its own size, within {c.tol:.0e}")
    if failing is None:
        return check
    sizes = [s for a in p.arrays for s in a.shape if s > 1]
    values = {n: np.asarray(t.data, np.float64) for n, t in p.tensors.items()
              if t.shape == r.shape and t.dtype.kind == "f"}
    rtol = max(10 * c.tol, 1e-5)
    d = diagnose(h, r, rtol=rtol, sizes=sizes, uses=p.uses(name), values=values)
    if failing > 0 and symmetric:
        inner = f" (there {d.text})" if d.kind is not None else ""
        names, verb = ", ".join(symmetric), "is" if len(symmetric) == 1 else "are"
        d = Diagnosis("symmetric-only", f"holds only for symmetric {names}: right at the given inputs, where "
                                        f"{names} {verb} symmetric, but wrong at a non-symmetric {symmetric[0]}{inner}",
                      d.missing)
    elif failing > 0:
        d = Diagnosis(d.kind or "point-specific", f"right at the given inputs but wrong at {p.label}"
                      + (f": {d.text}" if d.kind is not None else ""), d.missing)
    check.mistake, check.diagnosis, check.missing = d.kind, d.text, d.missing
    return check


def _second_point(check: GradientCheck, name: str, spec: Any, problem: _Problem, tol: float) -> GradientCheck:
    """A gradient ≈ 0 at the given inputs is also checked at 0.1 × the inputs, where it is larger."""
    if not callable(spec):
        return check
    arrays = [0.1 * a if a.dtype.kind == "f" else a for a in problem.arrays]
    label = "a second point (0.1 × the given inputs)"
    try:
        with np.errstate(all="ignore"):
            p = problem.evaluate(arrays, label, [name])
    except Exception:  # noqa: BLE001 - f may be undefined there; the note says the check was not made
        check.notes.append(f"could not evaluate f at {label}")
        return check
    h = _hand_value(problem, name, spec, arrays)
    second = _judge(name, check.kind, [p], [h], [], tol)
    second.notes = check.notes + [f"checked again at {label}: {'agrees' if second.passed else 'disagrees'}"]
    if second.passed:
        check.notes.append(second.notes[-1])
        return check
    if second.mistake is None:
        second.mistake = "point-specific"
    second.diagnosis = f"right at the given inputs, where the gradient is ≈ 0, but wrong at {label}" + (
        f": {second.diagnosis}" if second.diagnosis else "")
    return second


def _finite_differences(check: GradientCheck, name: str, given: Point, hand: np.ndarray, problem: _Problem,
                        eps: float | None, fd_tol: float) -> None:
    """autodiff vs Richardson finite differences at the given inputs, within fd_tol plus FD's own error."""
    i = problem.names.index(name)
    try:
        fd, fd_err = richardson_grad(lambda x: problem.loss_at(i, x), problem.arrays[i], eps,
                                     _largest_value(given.loss))
    except Exception as exc:  # noqa: BLE001 - e.g. f calls al.grad, which needs grad mode: no FD then
        check.notes.append(f"finite differences could not be computed ({type(exc).__name__}: {exc})")
        return
    r = given.autodiff[name]
    scale = max(float(np.max(np.abs(r), initial=0.0)), 1e-300)
    gap = np.abs(fd - r)
    allowed = fd_tol * scale + 4 * fd_err
    check.error_fd = float(np.max(gap, initial=0.0)) / scale
    check.fd_noise = float(np.max(fd_err, initial=0.0)) / scale
    if np.all(gap <= allowed):
        if np.any(gap > fd_tol * scale):
            check.notes.append(f"finite differences differ from autodiff by {check.error_fd:.1e} (relative), "
                               f"within their own error estimate ±{check.fd_noise:.1e}: counted as agreement")
        return
    bad = np.where(np.isfinite(allowed), gap - allowed, np.inf)
    w = tuple(int(k) for k in np.unravel_index(int(np.argmax(bad)), bad.shape))
    if check.passed:  # the formula matches autodiff, but autodiff and FD disagree beyond FD's noise
        check.passed, check.verdict = False, "UNSURE"
        check.worst_index, check.worst_hand, check.worst_autodiff = w, float(hand[w]), float(r[w])
        check.diagnosis = (f"your formula matches autodiff, but autodiff and finite differences disagree at "
                           f"{name}[{', '.join(map(str, w))}] (autodiff {r[w]:.6g}, finite differences "
                           f"{fd[w]:.6g} ± {fd_err[w]:.1e}): is f differentiable at this point?")
    else:
        check.notes.append("autodiff and finite differences also disagree here: is f differentiable at this point?")


def _largest_value(loss: Tensor) -> float:
    """The largest magnitude among the values computed on the way to the loss: the loss inherits its
    rounding when terms cancel (log-softmax at large logits), so finite differences are no finer."""
    largest, stack, seen = 0.0, [loss.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen or fn.inputs is None:
            continue
        seen.add(id(fn))
        for t in fn.inputs:
            if t.dtype.kind == "f" and t.numel():
                largest = max(largest, float(np.max(np.abs(t.data))))
            stack.append(t.grad_fn)
    return largest if np.isfinite(largest) else 0.0


def _message(c: GradientCheck) -> str:
    if c.verdict in ("SHAPE", "UNSURE"):
        return f"{c.name}: {c.diagnosis}"
    if c.verdict == "PASS":
        return f"{c.name}: matches"
    at = f"{c.name}[{', '.join(map(str, c.worst_index))}]" if c.worst_index else c.name
    return (f"{c.name}: the hand formula is wrong: {c.diagnosis}.\n    worst at {at}: hand {c.worst_hand:.6g}, "
            f"autodiff {c.worst_autodiff:.6g} (error {c.error_autodiff:.1e} of max|∂L/∂{c.name}|, at {c.point})")


# ----- the report -------------------------------------------------------------------------------
def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1e}"


class DerivativeReport:
    """The result of check_derivative: one GradientCheck per hand gradient.

    `passed` (also `bool(report)`), `checks` (list), `report["X"]` (one check),
    `loss` (the graph root) and `tensors` ({name: Tensor}); `hand_grads` maps each
    checked Tensor to your array. `al.viz.draw_graph(report.loss, hand_grads=report)`
    colours each checked tensor and draws a missing path in red.
    """

    HEADER = ["tensor", "kind", "shape", "hand vs autodiff", "‖h−r‖/‖r‖", "cosine",
              "autodiff vs FD (± est.)", "worst at", "hand", "autodiff", "verdict"]

    def __init__(self, function: str, checks: list[GradientCheck], loss: Tensor, tensors: dict[str, Tensor],
                 hand_grads: dict[Tensor, np.ndarray], tol: float, fd_tol: float | None, points: int = 1) -> None:
        self.function, self.checks, self.loss, self.tensors = function, checks, loss, tensors
        self.hand_grads, self.tol, self.fd_tol, self.points = hand_grads, tol, fd_tol, points

    @property
    def passed(self) -> bool:
        """True when every hand gradient matched autodiff (also the report's truth value)."""
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
        """The checks of the hand gradients that did not match, in the order they were checked."""
        return [c for c in self.checks if not c.passed]

    def verdict(self) -> str:
        """The first line: PASSED or FAILED, and what."""
        n = len(self.checks)
        if self.passed:
            return (f"PASSED: {'the' if n == 1 else f'all {n}'} hand-derived gradient{'s' * (n != 1)} of "
                    f"{self.function} match{'es' * (n == 1)} autodiff.")
        return f"FAILED: {len(self.failed)} of {n} hand-derived gradients of {self.function} are wrong or unsure."

    def criteria(self) -> list[str]:
        """The pass criteria, stated as criteria."""
        where = ("the given inputs" if self.points == 1
                 else f"{self.points} points (the given inputs and {self.points - 1} seeded perturbations)")
        lines = [f"Criterion 1: |hand − autodiff| ≤ {self.tol:.0e}·max|autodiff| at {where}, in float64."]
        if self.fd_tol is not None:
            lines.append(f"Criterion 2 (inputs): |finite differences − autodiff| ≤ {self.fd_tol:.0e}"
                         "·max|autodiff| + 4 × their error estimate, at the given inputs.")
        return lines

    def _rows(self) -> list[list[str]]:
        rows = []
        for c in self.checks:
            shape = str(c.shape) if not c.shape_mistake else f"{c.shape} ≠ yours {c.hand_shape}"
            fd = "n/a" if c.error_fd is None else f"{c.error_fd:.1e} (± {c.fd_noise:.1e})"
            rows.append([c.name, c.kind, shape, "—" if c.shape_mistake else _num(c.error_autodiff),
                         "—" if c.shape_mistake else _num(c.norm_error),
                         "—" if c.shape_mistake else f"{c.cosine:.4f}", "—" if c.shape_mistake else fd,
                         "—" if c.worst_index is None else str(c.worst_index),
                         "—" if c.worst_hand is None else f"{c.worst_hand:.6g}",
                         "—" if c.worst_autodiff is None else f"{c.worst_autodiff:.6g}", c.verdict])
        return rows

    def __str__(self) -> str:
        rows = [self.HEADER] + self._rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEADER))]
        lines = [self.verdict()]
        lines += ["  ✗ " + c.message for c in self.failed]
        lines += ["", *self.criteria(), ""]
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        notes = [f"  note ({c.name}): {n}" for c in self.checks for n in c.notes]
        return "\n".join(lines + ([""] + notes if notes else []))

    def __repr__(self) -> str:
        state = "passed" if self.passed else f"failed: {', '.join(c.name for c in self.failed)}"
        return f"<DerivativeReport of {self.function}: {state}>"

    def _repr_html_(self) -> str:
        colour = {"PASS": "#1a7f37", "WRONG": "#cf222e", "SHAPE": "#bc4c00", "UNSURE": "#9a6700"}
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADER)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[:-1])
            + f'<td style="color:{colour[row[-1]]};font-weight:bold">{row[-1]}</td></tr>' for row in self._rows())
        failed = "".join(f"<li>{html.escape(c.message).replace(chr(10), '<br>')}</li>" for c in self.failed)
        notes = "".join(f"<li>{html.escape(c.name)}: {html.escape(n)}</li>" for c in self.checks for n in c.notes)
        return (f"<div><p><b>{html.escape(self.verdict())}</b></p>"
                + (f"<ul>{failed}</ul>" if failed else "")
                + "".join(f"<p>{html.escape(t)}</p>" for t in self.criteria())
                + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                + (f"<p>Notes:</p><ul>{notes}</ul>" if notes else "") + "</div>")
