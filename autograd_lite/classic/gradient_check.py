"""Numeric gradients of the homework: centered differences that nudge the array in place.

These are deliberately independent of the engine — they are what the engine's
gradients (and students' hand-written ones) are checked against.
`f` is called with the same array object, modified in place, so closures such as
`lambda _: model.loss(X, y)[0]` over `model.params[name]` work as in the notebooks.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def _at_plus_minus(evaluate: Callable[[], Any], x: np.ndarray, ix: tuple, h: float) -> tuple[Any, Any]:
    """evaluate() with x[ix] raised by h, then lowered by h; x[ix] is restored. Results are copied,
    since a function may hand back the same output array each time."""
    old = x[ix]
    x[ix] = old + h
    pos = np.array(evaluate(), copy=True)
    x[ix] = old - h
    neg = np.array(evaluate(), copy=True)
    x[ix] = old
    return pos, neg


def eval_numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, verbose: bool = True,
                            h: float = 0.00001) -> np.ndarray:
    """Gradient of a scalar function f at x: (f(x + h·e_i) − f(x − h·e_i)) / 2h for every element i."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        fxph, fxmh = _at_plus_minus(lambda: f(x), x, ix, h)
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray,
                                  h: float = 1e-5) -> np.ndarray:
    """Gradient of sum(f(x) * df) at x, for an array-valued f and upstream gradient df."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        pos, neg = _at_plus_minus(lambda: f(x), x, ix, h)
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_blobs(f: Callable[..., Any], inputs: list, output: Any, h: float = 1e-5) -> list:
    """Numeric gradients for functions on "blobs" (objects with `.vals` and `.diffs` arrays), as in cs231n."""
    numeric_diffs = []
    args = inputs + (output,) if isinstance(inputs, tuple) else inputs + [output]
    for input_blob in inputs:
        diff = np.zeros_like(input_blob.diffs)
        it = np.nditer(input_blob.vals, flags=["multi_index"], op_flags=[["readwrite"]])
        while not it.finished:
            idx = it.multi_index
            pos, neg = _at_plus_minus(lambda: (f(*args), output.vals)[1], input_blob.vals, idx, h)
            diff[idx] = np.sum((pos - neg) * output.diffs) / (2.0 * h)
            it.iternext()
        numeric_diffs.append(diff)
    return numeric_diffs


def grad_check_sparse(f: Callable[[np.ndarray], float], x: np.ndarray, analytic_grad: np.ndarray,
                      num_checks: int = 10, h: float = 1e-5) -> list[float]:
    """Compare analytic_grad with centered differences at `num_checks` random elements; prints each and
    returns the relative errors abs(num − ana) / (abs(num) + abs(ana)). Elements are drawn from NumPy's
    global state."""
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(np.random.randint(m)) for m in x.shape)
        fxph, fxmh = _at_plus_minus(lambda: f(x), x, ix, h)
        grad_numerical = float(fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        denom = abs(grad_numerical) + abs(grad_analytic)
        rel_error = abs(grad_numerical - grad_analytic) / denom if denom else 0.0
        errors.append(float(rel_error))
        print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {rel_error:e}")
    return errors
