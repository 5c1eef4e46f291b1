"""Finite differences and gradient checking against the engine."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..backprop import grad
from ..engine import enable_grad
from ..tensor import Tensor


def rel_error(x: Any, y: Any) -> float:
    """`max(|x − y| / max(1e-8, |x| + |y|))`: the homework's relative error."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))) if x.size else 0.0


def _as_tensor_list(inputs: Any) -> list[Tensor]:
    items = [inputs] if isinstance(inputs, (Tensor, np.ndarray)) else list(inputs)
    return [x if isinstance(x, Tensor) else Tensor(x) for x in items]


def _checked_inputs(inputs: Any) -> list[Tensor]:
    """Fresh contiguous float64 leaves for the inputs to check (those requiring grad, or all float
    inputs if none does): finite differences need float64, and perturbing a copy never touches
    the caller's tensors. Other inputs pass through unchanged."""
    xs = _as_tensor_list(inputs)
    check_all = not any(x.requires_grad for x in xs)
    return [Tensor(np.array(x.data, dtype=np.float64, order="C"), requires_grad=True)
            if x.requires_grad or (check_all and x.dtype.kind == "f") else x for x in xs]


def _evaluate(f: Callable[..., Any], inputs: Sequence[Tensor]) -> np.ndarray:
    out = f(*inputs)  # in the caller's grad mode (not no_grad): f may itself call al.grad, as in PyTorch
    return np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)


def numerical_grad(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6, grad_output: Any = None) -> Any:
    """Central differences of `sum(f(*inputs) * grad_output)` (grad_output = 1 for a scalar f).

    `f` receives Tensors; returns one float64 array per input (a tuple when several).
    """
    # float64 copies; they require grad where the caller's did, so f may call al.grad on them
    xs = [Tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64, order="C"),
                 requires_grad=isinstance(x, Tensor) and x.requires_grad) for x in inputs]
    weight = 1.0 if grad_output is None else np.asarray(getattr(grad_output, "data", grad_output), np.float64)
    grads = [np.array([np.sum(d * weight) for d in _central_differences(lambda: _evaluate(f, xs), x, eps)])
             .reshape(x.shape) for x in xs]
    return grads[0] if len(grads) == 1 else tuple(grads)


def _central_differences(evaluate: Callable[[], np.ndarray], x: Tensor, eps: float) -> Any:
    """(evaluate() at x_i + eps − at x_i − eps) / 2eps for each element x_i of x, in place, in order."""
    flat = x.data.reshape(-1)  # a view: x is a C-contiguous float64 copy
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        hi = evaluate()
        flat[i] = orig - eps
        lo = evaluate()
        flat[i] = orig
        yield (hi - lo) / (2 * eps)


class GradcheckError(AssertionError):
    """A gradient that disagrees with finite differences; the message names the input and element."""


def _jacobians(f: Callable[..., Tensor], xs: list[Tensor], eps: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(analytical, numerical) Jacobians d out / d x_i, each of shape (out.size, x_i.size)."""
    outs = _outputs(f, xs)
    flat_out = np.concatenate([np.asarray(o.data, np.float64).reshape(-1) for o in outs])
    wrt = [x for x in xs if x.requires_grad]
    analytical = [np.zeros((flat_out.size, x.numel())) for x in wrt]
    row = 0
    for o in outs:
        for k in range(o.numel()):
            onehot = np.zeros(o.shape, dtype=o.dtype)
            onehot.reshape(-1)[k] = 1
            if o.requires_grad:
                gs = grad(o, wrt, Tensor._make(onehot), retain_graph=True, allow_unused=True)
                for a, g in zip(analytical, gs):
                    if g is not None:
                        a[row] = np.asarray(g.data, np.float64).reshape(-1)
            row += 1
    numerical = [np.array(list(_central_differences(lambda: _flat_outputs(f, xs), x, eps))).reshape(
        x.numel(), flat_out.size).T for x in wrt]
    return analytical, numerical


def _outputs(f: Callable[..., Any], xs: Sequence[Tensor]) -> tuple[Tensor, ...]:
    """f(*xs) as a tuple of Tensors (f returns one Tensor or a tuple or list of them)."""
    out = f(*xs)  # in the caller's grad mode, like _evaluate
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: f must return a Tensor or a tuple of Tensors, got {type(o).__name__}")
    return outs


def _flat_outputs(f: Callable[..., Any], xs: Sequence[Tensor]) -> np.ndarray:
    return np.concatenate([np.asarray(o.data, np.float64).reshape(-1) for o in _outputs(f, xs)])


def gradcheck(f: Callable[..., Tensor], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Compare the engine's Jacobian of f with central differences, like torch.autograd.gradcheck.

    Checks every input that requires grad (all inputs, if none does). Passes when
    `|analytical − numerical| <= atol + rtol·|numerical|` everywhere; otherwise raises
    GradcheckError naming the input, the worst element and both values.
    """
    xs = _checked_inputs(inputs)
    analytical, numerical = _jacobians(f, xs, eps)
    positions = [i for i, x in enumerate(xs) if x.requires_grad]
    for pos, a, n in zip(positions, analytical, numerical):
        bad = np.abs(a - n) - (atol + rtol * np.abs(n))
        if bad.size and (np.max(bad) > 0 or not np.all(np.isfinite(a))):
            r, c = np.unravel_index(np.nanargmax(np.where(np.isfinite(bad), bad, np.inf)), bad.shape)
            where = np.unravel_index(c, xs[pos].shape)
            if not raise_exception:
                return False
            raise GradcheckError(
                f"gradcheck: the gradient w.r.t. input {pos} (shape {xs[pos].shape}) disagrees with finite "
                f"differences at input element {tuple(int(i) for i in where)}, output element {int(r)}: "
                f"analytical {a[r, c]:.10g}, numerical {n[r, c]:.10g} (atol={atol}, rtol={rtol})")
    return True


def gradgradcheck(f: Callable[..., Tensor], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of x ↦ d<f(x), v>/dx for a fixed random v."""
    xs = _checked_inputs(inputs)
    wrt = [i for i, x in enumerate(xs) if x.requires_grad]
    out0 = f(*xs)
    outs0 = out0 if isinstance(out0, (tuple, list)) else (out0,)
    rng = np.random.default_rng(seed)
    vs = [Tensor._make(rng.standard_normal(o.shape).astype(o.dtype)) for o in outs0]

    def first_grad(*args: Tensor) -> tuple[Tensor, ...]:
        with enable_grad():  # also when the caller is under no_grad
            out = f(*args)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            used = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
            gs = grad([o for o, _ in used], [args[i] for i in wrt], [v for _, v in used],
                      create_graph=True, allow_unused=True)
        return tuple(g if g is not None else args[i] * 0.0 for g, i in zip(gs, wrt))

    return gradcheck(first_grad, xs, eps=eps, atol=atol, rtol=rtol)


def richardson_grad(loss: Callable[[np.ndarray], float], x: np.ndarray, step: float | None = None,
                    value_scale: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of the scalar loss(x) by Richardson-extrapolated central differences, with an error bound.

    Per element, central differences D(h) at h, h/2, h/4 give two extrapolations R(h) = (4·D(h/2) − D(h))/3
    (truncation error O(h⁴)); the estimate is the finer one and its error estimate is their difference
    plus the rounding noise `8ε·max(|L|, value_scale)/h` (value_scale: the largest magnitude computed on the
    way to L, whose rounding L inherits when terms cancel). The base step is tried at 1e-3 (or `step`)
    times the element's scale, and at 1e-2 and 1e-4 where that estimate is poor; the step with the
    smallest error estimate wins.
    Returns (estimate, error), both float64 of x's shape.
    """
    x = np.array(x, dtype=np.float64, order="C")
    flat = x.reshape(-1)
    rms = float(np.sqrt(np.mean(flat ** 2))) if flat.size else 0.0
    scales = np.maximum(np.abs(flat), rms if rms > 0 else 1.0)
    estimate, error = np.zeros(flat.size), np.full(flat.size, np.inf)
    base = [step] if step is not None else [1e-3, 1e-2, 1e-4]
    for k in range(flat.size):
        for b in base:
            est, err = _richardson_one(loss, x, flat, k, b * scales[k], value_scale)
            if err < error[k]:
                estimate[k], error[k] = est, err
            if step is None and error[k] <= 1e-8 * max(abs(estimate[k]), 1e-300) + 1e-300:
                break  # good enough at the first step: skip the others
    return estimate.reshape(x.shape), error.reshape(x.shape)


def _richardson_one(loss: Callable[[np.ndarray], float], x: np.ndarray, flat: np.ndarray, k: int,
                    h: float, value_scale: float) -> tuple[float, float]:
    orig, values, diffs = flat[k], [value_scale], []
    for hh in (h, h / 2, h / 4):
        flat[k] = orig + hh
        hi = loss(x)
        flat[k] = orig - hh
        lo = loss(x)
        flat[k] = orig
        values += [abs(hi), abs(lo)]
        diffs.append((hi - lo) / (2 * hh))
    r1, r2 = (4 * diffs[1] - diffs[0]) / 3, (4 * diffs[2] - diffs[1]) / 3
    noise = 8 * np.finfo(np.float64).eps * max(values) / (h / 4)
    err = abs(r2 - r1) + noise
    return (float(r2), float(err)) if np.isfinite(r2) and np.isfinite(err) else (float("nan"), float("inf"))
